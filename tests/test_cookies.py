from __future__ import annotations

from typing import Any

import pytest

from privmw import PrivacyMiddleware
from privmw._headers import merge_vary
from privmw._responder import Responder
from privmw.consent.cookie import encode_consent
from privmw.cookies import (
    CookieGate,
    expiry_headers,
    is_deletion,
    parse_cookie_header,
    registrable_domain,
    set_cookie_name,
)
from privmw.trackers import TrackerRegistry, Vendor
from tests._consent_app import NOW, SECRET, call, make_app, policy, set_cookies

SIGNED = policy(secret=SECRET)


def _filter(
    gate: CookieGate, headers: list[tuple[bytes, bytes]], allows: Any
) -> list[tuple[bytes, bytes]]:
    """The response-start edits of the one send wrapper, with this gate and Vary on."""
    responder = Responder(None, {}, allows, gate=gate, vary=True)  # type: ignore[arg-type]
    return responder.edit_headers(headers)


def _names(cookies: list[str]) -> list[str]:
    return [h.split("=", 1)[0] for h in cookies]


def _consent(categories: list[str], p: Any = SIGNED) -> dict[str, str]:
    return {"cookie": f"privmw_consent={encode_consent(p, categories, now=NOW)}"}


# -- units --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ("a=1; b=2", [("a", "1"), ("b", "2")]),
        ('a="q"; b = 2 ', [("a", "q"), ("b", "2")]),
        ("noequals; =x; c=", [("c", "")]),
        ("a=1=2", [("a", "1=2")]),
        ("", []),
    ],
)
def test_parse_cookie_header(raw: str, pairs: list[tuple[str, str]]) -> None:
    assert parse_cookie_header(raw) == pairs


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (b"_ga=GA1.1; Path=/", "_ga"),
        (b" session =abc", "session"),
        (b"novalue", ""),
        (b"=x", ""),
    ],
)
def test_set_cookie_name(value: bytes, name: str) -> None:
    assert set_cookie_name(value) == name


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.example.org", "example.org"),
        ("example.org", "example.org"),
        ("a.b.example.org:8443", "example.org"),
        ("shop.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("co.uk", None),  # a public suffix itself
        ("www.example.com.au", "example.com.au"),
        ("localhost", None),
        ("localhost:8000", None),
        ("203.0.113.9", None),
        ("[2001:db8::1]:443", None),
        ("2001:db8::1", None),
        ("", None),
        ("bad host.org", None),
        ("exa\u00efmple.org", "xn--example-qza.org"),  # IDNA A-labels
        ("EXAMPLE.ORG.", "example.org"),
    ],
)
def test_registrable_domain(host: str, domain: str | None) -> None:
    assert registrable_domain(host) == domain


def test_expiry_headers_host_and_parent() -> None:
    headers = expiry_headers(["_ga", "_fbp"], "example.org", secure=True)
    assert headers == [
        (b"set-cookie", b"_ga=; Max-Age=0; Path=/; SameSite=Lax; Secure"),
        (b"set-cookie", b"_ga=; Max-Age=0; Path=/; SameSite=Lax; Secure; Domain=example.org"),
        (b"set-cookie", b"_fbp=; Max-Age=0; Path=/; SameSite=Lax; Secure"),
        (b"set-cookie", b"_fbp=; Max-Age=0; Path=/; SameSite=Lax; Secure; Domain=example.org"),
    ]
    assert expiry_headers(["_ga"], None) == [
        (b"set-cookie", b"_ga=; Max-Age=0; Path=/; SameSite=Lax")
    ]


@pytest.mark.parametrize(
    ("existing", "merged"),
    [
        ([], b"Cookie, Sec-GPC, DNT"),
        ([b"Accept-Encoding"], b"Accept-Encoding, Cookie, Sec-GPC, DNT"),
        ([b"cookie, dnt"], b"cookie, dnt, Sec-GPC"),
        ([b"Cookie", b"Sec-GPC, DNT"], b"Cookie, Sec-GPC, DNT"),
        ([b"*"], b"*"),
        ([b"Accept, accept", b" "], b"Accept, Cookie, Sec-GPC, DNT"),
    ],
)
def test_merge_vary(existing: list[bytes], merged: bytes) -> None:
    assert merge_vary(existing) == merged


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("_ga", "analytics"),
        ("_ga_ABC123", "analytics"),
        ("_gid", "analytics"),
        ("_gat_UA-1", "analytics"),
        ("_gcl_au", "marketing"),
        ("_fbp", "marketing"),
        ("_fbc", "marketing"),
        ("_hjSessionUser_123", "analytics"),
        ("_clck", "analytics"),
        ("_clsk", "analytics"),
        ("_uetsid", "marketing"),
        ("_uetvid", "marketing"),
        ("__gads", "marketing"),
        ("crisp-client%2Fsession%2Fabc", "preferences"),
        ("crisp-client/session/abc", "preferences"),
        ("session", None),
        ("csrftoken", None),
    ],
)
def test_gate_categories(name: str, category: str | None) -> None:
    gate = CookieGate(TrackerRegistry())
    assert gate.category(name) == category
    assert gate.category(name) == category  # cached answer is the same


def test_gate_percent_decodes_names() -> None:
    registry = TrackerRegistry(
        [Vendor(name="x", label="X", category="analytics", cookies=("x/tracker",))]
    )
    assert CookieGate(registry).category("x%2Ftracker") == "analytics"


def test_gate_cache_is_bounded() -> None:
    gate = CookieGate(TrackerRegistry())
    for i in range(10_000):
        gate.category(f"c{i}")
    gate.category("x" * 100_000)  # a huge client-chosen name is never kept
    info = gate.cache_info()
    assert 0 < info.entries <= info.max_entries
    assert info.bytes <= info.max_bytes


def test_filter_headers_merges_vary_without_duplicates() -> None:
    gate = CookieGate(TrackerRegistry())
    out = _filter(
        gate,
        [(b"content-type", b"text/plain"), (b"vary", b"Accept-Encoding, Cookie")],
        lambda c: False,
    )
    assert out == [
        (b"content-type", b"text/plain"),
        (b"vary", b"Accept-Encoding, Cookie, Sec-GPC, DNT"),
    ]


# -- gating through the middleware ------------------------------------------------


async def test_without_consent_only_session_is_set() -> None:
    response = await call(make_app(SIGNED), "GET", "/set")
    assert _names(set_cookies(response)) == ["session"]


async def test_analytics_consent_lets_ga_through() -> None:
    response = await call(make_app(SIGNED), "GET", "/set", headers=_consent(["analytics"]))
    assert _names(set_cookies(response)) == ["_ga", "session"]


async def test_full_consent_sets_all() -> None:
    response = await call(
        make_app(SIGNED), "GET", "/set", headers=_consent(["analytics", "marketing"])
    )
    assert _names(set_cookies(response)) == ["_ga", "_fbp", "session"]


async def test_fbp_never_under_gpc() -> None:
    response = await call(
        make_app(SIGNED),
        "GET",
        "/set",
        headers={**_consent(["analytics", "marketing", "preferences"]), "sec-gpc": "1"},
    )
    assert _names(set_cookies(response)) == ["_ga", "session"]


async def test_dnt_blocks_ga_and_fbp() -> None:
    response = await call(
        make_app(SIGNED),
        "GET",
        "/set",
        headers={**_consent(["analytics", "marketing"]), "dnt": "1"},
    )
    assert _names(set_cookies(response)) == ["session"]


async def test_strict_mode_blocks_unknown_cookies() -> None:
    strict = policy(secret=SECRET, strict_cookies=True)
    response = await call(make_app(strict), "GET", "/set", headers=_consent(["analytics"], strict))
    assert _names(set_cookies(response)) == ["_ga"]
    registered = policy(secret=SECRET, strict_cookies=True, cookies={"session": "necessary"})
    response = await call(make_app(registered), "GET", "/set")
    assert _names(set_cookies(response)) == ["session"]


async def test_app_registered_cookie_category() -> None:
    p = policy(secret=SECRET, cookies={"session": "preferences"})
    response = await call(make_app(p), "GET", "/set")
    assert _names(set_cookies(response)) == []
    response = await call(make_app(p), "GET", "/set", headers=_consent(["preferences"], p))
    assert _names(set_cookies(response)) == ["session"]


async def test_app_vendor_cookie_patterns() -> None:
    acme = Vendor(name="acme", label="Acme", category="analytics", cookies=("session",))
    response = await call(make_app(policy(), vendors=[acme]), "GET", "/set")
    assert _names(set_cookies(response)) == []


async def test_present_tracker_cookies_are_expired() -> None:
    trackers = [f"_ga_K{i}" for i in range(30)] + ["_fbp", "_hjSession_1", "_clck"]
    cookie = "; ".join(f"{n}=x" for n in ["session", *trackers])
    response = await call(
        make_app(SIGNED),
        "GET",
        "/",
        headers={"cookie": cookie, "host": "www.example.org"},
    )
    cookies = set_cookies(response)
    # no cap: every one, host-only and on the registrable domain
    assert len(cookies) == 2 * len(trackers)
    for name in trackers:
        assert f"{name}=; Max-Age=0; Path=/; SameSite=Lax" in cookies
        assert f"{name}=; Max-Age=0; Path=/; SameSite=Lax; Domain=example.org" in cookies
    assert not any(h.startswith("session=") for h in cookies)


async def test_only_denied_categories_are_expired() -> None:
    cookie = _consent(["analytics"])["cookie"] + "; _ga=1; _fbp=2"
    response = await call(make_app(SIGNED), "GET", "/", headers={"cookie": cookie, "sec-gpc": "1"})
    assert sorted(set(_names(set_cookies(response)))) == ["_fbp"]


async def test_percent_encoded_tracker_cookie_is_expired_by_its_wire_name() -> None:
    response = await call(
        make_app(SIGNED), "GET", "/", headers={"cookie": "crisp-client%2Fsession%2Fabc=1"}
    )
    assert set(_names(set_cookies(response))) == {"crisp-client%2Fsession%2Fabc"}


async def test_cookie_domain_used_for_expiry() -> None:
    p = policy(cookie_domain="example.org")
    response = await call(make_app(p), "GET", "/", headers={"cookie": "_ga=1"})
    assert "_ga=; Max-Age=0; Path=/; SameSite=Lax; Domain=example.org" in set_cookies(response)


async def test_localhost_expiry_is_host_only() -> None:
    response = await call(
        make_app(SIGNED), "GET", "/", headers={"cookie": "_ga=1", "host": "localhost:8000"}
    )
    assert set_cookies(response) == ["_ga=; Max-Age=0; Path=/; SameSite=Lax"]


# -- Vary on every response --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET", "/", {}),
        ("GET", "/", {"sec-gpc": "1"}),
        ("GET", "/set", {}),
        ("GET", "/missing", {}),
        ("GET", "/privacy/consent", {}),
        ("POST", "/privacy/consent", {"content-type": "application/json"}),
        ("GET", "/privacy/consent/form", {}),
    ],
)
async def test_vary_on_every_response(method: str, url: str, headers: dict[str, str]) -> None:
    response = await call(make_app(SIGNED), method, url, headers=headers, content=b"{}")
    # The form page is in the visitor's language: it varies on that too, in the one field.
    extra = ", Accept-Language" if url.endswith("/form") else ""
    assert response.headers.get_list("vary") == ["Cookie, Sec-GPC, DNT" + extra]


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("Accept-Encoding", "Accept-Encoding, Cookie, Sec-GPC, DNT"),
        ("Cookie", "Cookie, Sec-GPC, DNT"),
        ("accept-encoding, dnt", "accept-encoding, dnt, Cookie, Sec-GPC"),
        ("*", "*"),
    ],
)
async def test_vary_merged_with_app_vary(given_: str, expected: str) -> None:
    response = await call(make_app(SIGNED), "GET", "/vary", params={"v": given_})
    assert response.headers.get_list("vary") == [expected]


async def test_no_send_wrapper_for_websocket_and_lifespan() -> None:
    given: list[tuple[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        given.append((scope["type"], send))
        if scope["type"] == "websocket":
            assert (await receive())["type"] == "websocket.connect"
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "hi", "bytes": None})
            await send({"type": "websocket.close", "code": 1000})
        else:
            await send({"type": "lifespan.startup.complete"})

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def lifespan_receive() -> Any:
        return {"type": "lifespan.startup"}

    async def ws_receive() -> Any:
        return {"type": "websocket.connect"}

    mw = PrivacyMiddleware(app, consent=False)
    await mw({"type": "lifespan"}, lifespan_receive, send)
    ws = {"type": "websocket", "path": "/ws", "headers": [], "client": ("203.0.113.9", 1)}
    await mw(ws, ws_receive, send)
    # Without consent gating or an access log a WebSocket gets no wrapper: the
    # app is handed the server's own send (with consent on it is wrapped: a
    # handshake answer can set cookies). The lifespan's send is privmw's (it
    # starts and stops its own parts around the app's); the messages arrive
    # unchanged either way.
    assert [(kind, fn is send) for kind, fn in given] == [("lifespan", False), ("websocket", True)]
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "websocket.accept",
        "websocket.send",
        "websocket.close",
    ]
    assert ws["client"] == ("203.0.113.0", 0)


# -- invariant 3: never a Set-Cookie of a category the visitor has not allowed ------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_REGISTRY = TrackerRegistry()
_KNOWN = ["_ga", "_ga_X1", "_gid", "_fbp", "_fbc", "_hjid", "_clck", "_uetsid", "__gads"]
_KNOWN += ["crisp-client%2Fsession%2Fx", "IDE", "vuid", "YSC", "session", "csrftoken"]


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.sampled_from(_KNOWN), max_size=8),
    allowed=st.sets(st.sampled_from(["preferences", "analytics", "marketing"])),
    strict=st.booleans(),
    vary=st.sampled_from([None, b"Accept-Encoding", b"cookie", b"*"]),
)
def test_gate_never_lets_a_denied_category_through(
    names: list[str], allowed: set[str], strict: bool, vary: bytes | None
) -> None:
    gate = CookieGate(_REGISTRY, strict=strict)
    headers = [(b"set-cookie", f"{n}=v; Path=/".encode()) for n in names]
    if vary is not None:
        headers.append((b"vary", vary))
    out = _filter(gate, headers, allowed.__contains__)
    for name, value in out:
        if name == b"set-cookie":
            cookie = set_cookie_name(value)
            vendor = _REGISTRY.match_cookie(cookie) or _REGISTRY.match_cookie(
                cookie.replace("%2F", "/")
            )
            if vendor is None:
                assert not strict
            else:
                assert vendor.category in allowed
    kept = [set_cookie_name(v) for k, v in out if k == b"set-cookie"]
    expected = [n for n in names if gate.allowed(n, allowed.__contains__)]
    assert kept == expected
    varies = b", ".join(v for k, v in out if k == b"vary").lower()
    assert varies == b"*" or all(t in varies for t in (b"cookie", b"sec-gpc", b"dnt"))


@pytest.mark.parametrize(
    ("value", "deletes"),
    [
        (b"_ga=; Max-Age=0; Path=/", True),
        (b"_ga=; max-age = 0", True),
        (b"_ga=; Max-Age=-1", True),
        (b'_ga=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/', True),
        (b"_ga=; expires=Thu, 01 Jan 1970 00:00:00 GMT", True),
        (b"_ga=GA1; Max-Age=63072000", False),
        (b"_ga=GA1; Max-Age=abc", False),
        (b"_ga=1970; Path=/", False),
        (b"_ga=GA1", False),
    ],
)
def test_is_deletion(value: bytes, deletes: bool) -> None:
    assert is_deletion(value, NOW) is deletes


def test_deleting_a_denied_cookie_passes_the_gate() -> None:
    gate = CookieGate(TrackerRegistry())
    headers = [
        (b"set-cookie", b"_ga=; Max-Age=0; Path=/"),
        (b"set-cookie", b"_fbp=fb.1; Path=/"),
    ]
    out = _filter(gate, headers, lambda c: False)
    assert [v for k, v in out if k == b"set-cookie"] == [b"_ga=; Max-Age=0; Path=/"]


# -- issue 14 item 2: Set-Cookie by RFC 6265 section 5.2, Chromium as the oracle --------

from privmw.cookies import (  # noqa: E402
    SetCookie,
    chromium_cookie_date,
    parse_cookie_date,
    parse_set_cookie,
)
from tests._set_cookie_cases import CASES, privmw_deletes  # noqa: E402


@pytest.mark.parametrize(("value", "outcome"), CASES, ids=[c[0][:60].decode() for c in CASES])
def test_is_deletion_agrees_with_chromium(value: bytes, outcome: str) -> None:
    assert is_deletion(value.replace(b"N=", b"_ga=", 1), NOW) is privmw_deletes(value, outcome)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        (b"Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0),  # RFC 9110 IMF-fixdate
        (b"Sunday, 06-Nov-94 08:49:37 GMT", 784111777.0),  # RFC 850
        (b"Sun Nov  6 08:49:37 1994", 784111777.0),  # asctime
        (b"06 nov 1994 8:49:37", 784111777.0),
        (b"Wed, 01 Jan 2100 00:00:00 GMT 1970", 4102444800.0),
        (b"1970 Wed, 01 Jan 2100 00:00:00 GMT", 0.0),
        (b"Thu, 01 Jan 1970 00:00:00", 0.0),
        (b"Thu, 31 Feb 1999 00:00:00 GMT", None),
        (b"Thu, 01 Jan 1600 00:00:00 GMT", None),
        (b"Thu, 01 Jan 1970 24:00:00 GMT", None),
        (b"Thu, 00 Jan 1970 00:00:00 GMT", None),
        (b"1970", None),
        (b"", None),
        (b"\xff\xfe" * 3000, None),
    ],
)
def test_parse_cookie_date(text: bytes, expected: float | None) -> None:
    assert parse_cookie_date(text) == expected


def test_chromium_date_reading_differs_where_chromium_does() -> None:
    assert parse_cookie_date(b"Thu, 01 Jan 1970 00:00:00GMT") == 0.0
    assert chromium_cookie_date(b"Thu, 01 Jan 1970 00:00:00GMT") is None
    assert chromium_cookie_date(b"Jan 12345 1 00:00:00") is not None  # saturated year
    assert parse_cookie_date(b"Jan 12345 1 00:00:00") is None


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        (
            b"a=b; Path=/; Max-Age = 5 ;x",
            SetCookie("a", "b", (("path", "/"), ("max-age", "5"), ("x", ""))),
        ),
        (b"novalue", SetCookie("", "novalue", ())),
        (b" n = v ", SetCookie("n", "v", ())),
        (b"n=v;;; =x", SetCookie("n", "v", ())),
    ],
)
def test_parse_set_cookie(value: bytes, parsed: SetCookie) -> None:
    assert parse_set_cookie(value) == parsed


def test_expiry_is_capped_at_400_days_and_max_age_beats_expires() -> None:
    day = 86400
    assert parse_set_cookie(b"a=b; Max-Age=63072000").expiry(NOW) == NOW + 400 * day
    assert (
        parse_set_cookie(b"a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60").expiry(NOW)
        == NOW + 60
    )
    assert parse_set_cookie(b"a=b").expiry(NOW) is None
    assert parse_set_cookie(b"a=b; Max-Age=" + b"0" * 6000 + b"7").expiry(NOW) == NOW + 7


async def test_a_5000_digit_max_age_from_the_app_is_no_500() -> None:
    """The issue's crash: ``int()`` on 5000 digits raised ValueError out of the middleware."""
    from starlette.responses import PlainTextResponse

    async def app(scope: Any, receive: Any, send: Any) -> None:
        response = PlainTextResponse("ok")
        response.raw_headers.append((b"set-cookie", b"_ga=GA1; Max-Age=" + b"1" * 5000))
        response.raw_headers.append((b"set-cookie", b"_fbp=fb; Max-Age=-" + b"1" * 5000))
        await response(scope, receive, send)

    mw = PrivacyMiddleware(app, consent=policy(secret=SECRET))
    import httpx

    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert set_cookies(response) == []  # neither is a deletion: both are gated


def test_gate_reads_expires_against_its_clock() -> None:
    now = [4102444800.0 + 10]  # ten seconds after 2100-01-01
    gate = CookieGate(TrackerRegistry(), clock=lambda: now[0])
    deny = lambda c: False  # noqa: E731
    assert not gate.blocks(b"_ga=; Expires=Wed, 01 Jan 2100 00:00:00 GMT", deny)
    now[0] = 4102444800.0 - 10
    assert gate.blocks(b"_ga=; Expires=Wed, 01 Jan 2100 00:00:00 GMT", deny)


_ATTRS = st.sampled_from(
    [
        b"Max-Age=0",
        b"Max-Age=-1",
        b"Max-Age=63072000",
        b"Max-Age=abc",
        b"Max-Age=+0",
        b"Max-Age=",
        b"Max-Age=" + b"9" * 30,
        b"Max-Age=-" + b"9" * 30,
        b"Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        b"Expires=Wed, 01 Jan 2100 00:00:00 GMT",
        b"Expires=Wed, 01 Jan 2100 00:00:00 GMT 1970",
        b"Expires=1970",
        b"Expires=",
        b"expires=junk",
        b"Path=/",
        b"Domain=example.org",
        b"Secure",
        b"max-age = 0 ",
    ]
)
set_cookie_values = st.tuples(
    st.sampled_from(["_ga", "_fbp", "_gid", "_hjid", "session"]),
    st.lists(st.one_of(_ATTRS, st.binary(max_size=12)), max_size=6),
).map(lambda t: t[0].encode() + b"=v; " + b"; ".join(t[1]))


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(set_cookie_values, max_size=5),
    allowed=st.sets(st.sampled_from(["analytics", "marketing", "preferences"])),
)
def test_gate_lets_a_denied_tracker_through_only_as_a_real_deletion(
    values: list[bytes], allowed: set[str]
) -> None:
    """Invariant 3 with hostile attributes: dropped, or expired by RFC 6265 *and* Chromium."""
    gate = CookieGate(_REGISTRY, clock=lambda: NOW)
    out = _filter(gate, [(b"set-cookie", v) for v in values], allowed.__contains__)
    for name, value in out:
        if name != b"set-cookie":
            continue
        vendor = _REGISTRY.match_cookie(set_cookie_name(value))
        if vendor is not None and vendor.category not in allowed:
            parsed = parse_set_cookie(value)
            rfc = parsed.expiry(NOW)
            chromium = parsed.chromium_expiry(NOW)
            assert rfc is not None, value
            assert rfc <= NOW, value
            assert chromium is not None, value
            assert chromium <= NOW, value
