"""The streaming tag rewriter (sans-io: bytes in, bytes out).

States (HTML §13.2.5): the rewriter is always in one of

========= ==========================================================================
DATA      data state; the fast grammar (``_grammar``) consumes what needs no
          decision, Python reads the construct where it stops
COMMENT   inside ``<!--``: streamed to ``-->``/``--!>``
BOGUS     bogus comment / doctype / ``<?``: streamed to ``>``
CDATA     CDATA section (foreign content only): streamed to ``]]>``
RAW       RAWTEXT / RCDATA / script data (escape states in ``RawEnd``): streamed
HOLD      text of an inline script, import map or ``<style>`` held for a decision
DROP      content of a removed element, discarded up to its end tag
TAGHOLD   a tag cut by a chunk boundary, held (``max_tag_bytes`` at most)
SKIPTAG   the rest of a tag past ``max_tag_bytes``, discarded
========= ==========================================================================

Tree context, enough to know what the tokenizer does next (§13.2.6):
the stack of open foreign elements (``<svg>``, ``<math>``), HTML and MathML
text integration points, breakout tags; inside foreign content ``<style>``,
``<title>``, ``<textarea>``, ``<xmp>``, ``<iframe>``, ``<noembed>`` are
ordinary elements and CDATA sections exist. The HTML elements open above an
integration point are read by the in-body rules where that is exact (implied
closes of ``<p>``, ``<li>``, headings; end tags in scope or ignored; see
``_html_start``/``_html_end``). Where the HTML tree would be needed to know
whether an end tag closes foreign content (tables, forms, formatting
elements, templates), the rewriter becomes *unsure* for the rest of the
document and then reads both ways:

* ``<noscript>`` (always: a browser with scripting on reads it as raw
  text, one with scripting off as markup) and, when unsure, ``<style>``,
  ``<textarea>``, ``<title>``, ``<xmp>``, ``<iframe>``, ``<noembed>``,
  ``<noframes>``: content is read as markup and gated; a ``</name`` that the
  raw-text reading would take as the end but that sits inside a markup
  construct (comment, attribute value, raw text) has its ``<`` written
  ``&lt;``, so both readings end at the same byte (counted in ``escaped``);
* SVG ``<script>`` and unsure ``<script>``: held to the first ``</script``;
  kept (or neutralised) if its content is plain text in every reading, else
  dropped; unsure CDATA likewise.

Fail closed: a tag longer than ``max_tag_bytes`` is dropped (with its
content if it is a raw-text element); an inline script, import map or
style block longer than that is neutralised; both are counted in
``overflowed``. The decision depends on lengths only, so any split of the
input gives the same output.
"""

from __future__ import annotations

import html as _stdhtml
import os
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from privmw._cache import BoundedCache
from privmw._url import host_path
from privmw._url import resolve as resolve_url
from privmw.trackers import TrackerRegistry, Vendor

from . import _fetch, _grammar, _xml
from ._inject import BodyInjector
from ._inline import Finder, refresh_url, resolve
from ._neutralise import neutral
from ._tokenizer import (
    ATTRS,
    NAME_AT,
    RAW_TAIL,
    TAG,
    TAG_PAT,
    RawEnd,
    TagScan,
    attr_unescape,
    comment_end,
)
from ._xml import Namespaces

__all__: list[str] = []

MODES = ("neutralise", "remove", "report-only")

DATA, COMMENT, BOGUS, CDATA, RAW, HOLD, DROP, TAGHOLD, SKIPTAG = range(9)

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
#: JSON script types that make the browser fetch (import maps, speculation rules).
_JSON_FETCH = frozenset({"importmap", "speculationrules"})
_GOOGLE = frozenset({"google-analytics", "google-tag-manager", "google-ads"})
_RAW_HTML = frozenset({b"style", b"textarea", b"title", b"xmp", b"iframe", b"noembed", b"noframes"})
_VOID = frozenset(
    {
        b"area",
        b"base",
        b"br",
        b"col",
        b"embed",
        b"hr",
        b"img",
        b"image",
        b"input",
        b"link",
        b"meta",
        b"source",
        b"track",
        b"wbr",
        b"param",
        b"keygen",
        b"basefont",
        b"bgsound",
        b"frame",
    }
)
#: b .. var: the §13.2.6.5 list without <font>, which breaks out only with a
#: color, face or size attribute (``_font_breakout``)
_BREAKOUT = frozenset(_grammar.FOREIGN_STOP[:44])
_SVG_IP = frozenset({b"foreignobject", b"desc", b"title"})
_MATH_TEXT_IP = frozenset({b"mi", b"mo", b"mn", b"ms", b"mtext"})
# -- the HTML elements open above an integration point, read by the in-body rules
# (§13.2.6.4.7) where they are exact; see ``_html_start`` and ``_html_end``.
#: The special category (§13.2.4.2), HTML elements: "any other end tag" stops there.
_SPECIAL = frozenset(
    b"address applet area article aside base basefont bgsound blockquote body br button "
    b"caption center col colgroup dd details dir div dl dt embed fieldset figcaption figure "
    b"footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img "
    b"input keygen li link listing main marquee menu meta nav noembed noframes noscript "
    b"object ol p param plaintext pre script search section select source style summary "
    b"table tbody td template textarea tfoot th thead title tr track ul wbr xmp".split()
)
#: Formatting elements: one popped by another element's end tag is reopened later
#: (reconstruct the active formatting elements), which the model does not follow.
_FORMATTING = frozenset(b"a b big code em font i nobr s small strike strong tt u".split())
_HEADINGS = frozenset(b"h1 h2 h3 h4 h5 h6".split())
#: Start tags that close a ``<p>`` in button scope first.
_CLOSES_P = frozenset(
    b"address article aside blockquote center details dialog dir div dl fieldset figcaption "
    b"figure footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 "
    b"h5 h6 pre listing form li dd dt plaintext table hr xmp".split()
)
#: End tags that pop to an element of their name in scope (else are ignored).
_SCOPED_END = frozenset(
    b"address article aside blockquote center details dialog dir div dl fieldset figcaption "
    b"figure footer header hgroup listing main menu nav ol pre search section summary ul "
    b"dd dt".split()
)
#: Elements and end tags whose handling depends on what the model does not track
#: (insertion modes of tables and select, templates, the form pointer, scope
#: markers, raw text read both ways, ruby, document structure): where one is
#: open or read, only an end tag matching the current node is certain.
_COMPLEX = frozenset(
    b"table caption colgroup col tbody thead tfoot tr td th select option optgroup "
    b"datalist template form button applet marquee object html head body frameset frame "
    b"noscript script style textarea title xmp iframe noembed noframes plaintext ruby rb "
    b"rp rt rtc br image svg math".split()
)
#: End tags whose in-body reading above an integration point is not the same in
#: every insertion mode foreign content can be in (the table modes pop through it).
_END_UNKNOWN = frozenset(
    b"table caption colgroup col tbody thead tfoot tr td th template select option optgroup".split()
)
_FORM_START = re.compile(rb"<(?i:form)[\t\n\f\r />]")
_TEMPLATE_TAG = re.compile(rb"<(?i:template)")
#: Start tags the in-body rules never insert (in every mode foreign content can be in).
_NOT_INSERTED = frozenset((b"html", b"body", b"head", b"frame"))
_TABLE_PARTS = frozenset(b"table caption colgroup tbody td tfoot th thead tr".split())
#: Start tags whose handling depends on the insertion mode (tables, frameset).
_MODE_START = frozenset(b"caption col colgroup tbody td tfoot th thead tr frameset".split())
#: A document starting so is in no-quirks mode (§13.2.6.4.1: name html, no identifiers).
_NO_QUIRKS = re.compile(
    rb"(?:\xef\xbb\xbf)?[\t\n\f\r ]*<!(?i:doctype)[\t\n\f\r ]+(?i:html)[\t\n\f\r ]*>"
)
# fstack kinds
_F_FOREIGN, _F_HTML_IP, _F_MATH_TEXT_IP, _F_HTML = range(4)
_TagKey = tuple[bytes, str, bool, bool, "tuple[str | None, ...]", str]
_MAX_DEPTH = 256
#: Candidate document bases kept (``HtmlRewriter._bases``); past them, fail closed.
_MAX_BASES = 8
_INERT = re.compile(rb"<[A-Za-z!/?]")
_IMPORT = re.compile(rb"@(?i:import)")
_LT = re.compile(rb"<")
_LT_RUN = re.compile(rb"<+")
_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NOSCRIPT_CLOSER = re.compile(rb"</(?=(?i:noscript)[\t\n\f\r />])")

_re2_warned: list[bool] = []  # the one start-up warning (not a cache)

#: A recorded decision: (verdicts consulted, output, counter deltas, state after,
#: whether to replay it on repetitions at once).
_Variant = tuple[
    tuple[tuple[str, bool], ...],
    bytes,
    "tuple[int, int, int, int, int, int] | None",
    "tuple[Any, ...] | None",
    bool,
]
#: The memo's answer for a decision that cannot be replayed (it is taken anew each time).
_NEVER: list[_Variant] = []
#: The largest construct (key plus output bytes) the memo keeps; variants per key.
_MEMO_ITEM = 32768
_MEMO_VARIANTS = 4
#: The longest XML document type declaration read (internal subset and all).
_DOCTYPE_MAX = 16384
#: The entity expansion read in one XML document, at most (libxml2 stops amplification too).
_EXPANSION_MAX = 8 << 20


def _load_re2() -> Any:
    try:
        import re2
    except ImportError:
        return None
    return re2


class RewritePlan:
    """Everything a rewriter needs from one registry, built once (by the runtime).

    Owns its bounded caches. ``use_re2=False`` forces the stdlib path.
    """

    __slots__ = (
        "_fast_noscript",
        "_noscript_ok",
        "_noscript_pattern",
        "attr_cache",
        "fast",
        "fast_foreign",
        "finder",
        "hint",
        "memo",
        "neutral_cache",
        "registry",
        "tag_cache",
        "tag_end",
        "uses_re2",
        "window",
    )

    @property
    def match_url(self) -> Callable[[str, str | None], Vendor | None]:
        """What a URL attribute value is matched with (the registry's, or strict mode's)."""
        return self.finder.match_url

    @match_url.setter
    def match_url(self, fn: Callable[[str, str | None], Vendor | None]) -> None:
        self.finder.match_url = fn

    @property
    def inline_vendors(self) -> Callable[[bytes], list[Vendor]]:
        """What inline code is matched with (the vendors' snippet signatures)."""
        return self.finder.inline_vendors

    @inline_vendors.setter
    def inline_vendors(self, fn: Callable[[bytes], list[Vendor]]) -> None:
        self.finder.inline_vendors = fn

    def __init__(
        self,
        registry: TrackerRegistry,
        *,
        use_re2: bool | None = None,
        tlds: Iterable[bytes] | None = None,
        hint: re.Pattern[bytes] | None = None,
        memo: bool = True,
    ) -> None:
        if use_re2 is None and os.environ.get("PRIVMW_TAGS_NO_RE2"):
            use_re2 = False  # private switch: CI runs the suite once on the stdlib path
        self.registry = registry
        self.finder = Finder(registry, self)
        if tlds is None:
            tlds = {
                p.partition("/")[0].rsplit(".", 1)[-1].encode()
                for v in registry.vendors
                for p in v.urls
            }
        tlds = sorted(set(tlds))
        own = re.compile(_grammar.hint_pattern(tlds))
        # a wider pre-filter (strict mode) only adds looks, never removes one
        self.hint = own if hint is None else re.compile(own.pattern + b"|" + hint.pattern)
        self.fast: Callable[[bytes, int, int], int] | None = None
        self.fast_foreign: Callable[[bytes, int, int], int] | None = None
        re2 = _load_re2() if use_re2 is not False else None
        if re2 is None and use_re2 is None and not _re2_warned:
            _re2_warned.append(True)
            warnings.warn(
                "privmw: google-re2 is not installed; the tag rewriter uses a slower "
                "pure-Python path (pip install 'privmw[speedups]')",
                RuntimeWarning,
                stacklevel=2,
            )
        self.uses_re2 = re2 is not None
        #: Where one fast-grammar call may look (stdlib: a small window bounds backtracking).
        self.window = 1 << 30
        self._fast_noscript: Callable[[bytes, int, int], int] | None = None
        self._noscript_pattern: bytes | None = None
        if re2 is not None:
            self.fast = _re2_matcher(re2, _grammar.fast_pattern(tlds, False))
            self.fast_foreign = _re2_matcher(re2, _grammar.fast_pattern(tlds, True))
            self._fast_noscript = _re2_matcher(
                re2, _grammar.fast_pattern(tlds, False, noscript=True)
            )
            self.tag_end = _re2_matcher(re2, TAG_PAT, empty=-1)
        else:
            self.window = 4096
            self.fast = _re_matcher(_grammar.fast_pattern(tlds, False, backtracking=True))
            self.fast_foreign = _re_matcher(_grammar.fast_pattern(tlds, True, backtracking=True))
            # compiled at its first use (stdlib re takes about 0.2 s for it)
            self._noscript_pattern = _grammar.fast_pattern(
                tlds, False, backtracking=True, noscript=True
            )
            self.tag_end = _stdlib_tag_end
        #: ``memo=False`` also turns off the fast grammar inside <noscript> (tests compare)
        self._noscript_ok = memo
        #: (tag, context) -> the attributes naming vendors; bounded in entries and bytes
        self.tag_cache: BoundedCache[_TagKey, list[tuple[str, Vendor]]] = BoundedCache(
            1024, max_bytes=1 << 20, max_item=4096
        )
        #: tag bytes -> parsed attributes; (tag, vendor, attributes) -> inert markup
        self.attr_cache: BoundedCache[bytes, list[tuple[str, bytes, int, int]]] = BoundedCache(
            1024, max_bytes=1 << 20, max_item=4096
        )
        self.neutral_cache: BoundedCache[tuple[bytes, str, frozenset[str]], bytes] = BoundedCache(
            512, max_bytes=1 << 20, max_item=4096
        )
        #: Decisions at stops, replayed: (construct bytes, context) -> variants by
        #: verdicts (see ``HtmlRewriter._record``); ``memo=False``: always decide anew
        self.memo: BoundedCache[tuple[Any, ...], list[_Variant]] | None = (
            BoundedCache(4096, max_bytes=4 << 20, max_item=_MEMO_ITEM) if memo else None
        )

    @property
    def fast_noscript(self) -> Callable[[bytes, int, int], int] | None:
        """The fast grammar for the content of a ``<noscript>`` read both ways."""
        if not self._noscript_ok:
            return None
        if self._fast_noscript is None and self._noscript_pattern is not None:
            self._fast_noscript = _re_matcher(self._noscript_pattern)
            self._noscript_pattern = None
        return self._fast_noscript


def _stdlib_tag_end(buf: bytes, pos: int, end: int) -> int:
    """End of the tag at ``pos`` (-1: not complete before ``end``), linear in time.

    The regex only within 4 KiB (its backtracking is bounded there); a longer
    tag is read by the state machine.
    """
    m = TAG.match(buf, pos, min(end, pos + 4096))
    if m is not None:
        return m.end()
    if end - pos <= 4096:
        return -1
    return TagScan(pos + (2 if buf[pos + 1] == 0x2F else 1)).advance(buf, end)


def _re2_matcher(
    re2: Any, pattern: bytes, empty: int | None = None
) -> Callable[[bytes, int, int], int]:
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.never_capture = True
    options.longest_match = True
    options.max_mem = 64 << 20
    compiled = re2.compile(pattern, options)
    raw = compiled._regexp.Match
    anchor = re2._re2.RE2.Anchor.ANCHOR_START

    miss = empty

    def fast(buf: bytes, pos: int, end: int) -> int:
        span = raw(anchor, buf, pos, end)[0]
        if span[1] < 0:
            return pos if miss is None else miss
        return int(span[1])

    return fast


def _re_matcher(pattern: bytes) -> Callable[[bytes, int, int], int]:
    match = re.compile(pattern).match

    def fast(buf: bytes, pos: int, end: int) -> int:
        m = match(buf, pos, end)
        return pos if m is None else m.end()

    return fast


def _attrs(tag: bytes, start: int) -> list[tuple[str, bytes, int, int]]:
    """(lower name, raw value, start, end) of each attribute, first of duplicates only."""
    out: list[tuple[str, bytes, int, int]] = []
    seen: set[str] = set()
    for m in ATTRS.finditer(tag, start):
        raw = m.group(1)
        if raw is None:
            continue
        name = raw.decode("latin-1").lower()
        if name in seen:
            continue
        seen.add(name)
        value = m.group(2)
        if value is None:
            value = m.group(3)
            if value is None:
                value = m.group(4) or b""
        out.append((name, value, m.start(), m.end()))
    return out


class HtmlRewriter:
    """Gate third-party tags in one HTML document, fed in chunks.

    ``feed`` each body chunk, ``close`` once; the outputs concatenated are
    the rewritten document. See the module docstring for the states.
    """

    def __init__(
        self,
        compiled: RewritePlan | TrackerRegistry,
        allows: Callable[[str], bool],
        *,
        mode: str = "neutralise",
        max_tag_bytes: int = 65536,
        consent_mode: bytes | None = None,
        loader: bytes | None = None,
        encoding: str = "utf-8",
        base_url: str | None = None,
        placeholder: Callable[[Vendor, str, list[tuple[str, str]]], bytes | None] | None = None,
        depth: int = 0,
        xml: bool = False,
        observer: Callable[[bytes, bytes], None] | None = None,
        after_body: bytes | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"HtmlRewriter: mode must be one of {MODES}, got {mode!r}")
        if isinstance(compiled, TrackerRegistry):
            compiled = RewritePlan(compiled)  # tests and tools; the runtime shares one plan
        self._c = compiled
        self._finder = compiled.finder
        self._tag_end = compiled.tag_end
        self._window = min(max_tag_bytes, compiled.window)
        self._allows = allows
        self._verdicts: dict[str, bool] = {}
        self._mode = mode
        self._max = max_tag_bytes
        self._consent_mode = consent_mode
        self._loader = loader
        self._encoding = encoding
        self._base = base_url
        self._base_set = False
        #: What a <base href> is resolved against (the fallback base URL, HTML §2.4.1).
        self._fallbacks: tuple[str | None, ...] = (base_url,)
        #: Every document base a reader of the document may use from here on (the
        #: fallbacks first, then each <base href> on a vendor's host): see _take_base.
        self._bases: tuple[str | None, ...] = (base_url,)
        #: Past _MAX_BASES: a vendor answering for every base-relative URL (fail closed).
        self._base_lost: Vendor | None = None
        # a base on a vendor's host (a fallback base too: srcdoc): no tag skips the matching
        self._base_registry = self._base_vendor(base_url) is not None
        self._placeholder = placeholder
        # after_body: bytes emitted after the first data-state <body> start tag (or at
        # close), over this rewriter's output: privmw.tags._inject (the consent banner).
        self._inject = BodyInjector(after_body, max_hold=max_tag_bytes) if after_body else None
        self._depth = depth
        self._state = DATA
        self._tail = b""
        self._held = bytearray()
        self._held_tag = b""  # start tag of held content (HOLD)
        self._held_kind = 0
        self._holdscan: TagScan | None = None  # where a held tag (TAGHOLD) is read to
        self._tagscan: TagScan | None = None
        #: An unsure ``<![CDATA[`` cut by the chunk end: (its first ">" or -1,
        #: how far it was scanned), both from its "<" (``_dual_cdata`` resumes there).
        self._dual: tuple[int, int] | None = None
        self._rawend: RawEnd | None = None
        self._after_skip = DATA
        self._fstack: list[tuple[bytes, int, bool]] = []
        self._xml = xml
        #: XML: the namespace prefixes in scope (what ``<h:script>``, ``q:href`` are)
        self._xns = Namespaces() if xml else None
        #: XML: the general entities of the internal subset, expanded (None: unknown)
        self._xml_entities: dict[str, str | None] = {}
        self._xml_root = False  # XML: the root element has started (the prolog is over)
        self._xml_spent = 0  # characters of entity expansion read (at most _EXPANSION_MAX)
        self._dt_try = 0
        #: called with (lower-case name, tag bytes) for every start tag read (tests, harnesses)
        self._observer = observer
        self._unsure = False
        #: whether the form element pointer is certainly null: every HTML <form> and
        #: </form> tag is read here (the fast grammar stops at them); a <template>
        #: anywhere in the input (a token or not) makes a </form> no proof
        self._form_null = True
        self._template = False
        self._template_tail = b""
        #: the document's first bytes until they decide ``_no_quirks`` (None: not yet)
        self._start = b""
        self._no_quirks: bool | None = None
        self._in_select = False
        self._in_frameset = False
        self._align: list[bytes] = []
        self._align_re: re.Pattern[bytes] | None = None
        self.neutralised = self.removed = self.reported = self.kept = self.overflowed = 0
        self.escaped = 0
        self.injected = False
        #: work counter: regex/scan calls and bytes handed to Python decisions
        self.steps = 0
        self._memo = compiled.memo if observer is None and not xml else None
        #: while a decision is recorded: the verdicts it consults, in order
        self._rec: list[tuple[str, bool]] | None = None
        self._taint = False  # the recorded decision did something a replay cannot
        #: the memo context (``_memo_ctx``), None when one of its fields moved
        self._mctx: tuple[Any, ...] | None = None
        #: the fast grammar for the data state (``_pick_fast``), None when to be picked
        self._sel: tuple[Callable[[bytes, int, int], int] | None, bool] | None = None

    @property
    def held_bytes(self) -> int:
        """Bytes held back right now (bounded by about ``max_tag_bytes``)."""
        return len(self._held) + len(self._tail)

    @property
    def changed(self) -> bool:
        return bool(
            self.neutralised or self.removed or self.injected or self.escaped or self.overflowed
        )

    # -- consent --------------------------------------------------------------

    def _allowed(self, vendor: Vendor) -> bool:
        return self._allowed_cat(vendor.category)

    def _allowed_cat(self, category: str) -> bool:
        verdict = self._verdicts.get(category)
        if verdict is None:
            try:
                verdict = bool(self._allows(category))
            except Exception:
                verdict = False
            self._verdicts[category] = verdict
        rec = self._rec
        if rec is not None:
            rec.append((category, verdict))
        return verdict

    # -- the decision memo ------------------------------------------------------------
    #
    # A decision at a stop (a start tag; a held script, style or import map) is
    # a function of the construct's bytes, of the context in the key below and
    # of the verdicts it consults. The first time, it is taken by the code
    # below and *recorded*: the verdicts consulted in order, the bytes it
    # emitted, the counters it moved and the state it left. Next time (in this
    # response or another one of the plan), the recorded verdicts are asked
    # again in the same order (so each is asked exactly as the decision would
    # ask it) and, when all agree, the record is replayed. A decision that
    # touches anything else (the document base, the consent-mode snippet, the
    # foreign-content stack, a nested srcdoc document, the placeholder
    # callback) is never recorded: it is taken anew each time.

    def _memo_ctx(self) -> tuple[Any, ...]:
        ctx = self._mctx
        if ctx is not None:
            return ctx
        ctx = self._mctx = (
            self._mode,
            self._max,
            self._encoding,
            self._bases,
            self._base_lost is not None,
            self._base_set,
            self._depth,
            self._placeholder is None,
            self._consent_mode is not None,
            tuple(self._align),
            self._in_select,
            self._in_frameset,
        )
        return ctx

    def _memo_ok(self) -> bool:
        return self._memo is not None and not self._fstack and not self._unsure

    def _replay(self, variants: list[_Variant], out: list[bytes]) -> _Variant | None:
        for variant in variants:
            reqs, output, deltas, after, _repeat = variant
            verdicts = self._verdicts
            for category, verdict in reqs:
                known = verdicts.get(category)
                if (known if known is not None else self._allowed_cat(category)) is not verdict:
                    break
            else:
                if output:
                    out.append(output)
                if deltas is not None:
                    self._add_counts(deltas)
                if after is not None:
                    state, rawend, held_tag, held_kind, align, in_select, in_frameset = after
                    self._state = state
                    if rawend is not None:
                        self._rawend = _ForeignScriptEnd() if rawend is True else RawEnd(rawend)
                    if state == HOLD:
                        self._held_tag = held_tag
                        self._held_kind = held_kind
                    if self._held:
                        self._held = bytearray()
                    if align is not None:
                        self._align = list(align)
                        self._set_align()
                    self._in_select = in_select
                    self._in_frameset = in_frameset
                    self._mctx = None
                return variant
        return None

    def _record(
        self,
        key: tuple[Any, ...],
        variants: list[_Variant] | None,
        out: list[bytes],
        decide: Callable[[], int],
        tag: bytes | None = None,
    ) -> int:
        """Take a decision with ``decide`` and record it under ``key`` if it can be replayed.

        ``tag``: the start tag decided; a stable decision on a tag the fast grammar
        does not read whole is replayed on its repetitions at once (see ``_start_tag``).
        """
        state0 = self._state
        rawend0 = self._rawend
        align0 = tuple(self._align)
        before = (
            self._bases,
            self._base_lost,
            self._base_set,
            self._base_registry,
            self._consent_mode,
            self._unsure,
            len(self._fstack),
        )
        counters0 = (
            self.neutralised,
            self.removed,
            self.reported,
            self.kept,
            self.overflowed,
            self.escaped,
        )
        mark = len(out)
        rec: list[tuple[str, bool]] = []
        self._rec = rec
        self._taint = False
        try:
            result = decide()
        finally:
            self._rec = None
        memo = self._memo
        if memo is None:
            return result
        if (
            self._taint
            or self._held
            or before
            != (
                self._bases,
                self._base_lost,
                self._base_set,
                self._base_registry,
                self._consent_mode,
                self._unsure,
                len(self._fstack),
            )
        ):
            if variants is None:  # not replayable: decide it anew each time, unrecorded
                memo.put(key, _NEVER, _key_size(key))
            return result
        state = self._state
        rawend: bytes | bool | None = None
        if self._rawend is not rawend0:
            r = self._rawend
            if r is None or r.state != 0:
                if variants is None:
                    memo.put(key, _NEVER, _key_size(key))
                return result
            rawend = True if isinstance(r, _ForeignScriptEnd) else r.name
        elif state in (RAW, DROP, HOLD):
            return result  # (never: these states always start a new reader)
        output = b"".join(out[mark:])
        counters = (
            self.neutralised,
            self.removed,
            self.reported,
            self.kept,
            self.overflowed,
            self.escaped,
        )
        deltas: tuple[int, int, int, int, int, int] | None = None
        if counters != counters0:
            deltas = (
                counters[0] - counters0[0],
                counters[1] - counters0[1],
                counters[2] - counters0[2],
                counters[3] - counters0[3],
                counters[4] - counters0[4],
                counters[5] - counters0[5],
            )
        align = tuple(self._align)
        after = None
        if (
            state != state0
            or rawend is not None
            or align != align0
            or self._in_select != key[-1][-2]
            or self._in_frameset != key[-1][-1]
            or state0 != DATA
        ):
            after = (
                state,
                rawend,
                self._held_tag,
                self._held_kind,
                align if align != align0 else None,
                self._in_select,
                self._in_frameset,
            )
        repeat = False
        if after is None and tag is not None:
            fast = self._c.fast
            repeat = bool(self._align) or fast is None or fast(tag, 0, len(tag)) != len(tag)
        variant: _Variant = (tuple(rec), output, deltas, after, repeat)
        if variants is None:
            memo.put(key, [variant], _key_size(key) + 2 * len(output) + 64)
        elif variants is not _NEVER and len(variants) < _MEMO_VARIANTS:
            variants.append(variant)
        return result

    def _preamble(self, vendor: Vendor, allowed: bool) -> bytes:
        if (
            self._consent_mode is not None
            and vendor.name in _GOOGLE
            and self._mode != "report-only"
            and (allowed or self._mode == "neutralise")
        ):
            snippet = self._consent_mode
            self._consent_mode = None
            self._mctx = None
            self.injected = True
            return snippet
        return b""

    # -- output with raw-view alignment ----------------------------------------

    def _emit_construct(self, out: list[bytes], seg: bytes, closer_at0: bytes = b"") -> None:
        """Emit markup that is not data-state text, escaping divergent raw-view closers."""
        pat = self._align_re
        if pat is None or not seg:
            out.append(seg)
            return
        self.steps += len(seg)
        pieces: list[bytes] = []
        last = 0
        for m in pat.finditer(seg):
            if m.start() == 0 and closer_at0 and m.group(1).lower() == closer_at0:
                continue
            pieces.append(seg[last : m.start()])
            pieces.append(b"&lt;")
            last = m.start() + 1
            self.escaped += 1
        if not pieces:
            out.append(seg)
            return
        pieces.append(seg[last:])
        out.append(b"".join(pieces))

    def _add_align(self, name: bytes) -> None:
        if name not in self._align:  # one constraint per name (at most 8 names)
            self._align.append(name)
            self._set_align()

    def _set_align(self) -> None:
        self._mctx = None
        self._sel = None
        if not self._align:
            self._align_re = None
            return
        names = b"|".join(sorted(set(self._align)))
        self._align_re = re.compile(rb"</((?i:" + names + rb"))[\t\n\f\r />]")

    # -- context ----------------------------------------------------------------

    def _html_rules(self, lname: bytes) -> bool:
        """Whether a start tag is processed by the HTML rules (§13.2.6 dispatcher)."""
        if self._xml:
            return False
        st = self._fstack
        if not st:
            return True
        kind = st[-1][1]
        if kind in (_F_HTML, _F_HTML_IP):
            return True
        if kind == _F_MATH_TEXT_IP:
            return lname not in (b"mglyph", b"malignmark")
        return False

    def _foreign_now(self) -> bool:
        """Whether the adjusted current node is a foreign element (CDATA allowed)."""
        if self._xml:
            return True
        st = self._fstack
        return bool(st) and st[-1][1] != _F_HTML

    def _start_context(self, lname: bytes, tag: bytes, selfclosing: bool) -> tuple[bool, bool]:
        """Update the tree context for a start tag; (read as HTML, read as foreign)."""
        if self._xml:
            return True, True  # XHTML: HTML elements, but every element is markup
        html = self._html_rules(lname)
        st = self._fstack
        if not html and (lname in _BREAKOUT or (lname == b"font" and _font_breakout(tag))):
            while st and st[-1][1] == _F_FOREIGN:
                st.pop()
            html = self._html_rules(lname)
        if len(st) >= _MAX_DEPTH:  # deeper than we track: read both ways from here on
            self._unsure = True
            st.clear()
        if self._unsure:
            if lname in (b"svg", b"math") or (lname in _BREAKOUT):
                pass
            return True, True
        if html:
            if lname in (b"svg", b"math"):
                if not selfclosing:
                    st.append((lname, _F_FOREIGN, lname == b"math"))
                return False, True
            if st and lname in _NOT_INSERTED:
                return True, False  # ignored or merged into the open element
            if st and (lname in _MODE_START or (lname not in _VOID or lname == b"hr")):
                self._html_start(lname)  # (<hr> closes a <p>)
                if self._unsure:
                    st.clear()
                    return True, True
            if st and lname not in _VOID:  # (HTML ignores the self-closing flag)
                st.append((lname, _F_HTML, False))
            return True, self._unsure
        # foreign element: the namespace of the adjusted current node
        if not selfclosing:
            ns_math = st[-1][2] if st else False
            kind = _F_FOREIGN
            if lname in _SVG_IP and not ns_math:
                kind = _F_HTML_IP
            elif lname in _MATH_TEXT_IP and ns_math:
                kind = _F_MATH_TEXT_IP
            elif lname == b"annotation-xml" and ns_math and _html_encoding(tag):
                kind = _F_HTML_IP
            st.append((lname, kind, ns_math))
        return self._unsure, True

    def _end_context(self, lname: bytes) -> None:
        st = self._fstack
        if self._xml or not st:
            return
        if self._unsure:  # read both ways from now on: the stack no longer decides
            st.clear()
            return
        kind = st[-1][1]
        if kind == _F_HTML:
            # HTML rules: an exact match of the current node is certain; other end
            # tags where the elements open above the integration point are simple
            if st[-1][0] == lname:
                st.pop()
                return
            if self._html_end(lname):
                return
            self._unsure = True
            st.clear()
            return
        if lname in (b"br", b"p"):
            while st and st[-1][1] == _F_FOREIGN:
                st.pop()
            return
        seen = True  # every foreign element down to an HTML one was compared
        for i in range(len(st) - 1, -1, -1):
            if st[i][1] == _F_HTML:
                break
            if i < len(st) - 16:  # the 16 innermost
                seen = False
                break
            if st[i][0] == lname:
                del st[i:]
                return
        if seen and _boundary(st[-1]) and lname not in _END_UNKNOWN:
            # in-body rules with an integration point as the current node: it
            # is special and bounds every scope, so the end tag is ignored
            return
        self._unsure = True  # HTML rules with ancestors we do not track
        st.clear()

    def _region(self) -> int:
        """Start of the HTML elements open above the innermost integration point, or -1.

        -1 when the model does not read them exactly: one of them is complex
        (``_COMPLEX``) or they are more than 16.
        """
        st = self._fstack
        i = len(st)
        self.steps += 1
        while i > 0 and st[i - 1][1] == _F_HTML:
            i -= 1
            self.steps += 1
            if len(st) - i > 16 or st[i][0] in _COMPLEX:
                return -1
        return i if i > 0 and _boundary(st[i - 1]) else -1

    def _pop_to(self, i: int) -> None:
        """Pop the elements from ``i`` up; unsure if a formatting element is among them."""
        st = self._fstack
        for e in st[i + 1 :]:
            if e[0] in _FORMATTING:
                self._unsure = True  # reopened later by the formatting elements list
                return
        del st[i:]

    def _find(
        self, base: int, names: frozenset[bytes], stop: frozenset[bytes] = frozenset()
    ) -> int:
        """The innermost element of ``names`` open from ``base`` up (in scope), or -1."""
        st = self._fstack
        for i in range(len(st) - 1, base - 1, -1):
            name = st[i][0]
            if name in names:
                return i
            if name in stop:
                return -1
        return -1

    def _html_start(self, lname: bytes) -> None:
        """Pops of an HTML start tag above an integration point (in body, §13.2.6.4.7)."""
        if lname in _MODE_START:
            # ignored in body; in a table mode they close the table's content
            # first, which stays above the integration point only in a table of its own
            st = self._fstack
            if lname == b"frameset" or st[-1][1] != _F_HTML or st[-1][0] not in _TABLE_PARTS:
                self._unsure = True
            return
        base = self._region()
        if base < 0:
            return  # not read exactly: pushed as it is (end tags then need an exact match)
        st = self._fstack
        if lname in (b"a", b"nobr"):
            if self._find(base, frozenset((lname,))) >= 0:
                self._unsure = True  # the adoption agency algorithm
            return
        if lname not in _CLOSES_P:
            return
        if (lname == b"form" and not self._form_null) or (
            lname == b"table" and not self._no_quirks
        ):
            # a <form> is ignored when the form element pointer is set (another
            # "<form" came first), a <table> closes a <p> unless in quirks mode
            if self._find(base, frozenset((b"p",))) >= 0:
                self._unsure = True
            return
        if lname in (b"li", b"dd", b"dt"):
            names = frozenset((b"li",)) if lname == b"li" else frozenset((b"dd", b"dt"))
            for i in range(len(st) - 1, base - 1, -1):
                name = st[i][0]
                if name in names:
                    self._pop_to(i)
                    break
                if name in _SPECIAL and name not in (b"address", b"div", b"p"):
                    break
            if self._unsure:
                return
        i = self._find(base, frozenset((b"p",)))  # button scope (no button is open here)
        if i >= 0:
            self._pop_to(i)
        if lname in _HEADINGS and st and st[-1][0] in _HEADINGS and not self._unsure:
            st.pop()

    def _html_end(self, lname: bytes) -> bool:
        """An HTML end tag above an integration point read exactly; False: unsure."""
        if lname in _END_UNKNOWN:
            return False
        base = self._region()
        if base < 0:
            return False
        st = self._fstack
        if lname == b"p" or lname in _SCOPED_END or lname == b"li" or lname in _HEADINGS:
            names = _HEADINGS if lname in _HEADINGS else frozenset((lname,))
            stop = frozenset((b"ol", b"ul")) if lname == b"li" else frozenset()
            i = self._find(base, names, stop)
            if i >= 0:  # else not in scope: ignored (a </p> opens and closes a <p>)
                self._pop_to(i)
            return not self._unsure
        if lname in _FORMATTING:
            # the current node is not it (see _end_context); an open one: the
            # adoption agency algorithm; none open here: out of scope, ignored
            return self._find(base, frozenset((lname,))) < 0
        for i in range(len(st) - 1, base - 1, -1):  # any other end tag
            name = st[i][0]
            if name == lname:
                self._pop_to(i)
                return not self._unsure
            if name in _SPECIAL:
                return True  # ignored
        # the integration point is special: ignored, unless a parser matches its
        # name whatever the namespace (html5lib does)
        return st[base - 1][0] != lname

    # -- feed ---------------------------------------------------------------------

    def feed(self, chunk: bytes) -> bytes:
        out = self._feed(chunk)
        return out if self._inject is None else self._inject.feed(out)

    def _feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        if not self._template:
            # (with a "<template" cut by the chunk end: from a "<" in its last 8 bytes)
            data = self._template_tail + chunk if self._template_tail else chunk
            self.steps += len(data)
            self._template = _TEMPLATE_TAG.search(data) is not None
            lt = data.rfind(b"<", max(0, len(data) - 8))
            self._template_tail = data[lt:] if lt >= 0 else b""
        if self._no_quirks is None:
            # decided by the first ">" or 64 bytes, in any chunking
            head = self._start = self._start + chunk[:64]
            if b">" in head or len(head) >= 64:
                self._no_quirks = _NO_QUIRKS.match(head) is not None
        state = self._state
        if state == TAGHOLD:
            held = self._held
            held += chunk
            nh = len(held)
            if nh <= self._max:
                if chunk.find(b">") < 0:
                    # a tag ends at a ">": without one in the new bytes it goes on
                    self.steps += len(chunk) + 1
                    return b""
                if not self._held_tag_ended():
                    return b""
            buf = self._try_held(out, final=False)
            if buf is None:
                return b"".join(out)
        elif state == SKIPTAG:
            buf = bytes(chunk)
            assert self._tagscan is not None
            scan = self._tagscan
            scan.pos = 0
            before = scan.steps
            e = scan.advance(buf, len(buf))
            self.steps += scan.steps - before
            if e < 0:
                return b""
            buf = buf[e:]
            self._state = self._after_skip
            self._tagscan = None
        else:
            buf = self._tail + chunk if self._tail else bytes(chunk)
            self._tail = b""
        self._run(buf, 0, out, final=False)
        return b"".join(out)

    def close(self) -> bytes:
        out: list[bytes] = []
        if self._state == TAGHOLD:
            buf = self._try_held(out, final=True)
            if buf is not None:
                self._run(buf, 0, out, final=True)
        elif self._state != SKIPTAG:
            buf, self._tail = self._tail, b""
            self._run(buf, 0, out, final=True)
        if self._state == HOLD:
            self._decide_held(out, complete=True)
        self._state = DATA
        if self.neutralised and self._loader is not None:
            out.append(self._loader)
            self._loader = None
        if self._inject is not None:
            self.injected = True
            return self._inject.feed(b"".join(out)) + self._inject.close()
        return b"".join(out)

    def _held_tag_ended(self) -> bool:
        """Whether the held tag (TAGHOLD) has ended, read on by a resumable scan.

        The scan keeps its state across chunks, so each held byte is read once
        whatever the chunking (re-matching the held bytes at every chunk costs
        the tag's length a chunk); the ended tag is then read once more, whole.
        """
        held = self._held
        scan = self._holdscan
        if scan is None:
            scan = self._holdscan = TagScan(2 if held[1] == 0x2F else 1)
        before = scan.steps
        e = scan.advance(held, len(held))
        self.steps += scan.steps - before + 1
        return e >= 0

    def _try_held(self, out: list[bytes], final: bool) -> bytes | None:
        """A held tag: the whole buffer to go on with (the tag ended, overflowed or EOF)."""
        buf = bytes(self._held)
        self._held = bytearray()
        self._holdscan = None
        self._state = DATA
        return buf

    # -- the main loop --------------------------------------------------------------

    def _pick_fast(self) -> tuple[Callable[[bytes, int, int], int] | None, bool]:
        """The fast grammar for the data state now, and whether it reads <noscript> content.

        Cached in ``_sel``; whatever moves the context it depends on (the
        foreign stack, ``_unsure``, the aligned closers, a registry base)
        resets that to None.
        """
        if self._unsure or self._base_registry or self._observer is not None:
            return None, False  # observed: every tag is read in Python
        c = self._c
        st = self._fstack
        if self._align:
            if not st and self._align == [b"noscript"]:
                return c.fast_noscript, True
            return None, False
        if self._xml:
            # XML: every element may be SVG (<image href> fetches): the foreign grammar,
            # which leaves open tags and end tags (the namespace scopes) to Python; and
            # none before the root element (the prolog's DOCTYPE is read in Python)
            return (c.fast_foreign if self._xml_root else None), False
        if not st:
            return c.fast, False
        if st[-1][1] == _F_FOREIGN and not self._xml:
            return c.fast_foreign, False
        return None, False

    def _run(self, buf: bytes, pos: int, out: list[bytes], final: bool) -> None:
        n = len(buf)
        window = self._window
        while pos < n:
            state = self._state
            if state == DATA:
                if pos + 1 == n and not final and buf[pos] == 0x3C:
                    self._tail = buf[pos:]  # a lone "<" cut by the end of the chunk
                    return
                sel = self._sel
                if sel is None:
                    sel = self._sel = self._pick_fast()
                fast, aligned = sel
                if fast is not None:
                    # at most max_tag_bytes a call: a longer tag is never accepted
                    # whole, so Python sees (and drops) it, in any chunking
                    end = pos + window
                    q = fast(buf, pos, n if end > n else end)
                else:
                    q = buf.find(b"<", pos)
                    if q < 0:
                        q = n
                self.steps += q - pos + 1
                if q > pos:
                    if aligned:
                        # every "</noscript" in there is inside a construct
                        seg, k = _NOSCRIPT_CLOSER.subn(b"&lt;/", buf[pos:q])
                        self.steps += q - pos
                        self.escaped += k
                        out.append(seg)
                    else:
                        out.append(buf[pos:q])
                    pos = q
                if pos >= n:
                    return
                if buf[pos] != 0x3C:  # the window ended inside text: read on
                    continue
                if not final:
                    # the common cuts by the end of the chunk, as _construct and
                    # _hold_tail would take them: a lone "<", a start tag (it ends at a ">")
                    if pos + 1 == n:
                        self._tail = buf[pos:]
                        return
                    if (
                        buf[pos + 1] in _LETTERS
                        and buf.find(b">", pos + 2) < 0
                        and n - pos <= self._max
                    ):
                        self.steps += n - pos
                        self._state = TAGHOLD
                        self._held = bytearray(buf[pos:])
                        self._holdscan = None
                        return
                r = self._construct(buf, pos, out, final)
                if r < 0:
                    self._hold_tail(buf, pos, final, out)
                    return
                pos = r
            elif state in (COMMENT, BOGUS, CDATA):
                pos = self._stream_until(buf, pos, out, final)
            elif state in (RAW, DROP, HOLD):
                pos = self._raw(buf, pos, out, final)
                if pos < 0:
                    return
            elif state == SKIPTAG:
                assert self._tagscan is not None
                before = self._tagscan.steps
                e = self._tagscan.advance(buf, n)
                self.steps += self._tagscan.steps - before
                if e < 0:
                    return
                pos = e
                self._state = self._after_skip
                self._tagscan = None
            else:  # pragma: no cover
                raise AssertionError(state)

    def _hold_tail(self, buf: bytes, pos: int, final: bool, out: list[bytes]) -> None:
        """The construct at ``pos`` does not end in ``buf``."""
        rest = len(buf) - pos
        if final:
            # an unterminated tag or markup declaration at EOF loads nothing
            self._emit_construct(out, buf[pos:])
            return
        if buf[pos + 1 : pos + 2].isalpha() or (
            buf[pos + 1 : pos + 2] == b"/" and buf[pos + 2 : pos + 3].isalpha()
        ):
            if rest > self._max:
                self._overflow_tag(buf, pos, out)
                return
            self._state = TAGHOLD
            self._held = bytearray(buf[pos:])
            self._holdscan = None
            return
        self._tail = buf[pos:]  # "<", "<!-", "</": a few bytes

    def _overflow_tag(self, buf: bytes, pos: int, out: list[bytes]) -> None:
        """A tag longer than ``max_tag_bytes`` that does not end in ``buf``: drop it."""
        self.overflowed += 1
        if self._xns is not None:  # a tag we cannot read: its bindings are unknown
            self._xns.unsure = True
        scan = TagScan(pos + 1)
        e = scan.advance(buf, len(buf))
        self.steps += scan.steps
        m = NAME_AT.match(buf, pos)
        name = m.group(1).lower() if m else b""
        after = self._dropped_tag(name, buf[pos : pos + 2] == b"</")
        if e >= 0:
            self._state = after
            self._run(buf, e, out, final=False)
            return
        self._tagscan = scan
        self._after_skip = after
        self._state = SKIPTAG

    def _dropped_tag(self, lname: bytes, end_tag: bool) -> int:
        """After dropping an oversize tag: DROP for a raw-text element's content, else DATA."""
        if end_tag:
            return DATA
        if (
            self._html_rules(lname)
            and not self._unsure
            and (lname in _RAW_HTML or lname == b"script")
        ):
            self._rawend = RawEnd(lname)
            return DROP
        return DATA

    # -- one construct at "<" -------------------------------------------------------

    def _construct(self, buf: bytes, pos: int, out: list[bytes], final: bool) -> int:
        """Handle the construct at ``buf[pos] == '<'``; new position, or -1 if cut."""
        n = len(buf)
        if pos + 1 >= n:
            if final:
                out.append(b"<")
                return n
            return -1
        c1 = buf[pos + 1]
        if c1 == 0x21:  # "!"
            if buf.startswith(b"<!--", pos):
                e = comment_end(buf, pos, n)
                self.steps += (e if e >= 0 else n) - pos
                if e >= 0:
                    self._emit_construct(out, buf[pos:e])
                    return e
                if n - pos < 6 and not final:
                    return -1
                self._state = COMMENT
                return self._stream_until(buf, pos, out, final, opened=True)
            if (
                n - pos < 9
                and not final
                and (
                    b"<![CDATA["[: n - pos] == buf[pos:]
                    or b"<!--"[: n - pos] == buf[pos:]
                    or (self._xml and b"<!DOCTYPE"[: n - pos] == buf[pos:].upper())
                )
            ):
                return -1
            if self._xml and _xml.doctype_start(buf, pos):
                return self._xml_doctype(buf, pos, out, final)
            if buf.startswith(b"<![CDATA[", pos) and (self._foreign_now() or self._unsure):
                if self._unsure and not self._foreign_now():
                    return self._dual_cdata(buf, pos, out, final)
                self._state = CDATA
                return self._stream_until(buf, pos, out, final, opened=True)
            self._state = BOGUS
            return self._stream_until(buf, pos, out, final, opened=True)
        if c1 == 0x3F:  # "?"
            self._state = BOGUS
            return self._stream_until(buf, pos, out, final, opened=True)
        if c1 == 0x2F:  # "/"
            if pos + 2 >= n:
                if final:
                    out.append(buf[pos:])
                    return n
                return -1
            c2 = buf[pos + 2]
            if c2 == 0x3E:
                out.append(b"</>")
                return pos + 3
            if not (0x41 <= c2 <= 0x5A or 0x61 <= c2 <= 0x7A):
                self._state = BOGUS
                return self._stream_until(buf, pos, out, final, opened=True)
            if buf.find(b">", pos + 3) < 0:  # a tag ends at a ">"
                self.steps += n - pos
                return -1
            e = self._tag_end(buf, pos, n)
            self.steps += (n if e < 0 else e) - pos
            if e < 0:
                return -1
            return self._end_tag(buf, pos, e, NAME_AT.match(buf, pos).group(1), out)  # type: ignore[union-attr]
        if 0x41 <= c1 <= 0x5A or 0x61 <= c1 <= 0x7A:
            gt = buf.find(b">", pos + 2)
            if gt < 0:  # a tag ends at a ">"
                self.steps += n - pos
                return -1
            if (
                (c1 == 0x66 or c1 == 0x46)
                and not self._fstack
                and not self._unsure
                and _FORM_START.match(buf, pos) is not None
            ):
                self._form_null = False  # (a replayed decision does not read it)
            memo = self._memo
            if memo is not None and not self._fstack and not self._unsure:
                # A recorded tag is a whole tag and where a tag ends depends on its
                # own bytes only: a recorded tag up to the first ">" is this tag.
                tag = buf[pos : gt + 1]
                variants = memo.get((tag, self._mctx or self._memo_ctx()))
                if variants is not None:
                    r = self._replay_tag(buf, pos, gt + 1, tag, variants, out, final)
                    if r >= 0:
                        return r
            e = self._tag_end(buf, pos, n)
            self.steps += (n if e < 0 else e) - pos
            if e < 0:
                return -1
            return self._start_tag(buf, pos, e, out, final)
        if c1 == 0x3C:  # "<<<": all but the last "<" are text (and never rescanned)
            q = _LT_RUN.match(buf, pos, n).end()  # type: ignore[union-attr]
            self.steps += q - pos
            out.append(buf[pos : q - 1])
            return q - 1
        out.append(b"<")
        return pos + 1

    def _stream_until(
        self, buf: bytes, pos: int, out: list[bytes], final: bool, opened: bool = False
    ) -> int:
        """Stream a comment, bogus comment or CDATA section from ``pos``."""
        n = len(buf)
        state = self._state
        self.steps += 1
        if state == COMMENT:
            if opened:
                e = comment_end(buf, pos, n)
            else:
                m = re.compile(rb"--!?>").search(buf, pos, n)
                e = -1 if m is None else m.end()
            keep = 3
        elif state == CDATA:
            f = buf.find(b"]]>", pos + (9 if opened else 0))
            e = -1 if f < 0 else f + 3
            keep = 2
        else:
            f = buf.find(b">", pos + (2 if opened else 0))
            e = -1 if f < 0 else f + 1
            keep = 0
        self.steps += (e if e >= 0 else n) - pos
        if e >= 0:
            self._emit_construct(out, buf[pos:e])
            self._state = DATA
            return e
        if final:
            self._emit_construct(out, buf[pos:])
            self._state = DATA
            return n
        if self._align_re is not None:
            keep = max(keep, RAW_TAIL)
        cut = max(pos + (4 if state == COMMENT and opened else 0), n - keep)
        if cut < pos:
            cut = pos
        self._emit_construct(out, buf[pos:cut])
        self._tail = buf[cut:]
        return n

    def _dual_cdata(self, buf: bytes, pos: int, out: list[bytes], final: bool) -> int:
        """``<![CDATA[`` when unsure: kept if both readings end at the same ``>``, else dropped."""
        n = len(buf)
        # Cut by a chunk end before, it is read on from where that scan
        # stopped, not again from its "<" (each chunk re-read it: quadratic up
        # to max_tag_bytes, about 900 steps a byte in 64-byte chunks).
        gt_at, seen = self._dual if self._dual is not None else (-1, 9)
        self._dual = None
        if gt_at >= 0:
            gt = pos + gt_at
        else:
            gt = buf.find(b">", pos + seen)
            self.steps += (n if gt < 0 else gt) - pos - seen
        start = pos + max(9, seen - 2)  # a "]]>" may straddle the old end
        cd = buf.find(b"]]>", start)
        self.steps += (n if cd < 0 else cd) - start
        if cd < 0 and gt >= 0:
            # the HTML reading ended (a bogus comment) and goes on as markup; the
            # foreign one is CDATA to a "]]>" or the end
            if final:  # to the end: inert there, so the rest is read as HTML
                self.escaped += 1
                return gt + 1
            if n - pos > self._max:  # no "]]>" yet: dropped to where both end
                self.overflowed += 1
                self.escaped += 1
                self._rawend = _CdataEnd()
                self._state = DROP
                return self._raw(buf, gt + 1, out, final)
            self._dual = (gt - pos, n - pos)
            return -1
        if cd < 0 or gt < 0:
            if final:
                self._emit_construct(out, buf[pos:])
                return n
            if n - pos > self._max:
                # Neither end within the bound: dropped to where both readings
                # have ended (the "]]>"; a ">" comes no later). Streamed as the
                # HTML reading's bogus comment it left a "]]>" in the output,
                # after which the SVG reading went on live where the HTML one
                # was, say, in an attribute value (a tracker <img> leaked).
                self.overflowed += 1
                self.escaped += 1
                self._rawend = _CdataEnd()
                self._state = DROP
                return self._raw(buf, pos + 9, out, final)
            self._dual = (-1, n - pos)
            return -1
        if gt == cd + 2:
            self._emit_construct(out, buf[pos : gt + 1])
            return gt + 1
        self.escaped += 1
        return max(gt + 1, cd + 3)

    # -- raw text -------------------------------------------------------------------

    def _raw(self, buf: bytes, pos: int, out: list[bytes], final: bool) -> int:
        rawend = self._rawend
        assert rawend is not None
        n = len(buf)
        e = rawend.find(buf, pos, n, final)
        self.steps += rawend.steps
        rawend.steps = 0
        state = self._state
        if e < 0:
            safe = rawend.safe if not final else n
            if state == RAW:
                self._emit_construct(out, buf[pos:safe])
            elif state == HOLD:
                self._held += buf[pos:safe]
                if len(self._held) > self._max:
                    self._decide_held(out, complete=False)
            # DROP: discard
            self._tail = buf[safe:]
            return -1
        if state == RAW:
            self._emit_construct(out, buf[pos:e])
            self._state = DATA
            return e
        if state == HOLD:
            self._held += buf[pos:e]
            self._decide_held(out, complete=len(self._held) <= self._max)
            if self._state == DROP:
                return self._raw(buf, e, out, final)
            return e
        if isinstance(rawend, _CdataEnd):  # a dual CDATA section: to its "]]>"
            self._state = DATA
            return e + 3
        # DROP: discard the content and the end tag
        te = self._tag_end(buf, e, n)
        self.steps += (n if te < 0 else te) - e
        if te < 0:
            if final:
                self._state = DATA
                return n
            self._skip_end_tag(buf, e)
            return -1
        if self._xns is not None:  # the dropped element's end tag closes it
            m = NAME_AT.match(buf, e, te)
            self._xns.end(m.group(1) if m is not None else b"")
        self._state = DATA
        return te

    def _skip_end_tag(self, buf: bytes, e: int) -> None:
        """The end tag of a dropped element at ``e`` is cut by the chunk end: skip it.

        Read on by a resumable scan (SKIPTAG), each byte once: keeping it in
        ``_tail`` would read it again from its ``<`` at every chunk. Nothing
        of it is emitted, so nothing is held, whatever its length.
        """
        scan = TagScan(e + 2)
        scan.advance(buf, len(buf))
        self.steps += scan.steps
        self._tagscan = scan
        self._after_skip = DATA
        self._state = SKIPTAG

    # -- tags -------------------------------------------------------------------------

    def _end_tag(self, buf: bytes, pos: int, end: int, name: bytes, out: list[bytes]) -> int:
        tag = buf[pos:end]
        if len(tag) > self._max:
            self.overflowed += 1
            return end
        lname = name.lower()
        if self._align and lname in self._align:
            self._align = [a for a in self._align if a != lname]
            self._emit_construct(out, tag, closer_at0=lname)
            self._set_align()
        else:
            self._emit_construct(out, tag)
        if lname == b"select":
            self._in_select = False
            self._mctx = None
        elif (
            lname == b"form"
            and not self._fstack
            and not self._unsure
            and not (self._template or self._in_select or self._in_frameset)
        ):
            self._form_null = True  # in body (or a table mode): the pointer is null after it
        if self._xns is not None:
            self._xns.end(name)
        self._end_context(lname)
        self._sel = None
        return end

    def _start_tag(self, buf: bytes, pos: int, end: int, out: list[bytes], final: bool) -> int:
        name = NAME_AT.match(buf, pos).group(1)  # type: ignore[union-attr]
        if not self._memo_ok():
            return self._start_tag_now(buf, pos, end, name, out)
        tag = buf[pos:end]
        key = (tag, self._memo_ctx())
        variants = self._memo.get(key)  # type: ignore[union-attr]
        if variants is not None:
            if variants is _NEVER:
                return self._start_tag_now(buf, pos, end, name, out)
            r = self._replay_tag(buf, pos, end, tag, variants, out, final)
            if r >= 0:
                return r
        return self._record(
            key, variants, out, lambda: self._start_tag_now(buf, pos, end, name, out), tag
        )

    def _add_counts(self, deltas: tuple[int, int, int, int, int, int]) -> None:
        """Add a replayed decision's counts: neutralised, removed, reported, kept, ..."""
        self.neutralised += deltas[0]
        self.removed += deltas[1]
        self.reported += deltas[2]
        self.kept += deltas[3]
        self.overflowed += deltas[4]
        self.escaped += deltas[5]

    def _replay_tag(
        self,
        buf: bytes,
        pos: int,
        end: int,
        tag: bytes,
        variants: list[_Variant],
        out: list[bytes],
        final: bool,
    ) -> int:
        """Replay a recorded start tag ``buf[pos:end]``; the new position, or -1 (no variant)."""
        self.steps += end - pos + 1
        done = self._replay(variants, out)
        if done is None:
            return -1
        if done[3] is None and done[4]:
            # the same tag again at once, in the same context: the same decision
            # (a tag's end depends on its own bytes only)
            size = end - pos
            output, deltas = done[1], done[2]
            while buf.startswith(tag, end):
                self.steps += size
                if output:
                    out.append(output)
                if deltas is not None:
                    self._add_counts(deltas)
                end += size
            n = len(buf)
            rest = n - end
            if (
                not final
                and 1 < rest < size
                and rest <= self._max
                and tag.startswith(buf[end:])
                and self._state == DATA
            ):
                # the same tag again, cut by the end of the chunk: no proper prefix
                # of a whole tag is a whole tag, so it is held as _run would hold it
                self.steps += rest
                self._state = TAGHOLD
                self._held = bytearray(buf[end:])
                self._holdscan = None
                return n
        return end

    def _start_tag_now(self, buf: bytes, pos: int, end: int, name: bytes, out: list[bytes]) -> int:
        tag = buf[pos:end]
        lname = name.lower()
        selfclosing = tag.endswith(b"/>")
        if self._observer is not None:
            self._observer(lname, tag)
        if len(tag) > self._max:
            self.overflowed += 1
            if self._xns is not None:
                self._xns.unsure = True
            self._state = self._dropped_tag(lname, False)
            return end
        as_html, as_foreign = self._start_context(lname, tag, selfclosing)
        if lname == b"form" and as_html:
            self._form_null = False  # set, or ignored because it was set
        self._sel = None
        kname = lname  # what element it is (XML: by its namespace, whatever its prefix)
        if self._xml_entities and b"&" in tag and not self._xml_budget(tag):
            return end
        if self._xns is not None:
            self._xml_root = True
            kname = self._xns.start(
                name, tag, self._raw_attrs(tag, len(name) + 1), selfclosing, self._attr_text
            )
        elem = (
            "img" if lname == b"image" and as_html and not as_foreign else kname.decode("latin-1")
        )
        if as_html and not as_foreign:
            # insertion modes that ignore raw-text start tags (the tokenizer stays
            # in the data state there): read those elements both ways
            if lname == b"select":
                # A <select> in a select closes it, but a <table> (in a table) can
                # close it first, unseen: stay in the both-ways reading (fail
                # closed) until a </select>, <input>, <keygen> or <textarea>.
                self._in_select = True
                self._mctx = None
            elif lname in (b"input", b"keygen", b"textarea"):
                self._in_select = False
                self._mctx = None
            elif lname == b"frameset":
                self._in_frameset = True
                self._mctx = None
        dual = as_html and (as_foreign or self._in_select or self._in_frameset)
        raw_html = as_html and not as_foreign  # certainly HTML rules
        # -- script ---------------------------------------------------------------
        if kname == b"script":
            if as_foreign and selfclosing and (self._xml or not as_html):  # <script/>: no text
                self._gate_tag(tag, elem, lname, out, as_html, as_foreign)
                return end
            return self._script(tag, end, out, as_html, as_foreign or self._in_frameset)
        if kname == b"style" and (raw_html or as_foreign):
            if dual or as_foreign:  # held to the first "</style": plain text or dropped
                # (an SVG <style> is a style sheet too)
                self._hold_text(tag, end, out, b"style", 6)
                return end
            return self._hold_text(tag, end, out, b"style", 2)
        emitted = self._gate_tag(tag, elem, lname, out, as_html, as_foreign)
        if emitted is None:  # removed (and its content if raw text)
            if raw_html and lname in _RAW_HTML:
                self._rawend = RawEnd(lname)
                self._state = DROP
            return end
        if as_html and lname == b"noscript":
            self._add_align(b"noscript")
        elif dual and lname in _RAW_HTML:  # both readings: markup, closers aligned
            self._add_align(lname)
        elif raw_html and lname in _RAW_HTML:
            self._rawend = RawEnd(lname)
            self._state = RAW
        return end

    def _emit_tag(self, out: list[bytes], data: bytes) -> None:
        self._emit_construct(out, data)

    def _script_type(self, attrs: list[tuple[str, bytes, int, int]]) -> str:
        type_ = None
        language = None
        for a, v, _s, _e in attrs:
            # compared as the browser reads them: character references decoded
            if a == "type":
                type_ = self._attr_text(v.decode("latin-1")).strip().lower()
            elif a == "language":
                language = self._attr_text(v.decode("latin-1")).strip().lower()
        if type_ is None:
            if language:
                return "text/" + language
            return ""
        return type_.split(";", 1)[0].strip()

    def _script(
        self, tag: bytes, end: int, out: list[bytes], as_html: bool, as_foreign: bool
    ) -> int:
        attrs = self._attrs(tag, 8) if len(tag) > 8 else []
        type_ = self._script_type(attrs)
        js = type_ in _JS_TYPES
        kind = 1 if js else (3 if type_ in _JSON_FETCH else 0)
        has_src = any(
            a == "src" or (as_foreign and a in ("href", "xlink:href")) for a, _v, _s, _e in attrs
        )
        if as_foreign:
            # SVG script (or unsure): held to the first "</script"; plain text or dropped
            self._held_tag = tag
            self._held = bytearray()
            self._held_kind = 4 if (js or kind) else 5
            self._rawend = _ForeignScriptEnd(_qname(tag) if self._xml else b"script")
            self._state = HOLD
            return end
        if kind and not has_src:
            return self._hold_text(tag, end, out, b"script", kind)
        emitted = self._gate_tag(tag, "script", b"script", out, True, False)
        self._rawend = RawEnd(b"script")
        self._state = DROP if emitted is None else RAW
        return end

    def _hold_text(self, tag: bytes, end: int, out: list[bytes], name: bytes, kind: int) -> int:
        self._held_tag = tag
        self._held = bytearray()
        self._held_kind = kind  # 1 js, 2 css, 3 json fetch, 4 foreign script, 5 foreign data
        # XML: no raw text; the element ends at its own end tag, prefix and all
        self._rawend = _ForeignScriptEnd(_qname(tag)) if self._xml else RawEnd(name)
        self._state = HOLD
        return end

    def _decide_held(self, out: list[bytes], complete: bool) -> None:
        """Decide a held inline script / style / import map, emit it, set the next state.

        ``complete``: the closer was found (next: DATA at it); else the text
        passed ``max_tag_bytes`` and the rest streams (RAW) or is dropped.
        """
        if not self._memo_ok() or len(self._held) + len(self._held_tag) > _MEMO_ITEM:
            self._decide_held_now(out, complete)
            return
        key = (
            self._held_tag,
            bytes(self._held),
            self._held_kind,
            complete,
            self._memo_ctx(),
        )
        variants = self._memo.get(key)  # type: ignore[union-attr]
        self.steps += len(key[0]) + len(key[1]) + 1
        if variants is _NEVER:
            self._decide_held_now(out, complete)
            return
        if variants is not None and self._replay(variants, out) is not None:
            return

        def decide() -> int:
            self._decide_held_now(out, complete)
            return 0

        self._record(key, variants, out, decide)

    def _decide_held_now(self, out: list[bytes], complete: bool) -> None:
        tag = self._held_tag
        text = bytes(self._held)
        self._held = bytearray()
        kind = self._held_kind
        # what is decided on: the first max_tag_bytes, whatever the chunking
        seen = text if complete else text[: self._max]
        self.steps += 4 * len(seen) + 1  # decoded, then searched for hosts and signatures
        lname = b"style" if kind in (2, 6) else b"script"
        elem = lname.decode()
        foreign = kind >= 4  # read both ways: plain text in every reading, or dropped
        plain = seen.replace(b"<![CDATA[", b"").replace(b"]]>", b"") if foreign else seen
        if self._xml_entities and b"&" in seen and not self._xml_budget(seen):
            return  # XML: more entity expansion than we read; the rest is dropped
        if foreign and (not complete or _INERT.search(plain)):
            # markup inside a script whose reading we cannot pin: drop it whole
            self.escaped += 1
            if not complete:
                self.overflowed += 1
            self._rawend = self._held_end(tag, kind == 6)
            self._state = DROP
            return
        decoded = seen.decode(self._encoding, "replace")
        if foreign and "&" in decoded:
            xml_text = "\n" + self._attr_text(decoded) if self._xml_entities else ""
            decoded = decoded + "\n" + _stdhtml.unescape(decoded) + xml_text
        vendors: list[Vendor] = []
        if kind in (2, 6):
            for b in self._bases:
                v = self._finder.css(decoded, b)
                if v is not None and v not in vendors:
                    vendors.append(v)
        elif kind != 5:
            vendors = self._finder.code_all_cached(decoded)
        for _a, v in self._hits(tag, elem, lname, True, foreign, None):
            if v not in vendors:
                vendors.insert(0, v)
        blocked = None
        pre = b""
        for v in vendors:
            allowed = self._allowed(v)
            if not pre and lname == b"script":
                pre = self._preamble(v, allowed)
            if not allowed and blocked is None:
                blocked = v
        if not complete:
            self.overflowed += 1
        nxt = DATA if complete else RAW
        if foreign:
            nxt = DATA
        if blocked is None and complete:
            if vendors:
                self.kept += 1
            self._emit_tag(out, pre + tag)
            self._emit_construct(out, text)
            self._state = nxt
            return
        if self._mode == "report-only":
            self.reported += 1
            self._emit_tag(out, tag)
            self._emit_construct(out, text)
            self._state = nxt
            return
        if self._mode == "remove":
            self.removed += 1
            out.append(pre)
            if complete:
                self._rawend = RawEnd(lname) if not foreign else self._held_end(tag, kind == 6)
            self._state = DROP
            return
        self.neutralised += 1
        attrs = self._attrs(tag, 1 + len(lname))
        written = _qname(tag) if self._xml else lname  # XML: <h:script> stays <h:script
        self._emit_tag(out, pre + self._neutral(tag, elem, written, attrs, blocked, set(), True))
        if lname == b"style":
            # Chromium's preload scanner fetches "@import" even in a
            # type="text/plain" style block: make the rule unknown (the
            # activation script writes it back)
            text = _IMPORT.sub(b"@privmw-import", text)
        self._emit_construct(out, text)
        self._state = nxt

    def _tag_vendor(
        self, tag: bytes, elem: str, lname: bytes, as_html: bool, as_foreign: bool
    ) -> Vendor | None:
        hits = self._hits(tag, elem, lname, as_html, as_foreign, _attrs(tag, 1 + len(lname)))
        for _a, v in hits:
            if not self._allowed(v):
                return v
        return hits[0][1] if hits else None

    def _hits(
        self,
        tag: bytes,
        elem: str,
        lname: bytes,
        as_html: bool,
        as_foreign: bool,
        attrs: list[tuple[str, bytes, int, int]] | None,
    ) -> list[tuple[str, Vendor]]:
        """(attribute, vendor) for every gated attribute naming a registry URL (cached)."""
        bases = self._bases
        # XML: names read with the document's own prefixes, not for a shared cache
        xml = self._xml
        key = (tag, elem, as_html, as_foreign, bases, self._encoding)
        cache = self._c.tag_cache
        lost = self._base_lost
        hit = cache.get(key) if lost is None and not xml else None
        if hit is not None:
            return hit
        if attrs is None:
            attrs = self._attrs(tag, 1 + len(lname))
        # a URL is the vendor's if it is under any candidate base
        found = self._hits_uncached(elem, as_html, as_foreign, attrs, bases[0])
        for base in bases[1:]:
            for pair in self._hits_uncached(elem, as_html, as_foreign, attrs, base):
                if pair not in found:
                    found.append(pair)
        if lost is not None:
            return found or self._lost_hits(elem, as_html, as_foreign, attrs, lost)
        if xml:
            return found
        return cache.put(key, found, len(tag) + sum(len(b or "") for b in bases))

    def _lost_hits(
        self,
        elem: str,
        as_html: bool,
        as_foreign: bool,
        attrs: list[tuple[str, bytes, int, int]],
        lost: Vendor,
    ) -> list[tuple[str, Vendor]]:
        """Past ``_MAX_BASES`` candidate bases: every base-relative fetching URL is ``lost``'s."""
        gated = _fetch.gated_attributes(elem, as_html, as_foreign)
        out: list[tuple[str, Vendor]] = []
        for a, raw, _s, _e in attrs:
            if a in gated and a != "srcdoc" and raw.strip():
                value = self._attr_text(raw.decode(self._encoding, "replace"))
                if resolve_url(value, None) is None:
                    out.append((a, lost))
        return out

    def _hits_uncached(
        self,
        elem: str,
        as_html: bool,
        as_foreign: bool,
        attrs: list[tuple[str, bytes, int, int]],
        base: str | None,
    ) -> list[tuple[str, Vendor]]:
        gated = _fetch.gated_attributes(elem, as_html, as_foreign)
        finder = self._finder
        hits: list[tuple[str, Vendor]] = []
        enc = self._encoding
        http_equiv = None
        for a, v, _s, _e in attrs:
            if a == "http-equiv":
                http_equiv = self._attr_text(v.decode("latin-1")).strip().lower()
        for a, raw, _s, _e in attrs:
            handler = a.startswith("on")
            if a not in gated and not handler and not (as_foreign and b"url(" in raw.lower()):
                continue
            value = self._attr_text(raw.decode(enc, "replace"))
            vendor: Vendor | None
            if handler:
                vendor = finder.code(value)
            elif a == "style" or (as_foreign and a not in gated):
                vendor = finder.css(value, base)
            elif a in _fetch.SRCSET:
                vendor = finder.srcset(value, base)
            elif a in _fetch.URL_LISTS:
                vendor = finder.url_list(value, base)
            elif a == "content":
                if elem != "meta" or http_equiv != "refresh":
                    continue
                url = refresh_url(value)
                vendor = finder.url(url, base) if url else None
            elif a == "srcdoc":
                vendor = None
                continue  # rewritten, see _srcdoc
            elif a == "ping":
                vendor = None
                for url in value.split():
                    vendor = finder.url(url, base)
                    if vendor is not None:
                        break
            else:
                vendor = finder.url(value, base)
            if vendor is not None:
                hits.append((a, vendor))
        return hits

    def _gate_tag(
        self,
        tag: bytes,
        elem: str,
        lname: bytes,
        out: list[bytes],
        as_html: bool,
        as_foreign: bool,
    ) -> bytes | None:
        """Decide and emit an ordinary start tag. Returns what was emitted, None if removed."""
        c = self._c
        self.steps += len(tag)
        # every script reaches the matcher (third-party observation); others on a hint,
        # every tag once the base is a vendor's host (a relative URL names no host)
        hint = (
            elem == "script"
            or self._base_registry
            or c.hint.search(tag) is not None
            or (bool(self._xml_entities) and b"&" in tag)  # XML: an entity may name a host
        )
        has_srcdoc = elem == "iframe" and b"srcdoc" in tag.lower()
        if not hint and not has_srcdoc:
            self._emit_tag(out, tag)
            return tag
        hits = self._hits(tag, elem, lname, as_html, as_foreign, None)
        if not hits and not has_srcdoc and elem != "base":
            self._emit_tag(out, tag)
            return tag
        attrs = self._attrs(tag, 1 + len(lname))
        if elem == "base":
            href = next((v for a, v, _s, _e in attrs if a == "href"), None)
            if href is not None:
                blocked_base = hits and not all(self._allowed(v) for _a, v in hits)
                if not blocked_base:
                    late = self._base_blocker(href)
                    if late is not None:
                        hits = [*hits, ("href", late)]
                    self._take_base(href)
        srcdoc_out = None
        if has_srcdoc:
            srcdoc_out = self._srcdoc(attrs)
        if not hits and srcdoc_out is None:
            self._emit_tag(out, tag)
            return tag
        blocked = None
        for _a, v in hits:
            if not self._allowed(v):
                blocked = v
                break
        if blocked is None:
            if hits:
                self.kept += 1
                if elem == "script":
                    pre = self._preamble(hits[0][1], True)
                    if pre:
                        out.append(pre)
            if srcdoc_out is not None and self._mode != "report-only":
                data = self._rebuild(tag, lname, attrs, {}, srcdoc_out)
                self._emit_tag(out, data)
                return data
            self._emit_tag(out, tag)
            return tag
        if self._mode == "report-only":
            self.reported += 1
            self._emit_tag(out, tag)
            return tag
        hit_attrs = {a for a, _v in hits}
        fetcher = elem in _fetch.ELEMENT_FETCHERS
        pre = self._preamble(blocked, False) if elem == "script" else b""
        if pre:
            out.append(pre)
        if self._mode == "remove":
            self.removed += 1
            if fetcher:
                return None
            data = self._rebuild(tag, lname, attrs, dict.fromkeys(hit_attrs), srcdoc_out)
            self._emit_tag(out, data)
            return data
        if lname == b"iframe" and self._placeholder is not None:
            pairs = [(a, v.decode(self._encoding, "replace")) for a, v, _s, _e in attrs]
            self._taint = True  # the callback's answer is not ours to replay
            custom = self._placeholder(blocked, elem, pairs)
            if custom is not None:
                self.neutralised += 1
                out.append(custom)
                return None  # the iframe element (content, end tag) is dropped
        self.neutralised += 1
        data = self._neutral(tag, elem, lname, attrs, blocked, hit_attrs, fetcher)
        self._emit_tag(out, data)
        return data

    def _base_blocker(self, href: bytes) -> Vendor | None:
        """The non-consented vendor whose host a ``<base href>`` makes the document base, or None.

        Such a base is neutralised (its ``href`` renamed), not only taken as a
        candidate: a base changes the URL of what came *before* it too (an
        ``<img>`` is a relevant mutation of a base URL change and is fetched
        again, HTML §4.8.4.3.8), and that output has gone out already.
        """
        value = self._attr_text(href.decode(self._encoding, "replace"))
        for fallback in self._fallbacks:
            base = resolve(value, fallback)
            hp = host_path(base) if base is not None else None
            if hp is None:
                continue
            for vendor in self._finder.host_vendors(hp.partition("/")[0]):
                if not self._allowed(vendor):
                    return vendor
        return None

    def _take_base(self, href: bytes) -> None:
        """A ``<base href>``: one more document base a reader of the page may use.

        The browser's document base is the first ``<base href>`` of the tree:
        not one in ``<template>`` contents, not one in ``<noscript>`` (raw
        text with scripting on) and not an SVG or MathML ``<base>``; but
        Chromium's preload scanner takes a ``<base>`` in ``<svg>``/``<math>``,
        a browser with scripting off one in ``<noscript>``, and the fast
        grammar does not see ``<template>``. So no ``<base>`` is final: each
        one on a vendor's host is kept as a candidate next to the fallback
        base, and a URL is a vendor's if it is under any of them (fail
        closed). A base on no vendor's host adds nothing (its relative URLs
        name no vendor; an absolute or scheme-relative URL names the same host
        whatever the base). HTML §4.2.3, §2.4.1 (fallback base URL).
        """
        value = self._attr_text(href.decode(self._encoding, "replace"))
        self._base_set = True
        self._mctx = None
        for fallback in self._fallbacks:
            base = resolve(value, fallback)
            if base is None or base in self._bases:
                continue
            vendor = self._base_vendor(base)
            if vendor is None:
                continue
            self._base_registry = True
            self._sel = None
            if len(self._bases) >= _MAX_BASES:
                if self._base_lost is None:
                    self._base_lost = vendor
                continue
            self._bases += (base,)
            self._base = base

    def _adopt_bases(self, bases: tuple[str | None, ...], lost: Vendor | None) -> None:
        """A ``srcdoc`` document: its fallback base is the parent's document base, any candidate.

        HTML §2.4.1 (fallback base URL of an ``about:srcdoc`` document).
        """
        self._fallbacks = self._bases = bases
        self._base = bases[-1]
        self._base_lost = lost
        self._base_registry = lost is not None or any(
            self._base_vendor(b) is not None for b in bases
        )
        self._mctx = None
        self._sel = None

    def _base_vendor(self, base: str | None) -> Vendor | None:
        """A vendor that relative URLs may name with ``base`` as the document base, or None.

        A base on the host of any registry vendor (one known by host and path
        such as ``facebook.com/tr`` included) or one the matcher claims (an
        unknown third party, strict mode): ``tr?id=1`` carries no host, so no
        hint, and must be resolved and matched.
        """
        if base is None:
            return None
        hp = host_path(base)
        if hp is not None:
            vendor = self._finder.host_vendor(hp.partition("/")[0])
            if vendor is not None:
                return vendor
        return self._finder.match_url(base, None)

    def _srcdoc(self, attrs: list[tuple[str, bytes, int, int]]) -> bytes | None:
        """The rewritten ``srcdoc`` value, or None when unchanged."""
        raw = next((v for a, v, _s, _e in attrs if a == "srcdoc"), None)
        if raw is None:
            return None
        self._taint = True  # a nested document asks its own verdicts
        doc = attr_unescape(raw.decode(self._encoding, "replace"))
        data = doc.encode("utf-8")
        if self._depth >= 3:
            hint = self._c.hint.search(data) or (self._base_registry and b"<" in data)
            return b"" if self._finder.code(doc) or hint else None
        nested = HtmlRewriter(
            self._c,
            self._allows,
            mode=self._mode,
            max_tag_bytes=self._max,
            base_url=self._base,
            depth=self._depth + 1,
            placeholder=None,
        )
        nested._adopt_bases(self._bases, self._base_lost)
        rewritten = nested.feed(data) + nested.close()
        self.neutralised += nested.neutralised
        self.removed += nested.removed
        self.reported += nested.reported
        self.kept += nested.kept
        self.overflowed += nested.overflowed
        if rewritten == data:
            return None
        return rewritten

    def _rebuild(
        self,
        tag: bytes,
        lname: bytes,
        attrs: list[tuple[str, bytes, int, int]],
        drop: dict[str, None],
        srcdoc: bytes | None,
    ) -> bytes:
        parts = [tag[: 1 + len(lname)]]
        for a, _v, s, e in attrs:
            if a in drop:
                continue
            parts.append(b" ")
            if a == "srcdoc" and srcdoc is not None:
                parts.append(
                    b'srcdoc="' + srcdoc.replace(b"&", b"&amp;").replace(b'"', b"&quot;") + b'"'
                )
                continue
            parts.append(tag[s:e])
        parts.append(b" />" if tag.endswith(b"/>") else b">")
        return b"".join(parts)

    def _neutral(
        self,
        tag: bytes,
        elem: str,
        lname: bytes,
        attrs: list[tuple[str, bytes, int, int]],
        vendor: Vendor | None,
        hit_attrs: set[str],
        fetcher: bool,
    ) -> bytes:
        if self._xml:  # attribute names read with the document's prefixes: not shared
            return neutral(tag, elem, lname, attrs, vendor, hit_attrs, fetcher)
        cache = self._c.neutral_cache
        key = (tag, f"{elem} {fetcher:d} {vendor.name if vendor else ''}", frozenset(hit_attrs))
        hit = cache.get(key)
        if hit is None:
            hit = cache.put(
                key, neutral(tag, elem, lname, attrs, vendor, hit_attrs, fetcher), 2 * len(tag)
            )
        return hit

    def _attrs(self, tag: bytes, start: int) -> list[tuple[str, bytes, int, int]]:
        if self._xns is not None:
            # XML: after the name as written (prefix and all), prefixed names resolved
            m = NAME_AT.match(tag)
            start = m.end() if m is not None else start
        hit = self._raw_attrs(tag, start)
        return hit if self._xns is None else self._xns.rename(tag, hit)

    def _raw_attrs(self, tag: bytes, start: int) -> list[tuple[str, bytes, int, int]]:
        cache = self._c.attr_cache
        hit = cache.get(tag)
        if hit is None:
            hit = cache.put(tag, _attrs(tag, start), len(tag))
        return hit

    def _attr_text(self, value: str) -> str:
        """An attribute value as the document's parser decodes it."""
        if self._xml:  # XML: references need ";", entities of the internal subset
            return _xml.expand(value, self._xml_entities)
        return attr_unescape(value)

    def _xml_doctype(self, buf: bytes, pos: int, out: list[bytes], final: bool) -> int:
        """An XML ``<!DOCTYPE``: its entities read, literals naming a blocked vendor blanked.

        The internal subset is read whole (at most ``_DOCTYPE_MAX`` bytes); one
        longer, or cut by the end of the body, drops the rest of the document
        (fail closed: its entities and attribute defaults are unknown).
        """
        n = len(buf)
        if not final and n - pos < self._dt_try:
            return -1  # re-read only once it has grown by a quarter (linear in total)
        self.steps += n - pos
        dt = _xml.read_doctype(buf, pos, min(n, pos + _DOCTYPE_MAX + 1))
        if dt is None:
            if not final and n - pos <= _DOCTYPE_MAX:
                self._dt_try = (n - pos) * 5 // 4
                return -1
            # (the same in any chunking: read only within _DOCTYPE_MAX bytes)
            self.overflowed += 1
            self._rawend = _NeverEnd()
            self._state = DROP
            return n
        self._dt_try = 0
        entities = self._xml_entities = _xml.expand_all(dt.entities)
        enc = self._encoding
        blank: list[tuple[int, int]] = []
        for s, e in dt.literals:
            raw = buf[s:e].decode(enc, "replace")
            if not self._xml_budget(buf[s:e]):
                return n
            if s in dt.parameter and ("<!ENTITY" in raw or "<!ATTLIST" in raw):
                # declarations made by a parameter entity: not expanded here
                blank.append((s, e))
            elif self._literal_blocked(_xml.expand(raw, entities)):
                blank.append((s, e))
        if not blank or self._mode == "report-only":
            self.reported += len(blank)
            self._emit_construct(out, buf[pos : dt.end])
            return dt.end
        self.neutralised += len(blank)
        pieces = []
        last = pos
        for s, e in blank:
            pieces.append(buf[last:s])
            last = e
        pieces.append(buf[last : dt.end])
        self._emit_construct(out, b"".join(pieces))
        return dt.end

    def _xml_budget(self, data: bytes) -> bool:
        """Count the entity expansion ``data`` costs; past the bound, drop the rest (False)."""
        self._xml_spent += _xml.expanded_size(data.decode("latin-1"), self._xml_entities)
        if self._xml_spent <= _EXPANSION_MAX:
            return True
        self.overflowed += 1
        self._rawend = _NeverEnd()
        self._state = DROP
        return False

    def _literal_blocked(self, text: str) -> bool:
        """Whether a DTD literal, expanded, names a vendor the visitor has not allowed."""
        if not text.strip():
            return False
        from ._probe import document_vendors  # (the probe is a rewriter)

        finder = self._finder
        vendors = list(finder.code_all_cached(text))
        for v in (finder.url(text.strip(), self._base), finder.css(text, self._base)):
            if v is not None:
                vendors.append(v)
        if "<" in text and self._depth < 3:
            vendors.extend(document_vendors(self._c, text, True, self._depth + 1))
        elif "<" in text:
            return True
        return any(not self._allowed(v) for v in vendors)

    def _held_end(self, tag: bytes, style: bool) -> RawEnd:
        """Where a held foreign script or style (dropped now) ends."""
        if self._xml:
            return _ForeignScriptEnd(_qname(tag))
        return RawEnd(b"style") if style else _ForeignScriptEnd()


def _font_breakout(tag: bytes) -> bool:
    """Whether a ``<font>`` start tag leaves foreign content (§13.2.6.5).

    Only an attribute *named* ``color``, ``face`` or ``size`` (as the tokenizer
    reads names: lower-cased, whole) does; not ``colorx``, nor " color" in a value.
    """
    return any(a in ("color", "face", "size") for a, _v, _s, _e in _attrs(tag, 5))


def _html_encoding(tag: bytes) -> bool:
    """Whether an ``<annotation-xml>`` start tag makes an HTML integration point.

    Its ``encoding`` attribute (the first one, character references decoded) is
    ``text/html`` or ``application/xhtml+xml``, ASCII case-insensitively (§13.2.6.5).
    """
    for a, v, _s, _e in _attrs(tag, 15):
        if a == "encoding":
            value = attr_unescape(v.decode("latin-1"))
            return value.lower() in ("text/html", "application/xhtml+xml") and value.isascii()
    return False


def _boundary(entry: tuple[bytes, int, bool]) -> bool:
    """Whether a foreign-stack entry is an integration point (special, bounds scopes)."""
    return entry[1] in (_F_HTML_IP, _F_MATH_TEXT_IP) or (entry[2] and entry[0] == b"annotation-xml")


def _key_size(key: tuple[Any, ...]) -> int:
    return sum(len(k) for k in key if isinstance(k, bytes)) + 64


class _ForeignScriptEnd(RawEnd):
    """The first ``</script`` + delimiter, any reading."""

    def __init__(self, name: bytes = b"script") -> None:
        super().__init__(b"xmp")
        self.name = b"script"
        # XML: the end tag of the element as written (``</h:script``)
        self._end = _FS_END if name == b"script" else _xml_end(name)

    def find(self, buf: bytes, pos: int, end: int, final: bool) -> int:
        m = self._end.search(buf, pos, end)
        self.steps += (end if m is None else m.end()) - pos
        if m is not None:
            return m.start()
        self.safe = end if final else max(pos, end - 10)
        return -1


_FS_END = re.compile(rb"</(?i:script)[\t\n\f\r />]")


class _NeverEnd(RawEnd):
    """No end: what follows is dropped to the end of the body."""

    def __init__(self) -> None:
        super().__init__(b"xmp")

    def find(self, buf: bytes, pos: int, end: int, final: bool) -> int:
        self.steps += 1
        self.safe = end
        return -1


def _xml_end(name: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</(?i:" + re.escape(name) + rb")[\t\n\f\r />]")


def _qname(tag: bytes) -> bytes:
    """The name of a start tag as written, lower-cased (XML: with its prefix)."""
    m = NAME_AT.match(tag)
    return m.group(1).lower() if m is not None else b""


class _CdataEnd(RawEnd):
    """The ``]]>`` that ends a CDATA section read both ways (see ``_dual_cdata``)."""

    def __init__(self) -> None:
        super().__init__(b"xmp")
        self.name = b"]]>"

    def find(self, buf: bytes, pos: int, end: int, final: bool) -> int:
        e = buf.find(b"]]>", pos, end)
        self.steps += (end if e < 0 else e + 3) - pos
        if e >= 0:
            return e
        self.safe = end if final else max(pos, end - 2)
        return -1
