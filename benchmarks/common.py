"""Shared pieces of the benchmarks: a bare app, a reusable request, a timer.

Every variant is an ASGI app called directly (no socket) with a prepared
scope; the harness interleaves variants in rounds in one process so that the
noise of a shared machine hits them alike, and reports per-request medians.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

#: A realistic browser request through a proxy on loopback.
DEFAULT_HEADERS: list[tuple[bytes, bytes]] = [
    (b"host", b"example.org"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     b"Chrome/126.0.0.0 Safari/537.36"),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"accept-language", b"en-GB,en;q=0.9"),
    (b"x-forwarded-for", b"203.0.113.77"),
    (b"x-forwarded-proto", b"https"),
]


def bare_app(html: bytes | None = None) -> Starlette:
    """The app every variant wraps: one text route and one HTML route."""

    async def text(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def page(request: Request) -> Response:
        return HTMLResponse(html or b"<!doctype html><title>x</title><p>ok</p>")

    return Starlette(routes=[Route("/", text), Route("/page", page)])


def make_scope(
    path: str = "/",
    headers: list[tuple[bytes, bytes]] | None = None,
    client: tuple[str, int] = ("127.0.0.1", 51000),
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": list(DEFAULT_HEADERS if headers is None else headers),
        "client": client,
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


async def time_requests(
    app: ASGIApp, n: int, scope_factory: Callable[[], dict[str, Any]]
) -> float:
    """Seconds per request, averaged over ``n`` calls (fresh scope each call)."""
    scopes = [scope_factory() for _ in range(n)]
    start = time.perf_counter()
    for scope in scopes:
        await app(scope, _receive, _send)
    return (time.perf_counter() - start) / n


def run(coro: Awaitable[float]) -> float:
    return asyncio.run(coro)  # type: ignore[arg-type]
