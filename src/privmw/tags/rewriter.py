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

from collections.abc import Callable

from privmw._cache import BoundedCache
from privmw.trackers import TrackerRegistry, Vendor

from ._grammar import (
    _COMMENT_END,
    _CONSTRUCT,
    _END,
    _GATED,
    _MAX_PREFIX,
    _NON_ASCII,
    _TAB_NL,
    _TAG_REST,
    _data_cut,
    attrs,
    compile_scanners,
)
from ._neutralise import Attrs, neutral
from .gate import MODES

__all__: list[str] = []


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
_GOOGLE = frozenset({"google-analytics", "google-tag-manager", "google-ads"})

_DATA, _RAW, _COMMENT, _HOLD, _DROP = range(5)


_PASS, _INLINE, _VENDOR = range(3)
_Analysis = tuple[int, Vendor | None]


class RewritePlan:
    """What one registry needs to rewrite pages, compiled once and shared by its rewriters.

    The tag runtime builds one per middleware (one registry); every cache is
    owned here, bounded in entries and bytes, and keyed by tag bytes (pages
    repeat the same tracker tags on every request), never by visitor data.
    """

    __slots__ = (
        "_analyses",
        "_attrs",
        "_neutral",
        "dot_tld",
        "entity_hint",
        "hint",
        "inline_vendors",
        "match_url",
        "raw_scan",
        "registry",
        "scan",
    )

    def __init__(self, registry: TrackerRegistry) -> None:
        self.registry = registry
        self.match_url = registry.match_url
        self.inline_vendors = registry.inline_vendors
        self.hint = registry.url_hint
        self.scan, self.raw_scan, self.dot_tld, self.entity_hint = compile_scanners(
            registry.url_tlds
        )
        self._analyses: BoundedCache[bytes, _Analysis] = BoundedCache(
            1024, max_bytes=1 << 20, max_item=4096
        )
        self._attrs: BoundedCache[bytes, Attrs] = BoundedCache(
            1024, max_bytes=1 << 20, max_item=4096
        )
        self._neutral: BoundedCache[tuple[bytes, str], bytes] = BoundedCache(
            1024, max_bytes=1 << 20, max_item=4096
        )

    def __repr__(self) -> str:
        return f"RewritePlan({self.registry!r})"

    def cache_info(self) -> dict[str, object]:
        return {
            "analyses": self._analyses.cache_info(),
            "attrs": self._attrs.cache_info(),
            "neutral": self._neutral.cache_info(),
        }

    def attrs(self, tag: bytes, start: int) -> Attrs:
        hit = self._attrs.get(tag)
        if hit is None:
            hit = self._attrs.put(tag, attrs(tag, start), len(tag))
        return hit

    def neutral(self, tag: bytes, name: bytes, vendor: Vendor) -> bytes:
        """``tag`` made inert for ``vendor`` (cached per tag bytes and vendor name)."""
        key = (tag, vendor.name)
        hit = self._neutral.get(key)
        if hit is None:
            hit = self._neutral.put(
                key, neutral(tag, name, vendor, self.attrs(tag, 1 + len(name))), len(tag)
            )
        return hit

    def analysis(self, tag: bytes) -> _Analysis | None:
        return self._analyses.get(tag)

    def remember(self, tag: bytes, found: _Analysis) -> _Analysis:
        return self._analyses.put(tag, found, len(tag))


class HtmlRewriter:
    """Gate third-party tags in one HTML document, fed in chunks.

    Args:
        plan: the compiled :class:`RewritePlan` of the registry (a registry
            is accepted too, for tests and tools, and compiled on the spot).
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
        "_plan",
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
        plan: RewritePlan | TrackerRegistry,
        allows: Callable[[str], bool],
        *,
        mode: str = "neutralise",
        max_tag_bytes: int = 65536,
        consent_mode: bytes | None = None,
        loader: bytes | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"HtmlRewriter: mode must be one of {MODES}, got {mode!r}")
        if isinstance(plan, TrackerRegistry):
            plan = RewritePlan(plan)  # tests and tools; the runtime shares one plan
        self._plan = plan
        self._match_url = plan.match_url
        self._inline_vendors = plan.inline_vendors
        self._hint = plan.hint
        self._scan, self._raw_scan = plan.scan, plan.raw_scan
        self._dot_tld, self._entity_hint = plan.dot_tld, plan.entity_hint
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
        attrs = self._plan.attrs(tag, 1 + len(name))
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
        plan = self._plan
        found = plan.analysis(tag)
        if found is None:
            found = plan.remember(tag, self._analyse(tag, name))
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
        return pre + self._plan.neutral(tag, name, vendor), raw_next, name

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
        return pre + self._plan.neutral(held[:tag_end], b"script", blocked) + held[tag_end:], _RAW

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
