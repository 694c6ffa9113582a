"""``uvicorn tests.attack2._leak_app:app``: each case of ``_leak_cases`` at ``/case/<n>``.

``bare`` serves the same responses without privmw (the control).
"""

from __future__ import annotations

from typing import Any

from privmw import PrivacyMiddleware
from tests.attack2._leak_cases import BASE_LOADER_PAGE, CASES, HTML

NAMES = list(CASES)
PATHS = {f"/case/{i}": name for i, name in enumerate(NAMES)}


async def raw(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    name = PATHS.get(scope["path"])
    if scope["path"] == "/base-loader":
        (headers, body), status = (HTML, BASE_LOADER_PAGE), 200
    elif name is None:
        headers, body = [(b"content-type", b"text/plain")], b""
        status = 404
    else:
        (headers, body), status = CASES[name], 200
    length = (b"content-length", b"%d" % len(body))
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


app = PrivacyMiddleware(raw)
bare = raw
