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
from html.entities import html5 as _ENTITIES

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
#: Whole attribute items (``TAG_PAT``'s loop, ``_C1|_C2`` factored) from
#: "before attribute name": one regex call skips every complete attribute.
#: Each run is atomic (``(?=(x*))\1``), so a failing item is read once.
_ITEMS_RUN = re.compile(
    rb"(?:[\t\n\f\r /]*[^\t\n\f\r />](?=([^/=>]*))\1(?:/|=[\t\n\f\r ]*"
    rb"(?:\"(?=([^\"]*))\2\"|'(?=([^']*))\3'|[^\t\n\f\r \"'>](?=([^\t\n\f\r >]*))\4[\t\n\f\r ])))*"
)


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
        after_value = False
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
                if after_value:  # attributes with values repeat: skip the complete ones
                    after_value = False
                    pos = _ITEMS_RUN.match(buf, pos, end).end()  # type: ignore[union-attr]
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
                after_value = True
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
                after_value = True
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


# -- character references in attribute values ---------------------------------------
#
# §13.2.5.72-13.2.5.80 as the attribute value states run them: the longest named
# reference of the table; a named reference without ";" is *not* decoded when the
# next character is "=" or an ASCII alphanumeric (§13.2.5.73, "historical
# reasons"); numeric references with or without ";", 0, surrogates and values past
# U+10FFFF read as U+FFFD, the C1 range through the windows-1252 table.

_CHARREF = re.compile(r"&(?:#[xX]([0-9A-Fa-f]+);?|#([0-9]+);?|([A-Za-z0-9]+;?))")
_WINDOWS_C1 = {
    0x80: 0x20AC, 0x82: 0x201A, 0x83: 0x0192, 0x84: 0x201E, 0x85: 0x2026, 0x86: 0x2020,
    0x87: 0x2021, 0x88: 0x02C6, 0x89: 0x2030, 0x8A: 0x0160, 0x8B: 0x2039, 0x8C: 0x0152,
    0x8E: 0x017D, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201C, 0x94: 0x201D, 0x95: 0x2022,
    0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02DC, 0x99: 0x2122, 0x9A: 0x0161, 0x9B: 0x203A,
    0x9C: 0x0153, 0x9E: 0x017E, 0x9F: 0x0178,
}  # fmt: skip


def _charref(m: re.Match[str]) -> str:
    hexa, dec, named = m.group(1), m.group(2), m.group(3)
    if named is None:
        digits = (hexa if hexa is not None else dec).lstrip("0") or "0"
        # at most 7 digits are read as a number: any longer is past U+10FFFF
        num = int(digits, 16 if hexa is not None else 10) if len(digits) <= 7 else 0x110000
        if num == 0 or num > 0x10FFFF or 0xD800 <= num <= 0xDFFF:
            return "\ufffd"
        return chr(_WINDOWS_C1.get(num, num))
    # the longest name of the table that the text starts with (names are at most 32)
    for i in range(min(len(named), 32), 1, -1):
        found = _ENTITIES.get(named[:i])
        if found is None:
            continue
        if named[i - 1] != ";":
            nxt = named[i] if i < len(named) else m.string[m.end() : m.end() + 1]
            if nxt == "=" or (nxt.isascii() and nxt.isalnum()):
                return m.group()  # not a reference in an attribute value
        return found + named[i:]
    return m.group()


def attr_unescape(value: str) -> str:
    """An attribute value with its character references decoded as the tokenizer does.

    Unlike :func:`html.unescape` (the rules for text), a legacy named reference
    without ``;`` followed by ``=`` or an ASCII alphanumeric stays as written.
    """
    if "&" not in value:
        return value
    return _CHARREF.sub(_charref, value)
