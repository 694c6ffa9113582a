"""Client-IP privacy vs the layers a user would otherwise run.

Variants get the same request: a browser behind a proxy on loopback
(``X-Forwarded-For: 203.0.113.77``), so every proxy-aware variant resolves it.
"""

from __future__ import annotations

from typing import Any

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from privmw import PrivacyMiddleware

from .common import ASGIApp, bare_app

GROUP = "ip"
#: The privmw variant the peers are compared with.
REFERENCE = "privmw ip privacy"


class NoopASGI:
    """The cheapest possible pure ASGI layer: the floor for any middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class NoopBase(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        return await call_next(request)


def privmw_ip_only(app: ASGIApp) -> ASGIApp:
    """privmw with only client-IP privacy (no consent, tags, limits, log)."""
    return PrivacyMiddleware(app, **ip_only_options())  # type: ignore[arg-type]


def ip_only_options() -> dict[str, Any]:
    """Options that switch off every privmw feature but client-IP privacy."""
    import inspect

    params = inspect.signature(PrivacyMiddleware).parameters
    options: dict[str, Any] = {}
    if "consent" in params:
        options["consent"] = False
    if "tags" in params:
        options["tags"] = False
    return options


def apps() -> dict[str, ASGIApp]:
    return {
        "bare starlette": bare_app(),
        "no-op pure ASGI layer": NoopASGI(bare_app()),
        "BaseHTTPMiddleware no-op": NoopBase(bare_app()),
        "uvicorn ProxyHeadersMiddleware": ProxyHeadersMiddleware(
            bare_app(), trusted_hosts="127.0.0.1"
        ),
        "privmw ip privacy": privmw_ip_only(bare_app()),
    }
