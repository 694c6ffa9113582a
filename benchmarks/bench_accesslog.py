"""Access log: what one anonymous record costs per request.

Variants: bare Starlette, privmw with IP truncation only, and privmw with the
access log writing JSON lines (and Combined Log Format) to daily files in a
temporary directory. Every request carries the same Chrome user agent, so the
coarse user agent comes from the LRU cache (the common case); the target is
under 5 µs added over "privmw ip only".

Run on its own: ``python -m benchmarks.bench_accesslog``.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import statistics
import tempfile
import time
from typing import Any

from privmw import AccessLog, PrivacyMiddleware

from .bench_ip import ip_only_options
from .common import ASGIApp, bare_app, make_scope, time_requests

GROUP = "accesslog"
#: The privmw variant the peers are compared with.
REFERENCE = "privmw ip + access log (file)"

_LOGS: list[AccessLog] = []


def _cleanup(directory: str) -> None:
    for log in _LOGS:
        log.close()
    shutil.rmtree(directory, ignore_errors=True)


#: Only the features this group measures: no consent, no tag gating.
IP_ONLY = ip_only_options()


def apps() -> dict[str, ASGIApp]:
    directory = tempfile.mkdtemp(prefix="privmw-bench-accesslog-")
    atexit.register(_cleanup, directory)
    json_log = AccessLog(directory=f"{directory}/json")
    clf_log = AccessLog(directory=f"{directory}/combined", format="combined")
    _LOGS.extend((json_log, clf_log))
    return {
        "bare starlette": bare_app(),
        "privmw ip only": PrivacyMiddleware(bare_app(), **IP_ONLY),
        "privmw ip + access log (file)": PrivacyMiddleware(
            bare_app(), **IP_ONLY, access_log=json_log
        ),
        "privmw ip + access log (file, combined)": PrivacyMiddleware(
            bare_app(), **IP_ONLY, access_log=clf_log
        ),
    }


def scope() -> dict[str, Any]:
    return make_scope()


async def _timed(app: ASGIApp, n: int) -> tuple[float, float]:
    """Wall and CPU (both threads) µs per request, including the writer draining the batch."""
    start, cpu = time.perf_counter(), time.process_time()
    await time_requests(app, n, scope)
    for log in _LOGS:
        log.flush()
    return (time.perf_counter() - start) / n * 1e6, (time.process_time() - cpu) / n * 1e6


async def _main(rounds: int = 21, n: int = 2000) -> None:
    variants = apps()
    for app in variants.values():  # warm up: imports, caches, writer threads
        await time_requests(app, 500, scope)
    for log in _LOGS:
        log.flush()
    wall: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, app in variants.items():
            w, c = await _timed(app, n)
            wall[name].append(w)
            cpu[name].append(c)
    base = statistics.median(wall["privmw ip only"])
    base_cpu = statistics.median(cpu["privmw ip only"])
    for name in variants:
        median = statistics.median(wall[name])
        median_cpu = statistics.median(cpu[name])
        print(
            f"{name:42s} {median:7.2f} µs  x{median / base:5.2f}  (+{median - base:5.2f} µs)"
            f"   cpu {median_cpu:6.2f} µs (+{median_cpu - base_cpu:5.2f})"
        )


if __name__ == "__main__":
    asyncio.run(_main())
