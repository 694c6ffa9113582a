"""The in-process storage on its own: LRU bounds, memory per client, ban records.

Behaviour shared with Redis (GCRA steps, multi-rate atomicity, bans) is in
``test_storage.py``, which runs the same table against both storages.
"""

from __future__ import annotations

import tracemalloc

from privmw.ratelimit.gcra import US
from privmw.ratelimit.memory import MemoryStorage
from privmw.ratelimit.rules import Bans
from privmw.ratelimit.storage import BAN, OK, QUOTA

ONE = ((US, 5 * US),)  # 1/s, burst 5


def test_lru_cap_evicts_least_recently_used() -> None:
    storage = MemoryStorage(3)
    for key in (b"a", b"b", b"c"):
        storage.hit(None, (key,), ONE, 1, 0)
    storage.hit(None, (b"a",), ONE, 1, 0)  # a is now the most recent
    storage.hit(None, (b"d",), ONE, 1, 0)
    assert storage.tracked == 3
    # b was evicted: it starts with a full bucket again; a kept its TAT.
    assert storage.hit(None, (b"b",), ONE, 1, 0)[2][0][1] == 4
    assert storage.hit(None, (b"a",), ONE, 1, 0)[2][0][1] == 2


def test_refusals_are_not_stored() -> None:
    storage = MemoryStorage(10)
    rate = ((10 * US, 10 * US),)
    storage.hit(None, (b"k",), rate, 1, 0)
    assert storage.hit(None, (b"k",), rate, 1, 0)[0] == QUOTA
    assert storage.tracked == 1


def test_ban_records_are_capped_too() -> None:
    storage = MemoryStorage(2, Bans(after=1, jitter=0.0))
    rate = ((10 * US, 10 * US),)
    for key in (b"a", b"b", b"c"):
        storage.hit(key, (key,), rate, 1, 0)
        assert storage.hit(key, (key,), rate, 1, 0)[0] == BAN
    assert storage.banned(0) == 2  # a's record was evicted with the cap of 2
    assert storage.hit(b"a", (b"a",), rate, 1, 0)[0] == OK  # its bucket went too
    assert storage.banned(0) == 2


def test_no_bans_configured_never_bans() -> None:
    storage = MemoryStorage(100, None)
    rate = ((10 * US, 10 * US),)
    kinds = {storage.hit(b"c", (b"c",), rate, 1, 0)[0] for _ in range(50)}
    assert kinds == {OK, QUOTA}


def test_wipe_forgets_everything() -> None:
    storage = MemoryStorage(100, Bans(after=1, jitter=0.0))
    rate = ((US, US),)
    storage.hit(b"k", (b"k",), rate, 1, 0)
    storage.hit(b"k", (b"k",), rate, 1, 0)
    assert (storage.tracked, storage.banned(0)) == (1, 1)
    storage.wipe()
    assert (storage.tracked, storage.banned(0)) == (0, 0)


def test_cap_holds_under_a_million_distinct_clients() -> None:
    cap = 10_000
    storage = MemoryStorage(cap, Bans())
    hit = storage.hit
    peak = 0
    for i in range(1_000_000):
        hit(None, (i.to_bytes(12, "big"),), ONE, 1, 0)
        if i % 50_000 == 0:
            peak = max(peak, storage.tracked)
    assert storage.tracked == cap
    assert peak <= cap


def test_bytes_per_tracked_client() -> None:
    n = 50_000
    keys = [i.to_bytes(12, "big") for i in range(n)]
    del keys  # measure the keys too: they are created inside the traced window
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        storage = MemoryStorage(n)
        for i in range(n):
            storage.hit(None, (i.to_bytes(12, "big"),), ((US // 2, 5 * US),), 1, 1000 * US)
        per_client = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert storage.tracked == n
    print(f"bytes per tracked client: {per_client:.0f}")
    assert per_client < 200
