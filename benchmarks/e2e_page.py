# ruff: noqa: E501  (markup as sites ship it)
"""A realistic, dynamic 20 KB HTML page for the end-to-end run (``benchmarks.e2e``).

What a shop's article page carries: a head with meta and link tags, critical
CSS, JSON-LD and the official tracker snippets (Google Tag Manager, GA4, the
Meta Pixel with its ``<noscript>`` image), share links to facebook.com and
x.com with ``%``-escaped URLs, bare ``&`` in text and URLs, many ``<img>``
with ``srcset``, inline scripts, comments, a YouTube embed. *Dynamic*: every
request renders a new page (a CSRF token, the request number and a
timestamp), as a templated page is, so no page cache can answer it; the bare
app renders the same page, so the comparison is privmw's cost alone.

Deterministic apart from the per-request values.
"""

from __future__ import annotations

import itertools
import time
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

__all__ = ["page", "page_app"]

_HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="%(token)s">
<title>Acme Outdoor &ndash; Three nights on the ridge</title>
<meta name="description" content="Tents, packs & trail gear since 1998. Free returns & repairs.">
<link rel="canonical" href="https://www.acme.example/journal/ridge">
<link rel="preconnect" href="https://cdn.acme.example" crossorigin>
<link rel="stylesheet" href="/static/css/main.4f3a2c.css">
<link rel="icon" href="/favicon.ico" sizes="any">
<style>
:root{--brand:#0a6;--ink:#222}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--ink)}
.card{display:grid;gap:.5rem;border:1px solid #ddd;border-radius:8px;padding:1rem}
.hero{background:url(/static/img/hero.webp) center/cover no-repeat;min-height:40vh}
@media (min-width:60em){.grid{grid-template-columns:repeat(4,1fr)}}
</style>
<!-- Google Tag Manager -->
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-ABC123');</script>
<!-- End Google Tag Manager -->
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XYZ987"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-XYZ987');
</script>
<!-- Meta Pixel Code -->
<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;
n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,
document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"/></noscript>
<!-- End Meta Pixel Code -->
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Article",
"headline":"Three nights on the ridge","author":{"@type":"Person","name":"Sam Lee"},
"publisher":{"@type":"Organization","name":"Acme Outdoor","logo":"https://cdn.acme.example/logo.png"}}</script>
<script src="/static/js/app.9c1e.js" defer></script>
</head>
<body>
<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABC123"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<!-- End Google Tag Manager (noscript) -->
<header class="site-header"><a href="/" class="logo"><img src="/static/img/logo.svg" alt="Acme Outdoor" width="120" height="32"></a>
<nav aria-label="Main"><ul class="nav"><li><a href="/tents">Tents</a></li><li><a href="/packs">Packs</a></li>
<li><a href="/sale?utm_source=nav&utm_medium=menu" class="hot">Sale &amp; offers</a></li><li><a href="/stores">Stores</a></li></ul></nav>
<form action="/search" role="search"><input type="search" name="q" placeholder="Search tents, packs &amp; more"></form></header>
<main class="article"><h1>Three nights on the ridge</h1>
<p class="byline">By Sam Lee &middot; rendered %(when)s &middot; request %(n)d</p>
"""

_SHARE = """<div class="share"><a href="https://www.facebook.com/sharer/sharer.php?u=%(url)s" target="_blank" rel="noopener">Share on Facebook</a>
<a href="https://x.com/intent/tweet?url=%(url)s&text=Three%%20nights%%20on%%20the%%20ridge&via=acme" target="_blank">Post</a>
<a href="mailto:?subject=Three%%20nights&body=%(url)s">E-mail</a></div>
"""

_PARAGRAPH = """<p>Day %(i)d: the wind dropped after sunset & the tent held at 1,240&nbsp;m. We cooked on the
<a href="/stoves/trail-2?ref=journal&amp;day=%(i)d">Trail 2 stove</a> (50%% off this week &ndash; code RIDGE%(i)d),
and the <em>pack</em> carried 14&nbsp;kg without complaint. <!-- editor: check the altitude --></p>
"""

_FIGURE = """<figure><img src="/img/trip/%(i)05d-800.webp" srcset="/img/trip/%(i)05d-400.webp 400w, /img/trip/%(i)05d-800.webp 800w" sizes="(min-width: 60em) 50vw, 100vw" alt="Camp %(i)d at dusk" loading="lazy" width="800" height="533">
<figcaption>Camp %(i)d &ndash; photo &copy; Acme</figcaption></figure>
"""

_INLINE = """<script>document.querySelectorAll('[data-day="%(i)d"]').forEach(function(e){e.classList.add('seen')});</script>
"""

_TAIL = """<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc" title="Ridge film" allowfullscreen></iframe>
</main>
<footer><p>&copy; 1998&ndash;2026 Acme Outdoor Ltd &middot; <a href="/privacy">Privacy</a> &middot; <a href="/terms?v=2&lang=en">Terms</a></p>
<img src="/static/img/payments.svg" alt="Visa, Mastercard & PayPal" width="200" height="24"></footer>
<script>window.__ACME__={"page":"journal","n":%(n)d,"token":"%(token)s"};</script>
</body>
</html>
"""

_URL = quote("https://www.acme.example/journal/ridge?utm_source=share&utm_medium=social", safe="")


def _body(size: int) -> str:
    parts: list[str] = []
    length = 0
    for i in itertools.count():
        block = _PARAGRAPH % {"i": i} + _FIGURE % {"i": i}
        if i % 3 == 0:
            block += _SHARE % {"url": _URL}
        if i % 4 == 1:
            block += _INLINE % {"i": i}
        parts.append(block)
        length += len(block)
        if length >= size:
            return "".join(parts)
    raise AssertionError("unreachable")  # pragma: no cover


_MIDDLE = _body(20_000 - len(_HEAD) - len(_TAIL))
_COUNTER = itertools.count()


def page(n: int, *, when: float | None = None) -> bytes:
    """The page of request number ``n`` (about 20 KB)."""
    values = {
        "n": n,
        "token": f"{n * 2654435761 % 2**32:08x}{n:08x}",
        "when": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when or time.time())),
    }
    return (_HEAD % values + _MIDDLE + _TAIL % values).encode()


async def _page(request: Request) -> Response:
    return HTMLResponse(page(next(_COUNTER)))


def page_app() -> Starlette:
    """The app serving a new page on ``/page`` for every request."""
    return Starlette(routes=[Route("/page", _page)])
