from __future__ import annotations

import time
import tracemalloc

from privmw.ratelimit.rules import Bans
from privmw.ratelimit.table import Table


def test_lru_cap_evicts_least_recently_used() -> None:
    table = Table(3)
    for key in (b"a", b"b", b"c"):
        table.step(key, 0.0, 1.0, 5)
    table.step(b"a", 0.0, 1.0, 5)  # a is now the most recent
    table.step(b"d", 0.0, 1.0, 5)
    assert table.tracked == 3
    # b was evicted: it starts with a full bucket again; a kept its TAT.
    assert table.step(b"b", 0.0, 1.0, 5)[2] == 4
    assert table.step(b"a", 0.0, 1.0, 5)[2] == 2


def test_refusals_are_not_stored() -> None:
    table = Table(10)
    table.step(b"k", 0.0, 10.0, 1)
    assert not table.step(b"k", 0.0, 10.0, 1)[0]
    assert table.tracked == 1


def test_escalating_bans_and_expiry() -> None:
    bans = Bans(after=3, findtime=60, base=10, max_time=35, jitter=0.0)
    table = Table(100, bans)
    now = 0.0
    assert table.strike(b"c", now) == 0.0
    assert table.strike(b"c", now) == 0.0
    assert table.strike(b"c", now) == 10.0  # first ban: base
    assert table.ban_end(b"c", 5.0) == 10.0
    assert table.banned(5.0) == 1
    assert table.ban_end(b"c", 10.0) == 0.0  # expired
    assert table.banned(10.0) == 0
    for _ in range(2):
        assert table.strike(b"c", 11.0) == 0.0
    assert table.strike(b"c", 11.0) == 11.0 + 20.0  # second ban: base × 2
    for _ in range(2):
        table.strike(b"c", 40.0)
    assert table.strike(b"c", 40.0) == 40.0 + 35.0  # 40 s capped at max_time
    assert table.ban_end(b"other", 40.0) == 0.0


def test_strikes_outside_findtime_do_not_add_up() -> None:
    table = Table(100, Bans(after=2, findtime=10, base=5, max_time=5, jitter=0.0))
    assert table.strike(b"c", 0.0) == 0.0
    assert table.strike(b"c", 11.0) == 0.0  # the first strike is forgotten
    assert table.strike(b"c", 12.0) == 17.0


def test_jitter_lengthens_bans_within_bounds() -> None:
    table = Table(100, Bans(after=1, base=100, max_time=100, jitter=0.5), rand=lambda: 0.999)
    end = table.strike(b"c", 0.0)
    assert 100.0 < end < 150.0


def test_no_bans_configured() -> None:
    table = Table(100, None)
    assert all(table.strike(b"c", 0.0) == 0.0 for _ in range(50))


def test_wipe_forgets_everything() -> None:
    table = Table(100, Bans(after=1, jitter=0.0))
    table.step(b"k", 0.0, 1.0, 1)
    table.strike(b"k", 0.0)
    table.wipe()
    assert table.tracked == 0
    assert table.banned(0.0) == 0


def test_cap_holds_under_a_million_distinct_clients() -> None:
    cap = 10_000
    table = Table(cap, Bans())
    step = table.step
    start = time.perf_counter()
    peak = 0
    for i in range(1_000_000):
        step(i.to_bytes(12, "big"), 0.0, 1.0, 10)
        if i % 50_000 == 0:
            peak = max(peak, table.tracked)
    assert table.tracked == cap
    assert peak <= cap
    assert time.perf_counter() - start < 10


def test_bytes_per_tracked_client() -> None:
    n = 50_000
    keys = [i.to_bytes(12, "big") for i in range(n)]
    del keys  # measure the keys too: they are created inside the traced window
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        table = Table(n)
        for i in range(n):
            table.step(i.to_bytes(12, "big"), 1000.5, 0.5, 10)
        per_client = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert table.tracked == n
    print(f"bytes per tracked client: {per_client:.0f}")
    assert per_client < 200
