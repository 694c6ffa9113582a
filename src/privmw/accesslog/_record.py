"""The record of one request, observed on the one send wrapper.

:class:`AccessRecord` sees every message the response sends (after privmw's
own edits) and hands one tuple to the writer when the response ends. The
request path only builds that tuple; formatting and writing happen on the
writer thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from privmw._types import Message, Scope

__all__: list[str] = []

_UA = b"user-agent"
_perf = time.perf_counter
# (wall, kind, method, path, query, http_version, status, bytes, duration, client, ua)
Record = tuple[float, str, str, str, bytes, str, int, int, float, str, str]


class AccessRecord:
    """Counts status and bytes of one exchange; submits the record when it ends.

    HTTP: the record goes when the last body chunk (``more_body`` false) or a
    ``pathsend`` has been observed. WebSocket: when the app returns (the
    session is over). If the app raises before the response ends, the record
    goes with status 500 (or the status already sent) from :meth:`finish`.
    Read ``scope["client"]`` after the middleware truncated it.
    """

    __slots__ = (
        "_bytes",
        "_client",
        "_done",
        "_headers",
        "_kind",
        "_method",
        "_path",
        "_query",
        "_start",
        "_status",
        "_submit_to",
        "_ua",
        "_version",
        "_wall",
    )

    def __init__(
        self,
        scope: Scope,
        submit: Callable[[Record], None],
        wall: float,
        keep_query: bool,
    ) -> None:
        self._submit_to = submit
        self._wall = wall
        self._start = _perf()
        kind = scope["type"]
        self._kind = kind
        self._method = scope.get("method", "GET") if kind == "http" else "GET"
        self._path = scope.get("path", "")
        self._query = scope.get("query_string", b"") if keep_query else b""
        self._version = scope.get("http_version", "1.1")
        client = scope.get("client")
        self._client = str(client[0]) if client else "-"
        ua = ""
        for name, value in scope["headers"]:
            if name == _UA:
                ua = value.decode("latin-1")
                break
        self._ua = ua
        self._status = 0
        self._bytes = 0
        self._done = False
        self._headers: object = None

    def observe(self, message: Message) -> None:
        """Called with each message just before it is sent."""
        if self._done:
            return
        kind = message["type"]
        if kind == "http.response.body":
            self._bytes += len(message.get("body", b""))
            if not message.get("more_body", False):
                self._submit()
        elif kind == "http.response.start":
            self._status = message["status"]
            self._headers = message.get("headers")
        elif kind == "http.response.pathsend":
            self._bytes = self._content_length()
            self._submit()
        elif kind == "websocket.send":
            data = message.get("bytes")
            if data is None:
                text = message.get("text") or ""
                self._bytes += len(text.encode("utf-8", "replace"))
            else:
                self._bytes += len(data)
        elif kind == "websocket.accept":
            self._status = 101
        elif kind == "websocket.close":
            if not self._status:
                self._status = 403  # closed before accepting: the server answers 403
        elif kind == "websocket.http.response.start":
            self._status = message["status"]
        elif kind == "websocket.http.response.body":
            self._bytes += len(message.get("body", b""))

    def finish(self, failed: bool) -> None:
        """The app returned (or raised, ``failed``): submit what is known, once."""
        if self._done:
            return
        if self._kind == "websocket":
            if not self._status:
                self._status = 500 if failed else 403
        elif failed or not self._status:
            # The server answers 500 when the app fails before the response ends.
            self._status = self._status or 500
        self._submit()

    def _content_length(self) -> int:
        for name, value in self._headers or ():  # type: ignore[attr-defined]
            if name.lower() == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    def _submit(self) -> None:
        self._done = True
        self._submit_to(
            (
                self._wall,
                self._kind,
                self._method,
                self._path,
                self._query,
                self._version,
                self._status,
                self._bytes,
                _perf() - self._start,
                self._client,
                self._ua,
            )
        )
