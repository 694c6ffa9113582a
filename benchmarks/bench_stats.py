"""What the counters cost per request: privmw with and without them, in one run.

The "without" variant is the same middleware whose ``__call__`` has its
counter statements replaced by ``pass`` (a source transform of the current
code, so it never drifts from the real one). The rest of the counting
happens only when something is counted (a refusal, a dropped cookie, a
rewritten page), not on every request.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

from privmw import PrivacyMiddleware
from privmw import middleware as _middleware

from .bench_consent import scope
from .common import ASGIApp, bare_app

GROUP = "stats"
REFERENCE = "privmw defaults, with counters"

__all__ = ["GROUP", "REFERENCE", "apps", "scope"]


def _without_counters() -> type[PrivacyMiddleware]:
    source = textwrap.dedent(inspect.getsource(PrivacyMiddleware.__call__))
    lines = []
    for line in source.splitlines():
        if "counters" in line:
            indent = line[: len(line) - len(line.lstrip())]
            line = indent + "pass"
        lines.append(line)
    namespace: dict[str, Any] = {}
    exec("\n".join(lines), vars(_middleware), namespace)  # our own source, transformed
    return type("NoCounters", (PrivacyMiddleware,), {"__call__": namespace["__call__"]})


def apps() -> dict[str, ASGIApp]:
    bare = _without_counters()
    return {
        "bare starlette": bare_app(),
        "privmw defaults, without counters": bare(bare_app()),
        "privmw defaults, with counters": PrivacyMiddleware(bare_app()),
    }


def figures() -> dict[str, float]:
    """The counting statements of ``__call__`` alone, in ns per request (min of 7 runs).

    Per-request timings of the whole stack vary by more than this on a shared
    machine; this isolates the statements (an attribute load, an add and a
    store for the request, two branch tests for the signals), as ``__call__``
    runs them for a request that carries ``Sec-GPC: 1`` (the worst case).
    """
    import timeit

    from privmw._stats import Counters

    setup = "counters = Counters(); kind = 'http'; gpc = True; dnt = False"
    counted = (
        "if kind == 'http':\n    counters.requests += 1\n"
        "if gpc:\n    counters.gpc += 1\nif dnt:\n    counters.dnt += 1"
    )
    plain = "if kind == 'http':\n    pass\nif gpc:\n    pass\nif dnt:\n    pass"
    n = 1_000_000
    env = {"Counters": Counters}
    with_c = min(timeit.repeat(counted, setup, number=n, repeat=7, globals=env))
    without = min(timeit.repeat(plain, setup, number=n, repeat=7, globals=env))
    return {
        "counter statements, ns per request": (with_c - without) / n * 1e9,
        "the same statements, uncounted, ns per request": without / n * 1e9,
    }
