"""The Redis backend against a real ``redis-server`` started here on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from privmw import PrivacyMiddleware, RateLimit, RedisBackend, Route
from privmw.clientip import parse_ip
from privmw.ratelimit.headers import REDUCED_CAPACITY
from privmw.ratelimit.limiter import Limiter
from tests.conftest import require

pytestmark = pytest.mark.server

SECRET = "0123456789abcdef0123456789abcdef"
CLIENT_V4 = "203.0.113.9"
CLIENT_V6 = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="privmw-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture
def server() -> Iterator[Server]:
    require(shutil.which("redis-server") is not None, "redis-server not installed")
    srv = Server()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        shutil.rmtree(srv.dir, ignore_errors=True)


@pytest.fixture
async def raw(server: Server) -> AsyncIterator[Any]:
    client = aioredis.Redis.from_url(server.url)
    try:
        yield client
    finally:
        await client.aclose()


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def middleware(url: str, rate: str = "3/minute", **backend: Any) -> PrivacyMiddleware:
    limit = RateLimit(
        rate,
        bans=None,
        backend=RedisBackend(url, secret=SECRET, **backend),
        routes=(Route("/login", "1/minute"),),
    )
    return PrivacyMiddleware(ok_app, rate_limit=limit)


async def get(app: PrivacyMiddleware, host: str = CLIENT_V4, path: str = "/") -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(host, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


async def close(*apps: PrivacyMiddleware) -> None:
    for app in apps:
        assert app.limiter is not None
        await app.limiter.aclose()


async def test_two_workers_share_one_limit(server: Server) -> None:
    one, two = middleware(server.url), middleware(server.url)
    try:
        statuses = [(await get(app)).status_code for app in (one, two, one, two, one)]
        assert statuses == [200, 200, 200, 429, 429]
        response = await get(two)
        assert response.headers["ratelimit"].startswith('"default";r=0;t=')
        assert 1 <= int(response.headers["retry-after"]) <= 20
        # Another client is not affected; the route has its own bucket.
        assert (await get(one, "198.51.100.1")).status_code == 200
        assert (await get(one, path="/login")).status_code == 200
        assert (await get(two, path="/login")).status_code == 429
    finally:
        await close(one, two)


async def test_ipv6_64_shares_a_bucket_in_redis(server: Server) -> None:
    app = middleware(server.url, rate="1/minute")
    try:
        assert (await get(app, "2001:db8:1:2::1")).status_code == 200
        assert (await get(app, "2001:db8:1:2::ffff")).status_code == 429
        assert (await get(app, "2001:db8:1:3::1")).status_code == 200
    finally:
        await close(app)


async def test_every_key_has_a_ttl_and_names_no_address(server: Server, raw: Any) -> None:
    app = middleware(server.url)
    try:
        for host in (CLIENT_V4, CLIENT_V6):
            for path in ("/", "/", "/login"):
                await get(app, host, path)
    finally:
        await close(app)
    keys = [key async for key in raw.scan_iter(match="*")]
    assert len(keys) == 4  # two clients × (default + /login)
    needles = []
    for text in (CLIENT_V4, CLIENT_V6):
        parsed = parse_ip(text)
        assert parsed is not None
        version, value = parsed
        packed = value.to_bytes(4 if version == 4 else 16, "big")
        needles += [text.encode(), packed, packed[:8], packed.hex().encode()]
    needles.append(b"203.0.113")
    for key in keys:
        assert key.startswith(b"privmw:rl:")
        ttl = await raw.pttl(key)
        assert 0 < ttl <= 3 * 3600 * 1000
        value = await raw.get(key)
        assert value.isdigit()
        for needle in needles:
            assert needle not in key
            assert needle not in value


async def test_keys_rotate_with_the_epoch(server: Server, raw: Any) -> None:
    wall = [0.0]
    limit = RateLimit(
        "1/minute", bans=None, retention=3600, backend=RedisBackend(server.url, secret=SECRET)
    )
    limiter = Limiter(limit, wall=lambda: wall[0])
    address = parse_ip(CLIENT_V4)
    try:
        first = await limiter.acheck(address, "GET", "/")
        again = await limiter.acheck(address, "GET", "/")
        wall[0] = 3600.0
        later = await limiter.acheck(address, "GET", "/")
    finally:
        await limiter.aclose()
    assert first is not None
    assert again is not None
    assert later is not None
    assert (first.allowed, again.allowed, later.allowed) == (True, False, True)
    assert len([key async for key in raw.scan_iter(match="*")]) == 2  # old key, new key


async def test_script_flush_is_survived(server: Server, raw: Any) -> None:
    app = middleware(server.url)
    try:
        assert (await get(app)).status_code == 200
        await raw.script_flush()
        assert (await get(app)).status_code == 200
        assert (await get(app)).status_code == 200
        assert (await get(app)).status_code == 429
    finally:
        await close(app)


async def test_server_stopped_fail_open_warns_once(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="privmw.ratelimit")
    app = middleware(server.url, rate="2/minute")
    try:
        assert [(await get(app)).status_code for _ in range(3)] == [200, 200, 429]
        server.stop()
        statuses = [(await get(app)).status_code for _ in range(5)]
        assert statuses == [200] * 5
        assert "ratelimit" not in (await get(app)).headers
    finally:
        await close(app)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "open" in message
    assert CLIENT_V4 not in message
    assert "203.0.113" not in message


async def test_server_stopped_fail_closed_and_recovery(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="privmw.ratelimit")
    app = middleware(server.url, rate="100/minute", fail_open=False, probe_interval=0.3)
    try:
        assert (await get(app)).status_code == 200
        server.stop()
        responses = [await get(app) for _ in range(3)]
        assert [r.status_code for r in responses] == [503] * 3
        assert responses[0].json()["type"] == REDUCED_CAPACITY
        assert responses[0].headers["retry-after"] == "1"
        server.start()  # the same port: the limiter reconnects by itself
        await asyncio.sleep(0.35)
        assert (await get(app)).status_code == 200
    finally:
        await close(app)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "closed" in warnings[0].getMessage()
    assert any("reachable again" in r.getMessage() for r in caplog.records)


async def test_unreachable_redis_is_probed_at_most_every_probe_interval(server: Server) -> None:
    app = middleware(server.url, probe_interval=60)
    assert app.limiter is not None
    store = app.limiter.store
    assert store is not None
    calls = 0
    evalsha = store.client.evalsha

    async def counting(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        return await evalsha(*args)

    store.client.evalsha = counting
    try:
        assert (await get(app)).status_code == 200
        assert calls == 2  # NOSCRIPT, SCRIPT LOAD, then EVALSHA again
        server.stop()
        calls = 0
        started = time.monotonic()
        assert [(await get(app)).status_code for _ in range(10)] == [200] * 10
        assert time.monotonic() - started < 2
    finally:
        await close(app)
    assert calls == 1  # one failed attempt; the other nine skip Redis
