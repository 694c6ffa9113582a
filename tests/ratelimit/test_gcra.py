from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from privmw.ratelimit.gcra import US, ceil_seconds, gcra


def run(
    times: list[float], interval: float, burst: int, cost: int = 1
) -> list[tuple[bool, int, float, float]]:
    """GCRA over ``times`` (seconds), answers in seconds, computed in integer µs."""
    tat = None
    out = []
    step = round(interval * US)
    for now in times:
        ok, tat, remaining, reset, retry_after = gcra(
            tat, round(now * US), step, burst * step, cost
        )
        out.append((ok, remaining, reset / US, retry_after / US))
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


def test_cost_takes_several_units_and_waits_for_all_of_them() -> None:
    # 10 per 10 s (T = 1 s), burst 10: a search costing 4 twice, then 4 more must wait 2 s.
    steps = run([0, 0, 0, 2], 1.0, 10, cost=4)
    assert steps[0] == (True, 6, 4.0, 0.0)
    assert steps[1] == (True, 2, 8.0, 0.0)
    assert steps[2] == (False, 0, 8.0, 2.0)
    assert steps[3] == (True, 0, 10.0, 0.0)


def test_cost_above_burst_is_never_allowed() -> None:
    assert run([0, 1000], 1.0, 3, cost=4) == [(False, 0, 0.0, 1.0), (False, 0, 0.0, 1.0)]


def test_refused_decision_keeps_tat() -> None:
    ok, tat, _, _, _ = gcra(30 * US, 0, 10 * US, 3 * 10 * US)
    assert not ok
    assert tat == 30 * US


def test_ceil_seconds_is_exact() -> None:
    assert [ceil_seconds(x) for x in (0, 1, US - 1, US, US + 1, 600 * US)] == [0, 1, 1, 1, 2, 600]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=50 * US), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=10),
    st.integers(min_value=1, max_value=3),
)
def test_never_more_than_burst_plus_rate(gaps: list[int], burst: int, cost: int) -> None:
    interval = US
    now = 0
    tat = None
    allowed: list[int] = []
    for gap in gaps:
        now += gap
        ok, tat, remaining, _, _ = gcra(tat, now, interval, burst * interval, cost)
        if ok:
            allowed.append(now)
            assert 0 <= remaining <= burst - cost
    # In any span of length L, at most burst + L / interval units get through.
    for i, start in enumerate(allowed):
        for j in range(i, len(allowed)):
            span = allowed[j] - start
            assert (j - i + 1) * cost <= burst + span // interval
