from __future__ import annotations

import asyncio
import json
import logging
import socket
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route as StarletteRoute
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from privmw import Bans, PrivacyMiddleware, RateLimit, Route
from privmw.clientip import parse_ip
from privmw.ratelimit._limiter import Limiter, Verdict
from privmw.ratelimit.headers import ABNORMAL_USAGE, QUOTA_EXCEEDED
from tests._reach import reachable


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def addr(text: str) -> tuple[int, int]:
    parsed = parse_ip(text)
    assert parsed is not None
    return parsed


def limiter(rate: str = "2/minute", **kwargs: Any) -> tuple[Limiter, Clock]:
    clock = Clock()
    kwargs.setdefault("bans", None)
    return Limiter(RateLimit(rate, **kwargs), clock=clock, wall=Clock(0.0)), clock


def scope_for(method: str = "GET", path: str = "/", **extra: Any) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], **extra}


def decide(
    lim: Limiter, address: tuple[int, int] | None, method: str = "GET", path: str = "/"
) -> Verdict | None:
    """The middleware rule's verdict for one request (``None``: not limited)."""
    return lim.check(address, scope_for(method, path), None).verdict


def allowed(lim: Limiter, text: str, method: str = "GET", path: str = "/") -> bool:
    verdict = decide(lim, addr(text), method, path)
    assert verdict is not None
    return verdict.allowed


# -- keys and grouping ---------------------------------------------------------------


def test_ipv6_clients_in_one_64_share_a_bucket() -> None:
    lim, _ = limiter("2/minute")
    assert allowed(lim, "2001:db8:1:2::1")
    assert allowed(lim, "2001:db8:1:2:ffff::9")
    assert not allowed(lim, "2001:db8:1:2:abcd:1234:5678:9abc")
    assert allowed(lim, "2001:db8:1:3::1")  # another /64
    assert lim.tracked == 2


def test_ipv6_group_is_configurable() -> None:
    lim, _ = limiter("1/minute", ipv6_group=48)
    assert allowed(lim, "2001:db8:1:2::1")
    assert not allowed(lim, "2001:db8:1:ffff::1")
    assert allowed(lim, "2001:db8:2::1")


def test_ipv4_clients_are_separate_by_default() -> None:
    lim, _ = limiter("1/minute")
    assert allowed(lim, "192.0.2.1")
    assert allowed(lim, "192.0.2.2")
    assert not allowed(lim, "192.0.2.1")
    grouped, _ = limiter("1/minute", ipv4_group=24)
    assert allowed(grouped, "192.0.2.1")
    assert not allowed(grouped, "192.0.2.2")


def test_no_address_is_not_limited() -> None:
    lim, _ = limiter("1/minute")
    assert decide(lim, None, "GET", "/") is None


def test_key_rotation_wipes_the_table() -> None:
    wall = Clock(0.0)
    lim = Limiter(RateLimit("1/minute", retention=3600), clock=Clock(), wall=wall)
    assert allowed(lim, "192.0.2.1")
    assert not allowed(lim, "192.0.2.1")
    key_before = lim.client_key(addr("192.0.2.1"))
    wall.now = 3600.0
    assert allowed(lim, "192.0.2.1")  # a new epoch: new key, empty table
    assert lim.tracked == 1
    assert lim.client_key(addr("192.0.2.1")) != key_before


# -- rules ---------------------------------------------------------------------------


def test_routes_methods_and_exempt() -> None:
    lim, _ = limiter(
        "100/minute",
        routes=(Route("/login", "1/minute", methods=("POST",)),),
        exempt=("/health",),
    )
    assert allowed(lim, "192.0.2.1", "POST", "/login")
    assert not allowed(lim, "192.0.2.1", "POST", "/login/x")
    assert allowed(lim, "192.0.2.1", "GET", "/login")  # GET uses the default rule
    assert allowed(lim, "192.0.2.1", "POST", "/other")
    assert decide(lim, addr("192.0.2.1"), "GET", "/health") is None
    verdict = decide(lim, addr("192.0.2.1"), "POST", "/login")
    assert verdict is not None
    assert verdict.policy.name == "/login"


def test_allow_and_deny_lists() -> None:
    lim, _ = limiter("1/minute", allow=("10.0.0.0/8",), deny=("198.51.100.0/24", "2001:db8::/32"))
    for _ in range(5):
        assert decide(lim, addr("10.1.2.3"), "GET", "/") is None
    for text in ("198.51.100.7", "2001:db8::1"):
        verdict = decide(lim, addr(text), "GET", "/")
        assert verdict is not None
        assert (verdict.allowed, verdict.kind) == (False, "deny")
    assert lim.tracked == 0


def test_bans_escalate_and_expire_with_a_fake_clock() -> None:
    clock = Clock()
    lim = Limiter(
        RateLimit("1/minute", bans=Bans(after=2, findtime=60, base=100, max_time=1000, jitter=0)),
        clock=clock,
        wall=Clock(0.0),
    )
    a = addr("192.0.2.1")

    def kind() -> str:
        verdict = decide(lim, a, "GET", "/")
        assert verdict is not None
        return verdict.kind

    assert kind() == "ok"
    assert kind() == "quota"
    assert kind() == "ban"
    assert lim.bans == 1
    clock.now += 99
    assert kind() == "ban"
    verdict = decide(lim, a, "GET", "/")
    assert verdict is not None
    assert (verdict.retry_us, verdict.retry_after) == (1_000_000, 1)
    clock.now += 1.5  # ban over
    assert kind() == "ok"
    assert kind() == "quota"
    assert kind() == "ban"
    verdict = decide(lim, a, "GET", "/")
    assert verdict is not None
    assert verdict.retry_after == 200  # doubled
    assert lim.bans == 1
    lim.wipe()
    assert (lim.bans, lim.tracked) == (0, 0)


# -- through the middleware ----------------------------------------------------------


def make_app(rate_limit: RateLimit, **kwargs: Any) -> Starlette:
    async def home(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    app = Starlette(routes=[StarletteRoute("/", home), WebSocketRoute("/ws", ws)])
    app.add_middleware(PrivacyMiddleware, rate_limit=rate_limit, **kwargs)
    return app


def client_for(app: Any, host: str = "203.0.113.9") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 4711))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_429_problem_json_retry_after_and_fields() -> None:
    app = make_app(RateLimit("2/minute", bans=None))
    async with client_for(app) as client:
        first = await client.get("/")
        second = await client.get("/")
        third = await client.get("/")
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == '"default";q=2;w=60'
    assert first.headers["ratelimit"] == '"default";r=1;t=30'
    assert second.headers["ratelimit"] == '"default";r=0;t=60'
    assert "x-ratelimit-limit" not in first.headers
    assert third.status_code == 429
    assert third.headers["content-type"] == "application/problem+json"
    assert third.headers["retry-after"] == "30"
    assert third.headers["ratelimit"] == '"default";r=0;t=30'
    body = third.json()
    assert body["type"] == QUOTA_EXCEEDED
    assert body["status"] == 429
    assert body["violated-policies"] == ["default"]


async def test_headers_switchable_and_legacy() -> None:
    async with client_for(make_app(RateLimit("5/minute", headers=False))) as client:
        response = await client.get("/")
    assert "ratelimit" not in response.headers
    assert "ratelimit-policy" not in response.headers
    async with client_for(make_app(RateLimit("5/minute", legacy_headers=True))) as client:
        response = await client.get("/")
    assert response.headers["x-ratelimit-limit"] == "5"
    assert response.headers["x-ratelimit-remaining"] == "4"
    assert response.headers["x-ratelimit-reset"] == "12"
    assert response.headers["ratelimit"] == '"default";r=4;t=12'


async def test_ban_gets_abnormal_usage_problem() -> None:
    bans = Bans(after=1, base=600, max_time=600, jitter=0)
    # Both clocks fixed: a real wall clock crossing a retention boundary (every
    # 3 hours) between the two requests rotates the hash key and wipes the ban.
    config = RateLimit("1/minute", bans=bans, clock=Clock(1000.0), wall_clock=Clock(0.0))
    app = make_app(config)
    async with client_for(app) as client:
        await client.get("/")
        response = await client.get("/")
    assert response.status_code == 429
    assert response.json()["type"] == ABNORMAL_USAGE
    assert response.headers["retry-after"] == "600"  # base 600 s, no jitter
    assert response.headers["ratelimit"] == '"default";r=0;t=600'


#: Clock readings where float seconds are noisy: ``(3600.1 + 600.0) - 3600.1`` is
#: ``600.0000000000005``, so a float limiter answered ``Retry-After: 601``
#: (``time.monotonic()`` is in this range from about 58 minutes after boot).
AWKWARD_CLOCKS = [3600.1, 3496.0004073630475, 12345.678901, 1e9 + 0.1]


@pytest.mark.parametrize("reading", AWKWARD_CLOCKS)
async def test_ban_retry_after_is_exact_whatever_the_clock_reads(reading: float) -> None:
    bans = Bans(after=1, base=600, max_time=600, jitter=0)
    app = make_app(RateLimit("1/minute", bans=bans, clock=Clock(reading)))
    async with client_for(app) as client:
        assert (await client.get("/")).status_code == 200
        response = await client.get("/")
    assert (response.status_code, response.headers["retry-after"]) == (429, "600")
    assert response.headers["ratelimit"] == '"default";r=0;t=600'


@settings(max_examples=50, deadline=None)
@given(st.floats(0.0, 2.0**33, allow_nan=False), st.integers(0, 599_999_999))
def test_ban_retry_after_is_the_ceiling_of_what_is_left(reading: float, elapsed: int) -> None:
    # A float clock read anywhere, a retry any µs later: Retry-After is the
    # ceiling of the µs the ban has left, exact; the client is still banned one
    # µs before that and no longer banned at it (never a second early or late).
    bans = Bans(after=1, base=600, max_time=600, jitter=0)
    clock = Clock(reading)
    lim = Limiter(RateLimit("1/minute", bans=bans), clock=clock, wall=Clock(0.0))
    address = addr("203.0.113.9")
    assert lim.check(address, scope_for(), None).allowed
    start = lim._now()
    banned = lim.check(address, scope_for(), None)
    assert (banned.kind, banned.retry_after) == ("ban", 600)
    storage = lim.storage
    key = lim.client_key(address)
    rates = banned.rule.rates
    now = start + elapsed
    kind, left, _ = storage.hit(key, (key,), rates, 0, now)
    assert kind == 2
    assert left == start + 600_000_000 - now
    verdict = Verdict(False, "ban", banned.rule, ((False, 0, left),), left)
    assert verdict.retry_after == max(1, -(-left // 1_000_000))
    assert (verdict.retry_after - 1) * 1_000_000 < left <= verdict.retry_after * 1_000_000
    assert storage.hit(key, (key,), rates, 0, now + left - 1)[0] == 2  # still banned
    assert storage.hit(key, (key,), rates, 0, now + left)[0] != 2  # the ban is over


async def test_quota_retry_after_is_exact_whatever_the_clock_reads() -> None:
    for reading in AWKWARD_CLOCKS:
        app = make_app(RateLimit("1/10minutes", bans=None, clock=Clock(reading)))
        async with client_for(app) as client:
            await client.get("/")
            response = await client.get("/")
        assert response.headers["retry-after"] == "600", reading


async def test_deny_list_gets_403() -> None:
    app = make_app(RateLimit("100/minute", deny=("203.0.113.0/24",)))
    async with client_for(app) as client:
        response = await client.get("/")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_spoofed_forwarded_for_from_untrusted_peer_does_not_escape() -> None:
    app = make_app(RateLimit("2/minute", bans=None))
    statuses = []
    async with client_for(app, "203.0.113.9") as client:
        for i in range(4):
            response = await client.get(
                "/", headers={"x-forwarded-for": f"198.51.100.{i}", "forwarded": f"for=10.0.0.{i}"}
            )
            statuses.append(response.status_code)
    assert statuses == [200, 200, 429, 429]


async def test_spoofed_left_hops_behind_a_trusted_proxy_do_not_escape() -> None:
    app = make_app(RateLimit("2/minute", bans=None))
    statuses = []
    async with client_for(app, "127.0.0.1") as client:
        for i in range(4):
            response = await client.get(
                "/", headers={"x-forwarded-for": f"198.51.100.{i}, 192.0.2.44"}
            )
            statuses.append(response.status_code)
    assert statuses == [200, 200, 429, 429]


MALFORMED: list[dict[str, Any]] = [
    {"x-forwarded-for": "," * 10_000},
    {"x-forwarded-for": "1.2.3.4" + ", x" * 5000},
    {"forwarded": 'for="[::1' + "a" * 20_000},
    {"forwarded": "for=;;;,,,==="},
    {"x-real-ip": b"\xff\xfe"},
    {"x-forwarded-for": "999.999.999.999, [::ffff:1.2.3.4]:99999"},
]


@pytest.mark.parametrize("headers", MALFORMED)
async def test_malformed_forwarding_headers_never_raise(headers: dict[str, Any]) -> None:
    app = make_app(RateLimit("100/minute"))
    async with client_for(app, "127.0.0.1") as client:
        response = await client.get("/", headers=headers)
    assert response.status_code == 200


def base_scope(path: str = "/", kind: str = "http") -> dict[str, Any]:
    return {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http" if kind == "http" else "ws",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("203.0.113.9", 4711),
        "server": ("testserver", 80),
    }


async def test_429_is_sent_before_the_app_with_the_client_truncated() -> None:
    calls = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    middleware = PrivacyMiddleware(app, rate_limit=RateLimit("1/minute", bans=None))
    seen: list[tuple[int, object]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    for _ in range(2):
        scope = base_scope()

        async def send(message: Any, scope: dict[str, Any] = scope) -> None:
            if message["type"] == "http.response.start":
                seen.append((message["status"], scope["client"]))

        await middleware(scope, receive, send)
    assert calls == ["/"]  # the app ran once
    assert seen == [(200, ("203.0.113.0", 0)), (429, ("203.0.113.0", 0))]


async def test_websocket_denied_with_close_1008_before_accept() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})

    middleware = PrivacyMiddleware(app, rate_limit=RateLimit("1/minute", bans=None))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    await middleware(base_scope("/ws", "websocket"), receive, send)
    await middleware(base_scope("/ws", "websocket"), receive, send)
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 1008


def test_middleware_rejects_a_non_ratelimit_option() -> None:
    from privmw import ConfigurationError

    with pytest.raises(ConfigurationError, match="rate_limit"):
        PrivacyMiddleware(make_app(RateLimit("1/s")), rate_limit="120/minute")  # type: ignore[arg-type]


# -- privacy -------------------------------------------------------------------------

ADDRESSES = ["203.0.113.9", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"]


async def test_no_raw_address_reachable_from_the_middleware(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(
        RateLimit("3/minute", bans=Bans(after=1, jitter=0), routes=(Route("/x", "1/minute"),))
    )
    for host in ADDRESSES:
        async with client_for(app, host) as client:
            for path in ("/x", "/", "/", "/", "/", "/x"):
                await client.get(path)
    middleware = app.middleware_stack
    assert middleware is not None
    found = reachable(middleware)
    limiter = None
    stack: list[Any] = [middleware]
    while stack and limiter is None:  # find the limiter to check it was used
        obj = stack.pop()
        if isinstance(obj, PrivacyMiddleware):
            limiter = obj.limiter
        else:
            stack.append(getattr(obj, "app", None))
    assert limiter is not None
    assert limiter.tracked == 4
    assert limiter.bans == 2
    # The walk reaches the table: its digest keys (12 bytes, 13 for a route bucket) are there.
    assert sum(1 for o in found if isinstance(o, bytes) and len(o) in (12, 13)) >= 4
    texts: list[str] = []
    raw: list[bytes] = []
    for text in ADDRESSES:
        family = socket.AF_INET6 if ":" in text else socket.AF_INET
        packed = socket.inet_pton(family, text)
        texts.append(text)
        raw += [text.encode(), packed, packed[:8]]
    for obj in found:
        if isinstance(obj, str):
            assert not any(needle in obj for needle in texts)
        else:
            assert isinstance(obj, (bytes, bytearray))
            assert not any(needle in obj for needle in raw)
    for record in caplog.records:
        for text in ADDRESSES:
            assert text not in record.getMessage()


async def test_problem_body_names_no_client() -> None:
    app = make_app(RateLimit("1/minute", bans=None))
    async with client_for(app) as client:
        await client.get("/")
        response = await client.get("/")
    assert "203.0.113" not in response.text
    assert json.loads(response.text)["status"] == 429


async def test_idle_process_wipes_the_table_when_the_period_ends() -> None:
    # No request arrives after the period: a loop timer (not a thread) still wipes.
    # The wall clock is a fake one; only the loop's timer runs in real time.
    wall = Clock(3600.0 - 0.05)  # 50 ms before the end of an epoch of one hour
    lim = Limiter(RateLimit("10/second", bans=None, retention=3600), clock=Clock(), wall=wall)
    try:
        assert allowed(lim, "192.0.2.1")
        assert lim.tracked == 1
        wall.now = 3600.0  # the epoch ends: the timer (due in 50 + 50 ms) must wipe
        for _ in range(100):
            await asyncio.sleep(0.02)
            if lim.tracked == 0:
                break
        assert lim.tracked == 0
        assert lim.client_key(addr("192.0.2.1")) != b""  # the new key works
    finally:
        await lim.aclose()


async def test_route_policy_fields_through_the_middleware() -> None:
    app = make_app(RateLimit("100/minute", routes=(Route("/", "10/second", name="api"),)))
    async with client_for(app) as client:
        response = await client.get("/")
    assert response.headers["ratelimit-policy"] == '"api";q=10;w=1'
    assert response.headers["ratelimit"] == '"api";r=9;t=1'


def test_cap_holds_under_a_million_distinct_clients_through_the_limiter() -> None:
    cap = 20_000
    lim = Limiter(RateLimit("10/second", max_clients=cap))
    check = lim.check
    scope = scope_for()
    peak = 0
    for i in range(500_000):
        check((4, i), scope, None)
        check((6, (0x20010DB8 << 96) | (i << 64) | 1), scope, None)  # a new /64 each time
        if i % 25_000 == 0:
            peak = max(peak, lim.tracked)
    assert lim.tracked == cap
    assert peak <= cap


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=(1 << 64) - 1),
    st.integers(min_value=0, max_value=(1 << 64) - 1),
    st.integers(min_value=0, max_value=(1 << 64) - 1),
)
def test_property_same_64_same_key_other_64_other_key(prefix: int, low1: int, low2: int) -> None:
    lim, _ = limiter()
    one = lim.client_key((6, (prefix << 64) | low1))
    assert one == lim.client_key((6, (prefix << 64) | low2))
    other = ((prefix + 1) % (1 << 64)) << 64
    assert one != lim.client_key((6, other | low1))
