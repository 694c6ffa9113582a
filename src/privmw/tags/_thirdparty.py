"""Unknown third parties in HTML: bounded counts by host, strict mode, vendor observation.

The rewriter asks its plan's ``match_url(url)`` which vendor a tag belongs to
and gates whatever comes back by ``allows(vendor.category)``. This module
gives the plan a matcher that answers as the registry does for known vendors
(recording each one it sees in the registry's observations) and, for any
other absolute URL not on ``TagGate.allow``, a synthetic vendor named
``third-party`` whose category names the URL's host:
``third-party.cdn.example.net``. The plan caches these answers per tag bytes
as usual, since they do not depend on the request.

Whether such a host is the page's own site does depend on the request, so it
is decided in ``allows``: :meth:`ThirdParty.verdicts` wraps a response's
``allows`` with the page's site (the registrable domain of its ``Host``).
Same site: allowed. Another site: counted once per response for
:meth:`ThirdParty.unknown_hosts`, then allowed (default) or refused
(``TagGate(strict=True)``). The rewriter remembers a verdict per category per
response, so a host is counted once per page however many tags it has.

What reaches the matcher: every script; frames, images, links, embeds and
objects only when the rewriter's pre-filter thinks their tag could name a
vendor host. In strict mode the runtime widens that pre-filter to any
dotted host (see :data:`STRICT_TLDS`), so every third-party tag is examined;
a tag whose URL host has no dot at all (``//intranet/x.png``) is still not
examined by the void-tag scan (a known gap, reported to the rewriter).

Nothing a visitor sends is kept: hosts come from the app's HTML, counts are
bounded (:data:`MAX_HOSTS`, then an ``"(other)"`` bucket), and the
synthetic vendors and site lookups live in bounded caches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from privmw._cache import BoundedCache
from privmw._types import Scope
from privmw._url import NETWORK_SCHEMES, resolve
from privmw.cookies import registrable_domain
from privmw.trackers import TrackerRegistry, Vendor

__all__: list[str] = []

#: Vendor name and category prefix of an unknown third party.
NAME = "third-party"
PREFIX = NAME + "."
#: The most distinct hosts counted; others go to ``OTHER``.
MAX_HOSTS = 256
OTHER = "(other)"
#: In strict mode the rewriter's TLD pre-filter is given every letter and digit
#: as a "TLD": any dot followed by one makes a tag worth examining.
STRICT_TLDS = frozenset(bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyz0123456789")
#: ``_analyse``'s pre-filter in strict mode: a dotted or protocol-relative URL,
#: or anything that could spell one (entities, escapes, non-ASCII).
STRICT_HINT = re.compile(rb"\.[a-z0-9]|//|&(?!amp;)|%|\\|[\x80-\xff]")
_SAFE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _url_host(url: str, base: str | None = None) -> str | None:
    """The host a browser fetches ``url`` from, or ``None`` when it names none.

    Resolved as :mod:`privmw._url` does (the browser's URL parser): ``None``
    for a relative URL with no known base (same-origin), for non-network
    schemes (``data:``, ``javascript:``, ``blob:``, whose origin is a page's
    own script) and for what does not parse. IP addresses are hosts here
    (no vendor is named by one, but a third party can be).
    """
    resolved = resolve(url, base)
    if resolved is None or resolved.scheme not in NETWORK_SCHEMES or not resolved.host:
        return None
    return resolved.host


def _site(host: str) -> str:
    """A host's site: its registrable domain, or the host itself (IPs, ``localhost``)."""
    return registrable_domain(host) or host


def _covered(host: str, allowed: tuple[str, ...]) -> bool:
    return any(host == a or host.endswith("." + a) for a in allowed)


class ThirdParty:
    """The matcher and counters for hosts no vendor of the registry claims.

    Args:
        registry: the middleware's one registry (answers for known vendors,
            and whose observations record every vendor seen).
        strict: refuse unknown third parties (``TagGate.strict``).
        allow: hosts never treated as third parties (``TagGate.allow``).
    """

    __slots__ = (
        "_allow",
        "_counts",
        "_docs",
        "_observed",
        "_registry",
        "_sites",
        "_synthetic",
        "strict",
    )

    def __init__(
        self, registry: TrackerRegistry, *, strict: bool = False, allow: Iterable[str] = ()
    ) -> None:
        self._registry = registry
        self._observed = registry.observed
        self.strict = strict
        self._allow = tuple(allow)
        self._counts: dict[str, int] = {}
        # Keyed by hosts from the app's HTML (synthetic vendors, URL host ->
        # site) and by Host headers (document sites): bounded, cleared when full.
        self._synthetic: BoundedCache[str, Vendor] = BoundedCache(
            1024, max_bytes=256 * 1024, max_item=512
        )
        self._sites: BoundedCache[str, str] = BoundedCache(1024, max_bytes=256 * 1024, max_item=512)
        self._docs: BoundedCache[bytes, str] = BoundedCache(256, max_bytes=64 * 1024, max_item=512)

    def __repr__(self) -> str:
        return f"ThirdParty(strict={self.strict}, allow={self._allow!r})"

    # -- the plan's matcher (request-independent) ----------------------------

    def match_url(self, url: str, base: str | None = None) -> Vendor | None:
        """The registry's vendor for ``url``, else a ``third-party`` one for another host."""
        vendor = self._registry.match_url(url, base)
        if vendor is not None:
            self._observed.vendor(vendor.name)
            return vendor
        host = _url_host(url, base)
        if host is None or _covered(host, self._allow):
            return None
        found = self._synthetic.get(host)
        if found is None:
            safe = host if _SAFE.match(host) else "invalid"
            found = Vendor(
                name=NAME,
                label=f"Unknown third party ({safe})",
                category=PREFIX + safe,
                purpose="A host no vendor of privmw's registry claims.",
            )
            self._synthetic.put(host, found, len(host))
        return found

    def inline_vendors(self, text: bytes) -> list[Vendor]:
        """The registry's inline vendors, each recorded as observed."""
        found = self._registry.inline_vendors(text)
        for vendor in found:
            self._observed.vendor(vendor.name)
        return found

    # -- per response ----------------------------------------------------------

    def document_site(self, scope: Scope) -> str:
        """The site of the page being answered: the registrable domain of its ``Host``."""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                site = self._docs.get(value)
                if site is None:
                    text = value.decode("latin-1").strip().lower().rstrip(".")
                    if text.startswith("["):
                        host = text.partition("]")[0] + "]"
                    else:
                        host = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
                    site = self._docs.put(value, _site(host) if host else "", len(value))
                return site
        return ""

    def verdicts(self, allows: Callable[[str], bool], site: str) -> Verdicts:
        """``allows`` for one response, deciding ``third-party.*`` categories by ``site``."""
        return Verdicts(self, allows, site)

    def _is_site(self, host: str, site: str) -> bool:
        known = self._sites.get(host)
        if known is None:
            known = self._sites.put(host, _site(host), len(host))
        return bool(site) and known == site

    def count(self, host: str) -> None:
        """One more response carrying ``host`` (bounded: past :data:`MAX_HOSTS`, ``OTHER``)."""
        counts = self._counts
        if host in counts:
            counts[host] += 1
        elif len(counts) < MAX_HOSTS:
            counts[host] = 1
        else:
            counts[OTHER] = counts.get(OTHER, 0) + 1

    def unknown_hosts(self) -> dict[str, int]:
        """Unknown third-party host → number of HTML responses that carried it (a copy)."""
        return dict(self._counts)


class Verdicts:
    """One response's ``allows``: site-aware for ``third-party.*``, the visitor's otherwise.

    ``hosts`` lists the third-party hosts this response carried (once each),
    so a page served again from the page cache counts them again.
    """

    __slots__ = ("_allows", "_owner", "hosts", "site")

    def __init__(self, owner: ThirdParty, allows: Callable[[str], bool], site: str) -> None:
        self._owner = owner
        self._allows = allows
        self.site = site
        self.hosts: list[str] = []

    def __call__(self, category: str) -> bool:
        if not category.startswith(PREFIX):
            return self._allows(category)
        host = category[len(PREFIX) :]
        owner = self._owner
        if owner._is_site(host, self.site):
            return True
        if host not in self.hosts:
            self.hosts.append(host)
            owner.count(host)
        return not owner.strict

    def replay(self, hosts: Iterable[str]) -> None:
        """Count the hosts of a cached page as if it had been rewritten again."""
        for host in hosts:
            self._owner.count(host)
