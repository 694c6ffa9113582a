"""Exact pieces of the HTML tokenizer, as byte regexes and small resumable scanners.

What belongs here: where constructs end (tags with their attribute states,
comments, bogus comments, CDATA sections, raw text and script data with its
escaped and double-escaped states), read from bytes; no decisions.

References: WHATWG HTML §13.2.5 Tokenization (13.2.5.1 data state ...
13.2.5.80 numeric character reference end state).
"""

from __future__ import annotations

__all__: list[str] = []

import re

_WS = rb"[\t\n\f\r ]"
WS_BYTES = b"\t\n\f\r "


def _tag_rest(groups: bool = False) -> bytes:
    """One item of a tag after its name (§13.2.5.32-13.2.5.40), unambiguous.

    Each item has a single way to match, so a failing match costs linear
    time. A quoted value only opens right after ``=``.
    """

    def cap(r: bytes) -> bytes:
        return b"(" + r + b")" if groups else r

    name = rb"[^\t\n\f\r />][^\t\n\f\r /=>]*(?![^\t\n\f\r /=>])"
    value = (
        rb'"' + cap(rb'[^"]*') + rb'"'
        rb"|'" + cap(rb"[^']*") + rb"'"
        rb"|" + cap(rb"[^\t\n\f\r >\"'][^\t\n\f\r >]*(?![^\t\n\f\r >])") + rb"|(?=>)"
    )
    return (
        rb"[\t\n\f\r /]+(?![\t\n\f\r /])|"
        + cap(name)
        + rb"(?:"
        + _WS
        + rb"*="
        + _WS
        + rb"*(?:"
        + value
        + rb")|(?!"
        + _WS
        + rb"*=))"
    )


# A complete start or end tag, lookaround-free (so google-re2 can run it), by
# state elimination over the attribute states: in the name/separator states
# only "=" and ">" matter, and "=" opens a value only after a name.
_W = rb"[\t\n\f\r ]"
_NW = rb"[^\t\n\f\r />]"
_GT = rb"[^/=>]*"
_Y = rb"[^\t\n\f\r \"'>]"
_UQ = rb"[^\t\n\f\r >]*"
_C1 = rb"[\t\n\f\r /]*" + _NW + _GT + rb"/"
_C2 = (
    rb"[\t\n\f\r /]*" + _NW + _GT + rb"=" + _W + rb"*(?:\"[^\"]*\"|'[^']*'|" + _Y + _UQ + _W + rb")"
)
_END = rb"[\t\n\f\r /]*(?:>|" + _NW + _GT + rb"(?:>|=" + _W + rb"*(?:>|" + _Y + _UQ + rb">)))"
#: A complete start or end tag from ``<``, lookaround-free.
TAG_PAT = (
    rb"</?[A-Za-z][^\t\n\f\r />]*(?:>|[\t\n\f\r /](?:" + _C1 + rb"|" + _C2 + rb")*" + _END + rb")"
)
#: The same with stdlib ``re`` (tests and the fallback, within a bounded window).
TAG = re.compile(TAG_PAT)
#: The name of a tag at ``<`` or ``</``: group 1.
NAME_AT = re.compile(rb"</?([A-Za-z][^\t\n\f\r />]*)")
#: Attributes of a complete tag: (name, dq value, sq value, unquoted value).
ATTRS = re.compile(_tag_rest(groups=True))
TAG_NAME = re.compile(rb"[^\t\n\f\r />]*")

# -- resumable tag scanner -------------------------------------------------------
#
# Used only for a tag that a chunk boundary cut and that grew past the size
# where re-matching ``TAG`` is cheap, and to skip a tag past ``max_tag_bytes``.
# States of §13.2.5.8 and 13.2.5.32-13.2.5.40, with the "name/separator"
# states grouped: inside them only "=" and ">" matter, so a run without
# either is skipped by one regex.

TN, TGROUP, BV, DQ, SQ, UQ, DONE = range(7)
_TN_RUN = re.compile(rb"[^\t\n\f\r />]*")
_GROUP_RUN = re.compile(rb"[^=>]*")
_WS_RUN = re.compile(rb"[\t\n\f\r ]*")
_UQ_RUN = re.compile(rb"[^\t\n\f\r >]*")


class TagScan:
    """Where a tag ends, read incrementally (each byte once).

    ``named`` is whether, in the name/separator group, an attribute name
    was last seen (then ``=`` opens a value) rather than a separator after
    a value, the tag name or ``/`` (then ``=`` starts a name).
    """

    __slots__ = ("named", "pos", "state", "steps")

    def __init__(self, pos: int) -> None:
        self.state = TN
        self.pos = pos  # the byte after "<" or "</"
        self.named = False
        self.steps = 0

    def advance(self, buf: bytes | bytearray, end: int) -> int:
        """Scan to ``end``; the end of the tag (after ``>``) or -1 if not there yet."""
        pos = self.pos
        state = self.state
        named = self.named
        steps = 0
        while pos < end:
            steps += 1
            if state == TN:
                pos = _TN_RUN.match(buf, pos, end).end()  # type: ignore[union-attr]
                if pos >= end:
                    break
                c = buf[pos]
                pos += 1
                if c == 0x3E:
                    state = DONE
                    break
                state = TGROUP
                named = False
            elif state == TGROUP:
                start = pos
                pos = _GROUP_RUN.match(buf, pos, end).end()  # type: ignore[union-attr]
                # what the run leaves behind: the last non-space byte decides
                k = pos - 1
                while k >= start and buf[k] in b"\t\n\f\r ":
                    k -= 1
                if k >= start:
                    named = buf[k] != 0x2F  # "/" -> self-closing, then a new name
                if pos >= end:
                    break
                c = buf[pos]
                pos += 1
                if c == 0x3E:
                    state = DONE
                    break
                if named:  # "=" after a name: a value
                    state = BV
                else:  # "=" starts a name
                    named = True
            elif state == BV:
                pos = _WS_RUN.match(buf, pos, end).end()  # type: ignore[union-attr]
                if pos >= end:
                    break
                c = buf[pos]
                pos += 1
                if c == 0x22:
                    state = DQ
                elif c == 0x27:
                    state = SQ
                elif c == 0x3E:
                    state = DONE
                    break
                else:
                    state = UQ
            elif state in (DQ, SQ):
                q = buf.find(b'"' if state == DQ else b"'", pos, end)
                if q < 0:
                    pos = end
                    break
                pos = q + 1
                state = TGROUP
                named = False  # after a quoted value: like before an attribute name
            else:  # UQ
                pos = _UQ_RUN.match(buf, pos, end).end()  # type: ignore[union-attr]
                if pos >= end:
                    break
                c = buf[pos]
                pos += 1
                if c == 0x3E:
                    state = DONE
                    break
                state = TGROUP
                named = False
        self.steps += steps + pos - self.pos
        self.pos = pos
        self.state = state
        self.named = named
        return pos if state == DONE else -1


# -- comments, bogus comments, CDATA -------------------------------------------

_COMMENT_END = re.compile(rb"--!?>")


def comment_end(buf: bytes, start: int, end: int) -> int:
    """End (after ``>``) of the comment opened by ``<!--`` at ``start``, or -1.

    §13.2.5.43-13.2.5.52: ``<!-->`` and ``<!--->`` close at once; ``-->``
    may overlap the opener's dashes, ``--!>`` may not.
    """
    if end - start >= 5 and buf[start + 4] == 0x3E:
        return start + 5
    if end - start >= 6 and buf[start + 4] == 0x2D and buf[start + 5] == 0x3E:
        return start + 6
    m = _COMMENT_END.search(buf, start + 4, end)
    return -1 if m is None else m.end()


# -- raw text and script data ------------------------------------------------------

_RAW_ENDS: dict[bytes, re.Pattern[bytes]] = {}
RAW_NAMES = (
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
)
for _n in RAW_NAMES:
    _RAW_ENDS[_n] = re.compile(rb"</(?i:" + _n + rb")[\t\n\f\r />]")
#: The longest closer ("</noframes" + delimiter).
RAW_TAIL = 11

# Script data (§13.2.5.4, 13.2.5.15-13.2.5.31): events per state.
S_DATA, S_ESC, S_DBL = range(3)
_S_DATA_EV = re.compile(rb"<!--|</(?i:script)[\t\n\f\r />]")
_S_ESC_EV = re.compile(rb"-->|</(?i:script)[\t\n\f\r />]|<(?i:script)[\t\n\f\r />]")
_S_DBL_EV = re.compile(rb"-->|</(?i:script)[\t\n\f\r />]")


class RawEnd:
    """Finds the appropriate end tag of a raw-text, RCDATA or script element.

    ``find(buf, pos, end, final)`` returns the position of ``</name`` that
    ends the element, or -1; in the latter case :attr:`safe` is how far the
    bytes were read for good (the rest may start a closer cut by the chunk).
    """

    __slots__ = ("name", "safe", "state", "steps")

    def __init__(self, name: bytes) -> None:
        self.name = name
        self.state = S_DATA
        self.safe = 0
        self.steps = 0

    def find(self, buf: bytes, pos: int, end: int, final: bool) -> int:
        limit = end if final else max(pos, end - 10)
        if self.name != b"script":
            m = _RAW_ENDS[self.name].search(buf, pos, end)
            self.steps += (end if m is None else m.end()) - pos
            if m is not None:
                return m.start()
            self.safe = limit
            return -1
        state = self.state
        while True:
            self.steps += 1
            if state == S_DATA:
                m = _S_DATA_EV.search(buf, pos, end)
            elif state == S_ESC:
                m = _S_ESC_EV.search(buf, pos, end)
            else:
                m = _S_DBL_EV.search(buf, pos, end)
            self.steps += (end if m is None else m.end()) - pos + 1
            if m is None or (m.start() >= limit and not final):
                self.state = state
                self.safe = limit if m is None else max(pos, min(limit, m.start()))
                return -1
            tok = m.group()
            first = tok[:2]
            if first == b"<!":
                state = S_ESC
                pos = m.start() + 2  # "<!-->" closes again at once
            elif first == b"--":
                state = S_DATA
                pos = m.end()
            elif first == b"</":
                if state == S_DBL:
                    state = S_ESC
                    pos = m.end()
                else:
                    self.state = state
                    return m.start()
            else:  # "<script" + delimiter in the escaped state
                state = S_DBL
                pos = m.end()
