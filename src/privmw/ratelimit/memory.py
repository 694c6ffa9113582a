"""The in-process storage: one TAT per bucket and the ban records, both bounded.

Keys are keyed-hash digests (bytes), never addresses or raw keys. Both maps
are LRU ordered and hard-capped: a flood of distinct clients evicts the least
recently seen ones instead of growing memory, and there is no timer thread:
stale entries are evicted, or wiped when the hash key rotates.

Why ``collections.OrderedDict`` and not ``cachetools.LRUCache``: the latter
keeps a dict *and* an OrderedDict per entry (about 230 bytes per tracked
client with a 12-byte digest and a TAT, measured with ``tracemalloc``), the
plain OrderedDict about 180; both are C-implemented and O(1) per operation.

Used from the event loop's thread only (the middleware and the endpoint
dependency are coroutines), so it needs no lock.

References:
    fail2ban ``bantime.increment`` (``bantime × 2ⁿ``), ``bantime.maxtime``,
    ``bantime.rndtime``; nginx ``limit_req`` (LRU eviction in a fixed zone).
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Sequence

from .gcra import gcra
from .rules import Bans
from .storage import BAN, OK, QUOTA, BanRule, Outcome, Rate, RateResult

__all__: list[str] = []

# Offender record fields (a list of ints, mutated in place).
_STRIKES = 0
_FIRST = 1
_COUNT = 2
_UNTIL = 3


class MemoryStorage:
    """TATs per bucket and fail2ban-style ban records, both LRU-capped.

    Args:
        max_clients: the most buckets (and the most ban records) kept.
        bans: ban settings, or ``None`` to never ban.
        rand: a ``[0, 1)`` source for the ban jitter (injected in tests).
    """

    __slots__ = ("_bans", "_cap", "_offenders", "_rand", "_tats")

    is_async = False

    def __init__(
        self,
        max_clients: int,
        bans: Bans | None = None,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._cap = max_clients
        self._bans = BanRule(bans) if bans is not None else None
        self._rand = rand
        self._tats: OrderedDict[bytes, int] = OrderedDict()
        self._offenders: OrderedDict[bytes, list[int]] = OrderedDict()

    def __repr__(self) -> str:
        return f"MemoryStorage(tracked={len(self._tats)}, max_clients={self._cap})"

    @property
    def tracked(self) -> int:
        """Buckets currently held (at most ``max_clients``)."""
        return len(self._tats)

    @property
    def max_clients(self) -> int:
        return self._cap

    def banned(self, now: int) -> int:
        """Ban keys banned at ``now`` (µs)."""
        return sum(1 for rec in self._offenders.values() if rec[_UNTIL] > now)

    def wipe(self) -> None:
        self._tats.clear()
        self._offenders.clear()

    async def astart(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    async def ahit(
        self,
        ban: bytes | None,
        keys: Sequence[bytes],
        rates: Sequence[Rate],
        cost: int,
        now: int | None,
    ) -> Outcome:
        if now is None:  # pragma: no cover - the limiter always passes its clock here
            raise TypeError("MemoryStorage needs the limiter's clock")
        return self.hit(ban, keys, rates, cost, now)

    def hit(
        self,
        ban: bytes | None,
        keys: Sequence[bytes],
        rates: Sequence[Rate],
        cost: int,
        now: int,
    ) -> Outcome:
        """See :meth:`privmw.ratelimit.storage.Storage.hit`."""
        bans = self._bans
        if bans is not None and ban is not None:
            rec = self._offenders.get(ban)
            if rec is not None and rec[_UNTIL] > now:
                return _banned(rec[_UNTIL] - now, len(rates))
        tats = self._tats
        if len(keys) == 1:  # the common case, without the loop
            key = keys[0]
            tat = tats.get(key)
            if tat is not None:
                tats.move_to_end(key)
            interval, limit = rates[0]
            allowed, new_tat, remaining, reset, retry = gcra(tat, now, interval, limit, cost)
            if allowed:
                tats[key] = new_tat
                if tat is None and len(tats) > self._cap:
                    tats.popitem(last=False)
                return (OK, 0, ((True, remaining, reset),))
            results: tuple[RateResult, ...] = ((False, 0, retry),)
        else:
            decisions = []
            retry = 0
            for key, (interval, limit) in zip(keys, rates, strict=True):
                tat = tats.get(key)
                if tat is not None:
                    tats.move_to_end(key)
                decision = gcra(tat, now, interval, limit, cost)
                decisions.append((key, tat, interval, decision))
                retry = max(retry, decision[4])
            if not retry:  # every rate allows: store every TAT
                for key, tat, _, decision in decisions:
                    tats[key] = decision[1]
                    if tat is None and len(tats) > self._cap:
                        tats.popitem(last=False)
                return (OK, 0, tuple((True, d[2], d[3]) for _, _, _, d in decisions))
            # Refused: nothing stored; the allowing rates report what is left now.
            results = tuple(
                (True, d[2] + cost, d[3] - interval * cost) if d[0] else (False, 0, d[4])
                for _, _, interval, d in decisions
            )
        if bans is not None and ban is not None:
            end = self._strike(bans, ban, now)
            if end:
                return _banned(end - now, len(rates))
        return (QUOTA, retry, results)

    def _strike(self, bans: BanRule, ban: bytes, now: int) -> int:
        """Count one refusal; return when the ban ends if this one earns a ban, else 0."""
        offenders = self._offenders
        rec = offenders.get(ban)
        if rec is None:
            rec = [0, now, 0, 0]
            offenders[ban] = rec
            if len(offenders) > self._cap:
                offenders.popitem(last=False)
        else:
            offenders.move_to_end(ban)
        if now - rec[_FIRST] > bans.findtime:
            rec[_STRIKES] = 0
            rec[_FIRST] = now
        rec[_STRIKES] += 1
        if rec[_STRIKES] < bans.after:
            return 0
        rec[_UNTIL] = now + bans.duration(rec[_COUNT], self._rand())
        rec[_COUNT] += 1
        rec[_STRIKES] = 0
        rec[_FIRST] = now
        return rec[_UNTIL]


def _banned(left: int, n: int) -> Outcome:
    """A ``BAN`` outcome: every rate reports nothing left until the ban ends."""
    return (BAN, left, ((False, 0, left),) * n)
