"""Invariant 2 for keys: whatever the key, only keyed hashes of it are kept.

After 10,000 requests with distinct API keys (in a header, and as a cookie for
an endpoint rule), no key appears in anything reachable from the middleware
(the memory storage, caches, the limiter), in any Redis key or value, or in
any log line (privmw's, and the access log's).
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route as StarletteRoute

from privmw import AccessLog, Key, PrivacyMiddleware, RateLimit, RedisBackend, limit
from tests._reach import reachable

from ._redis import SECRET

N = 10_000


def api_key(i: int) -> str:
    return f"sk-live-{i:05d}-d41d8cd98f"


def build(backend: RedisBackend | None) -> tuple[Starlette, PrivacyMiddleware]:
    # Hours, not minutes: Redis expires a bucket after its wait in real time, and a
    # loaded machine may take more than a minute for the 10,000 requests.
    @limit("5/hour", key=Key.cookie("session"), name="per-session")
    async def data(request: Request) -> Response:
        return PlainTextResponse("ok")

    app = Starlette(routes=[StarletteRoute("/data", data)])
    config = RateLimit(
        "1/hour", key=Key.header("X-API-Key"), backend=backend, max_clients=2 * N + 10
    )
    middleware = PrivacyMiddleware(
        app, rate_limit=config, access_log=AccessLog(logger="tests.privacy.access")
    )
    return app, middleware


async def drive(middleware: PrivacyMiddleware) -> list[int]:
    """N requests, each with its own API key and session, straight through ASGI."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for i in range(N):
        key = api_key(i).encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/data",
            "raw_path": b"/data",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver"),
                (b"x-api-key", key),
                (b"cookie", b"session=" + key[::-1]),
            ],
            "client": ("203.0.113.9", 4711),
            "server": ("testserver", 80),
        }
        await middleware(scope, receive, send)
    # One more with the first key: it is limited, so its bucket was really kept.
    scope["headers"] = [(b"host", b"testserver"), (b"x-api-key", api_key(0).encode())]
    await middleware(scope, receive, send)
    return statuses


def assert_absent(haystacks: list[bytes], found_in: str) -> None:
    # Every API key starts with this prefix and every session (a key reversed) with
    # that reversed suffix: a blob holding none of them, nor their hex, holds no key.
    marks = [b"sk-live-", b"d41d8cd98f"[::-1]]
    marks += [mark.hex().encode() for mark in marks]
    for blob in haystacks:
        for mark in marks:
            assert mark not in blob, found_in


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_no_raw_key_after_ten_thousand_distinct_api_keys(
    storage: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    backend = None
    if storage == "redis":
        backend = RedisBackend(request.getfixturevalue("redis_url"), secret=SECRET)
    _, middleware = build(backend)
    limiter = middleware.limiter
    assert limiter is not None
    access_log = middleware.access_log
    assert access_log is not None
    try:
        statuses = await drive(middleware)
        assert access_log.flush()  # the writer thread has handed every line to the logger
    finally:
        await limiter.aclose()
        access_log.close()
    assert statuses[:N] == [200] * N
    assert statuses[N] == 429
    # The reachable state: with memory, a bucket per API key and per session.
    found = reachable(middleware)
    blobs = [
        o.encode() if isinstance(o, str) else bytes(o)
        for o in found
        if isinstance(o, (str, bytes, bytearray))
    ]
    if storage == "memory":
        assert limiter.tracked == 2 * N
        assert sum(1 for o in found if isinstance(o, bytes) and len(o) in (12, 19)) >= 2 * N
    assert_absent(blobs, "reachable from the middleware")
    # Logs: privmw's own records and the access log's lines.
    access = [r for r in caplog.records if r.name == "tests.privacy.access"]
    assert len(access) == N + 1
    assert_absent([r.getMessage().encode() for r in caplog.records], "a log record")
    if storage == "redis":
        raw: Any = aioredis.Redis.from_url(request.getfixturevalue("redis_url"))
        try:
            keys = [key async for key in raw.scan_iter(match="*", count=1000)]
            # A bucket per key and per session, and one strike record (the last request).
            assert len(keys) == 2 * N + 1
            assert len([key for key in keys if key.startswith(b"privmw:rl:b:")]) == 1
            buckets = [key for key in keys if not key.startswith(b"privmw:rl:b:")]
            values = [value for value in await raw.mget(buckets) if value is not None]
            for key in keys:
                if key.startswith(b"privmw:rl:b:"):
                    values += list((await raw.hgetall(key)).values())
        finally:
            await raw.aclose()
        assert len(values) == 2 * N + 3  # the strike record: strikes, first, count
        assert_absent(keys, "a Redis key")
        assert_absent(values, "a Redis value")
    # Cross-check the scan itself: it finds a key where there is one.
    for planted in (
        api_key(1).encode(),
        api_key(2).encode()[::-1],
        api_key(3).encode().hex().encode(),
    ):
        with pytest.raises(AssertionError):
            assert_absent([b"..." + planted + b"..."], "the check")
