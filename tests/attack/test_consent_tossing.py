"""The ``__Host-`` consent cookie against tossing: a name the browser does not protect.

Browsers refuse a cookie *named* ``__Host-...`` unless this host set it over
HTTPS with ``Path=/`` and no ``Domain``. A name with one more byte in front
is no prefixed name to the browser: Chromium stores
``\\xa0__Host-privmw_consent=...`` (or ``\\x85...``) from any sibling subdomain,
even over plain HTTP (a network attacker), and sends the byte back as it is.
privmw reads names with ``str.strip()``, which removes U+00A0 and U+0085
from the latin-1 text, and so takes the planted cookie for its own
``__Host-`` cookie. privmw never expires that name, so it survives the
visitor's withdrawal (which deletes the real cookie) and grants consent from
then on. A validly signed "accept all" value is no secret: any visitor of
the site gets one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from privmw import PrivacyMiddleware
from privmw.consent.cookie import encode_consent
from tests._consent_app import NOW, SECRET, policy
from tests.attack._drive import drive, http_scope

if TYPE_CHECKING:
    from playwright.sync_api import Browser

POLICY = policy(categories=["analytics", "marketing"], secret=SECRET)
ACCEPT_ALL = encode_consent(POLICY, ["analytics", "marketing"], now=NOW).encode("ascii")
HOSTED = b"__Host-" + POLICY.cookie_name.encode("ascii")


class Seen:
    def __init__(self) -> None:
        self.scope: dict[str, Any] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _allows_analytics(cookie: bytes) -> bool:
    app = Seen()
    scope = http_scope(headers=[(b"host", b"www.example.org"), (b"cookie", cookie)])
    scope["scheme"] = "https"
    drive(PrivacyMiddleware(app, consent=POLICY), scope)
    return bool(app.scope["state"]["privacy"].allows("analytics"))


@pytest.mark.parametrize("lead", [b"\xa0", b"\x85"], ids=["nbsp", "nel"])
def test_planted_lookalike_host_cookie_grants_nothing(lead: bytes) -> None:
    """The visitor withdrew (no consent cookie left); a sibling planted the look-alike."""
    assert not _allows_analytics(lead + HOSTED + b"=" + ACCEPT_ALL)


def test_control_the_real_host_cookie_is_read() -> None:
    assert _allows_analytics(HOSTED + b"=" + ACCEPT_ALL)


# -- the browser's side: Chromium stores the look-alike from plain HTTP --------------


@pytest.fixture(scope="module")
def jar_server() -> Iterator[tuple[int, list[list[bytes]]]]:
    received: list[list[bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            values = self.headers.get_all("Cookie") or []
            received.append([v.encode("latin-1", "surrogateescape") for v in values])
            self.send_response(200)
            if self.path == "/plant":
                line = b"\xa0" + HOSTED + b"=" + ACCEPT_ALL + b"; Path=/; Max-Age=3600"
                self.send_header("Set-Cookie", line.decode("latin-1"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], received
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.mark.server
def test_control_chromium_accepts_the_lookalike_over_http(
    browser: Browser,
    jar_server: tuple[int, list[list[bytes]]],
) -> None:
    """What the attacker can do: plant it from an insecure origin, and it comes back raw."""
    port, received = jar_server
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/plant")
        received.clear()
        page.goto(f"http://127.0.0.1:{port}/read")
    finally:
        context.close()
    sent = [v for values in received for v in values]
    assert b"\xa0" + HOSTED + b"=" + ACCEPT_ALL in sent
