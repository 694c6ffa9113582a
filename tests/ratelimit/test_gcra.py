from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw.ratelimit.gcra import gcra


def run(times: list[float], interval: float, burst: int) -> list[tuple[bool, int, float, float]]:
    tat = None
    out = []
    for now in times:
        ok, tat, remaining, reset, retry_after = gcra(tat, now, interval, burst)
        out.append((ok, remaining, round(reset, 6), round(retry_after, 6)))
    return out


def test_burst_then_refusal_with_retry_after() -> None:
    # 6/minute (T = 10 s), burst 3: three at once, the fourth waits 10 s.
    assert run([0, 0, 0, 0], 10.0, 3) == [
        (True, 2, 10.0, 0.0),
        (True, 1, 20.0, 0.0),
        (True, 0, 30.0, 0.0),
        (False, 0, 30.0, 10.0),
    ]


def test_retry_after_shrinks_with_time_and_refusals_do_not_push_back() -> None:
    steps = run([0, 0, 4, 9.5, 10], 10.0, 2)
    assert steps[2] == (False, 0, 16.0, 6.0)
    assert steps[3] == (False, 0, 10.5, 0.5)
    assert steps[4] == (True, 0, 20.0, 0.0)


def test_steady_rate_is_always_allowed() -> None:
    results = run([i * 10.0 for i in range(20)], 10.0, 1)
    assert all(r[0] for r in results)
    assert all(r[1] == 0 for r in results)


def test_faster_than_rate_is_refused_without_burst() -> None:
    assert [r[0] for r in run([0, 5, 10, 15, 20], 10.0, 1)] == [True, False, True, False, True]


def test_recovery_restores_full_burst() -> None:
    steps = run([0, 0, 0, 100], 10.0, 3)
    assert steps[3] == (True, 2, 10.0, 0.0)


def test_partial_recovery() -> None:
    # After emptying a burst of 3, 15 s give back one request (and half of another).
    steps = run([0, 0, 0, 15, 15], 10.0, 3)
    assert steps[3] == (True, 0, 25.0, 0.0)
    assert steps[4] == (False, 0, 25.0, 5.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=10),
)
def test_never_more_than_burst_plus_rate(gaps: list[float], burst: int) -> None:
    interval = 1.0
    now = 0.0
    times = []
    for gap in gaps:
        now += gap
        times.append(now)
    allowed = [t for t, r in zip(times, run(times, interval, burst), strict=True) if r[0]]
    # In any span of length L, at most burst + L / interval requests get through.
    for i, start in enumerate(allowed):
        for j in range(i, len(allowed)):
            span = allowed[j] - start
            assert j - i + 1 <= burst + span / interval + 1e-6


def test_refused_decision_keeps_tat() -> None:
    ok, tat, _, _, _ = gcra(30.0, 0.0, 10.0, 3)
    assert not ok
    assert tat == pytest.approx(30.0)
