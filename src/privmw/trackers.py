"""The tracker registry: vendor → category, URLs, cookies, inline signatures, CSP.

A :class:`~privmw.PrivacyMiddleware` builds exactly one registry
(:func:`build_registry`, from its ``vendors`` option) and hands the same
object to cookie gating (``cookies``), consent, tag gating (``tags``), the
consent-aware CSP (``csp``) and the disclosure, so a vendor the site adds is
gated everywhere at once. The default vendor data lives in ``_vendors``; the
Open Cookie Database (``_cookiedb``) backs the cookie gate for names no vendor
declares.

**Gated versus disclosed.** Every vendor of the registry is gated, whether or
not the site says it uses it (privacy first: a tag nobody declared still waits
for consent). The disclosure lists only the vendors the site *selected*
(``PrivacyMiddleware(vendors=["google-analytics", ...])``,
:meth:`TrackerRegistry.select`) plus those privmw *observed* in the app's
responses (:attr:`TrackerRegistry.observed`): names, never visitor data.
"""

from __future__ import annotations

import fnmatch
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from ._cache import BoundedCache
from ._cookiedb import CookieDatabase
from ._cspgrammar import SOURCE_LIST, check_source
from ._errors import ConfigurationError
from ._prefix import PrefixIndex
from ._url import Base, Resolved, host_path, parse_base, query_param, resolve
from ._validate import fail, suggest

__all__ = ["TrackerRegistry", "Vendor"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# Rendered as a link in HTML and Markdown: no byte that could end the attribute.
_PRIVACY_URL = re.compile(r"^https://[^\s<>\"'`\\]+$")
#: ``host`` or ``host/path-prefix`` (lower case, no scheme, no query).
_URL = re.compile(r"^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(/[^\s?#]*)?$")
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
        privacy_url: the vendor's privacy information (an ``https://`` URL),
            linked from the disclosure's cookie declaration.
        controller: who controls the data it collects (``"Google Ireland
            Limited"``); the declaration falls back to ``label``.

    ``cookies`` are the names the vendor sets on the *site's* domain (its
    JavaScript writes them there, or the site's responses carry them): those
    are what the cookie gate sees. Keep them distinctive, since a generic name
    (``session``, ``lang``) would gate the site's own cookie of that name.
    """

    name: str
    label: str
    category: str
    urls: tuple[str, ...] = ()
    cookies: tuple[str, ...] = ()
    signatures: tuple[str, ...] = ()
    csp: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    purpose: str = ""
    privacy_url: str = ""
    controller: str = ""

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
        if not isinstance(self.privacy_url, str) or (
            self.privacy_url and not _PRIVACY_URL.match(self.privacy_url)
        ):
            raise ConfigurationError(
                f"Vendor {self.name!r}: privacy_url must be an https:// URL (no spaces or "
                f"quotes) or '', got {self.privacy_url!r}"
            )
        for attr in ("label", "purpose", "controller"):
            if not isinstance(getattr(self, attr), str):
                raise ConfigurationError(
                    f"Vendor {self.name!r}: {attr} must be a string, got {getattr(self, attr)!r}"
                )
        owner = f"Vendor {self.name!r}"
        for url in self.urls:
            if not _URL.match(url):
                fail(
                    owner,
                    "urls entries",
                    "a host or host/path-prefix like 'www.googletagmanager.com/gtag/js'",
                    url,
                    "write it without the scheme" if "://" in url or url.startswith("//") else "",
                )
        if not isinstance(self.csp, Mapping):
            fail(owner, "csp", "a mapping of CSP directive to sources", self.csp)
        csp: dict[str, tuple[str, ...]] = {}
        for directive, sources in self.csp.items():
            if not isinstance(directive, str) or directive not in SOURCE_LIST:
                fail(
                    owner,
                    "csp keys",
                    "CSP source-list directives like 'script-src'",
                    directive,
                    suggest(directive, sorted(SOURCE_LIST)),
                )
            if isinstance(sources, str) or not all(isinstance(x, str) for x in sources):
                fail(owner, f"csp[{directive!r}]", "a tuple of sources", sources)
            for source in sources:
                check_source(owner, f"csp[{directive!r}] sources", source)
            csp[directive] = tuple(sources)
        object.__setattr__(self, "csp", csp)


#: How many cookie patterns an observation keeps (vendor names are bounded by the registry).
_OBSERVED_COOKIES = 512


class Observations:
    """What privmw saw the app's responses use: vendor names and known cookie patterns.

    Filled by the tag gate (each vendor a rewritten page carries, consented
    or not) and the cookie gate (each known cookie a ``Set-Cookie`` of the app
    sets). Only names from the registry and the Open Cookie Database are
    kept, never a URL, a cookie value or anything from the request: a
    visitor cannot make the disclosure claim a vendor by sending a cookie.
    Bounded: vendor names by the registry's size, cookie patterns by
    :data:`_OBSERVED_COOKIES`. ``version`` grows by one per new name, so a
    rendered disclosure knows when it is stale.
    """

    __slots__ = ("_cookies", "_vendors", "version")

    def __init__(self) -> None:
        self._vendors: dict[str, None] = {}
        self._cookies: dict[str, str] = {}
        self.version = 0

    def __repr__(self) -> str:
        return f"Observations({len(self._vendors)} vendors, {len(self._cookies)} cookies)"

    def vendor(self, name: str) -> None:
        """Record a vendor of the registry (by name)."""
        if name not in self._vendors:
            self._vendors[name] = None
            self.version += 1

    def cookie(self, pattern: str, source: str) -> None:
        """Record a known cookie pattern and who declares it (a vendor name or ``"ocd"``)."""
        if pattern not in self._cookies and len(self._cookies) < _OBSERVED_COOKIES:
            self._cookies[pattern] = source
            self.version += 1

    def vendors(self) -> tuple[str, ...]:
        """Vendor names in the order they were first seen."""
        return tuple(self._vendors)

    def cookies(self) -> dict[str, str]:
        """Cookie pattern → its source (vendor name, or ``"ocd"``), in the order first seen."""
        return dict(self._cookies)


def _prefix_pattern(pattern: str) -> str | None:
    """The prefix of a pattern that is a literal followed by one trailing ``*``, else ``None``."""
    if pattern.endswith("*"):
        stem = pattern[:-1]
        if stem and not any(c in stem for c in "*?["):
            return stem
    return None


class TrackerRegistry:
    """Vendors, with lookups by URL, cookie name and inline script text.

    ``TrackerRegistry()`` holds privmw's default vendors; pass ``extra`` to add
    (or, by reusing a name, replace) vendors, or ``vendors`` to start from
    scratch. ``selected`` names the vendors the site embeds (what the
    disclosure lists, with those observed); :meth:`select` returns a copy with
    a selection. ``cookie_database`` (default on) lets the cookie gate fall
    back to the Open Cookie Database for names no vendor declares.
    """

    __slots__ = (
        "_base_cache",
        "_by_host",
        "_by_name",
        "_by_pattern",
        "_cookie_exact",
        "_cookie_globs",
        "_cookie_prefixes",
        "_depth",
        "_inline",
        "_inline_cache",
        "_inline_vendor",
        "_routes",
        "_url_cache",
        "cookie_db",
        "observed",
        "selected",
        "url_hint",
        "url_tlds",
        "vendors",
    )

    def __init__(
        self,
        extra: Iterable[Vendor] = (),
        *,
        vendors: Iterable[Vendor] | None = None,
        selected: Iterable[str] = (),
        cookie_database: bool = True,
    ) -> None:
        if vendors is None:
            from ._vendors import DEFAULT_VENDORS

            vendors = DEFAULT_VENDORS
        base = tuple(vendors)
        added = tuple(extra)
        merged: dict[str, Vendor] = {}
        for index, vendor in enumerate((*base, *added)):
            if not isinstance(vendor, Vendor):
                option = "vendors" if index < len(base) else "extra"
                fail("TrackerRegistry", f"{option} entries", "privmw.Vendor objects", vendor)
            merged[vendor.name] = vendor
        self.vendors: tuple[Vendor, ...] = tuple(merged.values())
        self._by_name = merged
        chosen: list[str] = []
        for name in selected:
            if name not in merged:
                fail(
                    "TrackerRegistry",
                    "selected entries",
                    "names of the registry's vendors",
                    name,
                    suggest(name, merged),
                )
            if name not in chosen:
                chosen.append(name)
        #: Names of the vendors the site says it embeds (the disclosure lists them).
        self.selected: tuple[str, ...] = tuple(chosen)
        #: Vendor names and cookie patterns seen in the app's responses.
        self.observed = Observations()
        if not isinstance(cookie_database, bool):
            fail("TrackerRegistry", "cookie_database", "True or False", cookie_database)
        #: The Open Cookie Database the cookie gate falls back to (``None``: off).
        self.cookie_db: CookieDatabase | None = CookieDatabase() if cookie_database else None
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
        #: The most labels of any vendor host ("www.googletagmanager.com": 3).
        self._depth = max((h.count(".") + 1 for h in self._by_host), default=1)
        # (host, path prefix) -> how to pick among several products served from
        # one URL pattern: by the ``id`` query parameter (gtag.js) or by a piece
        # of the path (Facebook's SDK and its pixel share connect.facebook.net).
        # Only for patterns whose vendor and targets are all present.
        routes: dict[tuple[str, str], tuple[str, tuple[tuple[str, Vendor], ...]]] = {}
        from ._vendors import ID_ROUTES, PATH_ROUTES

        present = {p for p, _v in patterns}
        for kind, table in (("id", ID_ROUTES), ("path", PATH_ROUTES)):
            for pattern, targets in table.items():
                if pattern not in present:
                    continue
                resolved = tuple((key, merged[name]) for key, name in targets if name in merged)
                if resolved:
                    p_host, _, p_path = pattern.partition("/")
                    routes[(p_host, p_path)] = (kind, resolved)
        self._routes = routes
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
        # Cookie names: exact names in a dict, "prefix*" patterns (nearly all
        # of them) in a prefix index, and only the rare other glob as a regex:
        # a miss costs a dict probe or two whatever the number of vendors.
        exact: dict[str, Vendor] = {}
        prefixes: list[tuple[str, Vendor]] = []
        globs: list[tuple[re.Pattern[str], Vendor]] = []
        for v in self.vendors:
            for c in v.cookies:
                stem = _prefix_pattern(c)
                if stem is not None:
                    prefixes.append((stem, v))
                elif "*" in c or "?" in c or "[" in c:
                    globs.append((re.compile(fnmatch.translate(c)), v))
                else:
                    exact.setdefault(c, v)
        self._cookie_exact = exact
        self._cookie_prefixes = PrefixIndex(prefixes)
        self._cookie_globs = tuple(globs)

    def __repr__(self) -> str:
        return f"TrackerRegistry({len(self.vendors)} vendors)"

    def __iter__(self) -> Iterator[Vendor]:
        return iter(self.vendors)

    def __len__(self) -> int:
        return len(self.vendors)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def categories(self) -> frozenset[str]:
        return frozenset(v.category for v in self.vendors)

    def vendor(self, name: str) -> Vendor:
        """The vendor called ``name``; :class:`ConfigurationError` (with a suggestion) if none."""
        found = self._by_name.get(name)
        if found is None:
            fail(
                "TrackerRegistry",
                "vendor name",
                "the name of one of its vendors",
                name,
                suggest(name, self._by_name),
            )
        return found

    def _copy(
        self,
        vendors: Iterable[Vendor] | None = None,
        selected: Iterable[str] | None = None,
    ) -> TrackerRegistry:
        return TrackerRegistry(
            vendors=self.vendors if vendors is None else vendors,
            selected=self.selected if selected is None else selected,
            cookie_database=self.cookie_db is not None,
        )

    def select(self, *items: str | Vendor) -> TrackerRegistry:
        """A copy of this registry that also selects ``items``.

        Each item is a vendor name (``"youtube"``), a category (``"analytics"``:
        every vendor of that category) or a :class:`Vendor` (added, replacing
        one of the same name, and selected). An unknown name raises
        :class:`~privmw.ConfigurationError` with a "did you mean".
        """
        return _select(self, items, "TrackerRegistry.select", "items")

    def recategorised(self, categories: Mapping[str, str]) -> TrackerRegistry:
        """A copy in which each named vendor has the given category.

        ``{"recaptcha": "necessary"}`` makes reCAPTCHA load without consent;
        ``{"sentry": "necessary"}`` is a site's call for error monitoring.
        """
        return _recategorise(self, categories, "TrackerRegistry.recategorised", "categories")

    def disclosed(self) -> tuple[Vendor, ...]:
        """The vendors the disclosure lists: selected or observed, in registry order."""
        wanted = set(self.selected) | set(self.observed.vendors())
        return tuple(v for v in self.vendors if v.name in wanted)

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
        # Only the last labels can name a vendor (no vendor host has more than
        # ``_depth`` of them): start there, so a host of a thousand labels
        # costs no more than one of five (the walk below is linear in its length).
        cut = len(host)
        for _ in range(self._depth):
            cut = host.rfind(".", 0, cut)
            if cut < 0:
                break
        if cut >= 0:
            host = host[cut + 1 :]
        by_host = self._by_host
        routes = self._routes
        while True:
            entries = by_host.get(host)
            if entries is not None:
                for p_path, vendor in entries:
                    if not p_path or path.startswith(p_path):
                        route = routes.get((host, p_path)) if routes else None
                        if route is not None:
                            return self._route(resolved, path, vendor, route)
                        return vendor
            dot = host.find(".")
            if dot < 0:
                return None
            host = host[dot + 1 :]

    @staticmethod
    def _route(
        resolved: Resolved,
        path: str,
        vendor: Vendor,
        route: tuple[str, tuple[tuple[str, Vendor], ...]],
    ) -> Vendor:
        """The product a shared URL pattern serves: by ``id`` prefix or by a piece of the path."""
        kind, targets = route
        if kind == "id":
            tag_id = query_param(resolved, "id")
            if tag_id:
                tag_id = tag_id.strip().lower()
                for prefix, routed in targets:
                    if tag_id.startswith(prefix):
                        return routed
            return vendor
        slashed = "/" + path
        for piece, routed in targets:
            if piece in slashed:
                return routed
        return vendor

    def match_cookie(self, name: str) -> Vendor | None:
        """The vendor that sets a cookie of this name, or ``None``."""
        vendor = self._cookie_exact.get(name)
        if vendor is not None:
            return vendor
        vendor = self._cookie_prefixes.get(name)
        if vendor is not None:
            return vendor
        for pattern, vendor in self._cookie_globs:
            if pattern.match(name):
                return vendor
        return None

    def cookie_pattern(self, name: str, vendor: Vendor) -> str:
        """The pattern of ``vendor`` that cookie ``name`` matches (the name if exact)."""
        if name in vendor.cookies:
            return name
        for pattern in vendor.cookies:
            stem = _prefix_pattern(pattern)
            if stem is not None and name.startswith(stem):
                return pattern
            if fnmatch.fnmatchcase(name, pattern):
                return pattern
        return name

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


def _select(
    registry: TrackerRegistry, items: Iterable[object], owner: str, option: str
) -> TrackerRegistry:
    """``registry`` with ``items`` (names, categories, Vendors) added to its selection."""
    if isinstance(items, (str, Vendor)):
        fail(owner, option, "a list of vendor names, categories or privmw.Vendor", items)
    added: list[Vendor] = []
    names: list[str] = list(registry.selected)
    pending: list[str] = []
    for item in items:
        if isinstance(item, Vendor):
            added.append(item)
            names.append(item.name)
        elif isinstance(item, str):
            pending.append(item)
        else:
            fail(owner, f"{option} entries", "vendor names, categories or privmw.Vendor", item)
    base = registry._copy(vendors=(*registry.vendors, *added)) if added else registry
    known = {v.name for v in base.vendors}
    categories = base.categories()
    for item in pending:
        if item in known:
            names.append(item)
        elif item in categories:
            names.extend(v.name for v in base.vendors if v.category == item)
        else:
            fail(
                owner,
                f"{option} entries",
                "names of privmw's vendors (like 'google-analytics') or categories "
                "(like 'analytics'), or privmw.Vendor objects",
                item,
                suggest(item, sorted(known | categories)),
            )
    return base._copy(selected=names)


def _recategorise(
    registry: TrackerRegistry, categories: object, owner: str, option: str
) -> TrackerRegistry:
    """``registry`` with the named vendors moved to other categories."""
    if not isinstance(categories, Mapping):
        fail(owner, option, 'a mapping like {"recaptcha": "necessary"}', categories)
    if not categories:
        return registry
    changed: dict[str, Vendor] = {}
    for name, category in categories.items():
        vendor = registry._by_name.get(name) if isinstance(name, str) else None
        if vendor is None:
            fail(
                owner,
                f"{option} keys",
                "names of the registry's vendors",
                name,
                suggest(name, registry._by_name),
            )
        if not isinstance(category, str) or not _NAME.match(category):
            fail(owner, f"{option}[{name!r}]", "a category name like 'necessary'", category)
        changed[name] = replace(vendor, category=category)
    return registry._copy(vendors=[changed.get(v.name, v) for v in registry.vendors])


def build_registry(
    vendors: Iterable[Vendor | str] | TrackerRegistry | None = None,
    *aliases: tuple[str, Iterable[Vendor]],
    categories: Mapping[str, str] | None = None,
    owner: str = "PrivacyMiddleware",
) -> TrackerRegistry:
    """The one registry of a middleware (always a fresh object, so observations are its own).

    ``vendors`` is a :class:`TrackerRegistry` (used as it is: a full
    replacement, its selection kept), or entries added to privmw's defaults
    and selected: vendor names (``"youtube"``), categories (``"analytics"``:
    every vendor of it) and :class:`Vendor` objects (a vendor with a default
    one's name replaces it). ``categories`` moves named vendors to another
    category (``{"recaptcha": "necessary"}``). ``aliases`` are the deprecated
    ``ConsentPolicy.vendors`` / ``TagGate.vendors`` as ``(option name,
    vendors)``: they feed the same registry, with a :class:`DeprecationWarning`
    naming the option.
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
        registry = _select(vendors, extra, owner, "vendors") if extra else vendors._copy()
    else:
        if vendors is None:
            vendors = ()
        if isinstance(vendors, (Vendor, str)) or not isinstance(vendors, Iterable):
            fail(
                owner,
                "vendors",
                "a list of vendor names, categories or privmw.Vendor, or a privmw.TrackerRegistry",
                vendors,
            )
        registry = _select(TrackerRegistry(), (*extra, *vendors), owner, "vendors")
    if categories is not None:
        registry = _recategorise(registry, categories, owner, "vendor_categories")
    return registry
