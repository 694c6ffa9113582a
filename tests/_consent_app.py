"""A small app behind ``PrivacyMiddleware`` for the consent and cookie tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from privmw import ConsentPolicy, PrivacyMiddleware

NOW = 1_770_000_000.0
SECRET = "test-secret-0123456789abcdef"


def policy(**options: Any) -> ConsentPolicy:
    options.setdefault("clock", lambda: NOW)
    return ConsentPolicy(**options)


def make_app(consent: ConsentPolicy | None = None, **options: Any) -> PrivacyMiddleware:
    async def state(request: Request) -> JSONResponse:
        ctx = request.state.privacy
        return JSONResponse(
            {
                "consent": None if ctx.consent is None else sorted(ctx.consent),
                "allows": {
                    c: ctx.allows(c) for c in ("necessary", "preferences", "analytics", "marketing")
                },
                "gpc": ctx.gpc,
                "dnt": ctx.dnt,
                "mode": ctx.consent_mode,
            }
        )

    async def set_cookies(request: Request) -> Response:
        response = PlainTextResponse("ok")
        response.set_cookie("_ga", "GA1.1.123.456")
        response.set_cookie("_fbp", "fb.1.123.456")
        response.set_cookie("session", "abc")
        return response

    async def varied(request: Request) -> Response:
        value = request.query_params.get("v", "Accept-Encoding")
        return PlainTextResponse("ok", headers={"Vary": value})

    app = Starlette(routes=[Route("/", state), Route("/set", set_cookies), Route("/vary", varied)])
    return PrivacyMiddleware(app, consent=consent or policy(), **options)


async def call(
    app: PrivacyMiddleware,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | Mapping[str, bytes] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One request with a fresh client (no cookie jar carried between calls)."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]


def set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def cookie_value(response: httpx.Response, name: str) -> str | None:
    for header in set_cookies(response):
        pair = header.split(";", 1)[0]
        key, _, value = pair.partition("=")
        if key.strip() == name:
            return value
    return None
