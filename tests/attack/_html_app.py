"""``uvicorn tests.attack._html_app:app``: each case of ``test_html_gate`` at ``/case/<n>``."""

from __future__ import annotations

from typing import Any

from privmw import PrivacyMiddleware
from tests.attack.test_html_gate import CASES

PATHS = {f"/case/{i}": case for i, case in enumerate(CASES)}


async def raw(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    case = PATHS.get(scope["path"])
    headers, body = CASES[case] if case is not None else ([(b"content-type", b"text/plain")], b"")
    length = (b"content-length", b"%d" % len(body))
    await send({"type": "http.response.start", "status": 200, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


app = PrivacyMiddleware(raw)
#: The same responses without privmw: the control that each case does load the tag.
bare = raw
