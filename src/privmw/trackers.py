"""The tracker registry: vendor → category, URLs, cookies, inline signatures, CSP.

A :class:`~privmw.PrivacyMiddleware` builds exactly one registry
(:func:`build_registry`, from its ``vendors`` option) and hands the same
object to cookie gating (``cookies``), consent, tag gating (``tags``), the
consent-aware CSP (``csp``) and the disclosure, so a vendor the site adds is
gated everywhere at once. The default vendor data lives in ``_vendors``.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ._cache import BoundedCache
from ._errors import ConfigurationError
from ._url import Base, Resolved, host_path, parse_base, query_param, resolve
from ._validate import fail

__all__ = ["TrackerRegistry", "Vendor"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_CACHE_SIZE = 512
_CACHE_KEY_MAX = 2048
_BASE_CACHE_SIZE = 16


@dataclass(frozen=True, slots=True)
class Vendor:
    """One third party, as privmw needs to know it.

    Attributes:
        name: a short id, lower case (``"google-analytics"``); goes into
            ``data-privmw-vendor``.
        label: the human name for banners and the disclosure.
        category: the consent category that must be allowed (``"analytics"``).
        urls: where its tags load from: ``host`` or ``host/path-prefix``. A host
            matches itself and its subdomains, case-insensitively, in the URL
            a browser fetches (``http(s):``, ``ws(s):``, scheme-relative,
            ``blob:`` of its origin, resolved as :mod:`privmw._url` does);
            the path prefix matches the fetched path, lower-cased, dot
            segments resolved.
        cookies: cookie names it sets; ``*`` is a wildcard (``"_ga_*"``).
        signatures: substrings that identify its inline snippet (``"fbq("``).
        csp: CSP directive → sources it needs once allowed.
        purpose: one sentence for the disclosure.
    """

    name: str
    label: str
    category: str
    urls: tuple[str, ...] = ()
    cookies: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    csp: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    purpose: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ConfigurationError(
                f"Vendor: name must be lower-case letters, digits, '.', '_' or '-', "
                f"got {self.name!r}"
            )
        if not isinstance(self.category, str) or not _NAME.match(self.category):
            raise ConfigurationError(
                f"Vendor {self.name!r}: category must be a lower-case name like "
                f"'analytics', got {self.category!r}"
            )
        for attr in ("urls", "cookies", "signatures"):
            value = getattr(self, attr)
            if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
                raise ConfigurationError(
                    f"Vendor {self.name!r}: {attr} must be a tuple of non-empty strings, "
                    f"got {value!r}"
                )
            object.__setattr__(self, attr, tuple(value))
        object.__setattr__(self, "urls", tuple(u.lower().strip("/") for u in self.urls))


class TrackerRegistry:
    """Vendors, with lookups by URL, cookie name and inline script text.

    ``TrackerRegistry()`` holds privmw's default vendors; pass ``extra`` to add
    (or, by reusing a name, replace) vendors, or ``vendors`` to start from
    scratch.
    """

    __slots__ = (
        "_base_cache",
        "_by_host",
        "_by_pattern",
        "_cookie_exact",
        "_cookie_globs",
        "_id_routes",
        "_inline",
        "_inline_cache",
        "_inline_vendor",
        "_url_cache",
        "url_hint",
        "url_tlds",
        "vendors",
    )

    def __init__(
        self,
        extra: Iterable[Vendor] = (),
        *,
        vendors: Iterable[Vendor] | None = None,
    ) -> None:
        if vendors is None:
            from ._vendors import DEFAULT_VENDORS

            vendors = DEFAULT_VENDORS
        merged: dict[str, Vendor] = {}
        for vendor in (*vendors, *extra):
            if not isinstance(vendor, Vendor):
                raise ConfigurationError(
                    f"TrackerRegistry: entries must be privmw.Vendor objects, got {vendor!r}"
                )
            merged[vendor.name] = vendor
        self.vendors: tuple[Vendor, ...] = tuple(merged.values())
        # Longest pattern first, so "googletagmanager.com/gtag/js" beats "googletagmanager.com".
        patterns = [(p, v) for v in self.vendors for p in v.urls]
        patterns.sort(key=lambda pv: len(pv[0]), reverse=True)
        self._by_pattern = tuple(patterns)
        # host -> ((path prefix, vendor), ...), longest prefix first: one dict
        # lookup per label of the URL's host instead of a walk over every pattern.
        by_host: dict[str, list[tuple[str, Vendor]]] = {}
        for pattern, vendor in patterns:
            p_host, _, p_path = pattern.partition("/")
            by_host.setdefault(p_host, []).append((p_path, vendor))
        self._by_host = {h: tuple(v) for h, v in by_host.items()}
        # (host, path prefix) -> id prefix routes to this registry's vendors,
        # only for patterns whose vendor and targets are all present.
        routes: dict[tuple[str, str], tuple[tuple[str, Vendor], ...]] = {}
        from ._vendors import ID_ROUTES

        for pattern, targets in ID_ROUTES.items():
            if pattern not in {p for p, _v in patterns}:
                continue
            resolved = tuple((pre, merged[name]) for pre, name in targets if name in merged)
            if resolved:
                p_host, _, p_path = pattern.partition("/")
                routes[(p_host, p_path)] = resolved
        self._id_routes = routes
        # A cheap pre-filter for HTML: a lower-cased tag in which no dot is
        # followed by the last label of a vendor host ("com", "net", "ms"...)
        # cannot name a vendor URL. Entities, percent-escapes, backslashes and
        # non-ASCII (which could spell a host without those bytes) also hit, so
        # the rewriter then parses the tag fully.
        tlds = sorted({h.rsplit(".", 1)[-1].encode("ascii", "replace") for h in by_host})
        self.url_tlds = frozenset(tlds)
        self.url_hint: re.Pattern[bytes] = re.compile(
            rb"\.(?:" + b"|".join(re.escape(t) for t in tlds) + rb")(?![a-z0-9-])"
            rb"|&(?!amp;)|%|\\|[\x80-\xff]"
        )
        # Inline signatures as one alternation, longest first so that at one
        # position "gtag('config', 'AW-" wins over "gtag(".
        sigs: dict[bytes, Vendor] = {}
        for v in self.vendors:
            for sig in v.signatures:
                sigs.setdefault(sig.encode("utf-8"), v)
        ordered = sorted(sigs, key=len, reverse=True)
        self._inline: re.Pattern[bytes] = re.compile(
            b"|".join(re.escape(s) for s in ordered) or b"(?!)"
        )
        self._inline_vendor = sigs
        # Pages repeat their tags on every request: remember recent answers.
        # Bounded (cleared when full), keys bounded in size.
        self._url_cache: BoundedCache[str | tuple[str, str], Vendor | None] = BoundedCache(
            _CACHE_SIZE, max_bytes=_CACHE_SIZE * 256, max_item=_CACHE_KEY_MAX
        )
        # Document base URLs, parsed once each (a page resolves all its URLs
        # against one base).
        self._base_cache: BoundedCache[str, Base | None] = BoundedCache(
            _BASE_CACHE_SIZE, max_bytes=_BASE_CACHE_SIZE * _CACHE_KEY_MAX, max_item=_CACHE_KEY_MAX
        )
        self._inline_cache: BoundedCache[bytes, tuple[Vendor, ...]] = BoundedCache(
            _CACHE_SIZE, max_bytes=1 << 20, max_item=16 * _CACHE_KEY_MAX
        )
        exact: dict[str, Vendor] = {}
        globs: list[tuple[re.Pattern[str], Vendor]] = []
        for v in self.vendors:
            for c in v.cookies:
                if "*" in c or "?" in c or "[" in c:
                    globs.append((re.compile(fnmatch.translate(c)), v))
                else:
                    exact.setdefault(c, v)
        self._cookie_exact = exact
        self._cookie_globs = tuple(globs)

    def __repr__(self) -> str:
        return f"TrackerRegistry({len(self.vendors)} vendors)"

    def __iter__(self) -> Iterator[Vendor]:
        return iter(self.vendors)

    def categories(self) -> frozenset[str]:
        return frozenset(v.category for v in self.vendors)

    def cache_info(self) -> dict[str, object]:
        """Sizes of the registry's lookup caches (for tests and stats; never their keys)."""
        return {
            "url": self._url_cache.cache_info(),
            "base": self._base_cache.cache_info(),
            "inline": self._inline_cache.cache_info(),
        }

    def match_url(self, url: str, base: str | None = None) -> Vendor | None:
        """The vendor whose host the browser fetches ``url`` from, or ``None``.

        ``url`` is an attribute value (character references decoded), resolved
        as a browser does (:func:`privmw._url.resolve`) against ``base``, the
        document base URL (:func:`privmw._url.document_base`: the first
        ``<base href>``, else the document's URL). With ``base`` unknown
        (``None``) a relative URL is same-origin and matches nothing; with a
        base, relative URLs match the base's host, so a
        ``<base href="//www.googletagmanager.com/">`` makes ``gtag/js`` Google's.

        ``HTTPS://WWW.GoogleTagManager.com/gtm.js``, ``//connect.facebook.net/x``,
        ``///connect.facebook.net/x`` and ``https://connect.face\u00adbook.net/x``
        all match; a look-alike such as ``notfacebook.net`` or
        ``facebook.net.example`` does not, nor does an IP address. A gtag.js
        URL goes to the product its ``id`` names: ``?id=AW-…`` or ``DC-…`` is
        Google Ads, ``G-…``/``UA-…`` Google Analytics, ``GTM-…`` Google Tag
        Manager (no or another id: Google Analytics).
        """
        cache = self._url_cache
        key: str | tuple[str, str] = url if base is None else (url, base)
        found = cache.get(key)
        if found is not None or key in cache:
            return found
        cost = len(url) if base is None else len(url) + len(base)
        return cache.put(key, self._match_url(url, base), cost)

    def _parse_base(self, base: str) -> Base | None:
        cache = self._base_cache
        parsed = cache.get(base)
        if parsed is None and base not in cache:
            parsed = cache.put(base, parse_base(base), len(base))
        return parsed

    def _match_url(self, url: str, base: str | None) -> Vendor | None:
        resolved = resolve(url, None if base is None else self._parse_base(base))
        if resolved is None:
            return None
        hp = host_path(resolved)
        if hp is None:
            return None
        host, _, path = hp.partition("/")
        by_host = self._by_host
        while True:
            entries = by_host.get(host)
            if entries is not None:
                for p_path, vendor in entries:
                    if not p_path or path.startswith(p_path):
                        if self._id_routes and (host, p_path) in self._id_routes:
                            return self._by_id(resolved, vendor, self._id_routes[(host, p_path)])
                        return vendor
            dot = host.find(".")
            if dot < 0:
                return None
            host = host[dot + 1 :]

    @staticmethod
    def _by_id(
        resolved: Resolved, vendor: Vendor, routes: tuple[tuple[str, Vendor], ...]
    ) -> Vendor:
        """The vendor the URL's ``id`` parameter names, else the URL's own."""
        tag_id = query_param(resolved, "id")
        if tag_id:
            tag_id = tag_id.strip().lower()
            for prefix, routed in routes:
                if tag_id.startswith(prefix):
                    return routed
        return vendor

    def match_cookie(self, name: str) -> Vendor | None:
        """The vendor that sets a cookie of this name, or ``None``."""
        vendor = self._cookie_exact.get(name)
        if vendor is not None:
            return vendor
        for pattern, vendor in self._cookie_globs:
            if pattern.match(name):
                return vendor
        return None

    def match_inline(self, text: str) -> Vendor | None:
        """The vendor whose snippet signature appears in inline script text."""
        for vendor in self.vendors:
            for signature in vendor.signatures:
                if signature in text:
                    return vendor
        return None

    def inline_vendors(self, text: bytes) -> list[Vendor]:
        """Every vendor whose signature appears in (UTF-8) inline script bytes, in order.

        One compiled alternation over the text; a snippet that carries two
        vendors (gtag for GA4 and for Google Ads) yields both, so a caller can
        require every one of them to be allowed.
        """
        cache = self._inline_cache
        hit = cache.get(text)
        if hit is not None:
            return list(hit)
        found: list[Vendor] = []
        table = self._inline_vendor
        for sig in self._inline.findall(text):
            vendor = table[sig]
            if vendor not in found:
                found.append(vendor)
        cache.put(text, tuple(found), len(text))
        return found


def build_registry(
    vendors: Iterable[Vendor] | TrackerRegistry | None = None,
    *aliases: tuple[str, Iterable[Vendor]],
    owner: str = "PrivacyMiddleware",
) -> TrackerRegistry:
    """The one registry of a middleware.

    ``vendors`` is a :class:`TrackerRegistry` (used as it is: a full
    replacement) or extra :class:`Vendor` entries added to the defaults (a
    vendor with a default one's name replaces it). ``aliases`` are the
    deprecated ``ConsentPolicy.vendors`` / ``TagGate.vendors`` as
    ``(option name, vendors)``: they feed the same registry, with a
    :class:`DeprecationWarning` naming the option.
    """
    extra: list[Vendor] = []
    for option, given in aliases:
        given = tuple(given)
        if given:
            warnings.warn(
                f"{option} is deprecated: pass vendors to PrivacyMiddleware(vendors=...) so "
                "consent, cookie gating, tag gating, the CSP and the disclosure share them",
                DeprecationWarning,
                stacklevel=4,
            )
            extra.extend(given)
    if isinstance(vendors, TrackerRegistry):
        if not extra:
            return vendors
        return TrackerRegistry(extra, vendors=vendors.vendors)
    if vendors is None:
        vendors = ()
    if isinstance(vendors, Vendor) or not isinstance(vendors, Iterable):
        fail(owner, "vendors", "a list of privmw.Vendor or a privmw.TrackerRegistry", vendors)
    listed = tuple(vendors)
    for vendor in listed:
        if not isinstance(vendor, Vendor):
            fail(owner, "vendors entries", "privmw.Vendor objects", vendor)
    return TrackerRegistry((*listed, *extra))
