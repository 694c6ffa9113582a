"""XML documents as the XML parser reads them: namespace prefixes, the internal DTD subset.

In an XML document (``application/xhtml+xml``, ``image/svg+xml``...) an
element is what its *namespace* and local name say, whatever its prefix:
with ``xmlns:h="http://www.w3.org/1999/xhtml"`` in scope, ``<h:script>`` is
an XHTML script; an attribute ``q:href`` is the XLink ``href`` when ``q`` is
bound to the XLink namespace. :class:`Namespaces` keeps the prefix bindings
of the open elements (Namespaces in XML 1.0 §6.1: a declaration applies to
the element it is on and to its content) and says what the rewriter must
treat each name as.

Fail closed: a prefix that is unbound, bound to the XHTML, SVG or MathML
namespace, or read while the engine is *unsure* of the bindings (an end tag
that does not close the current element, nesting deeper than
:data:`MAX_DEPTH`, more than :data:`MAX_PREFIXES` bindings, a tag too long to
read) makes the element its local name; an attribute prefix unbound, bound to
XLink, or read while unsure makes the attribute ``xlink:<local>``. Only a
prefix known to be bound to another namespace leaves a name alone (it names
nothing a browser fetches).

References: Namespaces in XML 1.0 (Third Edition) §3, §5, §6; XML 1.0 §3.1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.entities import html5

__all__: list[str] = []

XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
MATHML = "http://www.w3.org/1998/Math/MathML"
XLINK = "http://www.w3.org/1999/xlink"
_ELEMENT_NS = frozenset({XHTML, SVG, MATHML})
MAX_DEPTH = 256
MAX_PREFIXES = 64

_Attr = tuple[str, bytes, int, int]


class Namespaces:
    """The prefix bindings in scope, element by element (bounded)."""

    __slots__ = ("_current", "_map", "_stack", "unsure")

    def __init__(self) -> None:
        self._map: dict[bytes, str] = {b"xml": "http://www.w3.org/XML/1998/namespace"}
        self._stack: list[tuple[bytes, dict[bytes, str]]] = []
        #: the bindings of the element last started (its own declarations included)
        self._current = self._map
        self.unsure = False

    def start(
        self,
        name: bytes,
        tag: bytes,
        attrs: list[_Attr],
        selfclosing: bool,
        decode: Callable[[str], str],
    ) -> bytes:
        """A start tag ``name`` (as written): bind its declarations; what element it is.

        Returns the lower-case name the rewriter reads it as (the local name
        for an element of the XHTML, SVG or MathML namespace, or when unsure).
        """
        mapping = self._map
        for a, v, s, _e in attrs:
            if a == "xmlns" or not a.startswith("xmlns:"):
                continue
            raw = tag[s + 6 : s + len(a)]
            if mapping is self._map:
                mapping = dict(mapping)
            mapping[raw] = decode(v.decode("utf-8", "replace"))
        if len(mapping) > MAX_PREFIXES:
            self.unsure = True
        self._current = mapping
        kind = self.element(name)
        if not selfclosing:
            if len(self._stack) >= MAX_DEPTH:
                self.unsure = True
            else:
                self._stack.append((name, self._map))
                self._map = mapping
        return kind

    def end(self, name: bytes) -> None:
        """An end tag ``name`` (as written)."""
        st = self._stack
        if st and st[-1][0] == name:
            self._map = st.pop()[1]
            self._current = self._map
        else:
            self.unsure = True  # not well-formed here: prefixes may mean anything from now

    def element(self, name: bytes) -> bytes:
        """What the element ``name`` (as written) last started is read as."""
        prefix, colon, local = name.rpartition(b":")
        if not colon:
            return name.lower()
        uri = self._current.get(prefix)
        if self.unsure or uri is None or uri in _ELEMENT_NS or b":" in prefix:
            return local.lower()
        return name.lower()  # another namespace: an element that fetches nothing

    def rename(self, tag: bytes, attrs: list[_Attr]) -> list[_Attr]:
        """``attrs`` with each prefixed name as the rewriter must read it."""
        if not any(":" in a for a, _v, _s, _e in attrs):
            return attrs
        out = []
        for a, v, s, e in attrs:
            if ":" in a and not a.startswith("xmlns:"):
                prefix, _, local = tag[s : s + len(a)].rpartition(b":")
                uri = self._current.get(prefix)
                if self.unsure or uri is None or uri == XLINK or b":" in prefix:
                    a = "xlink:" + local.decode("latin-1").lower()
            out.append((a, v, s, e))
        return out


# -- the document type declaration -----------------------------------------------
#
# XML 1.0 §2.8, §4.2: ``<!DOCTYPE name ExternalID? [ intSubset ]>``. The
# internal subset declares general entities (``<!ENTITY ga "https://...">``,
# expanded wherever ``&ga;`` is written: attribute values, script text, markup)
# and attribute defaults (``<!ATTLIST img src CDATA "https://...">``, added to
# every such element). The rewriter reads the declarations, expands the
# entities where they are used, and blanks every literal of the subset whose
# expansion names a vendor the visitor has not allowed.

_DT_OPEN = re.compile(rb"<!(?i:doctype)")
#: What matters inside the doctype: literals, comments, PIs, the subset's brackets.
_DT_EVENT = re.compile(rb"[\"'\[\]>]|<!--|<\?")
_DT_NAME = re.compile(rb"[^\t\n\r \"'%<>\[\]]+")
_WS_RE = re.compile(rb"[\t\n\r ]*")
#: ``<!ENTITY`` [``%``] name, up to its literal (or SYSTEM/PUBLIC).
_ENTITY = re.compile(rb"<!ENTITY[\t\n\r ]+(%[\t\n\r ]+)?([^\t\n\r \"'%<>]+)[\t\n\r ]+")
_REF = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([^\s&;<>\"']+));")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": '"'}
#: An entity's expansion is read at most this long, nested at most this deep.
MAX_EXPANSION = 1 << 16
MAX_NESTING = 16


class Doctype:
    """A complete document type declaration, read."""

    __slots__ = ("end", "entities", "literals", "parameter")

    def __init__(self, end: int) -> None:
        self.end = end
        #: (start, end) of every literal's content inside the internal subset
        self.literals: list[tuple[int, int]] = []
        #: general entity name -> its literal (raw, undecoded); None: external
        self.entities: dict[str, str | None] = {}
        #: literal starts that are parameter entity values
        self.parameter: set[int] = set()


def read_doctype(buf: bytes, pos: int, end: int) -> Doctype | None:
    """The doctype at ``buf[pos:]`` (``<!DOCTYPE``), or None when it does not end in ``buf``."""
    i = pos + 9
    subset = False
    out: Doctype | None = None
    literals: list[tuple[int, int]] = []
    while True:
        m = _DT_EVENT.search(buf, i, end)
        if m is None:
            return None
        tok = m.group()
        if tok in (b'"', b"'"):
            close = buf.find(tok, m.end(), end)
            if close < 0:
                return None
            if subset:
                literals.append((m.end(), close))
            i = close + 1
        elif tok == b"<!--":
            close = buf.find(b"-->", m.end(), end)
            if close < 0:
                return None
            i = close + 3
        elif tok == b"<?":
            close = buf.find(b"?>", m.end(), end)
            if close < 0:
                return None
            i = close + 2
        elif tok == b"[" and not subset:
            subset = True
            i = m.end()
        elif tok == b"]" and subset:
            subset = False
            i = m.end()
        elif tok == b">" and not subset:
            out = Doctype(m.end())
            break
        else:
            i = m.end()  # a ">" ending a declaration of the subset, a stray bracket
    out.literals = literals
    starts = dict(literals)
    for m in _ENTITY.finditer(buf, pos, out.end):
        start = m.end() + 1  # the content of the literal after the name, if one follows
        if start not in starts:
            if m.group(1) is None:  # SYSTEM/PUBLIC: external, not loaded by browsers
                out.entities.setdefault(m.group(2).decode("utf-8", "replace"), None)
            continue
        if m.group(1) is not None:
            out.parameter.add(start)
            continue
        name = m.group(2).decode("utf-8", "replace")
        if name not in out.entities:  # the first declaration binds (XML 1.0 §4.2)
            out.entities[name] = buf[start : starts[start]].decode("utf-8", "replace")
    return out


def doctype_start(buf: bytes, pos: int) -> bool:
    return _DT_OPEN.match(buf, pos) is not None


def expand_all(entities: dict[str, str | None]) -> dict[str, str | None]:
    """Each entity fully expanded (character references and nested entities), bounded.

    None: external, recursive, nested too deep or too long (the caller fails closed).
    """
    done: dict[str, str | None] = {}

    def one(name: str, depth: int, seen: frozenset[str]) -> str | None:
        if name in done:
            return done[name]
        raw = entities.get(name)
        if raw is None or depth > MAX_NESTING or name in seen:
            return None
        failed = False
        size = 0

        def sub(m: re.Match[str]) -> str:
            nonlocal failed, size
            text = _charref(m)
            if text is None:
                ref = m.group(3)
                if ref in _PREDEFINED:
                    return m.group()  # stays a reference until the use site
                text = one(ref, depth + 1, seen | {name}) if ref in entities else m.group()
            if text is None:
                failed = True
                return ""
            size += len(text)
            if size > MAX_EXPANSION:
                failed = True
            return text

        value = _REF.sub(sub, raw)
        result = None if failed or len(value) > MAX_EXPANSION else value
        done[name] = result
        return result

    for name in entities:
        one(name, 0, frozenset())
    return done


def _charref(m: re.Match[str]) -> str | None:
    hexa, dec = m.group(1), m.group(2)
    if hexa is None and dec is None:
        return None
    digits = (hexa if hexa is not None else dec).lstrip("0") or "0"
    num = int(digits, 16 if hexa is not None else 10) if len(digits) <= 7 else 0x110000
    return chr(num) if 0 < num <= 0x10FFFF and not 0xD800 <= num <= 0xDFFF else "\ufffd"


def expand(value: str, entities: dict[str, str | None]) -> str:
    """An attribute value or text as the XML parser reads it (entities from ``entities``).

    A name the document does not declare is read as an HTML named reference
    (Chromium resolves those in XHTML documents), else left as written.
    """
    if "&" not in value:
        return value

    def sub(m: re.Match[str]) -> str:
        text = _charref(m)
        if text is not None:
            return text
        ref = m.group(3)
        known = _PREDEFINED.get(ref)
        if known is not None:
            return known
        if ref in entities:
            return entities[ref] or ""
        return html5.get(ref + ";", m.group())

    return _REF.sub(sub, value)


def expanded_size(value: str, entities: dict[str, str | None]) -> int:
    """How long :func:`expand` makes ``value`` (without building it): the work it costs."""
    if "&" not in value or not entities:
        return len(value)
    size = len(value)
    for m in _REF.finditer(value):
        ref = m.group(3)
        if ref is not None and ref in entities:
            size += len(entities[ref] or "") - len(m.group())
    return size
