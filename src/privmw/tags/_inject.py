"""Inserting bytes right after a document's ``<body>`` start tag, as the page streams.

:class:`BodyInjector` is a small sans-io pass over the rewriter's output (so
it runs with any rewriter engine): it reads from the data state with the
tokenizer's tag grammar (:mod:`privmw.tags._tokenizer`) and emits ``payload`` right
after the first ``<body ...>`` start tag that the HTML tokenizer reads in the
data state: never one inside a comment, a raw-text or script element
(``<script>``, ``<style>``, ``<title>``, ``<textarea>``, ``<noscript>``, ...), an
attribute value or ``<template>`` content. A document without one gets the
payload at :meth:`close`, where the HTML parser puts it into the body it
creates. Once the tag is found the rest passes through untouched, so the cost
is a read of the ``<head>``. Any chunking gives the same output; at most one
construct (bounded by ``max_hold``) is held.

:func:`decoded_attrs` gives a start tag's attributes with every value
decoded, for the embed placeholder hook.

References: WHATWG HTML §13.2.5 Tokenization (data, tag open, comment,
RAWTEXT/RCDATA/script data states); §13.2.6.4.7 "in body" (a ``body`` start
tag in template contents is ignored).
"""

from __future__ import annotations

import html as _stdhtml
import re

from ._tokenizer import ATTRS, TAG_PAT

__all__: list[str] = []

_LT = b"<"
# One thing the tokenizer reads from the data state, whole: a start or end tag,
# "</>", a bogus comment, doctype or processing instruction (to the first ">"),
# a comment, or a "<" that starts nothing. Incomplete, it matches nothing.
_CONSTRUCT = re.compile(
    TAG_PAT + rb"|</>"
    rb"|<(?:!(?!--)|\?|/(?=[^a-zA-Z>]))[^>]*>"
    rb"|<!--(?:-?>|[\s\S]*?--!?>)"
    rb"|<(?=[^a-zA-Z/!?])"
)
_COMMENT_END = re.compile(rb"--!?>")
_NAME = re.compile(rb"</?([a-zA-Z][^\t\n\f\r />]*)")
# Elements whose content the tokenizer does not read as markup (noscript too:
# browsers run with scripting on, and then it is raw text).
_RAW = (
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"iframe",
    b"xmp",
    b"noembed",
    b"noframes",
    b"noscript",
)
_RAW_END = {n: re.compile(rb"</(?i:" + n + rb")(?=[\t\n\f\r />])") for n in _RAW}
_KEEP = 12  # longest "</noscript" + 1 a chunk boundary may cut

_DATA, _COMMENT, _RAWTEXT, _PLAIN, _DONE = range(5)


class BodyInjector:
    """Emit ``payload`` after the first data-state ``<body>`` start tag (or at the end)."""

    __slots__ = ("_end", "_held", "_max", "_payload", "_state", "_template", "injected")

    def __init__(self, payload: bytes, *, max_hold: int = 65536) -> None:
        self._payload = payload
        self._max = max_hold
        self._held = b""
        self._state = _DATA
        self._end: re.Pattern[bytes] = _RAW_END[b"script"]
        self._template = 0
        self.injected = False

    def feed(self, chunk: bytes) -> bytes:
        if self._state == _DONE:
            return chunk
        buf = self._held + chunk if self._held else chunk
        self._held = b""
        out: list[bytes] = []
        pos = 0
        n = len(buf)
        while pos < n:
            state = self._state
            if state in (_DONE, _PLAIN):
                out.append(buf[pos:])
                return b"".join(out)
            if state == _COMMENT:
                m = _COMMENT_END.search(buf, pos)
                if m is None:
                    return self._keep(out, buf, pos, max(pos, n - 3))
                out.append(buf[pos : m.end()])
                pos = m.end()
                self._state = _DATA
                continue
            if state == _RAWTEXT:
                m = self._end.search(buf, pos)
                if m is None:
                    return self._keep(out, buf, pos, max(pos, n - _KEEP))
                out.append(buf[pos : m.start()])
                pos = m.start()  # the end tag is read in the data state
                self._state = _DATA
                continue
            lt = buf.find(_LT, pos)
            if lt < 0:
                out.append(buf[pos:])
                return b"".join(out)
            if buf.startswith(b"<!--", lt):
                if buf.startswith(b">", lt + 4) or buf.startswith(b"->", lt + 4):
                    close = buf.index(b">", lt + 4) + 1
                    out.append(buf[pos:close])
                    pos = close
                    continue
                if n - lt < 6:
                    return self._keep(out, buf, pos, lt)
                out.append(buf[pos : lt + 4])
                pos = lt + 4
                self._state = _COMMENT
                continue
            c = _CONSTRUCT.match(buf, lt)
            if c is None:
                if n - lt <= self._max or n - lt < 4:
                    return self._keep(out, buf, pos, lt)
                # Too big to hold: read on after its "<", as if it were text.
                out.append(buf[pos : lt + 1])
                pos = lt + 1
                continue
            end = c.end()
            out.append(buf[pos:end])
            pos = end
            named = _NAME.match(buf, lt, end)
            if named is None:
                continue
            name = named.group(1).lower()
            closing = buf[lt + 1 : lt + 2] == b"/"
            if name == b"template":
                self._template = max(0, self._template + (-1 if closing else 1))
            elif closing:
                continue
            elif name == b"body" and not self._template:
                out.append(self._payload)
                self.injected = True
                self._state = _DONE
            elif name in _RAW_END:
                self._state = _RAWTEXT
                self._end = _RAW_END[name]
            elif name == b"plaintext":
                self._state = _PLAIN  # nothing after it is markup
        return b"".join(out)

    def _keep(self, out: list[bytes], buf: bytes, pos: int, cut: int) -> bytes:
        out.append(buf[pos:cut])
        self._held = buf[cut:]
        return b"".join(out)

    def close(self) -> bytes:
        held, self._held = self._held, b""
        if self._state == _DONE:
            return held
        self._state = _DONE
        self.injected = True
        return held + self._payload


def decoded_attrs(tag: bytes, start: int) -> dict[str, str]:
    """Every attribute of a complete start tag, the first of duplicates, values decoded.

    ``start`` is where the attributes begin (after ``<`` and the tag name).
    """
    out: dict[str, str] = {}
    for m in ATTRS.finditer(tag, start, len(tag) - 1):
        raw = m.group(1)
        if raw is None:
            continue
        name = raw.decode("latin-1").lower()
        if name in out:
            continue
        value_b = m.group(2)
        if value_b is None:
            value_b = m.group(3)
            if value_b is None:
                value_b = m.group(4) or b""
        value = value_b.decode("utf-8", "replace")
        out[name] = _stdhtml.unescape(value) if "&" in value else value
    return out
