"""PrivacyMiddleware: in-place truncation, header scrubbing, scope types, bad input."""

from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from privmw import ConfigurationError, PrivacyContext, PrivacyMiddleware
from privmw.clientip import FORWARDING_HEADERS
from privmw.pseudonym import KeyedHasher

from ._apps import build
from .conftest import TEST_SECRET

Scope = MutableMapping[str, Any]


class Recorder:
    """An inner ASGI app that keeps the scope it was given."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})


def http_scope(client: tuple[str, int] | None, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": headers,
        "client": client,
        "query_string": b"",
    }


async def call(mw: PrivacyMiddleware, scope: Scope) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await mw(scope, receive, send)
    return sent


async def get_json(app: Starlette, client: tuple[str, int], **kw: Any) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.get("/", **kw)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


async def test_scope_is_changed_in_place_before_the_app_runs() -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner)
    scope = http_scope(("127.0.0.1", 5000), [(b"x-forwarded-for", b"203.0.113.9")])
    await call(mw, scope)
    assert inner.scopes[0] is scope  # the server's own dict, so its access log sees it
    assert scope["client"] == ("203.0.113.0", 0)
    assert scope["headers"] == [(b"x-forwarded-for", b"203.0.113.0")]
    assert isinstance(scope["state"]["privacy"], PrivacyContext)


async def test_every_forwarding_header_is_rewritten_or_removed() -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner)
    headers = [(b"host", b"example.org")]
    headers += [(name, b"203.0.113.9") for name in sorted(FORWARDING_HEADERS)]
    headers += [(b"x-forwarded-proto", b"https"), (b"accept", b"*/*")]
    scope = http_scope(("127.0.0.1", 5000), headers)
    await call(mw, scope)
    out = scope["headers"]
    assert out[0] == (b"host", b"example.org")
    assert (b"x-forwarded-proto", b"https") in out
    assert (b"accept", b"*/*") in out
    assert (b"x-forwarded-for", b"203.0.113.0") in out
    assert (b"forwarded", b"for=203.0.113.0") in out
    assert not any(b"203.0.113.9" in value for _, value in out)
    assert len(out) == 5


async def test_forwarded_is_rewritten_keeping_proto_and_host() -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner, proxy_headers=("forwarded",))
    scope = http_scope(
        ("::1", 5000),
        [
            (
                b"forwarded",
                b'for=1.2.3.4, For="[2001:db8:cafe::17]:4711";proto=https;host=example.org',
            )
        ],
    )
    await call(mw, scope)
    assert scope["client"] == ("2001:db8:cafe::", 0)
    assert scope["headers"] == [
        (b"forwarded", b'for="[2001:db8:cafe::]";proto="https";host="example.org"')
    ]


async def test_spoofed_headers_from_untrusted_peer_change_nothing() -> None:
    app = build()
    data = await get_json(
        app,
        ("198.51.100.23", 4711),
        headers={"X-Forwarded-For": "1.2.3.4", "X-Real-IP": "5.6.7.8", "Forwarded": "for=9.9.9.9"},
    )
    assert data["client"] == "198.51.100.0"
    assert data["privacy"] == "198.51.100.0"
    assert data["port"] == 0
    seen = json.dumps(data["headers"])
    for raw in ("1.2.3.4", "5.6.7.8", "9.9.9.9", "198.51.100.23"):
        assert raw not in seen


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.9", "203.0.113.0"),
        ("2001:db8:1:2::77", "2001:db8:1::"),
        ("::ffff:198.51.100.7", "198.51.100.0"),
        ("64:ff9b::203.0.113.77", "64:ff9b::"),
        ("2002:cb00:714d::1", "2002:cb00:7100::"),
    ],
)
async def test_trusted_proxy_resolution_through_starlette(
    forwarded_for: str, expected: str
) -> None:
    app = build(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    data = await get_json(
        app, ("127.0.0.1", 4711), headers={"X-Forwarded-For": f"{forwarded_for}, 10.1.2.3"}
    )
    assert data["client"] == expected
    assert dict(data["headers"])["x-forwarded-for"] == expected


MALFORMED: list[tuple[bytes, bytes]] = [
    (b"x-forwarded-for", b"garbage"),
    (b"x-forwarded-for", b"1.2.3.4.5"),
    (b"x-forwarded-for", b""),
    (b"x-forwarded-for", b",,,,"),
    (b"x-forwarded-for", b"1.1.1.1, " * 900),
    (b"x-forwarded-for", "\u00e9\u00e8".encode() + b"\xff\xfe"),
    (b"forwarded", b'for="[2001:db8::1'),
    (b"forwarded", b"for=" + b"\\" * 8000),
    (b"forwarded", b'"""";;;,,,=='),
    (b"x-real-ip", b"\x00\x01\x02"),
    (b"cf-connecting-ip", b"not-an-ip"),
]


@pytest.mark.parametrize("header", MALFORMED, ids=lambda h: f"{h[0].decode()}:{h[1][:12]!r}")
async def test_malformed_headers_are_served_with_a_safe_fallback(
    header: tuple[bytes, bytes],
) -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner)
    scope = http_scope(("127.0.0.1", 5000), [header])
    sent = await call(mw, scope)
    assert sent[0]["status"] == 200
    host = scope["client"][0]
    assert host in {"127.0.0.0", "1.1.1.0"}
    assert scope["client"][1] == 0


async def test_websocket_scope_is_truncated_too() -> None:
    app = build(trusted_proxies=["127.0.0.1"])
    scope: Scope = {
        "type": "websocket",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": b"",
        "root_path": "",
        "scheme": "ws",
        "headers": [(b"host", b"t"), (b"x-forwarded-for", b"2001:db8:aaaa:bbbb::1")],
        "client": ("127.0.0.1", 123),
        "server": ("127.0.0.1", 80),
        "subprotocols": [],
    }
    incoming: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        {"type": "websocket.disconnect", "code": 1000},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send", "websocket.close"]
    data = json.loads(sent[1]["text"])
    assert data["client"] == "2001:db8:aaaa::"
    assert data["privacy"] == "2001:db8:aaaa::"
    assert "2001:db8:aaaa:bbbb::1" not in json.dumps(data)
    assert scope["client"] == ("2001:db8:aaaa::", 0)


@pytest.mark.parametrize(
    ("client", "expected"),
    [(None, None), (("testclient", 50000), ("testclient", 0)), (("[::1]", 1), ("::", 0))],
)
async def test_clients_that_are_not_plain_addresses(
    client: tuple[str, int] | None, expected: tuple[str, int] | None
) -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner)
    scope = http_scope(client, [])
    await call(mw, scope)
    assert scope["client"] == expected
    assert scope["state"]["privacy"].client == (expected[0] if expected else "unknown")


async def test_unix_socket_peer_can_be_trusted() -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner, trusted_proxies=["unix"])
    scope = http_scope(None, [(b"x-forwarded-for", b"203.0.113.9"), (b"x-real-ip", b"203.0.113.9")])
    await call(mw, scope)
    assert scope["client"] == ("203.0.113.0", 0)  # resolved through the trusted socket proxy
    assert scope["state"]["privacy"].client == "203.0.113.0"
    assert scope["headers"] == [(b"x-forwarded-for", b"203.0.113.0")]


async def test_scrubbing_can_be_switched_off() -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner, scrub_headers=False)
    scope = http_scope(("198.51.100.1", 1), [(b"x-real-ip", b"1.2.3.4")])
    await call(mw, scope)
    assert scope["headers"] == [(b"x-real-ip", b"1.2.3.4")]
    assert scope["client"] == ("198.51.100.0", 0)


async def test_pseudonyms_are_stable_and_keyed() -> None:
    inner = Recorder()
    mw = PrivacyMiddleware(inner, pseudonyms=True, secret=TEST_SECRET)
    seen = []
    for peer in ("198.51.100.1", "198.51.100.1", "198.51.100.2"):
        scope = http_scope((peer, 1), [])
        await call(mw, scope)
        seen.append(scope["state"]["privacy"].pseudonym)
    assert seen[0] == seen[1] != seen[2]
    packed = bytes([198, 51, 100, 1])
    assert all(p and len(p) == 24 and int(p, 16) >= 0 for p in seen)
    # Keyed: neither the address bytes nor their unkeyed hash.
    assert packed.hex() not in seen[0]
    assert seen[0] != hashlib.blake2b(packed, digest_size=12).hexdigest()
    # Another process with the same secret computes the same pseudonym; another
    # secret, or the random one of insecure_ephemeral_secret, does not.
    for options, same in (
        ({"secret": TEST_SECRET}, True),
        ({"secret": [TEST_SECRET, "an-older-secret-0123456789"]}, True),
        ({"secret": "another-secret-0123456789abcdef"}, False),
        ({"insecure_ephemeral_secret": True}, False),
    ):
        other = PrivacyMiddleware(inner, pseudonyms=True, **options)
        scope = http_scope(("198.51.100.1", 1), [])
        await call(other, scope)
        assert (scope["state"]["privacy"].pseudonym == seen[0]) is same, options


def test_keyed_hasher_rotates_and_forgets() -> None:
    now = [1_000.0]
    hasher = KeyedHasher(3600, clock=lambda: now[0])
    first = hasher.digest(b"\xcb\x00\x71\x09")
    assert hasher.digest(b"\xcb\x00\x71\x09") == first
    now[0] += 3600
    assert hasher.digest(b"\xcb\x00\x71\x09") != first
    assert hasher.epoch == 1
    shared_a = KeyedHasher(3600, secret="s" * 32, clock=lambda: now[0])
    shared_b = KeyedHasher(3600, secret="s" * 32, clock=lambda: now[0])
    assert shared_a.digest(b"x") == shared_b.digest(b"x")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ipv4_prefix": 33}, "PrivacyMiddleware: ipv4_prefix must be an int from 0 to 32"),
        ({"ipv6_prefix": 200}, "PrivacyMiddleware: ipv6_prefix must be an int from 0 to 128"),
        (
            {"trusted_proxies": ["10.0.0.0/40"]},
            "trusted_proxies entries must be IP addresses or CIDR networks",
        ),
        ({"trusted_proxies": "127.0.0.1"}, "must be a sequence of strings, got '127.0.0.1'"),
        (
            {"proxy_headers": ("x-client-ip",)},
            "proxy_headers entries must be one of x-forwarded-for, forwarded, x-real-ip, "
            "got 'x-client-ip'",
        ),
        ({"proxy_headers": "forwarded"}, "write ('forwarded',)"),
        ({"scrub_headers": "yes"}, "scrub_headers must be True or False, got 'yes'"),
        ({"pseudonyms": 1}, "pseudonyms must be True or False, got 1"),
        ({"pseudonym_retention": 0}, "pseudonym_retention must be a positive number of seconds"),
    ],
)
def test_configuration_errors_name_option_value_and_fix(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        PrivacyMiddleware(Recorder(), **options)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


addresses = st.one_of(
    st.integers(min_value=1 << 24, max_value=2**32 - 1)
    .map(lambda v: v | 1)
    .map(lambda v: ".".join(str((v >> s) & 0xFF) for s in (24, 16, 8, 0))),
    st.integers(min_value=1 << 80, max_value=2**128 - 1)
    .map(lambda v: v | 1)
    .map(lambda v: ":".join(f"{(v >> s) & 0xFFFF:x}" for s in range(112, -1, -16))),
)


@settings(max_examples=150, deadline=None)
@given(address=addresses, header=st.sampled_from(sorted(FORWARDING_HEADERS)), trusted=st.booleans())
async def test_nothing_downstream_sees_the_full_address(
    address: str, header: bytes, trusted: bool
) -> None:
    """Invariant 1, for any address in any forwarding header, trusted peer or not."""
    inner = Recorder()
    mw = PrivacyMiddleware(inner, trusted_proxies=["10.0.0.1"])
    peer = "10.0.0.1" if trusted else address
    scope = http_scope((peer, 4711), [(header, address.encode())])
    await call(mw, scope)
    seen = repr(scope["client"]) + repr(scope["headers"])
    assert address not in seen
    assert address.encode() not in b"".join(v for _, v in scope["headers"])
