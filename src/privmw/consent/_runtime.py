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

_OWS = " \t"  # the whitespace RFC 6265 trims around cookie names and values

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
#: A cached verdict weighs its object and tuples besides the header it stands for.
_VERDICT_OVERHEAD = 600
#: Per stale tracker cookie: two tuple slots and two memoised expiry headers.
_STALE_OVERHEAD = 520
#: Expiry headers are memoised on a verdict for at most this many stale cookies.
_MEMO_STALE_MAX = 16
_NEVER = float("-inf")
_EVER = float("inf")


class _Verdict:
    """What one ``Cookie`` header decides under one signal state, while ``lo <= now <= hi``.

    Holds no cookie value but the consent cookie re-signed for this visitor
    (``renew``) and the names of tracker cookies to expire; the expiry headers
    are memoised for the last (host, https) they were built for.
    """

    __slots__ = (
        "categories",
        "consent",
        "denied",
        "expiry",
        "expiry_for",
        "hi",
        "lo",
        "renew",
        "revision",
        "stale",
    )

    def __init__(
        self,
        consent: frozenset[str] | None,
        revision: str | None,
        denied: frozenset[str],
        stale: tuple[str, ...],
        categories: tuple[str, ...],
        renew: str | None,
        lo: float,
        hi: float,
    ) -> None:
        self.consent = consent
        self.revision = revision
        self.denied = denied
        self.stale = stale
        self.categories = categories
        self.renew = renew
        self.lo = lo
        self.hi = hi
        self.expiry: Headers | None = None
        self.expiry_for: tuple[bytes, bool] | None = None


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
        "_tk_headers",
        "_verdicts",
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
        self._verdicts: BoundedCache[int, _Verdict] = BoundedCache(
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
        self._tk_headers: Headers | None = [self._tk] if self._tk is not None else None

    def __repr__(self) -> str:
        return f"ConsentRuntime({self.policy!r})"

    def cache_info(self) -> dict[str, object]:
        """Sizes of the caches (never their keys)."""
        return {
            "cookies": self._cache.cache_info(),
            "headers": self._scans.cache_info(),
            "verdicts": self._verdicts.cache_info(),
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
        signals = gpc * 2 + dnt
        if not cookie:
            return PrivacyContext(client, gpc, dnt, pseudonym, None, None, self._denied[signals])
        # Hot path: a visitor sends the same Cookie header again and again, so
        # everything it decides (the consent, the tracker cookies to expire,
        # their expiry headers) is cached under the header's hash and the
        # signals: a keyed hash (SipHash with a per-process random key), never
        # the header itself, which would keep session tokens. The consent's
        # freshness is the only thing that moves with time: a verdict holds
        # for the window in which every cookie it read is fresh.
        key = hash(cookie) * 4 + signals
        verdict = self._verdicts.get(key)
        now = self._clock()
        if verdict is None or not verdict.lo <= now <= verdict.hi:
            verdict = self._verdict(cookie, key, signals, now)
        ctx = PrivacyContext(
            client,
            gpc,
            dnt,
            pseudonym,
            verdict.consent,
            verdict.revision,
            verdict.denied,
            verdict.stale,
        )
        ctx._renew = verdict.renew
        ctx._verdict = verdict
        return ctx

    def _verdict(self, cookie: bytes, key: int, signals: int, now: float) -> _Verdict:
        """Compute (and cache) what one Cookie header decides under one signal state."""
        scanned = self._scans.get(hash(cookie))
        if scanned is None:
            scanned = self._scan(cookie)
            hosted, plain, found = scanned
            cost = len(cookie) + ENTRY_OVERHEAD * (1 + len(hosted) + len(plain) + len(found))
            self._scans.put(hash(cookie), scanned, cost)
        hosted, plain, candidates = scanned
        denied = self._denied[signals]
        # A __Host- cookie can only have been set by this host over HTTPS: when
        # there is one, the plain-named ones (which a sibling subdomain can
        # plant) are not read at all.
        values = hosted or plain
        consent, lo, hi = self._consent(values, now) if values else (None, _NEVER, _EVER)
        revision = None
        renew: str | None = None
        if consent is not None:
            revision = self._revision
            if len(values) == 1:  # verified by a previous key: re-signed on the response
                entry = self._cache.get(values[0])
                renew = entry[2] if entry is not None else None
        if consent is None and self._readers:
            consent = self._read_others(parse_cookie_header(cookie.decode("latin-1")))
            lo, hi = now, now + 1.0  # other managers' cookies may expire on their own clock
        stale: tuple[str, ...] = ()
        categories: tuple[str, ...] = ()
        if candidates:
            kept = [
                (n, c) for n, c in candidates if consent is None or c not in consent or c in denied
            ]
            stale = tuple(n for n, _ in kept)
            categories = tuple(c for _, c in kept)
        verdict = _Verdict(consent, revision, denied, stale, categories, renew, lo, hi)
        # What the verdict weighs in real memory: itself, its tuples and, for a
        # few stale cookies, the two expiry headers of each it will memoise.
        cost = len(cookie) + _VERDICT_OVERHEAD + len(stale) * _STALE_OVERHEAD
        return self._verdicts.put(key, verdict, cost)

    def _consent(
        self, values: tuple[str, ...], now: float
    ) -> tuple[frozenset[str] | None, float, float]:
        """What consent cookies grant together, and the time window that answer holds.

        One cookie: its categories (``None`` if invalid, old or expired).
        Several of the same kind (a sibling subdomain planted one, or an old
        ``Domain`` cookie survived a configuration change): the intersection of
        their categories, and no consent at all if any of them is invalid, so
        that no cookie the host did not set can widen what is granted. Each is
        fresh while ``stamp - FUTURE_SKEW <= now <= stamp + max_age``.
        """
        out: frozenset[str] | None = None
        lo, hi = _NEVER, _EVER
        for raw in values:
            entry = self._cache.get(raw)
            if entry is None:
                entry = self._parse_cached(raw)
            if entry is _INVALID:
                return None, _NEVER, _EVER  # invalid whatever the time
            lo = max(lo, entry[1] - FUTURE_SKEW)
            hi = min(hi, entry[1] + self._max_age)
            out = entry[0] if out is None else out & entry[0]
        if now < lo:
            return None, _NEVER, lo  # from the future: no consent until it is fresh
        if now > hi:
            return None, hi, _EVER  # expired: no consent from now on
        return out, lo, hi

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
            name = name.strip(_OWS)  # SP and HTAB only, as browsers trim (not U+00A0)
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
        value = raw.strip(_OWS)
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

    def encode(
        self, categories: frozenset[str] | set[str], now: int, receipt: str | None = None
    ) -> str:
        """The cookie value for a choice made at ``now``, signed with the current key.

        ``receipt``: the id of the choice's :class:`~privmw.ConsentReceipt`, kept in it.
        """
        policy = self.policy
        return encode(categories, policy.categories, policy.revision, self._keys, now, receipt)

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
        its timestamp, so the choice expires when it would have. Nothing here
        depends on more than the cookie names, the ``Host`` and the scheme, so
        the headers are built once per cached verdict and (host, scheme).
        """
        stale = context.stale_cookies
        renew = context._renew
        if not stale and renew is None:
            return self._tk_headers
        verdict = context._verdict
        # One walk for both: the Host (the expiry's Domain) and the scheme.
        host = b""
        https = scope.get("scheme") in ("https", "wss")
        proto_seen = https
        for name, value in scope["headers"]:
            if name == b"host":
                if not host:
                    host = value
                    if proto_seen:
                        break
            elif name == b"x-forwarded-proto" and not proto_seen:
                proto_seen = True
                https = value.strip().lower() == b"https"
                if host:
                    break
        if (
            isinstance(verdict, _Verdict)
            and verdict.expiry_for is not None
            and verdict.expiry_for[0] == host
            and verdict.expiry_for[1] is https
            and verdict.stale is stale
            and renew is None
        ):
            extra = verdict.expiry
        else:
            extra = self._build_headers(stale, renew, host, https)
            if (
                isinstance(verdict, _Verdict)
                and verdict.stale is stale
                and renew is None
                and len(stale) <= _MEMO_STALE_MAX
            ):
                verdict.expiry, verdict.expiry_for = extra, (host, https)
        stats = self.stats
        if stats is not None and stale:
            if isinstance(verdict, _Verdict) and verdict.stale is stale:
                for category in verdict.categories:
                    stats.cookie_expired(category)
            else:
                category_of = self.gate.category
                for name in stale:
                    stats.cookie_expired(category_of(name) or "unknown")
        return extra

    def _build_headers(
        self, stale: tuple[str, ...], renew: str | None, host: bytes, https: bool
    ) -> Headers | None:
        extra: Headers | None = None
        if stale:
            domain = self.domain_for(host.decode("latin-1")) if host else self.domain_for("")
            extra = expiry_headers(stale, domain, secure=https)
        if self._tk is not None:
            extra = [*(extra or ()), self._tk]
        if renew is not None:
            stamp = int(renew.split(".", 3)[2])
            left = max(1, self._max_age - (int(self._clock()) - stamp))
            refresh = (b"set-cookie", self.set_cookie(renew, left, https))
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
