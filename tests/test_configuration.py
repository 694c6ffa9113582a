"""Every public option refuses a bad value with a ConfigurationError that names it.

The option list is read from the signatures of the public classes, so a new
option without an entry in ``BAD`` (and without validation) fails
``test_every_option_is_listed``. Also: the cross-feature checks the
middleware does at construction (vendor categories, route collisions).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import Any

import pytest

import privmw
from privmw import (
    AccessLog,
    Banner,
    Bans,
    CCCookieReader,
    ConfigurationError,
    ConsentPolicy,
    ContentSecurityPolicy,
    CookiebotReader,
    IPScrubFilter,
    JsonLinesReceipts,
    KlaroReader,
    Limit,
    PrivacyMiddleware,
    PrometheusCollector,
    RateLimit,
    RedisBackend,
    Route,
    TagGate,
    TCFReader,
    TrackerRegistry,
    Vendor,
)


async def _app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
    raise AssertionError


NOT_CALLABLE = "not callable"

#: Public classes that are not configuration: built by privmw and handed out.
NOT_OPTIONS = {
    "ConfigurationError",
    "ConsentReceipt",
    "Disclosure",
    "PrivacyContext",
    # Built by privmw and handed out (a refusal), or only through its constructors
    # (Key.header(...): their arguments are checked in tests/ratelimit/test_keys.py).
    "Key",
    "RateLimitExceeded",
    "Refusal",
}

#: How to build each class with good values for its required arguments.
REQUIRED: dict[type, dict[str, Any]] = {
    PrivacyMiddleware: {"app": _app},
    RateLimit: {"rate": "10/second"},
    Route: {"path": "/login", "rate": "5/minute"},
    Limit: {"rate": "5/minute"},
    RedisBackend: {"url": "redis://127.0.0.1:6379/0"},
    Vendor: {"name": "acme", "label": "Acme", "category": "analytics"},
    PrometheusCollector: {"source": PrivacyMiddleware(_app)},
    AccessLog: {"logger": "privmw.tests"},
    JsonLinesReceipts: {"path": "receipts.jsonl"},
}

#: (class, option) → a bad value. Every option of every public class is here.
BAD: dict[tuple[type, str], Any] = {
    (PrivacyMiddleware, "app"): "not an app",
    (PrivacyMiddleware, "trusted_proxies"): ["10.0.0.300"],
    (PrivacyMiddleware, "proxy_headers"): ["x-forwarded-four"],
    (PrivacyMiddleware, "ipv4_prefix"): 33,
    (PrivacyMiddleware, "ipv6_prefix"): -1,
    (PrivacyMiddleware, "scrub_headers"): "yes",
    (PrivacyMiddleware, "pseudonyms"): 1,
    (PrivacyMiddleware, "pseudonym_retention"): 0,
    (PrivacyMiddleware, "consent"): "on",
    (PrivacyMiddleware, "rate_limit"): "120/minute",
    (PrivacyMiddleware, "access_log"): "logs",
    (PrivacyMiddleware, "disclosure_path"): "privacy.json",
    (PrivacyMiddleware, "tags"): "on",
    (PrivacyMiddleware, "vendors"): ["google-analytcs"],
    (PrivacyMiddleware, "secret"): "short",
    (PrivacyMiddleware, "insecure_ephemeral_secret"): "yes",
    (ConsentPolicy, "categories"): ["Analytics"],
    (ConsentPolicy, "revision"): "2026 01",
    (ConsentPolicy, "secret"): "short",
    (ConsentPolicy, "max_age"): 0,
    (ConsentPolicy, "cookie_name"): "a b",
    (ConsentPolicy, "path_prefix"): "privacy",
    (ConsentPolicy, "gpc_denies"): ["ads"],
    (ConsentPolicy, "dnt_denies"): ["analytcs"],
    (ConsentPolicy, "gpc_last_update"): "yesterday",
    (ConsentPolicy, "serve_gpc_json"): "yes",
    (ConsentPolicy, "readers"): [object()],
    (ConsentPolicy, "strict_cookies"): 1,
    (ConsentPolicy, "cookie_domain"): "not a domain",
    (ConsentPolicy, "cookies"): {"session": "sessions"},
    (ConsentPolicy, "vendors"): ["google-analytics"],
    (ConsentPolicy, "tracking_status"): "X",
    (ConsentPolicy, "clock"): NOT_CALLABLE,
    (TagGate, "mode"): "neutralize-all",
    (TagGate, "csp"): "default-src 'self'",
    (TagGate, "permissions_policy"): "yes",
    (TagGate, "vendors"): ["google-analytics"],
    (TagGate, "consent_mode"): 1,
    (TagGate, "max_tag_bytes"): 10,
    (TagGate, "script_path"): "privmw.js",
    (TagGate, "page_cache"): -1,
    (TagGate, "enabled"): "no",
    (ContentSecurityPolicy, "policy"): "garbage;;",
    (ContentSecurityPolicy, "report_only"): "yes",
    (ContentSecurityPolicy, "nonce"): 1,
    (Vendor, "name"): "Acme Stats",
    (Vendor, "label"): 42,
    (Vendor, "category"): "Ads!",
    (Vendor, "urls"): ("https://stats.acme.example",),
    (Vendor, "cookies"): ("",),
    (Vendor, "signatures"): "acme(",
    (Vendor, "csp"): {"scirpt-src": ("https://stats.acme.example",)},
    (Vendor, "purpose"): 42,
    (TrackerRegistry, "extra"): ["google-analytics"],
    (TrackerRegistry, "vendors"): ["google-analytics"],
    (RateLimit, "rate"): "120 pr minute",
    (RateLimit, "burst"): 0,
    (RateLimit, "routes"): ["/login"],
    (RateLimit, "exempt"): "/static",
    (RateLimit, "ipv4_group"): 0,
    (RateLimit, "ipv6_group"): 129,
    (RateLimit, "retention"): -5,
    (RateLimit, "max_clients"): 0,
    (RateLimit, "bans"): True,
    (RateLimit, "allow"): ["10.0.0.0/33"],
    (RateLimit, "deny"): ["not a network"],
    (RateLimit, "headers"): "yes",
    (RateLimit, "legacy_headers"): 1,
    (RateLimit, "backend"): "redis://127.0.0.1",
    (RateLimit, "policy"): "",
    (RateLimit, "key"): "client",
    (RateLimit, "exempt_keys"): "internal",
    (RateLimit, "texts"): {"quota.titel": "x"},
    (RateLimit, "handler"): NOT_CALLABLE,
    (RateLimit, "clock"): 3.0,
    (RateLimit, "wall_clock"): "time",
    (Route, "path"): "login",
    (Route, "rate"): "5 a minute",
    (Route, "burst"): -1,
    (Route, "methods"): "POST",
    (Route, "name"): "",
    (Route, "key"): 42,
    (Route, "cost"): -1,
    (Route, "group"): "",
    (Limit, "rate"): "5 a minute",
    (Limit, "key"): 42,
    (Limit, "cost"): -1,
    (Limit, "burst"): 0,
    (Limit, "name"): "",
    (Limit, "group"): "",
    (Limit, "exempt_keys"): "internal",
    (Bans, "after"): 0,
    (Bans, "findtime"): 0,
    (Bans, "base"): -1,
    (Bans, "max_time"): float("inf"),
    (Bans, "jitter"): 2,
    (RedisBackend, "url"): "127.0.0.1:6379",
    (RedisBackend, "secret"): "short",
    (RedisBackend, "fail_open"): "yes",
    (RedisBackend, "prefix"): 42,
    (RedisBackend, "timeout"): 0,
    (RedisBackend, "probe_interval"): -1,
    (AccessLog, "directory"): 42,
    (AccessLog, "logger"): 42,
    (AccessLog, "retention_days"): 0,
    (AccessLog, "format"): "xml",
    (AccessLog, "timestamp_granularity"): "week",
    (AccessLog, "query_allow"): "page",
    (AccessLog, "redact_paths"): ["/reset/{token"],
    (AccessLog, "clock"): NOT_CALLABLE,
    (AccessLog, "ua_cache_size"): 0,
    (IPScrubFilter, "ipv4_prefix"): 33,
    (IPScrubFilter, "ipv6_prefix"): 129,
    (IPScrubFilter, "name"): 42,
    (CCCookieReader, "categories"): {"analytics": 42},
    (CCCookieReader, "revision"): "one",
    (CCCookieReader, "cookie_name"): "a b",
    (CCCookieReader, "clock"): NOT_CALLABLE,
    (CookiebotReader, "categories"): {"statistics": 42},
    (CookiebotReader, "cookie_name"): "a b",
    (KlaroReader, "services"): {"matomo": 42},
    (KlaroReader, "cookie_name"): "a b",
    (TCFReader, "purposes"): {"analytics": (0,)},
    (TCFReader, "cookie_name"): "a b",
    (ConsentPolicy, "host_prefix"): "yes",
    (IPScrubFilter, "keep_listen_addresses"): "yes",
    (PrivacyMiddleware, "scrub_header_names"): ["not a header name"],
    (PrivacyMiddleware, "vendor_categories"): {"google-analytics": "analytcs"},
    (TagGate, "strict"): "yes",
    (TagGate, "allow"): "cdn.example.com",
    (TagGate, "placeholder"): "<div>two-click</div>",
    (TrackerRegistry, "selected"): ["google-analytcs"],
    (TrackerRegistry, "cookie_database"): "yes",
    (Vendor, "privacy_url"): "http://acme.example/privacy",
    (Vendor, "controller"): 42,
    (PrometheusCollector, "source"): "not a middleware",
    (PrometheusCollector, "namespace"): "privmw metrics",
    (PrivacyMiddleware, "banner"): "yes",
    (ConsentPolicy, "receipts"): NOT_CALLABLE,
    (Banner, "languages"): ["EN"],
    (Banner, "texts"): {"en": {"banner.titel": "Cookies?"}},
    (Banner, "template"): "<div>",
    (Banner, "stylesheet"): "https://cdn.example/banner.css",
    (Banner, "builtin_styles"): "yes",
    (Banner, "embeds"): "youtube",
    (Banner, "youtube_nocookie"): 1,
    (Banner, "skip_paths"): ["admin"],
    (Banner, "skip_header"): "hx request",
    (JsonLinesReceipts, "path"): 42,
    (JsonLinesReceipts, "fsync"): "yes",
}


def public_classes() -> list[type]:
    return [
        getattr(privmw, name)
        for name in privmw.__all__
        if inspect.isclass(getattr(privmw, name)) and name not in NOT_OPTIONS
    ]


def options(cls: type) -> list[str]:
    """The constructor's options (dataclass fields with init, or the signature)."""
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls) if f.init]
    params = inspect.signature(cls).parameters.values()
    return [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


CASES = [(cls, option) for cls in public_classes() for option in options(cls)]


def test_every_option_is_listed() -> None:
    missing = [f"{cls.__name__}.{option}" for cls, option in CASES if (cls, option) not in BAD]
    assert not missing, f"options without a bad-value case (and a check?): {missing}"
    assert len(CASES) > 100


@pytest.mark.parametrize(("cls", "option"), CASES, ids=[f"{c.__name__}.{o}" for c, o in CASES])
def test_a_bad_value_is_refused_naming_the_option(cls: type, option: str) -> None:
    kwargs = {**REQUIRED.get(cls, {}), option: BAD[(cls, option)]}
    with pytest.raises(ConfigurationError) as err:
        cls(**kwargs)
    message = str(err.value)
    assert option in message, message
    assert message.split(":", 1)[0].split()[0] in {cls.__name__, "Vendor"}, message


# -- checks across features, at the middleware's construction --------------------------


def test_a_vendor_whose_category_is_not_offered_is_refused() -> None:
    ads = Vendor(name="acme-ads", label="Acme Ads", category="ads", urls=("ads.acme.example",))
    with pytest.raises(ConfigurationError) as err:
        PrivacyMiddleware(_app, vendors=[ads])
    message = str(err.value)
    assert message.startswith("PrivacyMiddleware: vendors entry 'acme-ads' category must be")
    assert "'ads'" in message
    assert "add 'ads' to ConsentPolicy(categories=...)" in message
    near = Vendor(name="acme", label="Acme", category="analytic", urls=("acme.example",))
    with pytest.raises(ConfigurationError, match="did you mean 'analytics'"):
        PrivacyMiddleware(_app, vendors=[near])
    # Offered: fine; and with consent off, nothing to check.
    PrivacyMiddleware(_app, vendors=[ads], consent=ConsentPolicy(categories=["ads"]))
    PrivacyMiddleware(_app, vendors=[ads], consent=False)


def test_a_near_miss_category_is_refused_but_not_offering_one_is_fine() -> None:
    with pytest.raises(ConfigurationError) as err:
        PrivacyMiddleware(_app, consent=ConsentPolicy(categories=["analytcs", "marketing"]))
    assert "did you mean 'analytics'?" in str(err.value)
    assert str(err.value).startswith("ConsentPolicy: categories entries")
    # A site that offers no analytics keeps those trackers blocked: allowed.
    PrivacyMiddleware(_app, consent=ConsentPolicy(categories=["preferences"]))
    # A category of the site's own cookies only is fine too.
    PrivacyMiddleware(_app, consent=ConsentPolicy(categories=["chat"], cookies={"chat_id": "chat"}))


def test_signal_denials_must_be_offered_but_defaults_adapt() -> None:
    with pytest.raises(ConfigurationError, match=r"gpc_denies entries must be categories on offer"):
        ConsentPolicy(gpc_denies=["ads"])
    with pytest.raises(ConfigurationError, match="did you mean 'analytics'"):
        ConsentPolicy(dnt_denies=["analytcs"])
    only = ConsentPolicy(categories=["preferences", "analytics"])
    assert only.gpc_denies == ()
    assert only.dnt_denies == ("analytics",)


@pytest.mark.parametrize(
    ("options", "option", "other"),
    [
        ({"disclosure_path": "/privacy/consent"}, "disclosure_path", "ConsentPolicy.path_prefix"),
        ({"disclosure_path": "/.well-known/gpc.json"}, "disclosure_path", "serve_gpc_json"),
        ({"disclosure_path": "/privacy/privmw.js"}, "disclosure_path", "TagGate.script_path"),
        (
            {"tags": TagGate(script_path="/privacy/consent/form")},
            "TagGate.script_path",
            "ConsentPolicy.path_prefix",
        ),
        (
            {"consent": ConsentPolicy(path_prefix="/privacy/privmw.js")},
            "TagGate.script_path",
            "ConsentPolicy.path_prefix",
        ),
    ],
)
def test_built_in_routes_cannot_shadow_each_other(
    options: dict[str, Any], option: str, other: str
) -> None:
    with pytest.raises(ConfigurationError) as err:
        PrivacyMiddleware(_app, **options)
    message = str(err.value)
    assert message.startswith(f"PrivacyMiddleware: {option} must be a path no other")
    assert other in message


def test_the_default_configuration_passes_every_check(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        mw = PrivacyMiddleware(_app, disclosure_path="/.well-known/privacy-manifest.json")
    assert mw.registry.vendors
    assert not caplog.records
