"""``TagGate``: the configuration of third-party tag gating (see :mod:`privmw.tags`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from privmw._errors import ConfigurationError
from privmw._validate import suggest
from privmw.csp import ContentSecurityPolicy
from privmw.trackers import Vendor

__all__ = ["TagGate"]

#: Rewriting modes: replace with inert markup, drop, or only count.
MODES = ("neutralise", "remove", "report-only")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$")
_LABEL = r"[a-z0-9_][a-z0-9_-]{0,62}"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def _hosts(value: object) -> tuple[str, ...]:
    """``TagGate.allow``: host names, lower-cased, each covering its subdomains."""
    if isinstance(value, (str, bytes)):
        raise ConfigurationError(
            f"TagGate: allow must be a sequence of host names, got {value!r}; "
            f"write ({value!r},) for one host"
        )
    if not isinstance(value, Iterable):
        raise ConfigurationError(f"TagGate: allow must be a sequence of host names, got {value!r}")
    items: tuple[object, ...] = tuple(value)
    out: list[str] = []
    for item in items:
        host = item.strip().lower().rstrip(".") if isinstance(item, str) else item
        if not isinstance(host, str) or not _HOST.match(host):
            fix = ""
            if isinstance(item, str) and ("/" in item or ":" in item):
                fix = "; give the host only, like 'cdn.example.net' (no scheme, port or path)"
            raise ConfigurationError(
                f"TagGate: allow entries must be host names like 'cdn.example.net', "
                f"got {item!r}{fix}"
            )
        if host not in out:
            out.append(host)
    return tuple(out)


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
            CSP (off by default), or ``"strict"``: an enforcing allow-list of
            ``'self'``, the ``allow`` hosts and the consented vendors for every
            fetch directive (:meth:`ContentSecurityPolicy.strict`), the backstop
            for what inline code fetches at run time. Opt-in: it blocks the
            site's own assets from any origin it did not declare in ``allow``.
        permissions_policy: add ``Permissions-Policy: browsing-topics=()`` to
            HTML responses, merged with the app's (default on).
        vendors: deprecated: pass vendors to ``PrivacyMiddleware(vendors=...)``;
            entries given here still feed the middleware's one registry.
        consent_mode: inject Google Consent Mode v2 ``consent default`` from
            the visitor's state before the first Google tag (default on).
        max_tag_bytes: the most held of one tag, inline script, import map or
            style block (default 64 KiB). Past it privmw fails closed, the
            same in any chunking: a longer tag is dropped (with its content,
            for raw-text elements), a longer inline script or style block is
            neutralised (``data-privmw-overflow``; nothing revives it);
            counted in ``overflowed``. Raise it for pages with bigger inline
            code.
        script_path: where the middleware serves the activation script.
        page_cache: how many rewritten pages to remember (default 32, ``0``
            for none). A body that arrives in one message (``HTMLResponse``,
            templates) and is served again to a visitor with the same consent
            verdicts is answered from memory; entries are keyed by the whole
            body, so one visitor's page is never served to another, and bodies
            over 128 KiB or carrying a CSP nonce are not kept.
        enabled: ``False`` turns tag gating off.
        placeholder: an optional ``placeholder(vendor, tag_name, attrs)`` that
            returns the markup to show instead of a neutralised ``<iframe>``
            (the whole element, content and end tag included, is replaced), or
            ``None`` for the default neutralisation; ``attrs`` are the
            iframe's ``(name, value)`` pairs. For two-click embeds.
        strict: also gate every *unknown* third-party tag: a script, iframe,
            image, stylesheet, embed or object whose host is neither a vendor
            of the registry (those follow consent) nor the page's own site
            (its registrable domain, from the request's ``Host``) nor on
            ``allow``. Such a tag is neutralised (or removed, or counted in
            report-only mode) under the vendor name ``third-party``, a
            category nobody grants. Default off: only known vendors are gated.
        allow: hosts (a host covers its subdomains) that ``strict`` lets
            through, such as your CDN: ``("cdn.jsdelivr.net", "static.example.net")``;
            also the declared origins of ``csp="strict"``.

    In every mode the tag runtime counts unknown third-party hosts per HTML
    response (``TagRuntime.unknown_hosts()``): every such script, and, outside
    ``strict``, the frames and images the rewriter examined.

    References: see :mod:`privmw.tags`.
    """

    mode: str = "neutralise"
    csp: ContentSecurityPolicy | Literal["strict"] | None = None
    permissions_policy: bool = True
    vendors: tuple[Vendor, ...] = ()
    consent_mode: bool = True
    max_tag_bytes: int = 65536
    script_path: str = "/privacy/privmw.js"
    page_cache: int = 32
    enabled: bool = True
    strict: bool = False
    allow: tuple[str, ...] = ()
    placeholder: Callable[[Vendor, str, list[tuple[str, str]]], bytes | None] | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigurationError(
                f"TagGate: mode must be one of {', '.join(map(repr, MODES))}, got {self.mode!r}"
            )
        if self.csp is not None and not isinstance(self.csp, ContentSecurityPolicy):
            if self.csp != "strict":
                hint = suggest(
                    self.csp.lower() if isinstance(self.csp, str) else self.csp, ["strict"]
                )
                if isinstance(self.csp, str) and "-src" in self.csp:
                    hint = f"write csp=ContentSecurityPolicy({self.csp!r})"
                raise ConfigurationError(
                    f"TagGate: csp must be a privmw.ContentSecurityPolicy, 'strict' or None, "
                    f"got {self.csp!r}" + (f"; {hint}" if hint else "")
                )
            object.__setattr__(self, "allow", _hosts(self.allow))
            object.__setattr__(self, "csp", ContentSecurityPolicy.strict(self.allow))
        if self.placeholder is not None and not callable(self.placeholder):
            raise ConfigurationError(
                f"TagGate: placeholder must be a callable or None, got {self.placeholder!r}"
            )
        for option in ("permissions_policy", "consent_mode", "enabled", "strict"):
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
        object.__setattr__(self, "allow", _hosts(self.allow))
        if not isinstance(self.script_path, str) or not _PATH.match(self.script_path):
            raise ConfigurationError(
                f"TagGate: script_path must be an absolute URL path like '/privacy/privmw.js', "
                f"got {self.script_path!r}"
            )
