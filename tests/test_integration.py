"""Features together: what one feature does is seen by the others."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from privmw import AccessLog, ConsentPolicy, PrivacyMiddleware, RateLimit
from privmw import Route as LimitRoute


async def _ok(request: Request) -> Response:
    return PlainTextResponse("ok")


async def test_rate_limited_and_consent_responses_are_in_the_access_log(tmp_path: Path) -> None:
    log = AccessLog(directory=str(tmp_path))
    app = Starlette(routes=[Route("/{rest:path}", _ok)])
    app.add_middleware(
        PrivacyMiddleware,
        rate_limit=RateLimit("2/minute", bans=None),
        access_log=log,
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.99", 4711))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            statuses = [(await client.get("/x")).status_code for _ in range(3)]
            consent = await client.get("/privacy/consent")
        assert statuses == [200, 200, 429]
        assert consent.status_code == 429  # the limit covers privmw's own endpoints too
        assert log.flush()
    finally:
        log.close()
    text = "".join(p.read_text() for p in tmp_path.iterdir())
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["status"] for r in records] == [200, 200, 429, 429]
    assert {r["client"] for r in records} == {"203.0.113.0"}
    assert "203.0.113.99" not in text


def test_disclosure_follows_rate_limit_and_consent_options() -> None:
    def text(**options: object) -> str:
        return PrivacyMiddleware(_ok, **options).disclosure().to_markdown()  # type: ignore[arg-type]

    without = text()
    limited = text(
        rate_limit=RateLimit(
            "30/minute", retention=7200, routes=(LimitRoute("/login", "5/minute"),)
        )
    )
    assert "rate limiting" not in without.lower()
    assert "30 requests per minute" in limited
    assert "/login: 5/minute" in limited
    assert "2 hours" in limited
    custom = text(
        consent=ConsentPolicy(categories=("analytics",), revision="2026-07", max_age=86400 * 30)
    )
    assert "revision (2026-07)" in custom
    assert "30 days" in custom
    assert "revision (1)" in without
    assert "Consent and privacy signals" not in text(consent=False)


def test_disclosure_of_a_redis_backend_says_where_the_key_lives() -> None:
    from privmw import RedisBackend

    backend = RedisBackend("redis://127.0.0.1:1/0", secret="s" * 32)
    mw = PrivacyMiddleware(_ok, rate_limit=RateLimit("5/second", backend=backend))  # type: ignore[arg-type]
    section = mw.disclosure().section("rate_limit")
    assert section is not None
    assert "derived from a shared secret" in section.retention
    assert "Redis/Valkey" in section.retention
    assert "random" not in section.retention
    assert "5 requests per second" in section.purpose
