"""The Redis backend against a real ``redis-server`` started here on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from privmw import Bans, ConfigurationError, Key, PrivacyMiddleware, RateLimit, RedisBackend, Route
from privmw.clientip import parse_ip
from privmw.ratelimit._limiter import Limiter
from privmw.ratelimit.headers import ABNORMAL_USAGE, REDUCED_CAPACITY
from privmw.ratelimit.redis import RedisStorage

from ._redis import SECRET, Server

pytestmark = pytest.mark.server

CLIENT_V4 = "203.0.113.9"
CLIENT_V6 = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[Any]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def middleware(
    url: str, rate: str = "3/minute", bans: Bans | None = None, **backend: Any
) -> PrivacyMiddleware:
    limit = RateLimit(
        rate,
        bans=bans,
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


def storage_of(app: PrivacyMiddleware) -> RedisStorage:
    assert app.limiter is not None
    storage = app.limiter.storage
    assert isinstance(storage, RedisStorage)
    return storage


async def test_two_workers_share_one_limit(redis_url: str) -> None:
    one, two = middleware(redis_url), middleware(redis_url)
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


async def test_two_workers_share_one_ban(redis_url: str, raw: Any) -> None:
    bans = Bans(after=2, base=300, max_time=300, jitter=0)
    one, two = middleware(redis_url, "1/minute", bans), middleware(redis_url, "1/minute", bans)
    try:
        assert (await get(one)).status_code == 200
        assert (await get(two)).status_code == 429  # strike 1, counted in Redis
        banned = await get(one)  # strike 2 at the other worker: banned
        assert banned.status_code == 429
        assert banned.json()["type"] == ABNORMAL_USAGE
        assert 299 <= int(banned.headers["retry-after"]) <= 300
        # The other worker sees the ban, on every rule of that client.
        for app, path in ((two, "/"), (two, "/login"), (one, "/login")):
            response = await get(app, path=path)
            assert response.json()["type"] == ABNORMAL_USAGE, (app, path)
        assert (await get(two, "198.51.100.1")).status_code == 200
    finally:
        await close(one, two)
    ban_keys = [key async for key in raw.scan_iter(match="privmw:rl:b:*")]
    assert len(ban_keys) == 1
    ttl = await raw.pttl(ban_keys[0])
    assert 0 < ttl <= 3 * 3600 * 1000
    record = await raw.hgetall(ban_keys[0])
    assert set(record) == {b"s", b"f", b"c", b"u"}
    assert all(value.isdigit() for value in record.values())


async def test_ipv6_64_shares_a_bucket_in_redis(redis_url: str) -> None:
    app = middleware(redis_url, rate="1/minute")
    try:
        assert (await get(app, "2001:db8:1:2::1")).status_code == 200
        assert (await get(app, "2001:db8:1:2::ffff")).status_code == 429
        assert (await get(app, "2001:db8:1:3::1")).status_code == 200
    finally:
        await close(app)


async def test_every_key_has_a_ttl_and_names_no_address(redis_url: str, raw: Any) -> None:
    app = middleware(redis_url, bans=Bans(after=1))
    try:
        for host in (CLIENT_V4, CLIENT_V6):
            for path in ("/login", "/", "/", "/", "/"):  # the fourth / is refused: a ban
                await get(app, host, path)
    finally:
        await close(app)
    keys = [key async for key in raw.scan_iter(match="*")]
    # Two clients × (default + /login), and the ban record of each (refused on /).
    assert len(keys) == 6
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
        if key.startswith(b"privmw:rl:b:"):
            values = list((await raw.hgetall(key)).values())
        else:
            values = [await raw.get(key)]
        for value in values:
            assert value.isdigit()
            for needle in needles:
                assert needle not in key
                assert needle not in value


async def test_keys_rotate_with_the_epoch(redis_url: str, raw: Any) -> None:
    wall = [0.0]
    limit = RateLimit(
        "1/minute", bans=None, retention=3600, backend=RedisBackend(redis_url, secret=SECRET)
    )
    limiter = Limiter(limit, wall=lambda: wall[0])
    address = parse_ip(CLIENT_V4)
    try:
        scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
        first = (await limiter.acheck(address, scope, None)).verdict
        again = (await limiter.acheck(address, scope, None)).verdict
        wall[0] = 3600.0
        later = (await limiter.acheck(address, scope, None)).verdict
    finally:
        await limiter.aclose()
    assert first is not None
    assert again is not None
    assert later is not None
    assert (first.allowed, again.allowed, later.allowed) == (True, False, True)
    assert len([key async for key in raw.scan_iter(match="*")]) == 2  # old key, new key


async def test_script_flush_is_survived(redis_url: str, raw: Any) -> None:
    app = middleware(redis_url)
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
    await app.limiter.astart()
    store = storage_of(app)
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


async def test_astart_and_aclose_open_and_close_the_pool(redis_url: str) -> None:
    app = middleware(redis_url)
    assert app.limiter is not None
    store = storage_of(app)
    assert store.client is None  # nothing opened at construction
    await app.limiter.astart()
    client = store.client
    assert client is not None
    await app.limiter.astart()  # idempotent
    assert store.client is client
    assert (await get(app)).status_code == 200
    await app.limiter.aclose()
    assert store.client is None
    await app.limiter.aclose()  # idempotent
    # A request after aclose() opens a new pool rather than failing.
    assert (await get(app)).status_code == 200
    await app.limiter.aclose()


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://localhost",
        "rediss://user:pw@cache.example:6380/2",
        "unix:///run/redis/redis.sock",
        "unix:///run/redis.sock?db=1&password=x",
        "REDIS://127.0.0.1:6379",
    ],
)
def test_url_schemes_redis_py_accepts(url: str) -> None:
    from redis.asyncio.connection import parse_url

    parse_url(url.replace("REDIS://", "redis://"))  # redis-py agrees
    assert RedisBackend(url, secret=SECRET).url == url


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1:6379", "a URL like"),
        ("valkey://127.0.0.1:6379", "write redis://"),
        ("valkeys://cache:6380", "write rediss://"),
        ("127.0.0.1:6379", "a URL like"),
        ("redis://127.0.0.1:99999/0", "port"),
        ("redis://:6379/0", "host"),
        ("redis://127.0.0.1:6379/zero", "database number"),
        ("unix://", "socket path"),
        (6379, "a URL like"),
    ],
)
def test_bad_urls_are_refused_at_construction(url: object, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        RedisBackend(url, secret=SECRET)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith("RedisBackend: url must be")
    assert fragment in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://user:s3cret@host:6379/0", "redis://user:***@host:6379/0"),
        ("redis://:s3cret@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://s3cret@host", "rediss://***@host"),
        ("unix:///run/r.sock?db=0&password=s3cret", "unix:///run/r.sock?db=0&password=***"),
        ("redis://host:6379/0", "redis://host:6379/0"),
    ],
)
def test_repr_and_errors_hide_credentials(url: str, shown: str) -> None:
    backend = RedisBackend(url, secret=SECRET)
    assert repr(backend) == f"RedisBackend({shown!r}, secret=<hidden>, fail_open)"
    assert "s3cret" not in repr(RateLimit("1/s", backend=backend))
    assert SECRET not in repr(backend)
    with pytest.raises(ConfigurationError) as info:
        RedisBackend(
            url.replace("host", "host:bad").replace("/run", "x:notaport/run"), secret=SECRET
        )
    assert "s3cret" not in str(info.value)


async def test_two_workers_share_per_key_limits(redis_url: str) -> None:
    def worker() -> PrivacyMiddleware:
        config = RateLimit(
            "2/minute",
            key=Key.header("X-API-Key"),
            bans=None,
            backend=RedisBackend(redis_url, secret=SECRET),
        )
        return PrivacyMiddleware(ok_app, rate_limit=config)

    async def call(app: PrivacyMiddleware, host: str, api_key: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(host, 4711))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return (await client.get("/", headers={"x-api-key": api_key})).status_code

    one, two = worker(), worker()
    try:
        # One API key from two addresses through two workers: one limit.
        got = [
            await call(one, CLIENT_V4, "key-a"),
            await call(two, "198.51.100.1", "key-a"),
            await call(one, "198.51.100.2", "key-a"),
        ]
        assert got == [200, 200, 429]
        assert await call(two, CLIENT_V4, "key-b") == 200  # another key: its own bucket
    finally:
        await close(one, two)
