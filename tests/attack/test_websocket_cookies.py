"""Invariant 3 on WebSockets: a handshake response is an HTTP response, and sets cookies.

ASGI lets the app add headers to ``websocket.accept`` (the 101 response) and,
with the ``websocket.http.response`` extension, send a whole denial response
(``websocket.http.response.start``). Chromium stores a ``Set-Cookie`` from
either. privmw wraps a WebSocket's ``send`` only for the access log and
never gates those headers, so an app (or a chat widget's backend) sets
``_ga`` for a visitor who allowed nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from privmw import PrivacyMiddleware
from tests.attack._drive import drive, header_values, http_scope
from tests.attack._ws_app import TRACKER_COOKIE
from tests.browser.conftest import ARTIFACTS
from tests.servers import uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def _ws_scope(path: str = "/ws") -> dict[str, Any]:
    scope = http_scope(path)
    scope.update(
        type="websocket",
        scheme="ws",
        subprotocols=[],
        extensions={"websocket.http.response": {}},
    )
    del scope["method"]
    return scope


async def _accepting(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept", "headers": [(b"set-cookie", TRACKER_COOKIE)]})
    await send({"type": "websocket.close", "code": 1000})


async def _denying(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    headers = [(b"set-cookie", TRACKER_COOKIE), (b"content-type", b"text/plain")]
    await send({"type": "websocket.http.response.start", "status": 403, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": b"no"})


@pytest.mark.parametrize("app", [_accepting, _denying], ids=["accept", "denial-response"])
def test_handshake_set_cookie_is_gated(app: Any) -> None:
    sent = drive(PrivacyMiddleware(app), _ws_scope())
    first = sent[0]
    assert first["type"] in ("websocket.accept", "websocket.http.response.start")
    assert header_values(first, b"set-cookie") == [], first


@pytest.fixture(scope="module")
def ws_url(browser: Browser) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "attack-ws-uvicorn.log"
    with uvicorn_server("tests.attack._ws_app:app", "--ws", "wsproto", log_path=log) as port:
        yield f"http://127.0.0.1:{port}/"


@pytest.mark.server
def test_chromium_stores_no_tracker_cookie_from_the_handshake(
    browser: Browser,
    ws_url: str,
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(ws_url)
        page.wait_for_function("document.title === 'open'", timeout=5000)
        deadline = time.monotonic() + 2.0
        names: set[str] = set()
        while time.monotonic() < deadline and "_ga" not in names:
            page.wait_for_timeout(100)  # the cookie is stored just after onopen
            names = {c["name"] for c in context.cookies()}
        assert "_ga" not in names
    finally:
        context.close()
