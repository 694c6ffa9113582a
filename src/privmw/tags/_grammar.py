"""The byte grammar of the tag rewriter: HTML tokenizer rules as compiled regexes.

Only grammar lives here (what a start tag, an attribute, a comment, a
raw-text end tag is); :mod:`privmw.tags.rewriter` decides what to do at each
match, and compiles the registry-dependent scanners once per registry
(:func:`compile_scanners`).

References: WHATWG HTML §13.2.5 Tokenization (tag open, attribute, script
data, RAWTEXT/RCDATA, comment states).
"""

from __future__ import annotations

import html as _stdhtml
import re

__all__: list[str] = []

_WS = rb"[\t\n\f\r ]"


def _tag_rest(x: bytes = b"", u: bytes = b"", groups: bool = False) -> bytes:
    """The rest of a start tag after its name, per the HTML tokenizer.

    Every item is unambiguous (a name, separator or unquoted value must be
    followed by a byte that cannot continue it), so the regex cannot
    backtrack into another split of the same bytes and failing on an
    incomplete tag costs linear time. A quoted value only opens right after
    ``=``; an unterminated one matches nothing, so an incomplete tag never
    "ends" at a ``>`` that is really inside a quoted value.

    ``x`` are bytes excluded everywhere and ``u`` an alternative allowed in
    their place: with both, the regex matches only tags in which no byte
    could spell a vendor host (see ``_Scanner``).
    """

    def cap(r: bytes) -> bytes:
        return b"(" + r + b")" if groups else r

    def run(cls: bytes, first: bytes | None = None) -> bytes:
        # "(?:[^cls]|u)*" unrolled as "[^cls]*(?:u[^cls]*)*": sre runs a single
        # class repeat in a tight C loop, an alternation per byte is ~10x slower.
        body = rb"[^" + cls + x + rb"]*"
        if u:
            body += rb"(?:(?:" + u + rb")[^" + cls + x + rb"]*)*"
        if first is None:
            return body
        head = rb"[^" + first + x + rb"]"
        if u:
            head = rb"(?:" + head + rb"|" + u + rb")"
        return head + body

    name = run(rb"\t\n\f\r /=>", rb"\t\n\f\r />") + rb"(?![^\t\n\f\r /=>])"
    value = (
        rb'"' + cap(run(rb'"')) + rb'"'
        rb"|'" + cap(run(rb"'")) + rb"'"
        rb"|" + cap(run(rb"\t\n\f\r >", rb"\t\n\f\r >\"'") + rb"(?![^\t\n\f\r >])") + rb"|(?=>)"
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


_TAG_REST = re.compile(rb"(?:" + _tag_rest() + rb")*>")
_ATTRS = re.compile(_tag_rest(groups=True))

# One thing the tokenizer reads from the data state, whole: a start or end tag
# (attributes tokenised exactly; the look-ahead after the name stops a failed
# match from retrying with a shorter name), "</>", a bogus comment, doctype or
# processing instruction (up to the first ">"), a comment, or a "<" that
# starts nothing. Incomplete, it matches nothing.
_TAG_NAME = rb"[a-zA-Z][^\t\n\f\r />]*(?=[\t\n\f\r />])"
_CONSTRUCT_ALT = (
    rb"</?" + _TAG_NAME + rb"(?:" + _tag_rest() + rb")*>"
    rb"|</>"
    rb"|<(?:!(?!--)|\?|/(?=[^a-zA-Z>]))[^>]*>"
    rb"|<!--(?:-?>|[\s\S]*?--!?>)"
    rb"|<(?=[^a-zA-Z/!?])"
)
_CONSTRUCT = re.compile(_CONSTRUCT_ALT)
#: Text and whole constructs from a data-state position: where it stops
#: (before ``endpos``) a construct starts that does not end before ``endpos``.
_DATA_RUN = re.compile(rb"[^<]*(?:(?:" + _CONSTRUCT_ALT + rb")[^<]*)*")


def _data_end(buf: bytes, start: int, end: int) -> int:
    """Where the exact data-state run from ``start`` stops before ``end``."""
    m = _DATA_RUN.match(buf, start, end)
    return start if m is None else m.end()  # it always matches, if only ""


# The common constructs in a stricter grammar that sre checks fast, without a
# repeat across tags: quotes only right after "name=" and holding no ">", an
# unquoted value ending at whitespace or ">", no "=" or quote anywhere else.
# What it accepts ends where the tokenizer ends it. ``_UNUSUAL`` finds the
# first "<" that does not start such a construct (ending before ``endpos``):
# when there is none, every construct from a data-state position up to
# ``endpos`` is read, so ``endpos`` is in the data state too (a "<" inside a
# value is checked as well; a false alarm only costs the exact run).
_GENERAL = rb"[^>\"'=]*"
# Each item has one way to match (no backtracking into another split, so a
# failure costs linear time).
_SAFE_VALUE = (
    rb"(?<=[^\t\n\f\r /=>\"'])=[\t\n\f\r ]*"
    rb"(?:\"[^\">]*\"|'[^'>]*'|[^\t\n\f\r >\"'=]+(?=[\t\n\f\r >]))"
)
# An accepted construct holds one ">", its last byte, and quotes only in
# pairs that the tokenizer opens too (the tag name is delimited first, as the
# tokenizer reads quotes and "=" in a tag name as part of it).
_UNUSUAL = re.compile(
    rb"<(?![a-zA-Z/][^<>\"'=]*>|/?"
    + _TAG_NAME
    + _GENERAL
    + rb"(?:"
    + _SAFE_VALUE
    + _GENERAL
    + rb")*>|!(?!--)[^>]*>|\?[^>]*>|/(?=[^a-zA-Z])[^>]*>|(?=[^a-zA-Z/!?]))"
)


def _data_cut(buf: bytes, at: int, end: int) -> int:
    """Where reading ``buf`` from the data-state position ``at`` stops before ``end``.

    ``end`` when ``end`` is in the data state too; else the start of the
    construct (tag, bogus comment...) that does not end before ``end``.
    The fast check runs first; the exact grammar only reads from the last
    ">" before the first unusual "<": every construct before it ends at its
    only ">", so the byte after that ">" is in the data state.
    """
    while True:
        u = _UNUSUAL.search(buf, at, end)
        if u is None:
            return end
        first = u.start()
        gt = buf.rfind(b">", at, first)
        q = _data_end(buf, at if gt < 0 else gt + 1, first)
        c = _CONSTRUCT.match(buf, q, end)
        if c is None:
            return q
        at = c.end()


_RAW_NAMES = (
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"iframe",
    b"xmp",
    b"noembed",
    b"noframes",
)
_GATED = (b"script", b"iframe", b"img", b"link", b"embed", b"object", b"base")


def _safe_rest(u: bytes) -> bytes:
    r"""A stricter, faster tag grammar that only accepts tags naming no vendor host.

    Runs of bytes other than ``> " ' =`` and the hint bytes ``. & % \ 0x80-0xff``
    (``u`` lets through a ``.`` not followed by a vendor TLD, and ``&amp;``);
    every ``=`` must follow a name byte and introduce a quoted value (holding
    no ``>``) or an unquoted one that ends at whitespace or ``>``. A quote or
    ``=`` anywhere else makes it fail. Whatever this accepts, the tokenizer
    reads the same way: it ends at the first ``>``, and nothing in it can
    spell a vendor host, so the tag is passed through without a look.
    Anything it rejects is simply handed to the exact path.
    """
    x = rb".&%\\\x80-\xff"

    def run(cls: bytes) -> bytes:
        return rb"[^" + cls + x + rb"]*(?:(?:" + u + rb")[^" + cls + x + rb"]*)*"

    unquoted = (
        rb"(?:[^\t\n\f\r >\"'="
        + x
        + rb"]|"
        + u
        + rb")"
        + run(rb"\t\n\f\r >\"'=")
        + rb"(?=[\t\n\f\r >])"
    )
    intro = (
        rb"(?<=[^\t\n\f\r /=>\"'])=[\t\n\f\r ]*(?:\""
        + run(rb"\">")
        + rb"\"|'"
        + run(rb"'>")
        + rb"'|"
        + unquoted
        + rb")"
    )
    general = run(rb">\"'=")
    return general + rb"(?:" + intro + general + rb")*>"


_RAW_ALT = rb"script|iframe|style|textarea|title|xmp|noembed|noframes"
_VOID_ALT = rb"img|link|embed|object|base"
# Named character references that cannot help spell a host (they decode to
# punctuation or spaces that no URL parser drops or maps to letters), so a
# tag holding them needs no closer look. Soft hyphen and zero-width joiners
# are absent on purpose: IDNA maps them to nothing.
_TEXT_ENTITIES = (
    rb"amp|nbsp|ndash|mdash|hellip|copy|reg|trade|quot|apos|lt|gt|laquo|raquo|lsquo|rsquo"
    rb"|ldquo|rdquo|bull|middot|times|euro|pound|yen|cent|deg|plusmn|para|sect|thinsp|ensp"
    rb"|emsp|larr|rarr|uarr|darr|dagger|prime"
)
Patterns = tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]


def compile_scanners(tlds: frozenset[bytes]) -> Patterns:
    r"""Compiled scanners for a registry whose hosts end in these TLDs.

    Returns ``(scan, raw_scan, dot_tld, entity_hint)``:

    * ``scan`` finds where something interesting may start. Python's ``re``
      finds the literal ``<`` at C speed and only tries the rest there.
      ``<img``, ``<link``, ``<embed``, ``<object`` and ``<base`` tags are
      skipped inside the regex when the whole tag (tokenised exactly) holds
      no ``.`` followed by a vendor TLD and none of ``&`` (but plain-text
      entities), ``%``, ``\`` or non-ASCII, which could spell a host
      otherwise: a page's hundred ordinary images never reach Python.
    * ``raw_scan`` finds only comments and raw-text/script/iframe tags.
    * ``dot_tld`` and ``entity_hint`` (with ``%``, ``\`` and non-ASCII, checked
      by the caller) find any byte sequence that could spell a vendor host.
      A stretch of the page without one holds no gated ``<img>``-like tag,
      so the rewriter copies it whole up to the next ``raw_scan`` hit.
    """
    if True:  # compiled once per registry by its RewritePlan
        spelled = []
        for tld in sorted(tlds):
            letters = [
                b"[%s%s]" % (re.escape(bytes([c]).lower()), re.escape(bytes([c]).upper()))
                for c in tld
            ]
            spelled.append(b"[\t\n\r]*".join(letters))
        tld_alt = b"|".join(spelled) or b"(?!)"
        safe_dot = rb"\.(?![\t\n\r]*(?:" + tld_alt + rb"))"
        entity = rb"&(?:" + _TEXT_ENTITIES + rb");"
        safe = _safe_rest(safe_dot + rb"|" + entity)
        scan = re.compile(
            rb"<(?=[!sSiIlLeEoObBtTxXnN])(?:!--|(?i:(" + _RAW_ALT + rb")|(" + _VOID_ALT + rb"))"
            rb"(?=[\t\n\f\r />])(?(2)(?!" + safe + rb")))"
        )
        raw_scan = re.compile(
            rb"<(?=[!sSiItTxXnN])(?:!--|(?i:(" + _RAW_ALT + rb"))(?=[\t\n\f\r />]))"
        )
        # Two patterns with a literal first byte (sre scans for those fast;
        # a leading class like [.&%] is several times slower). "%", "\\"
        # and non-ASCII are checked with bytes methods by the caller.
        # A one-class look-ahead first: most dots fail there, cheaply.
        first = b"".join(
            b"%s%s" % (re.escape(t[:1].lower()), re.escape(t[:1].upper())) for t in sorted(tlds)
        )
        dot_tld = re.compile(rb"\.(?=[\t\n\r" + first + rb"])[\t\n\r]*(?:" + tld_alt + rb")")
        entity_hint = re.compile(rb"&(?!(?:" + _TEXT_ENTITIES + rb");)")
    return scan, raw_scan, dot_tld, entity_hint


_NON_ASCII = re.compile(rb"[\x80-\xff]")
_MAX_PREFIX = 12  # longest "<name" + 1 that a chunk boundary may split
_END = {name: re.compile(rb"</(?i:" + name + rb")(?=[\t\n\f\r />])") for name in _RAW_NAMES}
_COMMENT_END = re.compile(rb"--!?>")
_TAB_NL = b"\t\n\r"


#: Attributes whose values the rewriter reads; others are only located.
READ = frozenset({"src", "href", "data", "type", "srcset", "imagesrcset"})


def attrs(tag: bytes, start: int) -> tuple[tuple[str, str, int, int], ...]:
    """``(lower name, decoded value, start, end)`` of each attribute of a complete tag.

    Values are decoded (character references too) only for the attributes the
    rewriter reads.
    """
    out: list[tuple[str, str, int, int]] = []
    seen: set[str] = set()
    end = len(tag) - 1  # the ">"
    for m in _ATTRS.finditer(tag, start, end):
        raw = m.group(1)
        if raw is None:
            continue
        name = raw.decode("latin-1").lower()
        if name in seen:  # the tokenizer keeps the first of duplicate attributes
            continue
        seen.add(name)
        value = ""
        if name in READ:
            value_b = m.group(2)
            if value_b is None:
                value_b = m.group(3)
                if value_b is None:
                    value_b = m.group(4) or b""
            value = value_b.decode("utf-8", "replace")
            if "&" in value:
                value = _stdhtml.unescape(value)
        out.append((name, value, m.start(), m.end()))
    return tuple(out)
