"""The bounded in-memory table: one TAT per bucket, and the ban records.

Keys are keyed-hash digests (bytes), never addresses. Both maps are LRU
ordered and hard-capped: a flood of distinct clients evicts the least recently
seen ones instead of growing memory, and there is no timer thread: stale entries
are simply evicted or wiped when the hash key rotates.

Why ``collections.OrderedDict`` and not ``cachetools.LRUCache``: the latter
keeps a dict *and* an OrderedDict per entry (about 230 bytes per tracked
client with a 12-byte digest and a float, measured with ``tracemalloc``), the
plain OrderedDict about 180; both are C-implemented and O(1) per operation.

References:
    fail2ban ``bantime.increment`` (``bantime × 2ⁿ``), ``bantime.maxtime``,
    ``bantime.rndtime``; nginx ``limit_req`` (LRU eviction in a fixed zone).
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable

from .gcra import Decision, gcra
from .rules import Bans

__all__: list[str] = []

# Offender record fields (a list, mutated in place).
_STRIKES = 0
_FIRST = 1
_COUNT = 2
_UNTIL = 3


class Table:
    """TATs per bucket and fail2ban-style ban records, both LRU-capped.

    Args:
        max_clients: the most buckets (and the most ban records) kept.
        bans: ban settings, or ``None`` to never ban.
        rand: a ``[0, 1)`` source for the ban jitter (injected in tests).
    """

    __slots__ = ("_bans", "_cap", "_offenders", "_rand", "_tats")

    def __init__(
        self,
        max_clients: int,
        bans: Bans | None = None,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._cap = max_clients
        self._bans = bans
        self._rand = rand
        self._tats: OrderedDict[bytes, float] = OrderedDict()
        self._offenders: OrderedDict[bytes, list[float]] = OrderedDict()

    def __repr__(self) -> str:
        return f"Table(tracked={len(self._tats)}, max_clients={self._cap})"

    @property
    def tracked(self) -> int:
        """Buckets currently held (at most ``max_clients``)."""
        return len(self._tats)

    @property
    def max_clients(self) -> int:
        return self._cap

    def banned(self, now: float) -> int:
        """Clients banned at ``now``."""
        return sum(1 for rec in self._offenders.values() if rec[_UNTIL] > now)

    def wipe(self) -> None:
        """Forget every bucket and ban (the hash key rotated, or the operator asked)."""
        self._tats.clear()
        self._offenders.clear()

    def step(self, key: bytes, now: float, interval: float, burst: int) -> Decision:
        """Apply GCRA to bucket ``key`` and store the new TAT when allowed."""
        tats = self._tats
        tat = tats.get(key)
        if tat is not None:
            tats.move_to_end(key)
        decision = gcra(tat, now, interval, burst)
        if decision[0]:
            tats[key] = decision[1]
            if tat is None and len(tats) > self._cap:
                tats.popitem(last=False)
        return decision

    def ban_end(self, client: bytes, now: float) -> float:
        """When the ban on ``client`` ends, or 0.0 when it is not banned."""
        rec = self._offenders.get(client)
        if rec is None or rec[_UNTIL] <= now:
            return 0.0
        return rec[_UNTIL]

    def strike(self, client: bytes, now: float) -> float:
        """Count one refusal; return when the ban ends if this one earns a ban, else 0.0.

        ``after`` refusals within ``findtime`` seconds earn a ban of
        ``min(base × 2ⁿ, max_time)`` seconds (``n``: earlier bans of this
        client), lengthened by up to ``jitter`` × that at random.
        """
        bans = self._bans
        if bans is None:
            return 0.0
        offenders = self._offenders
        rec = offenders.get(client)
        if rec is None:
            rec = [0.0, now, 0.0, 0.0]
            offenders[client] = rec
            if len(offenders) > self._cap:
                offenders.popitem(last=False)
        else:
            offenders.move_to_end(client)
        if now - rec[_FIRST] > bans.findtime:
            rec[_STRIKES] = 0.0
            rec[_FIRST] = now
        rec[_STRIKES] += 1
        if rec[_STRIKES] < bans.after:
            return 0.0
        duration = min(bans.base * 2.0 ** min(rec[_COUNT], 62), bans.max_time)
        duration += duration * bans.jitter * self._rand()
        rec[_COUNT] += 1
        rec[_STRIKES] = 0.0
        rec[_FIRST] = now
        rec[_UNTIL] = now + duration
        return rec[_UNTIL]
