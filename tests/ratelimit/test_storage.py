"""One behavioural table, run against both storages: memory and a real ``redis-server``.

Every case is a list of steps ``(t seconds, ban key, bucket keys, rates, cost)``
with the expected outcome ``(kind, retry_after s, ((ok, remaining, reset s), ...))``.
Time is a fake clock handed to both storages (Redis takes ``now`` instead of
its ``TIME``), so the table is exact on both, and the same random sequences
give identical outcomes (the property test at the end).

Rates are slow (periods of tens of seconds): Redis expires keys in real time
(the TTL is the bucket's wait), and a slow machine must not let a key expire
between two steps of a case.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privmw import Bans, RedisBackend
from privmw.ratelimit.gcra import US
from privmw.ratelimit.memory import MemoryStorage
from privmw.ratelimit.redis import RedisStorage
from privmw.ratelimit.storage import BAN, OK, QUOTA, Outcome, Storage

from ._redis import SECRET

KINDS = {OK: "ok", QUOTA: "quota", BAN: "ban"}


def rate(count: int, period: float, burst: int | None = None) -> tuple[int, int]:
    interval = round(period * US / count)
    return (interval, (count if burst is None else burst) * interval)


Make = Callable[[Bans | None, float], Storage]


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Make]:
    """A factory of storages of one kind: ``make(bans, rand_value)``."""
    made: list[Storage] = []
    if request.param == "memory":

        def memory(bans: Bans | None, rand: float = 0.0) -> Storage:
            return MemoryStorage(1000, bans, rand=lambda: rand)

        yield memory
        return
    url = request.getfixturevalue("redis_url")

    def redis(bans: Bans | None, rand: float = 0.0) -> Storage:
        storage = RedisStorage(
            RedisBackend(url, secret=SECRET), 3 * 3600.0, bans, rand=lambda: rand
        )
        made.append(storage)
        return storage

    try:
        yield redis
    finally:
        for storage in made:
            await storage.aclose()


Step = tuple[float, bytes | None, tuple[bytes, ...], tuple[tuple[int, int], ...], int]
Expected = tuple[str, float, tuple[tuple[bool, int, float], ...]]


async def play(storage: Storage, steps: Sequence[Step], offset: float = 1000.0) -> list[Expected]:
    out: list[Expected] = []
    for t, ban, keys, rates, cost in steps:
        outcome = await storage.ahit(ban, keys, rates, cost, round((offset + t) * US))
        assert outcome is not None
        out.append(readable(outcome))
    return out


def readable(outcome: Outcome) -> Expected:
    kind, retry, results = outcome
    return (KINDS[kind], retry / US, tuple((ok, r, t / US) for ok, r, t in results))


TWO_PER_MINUTE = (rate(2, 60),)
MINUTE_AND_HOUR = (rate(2, 60), rate(3, 3600))

CASES: dict[str, tuple[Bans | None, float, list[Step], list[Expected]]] = {
    "burst, refusal, exact retry, recovery": (
        None,
        0.0,
        [
            (0, None, (b"a",), TWO_PER_MINUTE, 1),
            (0, None, (b"a",), TWO_PER_MINUTE, 1),
            (0, None, (b"a",), TWO_PER_MINUTE, 1),
            (12.5, None, (b"a",), TWO_PER_MINUTE, 1),
            (30, None, (b"a",), TWO_PER_MINUTE, 1),
        ],
        [
            ("ok", 0, ((True, 1, 30),)),
            ("ok", 0, ((True, 0, 60),)),
            ("quota", 30, ((False, 0, 30),)),
            ("quota", 17.5, ((False, 0, 17.5),)),
            ("ok", 0, ((True, 0, 60),)),
        ],
    ),
    "buckets are separate": (
        None,
        0.0,
        [
            (0, None, (b"a",), (rate(1, 60),), 1),
            (0, None, (b"b",), (rate(1, 60),), 1),
            (0, None, (b"a",), (rate(1, 60),), 1),
        ],
        [
            ("ok", 0, ((True, 0, 60),)),
            ("ok", 0, ((True, 0, 60),)),
            ("quota", 60, ((False, 0, 60),)),
        ],
    ),
    "several rates: all apply, a refusal stores none": (
        None,
        0.0,
        [
            (0, None, (b"m", b"h"), MINUTE_AND_HOUR, 1),
            (0, None, (b"m", b"h"), MINUTE_AND_HOUR, 1),
            # The minute refuses: the hour keeps its unit (r=1 stays 1, not 0).
            (0, None, (b"m", b"h"), MINUTE_AND_HOUR, 1),
            (60, None, (b"m", b"h"), MINUTE_AND_HOUR, 1),
            # Now the hour refuses, the minute would allow: it reports what is left.
            (60, None, (b"m", b"h"), MINUTE_AND_HOUR, 1),
        ],
        [
            ("ok", 0, ((True, 1, 30), (True, 2, 1200))),
            ("ok", 0, ((True, 0, 60), (True, 1, 2400))),
            ("quota", 30, ((False, 0, 30), (True, 1, 2400))),
            ("ok", 0, ((True, 1, 30), (True, 0, 3540))),
            ("quota", 1140, ((True, 1, 30), (False, 0, 1140))),
        ],
    ),
    "cost": (
        None,
        0.0,
        [
            (0, None, (b"c",), (rate(10, 100),), 4),
            (0, None, (b"c",), (rate(10, 100),), 4),
            (0, None, (b"c",), (rate(10, 100),), 4),
            (20, None, (b"c",), (rate(10, 100),), 4),
            (20, None, (b"c",), (rate(10, 100),), 11),
        ],
        [
            ("ok", 0, ((True, 6, 40),)),
            ("ok", 0, ((True, 2, 80),)),
            ("quota", 20, ((False, 0, 20),)),
            ("ok", 0, ((True, 0, 100),)),
            ("quota", 110, ((False, 0, 110),)),
        ],
    ),
    "bans: exact length, escalation, expiry": (
        Bans(after=2, findtime=60, base=100, max_time=1000, jitter=0),
        0.0,
        [
            (0, b"x", (b"x",), (rate(1, 60),), 1),
            (0, b"x", (b"x",), (rate(1, 60),), 1),  # strike 1
            (0, b"x", (b"x",), (rate(1, 60),), 1),  # strike 2: banned for 100 s
            (99, b"x", (b"x",), (rate(1, 60),), 1),
            (100.5, b"x", (b"x",), (rate(1, 60),), 1),  # over
            (100.5, b"x", (b"x",), (rate(1, 60),), 1),
            (100.5, b"x", (b"x",), (rate(1, 60),), 1),  # second ban: 200 s
        ],
        [
            ("ok", 0, ((True, 0, 60),)),
            ("quota", 60, ((False, 0, 60),)),
            ("ban", 100, ((False, 0, 100),)),
            ("ban", 1, ((False, 0, 1),)),
            ("ok", 0, ((True, 0, 60),)),
            ("quota", 60, ((False, 0, 60),)),
            ("ban", 200, ((False, 0, 200),)),
        ],
    ),
    "a ban covers every bucket of its key; other keys are free": (
        Bans(after=1, findtime=60, base=300, max_time=300, jitter=0),
        0.0,
        [
            (0, b"x", (b"x",), (rate(1, 60),), 1),
            (0, b"x", (b"x",), (rate(1, 60),), 1),  # banned
            (0, b"x", (b"x/login",), (rate(5, 60),), 1),  # another rule, same key
            (0, b"y", (b"y/login",), (rate(5, 60),), 1),
        ],
        [
            ("ok", 0, ((True, 0, 60),)),
            ("ban", 300, ((False, 0, 300),)),
            ("ban", 300, ((False, 0, 300),)),
            ("ok", 0, ((True, 4, 12),)),
        ],
    ),
    "strikes outside findtime do not add up": (
        Bans(after=2, findtime=10, base=5, max_time=5, jitter=0),
        0.0,
        [
            (0, b"z", (b"z",), (rate(1, 60),), 1),
            (0, b"z", (b"z",), (rate(1, 60),), 1),  # strike 1 at 0
            (11, b"z", (b"z",), (rate(1, 60),), 1),  # forgotten: strike 1 at 11
            (12, b"z", (b"z",), (rate(1, 60),), 1),  # strike 2: ban
        ],
        [
            ("ok", 0, ((True, 0, 60),)),
            ("quota", 60, ((False, 0, 60),)),
            ("quota", 49, ((False, 0, 49),)),
            ("ban", 5, ((False, 0, 5),)),
        ],
    ),
    "jitter lengthens a ban by rand × jitter": (
        Bans(after=1, base=100, max_time=100, jitter=0.5),
        0.5,
        [(0, b"j", (b"j",), (rate(1, 60),), 1), (0, b"j", (b"j",), (rate(1, 60),), 1)],
        [("ok", 0, ((True, 0, 60),)), ("ban", 125, ((False, 0, 125),))],
    ),
    "no ban key: refusals are never counted": (
        Bans(after=1, base=100, max_time=100, jitter=0),
        0.0,
        [(0, None, (b"n",), (rate(1, 60),), 1)] * 3,
        [
            ("ok", 0, ((True, 0, 60),)),
            ("quota", 60, ((False, 0, 60),)),
            ("quota", 60, ((False, 0, 60),)),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_behaviour_table(make: Make, case: str) -> None:
    bans, rand, steps, expected = CASES[case]
    assert await play(make(bans, rand), steps) == expected


async def test_ban_retry_after_is_exact_at_an_awkward_time(make: Make) -> None:
    # 600 s from a clock reading with many decimals: exactly 600 s, never 600.0000001.
    storage = make(Bans(after=1, base=600, max_time=600, jitter=0), 0.0)
    steps: list[Step] = [(0, b"k", (b"k",), (rate(1, 60),), 1)] * 2
    outcomes = await play(storage, steps, offset=12345.678901)
    assert outcomes[1] == ("ban", 600.0, ((False, 0, 600.0),))


@st.composite
def sequences(draw: Any) -> tuple[list[Step], Bans | None]:
    rates = draw(
        st.lists(
            st.tuples(st.integers(1, 5), st.sampled_from([10.0, 60.0, 90.0])),
            min_size=1,
            max_size=2,
        )
    )
    compiled = tuple(rate(count, period) for count, period in rates)
    bans = draw(st.sampled_from([None, Bans(after=2, findtime=30, base=20, max_time=80, jitter=0)]))
    steps: list[Step] = []
    t = 0.0
    for _ in range(draw(st.integers(1, 25))):
        t += draw(st.sampled_from([0.0, 0.0, 0.5, 3.0, 17.25]))
        client = draw(st.sampled_from([b"p", b"q"]))
        keys = tuple(client + b"#%d" % i for i in range(len(compiled)))
        steps.append((t, client, keys, compiled, draw(st.integers(1, 3))))
    return steps, bans


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequences())
async def test_memory_and_redis_agree_on_any_sequence(
    redis_url: str, data: tuple[list[Step], Bans | None]
) -> None:
    import redis.asyncio as aioredis

    steps, bans = data
    raw: Any = aioredis.Redis.from_url(redis_url)
    redis = RedisStorage(RedisBackend(redis_url, secret=SECRET), 3 * 3600.0, bans, rand=lambda: 0)
    try:
        await raw.flushall()
        expected = await play(MemoryStorage(1000, bans), steps)
        assert await play(redis, steps) == expected
    finally:
        await redis.aclose()
        await raw.aclose()
