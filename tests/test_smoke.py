from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from privmw import PrivacyMiddleware


async def test_client_is_truncated_through_starlette() -> None:
    async def view(request: Request) -> JSONResponse:
        assert request.client is not None
        return JSONResponse({"client": request.client.host, "ctx": request.state.privacy.client})

    app = Starlette(routes=[Route("/", view)])
    app.add_middleware(PrivacyMiddleware)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/")
    assert response.json() == {"client": "203.0.113.0", "ctx": "203.0.113.0"}
