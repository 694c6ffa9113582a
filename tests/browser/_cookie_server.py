"""A local HTTP server that answers with exactly the ``Set-Cookie`` lines a test gives it.

The browser under test loads ``/?b=<id>`` and gets the raw header values
registered under that id, byte for byte (``http.server`` writes them as given),
so Chromium's own cookie parser is the oracle.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CookieServer:
    def __init__(self) -> None:
        self.batches: dict[str, list[bytes]] = {}
        self._ids = itertools.count()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                values = server.batches.get(self.path.partition("?b=")[2], [])
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Cache-Control", "no-store")
                for value in values:
                    # BaseHTTPRequestHandler writes "name: value" in latin-1 as given.
                    self.send_header("Set-Cookie", value.decode("latin-1"))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self.httpd.server_address[1]

    def url(self, values: list[bytes]) -> str:
        batch = str(next(self._ids))
        self.batches[batch] = values
        # At "/" with a query: a cookie without Path gets the default path "/".
        return f"http://127.0.0.1:{self.port}/?b={batch}"


@contextlib.contextmanager
def cookie_server() -> Iterator[CookieServer]:
    server = CookieServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(5)
