"""Longest-prefix lookup for cookie-name patterns (``_ga_*``, ``_pk_id.*``, ``AMCV_*``).

Vendors and the Open Cookie Database describe most cookie families by a
fixed prefix. Looking a name up is on the cookie gate's miss path, which
client-chosen names can reach on every request, so it must not grow with the
number of patterns: prefixes are bucketed by their first two characters and,
within a bucket, tried longest first. A miss costs one dict probe for a name
whose first two characters start no prefix (nearly every site cookie), and a
handful of ``str.startswith`` calls otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

__all__: list[str] = []

V = TypeVar("V")


class PrefixIndex(Generic[V]):
    """Prefix → value, answering the value of the longest prefix of a name.

    Of two entries for the same prefix the first one given is kept.
    """

    __slots__ = ("_buckets", "_short")

    def __init__(self, items: Iterable[tuple[str, V]] = ()) -> None:
        buckets: dict[str, dict[str, V]] = {}
        short: dict[str, V] = {}
        for prefix, value in items:
            if len(prefix) >= 2:
                buckets.setdefault(prefix[:2], {}).setdefault(prefix, value)
            elif prefix:
                short.setdefault(prefix, value)
        self._buckets: dict[str, tuple[tuple[str, V], ...]] = {
            head: tuple(sorted(entries.items(), key=lambda kv: len(kv[0]), reverse=True))
            for head, entries in buckets.items()
        }
        self._short = short

    def __len__(self) -> int:
        return sum(len(b) for b in self._buckets.values()) + len(self._short)

    def __bool__(self) -> bool:
        return bool(self._buckets or self._short)

    def longest(self, name: str) -> tuple[str, V] | None:
        """``(prefix, value)`` of the longest prefix of ``name``, or ``None``."""
        bucket = self._buckets.get(name[:2])
        if bucket is not None:
            for prefix, value in bucket:
                if name.startswith(prefix):
                    return prefix, value
        if self._short:
            short = self._short.get(name[:1])
            if short is not None:
                return name[:1], short
        return None

    def get(self, name: str) -> V | None:
        """The value of the longest prefix of ``name``, or ``None``."""
        found = self.longest(name)
        return None if found is None else found[1]
