"""``TagGate``: the configuration of third-party tag gating (see :mod:`privmw.tags`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from privmw._errors import ConfigurationError
from privmw.csp import ContentSecurityPolicy
from privmw.trackers import Vendor

__all__ = ["TagGate"]

#: Rewriting modes: replace with inert markup, drop, or only count.
MODES = ("neutralise", "remove", "report-only")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$")


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
        vendors: deprecated: pass vendors to ``PrivacyMiddleware(vendors=...)``;
            entries given here still feed the middleware's one registry.
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
