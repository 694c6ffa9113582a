"""The one ``send`` wrapper of a request: the only place that edits response headers.

Feature modules answer with data; this wrapper applies it, in one frame per
message:

* on ``http.response.start``: the extra headers (RateLimit fields, expiries of
  withdrawn tracker cookies, ``Tk``), ``Set-Cookie`` gating
  (:meth:`privmw.cookies.CookieGate.blocks`), ``Link`` gating (link-values
  naming a non-consented vendor dropped: :meth:`TagRuntime.gate_links`), one
  merged ``Vary``, and for HTML the tag runtime's CSP and ``Permissions-Policy``
  (also on documents it does not rewrite: :func:`~privmw.tags._runtime.document_like`);
* ``Link`` gating also applies to ``http.response.early_hint`` (its ``links``;
  the message is dropped when none is left) and to ``http.response.trailers``;
* an HTML body goes through the tag runtime's sans-io transform
  (``whole``/``feed``/``close``): ``http.response.start`` is held until the
  first body message, ``Content-Length`` corrected (one message) or dropped
  (streaming), ``more_body`` respected; ``http.response.pathsend``, encoded
  bodies and non-HTML pass through untouched;
* the access log observes every message just before it goes out, after the
  edits: an observer on this wrapper, not a second wrapper.

:func:`send_response` is how the glue sends a feature's :class:`Response`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Protocol

import anyio
import anyio.lowlevel

from ._headers import VARY_TOKENS, VARY_VALUE, Headers, Response, merge_vary
from ._stats import Counters
from ._types import Message, Scope, Send
from .cookies import CookieGate, set_cookie_name
from .tags._runtime import PageTransform, TagRuntime, document_like

if TYPE_CHECKING:
    from .consent._banner import Injection

__all__: list[str] = []

_SET_COOKIE = b"set-cookie"
_FILE_CHUNK = 65536  # an HTML file sent by path is read and rewritten in chunks of this
_VARY = b"vary"
_CONTENT_LENGTH = b"content-length"
_CONTENT_TYPE = b"content-type"
_PERMISSIONS = b"permissions-policy"
_CSP = b"content-security-policy"
#: An HTML page that may carry the banner also depends on these request headers.
_BANNER_VARY = (*VARY_TOKENS, b"Accept-Language", b"Sec-Fetch-Dest")
_LINK = b"link"
#: A body message larger than ``_PIECE``, or content-coded, is rewritten in
#: pieces of its decoded bytes: the first of ``_FIRST_PIECE`` bytes, each next
#: one twice as large while they are fast (up to ``_PIECE``), ``_SLOW_PIECE``
#: once one took longer than ``_SLICE`` seconds; after ``_SLICE`` seconds of
#: rewriting without a pause the event loop gets a turn. Hostile markup (a
#: flood of tiny foreign tags) costs a few µs a byte: a 1 MB page held the loop
#: for seconds; a realistic one never pauses.
_PIECE = 65536
_FIRST_PIECE = 16384
_SLOW_PIECE = 4096
_SLICE = 0.004


class Observer(Protocol):
    """What the access log implements to watch a response (see ``accesslog._record``)."""

    def observe(self, message: Message) -> None: ...

    def finish(self, failed: bool) -> None: ...


async def send_response(
    send: Send, response: Response, *, head: bool = False, observer: Observer | None = None
) -> None:
    """Send a complete :class:`Response` (``Content-Length`` added when missing)."""
    headers = response.headers
    body = response.body
    if not any(name == _CONTENT_LENGTH for name, _ in headers):
        headers = [*headers, (_CONTENT_LENGTH, b"%d" % len(body))]
    start = {"type": "http.response.start", "status": response.status, "headers": headers}
    end = {"type": "http.response.body", "body": b"" if head else body, "more_body": False}
    if observer is not None:
        observer.observe(start)
    await send(start)
    if observer is not None:
        observer.observe(end)
    await send(end)


class Responder:
    """``send`` for one request, applying every response-side feature.

    Args:
        send: the server's ``send``.
        scope: the request's scope.
        allows: the visitor's ``PrivacyContext.allows``.
        extra: headers appended to the response (or ``None``).
        gate: the cookie gate (``None``: consent is off, ``Set-Cookie`` passes).
        vary: merge ``Vary: Cookie, Sec-GPC, DNT`` into every response.
        tags: the tag runtime (``None``: tag gating is off).
        observer: the access log's record of this request (or ``None``).
        stats: the middleware's counters (dropped ``Set-Cookie`` by category).
        banner: ``(html headers, nonce) -> Injection | None``: what the consent
            banner adds to this HTML response (``None``: no banner).
    """

    __slots__ = (
        "_allows",
        "_banner",
        "_ctype",
        "_ctypes",
        "_extra",
        "_gate",
        "_observer",
        "_scope",
        "_send",
        "_start",
        "_stats",
        "_tags",
        "_transform",
        "_vary",
    )

    def __init__(
        self,
        send: Send,
        scope: Scope,
        allows: Callable[[str], bool],
        *,
        extra: Headers | None = None,
        gate: CookieGate | None = None,
        vary: bool = False,
        tags: TagRuntime | None = None,
        observer: Observer | None = None,
        stats: Counters | None = None,
        banner: Callable[[Headers, str | None], Injection | None] | None = None,
    ) -> None:
        self._send = send
        self._banner = banner
        self._scope = scope
        self._allows = allows
        self._extra = extra
        self._gate = gate
        self._vary = vary
        self._tags = tags
        self._observer = observer
        self._stats = stats
        self._start: Message | None = None
        self._transform: PageTransform | None = None
        #: The start's Content-Type (the last field) and how many fields it had.
        self._ctype: bytes | None = None
        self._ctypes = 0

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body" and self._transform is not None:
            await self._body(message, self._transform)
            return
        if kind == "http.response.start":
            if self._start_message(message):
                return  # held until the first body message
        elif kind == "websocket.accept" or kind == "websocket.http.response.start":
            # A handshake answer is an HTTP response too: browsers store its cookies.
            gate = self._gate
            headers = message.get("headers")
            if gate is not None and headers:
                allows = self._allows
                message["headers"] = [
                    pair
                    for pair in headers
                    if pair[0].lower() != _SET_COOKIE or not gate.blocks(pair[1], allows)
                ]
        elif kind == "http.response.pathsend" and self._transform is not None:
            # An HTML file sent by path (FileResponse under a server with the
            # pathsend extension) is read and rewritten like any body.
            try:
                f = await anyio.open_file(message.get("path", ""), "rb")
            except OSError:
                # Nothing privmw can read, nor the server: let it answer as it would.
                start, self._start = self._start, None
                self._transform = None
                if start is not None:
                    await self._emit(start)
                await self._emit(message)
                return
            await self._send_file(f, self._transform)
            return
        elif kind == "http.response.early_hint":
            # Sent before the start (RFC 8297): it never releases a held start.
            if self._tags is not None and not self._early_hint(message, self._tags):
                return
            await self._emit(message)
            return
        elif kind == "http.response.trailers" and self._tags is not None:
            message["headers"] = self._gate_links(list(message.get("headers") or []), self._tags)
            if self._start is not None:
                start, self._start = self._start, None
                self._transform = None
                await self._emit(start)
        elif self._start is not None:  # trailers or the like after a held start
            start, self._start = self._start, None
            self._transform = None
            await self._emit(start)
        await self._emit(message)

    async def _send_file(self, file: anyio.AsyncFile[bytes], transform: PageTransform) -> None:
        """Stream a file through the body transform, read off the event loop."""
        async with file as f:
            chunk = await f.read(_FILE_CHUNK)
            while True:
                nxt = await f.read(_FILE_CHUNK)
                await self._body(
                    {"type": "http.response.body", "body": chunk, "more_body": bool(nxt)},
                    transform,
                )
                if not nxt:
                    return
                chunk = nxt

    async def _emit(self, message: Message) -> None:
        if self._observer is not None:
            self._observer.observe(message)
        await self._send(message)

    def _start_message(self, message: Message) -> bool:
        """Edit the start's headers; ``True`` when it is held for an HTML body."""
        headers = self.edit_headers(message.get("headers") or [])
        tags = self._tags
        if tags is not None:
            if tags.is_document(self._ctype, self._ctypes, headers):
                headers, nonce = self._html_headers(headers, tags)
                message["headers"] = headers
                injection = self._banner(headers, nonce) if self._banner is not None else None
                self._transform = tags.transform(
                    self._allows, nonce, self._scope, message, injection
                )
                self._start = message
                return True
            if tags.adds_document_headers and document_like(headers):
                # Not rewritten (a worker script, an SVG or XML document) but still a
                # document: the CSP is then the only thing between it and the
                # vendors, and it never needs a nonce.
                headers = self._html_headers(headers, tags)[0]
        message["headers"] = headers
        return False

    def edit_headers(self, headers: Headers) -> Headers:
        """The edits every response start gets (a pure function of the headers)."""
        gate = self._gate
        vary = self._vary
        out: Headers = []
        varies: list[bytes] | None = None
        vary_at = -1
        links = False
        for pair in headers:
            name = pair[0].lower()
            if name == _SET_COOKIE:
                if gate is not None and gate.blocks(pair[1], self._allows):
                    if self._stats is not None:
                        category = gate.category(set_cookie_name(pair[1]))
                        self._stats.cookie_dropped(category or "unknown")
                    continue
            elif name == _LINK:
                links = True
            elif name == _CONTENT_TYPE:  # read here, so no second walk decides "HTML?"
                self._ctype = pair[1]
                self._ctypes += 1
            elif name == _VARY and vary:
                if varies is None:
                    varies = []
                    vary_at = len(out)
                varies.append(pair[1])
                continue
            out.append(pair)
        if varies is not None:  # the app's Vary, where it stood, with privmw's tokens merged
            out.insert(vary_at, (b"vary", merge_vary(varies)))
        elif vary:
            out.append((b"vary", VARY_VALUE))
        if links and self._tags is not None:
            out = self._gate_links(out, self._tags)
        if self._extra:
            out.extend(self._extra)
        return out

    def _gate_links(self, headers: Headers, tags: TagRuntime) -> Headers:
        """``headers`` with the ``Link`` values naming a non-consented vendor dropped.

        Untouched when nothing is dropped; else the kept values go into one
        ``Link`` field where the first one stood.
        """
        fields = [value for name, value in headers if name.lower() == _LINK]
        if not fields:
            return headers
        kept = tags.gate_links(fields, self._allows, self._scope)
        if kept is None:
            return headers
        out: Headers = []
        first = True
        for name, value in headers:
            if name.lower() != _LINK:
                out.append((name, value))
            elif first:
                first = False
                out.extend((name, v) for v in kept)
        return out

    def _early_hint(self, message: Message, tags: TagRuntime) -> bool:
        """Gate a 103's ``links`` in place; ``False`` when none is left (drop the message)."""
        links = [bytes(link) for link in message.get("links") or ()]
        kept = tags.gate_links(links, self._allows, self._scope)
        if kept is None:
            return True
        message["links"] = kept
        return bool(kept)

    def _html_headers(self, headers: Headers, tags: TagRuntime) -> tuple[Headers, str | None]:
        """The HTML-only edits: ``Vary`` (its output depends on consent), CSP, Permissions."""
        out: Headers = []
        perms: bytes | None = None
        app_csp: bytes | None = None
        varies: list[bytes] = []
        for pair in headers:
            name = pair[0].lower()
            if name == _PERMISSIONS:
                perms = pair[1] if perms is None else perms + b", " + pair[1]
                continue
            if name == _VARY:
                varies.append(pair[1])
                continue
            if name == _CSP and app_csp is None:
                app_csp = pair[1]
            out.append(pair)
        out.append((b"vary", merge_vary(varies, _BANNER_VARY if self._banner else VARY_TOKENS)))
        added, nonce = tags.html_headers(self._allows, perms, app_csp)
        out.extend(added)
        return out, nonce

    async def _body(self, message: Message, transform: PageTransform) -> None:
        body = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        start, self._start = self._start, None
        # Large or content-coded (it inflates up to 100x): in pieces, with turns.
        in_pieces = len(body) > _PIECE or transform.may_grow()
        if start is not None and not more:
            if in_pieces:
                out = await _in_turns(transform.steps(body, _FIRST_PIECE))
            else:
                out = transform.whole(body)
            if transform.changed:
                length = b"%d" % len(out)
                start["headers"] = [
                    (n, length if n.lower() == _CONTENT_LENGTH else v) for n, v in start["headers"]
                ]
            await self._emit(start)
            await self._emit({"type": "http.response.body", "body": out, "more_body": False})
            return
        if in_pieces:
            out = await _in_turns(transform.feed_steps(body, _FIRST_PIECE))
        else:
            out = transform.feed(body)
        if not more:
            out += transform.close()
        if start is not None:
            # More is coming: the length is not known in advance.
            start["headers"] = [(n, v) for n, v in start["headers"] if n.lower() != _CONTENT_LENGTH]
            await self._emit(start)
        if out or not more:
            await self._emit({"type": "http.response.body", "body": out, "more_body": more})


async def _in_turns(steps: Generator[None, int | None, bytes]) -> bytes:
    """Run a rewriting in pieces, letting the event loop run between slow ones.

    The pieces grow from ``_FIRST_PIECE`` while they are fast and shrink to
    ``_SLOW_PIECE`` after a slow one, so the loop waits at most about
    ``_SLICE`` plus one piece at a time.
    """
    clock = time.perf_counter
    mark = before = clock()
    size = _FIRST_PIECE
    sent: int | None = None  # a just-started generator takes None
    try:
        while True:
            steps.send(sent)
            now = clock()
            took = now - before
            if took > _SLICE:
                size = _SLOW_PIECE
            elif took < _SLICE / 4 and size < _PIECE:
                size *= 2
            sent = size
            if now - mark > _SLICE:
                await anyio.lowlevel.checkpoint()
                now = clock()
                mark = now
            before = now
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
