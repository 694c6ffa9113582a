"""The runtime limiter the middleware builds once from a :class:`RateLimit` (private).

Per request, in the middleware (after the :class:`~privmw.PrivacyContext` is
built, so key functions can read ``request.state.privacy``): hash the client's
address group under the rotating key, pick the rule (route rules by prefix or
template, exemptions), check the allow/deny lists on the full address, compute
the rule's key and hand the storage its one operation (``storage.py``: ban
check, one GCRA step per rate, strike). The result is a :class:`Ticket`, kept
in the scope for the rest of the request: endpoint rules (:class:`~privmw.Limit`)
are evaluated later, inside the app, by the same limiter and storage, and
their verdicts join the ticket so one ``RateLimit``/``RateLimit-Policy`` pair
names every policy of the request.

The full address is only ever a local; storages hold digests; nothing here
logs an address or a key value.

There is one check path, whatever the storage and wherever the rule comes
from: :meth:`Limiter._step_args` makes the storage's arguments, the storage
answers (``hit`` for the in-memory storage, no await on the request path;
``ahit`` for Redis), and :meth:`Limiter._verdict` turns the outcome into a
:class:`Verdict`.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from privmw._cache import BoundedCache
from privmw._errors import ConfigurationError
from privmw._headers import Headers, Response
from privmw._netset import Address, NetSet
from privmw.pseudonym import KeyedHasher

from .gcra import US, ceil_seconds
from .headers import legacy_fields, policy_field, ratelimit_field, sf_string
from .keys import CLIENT_VALUE, Key
from .memory import MemoryStorage
from .refusal import Refusal
from .rules import RateLimit, compile_template, parse_rates, window
from .storage import BAN, OK, Outcome, Rate, RateResult, Storage

if TYPE_CHECKING:
    from .endpoint import Limit

__all__: list[str] = []

logger = logging.getLogger("privmw.ratelimit")

#: Where a request's :class:`Ticket` lives in the ASGI scope.
SCOPE_KEY = "privmw.ratelimit"

#: Verdict kinds.
ALLOW = "ok"
QUOTA = "quota"
BANNED = "ban"
DENY = "deny"
UNAVAILABLE = "unavailable"
_KINDS = {OK: ALLOW, BAN: BANNED}
_STATUS = {QUOTA: 429, BANNED: 429, DENY: 403, UNAVAILABLE: 503}

#: Compiled rules for endpoint limits and dynamic rates: bounded (a rate
#: callable may return anything, a mount path may carry path parameters).
_RULE_CACHE_ENTRIES = 512


class Policy:
    """One rate of a rule as it is advertised: its name, quota, window and header bytes."""

    __slots__ = ("burst", "count", "interval", "limit", "name", "period", "policy_field", "sf_name")

    def __init__(self, name: str, count: int, period: float, burst: int | None) -> None:
        self.name = name
        self.count = count
        self.period = period
        self.burst = count if burst is None else burst
        # Integer µs (see gcra.py); at least 1 µs between requests.
        self.interval = max(1, round(period * US / count))
        self.limit = self.burst * self.interval
        self.sf_name = sf_string(name)
        self.policy_field = policy_field(name, count, period)

    def __repr__(self) -> str:
        return f"Policy({self.name!r}, {self.count}/{self.period:g}s, burst={self.burst})"


def policies(
    name: str, rates: Sequence[tuple[int, float]], burst: int | None
) -> tuple[Policy, ...]:
    """A rule's policies; with several rates each is named ``<name>-<window>s``."""
    if len(rates) == 1:
        return (Policy(name, rates[0][0], rates[0][1], burst),)
    return tuple(Policy(f"{name}-{period:g}s", count, period, burst) for count, period in rates)


class Rule:
    """What one storage operation applies to: the policies, their bucket tags, key and cost.

    ``tag`` separates this rule's buckets from every other rule's for the same
    key; the default rule's tag is empty (its bucket key is the key's digest
    itself). Rules of one ``group`` share the tag, hence the buckets. With
    several policies each gets ``tag#i``, unless ``tags`` gives one tag per
    policy (endpoint limits: see :meth:`Limiter.endpoint_rule`).
    """

    __slots__ = ("cost", "exempt", "key", "policies", "rates", "tags")

    def __init__(
        self,
        policies: tuple[Policy, ...],
        tag: bytes,
        key: Key,
        cost: int = 1,
        exempt: frozenset[bytes] = frozenset(),
        tags: tuple[bytes, ...] | None = None,
    ) -> None:
        self.policies = policies
        self.rates: tuple[Rate, ...] = tuple((p.interval, p.limit) for p in policies)
        self.tags: tuple[bytes, ...]
        if tags is not None:
            self.tags = tags
        elif len(policies) == 1:
            self.tags = (tag,)
        else:
            self.tags = tuple(tag + b"#%d" % i for i in range(len(policies)))
        self.key = key
        self.cost = cost
        self.exempt = exempt

    def keys(self, ident: bytes) -> tuple[bytes, ...]:
        """The bucket keys of the digest ``ident`` for this rule, one per rate."""
        tags = self.tags
        if len(tags) == 1:
            tag = tags[0]
            return (ident + tag if tag else ident,)
        return tuple(ident + tag for tag in tags)

    def __repr__(self) -> str:
        return f"Rule({', '.join(p.name for p in self.policies)})"


def _qualname(fn: object) -> str:
    """A callable's module and qualified name: the same in every process of one app."""
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{getattr(fn, '__module__', None) or type(fn).__module__}.{name}"


def _tag(kind: bytes, text: str) -> bytes:
    """A short fixed-size bucket tag for a group or an endpoint (no raw path in the table)."""
    return kind + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=6).digest()


class Verdict:
    """The limiter's answer for one rule of one request.

    Attributes:
        allowed: let the request through.
        kind: ``"ok"``, ``"quota"`` (429), ``"ban"`` (429), ``"deny"`` (403,
            deny-listed) or ``"unavailable"`` (503, shared limiter down, fail-closed).
        rule: the rule that applied.
        results: ``(ok, remaining, reset µs)`` per policy of the rule.
        retry_us: µs until a refused client may retry (0 when allowed).
    """

    __slots__ = ("allowed", "kind", "results", "retry_us", "rule")

    def __init__(
        self,
        allowed: bool,
        kind: str,
        rule: Rule,
        results: tuple[RateResult, ...],
        retry_us: int,
    ) -> None:
        self.allowed = allowed
        self.kind = kind
        self.rule = rule
        self.results = results
        self.retry_us = retry_us

    @property
    def policy(self) -> Policy:
        """The rule's first policy (the one a single-rate rule has)."""
        return self.rule.policies[0]

    @property
    def remaining(self) -> int:
        """Requests left right now under the tightest policy."""
        return min(r[1] for r in self.results)

    @property
    def retry_after(self) -> int:
        """Whole seconds a refused client waits (``Retry-After``): at least 1 when refused."""
        if self.allowed:
            return 0
        return max(1, ceil_seconds(self.retry_us))

    @property
    def violated(self) -> tuple[str, ...]:
        """Names of the policies that refused (every policy of a ban)."""
        return tuple(
            p.name for p, r in zip(self.rule.policies, self.results, strict=True) if not r[0]
        )

    def __repr__(self) -> str:
        return (
            f"Verdict({self.kind}, rule={self.rule!r}, results={self.results!r}, "
            f"retry_us={self.retry_us})"
        )


class Ticket(Verdict):
    """The rate-limit state of one request, stored in the scope at :data:`SCOPE_KEY`.

    A ticket *is* the middleware rule's verdict (its ``allowed``, ``kind``,
    ``rule``, ``results``, ``retry_us``; ``rule`` is ``None`` when no
    middleware rule applied): one object per request on the hot path.

    Attributes:
        limiter: the limiter that made it.
        client: the keyed hash of the client's address group (``None``: no IP address).
        free: the client is in ``allow``: no rule limits it.
        refused: the first refusing verdict, if any.
        more: endpoint verdicts, in the order they were decided (``None``: none yet).
        app: ``scope["app"]`` when the middleware ran (the Starlette app it is
            inside, if any): an endpoint limit that finds another app there is
            inside a mounted app, whose own error handling stands between it
            and the middleware.
    """

    __slots__ = ("_fields", "_n", "app", "client", "free", "limiter", "more", "refused")

    def __init__(
        self,
        limiter: Limiter,
        client: bytes | None,
        allowed: bool = True,
        kind: str = ALLOW,
        rule: Rule | None = None,
        results: tuple[RateResult, ...] = (),
        retry_us: int = 0,
        *,
        free: bool = False,
        app: object = None,
    ) -> None:
        self.limiter = limiter
        self.client = client
        self.free = free
        self.app = app
        self.allowed = allowed
        self.kind = kind
        self.rule = rule  # type: ignore[assignment]
        self.results = results
        self.retry_us = retry_us
        self.refused: Verdict | None = None if allowed else self
        self.more: list[Verdict] | None = None
        self._fields: Headers | None = None
        self._n = 0

    def settle(self, verdict: Verdict) -> None:
        """The middleware rule's verdict, taken into this ticket."""
        self.allowed = verdict.allowed
        self.kind = verdict.kind
        self.rule = verdict.rule
        self.results = verdict.results
        self.retry_us = verdict.retry_us
        if not verdict.allowed:
            self.refused = self

    @property
    def verdict(self) -> Verdict | None:
        """The middleware rule's verdict (this ticket), or ``None`` when none applied."""
        return self if self.rule is not None else None

    @property
    def verdicts(self) -> list[Verdict]:
        """Every verdict of the request: the middleware's, then the endpoints'."""
        out: list[Verdict] = [] if self.rule is None else [self]
        return out if self.more is None else out + self.more

    def fields(self) -> Headers:
        """The response's ``RateLimit`` fields, as the list the one send wrapper holds.

        The same list object for the whole request: when an endpoint rule adds
        a verdict, the fields at its head are rebuilt in place (other headers
        the middleware appended after them stay).
        """
        fields = self._fields
        if fields is None:
            if self.more is None:
                if self.rule is None:
                    fields = []
                elif len(self.results) == 1:
                    fields = self.limiter.fields_one(self)
                else:
                    fields = self.limiter.fields((self,))
            else:
                fields = self.limiter.fields(self.verdicts)
            self._fields = fields
            self._n = len(fields)
        return fields

    def add(self, verdict: Verdict) -> None:
        """An endpoint rule's verdict joins the request's."""
        if self.more is None:
            self.more = [verdict]
        else:
            self.more.append(verdict)
        if self.refused is None and not verdict.allowed:
            self.refused = verdict
        fields = self._fields
        if fields is not None:
            alone = self.rule is None and len(self.more) == 1
            new = self.limiter.fields((verdict,) if alone else self.verdicts)
            fields[: self._n] = new
            self._n = len(new)

    def clear_fields(self) -> None:
        """Drop the ``RateLimit`` fields from the response's list (a refusal sends its own)."""
        if self._fields is not None:
            del self._fields[: self._n]
            self._n = 0

    def __repr__(self) -> str:
        return f"Ticket({self.verdicts!r}, free={self.free})"


def route_path(scope: Any) -> str:
    """The path the app routes on: ``path`` without a leading ``root_path`` (as Starlette)."""
    path: str = scope["path"]
    root = scope.get("root_path")
    if root and path.startswith(root):
        if len(path) == len(root):
            return "/"
        if path[len(root)] == "/":
            return path[len(root) :]
    return path


def _methods(methods: tuple[str, ...]) -> frozenset[str] | None:
    """The methods a route rule matches (``None``: all); ``GET`` brings ``HEAD``.

    Starlette answers ``HEAD`` with a ``GET`` route's endpoint (its ``Route``
    adds ``HEAD`` to ``methods`` when ``GET`` is there, as RFC 9110 section
    9.3.2 has a server do), so a ``GET`` rule that skipped ``HEAD`` would let
    the same work run unlimited. ``HEAD`` counts against the very same buckets.
    """
    if not methods:
        return None
    out = frozenset(methods)
    return out | {"HEAD"} if "GET" in out else out


#: Mounts followed from the top router to an endpoint (deeper: the concrete prefix stays).
_MAX_MOUNTS = 16


def _mount_templates(scope: Any, root: str, base: str) -> str | None:
    """The mount templates leading from ``scope["router"]`` to ``root`` (``None``: not found).

    Starlette's own matching, again, on a probe scope starting at ``base``
    (the ``root_path`` above the first mount): the first route of each
    router that matches fully is the one Starlette took (``Router.app``);
    each ``Mount`` on the way adds its template and its concrete prefix,
    until the prefix is the request's ``root_path``.
    """
    from starlette.routing import Match

    routes = getattr(scope.get("router"), "routes", None)
    probe: dict[str, Any] = {
        "type": scope.get("type"),
        "path": scope.get("path"),
        "root_path": base,
        "app_root_path": base,
        "method": scope.get("method", "GET"),
        "headers": scope.get("headers") or [],
        "path_params": {},
    }
    parts: list[str] = []
    try:
        for _ in range(_MAX_MOUNTS):
            if probe["root_path"] == root:
                return "".join(parts)
            if not isinstance(routes, Sequence):
                return None
            for candidate in routes:
                match, child = candidate.matches(probe)
                if match == Match.FULL:
                    break
            else:
                return None
            routes = getattr(candidate, "routes", None)
            if routes is None:  # an endpoint before any mount: not the way this request went
                return None
            if "root_path" in child:  # a Mount (a Host adds no path)
                template = getattr(candidate, "path", None)
                if not isinstance(template, str):
                    return None
                parts.append(template)
            probe.update(child)
    except Exception:  # a custom route's matches() is not ours to trust
        logger.debug("privmw rate limit: mount templates not found", exc_info=True)
    return None


class Limiter:
    """Rate limiting and bans keyed by rotating pseudonyms.

    Args:
        config: the :class:`RateLimit` option.
        clock: monotonic seconds for GCRA and bans (default ``config.clock``;
            without either: ``time.monotonic`` in memory, the server's clock
            in Redis).
        wall: wall-clock seconds for the hash-key epochs (default
            ``config.wall_clock`` or ``time.time``).
        rand: the ban jitter source.
        secret: the root of the hash keys, derived by the middleware from its
            secret (``None``: ``backend.secret``, else a random key per epoch).
    """

    def __init__(
        self,
        config: RateLimit,
        *,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] | None = None,
        rand: Callable[[], float] = random.random,
        secret: bytes | None = None,
    ) -> None:
        self.config = config
        clock = clock or config.clock
        self._wall = wall or config.wall_clock or time.time
        backend = config.backend
        storage: Storage
        if backend is None:
            storage = MemoryStorage(config.max_clients, config.bans, rand=rand)
            clock = clock or time.monotonic
        else:
            from .redis import RedisStorage

            storage = RedisStorage(backend, config.retention, config.bans, rand=rand)
        self.storage = storage
        self.is_async = storage.is_async
        self._clock = clock
        # The rotating key comes from KeyedHasher (random, or derived from the shared
        # secret and the epoch); a BLAKE2b state keyed with a subkey of it is copied
        # per request, which costs about half of keying BLAKE2b from scratch.
        self.hasher = KeyedHasher(
            config.retention,
            secret=secret if secret is not None else None if backend is None else backend.secret,
            clock=self._wall,
            digest_size=32,
            owner="RateLimit",
        )
        self._epoch = self.hasher.epoch
        self._rekey()
        self._bans = config.bans is not None
        self._m4 = (0xFFFFFFFF << (32 - config.ipv4_group)) & 0xFFFFFFFF
        self._m6 = ((1 << 128) - 1) ^ ((1 << (128 - config.ipv6_group)) - 1)
        key = config.key
        assert isinstance(key, Key)  # RateLimit made it one
        self.key = key
        self._exempt_keys = frozenset(
            k.encode("utf-8", "surrogatepass") for k in config.exempt_keys
        )
        rate = config.rate
        self.default: Rule | None = None
        self._dynamic: Callable[[Any, Any], object] | None = None
        if isinstance(rate, str):
            self.default = Rule(
                policies(config.policy, config.rates, config.burst), b"", key, 1, self._exempt_keys
            )
        elif rate is not None:
            self._dynamic = rate
        routes = []
        for index, route in enumerate(config.routes, start=1):
            tag = _tag(b"g", route.group) if route.group else b"%d" % index
            route_key = route.key if isinstance(route.key, Key) else key
            rule = Rule(
                policies(route.name or route.path, route.rates, route.burst),
                tag,
                route_key,
                route.cost,
                self._exempt_keys,
            )
            methods = _methods(route.methods)
            routes.append((route.path, compile_template("Route", route.path), methods, rule))
        self._routes: tuple[tuple[str, re.Pattern[str] | None, frozenset[str] | None, Rule], ...]
        self._routes = tuple(routes)
        self._exempt = tuple(config.exempt)
        self._allow = NetSet(config.allow, owner="RateLimit", option="allow")
        self._deny = NetSet(config.deny, owner="RateLimit", option="deny")
        # Plain bools: NetSet.__bool__ is a Python call on every request.
        self._allowing = bool(self._allow)
        self._denying = bool(self._deny)
        #: The common case: one static rule keyed by the client, nothing else to look at.
        self._simple = (
            self.default is not None
            and key.is_client
            and not (routes or self._exempt or config.allow or config.deny)
        )
        self.headers = config.headers
        self.legacy = config.legacy_headers
        #: The default rule when it is static (the hot path reads it without a None check).
        self._default: Rule = self.default or Rule((), b"", key)
        # Not LRU: a hit is then a plain dict lookup; when full, it starts over.
        self._rules: BoundedCache[tuple[object, ...], Rule] = BoundedCache(
            _RULE_CACHE_ENTRIES, max_bytes=1 << 20, max_item=1 << 12
        )
        self._warned: BoundedCache[tuple[object, ...], bool] = BoundedCache(64, lru=True)
        #: Concrete mount prefix and route -> the prefix as templates (full_template).
        self._mounts: BoundedCache[tuple[str, int], str] = BoundedCache(
            _RULE_CACHE_ENTRIES, max_bytes=1 << 20, max_item=1 << 12
        )
        self._timer: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"Limiter({self.config!r}, storage={self.storage!r})"

    # -- introspection (no identities) -------------------------------------------------

    @property
    def tracked(self) -> int:
        """Buckets held in this process's memory (0 with Redis)."""
        storage = self.storage
        return storage.tracked if isinstance(storage, MemoryStorage) else 0

    @property
    def bans(self) -> int:
        """Clients banned right now (in this process's memory; 0 with Redis)."""
        storage = self.storage
        if not isinstance(storage, MemoryStorage) or self._clock is None:
            return 0
        return storage.banned(self._now())

    def wipe(self) -> None:
        """Forget every bucket and ban in this process."""
        self.storage.wipe()

    def cache_info(self) -> object:
        """The compiled-rule cache's sizes (endpoint rules, dynamic rates)."""
        return self._rules.cache_info()

    def _now(self) -> int:
        clock = self._clock
        if clock is None:  # pragma: no cover - only Redis runs without a clock
            raise TypeError("no clock")
        return int(clock() * US)

    # -- lifecycle ----------------------------------------------------------------------

    async def astart(self) -> None:
        """Open the storage's connections and arm the epoch timer (idempotent)."""
        await self.storage.astart()
        if self._timer is None:
            self._arm()

    async def aclose(self) -> None:
        """Close the storage's connections and the epoch timer (idempotent)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self.storage.aclose()

    # -- keys ---------------------------------------------------------------------------

    def _rekey(self) -> None:
        """Take the current epoch's key; wipe the storage if the epoch changed."""
        hasher = self.hasher
        epoch = hasher.current_epoch()
        self._keyed = hashlib.blake2b(key=hasher.digest(b"privmw.ratelimit"), digest_size=12)
        self._next_roll = (epoch + 1) * hasher.retention
        if epoch != self._epoch:
            self._epoch = epoch
            self.storage.wipe()

    def _hash(self) -> Any:
        """A copy of the current epoch's keyed BLAKE2b state (rolling the key if due)."""
        if self._wall() >= self._next_roll:
            self._rekey()
        if self._timer is None:
            self._arm()
        return self._keyed.copy()

    def client_key(self, address: Address) -> bytes:
        """The keyed hash of the client's group (its /32 or /64 by default).

        Wipes the in-memory storage when the key has rotated, so no bucket
        outlives the retention period. The group is hashed behind a version
        byte that no other key's input starts with (those start with ``k``).
        """
        if self._wall() >= self._next_roll:
            self._rekey()
        if self._timer is None:
            self._arm()
        h = self._keyed.copy()
        version, value = address
        if version == 4:
            h.update(((4 << 32) | (value & self._m4)).to_bytes(5, "big"))
        else:
            h.update(((6 << 128) | (value & self._m6)).to_bytes(17, "big"))
        return h.digest()

    def key_digest(self, key: Key, value: bytes) -> bytes:
        """The keyed hash of a key's value (an API key, a user id), never stored raw."""
        h = self._hash()
        h.update(b"k" + key.namespace + b"\x00" + value)
        return h.digest()  # type: ignore[no-any-return]

    def _ident(self, rule: Rule, scope: Any, privacy: Any, client: bytes | None) -> bytes | None:
        """The digest a rule's buckets are keyed by for this request; ``None``: not limited."""
        key = rule.key
        if key.is_client:
            return client
        value = key.value(scope, privacy)
        if value is None or value in rule.exempt:
            return None
        if value is CLIENT_VALUE:
            return client
        return self.key_digest(key, value)

    def _arm(self) -> None:
        """Schedule a wipe at the end of the epoch on the running loop, if any.

        An idle process would otherwise keep the old key and table until the
        next request; this needs no thread, only a loop timer.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        retention = self.hasher.retention
        delay = retention - self._wall() % retention
        self._timer = loop.call_later(delay + 0.05, self._expire)

    def _expire(self) -> None:
        self._timer = None
        if self._wall() >= self._next_roll:
            self._rekey()
        self._arm()

    # -- rules ------------------------------------------------------------------------

    def select(self, method: str, path: str) -> Rule | None:
        """The static middleware rule for a method and app path (``None``: exempt or none)."""
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        if self._dynamic is not None:
            raise TypeError("select() cannot pick a dynamic rate without a request")
        return self._middleware_rule(scope, None)

    def _dynamic_rule(
        self,
        source: object,
        where: str,
        text: object,
        make: Callable[[tuple[tuple[int, float], ...]], Rule],
        burst: int | None,
    ) -> Rule | None:
        """The rule for a rate computed per request (``None``: not limited this time)."""
        if text is None:
            return None
        cache_key = (source, where, text)
        rule = self._rules.get(cache_key)
        if rule is None:
            try:
                rates = parse_rates(text, owner="RateLimit", option="dynamic rate")
            except ConfigurationError as exc:
                self._warn_once(("bad", source, str(text)[:64]), "privmw rate limit: %s", exc)
                return None
            self._check_retention(source, str(text), rates, burst)
            rule = make(rates)
            self._rules.put(cache_key, rule, len(str(text)) + len(where) + 64)
        return rule

    def _check_retention(
        self, source: object, text: str, rates: Sequence[tuple[int, float]], burst: int | None
    ) -> None:
        retention = self.config.retention
        for count, period in rates:
            if window(count, period, burst) > retention:
                self._warn_once(
                    ("long", source, text),
                    "privmw rate limit: %r needs more state than RateLimit retention (%g s) "
                    "keeps; it resets every retention period. Set RateLimit(retention=...)",
                    text,
                    retention,
                )

    def _warn_once(self, cause: tuple[object, ...], message: str, *args: object) -> None:
        if self._warned.get(cause) is None:
            self._warned.put(cause, True, 1)
            logger.warning(message, *args)

    def endpoint_rule(self, limit: Limit, scope: Any, privacy: Any) -> Rule | None:
        """The rule of an endpoint :class:`~privmw.Limit` on this request's route.

        Compiled once per limit and route template (and rate text, for a
        dynamic one) in a bounded cache. The buckets are the route's *full*
        template (:meth:`full_template`: ``/t/{tenant}/login`` under
        ``Mount("/t/{tenant}")``), so the concrete values of a mount's path
        parameters share them; the policy name is the route's own template.
        Each ``Limit`` has its own buckets there, one per rate, tagged by the
        template and what the ``Limit`` declares (its name, its rate text or
        its rate function's qualified name, its burst) and the rate's place:
        ``Limit("5/minute")`` and ``Limit("100/hour")`` on one route keep
        separate buckets (they once shared one: the hourly rule's steps
        counted against the minute's), while a dynamic rate keeps its buckets
        whatever rate it returns (a rate that changes per request must not
        start fresh buckets). The tags are the same in every process, so
        workers share them through Redis.
        """
        route = scope.get("route")
        template = getattr(route, "path", None)
        if isinstance(template, str):
            full = self.full_template(scope, route, template)
        else:  # not routed by Starlette: the path itself
            template = route_path(scope)
            full = (scope.get("root_path") or "") + template
        if limit.dynamic is None:
            rule = self._rules.get((limit, full))
            if rule is not None:
                return rule

        def make(rates: tuple[tuple[int, float], ...]) -> Rule:
            name = limit.name or limit.group or template
            key = limit.key if limit.key is not None else self.key
            exempt = self._exempt_keys | limit.exempt_values
            made = policies(name, rates, limit.burst)
            if limit.group:
                return Rule(made, _tag(b"g", limit.group), key, limit.cost, exempt)
            declared = f"{full}\n{limit.name}\n{limit.rate_text or _qualname(limit.dynamic)}"
            tags = tuple(_tag(b"e", f"{declared}\n{limit.burst}#{i}") for i in range(len(made)))
            return Rule(made, b"", key, limit.cost, exempt, tags)

        if limit.dynamic is not None:
            text = limit.dynamic(scope, privacy)
            return self._dynamic_rule(limit, full, text, make, limit.burst)
        self._check_retention(limit, limit.rate_text, limit.rates, limit.burst)
        rule = make(limit.rates)
        self._rules.put((limit, full), rule, len(full) + 64)
        return rule

    def full_template(self, scope: Any, route: object, template: str) -> str:
        """The template of the routed endpoint from the top: mounts' templates, then its own.

        Starlette keeps only the innermost route in ``scope["route"]`` and
        the *concrete* prefix of its mounts in ``scope["root_path"]``
        (``/t/acme`` under ``Mount("/t/{tenant}")``). Without mounts
        (``app_root_path``, set by the first mount, absent or equal) that
        prefix is the server's ``root_path``, fixed per deployment. Under
        mounts, the mount templates are found by matching the request again
        from ``scope["router"]`` (the first router the request entered), mount
        by mount, as Starlette did: bounded in depth, remembered per concrete
        prefix and route in a bounded cache. A request whose mounts cannot be
        found so (a router that is not Starlette's) keeps the concrete prefix.
        """
        root = scope.get("root_path") or ""
        base = scope.get("app_root_path")
        if base is None or base == root:
            return root + template
        cache_key = (root, id(route))
        mounts = self._mounts.get(cache_key)
        if mounts is None:
            found = _mount_templates(scope, root, base)
            mounts = root if found is None else base + found
            self._mounts.put(cache_key, mounts, len(root) + len(mounts) + 64)
        return mounts + template

    # -- the one check path -----------------------------------------------------------

    def _middleware_rule(self, scope: Any, privacy: Any) -> Rule | None:
        """The middleware rule for a request (``None``: exempt, or no rule applies)."""
        path = route_path(scope)
        for prefix in self._exempt:
            if path.startswith(prefix):
                return None
        method = scope.get("method", "GET")
        for prefix, pattern, methods, rule in self._routes:
            if methods is not None and method not in methods:
                continue
            if pattern.fullmatch(path) if pattern is not None else path.startswith(prefix):
                return rule
        func = self._dynamic
        if func is None:
            return self.default
        config = self.config

        def make(rates: tuple[tuple[int, float], ...]) -> Rule:
            named = policies(config.policy, rates, config.burst)
            return Rule(named, b"", self.key, 1, self._exempt_keys)

        return self._dynamic_rule(None, "", func(scope, privacy), make, config.burst)

    def _step_args(
        self, rule: Rule, ident: bytes, cost: int | None
    ) -> tuple[bytes | None, tuple[bytes, ...], tuple[Rate, ...], int]:
        return (
            ident if self._bans else None,
            rule.keys(ident),
            rule.rates,
            rule.cost if cost is None else cost,
        )

    def _verdict(self, rule: Rule, outcome: Outcome | None) -> Verdict | None:
        if outcome is None:  # the shared storage is unreachable
            if self.config.backend is None or self.config.backend.fail_open:
                return None
            return Verdict(False, UNAVAILABLE, rule, ((False, 0, US),) * len(rule.policies), US)
        kind, retry, results = outcome
        return Verdict(kind == OK, _KINDS.get(kind, QUOTA), rule, results, retry)

    def _begin(self, address: Address | None, scope: Any) -> Ticket:
        """The request's ticket: the client's digest, or ``free`` when allow-listed."""
        app = scope.get("app")
        if address is None:
            ticket = Ticket(self, None, app=app)
        elif self._allowing and address in self._allow:
            ticket = Ticket(self, None, free=True, app=app)
        else:
            ticket = Ticket(self, self.client_key(address), app=app)
        scope[SCOPE_KEY] = ticket
        return ticket

    def _prepare(
        self, ticket: Ticket, address: Address | None, scope: Any, privacy: Any
    ) -> Rule | None:
        """The middleware rule to apply, after the exemptions and the deny list."""
        if ticket.free:
            return None
        rule = self._middleware_rule(scope, privacy)
        if rule is None:
            return None
        if self._denying and address in self._deny:
            ticket.settle(Verdict(False, DENY, rule, ((False, 0, 0),) * len(rule.policies), 0))
            return None
        return rule

    def check(self, address: Address | None, scope: Any, privacy: Any) -> Ticket:
        """The middleware's rule, decided with a synchronous storage (memory)."""
        if self._simple and address is not None:  # the common case, without detours
            client = self.client_key(address)
            default = self._default
            kind, retry, results = self.storage.hit(
                client if self._bans else None,
                (client,),
                default.rates,
                1,
                int(self._clock() * 1_000_000),  # type: ignore[misc]
            )
            ticket = Ticket(
                self,
                client,
                kind == OK,
                _KINDS.get(kind, QUOTA),
                default,
                results,
                retry,
                app=scope.get("app"),
            )
            scope[SCOPE_KEY] = ticket
            return ticket
        ticket = self._begin(address, scope)
        rule = self._prepare(ticket, address, scope, privacy)
        if rule is not None:
            ident = self._ident(rule, scope, privacy, ticket.client)
            if ident is not None:
                outcome = self.storage.hit(*self._step_args(rule, ident, None), self._now())
                self._settle(ticket, self._verdict(rule, outcome))
        return ticket

    @staticmethod
    def _settle(ticket: Ticket, verdict: Verdict | None) -> None:
        """The middleware rule's verdict on its ticket."""
        if verdict is not None:
            ticket.settle(verdict)

    async def acheck(self, address: Address | None, scope: Any, privacy: Any) -> Ticket:
        """The middleware's rule, decided with any storage (Redis: one round trip)."""
        ticket = self._begin(address, scope)
        rule = self._prepare(ticket, address, scope, privacy)
        if rule is not None:
            ident = self._ident(rule, scope, privacy, ticket.client)
            if ident is not None:
                self._settle(ticket, await self._astep(rule, ident, None))
        return ticket

    async def _astep(self, rule: Rule, ident: bytes, cost: int | None) -> Verdict | None:
        storage = self.storage
        args = self._step_args(rule, ident, cost)
        if not storage.is_async:
            return self._verdict(rule, storage.hit(*args, self._now()))
        now = None if self._clock is None else self._now()
        return self._verdict(rule, await storage.ahit(*args, now))

    def _endpoint_plan(self, ticket: Ticket, limit: Limit, scope: Any) -> tuple[Rule, bytes] | None:
        """The rule and the digest an endpoint limit steps for this request (``None``: skip)."""
        if ticket.free:
            return None
        state = scope.get("state")
        privacy = state.get("privacy") if type(state) is dict else None
        rule = self.endpoint_rule(limit, scope, privacy)
        if rule is None:
            return None
        ident = self._ident(rule, scope, privacy, ticket.client)
        if ident is None:
            return None
        return rule, ident

    def _endpoint_settle(
        self, ticket: Ticket, verdict: Verdict | None, scope: Any
    ) -> Verdict | None:
        """An endpoint verdict joins the ticket; a refusal raises ``RateLimitExceeded``.

        Inside a mounted Starlette/FastAPI app (``scope["app"]`` is not the app
        the middleware ran in, or the middleware wraps the app from outside),
        that app's ``ServerErrorMiddleware`` would answer any exception on its
        way out with a 500 before the middleware could answer it: there the
        refusal is raised as an ``HTTPException`` too, which that app's own
        exception handling answers (one 429, with the refusal's fields).
        """
        if verdict is None:
            return None
        ticket.add(verdict)
        if not verdict.allowed:
            from .endpoint import RateLimitExceeded, RefusedInMountedApp

            refusal = self.refusal(ticket, verdict)
            # The refusal carries the fields now: whoever answers it sends them once.
            ticket.clear_fields()
            if scope.get("type") == "http" and scope.get("app") is not ticket.app:
                raise RefusedInMountedApp(refusal)
            raise RateLimitExceeded(refusal)
        return verdict

    def check_endpoint(
        self, ticket: Ticket, limit: Limit, scope: Any, cost: int | None = None
    ) -> Verdict | None:
        """One endpoint rule for this request, with a synchronous storage (memory).

        Raises:
            RateLimitExceeded: the rule refused (the middleware answers it,
                unless the app has an exception handler for it).
        """
        plan = self._endpoint_plan(ticket, limit, scope)
        if plan is None:
            return None
        rule, ident = plan
        outcome = self.storage.hit(
            ident if self._bans else None,
            rule.keys(ident),
            rule.rates,
            rule.cost if cost is None else cost,
            int(self._clock() * 1_000_000),  # type: ignore[misc]
        )
        return self._endpoint_settle(ticket, self._verdict(rule, outcome), scope)

    async def acheck_endpoint(
        self, ticket: Ticket, limit: Limit, scope: Any, cost: int | None = None
    ) -> Verdict | None:
        """:meth:`check_endpoint` with any storage (Redis: one round trip)."""
        plan = self._endpoint_plan(ticket, limit, scope)
        if plan is None:
            return None
        rule, ident = plan
        return self._endpoint_settle(ticket, await self._astep(rule, ident, cost), scope)

    # -- the response side -----------------------------------------------------------

    def fields(self, verdicts: Sequence[Verdict]) -> Headers:
        """``RateLimit-Policy`` and ``RateLimit`` (and legacy fields if on) for the verdicts.

        One pair for all of them: each field is a list naming every policy
        (a policy evaluated twice counts once, the last time; one with the same
        name but another quota or window is listed beside it).
        """
        if len(verdicts) == 1 and len(verdicts[0].results) == 1:
            return self.fields_one(verdicts[0])
        items: dict[bytes, tuple[Policy, RateResult]] = {}
        for verdict in verdicts:
            if verdict.kind in (DENY, UNAVAILABLE):
                continue
            for policy, result in zip(verdict.rule.policies, verdict.results, strict=True):
                # Same name, quota and window: the same policy (rules may share a name).
                items.pop(policy.policy_field, None)
                items[policy.policy_field] = (policy, result)
        if not items:
            return []
        pairs = list(items.values())
        out = [
            (b"ratelimit-policy", b", ".join(p.policy_field for p, _ in pairs)),
            (b"ratelimit", b", ".join(ratelimit_field(p.sf_name, r[1], r[2]) for p, r in pairs)),
        ]
        if self.legacy:
            # The legacy fields have room for one policy: the one with least left.
            policy, result = min(pairs, key=lambda pair: pair[1][1])
            out += legacy_fields(policy.count, result[1], result[2])
        return out

    def fields_one(self, verdict: Verdict) -> Headers:
        """:meth:`fields` of one single-policy verdict (the common case, without loops)."""
        policy = verdict.rule.policies[0]
        _, remaining, reset = verdict.results[0]
        out = [
            (b"ratelimit-policy", policy.policy_field),
            (b"ratelimit", b"%s;r=%d;t=%d" % (policy.sf_name, remaining, -(-reset // 1_000_000))),
        ]
        if self.legacy:
            out += legacy_fields(policy.count, remaining, reset)
        return out

    def refusal(self, ticket: Ticket, verdict: Verdict) -> Refusal:
        """The refusal, as data, for the refusing ``verdict`` of a request."""
        kind = verdict.kind
        headers: Headers = []
        retry = 0
        if kind != DENY:
            retry = verdict.retry_after
            headers.append((b"retry-after", b"%d" % retry))
            if kind != UNAVAILABLE:
                headers += self.fields(ticket.verdicts or [verdict])
        return Refusal(_STATUS[kind], kind, retry, verdict.violated, headers)

    async def respond(self, scope: Any, refusal: Refusal) -> Response:
        """The HTTP answer to a refusal: the app's ``handler``, or privmw's (texts, Accept)."""
        config = self.config
        if config.handler is not None:
            from starlette.requests import Request

            made = config.handler(Request(scope), refusal)
            if inspect.isawaitable(made):
                made = await made
            if made is not None:
                return _from_starlette(made, refusal)
        texts = config.texts
        if callable(texts):
            texts = texts(scope)
        accept = None
        for name, value in scope.get("headers") or ():
            if name == b"accept" or name.lower() == b"accept":
                accept = value
                break
        status, headers, body = refusal.render(accept, texts)
        return Response(status, headers, body)


def _from_starlette(response: Any, refusal: Refusal) -> Response:
    """A handler's Starlette ``Response`` as data, with the refusal's fields it lacks."""
    body = getattr(response, "body", None)
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(
            "privmw RateLimit handler must return a Starlette Response with a body "
            f"(not a streaming one) or None, got {type(response).__name__}"
        )
    headers: Headers = list(response.raw_headers)
    present = {name.lower() for name, _ in headers}
    headers += [(n, v) for n, v in refusal.raw_headers if n not in present]
    return Response(int(response.status_code), headers, bytes(body))
