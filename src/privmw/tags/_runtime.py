"""The tag runtime: what a :class:`TagGate` needs per request, built once per middleware.

It owns the compiled :class:`~privmw.tags.rewriter.RewritePlan` of the
middleware's one registry, the consent-aware CSP builder, the activation
script, the Consent Mode snippets and the page cache. Per response it answers
with data: whether a response is HTML it rewrites, the header values to add
(CSP, ``Permissions-Policy``) and a sans-io body transform (``feed``/``close``).
The one send wrapper (:mod:`privmw._responder`) applies them.
"""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
from collections.abc import Callable, Generator, Iterable
from importlib import resources
from typing import TYPE_CHECKING

from privmw._cache import BoundedCache
from privmw._headers import Headers, Response, find, not_allowed, request_origin
from privmw._stats import Counters
from privmw._types import Message, Scope
from privmw.context import GOOGLE_CONSENT_TYPES, google_consent_mode
from privmw.csp import ContentSecurityPolicy, PolicyBuilder, app_nonce, merge_permissions_policy
from privmw.trackers import TrackerRegistry, Vendor

from ._encoding import (
    TRANSCODE,
    BombError,
    Inflater,
    Transcoder,
    bom,
    can_inflate,
    codec,
    extract_mime,
    is_xml,
    label,
    parse_content_type,
    prescan,
    sniffs_as_html,
)
from ._link import gate_fields
from ._thirdparty import STRICT_HINT, STRICT_TLDS, ThirdParty, Verdicts
from .gate import TagGate
from .rewriter import HtmlRewriter, RewritePlan

if TYPE_CHECKING:
    from privmw.consent._banner import Injection

__all__: list[str] = []

_PAGE_CACHE_BODY_MAX = 128 * 1024
#: A ``<base`` start tag anywhere in the output (a comment too: then the loader
#: is absolute for nothing, which costs nothing).
_BASE_TAG = re.compile(rb"<[bB][aA][sS][eE][\t\n\f\r />]")
_Result = tuple[bytes, bool, dict[str, int], tuple[str, ...]]


def activation_script(reload: bool = False) -> bytes:
    """The activation script's source (vanilla JS, no third-party assets)."""
    source = resources.files("privmw.tags").joinpath("static/privmw.js").read_text("utf-8")
    source = source.replace("/*RELOAD*/false", "true" if reload else "false")
    source = source.replace("/*GCM*/{}", json.dumps(GOOGLE_CONSENT_TYPES, sort_keys=True))
    return source.encode("utf-8")


#: The essences of documents privmw reads (HTML and the XML types browsers run scripts in).
_READ_TYPES = frozenset(
    {b"text/html", b"application/xhtml+xml", b"image/svg+xml", b"application/xml", b"text/xml"}
)
_MIME_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+")


def rewritable(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a response with these headers may be a document privmw reads.

    ``text/html``, the XML document types a browser runs scripts in, and a
    response without ``Content-Type`` (sniffed at its first bytes); any
    content coding and charset (see :mod:`privmw.tags._encoding` for what is
    decoded, transcoded or refused).
    """
    value: bytes | None = None
    fields = 0
    for name, raw in headers:
        if name == b"content-type" or (name[:1] in b"Cc" and name.lower() == b"content-type"):
            value = raw
            fields += 1
    if fields == 1 and b"," not in value:  # type: ignore[operator]
        # The common case, read exactly without the general algorithm: one
        # field, one item; its essence is what precedes ";" (MIME Sniffing,
        # "parse a MIME type": trimmed, lower-cased, type/subtype tokens).
        essence = value.partition(b";")[0].strip(b" \t").lower()  # type: ignore[union-attr]
        if essence in _READ_TYPES:
            return True
        if essence != b"*/*" and _MIME_TOKEN.fullmatch(essence) is not None:
            return False  # a valid type that is no document ("*/*" is none: sniffed)
    ctype = extract_mime(headers)  # several fields, a list, or junk: as Fetch reads them
    if ctype is None:
        return True
    kind, _ = parse_content_type(ctype)
    return kind == "text/html" or is_xml(kind)


#: MIME essences a browser runs as a document or a worker (and so enforces a CSP
#: and a Permissions-Policy on) besides the HTML privmw rewrites.
_DOCUMENT_TYPES = frozenset(
    {
        b"text/html",
        b"application/xhtml+xml",
        b"image/svg+xml",
        b"application/xml",
        b"text/xml",
        b"text/javascript",
        b"application/javascript",
        b"application/x-javascript",
        b"text/ecmascript",
        b"application/ecmascript",
    }
)


def document_like(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a response may become a document or a worker: it needs the document headers.

    HTML privmw cannot rewrite (compressed, UTF-16), XHTML, SVG, XML, worker
    scripts and a response without ``Content-Type`` (which browsers sniff,
    HTML included) all do: the CSP applies to them whatever their body.

    References: CSP Level 3 §4.2.1 (a policy comes with the response of a
    document or worker); WHATWG MIME Sniffing §7.1 (no ``Content-Type``).
    """
    ctype = find(headers, b"content-type")
    if ctype is None:
        return True
    essence = ctype.partition(b";")[0].strip().lower()
    return essence in _DOCUMENT_TYPES or not essence


class TagRuntime:
    """Everything a :class:`TagGate` needs per request, built once."""

    __slots__ = (
        "_documents",
        "_gcm_cache",
        "_gcm_categories",
        "_script_headers",
        "categories",
        "config",
        "csp",
        "page_cache",
        "plan",
        "registry",
        "script",
        "script_path",
        "stats",
        "third_party",
    )

    def __init__(
        self, config: TagGate, registry: TrackerRegistry, stats: Counters | None = None
    ) -> None:
        self.config = config
        #: Content-Type values already classified (document or not): app-chosen, bounded.
        self._documents: BoundedCache[bytes, bool] = BoundedCache(
            256, max_bytes=64 * 1024, max_item=512
        )
        #: The middleware's counters: each rewritten page adds its tag counts.
        self.stats = stats
        self.registry = registry
        self.plan = RewritePlan(registry)
        # Unknown third parties and vendor observation go through the plan's
        # two lookups (see _thirdparty); strict mode widens its pre-filters.
        self.third_party = ThirdParty(registry, strict=config.strict, allow=config.allow)
        self.plan.match_url = self.third_party.match_url
        self.plan.inline_vendors = self.third_party.inline_vendors
        if config.strict:
            # every dotted host is worth a look: the plan's grammar is rebuilt for it
            self.plan = RewritePlan(registry, tlds=STRICT_TLDS, hint=STRICT_HINT)
            self.plan.match_url = self.third_party.match_url
            self.plan.inline_vendors = self.third_party.inline_vendors
        # The CSP allows the selected vendors, or (none selected) every vendor
        # that needs consent: a necessary vendor's hosts only when the site says it embeds it.
        csp_vendors = [v for v in registry.vendors if v.name in registry.selected] or [
            v for v in registry.vendors if v.category != "necessary"
        ]
        csp = config.csp if isinstance(config.csp, ContentSecurityPolicy) else None
        self.csp = PolicyBuilder(csp, csp_vendors) if csp is not None else None
        self.script = activation_script(reload=config.csp is not None)
        self.script_path = config.script_path
        self._script_headers: Headers = [
            (b"content-type", b"text/javascript; charset=utf-8"),
            (b"content-length", str(len(self.script)).encode("ascii")),
            (b"cache-control", b"public, max-age=3600"),
            (b"x-content-type-options", b"nosniff"),
        ]
        self._gcm_categories = tuple(sorted(set(GOOGLE_CONSENT_TYPES.values())))
        self._gcm_cache: dict[tuple[bool, ...], bytes] = {}  # at most 2**4 consent states
        #: Every category whose verdict can change a page's output.
        self.categories = tuple(sorted(registry.categories() | set(self._gcm_categories)))
        #: Rewritten single-message pages by (body, verdicts + site); ``None`` disables it.
        self.page_cache: BoundedCache[tuple[bytes, tuple[bool | str, ...]], _Result] | None = (
            BoundedCache(
                config.page_cache,
                # a page and its rewrite, which can grow by the injected scripts
                max_bytes=config.page_cache * 3 * _PAGE_CACHE_BODY_MAX,
                max_item=3 * _PAGE_CACHE_BODY_MAX,
            )
            if config.page_cache
            else None
        )

    def __repr__(self) -> str:
        return f"TagRuntime({self.config!r})"

    def verdicts(self, allows: Callable[[str], bool]) -> tuple[bool, ...]:
        """``allows`` for every category that matters, a broken one counting as no."""
        out = []
        for category in self.categories:
            try:
                out.append(bool(allows(category)))
            except Exception:
                out.append(False)
        return tuple(out)

    # -- privmw's own route ------------------------------------------------

    def is_document(
        self, value: bytes | None, fields: int, headers: Iterable[tuple[bytes, bytes]]
    ) -> bool:
        """:func:`rewritable` for a response whose ``Content-Type`` fields were counted.

        One field: its answer is remembered (an app sends a handful of
        distinct values), so most responses decide with one dict lookup.
        """
        if fields == 1 and value is not None:
            hit = self._documents.get(value)
            if hit is None:
                hit = self._documents.put(
                    value, rewritable(((b"content-type", value),)), len(value) + 64
                )
            return hit
        return rewritable(headers)

    def script_response(self, method: str) -> Response:
        """The answer to a request for the activation script."""
        if method not in ("GET", "HEAD"):
            return not_allowed("GET, HEAD")
        return Response(200, list(self._script_headers), b"" if method == "HEAD" else self.script)

    # -- per response --------------------------------------------------------

    @property
    def adds_document_headers(self) -> bool:
        """Whether ``html_headers`` adds anything (a CSP or ``Permissions-Policy``)."""
        return self.csp is not None or self.config.permissions_policy

    def html_headers(
        self,
        allows: Callable[[str], bool],
        permissions: bytes | None,
        app_csp: bytes | None,
    ) -> tuple[Headers, str | None]:
        """Headers an HTML response gets, and the nonce for injected scripts.

        ``permissions`` is the app's ``Permissions-Policy`` (joined), replaced
        by the merged value when ``permissions_policy`` is on; ``app_csp`` is
        the app's first ``Content-Security-Policy``, whose nonce is reused.
        """
        config = self.config
        out: Headers = []
        if config.permissions_policy:
            out.append((b"permissions-policy", merge_permissions_policy(permissions)))
        elif permissions is not None:
            out.append((b"permissions-policy", permissions))
        nonce = app_nonce(app_csp) if app_csp is not None else None
        csp = self.csp
        if csp is not None:
            if nonce is None and csp.uses_nonce:
                nonce = secrets.token_urlsafe(16)
            out.append((csp.header, csp.build(allows, nonce if csp.uses_nonce else None)))
        return out, nonce

    def gate_links(
        self, fields: list[bytes], allows: Callable[[str], bool], scope: Scope
    ) -> list[bytes] | None:
        """``Link`` field values without the link-values naming a non-consented vendor.

        ``fields`` are every ``Link`` value of one message (response start,
        ``103 Early Hints``, trailers). ``None``: send them unchanged; else the
        field values to send instead (``[]``: none). In strict mode an unknown
        third party counts as a vendor nobody consented to, as in HTML.
        Report-only mode changes nothing. See :mod:`privmw.tags._link`.
        """
        if self.config.mode == "report-only":
            return None
        third = self.third_party
        verdicts = third.verdicts(allows, third.document_site(scope))
        base = _origin(scope)

        def blocked(url: str) -> bool:
            vendor = third.match_url(url, base)
            return vendor is not None and not verdicts(vendor.category)

        return gate_fields(fields, blocked)

    def consent_mode_script(self, allows: Callable[[str], bool], nonce: str | None) -> bytes:
        """``<script>`` with ``gtag('consent','default',…)`` for this visitor's state."""
        key = tuple(bool(allows(c)) for c in self._gcm_categories)
        body = self._gcm_cache.get(key)
        if body is None:
            table = dict(zip(self._gcm_categories, key, strict=True))
            state = google_consent_mode(lambda c: table.get(c, False))
            body = (
                "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
                "gtag('consent','default',"
                + json.dumps(state, separators=(",", ":"), sort_keys=True)
                + ");</script>"
            ).encode("ascii")
            self._gcm_cache[key] = body
        if nonce is not None:
            return b'<script nonce="' + nonce.encode("ascii") + b'">' + body
        return b"<script>" + body

    def loader(self, nonce: str | None, origin: str | None = None, xml: bool = False) -> bytes:
        """The activation script's ``<script>`` element.

        ``origin`` (``https://example.org``, from :func:`privmw._headers.request_origin`)
        makes its URL absolute: a relative one resolves against the page's
        ``<base href>``, which may name another host, which would then serve
        code that runs with the page. ``xml``: for an XML document, in the
        XHTML namespace (so it is a script in an SVG document or under any
        default namespace) and ``defer="defer"`` (an attribute needs a value).
        """
        src = html.escape((origin or "") + self.script_path, quote=True).encode("ascii")
        attrs = b' nonce="' + nonce.encode("ascii") + b'"' if nonce else b""
        if xml:
            return (
                b'<script xmlns="http://www.w3.org/1999/xhtml" src="'
                + src
                + b'" defer="defer"'
                + attrs
                + b"></script>"
            )
        return b'<script src="' + src + b'" defer' + attrs + b"></script>"

    def rewriter(
        self,
        allows: Callable[[str], bool],
        nonce: str | None,
        *,
        encoding: str = "utf-8",
        xml: bool = False,
        injection: Injection | None = None,
        loader: bool = True,
    ) -> HtmlRewriter:
        """A rewriter for one page (``injection``: what the consent banner adds to it).

        ``loader=False``: the caller places the activation script itself
        (:class:`PageTransform`, which knows the request's origin).
        """
        config = self.config
        placeholder = config.placeholder
        if injection is not None and injection.placeholder is not None:
            placeholder = _first(injection.placeholder, placeholder)
        return HtmlRewriter(
            self.plan,
            allows,
            mode=config.mode,
            max_tag_bytes=config.max_tag_bytes,
            consent_mode=self.consent_mode_script(allows, nonce) if config.consent_mode else None,
            loader=self.loader(nonce) if loader and config.mode == "neutralise" else None,
            encoding=encoding,
            xml=xml,
            placeholder=placeholder,
            after_body=injection.after_body if injection is not None else None,
        )

    def transform(
        self,
        allows: Callable[[str], bool],
        nonce: str | None,
        scope: Scope,
        start: Message | None = None,
        injection: Injection | None = None,
    ) -> PageTransform:
        """The sans-io body transform of one HTML response (``start``: its held start;
        ``injection``: the consent banner's)."""
        third = self.third_party
        verdicts = third.verdicts(allows, third.document_site(scope))
        return PageTransform(self, verdicts, nonce, scope, start, injection)

    def unknown_hosts(self) -> dict[str, int]:
        """Unknown third-party host → HTML responses that carried it (bounded; for ``stats()``)."""
        return self.third_party.unknown_hosts()


#: Most XML output held back for the loader's place (the output after the last "</").
_XML_HOLD = 1 << 20

_REFUSED = b"privmw: this response cannot be inspected for third-party tags, so it is not sent\n"

_log = logging.getLogger("privmw.tags")

#: A piece size larger than any body: ``whole`` and ``feed`` rewrite in one go.
_ONE_PIECE = 1 << 62


def _drain(steps: Generator[None, int | None, bytes]) -> bytes:
    """Run a piecewise rewriting (:meth:`PageTransform.steps`) to its end, without pauses."""
    try:
        while True:
            next(steps)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def _origin(scope: Scope) -> str | None:
    """``scheme://host/`` of the request (its ``Host``), the base of relative ``Link`` URLs.

    Without the path: what a relative URL resolves to on the page's own host
    is the page's own host whatever the path, and the registry's URL cache is
    not keyed by request paths.
    """
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value.decode("latin-1").strip()
            if not host or any(c in host for c in "/\\?#@ "):
                return None
            return f"{scope.get('scheme') or 'http'}://{host}/"
    return None


class PageTransform:
    """One document body through the rewriter: ``whole``, or ``feed`` then ``close``.

    ``whole`` is for a body that arrives in one message (``HTMLResponse``,
    templates): it goes through the runtime's page cache, since its output
    depends only on the bytes and the consent verdicts (no nonce involved).
    At the first body bytes it decides, per :mod:`privmw.tags._encoding`,
    what the browser would read (content coding, media type, character
    encoding) and edits the held start message accordingly (identity
    coding, a pinned ``charset``, or a 502 refusal). A rewriter error (a bug)
    never becomes a 500 and never lets the page through ungated (invariant
    8): before the start message is sent the response becomes that 502
    refusal; after it, the body is cut where the error happened (what was
    sent before was gated). ``report-only`` passes the page on unchanged, as
    it always does. The error is logged (``privmw.tags``), with no page bytes.

    It places the activation script (when something was neutralised): at the
    end of an HTML document, with an absolute URL when the page has a
    ``<base`` (a relative one would follow it to the base's host); in an XML
    document before the root element's end tag (after it the document is
    not well-formed), for which the output from the last ``</`` on is held
    back (at most ``_XML_HOLD`` bytes). XML documents get no consent banner
    (its HTML is not XML).
    """

    __slots__ = (
        "_allows",
        "_base_seen",
        "_decided",
        "_fed",
        "_held_out",
        "_inflaters",
        "_injection",
        "_nonce",
        "_passthrough",
        "_probe",
        "_refused",
        "_rewriter",
        "_rt",
        "_scope",
        "_skip",
        "_start",
        "_transcoder",
        "_xml",
        "changed",
        "failed",
    )

    def __init__(
        self,
        runtime: TagRuntime,
        allows: Callable[[str], bool],
        nonce: str | None,
        scope: Scope,
        start: Message | None = None,
        injection: Injection | None = None,
    ) -> None:
        self._rt = runtime
        self._injection = injection
        self._allows = allows
        self._nonce = nonce
        self._scope = scope
        self._start = start
        self._rewriter: HtmlRewriter | None = None
        self._decided = False
        self._fed = False  # a feed returned: the start message is on its way
        self._inflaters: list[Inflater] = []
        self._transcoder: Transcoder | None = None
        self._passthrough = False
        self._refused = False
        self._skip = 0  # BOM bytes to drop before transcoding
        self._xml = False
        self._base_seen = False
        self._probe = b""  # the last bytes of output, for a "<base" cut between chunks
        self._held_out = b""  # XML: output from the last "</" on
        self.changed = False
        #: The rewriter raised: the response was refused or cut there (report-only:
        #: what followed was passed through unchanged).
        self.failed = False

    # -- the decision at the first bytes ------------------------------------------

    def _headers(self) -> list[tuple[bytes, bytes]]:
        start = self._start
        if start is None:
            return []
        return list(start.get("headers") or [])

    def _set_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        if self._start is not None:
            self._start["headers"] = headers

    def _decide(self, first: bytes) -> bytes:
        """Decide how to read the body from its first message; returns the decoded bytes."""
        self._decided = True
        rt = self._rt
        headers = self._headers()
        report = rt.config.mode == "report-only"
        coding = (find(headers, b"content-encoding") or b"").decode("latin-1").lower()
        codings = [c.strip() for c in coding.split(",") if c.strip() not in ("", "identity")]
        ctype = extract_mime(headers)
        # Several fields (or a list) are read as the browser reads them; the
        # response then carries the one type privmw read it as.
        several = sum(1 for n, _ in headers if n.lower() == b"content-type") > 1 or (
            ctype is not None and b"," in (find(headers, b"content-type") or b"")
        )
        if codings:
            if report or not all(can_inflate(c) for c in codings):
                if report:
                    self._passthrough = True
                    return first
                return self._refuse()
            self._inflaters = [Inflater(c) for c in reversed(codings)]
        try:
            data = self._inflate(first)
        except (BombError, Exception):
            return self._refuse()
        essence, charset = parse_content_type(ctype) if ctype is not None else ("", None)
        if ctype is None and not sniffs_as_html(data):
            self._passthrough = True  # not a document a browser would render as HTML
            self._inflaters = []
            return first
        found = bom(data)
        name = found[0] if found else (label(charset) if charset else None)
        pinned = False
        if name is None and charset is None:
            name = prescan(data)
        if name is None or several:
            pinned = True  # unlabelled: say what we read it as, so the browser reads the same
        if name is None:
            try:
                data[:1024].decode("utf-8")
                name = "utf-8"
            except UnicodeDecodeError as e:
                name = "utf-8" if e.start >= len(data[:1024]) - 3 else "windows-1252"
        if name == "replacement":
            self._passthrough = True  # decodes to one U+FFFD: nothing can load
            self._inflaters = []
            return first
        if report and (name in TRANSCODE or pinned or ctype is None):
            self._passthrough = True
            return first
        out_charset = name
        if name in TRANSCODE:
            self._transcoder = Transcoder(name)
            if found is not None:
                self._skip = found[1]
            out_charset = "utf-8"
            pinned = True
        new_headers = []
        for n, v in headers:
            low = n.lower()
            if low == b"content-encoding" and self._inflaters:
                continue
            if low == b"content-type" and pinned:
                continue
            new_headers.append((n, v))
        if pinned or ctype is None:
            kind = essence or "text/html"
            new_headers.append((b"content-type", f"{kind}; charset={out_charset}".encode()))
        if self._inflaters or pinned or ctype is None:
            self.changed = True
        self._set_headers(new_headers)
        self._rewriter = self._new_rewriter(
            "utf-8" if self._transcoder else codec(name), is_xml(essence)
        )
        return data

    def _new_rewriter(self, encoding: str = "utf-8", xml: bool = False) -> HtmlRewriter:
        self._xml = xml
        return self._rt.rewriter(
            self._allows,
            self._nonce,
            encoding=encoding,
            xml=xml,
            injection=None if xml else self._injection,
            loader=False,
        )

    # -- the activation script's place ---------------------------------------------

    def _out(self, data: bytes) -> bytes:
        """What of the rewriter's output goes out now (XML: up to its last ``</``)."""
        if not self._base_seen and data:
            probe = self._probe + data
            if _BASE_TAG.search(probe) is not None:
                self._base_seen = True
            self._probe = probe[-5:]
        if not self._xml:
            return data
        buf = self._held_out + data if self._held_out else data
        cut = buf.rfind(b"</")
        if cut < 0 and buf.endswith(b"<"):
            cut = len(buf) - 1
        if cut < 0 or len(buf) - cut > _XML_HOLD:
            self._held_out = b""
            return buf
        self._held_out = buf[cut:]
        return buf[:cut]

    def _finish(self, rewriter: HtmlRewriter) -> bytes:
        """The rewriter's last output, with the activation script where it belongs."""
        out = self._out(rewriter.close())
        held, self._held_out = self._held_out, b""
        rt = self._rt
        if not rewriter.neutralised or rt.config.mode != "neutralise":
            return out + held
        origin = request_origin(self._scope) if self._base_seen else None
        loader = rt.loader(self._nonce, origin, self._xml)
        if not self._xml:
            return out + loader
        if not held.startswith(b"</"):
            return out + held  # no end tag to put it before: a loader after it is an XML error
        return out + loader + held

    def _refuse(self) -> bytes:
        self._refused = True
        self.changed = True
        start = self._start
        if start is not None:
            start["status"] = 502
            start["headers"] = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", b"%d" % len(_REFUSED)),
                (b"cache-control", b"no-store"),
            ]
        return b""

    def _inflate(self, data: bytes) -> bytes:
        for inflater in self._inflaters:
            data = inflater.feed(data)
        return data

    def _decode(self, data: bytes, final: bool) -> bytes:
        tc = self._transcoder
        if tc is None:
            return data
        if self._skip:
            cut = min(self._skip, len(data))
            data = data[cut:]
            self._skip -= cut
        return tc.feed(data, final)

    # -- the sans-io interface --------------------------------------------------------

    def whole(self, body: bytes) -> bytes:
        """The rewritten page of a body that arrives in one message."""
        return _drain(self.steps(body, _ONE_PIECE))

    def may_grow(self) -> bool:
        """Whether the body is content-coded: privmw inflates it (up to 100x) before rewriting."""
        if self._inflaters:
            return True
        start = self._start
        if self._decided or start is None:
            return False
        return find(start.get("headers") or (), b"content-encoding") is not None

    def steps(self, body: bytes, size: int) -> Generator[None, int | None, bytes]:
        """:meth:`whole` in pieces of ``size`` bytes, pausing (``yield``) between them.

        The glue runs a large page this way and lets the event loop run at
        the pauses when the rewriting has been slow (hostile markup can cost
        a few µs a byte); ``send`` a new size to change the next pieces'. The
        output is the same bytes in any pieces (the rewriter's split invariant).
        """
        rt = self._rt
        cache = rt.page_cache
        key: tuple[bytes, tuple[bool | str, ...]] | None = None
        allows = self._allows
        plain = self._start is None or (
            find(self._headers(), b"content-encoding") is None
            and extract_mime(self._headers()) is not None
        )
        if (
            plain
            and cache is not None
            and self._nonce is None
            and len(body) <= _PAGE_CACHE_BODY_MAX
        ):
            # strict mode's output depends on the page's site too
            site = allows.site if isinstance(allows, Verdicts) and rt.config.strict else ""
            banner = self._injection.key if self._injection is not None else ""
            # the loader's URL is absolute on pages with a <base>
            origin = request_origin(self._scope) or ""
            key = (body, (*rt.verdicts(allows), site, banner, origin))
            hit = cache.get(key)
            if hit is not None:
                out, self.changed, stats, hosts = hit
                if isinstance(allows, Verdicts):
                    allows.replay(hosts)
                self._record(stats)
                return out
        try:
            data = self._decide(body) if self._start is not None else body
            if self._refused:
                return _REFUSED
            if self._passthrough:
                return body
            rewriter = self._rewriter or self._new_rewriter()
            out = yield from self._rewrite(rewriter, self._decode(data, True), size)
            out += self._finish(rewriter)
        except BombError:
            self.failed = True
            return b""
        except Exception:  # never a 500, never the page ungated
            if self._failure():
                return body
            self._refuse()
            return _REFUSED
        stats = _stats(rewriter)
        self.changed = self.changed or rewriter.changed
        if cache is not None and key is not None:
            hosts = tuple(allows.hosts) if isinstance(allows, Verdicts) else ()
            cache.put(key, (out, self.changed, stats, hosts), len(body) + len(out))
        self._record(stats)
        return out

    def _rewrite(
        self, rewriter: HtmlRewriter, text: bytes, size: int
    ) -> Generator[None, int | None, bytes]:
        """``text`` through the rewriter in pieces of ``size``, pausing between them."""
        parts: list[bytes] = []
        at, n = 0, len(text)
        while True:
            parts.append(self._out(rewriter.feed(text[at : at + size])))
            at += size
            if at >= n:
                return b"".join(parts)
            size = (yield) or size

    def _failure(self) -> bool:
        """The rewriter raised (a bug): log it; whether the page may pass (report-only)."""
        self.failed = True
        _log.error(
            "privmw tags: the rewriter failed on an HTML response; it was refused or cut"
            " there, not sent ungated (please report this)",
            exc_info=True,
        )
        return self._rt.config.mode == "report-only"

    def feed(self, chunk: bytes) -> bytes:
        """The rewritten bytes of one body chunk of a streamed page."""
        return _drain(self.feed_steps(chunk, _ONE_PIECE))

    def feed_steps(self, chunk: bytes, size: int) -> Generator[None, int | None, bytes]:
        """:meth:`feed` in pieces of ``size`` decoded bytes (see :meth:`steps`)."""
        try:
            return (yield from self._feed(chunk, size))
        finally:
            self._fed = True

    def _feed(self, chunk: bytes, size: int) -> Generator[None, int | None, bytes]:
        if self.failed or self._refused:
            passes = self.failed and not self._inflaters and self._rt.config.mode == "report-only"
            return chunk if passes else b""
        if self._passthrough:
            return chunk
        try:
            if not self._decided and self._start is not None:
                data = self._decide(chunk)
                if self._refused:
                    return _REFUSED
                if self._passthrough:
                    return chunk
            else:
                data = self._inflate(chunk)
            rewriter = self._rewriter
            if rewriter is None:
                rewriter = self._rewriter = self._new_rewriter()
            out = yield from self._rewrite(rewriter, self._decode(data, False), size)
        except BombError:
            self.failed = True  # cut here: nothing past the bound is sent
            return self._flush_held()
        except Exception:  # never a 500, never the rest ungated
            if self._failure():
                return self._flush_held() + (chunk if not self._inflaters else b"")
            if not self._fed:  # the start message is still held: refuse
                self._held_out = b""
                self._refuse()
                return _REFUSED
            return self._flush_held()  # cut here: what was sent before was gated
        self.changed = self.changed or rewriter.changed
        return out

    def close(self) -> bytes:
        rewriter = self._rewriter
        if rewriter is None or self.failed or self._refused or self._passthrough:
            return b""
        try:
            tail = self._decode(b"", True)
            out = (self._out(rewriter.feed(tail)) if tail else b"") + self._finish(rewriter)
        except Exception:  # cut here: the rewriter's held tail is not sent
            self._failure()
            return self._flush_held()
        self.changed = self.changed or rewriter.changed
        self._record(_stats(rewriter))
        return out

    def _flush_held(self) -> bytes:
        held, self._held_out = self._held_out, b""
        return held

    def _record(self, counts: dict[str, int]) -> None:
        """The page's tag counts, by rewriter action, go to ``mw.stats()["tags"]``."""
        stats = self._rt.stats
        if stats is not None:
            stats.tag_actions(counts)


def _stats(rewriter: HtmlRewriter) -> dict[str, int]:
    return {
        "neutralised": rewriter.neutralised,
        "removed": rewriter.removed,
        "reported": rewriter.reported,
        "kept": rewriter.kept,
        "overflowed": rewriter.overflowed,
        "escaped": rewriter.escaped,
    }


def _first(
    *hooks: Callable[[Vendor, str, list[tuple[str, str]]], bytes | None] | None,
) -> Callable[[Vendor, str, list[tuple[str, str]]], bytes | None]:
    """A placeholder hook asking each of ``hooks`` in turn (the banner's, then the app's)."""

    def placeholder(vendor: Vendor, elem: str, attrs: list[tuple[str, str]]) -> bytes | None:
        for hook in hooks:
            if hook is not None:
                out = hook(vendor, elem, attrs)
                if out is not None:
                    return out
        return None

    return placeholder
