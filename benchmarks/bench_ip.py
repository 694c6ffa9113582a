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

from .common import DEFAULT_HEADERS, ASGIApp, bare_app, make_scope

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


#: A realistic browser request behind a loopback proxy: Chrome's client hints,
#: a referrer, a session cookie, and no header that names the client besides
#: X-Forwarded-For (the common case the any-header scrub must not slow down).
REALISTIC_HEADERS: list[tuple[bytes, bytes]] = [
    *DEFAULT_HEADERS,
    (b"sec-ch-ua", b'"Chromium";v="126", "Not.A/Brand";v="24", "Google Chrome";v="126"'),
    (b"sec-ch-ua-mobile", b"?0"),
    (b"sec-ch-ua-platform", b'"Linux"'),
    (b"sec-fetch-site", b"same-origin"),
    (b"sec-fetch-mode", b"navigate"),
    (b"sec-fetch-dest", b"document"),
    (b"referer", b"https://example.org/blog/2026/01/privacy-by-default"),
    (b"cookie", b"session=0f3c9a1e77b24d5c8e1f; theme=dark"),
    (b"x-request-id", b"5d1f3c2a-7b0e-4c9a-9f3e-1a2b3c4d5e6f"),
]


def scope() -> dict[str, Any]:
    """The request every variant of the group gets (realistic headers, one proxy hop)."""
    return make_scope(headers=REALISTIC_HEADERS)


def privmw_without_any_header_scrub(app: ASGIApp) -> ASGIApp:
    """privmw ip privacy with the any-header scrub switched off: the "before" of issue 14."""
    mw = PrivacyMiddleware(app, **ip_only_options())  # type: ignore[arg-type]
    mw.resolver.scan_values = False
    return mw


def apps() -> dict[str, ASGIApp]:
    return {
        "bare starlette": bare_app(),
        "no-op pure ASGI layer": NoopASGI(bare_app()),
        "BaseHTTPMiddleware no-op": NoopBase(bare_app()),
        "uvicorn ProxyHeadersMiddleware": ProxyHeadersMiddleware(
            bare_app(), trusted_hosts="127.0.0.1"
        ),
        "privmw ip privacy": privmw_ip_only(bare_app()),
        "privmw ip privacy, any-header scrub off (before)": privmw_without_any_header_scrub(
            bare_app()
        ),
    }


def figures() -> dict[str, float]:
    """The any-header scrub alone, per request, on the group's request (µs, median of 15)."""
    import statistics
    import time

    from privmw.clientip import ClientResolver
    from privmw.signals import SIGNAL_HEADERS, read_headers

    on = ClientResolver()
    off = ClientResolver()
    off.scan_values = False
    out: dict[str, float] = {}
    for label, resolver in (
        ("resolve µs, any-header scrub on", on),
        ("resolve µs, scrub off", off),
    ):
        wanted = SIGNAL_HEADERS | resolver.forwarding
        runs = []
        for _ in range(15):
            start = time.perf_counter()
            for _ in range(2000):
                headers = list(REALISTIC_HEADERS)
                found = read_headers(headers, wanted)[3]
                resolver.resolve(("127.0.0.1", 51000), found, headers)
            runs.append((time.perf_counter() - start) / 2000 * 1e6)
        out[label] = statistics.median(runs)
    return out
