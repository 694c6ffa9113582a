"""The one ``send`` wrapper of a request.

Every feature that changes a response does it here, in one frame per
message: the rate-limit fields and the consent gate edit the headers of
``http.response.start``; an HTML response is handed to the tag rewriter for
its body. A response nothing needs to change gets no wrapper at all (the
middleware decides that before building one).
"""

from __future__ import annotations

from collections.abc import Callable

from ._types import Message, Scope, Send
from .cookies import CookieGate
from .tags import TagResponder, TagRuntime, rewritable

__all__ = ["Responder"]


class Responder:
    """``send`` for one HTTP response: header edits at the start, HTML through the rewriter."""

    __slots__ = ("_allows", "_body", "_extra", "_fields", "_gate", "_scope", "_send", "_tags")

    def __init__(
        self,
        send: Send,
        scope: Scope,
        allows: Callable[[str], bool],
        *,
        fields: list[tuple[bytes, bytes]] | None,
        gate: CookieGate | None,
        extra: list[tuple[bytes, bytes]] | None,
        tags: TagRuntime | None,
    ) -> None:
        self._send = send
        self._scope = scope
        self._allows = allows
        self._fields = fields
        self._gate = gate
        self._extra = extra
        self._tags = tags
        self._body: TagResponder | None = None

    async def __call__(self, message: Message) -> None:
        body = self._body
        if body is not None:  # an HTML response on its way through the rewriter
            await body(message)
            return
        if message["type"] == "http.response.start":
            headers = message.get("headers") or []
            if self._fields is not None:
                headers = [*headers, *self._fields]
            if self._gate is not None:
                headers = self._gate.filter_headers(headers, self._allows, self._extra)
            message["headers"] = headers
            tags = self._tags
            if tags is not None and rewritable(headers):
                self._body = body = TagResponder(tags, self._send, self._allows, self._scope)
                await body(message)
                return
        await self._send(message)
