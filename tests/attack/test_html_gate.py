"""Invariants 4 and 8: HTML the browser runs must not carry a live tracker, whatever its headers.

privmw decides "is this HTML I rewrite?" from the *first* ``Content-Type`` and
``Content-Encoding`` values (``tags._runtime.rewritable``); the browser reads
all of them, sniffs a missing type, runs scripts in XHTML and SVG, decodes
UTF-16 by label or byte order mark, and undoes gzip. Each case below is a
response an app can send (several are what frameworks send by default: a
Starlette ``Response`` without ``media_type`` has no ``Content-Type``; a
``FileResponse`` of an ``.html`` file uses ``http.response.pathsend`` where
the server offers it). ``_browser_read.live_tracker`` is the oracle; the
Chromium run in ``test_html_gate_browser.py`` confirms it case by case.
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import Any

import pytest

from privmw import PrivacyMiddleware
from tests.attack._browser_read import live_tracker
from tests.attack._drive import GA_PAGE, Headers, drive, http_scope

XHTML_PAGE = (
    b'<html xmlns="http://www.w3.org/1999/xhtml"><head>'
    b'<script src="https://www.google-analytics.com/analytics.js"></script>'
    b"</head><body>hi</body></html>"
)
SVG_PAGE = (
    b'<svg xmlns="http://www.w3.org/2000/svg">'
    b'<script href="https://www.google-analytics.com/analytics.js"/></svg>'
)


def utf16(body: bytes, *, bom: bool, big: bool = False) -> bytes:
    text = body.decode("ascii").encode("utf-16-be" if big else "utf-16-le")
    if not bom:
        return text
    return (codecs.BOM_UTF16_BE if big else codecs.BOM_UTF16_LE) + text


#: name -> (response headers, body). Every one of them loads Google Analytics
#: in Chromium 14x when served without privmw (see the browser test).
CASES: dict[str, tuple[Headers, bytes]] = {
    "no content-type (sniffed as HTML)": ([], GA_PAGE),
    "two content-type fields, the last is HTML": (
        [(b"content-type", b"text/plain"), (b"content-type", b"text/html")],
        GA_PAGE,
    ),
    "content-type list, the last is HTML": ([(b"content-type", b"text/plain, text/html")], GA_PAGE),
    "empty content-type then HTML": (
        [(b"content-type", b""), (b"content-type", b"text/html")],
        GA_PAGE,
    ),
    "application/xhtml+xml": ([(b"content-type", b"application/xhtml+xml")], XHTML_PAGE),
    "text/xml with the XHTML namespace": ([(b"content-type", b"text/xml")], XHTML_PAGE),
    "image/svg+xml": ([(b"content-type", b"image/svg+xml")], SVG_PAGE),
    "charset=utf-16 with BOM": (
        [(b"content-type", b"text/html; charset=utf-16")],
        utf16(GA_PAGE, bom=True),
    ),
    'charset="utf-16" quoted': (
        [(b"content-type", b'text/html;charset="utf-16"')],
        utf16(GA_PAGE, bom=True),
    ),
    "charset=unicode (a WHATWG label of UTF-16LE)": (
        [(b"content-type", b"text/html; charset=unicode")],
        utf16(GA_PAGE, bom=False),
    ),
    "charset=ucs-2 (a WHATWG label of UTF-16LE)": (
        [(b"content-type", b"text/html; charset=ucs-2")],
        utf16(GA_PAGE, bom=False),
    ),
    "charset=utf-16be": (
        [(b"content-type", b"text/html; charset=utf-16be")],
        utf16(GA_PAGE, bom=False, big=True),
    ),
    "UTF-16LE BOM overrides charset=utf-8": (
        [(b"content-type", b"text/html; charset=utf-8")],
        utf16(GA_PAGE, bom=True),
    ),
    "UTF-16BE BOM, no charset": (
        [(b"content-type", b"text/html")],
        utf16(GA_PAGE, bom=True, big=True),
    ),
    "gzip-encoded HTML (design.md invariant 8: compressed bodies fail closed)": (
        [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")],
        gzip.compress(GA_PAGE, mtime=0),
    ),
}


def _app(headers: Headers, body: bytes) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        length = (b"content-length", b"%d" % len(body))
        await send({"type": "http.response.start", "status": 200, "headers": [*headers, length]})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return app


def _response(sent: list[dict[str, Any]]) -> tuple[Headers, bytes]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return list(start["headers"]), body


@pytest.mark.parametrize("case", list(CASES))
def test_the_oracle_sees_the_tag_without_privmw(case: str) -> None:
    """Control: each case, as the app sends it, does run the tag in a browser."""
    headers, body = CASES[case]
    assert live_tracker([*headers], body)


@pytest.mark.parametrize("case", list(CASES))
def test_no_live_tracker_whatever_the_headers_say(case: str) -> None:
    headers, body = CASES[case]
    mw = PrivacyMiddleware(_app(headers, body))  # defaults: tags on, no consent given
    out_headers, out_body = _response(drive(mw, http_scope()))
    assert not live_tracker(out_headers, out_body), (case, out_headers, out_body[:200])


def test_pathsend_html_is_not_passed_through_live(tmp_path: Path) -> None:
    """``FileResponse("index.html")`` under a server offering ``http.response.pathsend``."""
    page = tmp_path / "index.html"
    page.write_bytes(GA_PAGE)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html"), (b"content-length", b"%d" % len(GA_PAGE))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": str(page)})
        else:
            await send({"type": "http.response.body", "body": GA_PAGE})

    mw = PrivacyMiddleware(app)
    sent = drive(mw, http_scope(extensions={"http.response.pathsend": {}}))
    out_headers, out_body = _response(sent)
    for message in sent:  # what the server sends for a pathsend: the file as it is on disk
        if message["type"] == "http.response.pathsend":
            out_body += Path(message["path"]).read_bytes()
    assert not live_tracker(out_headers, out_body), out_body[:200]


def test_control_plain_html_is_gated() -> None:
    """Control for the oracle: the case privmw handles comes out without a live tag."""
    mw = PrivacyMiddleware(_app([(b"content-type", b"text/html; charset=utf-8")], GA_PAGE))
    out_headers, out_body = _response(drive(mw, http_scope()))
    assert not live_tracker(out_headers, out_body)
