"""``uvicorn tests.attack._ws_app:app --ws wsproto``: a WebSocket whose handshake sets ``_ga``."""

from __future__ import annotations

from typing import Any

from privmw import PrivacyMiddleware

PAGE = (
    b"<!doctype html><title>ws</title><script>"
    b"const ws = new WebSocket('ws://' + location.host + '/ws');"
    b"ws.onopen = () => { document.title = 'open'; ws.close(); };"
    b"</script>"
)
#: A Google Analytics cookie: analytics, which no visitor here has allowed.
TRACKER_COOKIE = b"_ga=GA1.1.123.456; Path=/; Max-Age=63072000"


async def raw(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept", "headers": [(b"set-cookie", TRACKER_COOKIE)]})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        return
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"text/html"), (b"content-length", b"%d" % len(PAGE))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE})


app = PrivacyMiddleware(raw)
