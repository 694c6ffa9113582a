"""``Link`` response fields (RFC 8288) without the link-values that name a gated vendor.

A ``Link: <https://connect.facebook.net/en_US/fbevents.js>; rel=preload;
as=script`` header makes the browser fetch the script before it has read a
byte of HTML, and ``rel=preconnect``/``dns-prefetch`` tell the vendor's
servers about the visit without any fetch the page could see; the same goes
for the ``links`` of a ``103 Early Hints`` response. The tag runtime drops
every link-value that names a vendor the visitor did not consent to and
keeps the others byte for byte.

How the field is read, and why it is read generously:

* Every ``Link`` field of a message is one list: fields are joined with
  ``", "`` before splitting (RFC 9110 §5.3), as browsers do, so an unclosed
  quote in one field cannot smuggle a value past privmw in the next.
* The list is split into link-values the way Chromium's ``link_header_util``
  does: at commas outside double-quoted strings (with ``\\`` escapes) and
  outside ``<…>`` (without escapes). A value that does not parse is kept or
  dropped like any other, by what it names.
* What a value "names" is decided without trusting any one parser, since
  browsers differ on odd input (RFC 8288 Appendix B, Chromium, Firefox): a
  URL candidate is the text after *every* ``<`` up to the next ``>`` (or the
  end), and every word of the value (split at whitespace, ``;``, ``,`` and
  quotes), with and without what precedes its first ``=`` (parameters such as
  ``imagesrcset=`` carry URLs too). Each candidate is tried as Latin-1 and,
  where the bytes are valid UTF-8, as UTF-8 (a host spelled with U+3002).
  A value with any candidate naming a gated vendor is dropped.
* Work is linear: words are disjoint, and a value with more than
  :data:`MAX_OPENERS` ``<`` (whose spans could overlap) is dropped unread.

Nothing raises: any value this module cannot read is judged by what it
might name, and an unreadable one is dropped only when it is hostile.

References: RFC 8288 (Web Linking) §3 and Appendix B; RFC 9110 §5.3 (field
order and combination); RFC 8297 (103 Early Hints); the ASGI "Early Hints"
extension (``http.response.early_hint``, ``links``); Chromium
``components/link_header_util`` (the splitting browsers actually do).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

__all__: list[str] = []

#: More ``<`` than this in one link-value and it is dropped unread (their spans could overlap).
MAX_OPENERS = 32
_WORD_SPLIT = re.compile(r"[\s;,\"'<>]+")
_LWS = " \t"


def split_values(field: str) -> list[str]:
    """The link-values of a (joined) ``Link`` field, trimmed, empty ones left out.

    Commas split, except inside ``"…"`` (where ``\\`` escapes the next
    character) and inside ``<…>`` (no escapes), as Chromium splits.
    """
    out: list[str] = []
    start = 0
    quote = ""
    escaped = False
    for i, char in enumerate(field):
        if quote:
            if escaped:
                escaped = False
            elif quote == '"' and char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char == ",":
            value = field[start:i].strip(_LWS)
            if value:
                out.append(value)
            start = i + 1
        elif char == '"':
            quote = '"'
        elif char == "<":
            quote = ">"
    value = field[start:].strip(_LWS)
    if value:
        out.append(value)
    return out


def candidates(value: str) -> Iterator[str] | None:
    """Every string in one link-value a browser might fetch; ``None``: too hostile to read."""
    if value.count("<") > MAX_OPENERS:
        return None
    return _candidates(value)


def _candidates(value: str) -> Iterator[str]:
    at = value.find("<")
    while at >= 0:
        end = value.find(">", at + 1)
        yield value[at + 1 : len(value) if end < 0 else end].strip(_LWS)
        at = value.find("<", at + 1)
    for word in _WORD_SPLIT.split(value):
        if word:
            yield word
            _, eq, rest = word.partition("=")
            if eq and rest:
                yield rest


def _spellings(raw: bytes) -> tuple[str, ...]:
    latin = raw.decode("latin-1")
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        return (latin,)
    return (latin,) if utf8 == latin else (latin, utf8)


def gate_fields(fields: Iterable[bytes], blocked: Callable[[str], bool]) -> list[bytes] | None:
    """The ``Link`` field values without the link-values naming a gated URL.

    ``fields`` are the values of every ``Link`` field of one message, in
    order; ``blocked(url)`` says whether a URL (as written, relative or not)
    names a vendor the visitor did not consent to. Returns ``None`` when
    nothing is dropped (send the fields as they are), else the one field
    value to send instead (``[]`` when nothing is left).
    """
    raw = b", ".join(fields)
    values = split_values(raw.decode("latin-1"))
    kept: list[str] = []
    dropped = False
    for value in values:
        if _names_blocked(value, blocked):
            dropped = True
        else:
            kept.append(value)
    if not dropped:
        return None
    return [", ".join(kept).encode("latin-1")] if kept else []


def _names_blocked(value: str, blocked: Callable[[str], bool]) -> bool:
    for spelling in _spellings(value.encode("latin-1")):
        found = candidates(spelling)
        if found is None:
            return True
        for url in found:
            try:
                if blocked(url):
                    return True
            except Exception:  # a matcher error must not let a value through
                return True
    return False
