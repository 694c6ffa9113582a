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


# -- more hosts and paths (issue 11) -------------------------------------------------

MORE_URLS = [
    ("https://connect.facebook.net/en_US/sdk.js#xfbml=1&version=v21.0", "facebook-social"),
    ("https://connect.facebook.net/de_DE/sdk/xfbml.customerchat.js", "facebook-social"),
    ("https://connect.facebook.net/signals/config/123?v=2.9.1", "meta-pixel"),
    ("https://www.facebook.com/plugins/page.php?href=x", "facebook-social"),
    ("https://www.google.com/recaptcha/api.js", "recaptcha"),
    ("https://www.gstatic.com/recaptcha/releases/x/recaptcha__en.js", "recaptcha"),
    ("https://www.google.com/maps/embed?pb=x", "google-maps"),
    ("https://maps.googleapis.com/maps/api/js?key=x", "google-maps"),
    ("https://fonts.googleapis.com/css2?family=Roboto", "google-fonts"),
    ("https://fonts.gstatic.com/s/roboto/v30/x.woff2", "google-fonts"),
    ("https://snap.licdn.com/li.lms-analytics/insight.min.js", "linkedin-insight"),
    ("https://px.ads.linkedin.com/collect/?pid=1&fmt=gif", "linkedin-insight"),
    ("https://analytics.tiktok.com/i18n/pixel/events.js", "tiktok-pixel"),
    ("https://static.ads-twitter.com/uwt.js", "x-pixel"),
    ("https://t.co/i/adsct?txn_id=x", "x-pixel"),
    ("https://platform.twitter.com/widgets.js", "x-embeds"),
    ("https://s.pinimg.com/ct/core.js", "pinterest"),
    ("https://sc-static.net/scevent.min.js", "snap-pixel"),
    ("https://www.redditstatic.com/ads/pixel.js", "reddit-pixel"),
    ("https://cdn.matomo.cloud/acme.matomo.cloud/matomo.js", "matomo"),
    ("https://eu-assets.i.posthog.com/static/array.js", "posthog"),
    ("https://o1.ingest.us.sentry.io/api/1/envelope/", "sentry"),
    ("https://js.stripe.com/v3/", "stripe"),
    ("https://open.spotify.com/embed/track/x", "spotify"),
    ("https://acme-example.disqus.com/embed.js", "disqus"),
    # Not vendors: a look-alike path, Google's other hosts and products.
    ("https://open.spotify.com/track/x", None),
    ("https://www.google.com/images/branding/logo.png", None),
    ("https://www.gstatic.com/firebasejs/10.7.0/firebase-app.js", None),
    ("https://ajax.googleapis.com/ajax/libs/jquery/3.7.1/jquery.min.js", None),
    ("https://www.redditstatic.com/desktop2x/img/favicon.png", None),
    ("https://t.co/abc", None),
    ("https://cdn.jsdelivr.net/npm/chart.js", None),
]


@pytest.mark.parametrize(("url", "vendor"), MORE_URLS)
def test_match_url_new_vendors(url: str, vendor: str | None) -> None:
    found = REGISTRY.match_url(url)
    assert (found.name if found else None) == vendor


@pytest.mark.parametrize(
    ("name", "vendor"),
    [
        ("_ga", "google-analytics"),
        ("_ga_ABC123", "google-analytics"),  # prefix pattern "_ga_*"
        ("_gcl_au", "google-ads"),  # exact beats the "_gcl_*" prefix (same vendor here)
        ("_hjSessionUser_1", "hotjar"),
        ("mp_0123abcd_mixpanel", "mixpanel"),  # a glob that is no plain prefix
        ("mp_0123abcd", None),
        ("ph_phc_x_posthog", "posthog"),
        ("intercom-session-abc12def", "intercom"),
        ("_pk_id.1.abcd", "matomo"),
        ("crisp-client%2Fsession%2Fx", "crisp"),
        ("session", None),
        ("_gaX", None),
        ("", None),
    ],
)
def test_match_cookie_patterns(name: str, vendor: str | None) -> None:
    found = REGISTRY.match_cookie(name)
    assert (found.name if found else None) == vendor


def test_cookie_pattern_names_the_matching_pattern() -> None:
    ga = REGISTRY.vendor("google-analytics")
    assert REGISTRY.cookie_pattern("_ga_XYZ", ga) == "_ga_*"
    assert REGISTRY.cookie_pattern("_ga", ga) == "_ga"
    mixpanel = REGISTRY.vendor("mixpanel")
    assert REGISTRY.cookie_pattern("mp_1_mixpanel", mixpanel) == "mp_*_mixpanel"


# -- selection and categories ------------------------------------------------------

from privmw import ConfigurationError, PrivacyMiddleware, Vendor  # noqa: E402
from privmw.trackers import build_registry  # noqa: E402


def _acme(**kw: object) -> Vendor:
    return Vendor(name="acme", label="Acme", category="analytics", urls=("acme.example",), **kw)  # type: ignore[arg-type]


def test_select_by_name_category_and_vendor() -> None:
    r = REGISTRY.select("youtube", "marketing", _acme())
    assert "youtube" in r.selected
    assert "meta-pixel" in r.selected  # every marketing vendor
    assert "acme" in r.selected
    assert "acme" in r
    assert "hotjar" not in r.selected
    assert REGISTRY.selected == ()  # select returns a copy
    assert [v.name for v in r.disclosed()] == [v.name for v in r if v.name in r.selected]


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["google-analytic"], "did you mean 'google-analytics'"),
        (["analytic"], "did you mean 'analytics'"),
        (["no-such-thing"], "got 'no-such-thing'$"),
        ([3], "vendors entries must be vendor names, categories or privmw.Vendor, got 3"),
        ("youtube", "vendors must be a list"),
    ],
)
def test_unknown_selections_are_refused(items: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build_registry(items)  # type: ignore[arg-type]


def test_build_registry_forms() -> None:
    assert build_registry().selected == ()
    assert len(build_registry()) == len(REGISTRY)
    replaced = build_registry([Vendor(name="youtube", label="Mine", category="preferences")])
    assert replaced.vendor("youtube").label == "Mine"
    assert replaced.selected == ("youtube",)
    own = TrackerRegistry(vendors=[_acme()], selected=["acme"])
    copy = build_registry(own)
    assert copy is not own  # observations are the middleware's own
    assert copy.selected == ("acme",)
    assert [v.name for v in copy] == ["acme"]
    with pytest.raises(ConfigurationError, match="did you mean 'acme'"):
        TrackerRegistry(vendors=[_acme()], selected=["acmee"])


def test_recategorised_and_vendor_categories() -> None:
    r = REGISTRY.recategorised({"sentry": "necessary"})
    assert r.vendor("sentry").category == "necessary"
    assert REGISTRY.vendor("sentry").category == "analytics"
    mw = PrivacyMiddleware(lambda s, r, c: None, vendor_categories={"recaptcha": "analytics"})  # type: ignore[arg-type, return-value]
    assert mw.registry.vendor("recaptcha").category == "analytics"
    with pytest.raises(ConfigurationError, match="did you mean 'recaptcha'"):
        REGISTRY.recategorised({"recapcha": "necessary"})
    with pytest.raises(
        ConfigurationError, match="vendor_categories\\['recaptcha'\\] must be one of"
    ):
        PrivacyMiddleware(lambda s, r, c: None, vendor_categories={"recaptcha": "functional"})  # type: ignore[arg-type, return-value]
    with pytest.raises(ConfigurationError, match="did you mean 'analytics'"):
        PrivacyMiddleware(lambda s, r, c: None, vendor_categories={"sentry": "analytic"})  # type: ignore[arg-type, return-value]
    with pytest.raises(ConfigurationError, match="vendor_categories must be a mapping"):
        PrivacyMiddleware(lambda s, r, c: None, vendor_categories=["x"])  # type: ignore[arg-type, return-value]


def test_vendor_lookup_suggests() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'hotjar'"):
        REGISTRY.vendor("hotjr")


@pytest.mark.parametrize(
    "url",
    ["http://acme.example/privacy", "https://acme.example/a b", 'https://x"y', "javascript:x"],
)
def test_privacy_url_must_be_https(url: str) -> None:
    with pytest.raises(ConfigurationError, match="privacy_url must be an https:// URL"):
        _acme(privacy_url=url)


# Regression (issue 11): bare-word signatures gated a site's own inline scripts.
OWN_INLINE = [
    b'lens.mode = "clarity"; render(lens);',  # matched Clarity's old '"clarity"'
    b"picker.set('clarity', 0.8);",  # and "'clarity'"
    b"var uetqueue = []; uetqueue.push(job);",  # matched UET's old "uetq"
    b"loadScript('https://connect.facebook.net.example.org/x.js')",  # not Meta's host
]


@pytest.mark.parametrize("text", OWN_INLINE)
def test_the_sites_own_inline_scripts_match_no_vendor(text: bytes) -> None:
    assert REGISTRY.inline_vendors(text) == []
