from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import ConfigurationError, ConsentPolicy, PrivacyContext
from privmw.consent._runtime import ConsentRuntime
from privmw.consent.cookie import decode_consent, encode_consent
from privmw.consent.endpoints import same_origin
from privmw.trackers import TrackerRegistry
from tests._consent_app import NOW, SECRET, call, cookie_value, make_app, policy, set_cookies
from tests._reach import reachable


def ConsentManager(policy: ConsentPolicy) -> ConsentRuntime:
    return ConsentRuntime(policy, TrackerRegistry())


SIGNED = policy(secret=SECRET)
UNSIGNED = policy()


# -- policy validation ------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "mentions"),
    [
        ({"categories": "analytics"}, "categories"),
        ({"categories": ["Analytics"]}, "categories"),
        ({"categories": ["necessary", "analytics"]}, "necessary"),
        ({"categories": ["analytics", "analytics"]}, "duplicates"),
        ({"revision": "1.0"}, "revision"),
        ({"revision": ""}, "revision"),
        ({"secret": "short"}, "secret"),
        ({"secret": 12345678901234567890}, "secret"),
        ({"max_age": 0}, "max_age"),
        ({"max_age": 401 * 86400}, "max_age"),
        ({"max_age": True}, "max_age"),
        ({"cookie_name": "bad name"}, "cookie_name"),
        ({"path_prefix": "privacy"}, "path_prefix"),
        ({"path_prefix": "/privacy/"}, "path_prefix"),
        ({"path_prefix": "/"}, "path_prefix"),
        ({"gpc_denies": "marketing"}, "gpc_denies"),
        ({"dnt_denies": ["Bad"]}, "dnt_denies"),
        ({"gpc_last_update": "yesterday"}, "gpc_last_update"),
        ({"gpc_last_update": "2026-13-01"}, "gpc_last_update"),
        ({"strict_cookies": "yes"}, "strict_cookies"),
        ({"readers": [object()]}, "readers"),
        ({"cookie_domain": "localhost"}, "cookie_domain"),
        ({"cookies": {"session": "tracking"}}, "cookies"),
        ({"cookies": {"bad name": "necessary"}}, "cookies"),
        ({"vendors": ["x"]}, "vendors"),
        ({"tracking_status": "X"}, "tracking_status"),
    ],
)
def test_policy_rejects_bad_options(options: dict[str, Any], mentions: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        ConsentPolicy(**options)
    message = str(info.value)
    assert message.startswith("ConsentPolicy:")
    assert mentions in message


def test_policy_defaults_and_repr_hide_secret() -> None:
    p = ConsentPolicy(categories=["analytics"], revision="2026-01", secret=SECRET)
    assert p.categories == ("analytics",)
    assert p.max_age == 182 * 86400
    assert SECRET not in repr(p)
    assert "2026-01" in repr(p)
    assert hash(p) == hash(ConsentPolicy(categories=["analytics"], revision="2026-01"))


def test_middleware_rejects_non_policy() -> None:
    from privmw import PrivacyMiddleware

    with pytest.raises(ConfigurationError, match="consent"):
        PrivacyMiddleware(make_app(), consent={"categories": []})  # type: ignore[arg-type]


# -- the cookie codec ---------------------------------------------------------


@pytest.mark.parametrize("p", [SIGNED, UNSIGNED], ids=["signed", "unsigned"])
def test_codec_round_trip(p: ConsentPolicy) -> None:
    value = encode_consent(p, ["marketing", "analytics", "unknown"], now=NOW)
    consent = decode_consent(p, value, now=NOW + 10)
    assert consent is not None
    assert consent.categories == {"analytics", "marketing"}
    assert consent.revision == "1"
    assert consent.timestamp == int(NOW)
    # compact, cookie-safe, categories in policy order
    assert value.startswith("1.1.1770000000.analytics~marketing")
    assert all(c.isalnum() or c in ".~_-" for c in value)
    assert len(value) < 80


def test_codec_reject_all_is_a_decision() -> None:
    value = encode_consent(SIGNED, [], now=NOW)
    consent = decode_consent(SIGNED, value, now=NOW)
    assert consent is not None
    assert consent.categories == frozenset()


def _tamper(value: str) -> str:
    return value.replace("analytics~marketing", "analytics~marketing~preferences")


GOOD = encode_consent(SIGNED, ["analytics", "marketing"], now=NOW)
BAD_COOKIES = {
    "forged-unsigned": encode_consent(UNSIGNED, ["analytics", "marketing"], now=NOW),
    "edited": _tamper(GOOD),
    "wrong-key": encode_consent(policy(secret="another-secret-0123456789"), ["analytics"], now=NOW),
    "truncated": GOOD[:-5],
    "truncated-parts": GOOD.rsplit(".", 1)[0],
    "old-revision": encode_consent(policy(secret=SECRET, revision="0"), ["analytics"], now=NOW),
    "expired": encode_consent(SIGNED, ["analytics"], now=NOW - 183 * 86400),
    "future": encode_consent(SIGNED, ["analytics"], now=NOW + 3 * 86400),
    "garbage": "%%%;;\x00\xff",
    "empty": "",
    "json": '{"analytics":true}',
    "version-2": "2" + GOOD[1:],
    "unicode-digits": "1.1.١٢٣.analytics.xxxxxxxxxxxxxxxxxxxxxx",
    "huge": "1." + "a" * 5000,
}


@pytest.mark.parametrize("value", BAD_COOKIES.values(), ids=BAD_COOKIES.keys())
def test_bad_cookies_are_no_consent(value: str) -> None:
    assert decode_consent(SIGNED, value, now=NOW) is None
    assert ConsentManager(SIGNED).decode(value) is None


def test_good_cookie_is_consent() -> None:
    assert ConsentManager(SIGNED).decode(GOOD) == frozenset({"analytics", "marketing"})


def test_unsigned_cookie_with_secret_and_signed_without() -> None:
    signed_value = encode_consent(SIGNED, ["analytics"], now=NOW)
    assert decode_consent(UNSIGNED, signed_value, now=NOW) is None  # 5 parts, no key


def test_expiry_is_checked_on_cached_values() -> None:
    clock = [NOW]
    manager = ConsentManager(policy(secret=SECRET, clock=lambda: clock[0]))
    assert manager.decode(GOOD) is not None
    clock[0] = NOW + 183 * 86400
    assert manager.decode(GOOD) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_decoder_never_raises_on_text(value: str) -> None:
    assert decode_consent(SIGNED, value, now=NOW) is None or value.startswith("1.1.")
    ConsentManager(SIGNED).decode(value)
    ConsentManager(UNSIGNED).decode(value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_context_never_raises_on_cookie_bytes(raw: bytes) -> None:
    manager = ConsentManager(SIGNED)
    ctx = manager.context("203.0.113.0", cookie=b"privmw_consent=" + raw + b"; _ga=1; " + raw)
    assert isinstance(ctx, PrivacyContext)
    assert ctx.allows("necessary")


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"1\.1\.[0-9]{1,12}\.[a-z~]{0,40}(\.[A-Za-z0-9_-]{0,30})?", fullmatch=True))
def test_decoder_near_misses_never_raise(value: str) -> None:
    result = decode_consent(SIGNED, value, now=NOW)
    assert result is None  # no valid signature can be guessed


# -- precedence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("gpc", "dnt", "allowed"),
    [
        (False, False, {"preferences", "analytics", "marketing"}),
        (True, False, {"preferences", "analytics"}),
        (False, True, {"preferences"}),
        (True, True, {"preferences"}),
    ],
)
def test_signals_override_cookie(gpc: bool, dnt: bool, allowed: set[str]) -> None:
    manager = ConsentManager(SIGNED)
    value = encode_consent(SIGNED, SIGNED.categories, now=NOW)
    ctx = manager.context("x", gpc=gpc, dnt=dnt, cookie=f"privmw_consent={value}".encode())
    assert ctx.decided
    assert {c for c in SIGNED.categories if ctx.allows(c)} == allowed
    assert ctx.allows("necessary")


def test_configurable_signal_mapping() -> None:
    p = policy(gpc_denies=["marketing", "analytics"], dnt_denies=[])
    manager = ConsentManager(p)
    value = encode_consent(p, p.categories, now=NOW)
    cookie = f"privmw_consent={value}".encode()
    assert not manager.context("x", gpc=True, cookie=cookie).allows("analytics")
    assert manager.context("x", dnt=True, cookie=cookie).allows("analytics")


def test_no_cookie_allows_only_necessary() -> None:
    ctx = ConsentManager(SIGNED).context("x")
    assert not ctx.decided
    assert ctx.allows("necessary")
    assert not any(ctx.allows(c) for c in SIGNED.categories)
    assert ctx.consent_mode == {
        "ad_storage": "denied",
        "ad_user_data": "denied",
        "ad_personalization": "denied",
        "analytics_storage": "denied",
        "functionality_storage": "denied",
        "personalization_storage": "denied",
        "security_storage": "granted",
    }


def test_consent_mode_follows_allows() -> None:
    manager = ConsentManager(SIGNED)
    value = encode_consent(SIGNED, ["analytics", "marketing"], now=NOW)
    ctx = manager.context("x", gpc=True, cookie=f"privmw_consent={value}".encode())
    mode = ctx.consent_mode
    assert mode["analytics_storage"] == "granted"
    assert mode["ad_storage"] == "denied"  # GPC
    assert mode["functionality_storage"] == "denied"  # preferences not given
    assert "consent={analytics, marketing}" in repr(ctx)


# -- same-origin check ----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({}, True),
        ({"host": "example.org", "origin": "https://example.org"}, True),
        ({"host": "example.org", "origin": "https://example.org:443"}, True),
        ({"host": "example.org:8000", "origin": "http://example.org:8000"}, True),
        ({"host": "example.org", "origin": "https://evil.example"}, False),
        ({"host": "example.org", "origin": "https://example.org.evil.example"}, False),
        ({"host": "example.org", "origin": "null"}, False),
        ({"host": "example.org", "origin": "https://user@example.org"}, False),
        ({"host": "example.org", "referer": "https://example.org/page"}, True),
        ({"host": "example.org", "referer": "https://evil.example/example.org"}, False),
        ({"host": "example.org", "sec-fetch-site": "same-origin"}, True),
        ({"host": "example.org", "sec-fetch-site": "none"}, True),
        ({"host": "example.org", "sec-fetch-site": "same-site"}, False),
        ({"host": "example.org", "sec-fetch-site": "cross-site"}, False),
        (
            {
                "host": "example.org",
                "sec-fetch-site": "cross-site",
                "origin": "https://example.org",
            },
            False,
        ),
    ],
)
def test_same_origin(headers: dict[str, str], ok: bool) -> None:
    assert same_origin(headers) is ok


# -- endpoints through the middleware -------------------------------------------

ORIGIN = {"origin": "http://testserver"}


async def test_gpc_json() -> None:
    app = make_app(policy(gpc_last_update="2026-02-03"))
    response = await call(app, "GET", "/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"gpc": True, "lastUpdate": "2026-02-03"}
    head = await call(app, "HEAD", "/.well-known/gpc.json")
    assert head.status_code == 200
    assert head.content == b""
    post = await call(app, "POST", "/.well-known/gpc.json")
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


async def test_gpc_json_default_and_off() -> None:
    response = await call(make_app(None), "GET", "/.well-known/gpc.json")
    assert response.json() == {"gpc": True, "lastUpdate": "2026-01-01"}
    off = await call(make_app(policy(serve_gpc_json=False)), "GET", "/.well-known/gpc.json")
    assert off.status_code == 404  # the app's own 404


async def test_default_middleware_serves_endpoints() -> None:
    from starlette.applications import Starlette

    from privmw import PrivacyMiddleware

    app = PrivacyMiddleware(Starlette())
    response = await call(app, "GET", "/privacy/consent")
    assert response.status_code == 200
    assert response.json()["categories"] == ["preferences", "analytics", "marketing"]


async def test_round_trip_give_read_change_withdraw() -> None:
    app = make_app(SIGNED)
    # read: nothing decided yet
    state = (await call(app, "GET", "/privacy/consent")).json()
    assert state["decided"] is False
    assert state["consent"] is None
    assert state["categories"] == ["preferences", "analytics", "marketing"]
    assert state["revision"] == "1"

    # give
    given_ = await call(
        app,
        "POST",
        "/privacy/consent",
        json={"analytics": True, "marketing": False},
        headers=ORIGIN,
    )
    assert given_.status_code == 200
    header = next(h for h in set_cookies(given_) if h.startswith("privmw_consent="))
    assert "SameSite=Lax" in header
    assert "Max-Age=15724800" in header
    assert "Path=/" in header
    assert "Secure" not in header  # plain http
    assert given_.json()["consent"] == {
        "preferences": False,
        "analytics": True,
        "marketing": False,
    }
    value = cookie_value(given_, "privmw_consent")
    assert value is not None
    jar = {"cookie": f"privmw_consent={value}"}

    # read back, through the endpoint and through the app
    state = (await call(app, "GET", "/privacy/consent", headers=jar)).json()
    assert state["decided"] is True
    assert state["allowed"] == {"preferences": False, "analytics": True, "marketing": False}
    seen = (await call(app, "GET", "/", headers=jar)).json()
    assert seen["consent"] == ["analytics"]
    assert seen["allows"]["analytics"] is True
    assert seen["mode"]["analytics_storage"] == "granted"

    # change
    changed = await call(
        app,
        "POST",
        "/privacy/consent",
        json={"analytics": False, "marketing": True},
        headers={**ORIGIN, **jar},
    )
    value2 = cookie_value(changed, "privmw_consent")
    assert value2 is not None
    assert value2 != value
    seen = (await call(app, "GET", "/", headers={"cookie": f"privmw_consent={value2}"})).json()
    assert seen["consent"] == ["marketing"]

    # withdraw
    gone = await call(
        app,
        "DELETE",
        "/privacy/consent",
        headers={**ORIGIN, "cookie": f"privmw_consent={value2}; _fbp=fb.1.2.3"},
    )
    assert gone.status_code == 200
    assert gone.json()["decided"] is False
    cookies = set_cookies(gone)
    assert any(h.startswith("privmw_consent=;") and "Max-Age=0" in h for h in cookies)
    assert any(h.startswith("_fbp=;") and "Max-Age=0" in h for h in cookies)


async def test_secure_cookie_on_https() -> None:
    app = make_app(SIGNED)
    transport_url = "https://testserver"
    import httpx

    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url=transport_url) as client:
        response = await client.post(
            "/privacy/consent", json={"analytics": True}, headers={"origin": transport_url}
        )
    header = next(h for h in set_cookies(response) if h.startswith("privmw_consent="))
    assert "Secure" in header


async def test_cookie_domain_option() -> None:
    app = make_app(policy(cookie_domain="example.org"))
    response = await call(app, "POST", "/privacy/consent", json={"analytics": True})
    header = next(h for h in set_cookies(response) if h.startswith("privmw_consent="))
    assert "Domain=example.org" in header


FORM = {"content-type": "application/x-www-form-urlencoded", **ORIGIN}


@pytest.mark.parametrize(
    ("body", "consent"),
    [
        ("action=accept-all", ["analytics", "marketing", "preferences"]),
        ("action=reject-all&analytics=on", []),
        ("action=save&analytics=on", ["analytics"]),
        ("analytics=on&preferences=on", ["analytics", "preferences"]),
        ("analytics=off&marketing=on", ["marketing"]),
    ],
)
async def test_form_post_redirects_and_sets_cookie(body: str, consent: list[str]) -> None:
    app = make_app(SIGNED)
    response = await call(
        app, "POST", "/privacy/consent", content=f"{body}&next=/after", headers=FORM
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/after"
    value = cookie_value(response, "privmw_consent")
    assert value is not None
    seen = (await call(app, "GET", "/", headers={"cookie": f"privmw_consent={value}"})).json()
    assert seen["consent"] == consent


@pytest.mark.parametrize(
    ("next_", "referer", "location"),
    [
        ("/ok?x=1", None, "/ok?x=1"),
        ("//evil.example/x", None, "/"),
        ("https://evil.example/", None, "/"),
        ("/\\evil.example", None, "/"),
        ("/a\r\nSet-Cookie: x=1", None, "/"),
        ("javascript:alert(1)", None, "/"),
        (None, "http://testserver/page?q=1#frag", "/page?q=1"),
        (None, "http://evil.example/page", "/"),
        (None, None, "/"),
    ],
)
async def test_form_redirect_is_same_origin(
    next_: str | None, referer: str | None, location: str
) -> None:
    from urllib.parse import urlencode

    fields = {"action": "accept-all"}
    if next_ is not None:
        fields["next"] = next_
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if referer is not None:
        headers["referer"] = referer
    if referer is None or "testserver" in referer:
        headers["origin"] = "http://testserver"
    else:
        headers["sec-fetch-site"] = "same-origin"  # the page came from elsewhere; POST is ours
    response = await call(
        make_app(SIGNED), "POST", "/privacy/consent", content=urlencode(fields), headers=headers
    )
    assert response.status_code == 303
    assert response.headers["location"] == location


@pytest.mark.parametrize(
    ("path", "body"),
    [("/privacy/consent/withdraw", ""), ("/privacy/consent", "action=withdraw&next=/bye")],
)
async def test_form_withdraw(path: str, body: str) -> None:
    app = make_app(SIGNED)
    response = await call(
        app, "POST", path, content=body, headers={**FORM, "cookie": f"privmw_consent={GOOD}; _ga=1"}
    )
    assert response.status_code == 303
    cookies = set_cookies(response)
    assert any(h.startswith("privmw_consent=;") and "Max-Age=0" in h for h in cookies)
    assert any(h.startswith("_ga=;") and "Max-Age=0" in h for h in cookies)


async def test_json_withdraw_endpoint() -> None:
    response = await call(make_app(SIGNED), "POST", "/privacy/consent/withdraw", headers=ORIGIN)
    assert response.status_code == 200
    assert response.json()["decided"] is False


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"referer": "https://evil.example/page"},
    ],
)
@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_cross_site_changes_refused(headers: dict[str, str], method: str) -> None:
    app = make_app(SIGNED)
    response = await call(
        app,
        method,
        "/privacy/consent",
        content=b"action=accept-all",
        headers={"content-type": "application/x-www-form-urlencoded", **headers},
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert set_cookies(response) == []


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        ("POST", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 400),
        ("POST", {"json": ["analytics"]}, 400),
        ("POST", {"json": {"analytics": "yes"}}, 400),
        ("POST", {"json": {"tracking": True}}, 400),
        ("POST", {"content": b"x", "headers": {"content-type": "text/plain"}}, 415),
        ("POST", {"content": b"\xff\xfe", "headers": FORM}, 400),
        ("POST", {"content": b"action=explode", "headers": FORM}, 400),
        ("POST", {"content": b"a=" * 20000, "headers": FORM}, 413),
        ("PUT", {}, 405),
        ("PATCH", {}, 405),
        ("GET", {"url": "/privacy/consent/withdraw"}, 405),
        ("POST", {"url": "/privacy/consent/form"}, 405),
    ],
)
async def test_bad_requests_are_answered_not_raised(
    method: str, kwargs: dict[str, Any], status: int
) -> None:
    url = kwargs.pop("url", "/privacy/consent")
    response = await call(make_app(SIGNED), method, url, **kwargs)
    assert response.status_code == status
    assert set_cookies(response) == []
    assert "Cookie" in response.headers["vary"]


async def test_json_necessary_key_is_accepted() -> None:
    response = await call(
        make_app(SIGNED), "POST", "/privacy/consent", json={"necessary": True, "analytics": True}
    )
    assert response.status_code == 200
    assert response.json()["allowed"]["analytics"] is True


@pytest.mark.parametrize("value", BAD_COOKIES.values(), ids=BAD_COOKIES.keys())
async def test_bad_cookie_through_the_app_is_no_consent(value: str) -> None:
    headers = {"cookie": b"privmw_consent=" + value.encode("utf-8")}
    response = await call(make_app(SIGNED), "GET", "/", headers=headers)
    assert response.status_code == 200
    assert response.json()["consent"] is None


async def test_garbage_cookie_header_bytes() -> None:
    """Raw bytes no HTTP client would send still give no consent and no 500."""
    from tests._consent_app import make_app as build

    app = build(SIGNED)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", b"privmw_consent=\xff\xfe\x00; =; ;;; _ga"),
            (b"cookie", b"privmw_consent=" + GOOD.encode()[:-1]),
        ],
        "client": ("203.0.113.9", 1),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"])["consent"] is None


async def test_form_page() -> None:
    value = encode_consent(SIGNED, ["analytics"], now=NOW)
    response = await call(
        make_app(SIGNED),
        "GET",
        "/privacy/consent/form?next=/home",
        headers={"cookie": f"privmw_consent={value}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'name="analytics" value="on" checked' in page
    assert 'name="marketing" value="on" aria-describedby' in page  # not pre-ticked
    assert 'value="accept-all"' in page
    assert 'value="reject-all"' in page
    assert 'name="next" value="/home"' in page
    evil = await call(make_app(SIGNED), "GET", "/privacy/consent/form?next=//evil.example")
    assert 'name="next" value="/"' in evil.text


async def test_custom_prefix() -> None:
    app = make_app(policy(path_prefix="/consent"))
    assert (await call(app, "GET", "/consent")).status_code == 200
    assert (await call(app, "GET", "/privacy/consent")).status_code == 404


async def test_tk_header_optional() -> None:
    off = await call(make_app(SIGNED), "GET", "/")
    assert "tk" not in off.headers
    on = await call(make_app(policy(tracking_status="N")), "GET", "/")
    assert on.headers["tk"] == "N"


async def test_endpoint_state_reports_signals() -> None:
    response = await call(
        make_app(SIGNED),
        "GET",
        "/privacy/consent",
        headers={"sec-gpc": "1", "cookie": f"privmw_consent={GOOD}"},
    )
    state = response.json()
    assert state["gpc"] is True
    assert state["consent"]["marketing"] is True  # what was given
    assert state["allowed"]["marketing"] is False  # what applies
    assert state["consent_mode"]["ad_storage"] == "denied"
    assert response.headers["cache-control"] == "no-store"


async def test_consent_false_switches_off() -> None:
    from starlette.applications import Starlette

    from privmw import PrivacyMiddleware

    app = PrivacyMiddleware(Starlette(), consent=False)
    assert app.consent is None
    response = await call(app, "GET", "/privacy/consent")
    assert response.status_code == 404
    assert "vary" not in response.headers
    on = PrivacyMiddleware(Starlette(), consent=True)
    assert on.consent is not None
    assert on.consent.policy == ConsentPolicy()


def test_caches_are_bounded_and_hold_no_cookie_values() -> None:
    manager = ConsentManager(SIGNED)
    token = "s3cr3t-session-token"
    ctx = manager.context("x", cookie=f"session={token}; privmw_consent={GOOD}; _ga=1".encode())
    assert ctx.consent == frozenset({"analytics", "marketing"})
    assert ctx.stale_cookies == ()  # analytics allowed
    kept = reachable(manager)
    texts = [k.decode("latin-1") if isinstance(k, (bytes, bytearray)) else str(k) for k in kept]
    assert not [t for t in texts if token in t]
    assert any(isinstance(k, str) and k == GOOD for k in kept)  # the scan can see cached values
    for i in range(5000):
        manager.context("x", cookie=f"privmw_consent={i}; c{i}=1".encode())
    info = manager.cache_info()
    for cache in info.values():
        assert cache.entries <= cache.max_entries  # type: ignore[attr-defined]
        assert cache.bytes <= cache.max_bytes  # type: ignore[attr-defined]


def test_cached_scan_still_checks_signals_and_time() -> None:
    clock = [NOW]
    manager = ConsentManager(policy(secret=SECRET, clock=lambda: clock[0]))
    cookie = f"privmw_consent={GOOD}; _fbp=1".encode()
    assert manager.context("x", cookie=cookie).allows("marketing")
    gpc = manager.context("x", gpc=True, cookie=cookie)
    assert not gpc.allows("marketing")
    assert gpc.stale_cookies == ("_fbp",)
    clock[0] = NOW + 200 * 86400
    late = manager.context("x", cookie=cookie)
    assert late.consent is None
    assert late.stale_cookies == ("_fbp",)
