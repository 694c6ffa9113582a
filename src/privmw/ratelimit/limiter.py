"""The runtime limiter the middleware builds once from a :class:`RateLimit`.

Per request: pick the policy (route rules, exemptions), check the allow/deny
lists on the full address, group the address (/32 for IPv4, /64 for IPv6 by
default), hash it under the rotating key, then consult the ban records and the
GCRA bucket. The full address is only ever a local; the table holds digests;
nothing here logs an address.

The memory backend is synchronous (:meth:`Limiter.check`); the Redis backend
needs a round trip (:meth:`Limiter.acheck`, ``is_async`` is true).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import time
from collections.abc import Callable

from privmw._headers import Response
from privmw._netset import Address, NetSet
from privmw.pseudonym import KeyedHasher

from .gcra import Decision
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
from .rules import RateLimit
from .table import Table

__all__: list[str] = []

OK = "ok"
QUOTA = "quota"
BAN = "ban"
DENY = "deny"
UNAVAILABLE = "unavailable"


class Policy:
    """One compiled rule: its rate, burst, bucket tag and precomputed header bytes."""

    __slots__ = ("burst", "count", "interval", "name", "period", "policy_field", "sf_name", "tag")

    def __init__(self, name: str, count: int, period: float, burst: int | None, tag: bytes):
        self.name = name
        self.count = count
        self.period = period
        self.burst = count if burst is None else burst
        self.interval = period / count
        self.tag = tag
        self.sf_name = sf_string(name)
        self.policy_field = policy_field(name, count, period)

    def __repr__(self) -> str:
        return f"Policy({self.name!r}, {self.count}/{self.period:g}s, burst={self.burst})"


class Verdict:
    """The limiter's answer for one request.

    Attributes:
        allowed: let the request through.
        kind: ``"ok"``, ``"quota"`` (429), ``"ban"`` (429), ``"deny"`` (403,
            deny-listed) or ``"unavailable"`` (503, shared limiter down, fail-closed).
        policy: the policy that applied.
        remaining: requests left right now.
        reset: seconds until the quota is restored (for ``t``).
        retry_after: seconds until a refused client may retry.
    """

    __slots__ = ("allowed", "kind", "policy", "remaining", "reset", "retry_after")

    def __init__(
        self,
        allowed: bool,
        kind: str,
        policy: Policy,
        remaining: int,
        reset: float,
        retry_after: float,
    ) -> None:
        self.allowed = allowed
        self.kind = kind
        self.policy = policy
        self.remaining = remaining
        self.reset = reset
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"Verdict({self.kind}, policy={self.policy.name!r}, remaining={self.remaining}, "
            f"reset={self.reset:.3f}, retry_after={self.retry_after:.3f})"
        )


class Limiter:
    """Rate limiting and bans keyed by rotating pseudonyms.

    Args:
        config: the :class:`RateLimit` option.
        clock: monotonic seconds for GCRA and bans (injected in tests).
        wall: wall-clock seconds for the hash-key epochs (shared with other
            processes when a Redis secret is used).
        rand: the ban jitter source.
        secret: the root of the hash keys, derived by the middleware from its
            secret (``None``: ``backend.secret``, else a random key per epoch).
    """

    def __init__(
        self,
        config: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        secret: bytes | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._wall = wall
        backend = config.backend
        # The rotating key comes from KeyedHasher (random, or derived from the shared
        # secret and the epoch); a BLAKE2b state keyed with a subkey of it is copied
        # per request, which costs about half of keying BLAKE2b from scratch.
        self.hasher = KeyedHasher(
            config.retention,
            secret=secret if secret is not None else None if backend is None else backend.secret,
            clock=wall,
            digest_size=32,
            owner="RateLimit",
        )
        self.table = Table(config.max_clients, config.bans, rand=rand)
        self._epoch = self.hasher.epoch
        self._rekey()
        self._bans = config.bans is not None
        self._m4 = (0xFFFFFFFF << (32 - config.ipv4_group)) & 0xFFFFFFFF
        self._m6 = ((1 << 128) - 1) ^ ((1 << (128 - config.ipv6_group)) - 1)
        self.default = Policy(config.policy, config.count, config.period, config.burst, b"")
        routes = []
        for index, route in enumerate(config.routes, start=1):
            policy = Policy(
                route.name or route.path, route.count, route.period, route.burst, b"%d" % index
            )
            methods = frozenset(route.methods) if route.methods else None
            routes.append((route.path, methods, policy))
        self._routes = tuple(routes)
        self._exempt = tuple(config.exempt)
        self._simple = not (routes or self._exempt or config.allow or config.deny)
        self._allow = NetSet(config.allow, owner="RateLimit", option="allow")
        self._deny = NetSet(config.deny, owner="RateLimit", option="deny")
        self.headers = config.headers
        self.legacy = config.legacy_headers
        self.is_async = backend is not None
        self.store = None
        if backend is not None:
            from .redis import RedisStore

            self.store = RedisStore(backend, config.retention)
        self._timer: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        return f"Limiter({self.config!r}, tracked={self.table.tracked})"

    # -- introspection (no identities) -------------------------------------------------

    @property
    def tracked(self) -> int:
        """Buckets held in this process's table."""
        return self.table.tracked

    @property
    def bans(self) -> int:
        """Clients banned right now (in this process)."""
        return self.table.banned(self._clock())

    def wipe(self) -> None:
        """Forget every bucket and ban in this process."""
        self.table.wipe()

    # -- the request path ------------------------------------------------------------

    def select(self, method: str, path: str) -> Policy | None:
        """The policy for a request, or ``None`` when its path is exempt."""
        if self._simple:
            return self.default
        for prefix in self._exempt:
            if path.startswith(prefix):
                return None
        for prefix, methods, policy in self._routes:
            if path.startswith(prefix) and (methods is None or method in methods):
                return policy
        return self.default

    def _rekey(self) -> None:
        """Take the current epoch's key; wipe the table if the epoch changed."""
        hasher = self.hasher
        epoch = hasher.current_epoch()
        self._keyed = hashlib.blake2b(key=hasher.digest(b"privmw.ratelimit"), digest_size=12)
        self._next_roll = (epoch + 1) * hasher.retention
        if epoch != self._epoch:
            self._epoch = epoch
            self.table.wipe()

    def client_key(self, address: Address) -> bytes:
        """The keyed hash of the client's group (its /32 or /64 by default).

        Wipes the table when the key has rotated, so no bucket outlives the
        retention period.
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

    def _prelude(self, address: Address, method: str, path: str) -> Verdict | Policy | None:
        """The policy to apply; or a final answer (``None``: not limited, or a deny)."""
        if self._simple:
            return self.default
        policy = self.select(method, path)
        if policy is None:
            return None
        if self._allow and address in self._allow:
            return None
        if self._deny and address in self._deny:
            return Verdict(False, DENY, policy, 0, 0.0, 0.0)
        return policy

    def _decide(self, client: bytes, policy: Policy, now: float, d: Decision) -> Verdict:
        allowed, _, remaining, reset, retry_after = d
        if allowed:
            return Verdict(True, OK, policy, remaining, reset, 0.0)
        end = self.table.strike(client, now) if self._bans else 0.0
        if end:
            return Verdict(False, BAN, policy, 0, end - now, end - now)
        return Verdict(False, QUOTA, policy, 0, retry_after, retry_after)

    def check(self, address: Address | None, method: str, path: str) -> Verdict | None:
        """Decide synchronously (memory backend); ``None`` when not limited at all."""
        if address is None:
            return None  # no IP (e.g. a Unix socket without proxy headers): not limited
        if self._simple:  # the common case, without detours
            policy = self.default
        else:
            pre = self._prelude(address, method, path)
            if not isinstance(pre, Policy):
                return pre
            policy = pre
        client = self.client_key(address)
        now = self._clock()
        table = self.table
        if self._bans:
            end = table.ban_end(client, now)
            if end:
                return Verdict(False, BAN, policy, 0, end - now, end - now)
        key = client + policy.tag if policy.tag else client
        decision = table.step(key, now, policy.interval, policy.burst)
        if decision[0]:
            return Verdict(True, OK, policy, decision[2], decision[3], 0.0)
        return self._decide(client, policy, now, decision)

    async def acheck(self, address: Address | None, method: str, path: str) -> Verdict | None:
        """Decide with the shared store (Redis); bans stay in this process's memory."""
        if self.store is None:
            return self.check(address, method, path)
        if address is None:
            return None
        pre = self._prelude(address, method, path)
        if not isinstance(pre, Policy):
            return pre
        policy = pre
        client = self.client_key(address)
        now = self._clock()
        if self._bans:
            end = self.table.ban_end(client, now)
            if end:
                return Verdict(False, BAN, policy, 0, end - now, end - now)
        key = client + b":" + policy.tag if policy.tag else client
        decision = await self.store.step(key, policy.interval, policy.burst)
        if decision is None:  # the store is unreachable
            if self.store.fail_open:
                return None
            return Verdict(False, UNAVAILABLE, policy, 0, 1.0, 1.0)
        return self._decide(client, policy, now, decision)

    async def aclose(self) -> None:
        """Close the shared store's connections and the epoch timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.store is not None:
            await self.store.aclose()

    # -- the response side -----------------------------------------------------------

    def fields(self, verdict: Verdict) -> list[tuple[bytes, bytes]]:
        """``RateLimit-Policy`` and ``RateLimit`` (and legacy fields if on) for a verdict."""
        policy = verdict.policy
        out = [
            (b"ratelimit-policy", policy.policy_field),
            (b"ratelimit", ratelimit_field(policy.sf_name, verdict.remaining, verdict.reset)),
        ]
        if self.legacy:
            out += legacy_fields(policy.count, verdict.remaining, verdict.reset)
        return out


_DETAILS = {
    QUOTA: (429, QUOTA_EXCEEDED, "Request quota exceeded; retry after the given delay."),
    BAN: (429, ABNORMAL_USAGE, "Too many refused requests; temporarily blocked."),
    DENY: (403, "about:blank", "Requests from this network are not accepted."),
    UNAVAILABLE: (503, REDUCED_CAPACITY, "The rate limiter is unavailable; retry shortly."),
}


def refusal(limiter: Limiter, verdict: Verdict) -> Response:
    """The HTTP answer to a refused request (a WebSocket is closed with 1008 instead)."""
    status, kind, detail = _DETAILS[verdict.kind]
    body = problem_body(kind, status, detail, (verdict.policy.name,) if status == 429 else ())
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", b"%d" % len(body)),
        (b"cache-control", b"no-store"),
    ]
    if verdict.kind != DENY:
        headers.append((b"retry-after", b"%d" % max(1, math.ceil(verdict.retry_after))))
        if verdict.kind != UNAVAILABLE:
            headers += limiter.fields(verdict)
    return Response(status, headers, body)
