"""A streaming, chunk-safe HTML tag rewriter (sans-io: bytes in, bytes out).

:class:`HtmlRewriter` gates third-party tags in an HTML body as it streams.
It is not a full HTML parser: compiled byte regexes jump straight to the few
tags that can load something (``<script``, ``<iframe``, ``<img``, ``<link``,
``<embed``, ``<object``, ``<base``), to comments and to the raw-text elements
whose content is not markup (``<script>``, ``<style>``, ``<textarea>``,
``<title>``, ``<iframe>``, ``<xmp>``, ``<noembed>``, ``<noframes>``). Only those
tags have their attributes tokenised, with the HTML tokenizer's rules (quoted,
unquoted and upper-case attributes, ``/`` as a separator, the first of
duplicate attributes wins, character references decoded).

What it gets right that a regex over the whole page does not:

* a comment hides tags: ``<!-- <script src=…> -->`` is left alone;
* script text is data: ``"</scr" + "ipt>"`` or ``"<script src=…>"`` inside a
  script does not start or end anything; only ``</script`` followed by
  whitespace, ``/`` or ``>`` ends it;
* markup-like text inside an attribute value is data: in
  ``<div title="<script>">`` nothing starts. Every hit of the fast scan is
  confirmed by a tokenizer run from the last position known to be in the
  data state (ordinary tags read exactly, attributes and all); one inside an
  ordinary tag is copied as part of it;
* ``<noscript>`` and ``<template>`` content is gated too: with scripting off
  (or once a template is cloned) it is live markup (GTM's ``ns.html`` iframe,
  Meta's ``facebook.com/tr`` pixel);
* ``type="application/ld+json"`` and other data blocks are not scripts and are
  never touched; ``type="module"`` is a script and is kept in
  ``data-privmw-type`` when neutralised.

Everything that is not a gated tag is copied byte for byte, so a page without
trackers comes out identical, and a consented tag is never re-serialised. Any
split of the input into chunks gives the same output. Memory is bounded: at
most ``max_tag_bytes`` of one tag (or of one inline script, whose text must be
seen before its start tag can be decided) is held; past that it is passed
through unchanged and counted in :attr:`HtmlRewriter.overflowed`.

References: WHATWG HTML, §13.2.5 Tokenization (tag open, attribute, script
data, RAWTEXT/RCDATA, comment states); §4.12.1 the script element (data blocks,
JavaScript MIME type essence matches); WHATWG URL Standard.
"""

from __future__ import annotations

import html as _stdhtml
import re
from collections.abc import Callable

from .trackers import TrackerRegistry, Vendor

__all__ = ["MODES", "HtmlRewriter"]

#: Rewriting modes: replace with inert markup, drop, or only count.
MODES = ("neutralise", "remove", "report-only")

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
_Patterns = tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]
_SCANNERS: dict[frozenset[bytes], _Patterns]
_SCANNERS = {}


def _scanner(tlds: frozenset[bytes]) -> _Patterns:
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
    found = _SCANNERS.get(tlds)
    if found is None:
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
        found = _SCANNERS[tlds] = (scan, raw_scan, dot_tld, entity_hint)
    return found


_NON_ASCII = re.compile(rb"[\x80-\xff]")
_MAX_PREFIX = 12  # longest "<name" + 1 that a chunk boundary may split
_END = {name: re.compile(rb"</(?i:" + name + rb")(?=[\t\n\f\r />])") for name in _RAW_NAMES}
_COMMENT_END = re.compile(rb"--!?>")
_TAB_NL = b"\t\n\r"

# Script type values that make a script (HTML "JavaScript MIME type essence
# match", plus module and Partytown); anything else is a data block.
_JS_TYPES = frozenset(
    {
        "",
        "module",
        "text/partytown",
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    }
)

#: The URL attribute of each gated tag that decides its vendor.
_URL_ATTR = {
    b"script": "src",
    b"iframe": "src",
    b"img": "src",
    b"embed": "src",
    b"link": "href",
    b"object": "data",
    b"base": "href",
}
#: Attributes moved to ``data-privmw-<name>`` when a tag is neutralised.
_MOVED = frozenset({"src", "srcset", "href", "data", "type", "imagesrcset"})
_PLACEHOLDER = {
    b"iframe": b' src="about:blank"',
    b"img": b' src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="',
}
_GOOGLE = frozenset({"google-analytics", "google-tag-manager", "google-ads"})

_DATA, _RAW, _COMMENT, _HOLD, _DROP = range(5)


#: Attributes whose values the rewriter reads; others are only located.
_READ = frozenset({"src", "href", "data", "type", "srcset", "imagesrcset"})
_ATTR_CACHE: dict[bytes, tuple[tuple[str, str, int, int], ...]] = {}
_NEUTRAL_CACHE: dict[tuple[bytes, str], bytes] = {}


def _attrs(tag: bytes, start: int) -> tuple[tuple[str, str, int, int], ...]:
    """``(lower name, decoded value, start, end)`` of each attribute of a complete tag.

    Values are decoded (character references too) only for the attributes the
    rewriter reads. Recent answers are remembered: a site's pages repeat the
    same tracker tags on every request.
    """
    hit = _ATTR_CACHE.get(tag)
    if hit is not None:
        return hit
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
        if name in _READ:
            value_b = m.group(2)
            if value_b is None:
                value_b = m.group(3)
                if value_b is None:
                    value_b = m.group(4) or b""
            value = value_b.decode("utf-8", "replace")
            if "&" in value:
                value = _stdhtml.unescape(value)
        out.append((name, value, m.start(), m.end()))
    result = tuple(out)
    if len(tag) <= 4096:
        if len(_ATTR_CACHE) >= 1024:
            _ATTR_CACHE.clear()
        _ATTR_CACHE[tag] = result
    return result


def _neutral(tag: bytes, name: bytes, vendor: Vendor) -> bytes:
    """The tag made inert: URL attributes renamed, a harmless placeholder added."""
    key = (tag, vendor.name)
    hit = _NEUTRAL_CACHE.get(key)
    if hit is not None:
        return hit
    parts = [tag[: 1 + len(name)]]
    for attr, _value, s, e in _attrs(tag, 1 + len(name)):
        if attr.startswith("data-privmw-"):
            continue  # never let the page pre-set what the activator trusts
        parts.append(b" ")
        if attr in _MOVED:
            parts.append(b"data-privmw-")
        parts.append(tag[s:e])
    if name == b"script":
        parts.append(b' type="text/plain"')
    placeholder = _PLACEHOLDER.get(name)
    if placeholder is not None:
        parts.append(placeholder)
    parts.append(
        b' data-privmw-category="%s" data-privmw-vendor="%s"'
        % (vendor.category.encode(), vendor.name.encode())
    )
    parts.append(b" />" if tag.endswith(b"/>") and name != b"script" else b">")
    out = b"".join(parts)
    if len(tag) <= 4096:
        if len(_NEUTRAL_CACHE) >= 1024:
            _NEUTRAL_CACHE.clear()
        _NEUTRAL_CACHE[key] = out
    return out


_PASS, _INLINE, _VENDOR = range(3)
_ANALYSES: dict[int, tuple[TrackerRegistry, dict[bytes, tuple[int, Vendor | None]]]] = {}


def _analysis_cache(registry: TrackerRegistry) -> dict[bytes, tuple[int, Vendor | None]]:
    """A per-registry cache of tag analyses (pages repeat their tags on every request)."""
    entry = _ANALYSES.get(id(registry))
    if entry is None or entry[0] is not registry:
        if len(_ANALYSES) >= 64:
            _ANALYSES.clear()
        entry = _ANALYSES[id(registry)] = (registry, {})
    return entry[1]


class HtmlRewriter:
    """Gate third-party tags in one HTML document, fed in chunks.

    Args:
        registry: the vendors to recognise.
        allows: answers whether a consent category is allowed
            (``PrivacyContext.allows``).
        mode: ``"neutralise"`` (default), ``"remove"`` or ``"report-only"``.
        max_tag_bytes: the most of one tag, or of one inline script, held back.
        consent_mode: bytes of a ``<script>`` giving Google Consent Mode v2
            defaults, injected once before the first Google tag that is kept
            or neutralised; ``None`` for none.
        loader: bytes appended at the end of the document when something was
            neutralised (the ``<script src>`` of the activation script).

    Use :meth:`feed` for each body chunk and :meth:`close` once at the end; the
    output of both, concatenated, is the rewritten document.

    Counters: :attr:`neutralised`, :attr:`removed`, :attr:`reported` (tags
    report-only mode would have gated), :attr:`kept` (vendor tags allowed by
    consent), :attr:`overflowed` (tags past ``max_tag_bytes``, passed through).
    """

    __slots__ = (
        "_allows",
        "_cache",
        "_consent_mode",
        "_ctx",
        "_dot_tld",
        "_end",
        "_entity_hint",
        "_held",
        "_hint",
        "_inline_vendors",
        "_loader",
        "_match_url",
        "_max",
        "_mode",
        "_pending",
        "_raw_scan",
        "_scan",
        "_state",
        "_verdicts",
        "injected",
        "kept",
        "neutralised",
        "overflowed",
        "removed",
        "reported",
    )

    def __init__(
        self,
        registry: TrackerRegistry,
        allows: Callable[[str], bool],
        *,
        mode: str = "neutralise",
        max_tag_bytes: int = 65536,
        consent_mode: bytes | None = None,
        loader: bytes | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"HtmlRewriter: mode must be one of {MODES}, got {mode!r}")
        self._match_url = registry.match_url
        self._inline_vendors = registry.inline_vendors
        self._hint = registry.url_hint
        self._cache = _analysis_cache(registry)
        self._scan, self._raw_scan, self._dot_tld, self._entity_hint = _scanner(registry.url_tlds)
        self._allows = allows
        self._verdicts: dict[str, bool] = {}
        self._mode = mode
        self._max = max_tag_bytes
        self._consent_mode = consent_mode
        self._loader = loader
        self._pending = b""
        # Already emitted bytes of an ordinary tag (or bogus comment) that a
        # chunk boundary cut: re-read, never re-emitted, so the next chunk is
        # known to start inside it.
        self._ctx = b""
        self._state = _DATA
        self._end = _END[b"script"]
        self._held = bytearray()
        self.neutralised = self.removed = self.reported = self.kept = self.overflowed = 0
        self.injected = False

    @property
    def changed(self) -> bool:
        """Whether the output differs from the input so far."""
        return bool(self.neutralised or self.removed or self.injected)

    # -- decisions ---------------------------------------------------------

    def _allowed(self, vendor: Vendor) -> bool:
        category = vendor.category
        verdict = self._verdicts.get(category)
        if verdict is None:
            try:
                verdict = bool(self._allows(category))
            except Exception:  # a broken consent source means no consent
                verdict = False
            self._verdicts[category] = verdict
        return verdict

    def _preamble(self, vendor: Vendor, allowed: bool) -> bytes:
        """The Consent Mode defaults, once, before the first Google script."""
        if (
            self._consent_mode is not None
            and vendor.name in _GOOGLE
            and self._mode != "report-only"
            and (allowed or self._mode == "neutralise")
        ):
            snippet = self._consent_mode
            self._consent_mode = None
            self.injected = True
            return snippet
        return b""

    def _analyse(self, tag: bytes, name: bytes) -> tuple[int, Vendor | None]:
        """What a gated start tag is: passed through, an inline script, or a vendor's."""
        # Browsers drop tabs and newlines inside URLs, so look past them.
        if name != b"script" and self._hint.search(tag.lower().translate(None, _TAB_NL)) is None:
            return _PASS, None
        attrs = _attrs(tag, 1 + len(name))
        url_attr = _URL_ATTR[name]
        url = None
        type_ = ""
        for attr, value, _s, _e in attrs:
            if attr == url_attr:
                url = value
            elif attr == "type":
                type_ = value.strip().lower()
        if name == b"script":
            if type_ not in _JS_TYPES:
                return _PASS, None  # a data block (ld+json, template, text/plain)
            if url is None:
                return _INLINE, None
        elif url is None:
            srcset = next((v for a, v, _s, _e in attrs if a in ("srcset", "imagesrcset")), None)
            if srcset is None:
                return _PASS, None
            url = srcset.strip().split(" ", 1)[0].rstrip(",")
        vendor = self._match_url(url)
        return (_PASS, None) if vendor is None else (_VENDOR, vendor)

    def _gate(self, tag: bytes, name: bytes) -> tuple[bytes, int, bytes]:
        """Output for a complete gated start tag, the next state and its end-tag name."""
        raw_next = _RAW if name in (b"script", b"iframe") else _DATA
        cache = self._cache
        found = cache.get(tag)
        if found is None:
            found = self._analyse(tag, name)
            if len(tag) <= 4096:
                if len(cache) >= 1024:
                    cache.clear()
                cache[tag] = found
        kind, vendor = found
        if vendor is None:
            if kind == _INLINE:
                self._held = bytearray(tag)
                return b"", _HOLD, name
            return tag, raw_next, name
        allowed = self._allowed(vendor)
        pre = self._preamble(vendor, allowed) if name == b"script" else b""
        if allowed:
            self.kept += 1
            return pre + tag, raw_next, name
        if self._mode == "report-only":
            self.reported += 1
            return tag, raw_next, name
        if self._mode == "remove":
            self.removed += 1
            return pre, (_DROP if raw_next == _RAW else _DATA), name
        self.neutralised += 1
        return pre + _neutral(tag, name, vendor), raw_next, name

    def _decide_inline(self, held: bytes, complete: bool) -> tuple[bytes, int]:
        """Output for a held inline script (start tag + text); next state."""
        gt = _TAG_REST.match(held, 7)
        tag_end = gt.end() if gt is not None else 7
        vendors = self._inline_vendors(held[tag_end:])
        blocked = None
        pre = b""
        for vendor in vendors:
            allowed = self._allowed(vendor)
            if not pre:
                pre = self._preamble(vendor, allowed)
            if not allowed and blocked is None:
                blocked = vendor
        if blocked is None:
            if vendors:
                self.kept += 1
            if not complete:
                self.overflowed += 1
            return pre + held, _RAW
        if self._mode == "report-only":
            self.reported += 1
            return held, _RAW
        if self._mode == "remove":
            self.removed += 1
            return pre, _DROP
        self.neutralised += 1
        return pre + _neutral(held[:tag_end], b"script", blocked) + held[tag_end:], _RAW

    # -- the scanner --------------------------------------------------------

    def _first_hint(self, buf: bytes, start: int, end: int) -> int:
        """Where in ``buf[start:end]`` a vendor host could first be spelled, else ``end``."""
        for byte in (b"%", b"\\"):
            found = buf.find(byte, start, end)
            if found >= 0:
                end = found
        if not buf[start:end].isascii():
            m = _NON_ASCII.search(buf, start, end)
            if m is not None:
                end = m.start()
        for pattern in (self._dot_tld, self._entity_hint):
            m = pattern.search(buf, start, end)
            if m is not None:
                end = m.start()
        return end

    def feed(self, chunk: bytes) -> bytes:
        """Rewrite the next chunk; returns what can be emitted so far."""
        ctx = self._ctx
        buf = ctx + self._pending + chunk if ctx or self._pending else bytes(chunk)
        self._pending = self._ctx = b""
        out: list[bytes] = []
        pos = len(ctx)
        # A position known to be in the data state: the scanner's hits are
        # only candidates; one inside an ordinary tag (``<div title="<script>">``)
        # is attribute data, and only a tokenizer run from here can tell.
        data_at = 0
        n = len(buf)
        checked_to = 0
        raw_at = -1
        scan = self._scan.search
        while pos < n:
            state = self._state
            if state == _DATA:
                # Fast path: the stretch up to the next script/iframe/comment
                # is copied whole when nothing in it could spell a vendor
                # host; otherwise the exact scan runs only up to the first
                # such byte, and the stretch after it is checked again.
                if pos >= checked_to:
                    if raw_at < pos:
                        r = self._raw_scan.search(buf, pos)
                        raw_at = n if r is None else r.start()
                    # Short stretches (a head full of tags) go straight to the
                    # exact scan: the check would cost more than it saves.
                    if raw_at - pos < 512:
                        checked_to = raw_at
                    elif (hint := self._first_hint(buf, pos, raw_at)) < raw_at:
                        checked_to = hint + 1
                    elif raw_at < n:
                        out.append(buf[pos:raw_at])
                        pos = checked_to = raw_at
                    else:
                        checked_to = n
                limit = checked_to if checked_to > pos else n
                m = scan(buf, pos, limit)
                if m is None and limit < n:
                    # Nothing gated starts before the hint: a void tag holding
                    # it would have been found (its safe check cannot see its
                    # ">" past ``limit``), and no tag name holds a hint byte.
                    out.append(buf[pos:limit])
                    pos = limit
                    continue
                if m is None:
                    # Hold back whatever the end of the buffer cuts (a tag, or
                    # the start of one), so the next chunk is read in context.
                    cut = _data_cut(buf, data_at, n)
                    if cut == n:
                        out.append(buf[pos:])
                        return b"".join(out)
                    if n - cut > self._max:
                        return self._overflow(out, buf, pos)
                    return self._hold(out, buf, pos, cut)
                start = m.start()
                if start > data_at:
                    cut = _data_cut(buf, data_at, start)
                    if cut < start:
                        # A tag (or bogus comment) starting at ``cut`` does not
                        # end before the candidate: find where it really ends.
                        c = _CONSTRUCT.match(buf, cut)
                        if c is None:  # cut by the end of the buffer
                            if n - cut > self._max:
                                return self._overflow(out, buf, pos)
                            return self._hold(out, buf, pos, cut)
                        if c.end() > start:  # the candidate is attribute data
                            out.append(buf[pos : c.end()])
                            pos = data_at = c.end()
                            continue
                        data_at = c.end()  # e.g. "<" right before it: look again
                        continue
                    data_at = start
                out.append(buf[pos:start])
                raw_name = m.group(1) or m.group(2)
                if raw_name is None:  # a comment; "<!-->" and "<!--->" close at once
                    if buf.startswith(b">", start + 4) or buf.startswith(b"->", start + 4):
                        close = buf.find(b">", start + 4) + 1
                        out.append(buf[start:close])
                        pos = data_at = close
                        continue
                    if n - start < 6:
                        self._pending = buf[start:]
                        return b"".join(out)
                    out.append(buf[start : start + 4])
                    pos = start + 4
                    self._state = _COMMENT
                    continue
                name = raw_name.lower()
                t = _TAG_REST.match(buf, m.end())
                if t is None:
                    if n - start > self._max:  # too big to hold: pass through, counted
                        self.overflowed += 1
                        out.append(buf[start : m.end()])
                        pos = data_at = m.end()
                        continue
                    self._pending = buf[start:]
                    return b"".join(out)
                end = t.end()
                tag = buf[start:end]
                if name in _GATED:
                    emitted, nxt, raw = self._gate(tag, name)
                else:
                    emitted, nxt, raw = tag, _RAW, name
                out.append(emitted)
                pos = data_at = end
                if nxt == _RAW:
                    # Skip the raw text right away when its end tag is here.
                    e = _END[raw].search(buf, pos)
                    if e is not None:
                        out.append(buf[pos : e.start()])
                        pos = data_at = e.start()
                        continue
                if nxt != _DATA:
                    self._state = nxt
                    self._end = _END[raw]
            elif state == _COMMENT:
                m = _COMMENT_END.search(buf, pos)
                if m is None:
                    keep = max(pos, n - 3)
                    out.append(buf[pos:keep])
                    self._pending = buf[keep:]
                    return b"".join(out)
                out.append(buf[pos : m.end()])
                pos = data_at = m.end()
                self._state = _DATA
            elif state == _RAW:
                m = self._end.search(buf, pos)
                if m is None:
                    keep = max(pos, n - _MAX_PREFIX)
                    out.append(buf[pos:keep])
                    self._pending = buf[keep:]
                    return b"".join(out)
                out.append(buf[pos : m.start()])
                pos = data_at = m.start()  # the end tag itself is plain data
                self._state = _DATA
            elif state == _HOLD:
                m = self._end.search(buf, pos)
                if m is None:
                    keep = max(pos, n - _MAX_PREFIX)
                    self._held += buf[pos:keep]
                    self._pending = buf[keep:]
                    if len(self._held) > self._max:
                        emitted, self._state = self._decide_inline(bytes(self._held), False)
                        self._held = bytearray()
                        out.append(emitted)
                    return b"".join(out)
                self._held += buf[pos : m.start()]
                emitted, self._state = self._decide_inline(bytes(self._held), True)
                self._held = bytearray()
                out.append(emitted)
                pos = data_at = m.start()
                if self._state == _RAW:
                    self._state = _DATA
            else:  # _DROP: discard up to and including the end tag
                m = self._end.search(buf, pos)
                if m is None:
                    self._pending = buf[max(pos, n - _MAX_PREFIX) :]
                    return b"".join(out)
                t = _TAG_REST.match(buf, m.end())
                if t is None:
                    if n - m.start() > self._max:
                        pos = m.end()
                        continue
                    self._pending = buf[m.start() :]
                    return b"".join(out)
                pos = data_at = t.end()
                self._state = _DATA
        return b"".join(out)

    def _overflow(self, out: list[bytes], buf: bytes, pos: int) -> bytes:
        """End a :meth:`feed` inside a construct too big to hold: pass it on, counted.

        The next chunk is read as if in the data state (only a tag name cut
        at the very end is held), as for an overflowing gated tag.
        """
        self.overflowed += 1
        n = len(buf)
        cut = buf.rfind(b"<", max(pos, n - _MAX_PREFIX))
        if cut < 0:
            out.append(buf[pos:])
            return b"".join(out)
        return self._hold(out, buf, pos, cut)

    def _hold(self, out: list[bytes], buf: bytes, pos: int, cut: int) -> bytes:
        """End a :meth:`feed` at an incomplete construct starting at ``cut``.

        What is not emitted yet is held; what was (the construct's start, when
        ``pos`` is past it) is kept as context to re-read, not to re-emit.
        """
        if cut >= pos:
            out.append(buf[pos:cut])
            self._pending = buf[cut:]
        else:
            out.append(buf[pos:])
            self._ctx = buf[cut:]
        return b"".join(out)

    def close(self) -> bytes:
        """Flush what is held at the end of the document."""
        pending, self._pending = self._pending, b""
        self._ctx = b""
        out = b""
        if self._state == _HOLD:
            emitted, _ = self._decide_inline(bytes(self._held) + pending, True)
            self._held = bytearray()
            out = emitted
        elif self._state != _DROP:
            # An unterminated tag at end of file is dropped by browsers, so
            # passing it through unchanged loads nothing.
            out = pending
        self._state = _DATA
        if self.neutralised and self._loader is not None:
            out += self._loader
            self._loader = None
        return out
