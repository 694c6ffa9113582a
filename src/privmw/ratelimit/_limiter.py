"""The runtime limiter the middleware builds once from a :class:`RateLimit` (private).

Per request: pick the rule (route rules, exemptions), check the allow/deny
lists on the full address, group the address (/32 for IPv4, /64 for IPv6 by
default), hash it under the rotating key, then hand the storage its one
operation (``storage.py``: ban check, one GCRA step per rate, strike). The
full address is only ever a local; storages hold digests; nothing here logs an
address.

There is one check path, whatever the storage: :meth:`Limiter._plan` decides
the rule and the bucket keys, the storage answers (``hit`` for the in-memory
storage, no await on the request path; ``ahit`` for Redis), and
:meth:`Limiter._verdict` turns the outcome into a :class:`Verdict`.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Callable

from privmw._headers import Headers, Response
from privmw._netset import Address, NetSet
from privmw.pseudonym import KeyedHasher

from .gcra import US, ceil_seconds
from .headers import (
    ABNORMAL_USAGE,
    QUOTA_EXCEEDED,
    REDUCED_CAPACITY,
    legacy_fields,
    policy_field,
    problem_body,
    ratelimit_field,
    sf_string,
)
from .memory import MemoryStorage
from .rules import RateLimit
from .storage import BAN, OK, Outcome, Rate, RateResult, Storage

__all__: list[str] = []

#: Verdict kinds.
ALLOW = "ok"
QUOTA = "quota"
BANNED = "ban"
DENY = "deny"
UNAVAILABLE = "unavailable"
_KINDS = {OK: ALLOW, BAN: BANNED}


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


class Rule:
    """What one GCRA step per rate applies to: the policies, their bucket tags, the cost.

    ``tag`` separates this rule's buckets from every other rule's for the same
    client; the default rule's tag is empty (its bucket key is the client's
    digest itself).
    """

    __slots__ = ("cost", "policies", "rates", "tags")

    def __init__(self, policies: tuple[Policy, ...], tag: bytes, cost: int = 1) -> None:
        self.policies = policies
        self.rates: tuple[Rate, ...] = tuple((p.interval, p.limit) for p in policies)
        if len(policies) == 1:
            self.tags: tuple[bytes, ...] = (tag,)
        else:
            self.tags = tuple(tag + b"#%d" % i for i in range(len(policies)))
        self.cost = cost

    def keys(self, client: bytes) -> tuple[bytes, ...]:
        """The bucket keys of ``client`` for this rule, one per rate."""
        tags = self.tags
        if len(tags) == 1:
            tag = tags[0]
            return (client + tag if tag else client,)
        return tuple(client + tag for tag in tags)

    def __repr__(self) -> str:
        return f"Rule({', '.join(p.name for p in self.policies)})"


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
    """

    def __init__(
        self,
        config: RateLimit,
        *,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] | None = None,
        rand: Callable[[], float] = random.random,
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
            secret=None if backend is None else backend.secret,
            clock=self._wall,
            digest_size=32,
            owner="RateLimit",
        )
        self._epoch = self.hasher.epoch
        self._rekey()
        self._bans = config.bans is not None
        self._m4 = (0xFFFFFFFF << (32 - config.ipv4_group)) & 0xFFFFFFFF
        self._m6 = ((1 << 128) - 1) ^ ((1 << (128 - config.ipv6_group)) - 1)
        self.default = Rule(
            (Policy(config.policy, config.count, config.period, config.burst),), b""
        )
        routes = []
        for index, route in enumerate(config.routes, start=1):
            policy = Policy(route.name or route.path, route.count, route.period, route.burst)
            methods = frozenset(route.methods) if route.methods else None
            routes.append((route.path, methods, Rule((policy,), b"%d" % index)))
        self._routes = tuple(routes)
        self._exempt = tuple(config.exempt)
        self._simple = not (routes or self._exempt or config.allow or config.deny)
        self._allow = NetSet(config.allow, owner="RateLimit", option="allow")
        self._deny = NetSet(config.deny, owner="RateLimit", option="deny")
        self.headers = config.headers
        self.legacy = config.legacy_headers
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

    def select(self, method: str, path: str) -> Rule | None:
        """The rule for a request, or ``None`` when its path is exempt."""
        if self._simple:
            return self.default
        for prefix in self._exempt:
            if path.startswith(prefix):
                return None
        for prefix, methods, rule in self._routes:
            if path.startswith(prefix) and (methods is None or method in methods):
                return rule
        return self.default

    def _rekey(self) -> None:
        """Take the current epoch's key; wipe the storage if the epoch changed."""
        hasher = self.hasher
        epoch = hasher.current_epoch()
        self._keyed = hashlib.blake2b(key=hasher.digest(b"privmw.ratelimit"), digest_size=12)
        self._next_roll = (epoch + 1) * hasher.retention
        if epoch != self._epoch:
            self._epoch = epoch
            self.storage.wipe()

    def client_key(self, address: Address) -> bytes:
        """The keyed hash of the client's group (its /32 or /64 by default).

        Wipes the in-memory storage when the key has rotated, so no bucket
        outlives the retention period.
        """
        if self._wall() >= self._next_roll:
            self._rekey()
        if self._timer is None:
            self._arm()
        h = self._keyed.copy()
        version, value = address
        if version == 4:
            h.update((value & self._m4).to_bytes(4, "big"))
        else:
            h.update((value & self._m6).to_bytes(16, "big"))
        return h.digest()

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

    # -- the one check path -----------------------------------------------------------

    def _plan(self, address: Address, method: str, path: str) -> Verdict | Rule | None:
        """The rule to apply; or a final answer (``None``: not limited; a deny verdict)."""
        if self._simple:
            return self.default
        rule = self.select(method, path)
        if rule is None:
            return None
        if self._allow and address in self._allow:
            return None
        if self._deny and address in self._deny:
            return Verdict(False, DENY, rule, ((False, 0, 0),) * len(rule.policies), 0)
        return rule

    def _verdict(self, rule: Rule, outcome: Outcome | None) -> Verdict | None:
        if outcome is None:  # the shared storage is unreachable
            if self.config.backend is None or self.config.backend.fail_open:
                return None
            return Verdict(False, UNAVAILABLE, rule, ((False, 0, US),) * len(rule.policies), US)
        kind, retry, results = outcome
        return Verdict(kind == OK, _KINDS.get(kind, QUOTA), rule, results, retry)

    def check(self, address: Address | None, method: str, path: str) -> Verdict | None:
        """Decide with a synchronous storage (memory); ``None`` when not limited at all."""
        if address is None:
            return None  # no IP (e.g. a Unix socket without proxy headers): not limited
        rule = self._plan(address, method, path)
        if not isinstance(rule, Rule):
            return rule
        client = self.client_key(address)
        outcome = self.storage.hit(
            client if self._bans else None, rule.keys(client), rule.rates, rule.cost, self._now()
        )
        return self._verdict(rule, outcome)

    async def acheck(self, address: Address | None, method: str, path: str) -> Verdict | None:
        """Decide with any storage (Redis: one round trip); ``None`` when not limited."""
        if address is None:
            return None
        rule = self._plan(address, method, path)
        if not isinstance(rule, Rule):
            return rule
        client = self.client_key(address)
        now = None if self._clock is None else self._now()
        outcome = await self.storage.ahit(
            client if self._bans else None, rule.keys(client), rule.rates, rule.cost, now
        )
        return self._verdict(rule, outcome)

    # -- the response side -----------------------------------------------------------

    def fields(self, verdict: Verdict) -> Headers:
        """``RateLimit-Policy`` and ``RateLimit`` (and legacy fields if on) for a verdict."""
        policies = verdict.rule.policies
        results = verdict.results
        if len(policies) == 1:
            policy = policies[0]
            _, remaining, reset = results[0]
            out = [
                (b"ratelimit-policy", policy.policy_field),
                (b"ratelimit", ratelimit_field(policy.sf_name, remaining, reset)),
            ]
        else:
            out = [
                (b"ratelimit-policy", b", ".join(p.policy_field for p in policies)),
                (
                    b"ratelimit",
                    b", ".join(
                        ratelimit_field(p.sf_name, r[1], r[2])
                        for p, r in zip(policies, results, strict=True)
                    ),
                ),
            ]
        if self.legacy:
            # The legacy fields have room for one policy: the one with least left.
            index = min(range(len(results)), key=lambda i: results[i][1])
            _, remaining, reset = results[index]
            out += legacy_fields(policies[index].count, remaining, reset)
        return out


_DETAILS = {
    QUOTA: (429, QUOTA_EXCEEDED, "Request quota exceeded; retry after the given delay."),
    BANNED: (429, ABNORMAL_USAGE, "Too many refused requests; temporarily blocked."),
    DENY: (403, "about:blank", "Requests from this network are not accepted."),
    UNAVAILABLE: (503, REDUCED_CAPACITY, "The rate limiter is unavailable; retry shortly."),
}


def refusal(limiter: Limiter, verdict: Verdict) -> Response:
    """The HTTP answer to a refused request (a WebSocket is closed with 1008 instead)."""
    status, kind, detail = _DETAILS[verdict.kind]
    body = problem_body(kind, status, detail, verdict.violated if status == 429 else ())
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", b"%d" % len(body)),
        (b"cache-control", b"no-store"),
    ]
    if verdict.kind != DENY:
        headers.append((b"retry-after", b"%d" % verdict.retry_after))
        if verdict.kind != UNAVAILABLE:
            headers += limiter.fields(verdict)
    return Response(status, headers, body)
