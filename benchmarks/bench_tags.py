"""Tag gating: per-request overhead on a 20 KB page, and rewriter throughput.

``apps()`` feeds the shared harness (per-request medians on ``/page``).
``throughput()`` and ``pages()`` give the HTML MB/s table: the privmw
rewriter side by side with a single compiled regex scan (the practical floor),
selectolax parse + serialise and the stdlib ``html.parser``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from benchmarks import pages as realistic
from benchmarks.common import ASGIApp, bare_app, make_scope
from privmw import PrivacyMiddleware, TagGate
from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry

GROUP = "tags"

_HEAD = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Outdoor - Tents, Packs and Trail Gear</title>
<link rel="stylesheet" href="/static/css/main.4f3a2c.css">
<link rel="preconnect" href="https://www.googletagmanager.com">
<link rel="icon" href="/favicon.ico">
<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-ABC123');</script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-XYZ987"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-XYZ987');
</script>
<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;
n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;
t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,
document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '1234567890');
fbq('track', 'PageView');
</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization"}</script>
<script src="/static/js/app.9c1e.js" defer></script>
</head>
<body>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABC123"
height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=1234567890&ev=PageView&noscript=1"/></noscript>
<header class="site-header"><nav><ul class="nav">
<li><a href="/tents">Tents</a></li><li><a href="/packs">Packs</a></li>
<li><a href="/sale" class="hot">Sale</a></li></ul></nav></header>
<main id="content">
"""

_CARD = b"""<article class="product-card" data-sku="SKU-%05d">
  <a href="/p/%05d"><img src="/img/p/%05d.webp" alt="Trail tent %d" loading="lazy" width="320"
  height="240"></a>
  <h2 class="title"><a href="/p/%05d">Ultralight Trail Tent &ndash; model %d</a></h2>
  <p class="desc">Two-person, three-season, 1.4&nbsp;kg. Free shipping over $50.</p>
  <div class="price"><span class="now">$%d.00</span> <s class="was">$%d.00</s></div>
  <button type="button" class="add" data-id="%d">Add to cart</button>
</article>
"""

_TAIL = b"""</main>
<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ"
 title="YouTube video player" frameborder="0" allowfullscreen></iframe>
<script type="text/javascript">
(function(c,l,a,r,i,t,y){c[a]=c[a]||function(){(c[a].q=c[a].q||[]).push(arguments)};
t=l.createElement(r);t.async=1;t.src="https://www.clarity.ms/tag/"+i;
y=l.getElementsByTagName(r)[0];y.parentNode.insertBefore(t,y);
})(window, document, "clarity", "script", "abcdef123");
</script>
<footer><p>&copy; 2026 Acme Outdoor</p></footer>
</body>
</html>
"""


def make_page(size: int) -> bytes:
    """A realistic shop page of about ``size`` bytes with GTM, GA4, Meta, Clarity, YouTube."""
    cards: list[bytes] = []
    total = len(_HEAD) + len(_TAIL)
    i = 0
    while total < size:
        card = _CARD % (i, i, i, i, i, i, 100 + i % 300, 150 + i % 300, i)
        cards.append(card)
        total += len(card)
        i += 1
    return _HEAD + b"".join(cards) + _TAIL


def pages() -> dict[str, bytes]:
    """Pages for the throughput table: today's shop page and the realistic ones."""
    return {
        "100 KB page": make_page(100_000),
        "1 MB page": make_page(1_000_000),
        "realistic 20 KB article": realistic.article(20_000),
        "realistic 100 KB product list": realistic.product_list(100_000),
        "realistic 1 MB catalogue": realistic.catalogue(1_000_000),
    }


def _deny(category: str) -> bool:
    return category == "necessary"


def throughput() -> dict[str, Callable[[bytes], object]]:
    """Per-page callables for the MB/s table."""
    plan = RewritePlan(TrackerRegistry())  # what a middleware compiles once
    floor = re.compile(rb"<(?:script|iframe|img)[^>]*>", re.IGNORECASE)

    def privmw(page: bytes) -> object:
        rw = HtmlRewriter(plan, _deny)
        return rw.feed(page) + rw.close()

    def chunked(size: int) -> Callable[[bytes], object]:
        def run(page: bytes) -> object:
            rw = HtmlRewriter(plan, _deny)
            out = [rw.feed(page[i : i + size]) for i in range(0, len(page), size)]
            out.append(rw.close())
            return out

        return run

    stdlib_plan = RewritePlan(TrackerRegistry(), use_re2=False)

    banner = b'<section id="privmw-banner">' + b"x" * 3000 + b"</section>"

    def privmw_banner(page: bytes) -> object:
        # The consent banner's hook: its bytes after <body>, found by the tokenizer.
        rw = HtmlRewriter(plan, _deny, after_body=banner)
        return rw.feed(page) + rw.close()

    def fallback(page: bytes) -> object:
        rw = HtmlRewriter(stdlib_plan, _deny)
        return rw.feed(page) + rw.close()

    def regex(page: bytes) -> object:
        return floor.findall(page)

    def stdlib(page: bytes) -> object:
        parser = HTMLParser(convert_charrefs=False)
        parser.feed(page.decode("utf-8"))
        parser.close()
        return parser

    out: dict[str, Callable[[bytes], object]] = {
        "privmw rewriter": privmw,
        "privmw rewriter, 4 KB chunks": chunked(4096),
        "privmw rewriter, 64 B chunks": chunked(64),
        "privmw rewriter, stdlib fallback": fallback,
        "privmw rewriter + banner": privmw_banner,
        "single regex scan": regex,
        "stdlib html.parser": stdlib,
    }
    try:  # selectolax >= 1.0 has only the lexbor backend; older ones also modest
        from selectolax.lexbor import LexborHTMLParser as Selectolax
    except ImportError:  # pragma: no cover - optional bench dependency
        try:
            from selectolax.parser import HTMLParser as Selectolax
        except ImportError:
            return out

    def selectolax(page: bytes) -> object:
        html = Selectolax(page).html
        return html.encode("utf-8") if html is not None else b""

    out["selectolax parse+serialize"] = selectolax
    return out


def _median_s(fn: Callable[[], object], reps: int, rounds: int = 9) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - start) / reps)
    times.sort()
    return times[len(times) // 2]


def figures() -> dict[str, float]:
    """A new realistic 20 KB page (µs, no page cache) and the worst 100 KB inputs (ms)."""
    plan = RewritePlan(TrackerRegistry())
    out: dict[str, float] = {}

    def once(page: bytes, chunk: int | None = None) -> Callable[[], object]:
        def run() -> object:
            rw = HtmlRewriter(plan, _deny)
            if chunk is None:
                return rw.feed(page) + rw.close()
            parts = [rw.feed(page[i : i + chunk]) for i in range(0, len(page), chunk)]
            return parts, rw.close()

        return run

    article = realistic.article(20_000)
    once(article)()  # warm the plan's caches and DFA, as a serving process has them
    out["realistic 20 KB page, rewritten (µs)"] = round(_median_s(once(article), 200) * 1e6, 1)
    product = realistic.product_list(100_000)
    base = _median_s(once(product), 20)
    out["realistic 100 KB page (ms)"] = round(base * 1e3, 3)
    worst = 0.0
    for name, data in realistic.worst_cases(100_000).items():
        for chunk in (None, 4096, 64):
            t = _median_s(once(data, chunk), 1, rounds=3)
            label = f"worst case {name!r}, {'whole' if chunk is None else f'{chunk} B chunks'} (ms)"
            out[label] = round(t * 1e3, 2)
            worst = max(worst, t)
    out["worst 100 KB input / realistic 100 KB page (x)"] = round(worst / base, 1)
    hostile = b"<!doctype html>" + realistic.worst_cases(500_000)["<svg><b> flood"]
    for how, piece in (("in pieces", None), ("in one go (before)", 1 << 30)):
        whole, longest = asyncio.run(_loop_wait(hostile, piece))
        out[f"hostile 500 KB page through the middleware, {how}: total (ms)"] = round(whole, 1)
        out[f"hostile 500 KB page, {how}: longest event-loop wait (ms)"] = round(longest, 1)
    return out


async def _loop_wait(body: bytes, piece: int | None) -> tuple[float, float]:
    """(total ms, longest ms the event loop waited) for ``body`` through a default middleware.

    ``piece`` overrides the responder's piece size (``1 << 30``: all at once,
    as before pages were rewritten in turns).
    """
    from privmw import _responder

    page = [b"<p>warm</p>"]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": page[0]})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    mw = PrivacyMiddleware(app)
    await mw(scope(), receive, send)  # warm, as a serving process is
    page[0] = body
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = begun  # from before the request: its first wait counts too
        while True:
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            if done.is_set():
                return

    async def serve() -> None:
        try:
            await mw(scope(), receive, send)
        finally:
            done.set()

    saved = _responder._PIECE
    if piece is not None:
        _responder._PIECE = piece
    try:
        begun = time.perf_counter()
        await asyncio.gather(serve(), ticker())
        total = time.perf_counter() - begun
    finally:
        _responder._PIECE = saved
    return total * 1e3, max(gaps) * 1e3


def apps() -> dict[str, ASGIApp]:
    """Per-request variants on ``/page`` (a 20 KB shop page with GTM, GA4, Meta, Clarity...).

    ``privmw tags`` is the default configuration: a page served again to a
    visitor with the same consent is answered from the rewriter's page cache.
    ``privmw tags, no page cache`` rewrites every response from scratch (a
    page rendered differently per request).
    """
    page = make_page(20_000)
    gated = PrivacyMiddleware(bare_app(html=page))
    uncached = PrivacyMiddleware(bare_app(html=page), tags=TagGate(page_cache=0))
    # The consent banner injected for an undecided visitor (no consent cookie).
    banner = PrivacyMiddleware(bare_app(html=page), banner=True)
    banner_uncached = PrivacyMiddleware(
        bare_app(html=page), tags=TagGate(page_cache=0), banner=True
    )
    return {
        "bare starlette (20 KB html)": bare_app(html=page),
        "privmw tags (20 KB html)": gated,  # type: ignore[dict-item]
        "privmw tags, no page cache (20 KB html)": uncached,  # type: ignore[dict-item]
        "privmw tags + banner (20 KB html)": banner,  # type: ignore[dict-item]
        "privmw tags + banner, no page cache (20 KB html)": banner_uncached,  # type: ignore[dict-item]
    }


def scope() -> dict[str, Any]:
    return make_scope("/page")


def _mbps(fn: Callable[[bytes], object], page: bytes, rounds: int = 7) -> float:
    best: list[float] = []
    reps = max(1, 2_000_000 // len(page))
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            fn(page)
        best.append((time.perf_counter() - start) / reps)
    best.sort()
    return len(page) / best[len(best) // 2] / 1e6


def main() -> None:  # pragma: no cover - manual run
    import asyncio

    from benchmarks.common import time_requests

    for page_name, page in pages().items():
        for name, fn in throughput().items():
            print(f"{page_name:12} {name:28} {_mbps(fn, page):8.1f} MB/s")
    variants = apps()
    medians: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(9):
        for name, app in variants.items():
            medians[name].append(asyncio.run(time_requests(app, 300, scope)) * 1e6)
    for name, values in medians.items():
        values.sort()
        print(f"{name:32} {values[len(values) // 2]:8.1f} µs")


if __name__ == "__main__":  # pragma: no cover
    main()
