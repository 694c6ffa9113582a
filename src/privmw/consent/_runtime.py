"""The consent runtime: built once from a :class:`ConsentPolicy`, used on every request.

It reads the ``Cookie`` header into a :class:`~privmw.PrivacyContext` (the
consent cookie, other managers' cookies, the tracker cookies to expire) and
says which headers every response to the request gets (expiries, ``Tk``).
The endpoints are answered by :mod:`privmw.consent.endpoints`; ``Set-Cookie``
is gated by the :class:`~privmw.cookies.CookieGate` this runtime owns, in the
one send wrapper.
"""

from __future__ import annotations

from privmw._cache import BoundedCache
from privmw._domain import DomainCache, host_name
from privmw._headers import Headers
from privmw._stats import Counters
from privmw._types import Scope
from privmw.context import NECESSARY, PrivacyContext
from privmw.cookies import ENTRY_OVERHEAD, CookieGate, expiry_headers, parse_cookie_header
from privmw.trackers import TrackerRegistry

from .cookie import FUTURE_SKEW, MAX_COOKIE, encode, parse, policy_keys, resign
from .policy import ConsentPolicy

__all__: list[str] = []

#: A cache entry: the categories, the timestamp, and the value re-signed with
#: the current key when an older key verified it (else ``None``).
_Entry = tuple[frozenset[str], int, str | None]
#: Cache entry for a value that is no valid cookie.
_INVALID: _Entry = (frozenset(), -1, None)
#: What one ``Cookie`` header holds for consent: the values of the ``__Host-``
#: consent cookies, of the plain-named ones, and ``(name, category)`` of tracker cookies.
_Scan = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]
#: The prefix browsers accept only from the host itself, over HTTPS, with
#: ``Path=/`` and no ``Domain`` (RFC 6265bis section 4.1.3.2).
HOST_PREFIX = "__Host-"
#: The cached parse of one consent value costs its text plus a frozenset and a tuple.
_VALUE_OVERHEAD = 400


def consent_names(policy: ConsentPolicy) -> tuple[str | None, str]:
    """``(the __Host- name used over HTTPS or None, the plain name)`` of the consent cookie.

    No prefixed name when ``host_prefix`` is off, when ``cookie_domain`` is
    set (``__Host-`` forbids ``Domain``) or when ``cookie_name`` already
    carries a prefix.
    """
    name = policy.cookie_name
    if not policy.host_prefix or policy.cookie_domain or name.startswith(("__Host-", "__Secure-")):
        return None, name
    return HOST_PREFIX + name, name


class ConsentRuntime:
    """Reads consent for each request; owns the cookie gate and the bounded caches.

    Args:
        policy: the configuration.
        registry: the middleware's one tracker registry (cookie categories).
    """

    __slots__ = (
        "_cache",
        "_clock",
        "_cookie_name",
        "_denied",
        "_domains",
        "_host_name",
        "_keys",
        "_max_age",
        "_offered",
        "_readers",
        "_revision",
        "_scans",
        "_tk",
        "gate",
        "policy",
        "registry",
        "stats",
    )

    def __init__(
        self,
        policy: ConsentPolicy,
        registry: TrackerRegistry,
        keys: tuple[bytes, ...] = (),
        stats: Counters | None = None,
    ) -> None:
        self.policy = policy
        self.registry = registry
        prefixed, plain = consent_names(policy)
        names = {plain: NECESSARY, **dict(policy.cookies)}
        if prefixed is not None:
            names[prefixed] = NECESSARY
        self.gate = CookieGate(
            registry, strict=policy.strict_cookies, names=names, clock=policy.clock
        )
        gpc, dnt = frozenset(policy.gpc_denies), frozenset(policy.dnt_denies)
        # index: gpc * 2 + dnt
        self._denied: tuple[frozenset[str], ...] = (frozenset(), dnt, gpc, gpc | dnt)
        self._offered = frozenset(policy.categories)
        self._keys = policy_keys(policy.secret) if policy.secret is not None else keys
        #: The middleware's counters (expired tracker cookies, choices).
        self.stats = stats
        # Both caches are keyed by client-chosen values: bounded in entries
        # and bytes (each entry costs its text plus what its objects weigh, so
        # the bound holds in real memory), and values above a small size are
        # never kept.
        self._cache: BoundedCache[str, _Entry] = BoundedCache(
            4096, max_bytes=1 << 20, max_item=MAX_COOKIE + 2 + _VALUE_OVERHEAD
        )
        self._scans: BoundedCache[int, _Scan] = BoundedCache(
            4096, max_bytes=1 << 20, max_item=16384
        )
        self._cookie_name = plain
        self._host_name = prefixed
        #: Registrable domains per Host value (Public Suffix List), bounded.
        self._domains = DomainCache()
        self._revision = policy.revision
        self._clock = policy.clock
        self._max_age = policy.max_age
        self._readers = policy.readers
        self._tk = (
            (b"tk", policy.tracking_status.encode("ascii")) if policy.tracking_status else None
        )

    def __repr__(self) -> str:
        return f"ConsentRuntime({self.policy!r})"

    def cache_info(self) -> dict[str, object]:
        """Sizes of the caches (never their keys)."""
        return {
            "cookies": self._cache.cache_info(),
            "headers": self._scans.cache_info(),
            "names": self.gate.cache_info(),
            "domains": self._domains.cache_info(),
        }

    # -- reading ---------------------------------------------------------

    def decode(self, value: str, now: float | None = None) -> frozenset[str] | None:
        """The categories a consent cookie value grants now, or ``None``; never raises."""
        entry = self._cache.get(value)
        if entry is None:
            entry = self._parse_cached(value)
        if entry is _INVALID:
            return None
        now = self._clock() if now is None else now
        if not now - self._max_age <= entry[1] <= now + FUTURE_SKEW:
            return None
        return entry[0]

    def context(
        self,
        client: str,
        gpc: bool = False,
        dnt: bool = False,
        cookie: bytes | None = None,
        pseudonym: str | None = None,
    ) -> PrivacyContext:
        """The :class:`PrivacyContext` for one request's signals and ``Cookie`` header."""
        denied = self._denied[gpc * 2 + dnt]
        if not cookie:
            return PrivacyContext(client, gpc, dnt, pseudonym, None, None, denied)
        # Hot path: a visitor sends the same Cookie header again and again, so
        # what it holds (the consent value, the tracker names) is cached under
        # the header's hash: a keyed hash (SipHash with a per-process random
        # key), never the header itself, which would keep session tokens.
        key = hash(cookie)
        scanned = self._scans.get(key)
        if scanned is None:
            scanned = self._scan(cookie)
            hosted, plain, found = scanned
            cost = len(cookie) + ENTRY_OVERHEAD * (1 + len(hosted) + len(plain) + len(found))
            self._scans.put(key, scanned, cost)
        hosted, plain, candidates = scanned
        # A __Host- cookie can only have been set by this host over HTTPS: when
        # there is one, the plain-named ones (which a sibling subdomain can
        # plant) are not read at all.
        values = hosted or plain
        consent: frozenset[str] | None = None
        revision = None
        renew: str | None = None
        if values:
            consent = self._consent(values)
            if consent is not None:
                revision = self._revision
                if len(values) == 1:  # verified by a previous key: re-signed below
                    entry = self._cache.get(values[0])
                    renew = entry[2] if entry is not None else None
        if consent is None and self._readers:
            consent = self._read_others(parse_cookie_header(cookie.decode("latin-1")))
        ctx = PrivacyContext(client, gpc, dnt, pseudonym, consent, revision, denied)
        if renew is not None:
            ctx._renew = renew
        if candidates:
            allows = ctx.allows
            ctx.stale_cookies = tuple(n for n, c in candidates if not allows(c))
        return ctx

    def _consent(self, values: tuple[str, ...]) -> frozenset[str] | None:
        """What consent cookies grant together: the most restrictive wins.

        One cookie: its categories (``None`` if invalid, old or expired).
        Several of the same kind (a sibling subdomain planted one, or an old
        ``Domain`` cookie survived a configuration change): the intersection of
        their categories, and no consent at all if any of them is invalid, so
        that no cookie the host did not set can widen what is granted.
        """
        now = self._clock()
        out: frozenset[str] | None = None
        for raw in values:
            entry = self._cache.get(raw)
            if entry is None:
                entry = self._parse_cached(raw)
            if entry is _INVALID or not now - self._max_age <= entry[1] <= now + FUTURE_SKEW:
                return None
            out = entry[0] if out is None else out & entry[0]
        return out

    def _scan(self, cookie: bytes) -> _Scan:
        """The consent cookies' values and the ``(name, category)`` of tracker cookies.

        Names are compared exactly (``__host-...`` is no ``__Host-`` cookie:
        older browsers let any subdomain set that spelling).
        """
        hosted: list[str] = []
        plain: list[str] = []
        candidates: list[tuple[str, str]] = []
        cname = self._cookie_name
        hname = self._host_name
        category = self.gate.category
        for part in cookie.decode("latin-1").split(";"):
            name, eq, value = part.partition("=")
            if not eq:
                continue
            name = name.strip()
            if name == hname:
                hosted.append(value)
                continue
            if name == cname:
                plain.append(value)
                continue
            cat = category(name)
            if cat is not None and cat != NECESSARY:
                candidates.append((name, cat))
        return tuple(hosted), tuple(plain), tuple(candidates)

    def _parse_cached(self, raw: str) -> _Entry:
        value = raw.strip()
        if len(value) > 1 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        try:
            parsed = parse(value, self._revision, self._offered, self._keys)
        except Exception:  # defensive: client input must never raise
            parsed = None
        if parsed is None:
            entry = _INVALID
        else:
            # Verified by a previous key (rotation): the next response re-signs it.
            renewed = resign(value, self._keys) if parsed[2] else None
            entry = (parsed[0], parsed[1], renewed)
        cost = len(raw) + _VALUE_OVERHEAD + (len(renewed) if parsed and renewed else 0)
        return self._cache.put(raw, entry, cost)

    def _read_others(self, pairs: list[tuple[str, str]]) -> frozenset[str] | None:
        values = dict(reversed(pairs))  # the first occurrence wins, as browsers order them
        for reader in self._readers:
            value = values.get(reader.cookie_name)
            if value is None:
                continue
            try:
                got = reader.read(value, tuple(self.policy.categories))
            except Exception:  # a reader bug must not turn into a 500
                got = None
            if got is not None:
                return frozenset(got) & self._offered
        return None

    # -- responding ------------------------------------------------------

    @property
    def keys(self) -> tuple[bytes, ...]:
        """The consent-signing keys, current first (``()``: cookies are unsigned)."""
        return self._keys

    def encode(self, categories: frozenset[str] | set[str], now: int) -> str:
        """The cookie value for a choice made at ``now``, signed with the current key."""
        policy = self.policy
        return encode(categories, policy.categories, policy.revision, self._keys, now)

    def set_cookie(self, value: str, max_age: int, https: bool) -> bytes:
        """The ``Set-Cookie`` of the consent cookie, named and scoped as the endpoints set it."""
        policy = self.policy
        name = self._host_name if https and self._host_name is not None else self._cookie_name
        attrs = f"; Max-Age={max_age}; Path=/; SameSite=Lax"
        if policy.cookie_domain:
            attrs += f"; Domain={policy.cookie_domain.lstrip('.')}"
        if https:
            attrs += "; Secure"
        return f"{name}={value}{attrs}".encode("ascii")

    def response_headers(self, context: PrivacyContext, scope: Scope) -> Headers | None:
        """Headers every response to this request gets.

        Tracker-cookie expiries, ``Tk``, and the consent cookie re-signed with
        the current key when an older one verified it (key rotation); it keeps
        its timestamp, so the choice expires when it would have.
        """
        extra: Headers | None = None
        if context.stale_cookies:
            extra = expiry_headers(
                context.stale_cookies, self.expiry_domain(scope), secure=is_https(scope)
            )
            stats = self.stats
            if stats is not None:
                category = self.gate.category
                for name in context.stale_cookies:
                    stats.cookie_expired(category(name) or "unknown")
        if self._tk is not None:
            extra = [*(extra or ()), self._tk]
        renew = context._renew
        if renew is not None:
            stamp = int(renew.split(".", 3)[2])
            left = max(1, self._max_age - (int(self._clock()) - stamp))
            refresh = (b"set-cookie", self.set_cookie(renew, left, is_https(scope)))
            extra = [*(extra or ()), refresh]
        return extra

    def expiry_domain(self, scope: Scope) -> str | None:
        """The ``Domain`` tracker cookies are expired on (besides host-only)."""
        for name, value in scope.get("headers", ()):
            if name == b"host":
                return self.domain_for(value.decode("latin-1"))
        return self.domain_for("")

    def domain_for(self, host: str) -> str | None:
        """``cookie_domain`` (as A-labels) if set, else the registrable domain of ``host``."""
        if self.policy.cookie_domain:
            return host_name(self.policy.cookie_domain.lstrip("."))
        return self._domains(host) if host else None


def is_https(scope: Scope) -> bool:
    """Whether the request came over TLS (directly, or per ``X-Forwarded-Proto``)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return bool(value.strip().lower() == b"https")
    return False
