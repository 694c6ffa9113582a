"""``Set-Cookie`` gating, expiry of present tracker cookies, and the ``Vary`` merge.

The tracker registry (:mod:`privmw.trackers`) says which category a cookie
name belongs to. A response then

* drops every ``Set-Cookie`` whose cookie belongs to a category the visitor
  has not allowed (unknown cookies pass, or are dropped in strict mode);
* expires tracker cookies the *request* carried whose category is not allowed
  (most trackers set theirs from JavaScript, so stripping ``Set-Cookie`` alone
  never reaches them): ``Max-Age=0`` once host-only and once for the
  registrable parent domain, with no cap on the number;
* carries ``Vary: Cookie, Sec-GPC, DNT`` merged into the app's own ``Vary``,
  on every response, so a shared cache never serves one visitor's page to
  another whose consent or signals differ.

References:
    RFC 6265 (HTTP State Management), sections 4.1 (``Set-Cookie`` syntax),
    5.2 (parsing: the name is everything before the first ``=``), 5.3 step 5
    (the ``Domain`` attribute); RFC 9110 section 12.5.5 (``Vary``);
    W3C Tracking Preference Expression section 6.2 (``Tk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote

from .context import NECESSARY
from .trackers import TrackerRegistry

__all__ = [
    "VARY_TOKENS",
    "CookieGate",
    "expiry_headers",
    "is_deletion",
    "merge_vary",
    "parse_cookie_header",
    "registrable_domain",
    "set_cookie_name",
]

#: What a response's content can depend on once privmw runs.
VARY_TOKENS: tuple[bytes, ...] = (b"Cookie", b"Sec-GPC", b"DNT")
_VARY_VALUE = b", ".join(VARY_TOKENS)
_VARY_LOWER = tuple(t.lower() for t in VARY_TOKENS)
_SET_COOKIE = b"set-cookie"
_VARY = b"vary"
_UNKNOWN = ""  # cache marker: the registry does not know this name

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


def merge_vary(existing: Iterable[bytes]) -> bytes | None:
    """The tokens of :data:`VARY_TOKENS` missing from the given ``Vary`` values, or ``None``."""
    seen: set[bytes] = set()
    for value in existing:
        for token in value.split(b","):
            seen.add(token.strip().lower())
    if b"*" in seen:
        return None
    missing = [t for t, low in zip(VARY_TOKENS, _VARY_LOWER, strict=True) if low not in seen]
    return b", ".join(missing) if missing else None


class CookieGate:
    """Which cookies a response may set, given what the visitor allows.

    Args:
        registry: the tracker registry whose cookie patterns decide categories.
        strict: drop ``Set-Cookie`` for names the registry does not know
            (default: let them through; sessions and CSRF tokens are unknown).
        names: extra exact cookie names → category, consulted before the
            registry (the consent cookie itself, the app's own cookies).
    """

    __slots__ = ("_cache", "_names", "registry", "strict")

    _CACHE_MAX = 4096

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
        self._cache: dict[str, str] = {}

    def category(self, name: str) -> str | None:
        """The category of a cookie name, ``None`` if unknown; percent-encoded names decoded."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._lookup(name)
            if len(self._cache) >= self._CACHE_MAX:
                self._cache.clear()  # names are client-chosen: stay bounded
            self._cache[name] = cached
        return cached or None

    def _lookup(self, name: str) -> str:
        for candidate in (name, unquote(name)) if "%" in name else (name,):
            known = self._names.get(candidate)
            if known is not None:
                return known
            vendor = self.registry.match_cookie(candidate)
            if vendor is not None:
                return vendor.category
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

    def filter_headers(
        self,
        headers: Iterable[tuple[bytes, bytes]],
        allows: Callable[[str], bool],
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> list[tuple[bytes, bytes]]:
        """Response headers with non-consented ``Set-Cookie`` dropped and ``Vary`` merged.

        ``extra`` (expiry cookies, ``Tk``) is appended.
        """
        out = list(headers)
        lowered = [item[0].lower() for item in out]
        if _SET_COOKIE not in lowered and _VARY not in lowered:  # the common case
            out.append((_VARY, _VARY_VALUE))
            if extra:
                out.extend(extra)
            return out
        return self._filter_slow(out, allows, extra)

    def _filter_slow(
        self,
        headers: list[tuple[bytes, bytes]],
        allows: Callable[[str], bool],
        extra: list[tuple[bytes, bytes]] | None,
    ) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        vary_at = -1
        varies: list[bytes] = []
        for item in headers:
            name = item[0].lower()
            if name == _SET_COOKIE:
                value = item[1]
                if not self.allowed(set_cookie_name(value), allows) and not is_deletion(value):
                    continue
            elif name == _VARY:
                if vary_at < 0:
                    vary_at = len(out)
                varies.append(item[1])
            out.append((item[0], item[1]))
        if vary_at < 0:
            out.append((_VARY, _VARY_VALUE))
        else:
            missing = merge_vary(varies)
            if missing is not None:
                vname, vvalue = out[vary_at]
                out[vary_at] = (vname, vvalue + b", " + missing if vvalue.strip() else missing)
        if extra:
            out.extend(extra)
        return out
