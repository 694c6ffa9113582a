"""``TagGate``: third-party tags load only with consent.

:class:`TagGate` is the configuration (on by default in
:class:`~privmw.PrivacyMiddleware`); :class:`TagRuntime` is what the
middleware builds from it once; :class:`TagResponder` wraps ``send`` for one
response and streams ``text/html`` bodies through :class:`~privmw.html.HtmlRewriter`.

Compression: privmw rewrites identity-encoded HTML only. Put ``GZipMiddleware``
*outside* ``PrivacyMiddleware`` (add it after); a body that already carries a
``Content-Encoding`` passes through untouched.

The activation script
---------------------
In ``neutralise`` mode a page with gated tags gets
``<script src="/privacy/privmw.js" defer>`` (path: ``TagGate.script_path``)
appended. The script listens for one event on ``document``::

    document.dispatchEvent(new CustomEvent("privmw:consent", {
        detail: {categories: ["analytics", "marketing"]}   // every allowed category
    }));

and exposes the same as ``window.privmw.activate(["analytics", ...])``. For
every neutralised element whose ``data-privmw-category`` is in the list it
re-creates the ``<script>`` as a live one (its original ``type``, e.g.
``module``, is restored from ``data-privmw-type``, external ones keep their
order) and restores ``src``/``srcset``/``href``/``data`` of iframes, images,
links and objects, in place, without a reload. With Google tags on the page it
also sends ``gtag('consent', 'update', …)``. When a CSP is configured the
page's policy was computed for the old consent, so the script reloads the
page instead (the new response then carries a policy that allows the new
vendors). The consent endpoints and the example banner dispatch the event.

References: Google tag platform "Consent mode" (``consent default`` before any
tag, ``consent update`` after the choice); WHATWG HTML (script element,
``CustomEvent``); RFC 9110 §12.5.5 (``Vary``).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._errors import ConfigurationError
from ._types import Message, Scope, Send
from .context import GOOGLE_CONSENT_TYPES, google_consent_mode
from .csp import ContentSecurityPolicy, PolicyBuilder, app_nonce, merge_permissions_policy
from .html import MODES, HtmlRewriter
from .trackers import TrackerRegistry, Vendor

__all__ = ["TagGate", "TagResponder", "TagRuntime", "merge_vary"]

_VARY_TOKENS = (b"Cookie", b"Sec-GPC", b"DNT")
_PAGE_CACHE_BODY_MAX = 128 * 1024
_Result = tuple[bytes, bool, dict[str, int]]
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$")


def merge_vary(existing: bytes | None, tokens: Iterable[bytes] = _VARY_TOKENS) -> bytes:
    """``existing`` with each of ``tokens`` added once (case-insensitive); ``*`` stays ``*``.

    Idempotent: merging twice, or after another part of privmw merged the
    same tokens, adds nothing.
    """
    if existing is None or not existing.strip():
        return b", ".join(tokens)
    present = {t.strip().lower() for t in existing.split(b",")}
    if b"*" in present:
        return existing
    extra = [t for t in tokens if t.lower() not in present]
    if not extra:
        return existing
    return b", ".join([existing.strip().rstrip(b","), *extra])


@dataclass(frozen=True, slots=True)
class TagGate:
    """Gate third-party tags in HTML responses by the visitor's consent.

    ``PrivacyMiddleware(app)`` uses ``TagGate()``; pass ``tags=False`` (or
    ``TagGate(enabled=False)``) to switch it off.

    Args:
        mode: ``"neutralise"`` (default): a non-consented ``<script>`` becomes
            ``type="text/plain"`` with ``data-privmw-category``/``-vendor`` and
            its ``src`` in ``data-privmw-src``; iframes and images get their
            URL in ``data-privmw-src`` and a harmless ``src``; the activation
            script revives them when consent arrives. ``"remove"`` drops them
            (scripts and iframes with their content). ``"report-only"`` changes
            nothing and only counts.
        csp: a :class:`~privmw.ContentSecurityPolicy` to send a consent-aware
            CSP (off by default).
        permissions_policy: add ``Permissions-Policy: browsing-topics=()`` to
            HTML responses, merged with the app's (default on).
        vendors: extra :class:`~privmw.Vendor` entries (a vendor with the name
            of a default one replaces it).
        consent_mode: inject Google Consent Mode v2 ``consent default`` from
            the visitor's state before the first Google tag (default on).
        max_tag_bytes: the most held of one tag or inline script; past it the
            tag passes through and is counted (default 64 KiB).
        script_path: where the middleware serves the activation script.
        page_cache: how many rewritten pages to remember (default 32, ``0``
            for none). A body that arrives in one message (``HTMLResponse``,
            templates) and is served again to a visitor with the same consent
            verdicts is answered from memory; entries are keyed by the whole
            body, so one visitor's page is never served to another, and bodies
            over 128 KiB or carrying a CSP nonce are not kept.
        enabled: ``False`` turns tag gating off.

    References: see :mod:`privmw.tags`.
    """

    mode: str = "neutralise"
    csp: ContentSecurityPolicy | None = None
    permissions_policy: bool = True
    vendors: tuple[Vendor, ...] = ()
    consent_mode: bool = True
    max_tag_bytes: int = 65536
    script_path: str = "/privacy/privmw.js"
    page_cache: int = 32
    enabled: bool = True

    def describe(self) -> dict[str, object]:
        """Facts for :func:`privmw.disclosure` (JSON-able)."""
        registry = TrackerRegistry(self.vendors)
        by_category: dict[str, list[str]] = {}
        for vendor in registry.vendors:
            by_category.setdefault(vendor.category, []).append(vendor.label)
        action = {
            "neutralise": "disabled in the page (their code is not run and nothing is loaded) "
            "until you allow their category",
            "remove": "removed from the page unless you allowed their category",
            "report-only": "counted but NOT blocked (report-only mode)",
        }[self.mode]
        data = [
            f"{category}: " + ", ".join(labels) for category, labels in sorted(by_category.items())
        ]
        return {
            "title": "Third-party services and their tags",
            "purpose": "Third-party tags (measurement, advertising, embedded media, chat) "
            f"are {action}. Each service below belongs to one consent category.",
            "data": data,
            "retention": "privmw stores nothing for this; cookies the services set once "
            "allowed last as long as each service sets them.",
            "details": {
                "mode": self.mode,
                "vendors": {k: by_category[k] for k in sorted(by_category)},
                "content_security_policy": self.csp is not None,
                "google_consent_mode": self.consent_mode,
                "topics_api_disabled": self.permissions_policy,
            },
        }

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigurationError(
                f"TagGate: mode must be one of {', '.join(map(repr, MODES))}, got {self.mode!r}"
            )
        if self.csp is not None and not isinstance(self.csp, ContentSecurityPolicy):
            raise ConfigurationError(
                f"TagGate: csp must be a privmw.ContentSecurityPolicy or None, got {self.csp!r}"
            )
        for option in ("permissions_policy", "consent_mode", "enabled"):
            value = getattr(self, option)
            if not isinstance(value, bool):
                raise ConfigurationError(f"TagGate: {option} must be True or False, got {value!r}")
        if isinstance(self.vendors, Vendor) or not all(isinstance(v, Vendor) for v in self.vendors):
            raise ConfigurationError(
                f"TagGate: vendors must be a tuple of privmw.Vendor, got {self.vendors!r}"
            )
        object.__setattr__(self, "vendors", tuple(self.vendors))
        if (
            not isinstance(self.max_tag_bytes, int)
            or isinstance(self.max_tag_bytes, bool)
            or not 1024 <= self.max_tag_bytes <= 16 * 1024 * 1024
        ):
            raise ConfigurationError(
                f"TagGate: max_tag_bytes must be an int from 1024 to 16777216, "
                f"got {self.max_tag_bytes!r}"
            )
        if (
            not isinstance(self.page_cache, int)
            or isinstance(self.page_cache, bool)
            or not 0 <= self.page_cache <= 4096
        ):
            raise ConfigurationError(
                f"TagGate: page_cache must be an int from 0 to 4096 (0 turns it off), "
                f"got {self.page_cache!r}"
            )
        if not isinstance(self.script_path, str) or not _PATH.match(self.script_path):
            raise ConfigurationError(
                f"TagGate: script_path must be an absolute URL path like '/privacy/privmw.js', "
                f"got {self.script_path!r}"
            )


_SCRIPT = """/* privmw: activates tags neutralised by the server once consent allows them.
   Contract: document.dispatchEvent(new CustomEvent("privmw:consent",
   {detail: {categories: ["analytics", ...]}})) or window.privmw.activate([...]). */
(function () {
  "use strict";
  var RELOAD = %(reload)s;
  var GCM = %(gcm)s;
  var MOVED = ["src", "srcset", "href", "data", "type", "imagesrcset"];
  function granted(list, category) {
    return category === "necessary" || list.indexOf(category) >= 0;
  }
  function activate(categories) {
    var list = [], i;
    if (categories && typeof categories.length === "number") {
      for (i = 0; i < categories.length; i++) list.push(String(categories[i]));
    }
    var nodes = document.querySelectorAll("[data-privmw-category]"), count = 0;
    for (i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      if (!granted(list, el.getAttribute("data-privmw-category"))) continue;
      count++;
      if (RELOAD) continue;
      if (el.tagName === "SCRIPT") {
        var s = document.createElement("script"), k, a;
        for (k = 0; k < el.attributes.length; k++) {
          a = el.attributes[k];
          if (a.name === "type" || a.name.indexOf("data-privmw-") === 0) continue;
          s.setAttribute(a.name, a.value);
        }
        var type = el.getAttribute("data-privmw-type");
        if (type) s.setAttribute("type", type);
        if (el.nonce) s.nonce = el.nonce;
        var src = el.getAttribute("data-privmw-src");
        if (src !== null) {
          s.async = el.hasAttribute("async");
          s.src = src;
        } else {
          s.text = el.text;
        }
        el.parentNode.replaceChild(s, el);
      } else {
        for (k = 0; k < MOVED.length; k++) {
          var v = el.getAttribute("data-privmw-" + MOVED[k]);
          if (v !== null) {
            el.setAttribute(MOVED[k], v);
            el.removeAttribute("data-privmw-" + MOVED[k]);
          }
        }
        el.removeAttribute("data-privmw-category");
        el.removeAttribute("data-privmw-vendor");
      }
    }
    if (window.dataLayer && typeof window.dataLayer.push === "function") {
      var state = {};
      for (var key in GCM) {
        if (Object.prototype.hasOwnProperty.call(GCM, key)) {
          state[key] = granted(list, GCM[key]) ? "granted" : "denied";
        }
      }
      (function () { window.dataLayer.push(arguments); })("consent", "update", state);
    }
    if (RELOAD && count) window.location.reload();
    return count;
  }
  window.privmw = window.privmw || {};
  window.privmw.activate = activate;
  document.addEventListener("privmw:consent", function (event) {
    var detail = event.detail;
    activate(detail && detail.categories);
  });
})();
"""


def activation_script(reload: bool = False) -> bytes:
    """The activation script's source (vanilla JS, no third-party assets)."""
    source = _SCRIPT % {
        "reload": "true" if reload else "false",
        "gcm": json.dumps(GOOGLE_CONSENT_TYPES, sort_keys=True),
    }
    return source.encode("utf-8")


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class TagRuntime:
    """Everything a :class:`TagGate` needs per request, built once."""

    __slots__ = (
        "_gcm_cache",
        "_gcm_categories",
        "_script_headers",
        "categories",
        "config",
        "csp",
        "page_cache",
        "registry",
        "script",
        "script_path",
    )

    def describe(self) -> dict[str, object]:
        """The configuration's facts, for :func:`privmw.disclosure`."""
        return self.config.describe()

    def __init__(self, config: TagGate) -> None:
        self.config = config
        self.registry = TrackerRegistry(config.vendors)
        self.csp = PolicyBuilder(config.csp, self.registry.vendors) if config.csp else None
        self.script = activation_script(reload=config.csp is not None)
        self.script_path = config.script_path
        self._script_headers = [
            (b"content-type", b"text/javascript; charset=utf-8"),
            (b"content-length", str(len(self.script)).encode("ascii")),
            (b"cache-control", b"public, max-age=3600"),
            (b"x-content-type-options", b"nosniff"),
        ]
        self._gcm_categories = tuple(sorted(set(GOOGLE_CONSENT_TYPES.values())))
        self._gcm_cache: dict[tuple[bool, ...], bytes] = {}
        #: Every category whose verdict can change a page's output.
        self.categories = tuple(sorted(self.registry.categories() | set(self._gcm_categories)))
        #: Rewritten single-message pages by (body, verdicts); ``None`` disables it.
        self.page_cache: dict[tuple[bytes, tuple[bool, ...]], _Result] | None = (
            {} if config.page_cache else None
        )

    def verdicts(self, allows: Callable[[str], bool]) -> tuple[bool, ...]:
        """``allows`` for every category that matters, a broken one counting as no."""
        out = []
        for category in self.categories:
            try:
                out.append(bool(allows(category)))
            except Exception:
                out.append(False)
        return tuple(out)

    def __repr__(self) -> str:
        return f"TagRuntime({self.config!r})"

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

    def loader(self, nonce: str | None) -> bytes:
        attrs = b' nonce="' + nonce.encode("ascii") + b'"' if nonce else b""
        return (
            b'<script src="' + self.script_path.encode("ascii") + b'" defer' + attrs + b"></script>"
        )

    def serves(self, scope: Scope) -> bool:
        """Whether this request is a ``GET``/``HEAD`` of the activation script."""
        return scope.get("path") == self.script_path and scope.get("method") in ("GET", "HEAD")

    async def serve_script(self, scope: Scope, send: Send) -> None:
        """Answer ``GET``/``HEAD`` of the activation script."""
        head = scope.get("method") == "HEAD"
        await send(
            {"type": "http.response.start", "status": 200, "headers": list(self._script_headers)}
        )
        await send({"type": "http.response.body", "body": b"" if head else self.script})

    def wrap(self, send: Send, allows: Callable[[str], bool], scope: Scope) -> TagResponder:
        return TagResponder(self, send, allows, scope)


def rewritable(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether a response with these headers is HTML privmw rewrites.

    Only ``text/html`` (not UTF-16) with no ``Content-Encoding`` other than
    ``identity``: compressed bodies pass through untouched.
    """
    ctype = _header(headers, b"content-type")
    if ctype is None:
        return False
    lowered = ctype.lstrip().lower()
    if not lowered.startswith(b"text/html") or b"utf-16" in lowered:
        return False
    encoding = _header(headers, b"content-encoding")
    return encoding is None or encoding.strip().lower() in (b"", b"identity")


class TagResponder:
    """The ``send`` of one response: headers on HTML, body streamed through the rewriter.

    Holds ``http.response.start`` until the first body message (so headers can
    still change), then forwards each chunk as soon as it is rewritten: the
    page is never buffered whole. ``Content-Length`` is corrected when the
    whole body arrives in one message and removed otherwise, if the body may
    change. Non-HTML, encoded bodies and ``http.response.pathsend`` pass
    through untouched.
    """

    __slots__ = ("_allows", "_nonce", "_rewriter", "_rt", "_scope", "_send", "_start", "_state")

    def __init__(
        self, runtime: TagRuntime, send: Send, allows: Callable[[str], bool], scope: Scope
    ) -> None:
        self._rt = runtime
        self._send = send
        self._allows = allows
        self._scope = scope
        self._start: Message | None = None
        self._rewriter: HtmlRewriter | None = None
        self._nonce: str | None = None
        self._state = 0  # 0: before start, 1: rewriting, 2: pass through

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if self._state == 2:
            await self._send(message)
        elif kind == "http.response.start":
            self._on_start(message)
            if self._state == 2:
                await self._send(message)
        elif kind == "http.response.body" and self._state == 1:
            await self._on_body(message)
        else:  # pathsend, trailers, or a body before any start: forward as is
            start, self._start = self._start, None
            self._state = 2
            if start is not None:
                await self._send(start)
            await self._send(message)

    def _on_start(self, message: Message) -> None:
        headers = message.get("headers") or []
        if not rewritable(headers):
            self._state = 2
            return
        rt = self._rt
        config = rt.config
        allows = self._allows
        nonce: str | None = None
        out: list[tuple[bytes, bytes]] = []
        vary = perms = app_csp = None
        for name, value in headers:
            lower = name.lower()
            if lower == b"vary":
                vary = value if vary is None else vary + b", " + value
                continue
            if lower == b"permissions-policy" and config.permissions_policy:
                perms = value if perms is None else perms + b", " + value
                continue
            if lower == b"content-security-policy" and app_csp is None:
                app_csp = value
            out.append((name, value))
        out.append((b"vary", merge_vary(vary)))
        if config.permissions_policy:
            out.append((b"permissions-policy", merge_permissions_policy(perms)))
        elif perms is not None:
            out.append((b"permissions-policy", perms))
        if app_csp is not None:
            # Reuse the app's nonce so the script privmw injects passes its policy too.
            nonce = app_nonce(app_csp)
        if rt.csp is not None:
            if nonce is None and rt.csp.uses_nonce:
                nonce = secrets.token_urlsafe(16)
            out.append((rt.csp.header, rt.csp.build(allows, nonce if rt.csp.uses_nonce else None)))
        message["headers"] = out
        self._start = message
        self._state = 1
        self._nonce = nonce

    def _make_rewriter(self) -> HtmlRewriter:
        rt = self._rt
        config = rt.config
        allows = self._allows
        nonce = self._nonce
        return HtmlRewriter(
            rt.registry,
            allows,
            mode=config.mode,
            max_tag_bytes=config.max_tag_bytes,
            consent_mode=rt.consent_mode_script(allows, nonce) if config.consent_mode else None,
            loader=rt.loader(nonce) if config.mode == "neutralise" else None,
        )

    def _whole(self, body: bytes) -> tuple[bytes, bool, dict[str, int]]:
        """Rewrite a body that came in one message, through the runtime's page cache.

        The output depends only on the bytes and on the consent verdicts (no
        nonce is involved here), so a page served again to a visitor with the
        same choices is answered from the cache.
        """
        rt = self._rt
        cache = rt.page_cache
        key: tuple[bytes, tuple[bool, ...]] | None = None
        if cache is not None and self._nonce is None and len(body) <= _PAGE_CACHE_BODY_MAX:
            key = (body, rt.verdicts(self._allows))
            hit = cache.get(key)
            if hit is not None:
                return hit
        rewriter = self._make_rewriter()
        try:
            out = rewriter.feed(body) + rewriter.close()
        except Exception:  # never 500 on odd HTML: fall back to the original bytes
            return body, False, {}
        result = (out, rewriter.changed, _stats(rewriter))
        if cache is not None and key is not None:
            if len(cache) >= self._rt.config.page_cache:
                cache.clear()
            cache[key] = result
        return result

    async def _on_body(self, message: Message) -> None:
        body = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        start, self._start = self._start, None
        if start is not None and not more:
            out, changed, stats = self._whole(body)
            if changed:
                length = str(len(out)).encode("ascii")
                start["headers"] = [
                    (n, length if n.lower() == b"content-length" else v)
                    for n, v in start["headers"]
                ]
            self._scope.setdefault("state", {})["privmw.tags"] = stats
            await self._send(start)
            await self._send({"type": "http.response.body", "body": out, "more_body": False})
            return
        rewriter = self._rewriter
        if rewriter is None:
            rewriter = self._rewriter = self._make_rewriter()
        try:
            out = rewriter.feed(body)
            if not more:
                out += rewriter.close()
        except Exception:  # never 500 on odd HTML: pass the rest through as it is
            self._state = 2
            out = body
        if start is not None:
            # More is coming: the length is not known in advance.
            start["headers"] = [
                (n, v) for n, v in start["headers"] if n.lower() != b"content-length"
            ]
            await self._send(start)
        if not more:
            self._scope.setdefault("state", {})["privmw.tags"] = _stats(rewriter)
        if out or not more:
            await self._send({"type": "http.response.body", "body": out, "more_body": more})


def _stats(rewriter: HtmlRewriter) -> dict[str, int]:
    return {
        "neutralised": rewriter.neutralised,
        "removed": rewriter.removed,
        "reported": rewriter.reported,
        "kept": rewriter.kept,
        "overflowed": rewriter.overflowed,
    }
