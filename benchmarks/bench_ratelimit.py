"""Rate limiting: privmw (IP privacy + in-memory GCRA) against bare Starlette and peers.

Every limit is generous enough that nothing is refused during a run: this
measures the cost on the path every request takes. The request comes from a
proxy on loopback with ``X-Forwarded-For`` (``benchmarks.common.make_scope``).

Peers: slowapi's ``SlowAPIMiddleware`` (a ``BaseHTTPMiddleware``) and
``SlowAPIASGIMiddleware``, asgi-ratelimit's ``MemoryBackend``. They need the
``bench`` extra; a missing peer is left out of the table.

Run on its own for a quick side-by-side: ``python -m benchmarks.bench_ratelimit``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import MutableMapping
from typing import Any

from benchmarks.bench_ip import ip_only_options
from benchmarks.common import ASGIApp, bare_app, make_scope, time_requests
from privmw import PrivacyMiddleware, RateLimit

GROUP = "ratelimit"
#: The privmw variant the peers are compared with.
REFERENCE = "privmw ip + rate limit (memory)"

_HUGE = 1_000_000_000


def _slowapi(asgi: bool) -> ASGIApp | None:
    try:
        from slowapi import Limiter, _rate_limit_exceeded_handler
        from slowapi.errors import RateLimitExceeded
        from slowapi.middleware import SlowAPIASGIMiddleware, SlowAPIMiddleware
        from slowapi.util import get_remote_address
    except ImportError:
        return None
    app = bare_app()
    app.state.limiter = Limiter(key_func=get_remote_address, default_limits=[f"{_HUGE}/minute"])
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]
    app.add_middleware(SlowAPIASGIMiddleware if asgi else SlowAPIMiddleware)
    return app


def _asgi_ratelimit() -> ASGIApp | None:
    try:
        from ratelimit.backends.simple import MemoryBackend

        from ratelimit import RateLimitMiddleware, Rule
    except ImportError:
        return None

    async def client(scope: MutableMapping[str, Any]) -> tuple[str, str]:
        # Its own ``client_ip`` refuses loopback peers; key on the peer like the others.
        return scope["client"][0], "default"

    return RateLimitMiddleware(
        bare_app(),
        authenticate=client,
        backend=MemoryBackend(),  # type: ignore[no-untyped-call]
        config={r"^/": [Rule(second=_HUGE)]},
    )


#: Only the features this group measures: no consent, no tag gating.
IP_ONLY = ip_only_options()


def apps() -> dict[str, ASGIApp]:
    variants: dict[str, ASGIApp | None] = {
        "bare starlette": bare_app(),
        "privmw ip only": PrivacyMiddleware(bare_app(), **IP_ONLY),
        "privmw ip + rate limit (memory)": PrivacyMiddleware(
            bare_app(), **IP_ONLY, rate_limit=RateLimit(f"{_HUGE}/second")
        ),
        "privmw ip + rate limit (memory, no headers)": PrivacyMiddleware(
            bare_app(), **IP_ONLY, rate_limit=RateLimit(f"{_HUGE}/second", headers=False)
        ),
        "slowapi SlowAPIMiddleware": _slowapi(asgi=False),
        "slowapi SlowAPIASGIMiddleware": _slowapi(asgi=True),
        "asgi-ratelimit memory": _asgi_ratelimit(),
    }
    return {name: app for name, app in variants.items() if app is not None}


def scope() -> dict[str, Any]:
    return make_scope()


async def _side_by_side(rounds: int, n: int) -> dict[str, float]:
    variants = apps()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for app in variants.values():  # warm up
        await time_requests(app, 200, scope)
    order = list(variants)
    for index in range(rounds):
        # Rotate the order so no variant always runs right after the same neighbour.
        shift = index % len(order)
        for name in order[shift:] + order[:shift]:
            samples[name].append(await time_requests(variants[name], n, scope) * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def bytes_per_client(n: int = 50_000) -> float:
    """Bytes of memory per tracked client in the in-memory table (``tracemalloc``).

    Drives the real limiter (grouping, keyed hash, table) with ``n`` distinct
    IPv4 clients and divides the growth of traced memory by ``n``.
    """
    import tracemalloc

    from privmw.ratelimit._limiter import Limiter

    limiter = Limiter(RateLimit("10/second", max_clients=n))
    check = limiter.check
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            check((4, 0x0A000000 + i), "GET", "/")
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert limiter.tracked == n
    return grown / n


async def redis_requests_per_second(n: int = 5000, concurrency: int = 1) -> float | None:
    """Requests/second through privmw with the Redis backend (starts its own redis-server)."""
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    from privmw import RedisBackend

    if shutil.which("redis-server") is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.02)
        backend = RedisBackend(f"redis://127.0.0.1:{port}/0", secret="x" * 32)
        app = PrivacyMiddleware(
            bare_app(), **IP_ONLY, rate_limit=RateLimit(f"{_HUGE}/second", backend=backend)
        )
        await time_requests(app, 100, scope)  # connect, load the script
        per_worker = n // concurrency
        start = time.perf_counter()
        await asyncio.gather(*(time_requests(app, per_worker, scope) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        assert app.limiter is not None
        await app.limiter.aclose()
        return per_worker * concurrency / elapsed
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def figures() -> dict[str, float]:
    """Figures for the report: bytes per tracked client (tracemalloc)."""
    return {"bytes per tracked client": round(bytes_per_client(20_000), 1)}


def main(argv: list[str]) -> None:
    rounds = int(argv[1]) if len(argv) > 1 else 15
    n = int(argv[2]) if len(argv) > 2 else 2000
    medians = asyncio.run(_side_by_side(rounds, n))
    bare = medians["bare starlette"]
    ours = medians["privmw ip + rate limit (memory)"] - bare
    print(f"{'variant':36} {'µs/req':>8} {'over bare':>10}")
    for name, value in medians.items():
        print(f"{name:36} {value:8.2f} {value - bare:10.2f}")
    for peer in (
        "slowapi SlowAPIMiddleware",
        "slowapi SlowAPIASGIMiddleware",
        "asgi-ratelimit memory",
    ):
        if peer in medians and ours > 0:
            print(f"{peer}: {(medians[peer] - bare) / ours:.1f}× privmw's added cost")
    print(f"bytes per tracked client: {bytes_per_client():.0f}")
    for concurrency in (1, 32):
        rps = asyncio.run(redis_requests_per_second(concurrency=concurrency))
        if rps is not None:
            print(f"redis backend, {concurrency} concurrent: {rps:,.0f} requests/s")


if __name__ == "__main__":
    main(sys.argv)
