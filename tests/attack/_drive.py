"""In-process ASGI driving for the attack tests: one request, every message kept."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from privmw import PrivacyMiddleware

Message = dict[str, Any]
Headers = list[tuple[bytes, bytes]]

#: A page with one Google Analytics tag, which no visitor without consent may load.
GA_SRC = b"https://www.google-analytics.com/analytics.js"
GA_PAGE = (
    b'<!doctype html><html><head><script src="' + GA_SRC + b'"></script></head>'
    b"<body>hi</body></html>"
)


def http_scope(
    path: str = "/",
    *,
    method: str = "GET",
    headers: Headers | None = None,
    client: tuple[str, int] = ("203.0.113.9", 5000),
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers if headers is not None else [(b"host", b"example.com")],
        "client": client,
        "server": ("127.0.0.1", 80),
    }
    if extensions is not None:
        scope["extensions"] = extensions
    return scope


def drive(mw: PrivacyMiddleware, scope: dict[str, Any], body: bytes = b"") -> list[Message]:
    """Run one request through ``mw``; the messages privmw sent to the server."""
    sent: list[Message] = []
    inbox: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]
    if scope["type"] == "websocket":
        inbox = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(mw(scope, receive, send))
    return sent


def header_values(message: Message, name: bytes) -> list[bytes]:
    return [v for n, v in message.get("headers", []) if n.lower() == name]
