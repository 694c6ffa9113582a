"""Small apps the tests drive, also served by a real uvicorn subprocess."""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from privmw import PrivacyMiddleware


async def whoami(request: Request) -> JSONResponse:
    """What the app can see of the client."""
    client = request.client
    body: dict[str, Any] = {
        "client": client.host if client else None,
        "port": client.port if client else None,
        "privacy": request.state.privacy.client,
        "headers": [[k, v] for k, v in request.headers.items()],
    }
    return JSONResponse(body)


async def ws_whoami(websocket: WebSocket) -> None:
    await websocket.accept()
    client = websocket.client
    await websocket.send_json(
        {
            "client": client.host if client else None,
            "privacy": websocket.state.privacy.client,
            "headers": [[k, v] for k, v in websocket.headers.items()],
        }
    )
    await websocket.close()


def build(**options: Any) -> Starlette:
    app = Starlette(routes=[Route("/", whoami), WebSocketRoute("/ws", ws_whoami)])
    app.add_middleware(PrivacyMiddleware, **options)
    return app


# For `uvicorn tests._apps:app`: trusted proxies come from the environment so
# one module serves both set-ups (uvicorn resolving XFF, or privmw doing it).
app = build(
    trusted_proxies=[p for p in os.environ.get("PRIVMW_TRUSTED", "127.0.0.1,::1").split(",") if p]
)
