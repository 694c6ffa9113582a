"""The one bounded cache: capped in entries *and* bytes, never pinned by a large value.

Every cache in privmw is owned by a runtime object (never module-global) and
is an instance of :class:`BoundedCache`. Keys are often client-chosen (cookie
headers, user agents, tag bytes), so the cache must stay small whatever a
client sends: an item whose cost (its size in bytes, as the caller measures
it) exceeds ``max_item`` is simply not stored, and when storing one more item
would exceed ``max_entries`` or ``max_bytes`` the cache is emptied first.
Emptying instead of evicting one by one keeps a hit a single ``dict.get`` (no
LRU bookkeeping on the hot path); a steady working set refills at once.
``lru=True`` evicts the least recently used items instead, for caches whose
misses are expensive and off the request path (user agents, parsed by the
access log's writer thread).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, NamedTuple, TypeVar

__all__ = ["BoundedCache", "CacheInfo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CacheInfo(NamedTuple):
    """What a cache holds right now (for tests and ``stats()``), never its keys."""

    entries: int
    bytes: int
    max_entries: int
    max_bytes: int
    clears: int


class BoundedCache(Generic[K, V]):
    """A dict capped in entries and in bytes.

    Args:
        max_entries: the most items held.
        max_bytes: the most total cost held.
        max_item: items costing more than this are never stored.

    ``get`` is the underlying ``dict.get`` itself (no extra call frame on hits).
    """

    __slots__ = (
        "_bytes",
        "_clears",
        "_costs",
        "_data",
        "get",
        "lru",
        "max_bytes",
        "max_entries",
        "max_item",
    )

    get: Callable[[K], V | None]

    def __init__(
        self,
        max_entries: int,
        *,
        max_bytes: int = 1 << 20,
        max_item: int = 4096,
        lru: bool = False,
    ) -> None:
        if max_entries < 0 or max_bytes < 0 or max_item < 0:
            raise ValueError("BoundedCache: bounds must be >= 0")
        self.lru = lru
        self._data: dict[K, V] = OrderedDict() if lru else {}
        self._costs: dict[K, int] = {}
        self.get = self._get_lru if lru else self._data.get
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_item = min(max_item, max_bytes)
        self._bytes = 0
        self._clears = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def put(self, key: K, value: V, cost: int) -> V:
        """Store ``value`` under ``key`` if it fits; return ``value`` either way."""
        if cost > self.max_item or self.max_entries == 0:
            return value
        data = self._data
        if key in data:
            return value  # already there: its cost is counted once
        if len(data) >= self.max_entries or self._bytes + cost > self.max_bytes:
            if self.lru:
                self._evict(cost)
            else:
                data.clear()
                self._bytes = 0
                self._clears += 1
        data[key] = value
        self._bytes += cost
        if self.lru:
            self._costs[key] = cost
        return value

    def _get_lru(self, key: K) -> V | None:
        data = self._data
        value = data.get(key)
        if value is not None:
            data.move_to_end(key)  # type: ignore[attr-defined]
        return value

    def _evict(self, cost: int) -> None:
        data = self._data
        costs = self._costs
        while data and (len(data) >= self.max_entries or self._bytes + cost > self.max_bytes):
            key, _ = data.popitem(last=False)  # type: ignore[call-arg]
            self._bytes -= costs.pop(key, 0)

    def clear(self) -> None:
        self._data.clear()
        self._costs.clear()
        self._bytes = 0

    def cache_info(self) -> CacheInfo:
        return CacheInfo(
            len(self._data), self._bytes, self.max_entries, self.max_bytes, self._clears
        )

    def __repr__(self) -> str:
        return (
            f"BoundedCache({len(self._data)}/{self.max_entries} entries, "
            f"{self._bytes}/{self.max_bytes} bytes)"
        )
