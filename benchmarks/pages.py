# ruff: noqa: E501  (markup as sites ship it)
"""Realistic pages for the tag rewriter benchmarks (deterministic, no randomness).

``article(20_000)``, ``product_list(100_000)`` and ``catalogue(1_000_000)``
are built from ordinary markup as sites ship it: a head with meta/link tags,
critical CSS, JSON-LD and the official tracker snippets (GTM, GA4, Meta Pixel
with its ``<noscript>`` pixel, Clarity, Hotjar), share links to facebook.com
and twitter.com with ``%``-escaped URLs, bare ``&`` in text and URLs,
``<img srcset>`` on every card, inline SVG icons, comments, inline scripts
and a YouTube embed.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["article", "catalogue", "product_list", "worst_cases"]

_HEAD = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outdoor &ndash; %(title)s</title>
<meta name="description" content="Tents, packs & trail gear since 1998. Free returns.">
<meta property="og:image" content="https://cdn.acme.example/og/%(slug)s.jpg">
<link rel="canonical" href="https://www.acme.example/%(slug)s">
<link rel="preconnect" href="https://cdn.acme.example" crossorigin>
<link rel="stylesheet" href="/static/css/main.4f3a2c.css">
<link rel="icon" href="/favicon.ico" sizes="any">
<link rel="preconnect" href="https://www.googletagmanager.com">
<style>
:root{--brand:#0a6;--ink:#222}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--ink)}
.card{display:grid;gap:.5rem;border:1px solid #ddd;border-radius:8px;padding:1rem}
.card img{width:100%%;height:auto}.price .was{text-decoration:line-through;color:#888}
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
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
"name":"Acme Outdoor","url":"https://www.acme.example","logo":"https://cdn.acme.example/logo.png",
"sameAs":["https://www.facebook.com/acme","https://twitter.com/acme","https://www.youtube.com/acme"]}</script>
<script src="/static/js/app.9c1e.js" defer></script>
</head>
<body>
<!-- Google Tag Manager (noscript) -->
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABC123"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<!-- End Google Tag Manager (noscript) -->
<svg xmlns="http://www.w3.org/2000/svg" style="display:none"><symbol id="i-cart" viewBox="0 0 24 24"><path d="M7 18a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm10 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM7.2 14h9.9l3-8H6.2L5.3 2H1v2h3l3.6 9.6L6 16h14v-2H7.2z"/></symbol></svg>
<header class="site-header"><a href="/" class="logo"><img src="/static/img/logo.svg" alt="Acme Outdoor" width="120" height="32"></a>
<nav aria-label="Main"><ul class="nav"><li><a href="/tents">Tents</a></li><li><a href="/packs">Packs</a></li>
<li><a href="/sale?utm_source=nav&utm_medium=menu" class="hot">Sale &amp; offers</a></li><li><a href="/stores">Stores</a></li></ul></nav>
<form action="/search" role="search"><input type="search" name="q" placeholder="Search tents, packs &amp; more"></form></header>
<main id="content">
"""

_SHARE = """<div class="share">
<a href="https://www.facebook.com/sharer/sharer.php?u=%(u)s" target="_blank" rel="noopener"><svg width="16" height="16" aria-hidden="true"><use href="#i-fb"/></svg> Share</a>
<a href="https://twitter.com/intent/tweet?url=%(u)s&text=%(t)s" target="_blank" rel="noopener">Tweet</a>
<a href="mailto:?subject=%(t)s&body=%(u)s">Email</a>
</div>
"""

_PARAGRAPH = """<p>Day %(i)d on the ridge: the wind dropped after sunset &amp; the tent held at 1,240&nbsp;m.
We cooked on the lee side, 2 & a half litres of water each, and slept warm at &minus;4&nbsp;&deg;C.
Read the <a href="/guides/pitching-in-wind">guide to pitching in wind</a> or ask in the
<a href="https://community.acme.example/t/%(i)d">community thread</a> (50%% off members&rsquo; kit this week).</p>
"""

_FIGURE = """<figure><img src="/img/trip/%(i)05d-800.webp" srcset="/img/trip/%(i)05d-400.webp 400w, /img/trip/%(i)05d-800.webp 800w, /img/trip/%(i)05d-1600.webp 1600w" sizes="(min-width: 60em) 50vw, 100vw" alt="Camp %(i)d at dusk" loading="lazy" width="800" height="533">
<figcaption>Camp %(i)d &mdash; photo by R. Smith</figcaption></figure>
"""

_CARD = """<article class="card" data-sku="SKU-%(i)05d" data-price="%(p)d.00">
  <!-- card %(i)d -->
  <a href="/p/%(i)05d?ref=list&amp;pos=%(i)d"><img src="/img/p/%(i)05d-320.webp" srcset="/img/p/%(i)05d-320.webp 1x, /img/p/%(i)05d-640.webp 2x" alt="Trail tent %(i)d" loading="lazy" width="320" height="240"></a>
  <h2 class="title"><a href="/p/%(i)05d">Ultralight Trail Tent &ndash; model %(i)d</a></h2>
  <p class="desc">Two-person, three-season, 1.4&nbsp;kg. Free shipping over &pound;50 & free returns.</p>
  <div class="price"><span class="now">&pound;%(p)d.00</span> <s class="was">&pound;%(w)d.00</s></div>
  <button type="button" class="add" data-id="%(i)d" aria-label="Add to cart"><svg width="20" height="20" aria-hidden="true"><use href="#i-cart"/></svg></button>
</article>
"""

_TAIL = """</main>
<section class="video"><iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ"
 title="YouTube video player" frameborder="0" allow="accelerometer; autoplay; encrypted-media" allowfullscreen></iframe></section>
<script>
  document.querySelectorAll('.add').forEach(function (b) {
    b.addEventListener('click', function () { if (a < b.dataset.id && b.dataset.id > 0) cart.add(b.dataset.id); });
  });
</script>
<script type="text/javascript">
(function(c,l,a,r,i,t,y){c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
})(window, document, "clarity", "script", "abcdef123");
</script>
<script>
    (function(h,o,t,j,a,r){
        h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
        a=o.getElementsByTagName('head')[0];
        r=o.createElement('script');r.async=1;
        r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;
        a.appendChild(r);
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script>
<footer><p>&copy; 2026 Acme Outdoor Ltd &middot; <a href="/privacy">Privacy</a> &middot; <a href="/terms">Terms</a></p>
<p>Follow us: <a href="https://www.facebook.com/acme">Facebook</a> &middot; <a href="https://twitter.com/acme">X</a> &middot; <a href="https://www.instagram.com/acme/">Instagram</a></p></footer>
</body>
</html>
"""


def _fill(body: list[str], size: int, parts: list[str]) -> str:
    head = _HEAD % {"title": "Trail notes", "slug": "notes"}
    total = len(head) + len(_TAIL)
    i = 0
    while total < size:
        u = quote(f"https://www.acme.example/notes/{i}?utm_source=share&x=a b", safe="")
        t = quote(f"Trail notes {i}: wind & water", safe="")
        part = parts[i % len(parts)] % {
            "i": i,
            "p": 100 + i % 300,
            "w": 150 + i % 300,
            "u": u,
            "t": t,
        }
        body.append(part)
        total += len(part)
        i += 1
    return head + "".join(body) + _TAIL


def article(size: int = 20_000) -> bytes:
    """A blog article: paragraphs, figures with srcset, share links."""
    return _fill([], size, [_PARAGRAPH, _PARAGRAPH, _FIGURE, _SHARE]).encode("utf-8")


def product_list(size: int = 100_000) -> bytes:
    """A shop listing: product cards with srcset and SVG icons, some share links."""
    return _fill([], size, [_CARD, _CARD, _CARD, _SHARE]).encode("utf-8")


def catalogue(size: int = 1_000_000) -> bytes:
    """A long catalogue: cards, paragraphs and figures."""
    return _fill([], size, [_CARD, _CARD, _PARAGRAPH, _FIGURE, _CARD, _SHARE]).encode("utf-8")


def worst_cases(size: int = 100_000) -> dict[str, bytes]:
    """Adversarial 100 KB inputs (the linearity tests' patterns), for the worst-case table."""
    units = {
        "unclosed <img ": b"<img ",
        'unclosed <img src="': b'<img src="',
        "<img a a a ...": b"<img " + b"a " * 40,
        "<!--<script> runs": b"<!--<script>",
        "& x 100 KB": b"&",
        "< x 100 KB": b"<",
        "<svg><style> nest": b"<svg><style>",
        "unsure foreign": b"<svg></div><style>",
        "noscript closers": b"<noscript><p title='</noscript>'>",
        "tracker <img> x N": b'<img src="https://www.facebook.com/tr?id=1">',
        "tiny tags": b"<b>",
        # floods of tags the fast grammar leaves to the tree-aware slow path
        # (foreign content, breakouts, raw-text elements): a few µs a tag
        "<svg><b> flood": b"<svg><b>",
        "<svg><a> flood": b"<svg><a>",
        "<math><mi> flood": b"<math><mi>",
        "<template><svg> flood": b"<template><svg>",
        "<select><title> flood": b"<select><title>",
        "empty <style> flood": b"<style></style>",
        "empty <script> flood": b"<script></script>",
        "tracker <script> x N": b"<script>fbq('x')</script>",
    }
    out = {name: (unit * (size // len(unit) + 1))[:size] for name, unit in units.items()}
    out["long attribute"] = (b'<div title="' + b"x" * size)[:size]
    return out
