"""``Set-Cookie`` gating and the expiry of tracker cookies a request carries.

The tracker registry (:mod:`privmw.trackers`) says which category a cookie
name belongs to: the site's own names (``ConsentPolicy.cookies``) first, then
the registry's vendors, then the Open Cookie Database (``privmw._cookiedb``,
whose generic names never gate). A response then

* drops every ``Set-Cookie`` whose cookie belongs to a category the visitor
  has not allowed (unknown cookies pass, or are dropped in strict mode);
* expires tracker cookies the *request* carried whose category is not allowed
  (most trackers set theirs from JavaScript, so stripping ``Set-Cookie`` alone
  never reaches them): ``Max-Age=0`` once host-only and once for the
  registrable parent domain, with no cap on the number;

The response's headers are edited in one place, :mod:`privmw._responder`,
which asks :meth:`CookieGate.blocks` about each ``Set-Cookie``.

References:
    RFC 6265 (HTTP State Management), sections 4.1 (``Set-Cookie`` syntax),
    5.2 (parsing: the name is everything before the first ``=``), 5.3 step 5
    (the ``Domain`` attribute).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote

from ._cache import BoundedCache, CacheInfo
from .context import NECESSARY
from .trackers import TrackerRegistry

__all__: list[str] = []  # internal: users configure cookies through ConsentPolicy

_SET_COOKIE = b"set-cookie"
_UNKNOWN = ""  # cache marker: the registry does not know this name
_SEEN_MAX = 1024  # the most distinct Set-Cookie names observed

#: Second-level labels under which registrations happen one level deeper
#: (``example.co.uk``). Without the Public Suffix List this is a heuristic;
#: set ``ConsentPolicy(cookie_domain=...)`` when it guesses wrong.
_SECOND_LEVEL = frozenset(
    {
        "ac",
        "co",
        "com",
        "edu",
        "gob",
        "gov",
        "govt",
        "ltd",
        "mil",
        "ne",
        "net",
        "nhs",
        "or",
        "org",
        "plc",
        "sch",
    }
)


def parse_cookie_header(raw: str) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of a ``Cookie`` header; never raises.

    Pairs without ``=`` are skipped; surrounding whitespace and one pair of
    double quotes around the value are removed (RFC 6265 section 4.2.1).
    """
    pairs: list[tuple[str, str]] = []
    for part in raw.split(";"):
        name, eq, value = part.partition("=")
        if not eq:
            continue
        name = name.strip()
        value = value.strip()
        if len(value) > 1 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if name:
            pairs.append((name, value))
    return pairs


def set_cookie_name(value: bytes) -> str:
    """The cookie name of a ``Set-Cookie`` field value (RFC 6265 section 5.2)."""
    pair = value.split(b";", 1)[0]
    name, eq, _ = pair.partition(b"=")
    if not eq:
        return ""
    return name.strip().decode("latin-1")


def is_deletion(value: bytes) -> bool:
    """Whether a ``Set-Cookie`` value deletes its cookie (``Max-Age`` ≤ 0 or a 1970 ``Expires``).

    Deleting a tracker cookie never needs consent, so such headers pass the gate.
    """
    for attr in value.split(b";")[1:]:
        key, _, val = attr.partition(b"=")
        key = key.strip().lower()
        if key == b"max-age":
            val = val.strip()
            return val[:1] == b"-" or (val.isdigit() and int(val) == 0)
        if key == b"expires" and b"1970" in val:
            return True
    return False


def registrable_domain(host: str) -> str | None:
    """The parent domain a tracker sets its cookies on (``www.example.org`` → ``example.org``).

    ``None`` for IP addresses, single labels (``localhost``) and anything that
    does not look like a host name. A heuristic without the Public Suffix
    List: ``a.example.co.uk`` → ``example.co.uk``.
    """
    host = host.strip().lower().rstrip(".")
    if host.startswith("["):
        return None
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if not host or ":" in host:
        return None
    labels = host.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return None
    for label in labels:
        if not label or len(label) > 63 or not label.replace("-", "").replace("_", "").isalnum():
            return None
        if not label.isascii():
            return None
    deeper = labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2
    if deeper and len(labels) == 2:
        return None  # "co.uk" itself: browsers refuse Domain= on a public suffix
    take = 3 if deeper else 2
    return ".".join(labels[-take:])


def expiry_headers(
    names: Iterable[str], domain: str | None, *, secure: bool = False
) -> list[tuple[bytes, bytes]]:
    """``Set-Cookie`` headers that delete each named cookie (``Max-Age=0``).

    One host-only deletion and, when ``domain`` is given, one for that
    domain: a cookie is only replaced by a cookie with the same name, domain
    and path, and trackers write theirs on the registrable domain with
    ``Path=/``.
    """
    tail = b"; Max-Age=0; Path=/; SameSite=Lax" + (b"; Secure" if secure else b"")
    out: list[tuple[bytes, bytes]] = []
    dom = b"; Domain=" + domain.encode("ascii") if domain else None
    for name in names:
        raw = name.encode("latin-1", "replace") + b"="
        out.append((_SET_COOKIE, raw + tail))
        if dom is not None:
            out.append((_SET_COOKIE, raw + tail + dom))
    return out


class CookieGate:
    """Which cookies a response may set, given what the visitor allows.

    Args:
        registry: the tracker registry whose cookie patterns decide categories.
        strict: drop ``Set-Cookie`` for names the registry does not know
            (default: let them through; sessions and CSRF tokens are unknown).
        names: extra exact cookie names → category, consulted before the
            registry (the consent cookie itself, the app's own cookies).
    """

    __slots__ = ("_cache", "_names", "_seen", "registry", "strict")

    def __init__(
        self,
        registry: TrackerRegistry,
        *,
        strict: bool = False,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.registry = registry
        self.strict = strict
        self._names: dict[str, str] = dict(names or {})
        # Names are client-chosen: bounded in entries and bytes, long names not kept.
        self._cache: BoundedCache[str, str] = BoundedCache(4096, max_bytes=256 * 1024, max_item=256)
        # Cookie names the app's responses set, already observed (bounded).
        self._seen: set[str] = set()

    def cache_info(self) -> CacheInfo:
        """The size of the name → category cache (never its keys)."""
        return self._cache.cache_info()

    def category(self, name: str) -> str | None:
        """The category of a cookie name, ``None`` if unknown; percent-encoded names decoded."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache.put(name, self._lookup(name), len(name))
        return cached or None

    def _lookup(self, name: str) -> str:
        for candidate in (name, unquote(name)) if "%" in name else (name,):
            known = self._names.get(candidate)
            if known is not None:
                return known
            vendor = self.registry.match_cookie(candidate)
            if vendor is not None:
                return vendor.category
        db = self.registry.cookie_db  # the Open Cookie Database, for names no vendor declares
        if db is not None:
            for candidate in (name, unquote(name)) if "%" in name else (name,):
                found = db.consent_category(candidate)
                if found is not None:
                    return found
        return _UNKNOWN

    def allowed(self, name: str, allows: Callable[[str], bool]) -> bool:
        """Whether a response may set cookie ``name``."""
        category = self.category(name)
        if category is None:
            return not self.strict
        return category == NECESSARY or allows(category)

    def stale(
        self, pairs: Iterable[tuple[str, str]], allows: Callable[[str], bool]
    ) -> tuple[str, ...]:
        """Names of known tracker cookies among ``pairs`` whose category is not allowed."""
        out: list[str] = []
        for name, _ in pairs:
            category = self.category(name)
            if category is not None and category != NECESSARY and not allows(category):
                out.append(name)
        return tuple(out)

    def blocks(self, set_cookie: bytes, allows: Callable[[str], bool]) -> bool:
        """Whether a ``Set-Cookie`` field value must be dropped from the response.

        Deletions always pass: removing a tracker cookie never needs consent.
        A known cookie the app sets is recorded in the registry's observations
        (its name's pattern, never its value).
        """
        name = set_cookie_name(set_cookie)
        if name not in self._seen:
            self._observe(name)
        return not self.allowed(name, allows) and not is_deletion(set_cookie)

    def _observe(self, name: str) -> None:
        """Record which vendor (or the Open Cookie Database) knows a cookie the app sets."""
        seen = self._seen
        if len(seen) >= _SEEN_MAX:
            return  # bounded; later names are simply not recorded
        seen.add(name)
        registry = self.registry
        if name in self._names:
            return  # the site's own declared cookie
        decoded = unquote(name) if "%" in name else name
        vendor = registry.match_cookie(name) or registry.match_cookie(decoded)
        if vendor is not None:
            registry.observed.vendor(vendor.name)
            registry.observed.cookie(registry.cookie_pattern(decoded, vendor), vendor.name)
            return
        db = registry.cookie_db
        if db is not None:
            info = db.info(decoded)
            if info is not None:
                registry.observed.cookie(info.pattern, "ocd")
