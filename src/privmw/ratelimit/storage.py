"""The storage contract: where buckets and bans live, behind one operation.

The limiter (``_limiter.py``) decides *what* to check: which rule, which
keyed-hash bucket keys, which rates, what cost. A storage does one atomic
thing per rule, :meth:`Storage.hit`:

1. if the ban key is banned, answer ``BAN`` (nothing else is touched);
2. run one GCRA step (``gcra.py``) per rate of the rule; if every rate
   allows, store every new TAT; if any refuses, store none (a rule with
   ``"10/minute;100/hour"`` never spends the hour's allowance on a request the
   minute refused);
3. on a refusal, count a strike against the ban key and, after ``Bans.after``
   strikes within ``findtime``, ban it for ``base × 2ⁿ`` (``n``: earlier bans),
   at most ``max_time``, plus up to ``jitter`` of that.

In memory (``memory.py``) that is a few dict operations; in Redis
(``redis.py``) it is one Lua script, so a client banned by one worker is
banned by every worker. The split follows the ``limits`` library's
storage/strategy split (``limits/storage/base.py``, ``strategies.py``): the
strategy (GCRA, the ban rule) is fixed here, each storage implements it once,
and a behavioural table (``tests/ratelimit/test_storage.py``) runs the same
cases against both.

Times are integer microseconds (see ``gcra.py``). ``now`` comes from the
limiter's clock; a shared storage may take ``None`` and use its own clock
(Redis ``TIME``), so that workers on several hosts agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from .gcra import US

if TYPE_CHECKING:
    from .rules import Bans

__all__: list[str] = []

#: Outcome kinds.
OK = 0
QUOTA = 1
BAN = 2

#: ``(ok, remaining, reset_us)`` for one rate of a rule. ``remaining`` is
#: after this request when it was allowed, and what is left now otherwise;
#: ``reset_us`` is the time until the bucket is full again for a rate that
#: allows, and until this request would be allowed for one that refuses (the
#: ``t`` of the ``RateLimit`` field: when more quota is available).
RateResult = tuple[bool, int, int]

#: ``(kind, retry_after_us, per-rate results)``; ``retry_after_us`` is 0 for ``OK``.
Outcome = tuple[int, int, tuple[RateResult, ...]]

#: One rate of a rule, as the storage needs it: ``(interval_us, limit_us)``
#: where ``limit_us = burst × interval_us``.
Rate = tuple[int, int]


class BanRule:
    """:class:`Bans` in integer microseconds, shared by both storages."""

    __slots__ = ("after", "base", "findtime", "jitter", "max_time")

    def __init__(self, bans: Bans) -> None:
        self.after = bans.after
        self.findtime = round(bans.findtime * US)
        self.base = round(bans.base * US)
        self.max_time = round(bans.max_time * US)
        self.jitter = float(bans.jitter)

    def duration(self, earlier: int, rand: float) -> int:
        """The length of a client's next ban (µs) after ``earlier`` bans."""
        length = min(self.base << min(earlier, 62), self.max_time)
        return length + int(length * self.jitter * rand)


class Storage(Protocol):
    """What the limiter needs from a storage (memory or Redis).

    ``is_async`` tells the limiter which of :meth:`hit` (a synchronous storage:
    no await on the request path) or :meth:`ahit` to call; both implement the
    same semantics.
    """

    is_async: bool

    def hit(
        self,
        ban: bytes | None,
        keys: Sequence[bytes],
        rates: Sequence[Rate],
        cost: int,
        now: int,
    ) -> Outcome:
        """The one atomic operation (see the module docstring), synchronously.

        Args:
            ban: the keyed-hash identity bans are kept under, or ``None`` for no bans.
            keys: one keyed-hash bucket key per rate.
            rates: ``(interval_us, limit_us)`` per rate.
            cost: units the request takes from every rate.
            now: the time in µs.
        """
        ...

    async def ahit(
        self,
        ban: bytes | None,
        keys: Sequence[bytes],
        rates: Sequence[Rate],
        cost: int,
        now: int | None,
    ) -> Outcome | None:
        """:meth:`hit` for any storage; ``None`` when the storage cannot be reached.

        ``now=None`` lets a shared storage use its own clock.
        """
        ...

    def wipe(self) -> None:
        """Forget what this process holds (the hash key rotated, or the operator asked)."""
        ...

    async def astart(self) -> None:
        """Open what the storage needs (connections); idempotent."""
        ...

    async def aclose(self) -> None:
        """Close what :meth:`astart` (or first use) opened; idempotent."""
        ...
