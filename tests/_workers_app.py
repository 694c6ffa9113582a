"""The app ``tests/test_workers.py`` serves with ``uvicorn --workers 2``.

Configured from the environment, as a deployment would be: ``PRIVMW_SECRET``
(read by privmw itself), ``PRIVMW_TEST_REDIS`` (a Redis URL: a shared rate
limit; empty: in memory) and ``PRIVMW_TEST_EPHEMERAL=1`` (no secret, a random
one per process). Every response says which worker answered (``x-worker``),
from a layer outside privmw, so refusals privmw answers itself say it too.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from privmw import Bans, PrivacyMiddleware, RateLimit, RedisBackend
from privmw import Route as LimitRoute


async def whoami(request: Request) -> JSONResponse:
    privacy = request.state.privacy
    consent = privacy.consent
    return JSONResponse(
        {"pseudonym": privacy.pseudonym, "consent": None if consent is None else sorted(consent)}
    )


async def limited(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def build() -> Any:
    redis_url = os.environ.get("PRIVMW_TEST_REDIS", "")
    limit = RateLimit(
        "10000/minute",
        routes=(LimitRoute("/limited", "6/minute", burst=6, name="limited"),),
        bans=Bans(after=2, findtime=60, base=60, max_time=60, jitter=0),
        backend=RedisBackend(redis_url, fail_open=False) if redis_url else None,
    )
    inner = Starlette(routes=[Route("/", whoami), Route("/limited", limited)])
    privacy = PrivacyMiddleware(
        inner,
        pseudonyms=True,
        rate_limit=limit,
        insecure_ephemeral_secret=os.environ.get("PRIVMW_TEST_EPHEMERAL") == "1",
    )
    worker = str(os.getpid()).encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def tagged(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-worker", worker)]
            await send(message)

        await privacy(scope, receive, tagged if scope["type"] == "http" else send)

    return app


app = build()
