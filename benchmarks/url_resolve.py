"""µs per URL resolution, with and without ``privmw._url``'s fast paths.

``python -m benchmarks.url_resolve`` — a realistic mix of attribute values
(mostly relative, then plain absolute, scheme-relative and tracker URLs, a few
obfuscated), resolved against a document URL and against an unknown base.
Not part of ``python -m benchmarks`` (that runs request-level groups).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from privmw import _url

DOC = "https://shop.example/catalog/item.html?page=2"

#: Weighted like the URL attributes of a product page: assets, links, images.
MIX: list[str] = (
    [
        "/static/css/site.css",
        "/static/js/app.3f9a.js",
        "img/products/1234-thumb.jpg",
        "../images/logo.svg",
        "?page=3",
        "#reviews",
        "/catalog/item-5678.html",
        "/api/v1/cart?add=1234&qty=1",
        "fonts/inter.woff2",
        "/favicon.ico",
    ]
    * 6
    + [
        "https://cdn.shop.example/assets/hero.webp",
        "https://fonts.googleapis.com/css2?family=Inter:wght@400;700",
        "https://images.example-cdn.com/p/1234/800x800.jpg",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "http://partner.example.org/banner.png",
    ]
    * 5
    + [
        "//cdn.shop.example/js/vendor.js",
        "//connect.facebook.net/en_US/fbevents.js",
        "https://www.googletagmanager.com/gtag/js?id=G-ABC123",
        "https://www.googletagmanager.com/gtm.js?id=GTM-XYZ",
        "https://www.facebook.com/tr?id=1&ev=PageView&noscript=1",
        "https://static.hotjar.com/c/hotjar-1.js?sv=6",
        "https://bat.bing.com/bat.js",
        "https://connect.face\u00adbook.net/en_US/fbevents.js",
        "///www.googletagmanager.com/./gtag/js?id=AW-1",
        "/images/caf\u00e9.jpg",
    ]
)


def _time(func: Callable[[], object], rounds: int = 15, n: int = 20) -> float:
    """Median µs per value over ``rounds`` passes of ``n`` times the mix."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            func()
        samples.append((time.perf_counter() - start) / (n * len(MIX)) * 1e6)
    return statistics.median(samples)


def main() -> None:
    fast, full = _url.resolve, _url._resolve_full
    base = _url.parse_base(DOC)  # a page's base, parsed once
    assert base is not None
    for value in MIX:  # the fast paths must agree with the full parse
        assert fast(value, base) == full(value, base), value
        assert fast(value) == full(value), value
    rows = {
        "resolve, document base, fast paths": lambda: [fast(v, base) for v in MIX],
        "resolve, document base, ada only": lambda: [full(v, base) for v in MIX],
        "resolve, unknown base, fast paths": lambda: [fast(v) for v in MIX],
        "resolve, unknown base, ada only": lambda: [full(v) for v in MIX],
        "host_path, document base": lambda: [_url.host_path(v, base) for v in MIX],
        "host_path, unknown base": lambda: [_url.host_path(v) for v in MIX],
    }
    print(f"{len(MIX)} values: {sum(1 for v in MIX if fast(v) is None)} relative")
    for name, func in rows.items():
        func()
        print(f"{name:40s} {_time(func):6.2f} µs/value")


if __name__ == "__main__":
    main()
