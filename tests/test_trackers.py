"""Registry lookups the tag gate relies on: URLs and inline signatures."""

from __future__ import annotations

import pytest

from privmw.trackers import TrackerRegistry

REGISTRY = TrackerRegistry()

URLS = [
    ("https://www.googletagmanager.com/gtag/js?id=G-1", "google-analytics"),
    ("HTTPS://WWW.GOOGLETAGMANAGER.COM/gtm.js?id=GTM-1", "google-tag-manager"),
    ("//www.googletagmanager.com/ns.html?id=GTM-1", "google-tag-manager"),
    ("http://region1.google-analytics.com/g/collect", "google-analytics"),
    ("https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js", "google-ads"),
    ("https://googleads.g.doubleclick.net/pagead/viewthroughconversion/1/", "google-ads"),
    ("https://connect.facebook.net/en_US/fbevents.js", "meta-pixel"),
    ("https://www.facebook.com/tr?id=1&ev=PageView", "meta-pixel"),
    ("https://static.hotjar.com/c/hotjar-1.js?sv=6", "hotjar"),
    ("https://www.clarity.ms/tag/abc", "microsoft-clarity"),
    ("//bat.bing.com/bat.js", "microsoft-uet"),
    ("https://client.crisp.chat/l.js", "crisp"),
    ("https://www.youtube-nocookie.com/embed/x", "youtube"),
    ("https://player.vimeo.com/video/1", "vimeo"),
    ("https://connect.facebook.net./x.js", "meta-pixel"),  # trailing dot
    ("https://user@connect.facebook.net:443/x.js", "meta-pixel"),
    ("  https://connect.face\tbook.net/x.js", "meta-pixel"),  # browsers drop tabs/newlines
    ("https:\\\\connect.facebook.net\\x.js", "meta-pixel"),  # backslashes are slashes
    ("https://connect.%66acebook.net/x.js", "meta-pixel"),  # percent-encoded host
    ("https://ｃonnect.facebook.net/x.js", "meta-pixel"),  # fullwidth, NFKC
    # Must not match:
    ("/static/app.js", None),
    ("app.js", None),
    ("https://notfacebook.net/x.js", None),
    ("https://connect.facebook.net.example.org/x.js", None),
    ("https://www.facebook.com/acme", None),  # a page link, not the pixel
    ("https://example.org/?u=https://connect.facebook.net/", None),
    ("https://[2001:db8::1]/x.js", None),
    ("data:text/html,<script src=https://connect.facebook.net>", None),
]


@pytest.mark.parametrize(("url", "vendor"), URLS)
def test_match_url(url: str, vendor: str | None) -> None:
    found = REGISTRY.match_url(url)
    assert (found.name if found else None) == vendor


def test_inline_vendors_lists_every_vendor_once() -> None:
    text = b"gtag('js', new Date()); gtag('config', 'AW-1'); gtag('config', 'G-1'); fbq('init')"
    assert [v.name for v in REGISTRY.inline_vendors(text)] == [
        "google-analytics",
        "google-ads",
        "meta-pixel",
    ]
    assert REGISTRY.inline_vendors(b"var a = 1;") == []


def test_url_hint_sees_vendor_tlds_and_obfuscation() -> None:
    hint = REGISTRY.url_hint
    assert hint.search(b'<img src="https://x.facebook.com/tr">')
    assert hint.search(b"<img src=a&#46;b>")
    assert hint.search(b"<img src=%2e>")
    assert hint.search(b'<img src="/logo.png" alt="x">') is None


@pytest.mark.parametrize(
    ("url", "vendor"),
    [
        ("https://www.googletagmanager.com/gtag/js?id=AW-123456789", "google-ads"),
        ("https://www.googletagmanager.com/gtag/js?id=DC-1234567", "google-ads"),
        ("https://www.googletagmanager.com/gtag/js?id=aw-1", "google-ads"),
        ("https://www.googletagmanager.com/gtag/js?l=dataLayer&id=AW-1", "google-ads"),
        ("https://www.googletagmanager.com/gtag/js?id=%41W-1", "google-ads"),  # %41 = "A"
        ("https://www.googletagmanager.com/gtag/js?i\td=AW-1", "google-ads"),  # tab dropped
        ("//www.googletagmanager.com/gtag/js?id=AW-1#x", "google-ads"),
        ("https://www.googletagmanager.com/gtag/js?id=G-ABC", "google-analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=UA-1-1", "google-analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=GTM-XYZ", "google-tag-manager"),
        ("https://www.googletagmanager.com/gtag/js", "google-analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=", "google-analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=XX-1", "google-analytics"),
        ("https://www.googletagmanager.com/gtag/js?xid=AW-1", "google-analytics"),
        ("https://www.googletagmanager.com/gtm.js?id=AW-1", "google-tag-manager"),
    ],
)
def test_gtag_id_names_the_product(url: str, vendor: str) -> None:
    found = REGISTRY.match_url(url)
    assert found is not None
    assert found.name == vendor


def test_gtag_ads_id_is_marketing() -> None:
    found = REGISTRY.match_url("https://www.googletagmanager.com/gtag/js?id=AW-1")
    assert found is not None
    assert found.category == "marketing"


def test_gtag_id_routes_only_to_vendors_the_registry_has() -> None:
    without_ads = TrackerRegistry(vendors=[v for v in REGISTRY if v.name != "google-ads"])
    found = without_ads.match_url("https://www.googletagmanager.com/gtag/js?id=AW-1")
    assert found is not None
    assert found.name == "google-analytics"


DOC = "https://shop.example/catalog/item.html"

# URLs a browser resolves differently from a naive reading (issue 16): each
# row names the vendor whose host the browser fetches from.
BROWSER_URLS: list[tuple[str, str | None, str | None]] = [
    # (url, document base, vendor)
    ("///connect.facebook.net/en_US/fbevents.js", None, "meta-pixel"),
    ("/\\/connect.facebook.net/en_US/fbevents.js", DOC, "meta-pixel"),
    ("\\\\/connect.facebook.net/en_US/fbevents.js", DOC, "meta-pixel"),
    ("https://connect.face\u00adbook.net/x.js", None, "meta-pixel"),  # soft hyphen
    ("https://connect.face\u200bbook.net/x.js", None, "meta-pixel"),  # zero-width space
    ("https://connect.facebook\ufe0f.net/x.js", None, "meta-pixel"),  # variation selector
    ("https://connect\u3002facebook\uff61net\uff0e/x.js", None, "meta-pixel"),  # ideographic dots
    ("https://connect.face\u3164book.net/x.js", None, "meta-pixel"),  # newer than Python's tables
    ("https://www.facebook.com/./tr?id=1", None, "meta-pixel"),
    ("https://www.facebook.com/x/%2e%2E/tr?id=1", None, "meta-pixel"),
    ("https://www.facebook.com/%74r?id=1", None, "meta-pixel"),  # %74 = "t"
    ("https://www.googletagmanager.com/./gtag/js?id=AW-1", None, "google-ads"),
    ("/./gtag/js?id=AW-1", "https://www.googletagmanager.com/", "google-ads"),
    ("gtag/js?id=AW-1", "https://www.googletagmanager.com/", "google-ads"),
    ("gtag/js?id=G-1", "https://www.googletagmanager.com/", "google-analytics"),
    ("blob:https://www.youtube.com/5f0b", None, "youtube"),
    ("wss://ws.hotjar.com/api", None, "hotjar"),
    # Must not match:
    ("/./gtag/js?id=AW-1", None, None),  # relative, base unknown: same-origin
    ("/./gtag/js?id=AW-1", DOC, None),
    ("https://0x7f.1/x.js", None, None),  # an IPv4 address
    ("https://connect.facebook.net.09/x.js", None, None),  # ends in a number: fails
    ("https://www.facebook.com/tr/../acme", None, None),  # a page, not the pixel
]


@pytest.mark.parametrize(("url", "base", "vendor"), BROWSER_URLS)
def test_match_url_follows_the_browser(url: str, base: str | None, vendor: str | None) -> None:
    found = REGISTRY.match_url(url, base)
    assert (found.name if found else None) == vendor
    again = REGISTRY.match_url(url, base)  # cached per (url, base)
    assert again is found


def test_match_url_caches_per_base() -> None:
    registry = TrackerRegistry()
    assert registry.match_url("gtag/js?id=AW-1", DOC) is None
    found = registry.match_url("gtag/js?id=AW-1", "//www.googletagmanager.com/")
    assert found is None  # a base must be absolute: use document_base() for <base href>
    found = registry.match_url("gtag/js?id=AW-1", "https://www.googletagmanager.com/")
    assert found is not None
    assert found.name == "google-ads"
    assert registry.match_url("gtag/js?id=AW-1") is None
