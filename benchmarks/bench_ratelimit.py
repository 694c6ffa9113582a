"""Rate limiting: privmw (IP privacy + in-memory GCRA) against bare Starlette and peers.

Every limit is generous enough that nothing is refused during a run: this
measures the cost on the path every request takes. The request comes from a
proxy on loopback with ``X-Forwarded-For`` (``benchmarks.common.make_scope``).

Peers: slowapi's ``SlowAPIMiddleware`` (a ``BaseHTTPMiddleware``) and
``SlowAPIASGIMiddleware``, asgi-ratelimit's ``MemoryBackend``. They need the
``bench`` extra; a missing peer is left out of the table.

Per-endpoint limits (``figures()``): one FastAPI route with a limit on it,
side by side in one interleaved measurement: bare FastAPI, privmw's
``Depends(Limit(...))`` (behind ``PrivacyMiddleware`` with IP privacy only,
the whole cost counted; and the dependency alone, over that middleware
without it), slowapi's ``@limiter.limit`` decorator and fastapi-limiter's
``Depends(RateLimiter(...))`` (0.2, pyrate-limiter's in-memory bucket), all
in memory; then privmw's dependency with a real redis-server, when installed.

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

#: The fastest rate privmw counts (whole microseconds): nothing is refused in a run.
_HUGE = 1_000_000


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
    request = make_scope()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(n):
            check((4, 0x0A000000 + i), request, None)
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


async def _limited_endpoint(request: Any) -> Any:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("ok")


def endpoint_apps(backend: Any = None) -> dict[str, ASGIApp]:
    """The per-endpoint variants: one FastAPI route ``/limited``, a limit on it or not."""
    from fastapi import Depends, FastAPI, Request
    from starlette.responses import PlainTextResponse, Response

    from privmw import Limit

    def fastapi(dependency: Any = None) -> Any:
        api = FastAPI()
        deps = [Depends(dependency)] if dependency is not None else None

        @api.get("/limited", dependencies=deps)
        async def limited() -> Response:
            return PlainTextResponse("ok")

        return api

    variants: dict[str, ASGIApp] = {}
    if backend is None:
        variants["bare fastapi"] = fastapi()
        variants["privmw ip only, no limit (fastapi)"] = PrivacyMiddleware(
            fastapi(), **IP_ONLY, rate_limit=RateLimit()
        )
    name = "privmw Depends(Limit) (redis)" if backend else "privmw Depends(Limit) (memory)"
    variants[name] = PrivacyMiddleware(
        fastapi(Limit(f"{_HUGE}/second")), **IP_ONLY, rate_limit=RateLimit(backend=backend)
    )
    if backend is not None:
        return variants
    try:
        from slowapi import Limiter, _rate_limit_exceeded_handler
        from slowapi.errors import RateLimitExceeded
        from slowapi.util import get_remote_address

        api = FastAPI()
        limiter = Limiter(key_func=get_remote_address)
        api.state.limiter = limiter
        api.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]

        @api.get("/limited")
        @limiter.limit(f"{_HUGE}/second")
        async def limited(request: Request) -> Response:
            return PlainTextResponse("ok")

        variants["slowapi @limiter.limit"] = api
    except ImportError:
        pass
    try:
        from fastapi_limiter.depends import RateLimiter
        from pyrate_limiter import Duration, Rate
        from pyrate_limiter import Limiter as PyrateLimiter

        limiter_dep = RateLimiter(limiter=PyrateLimiter(Rate(_HUGE, Duration.SECOND)))
        variants["fastapi-limiter Depends(RateLimiter)"] = fastapi(limiter_dep)
    except ImportError:
        pass
    return variants


def endpoint_scope() -> dict[str, Any]:
    return make_scope("/limited")


async def endpoint_figures(rounds: int, n: int) -> dict[str, float]:
    """µs each per-endpoint variant adds over bare FastAPI, medians of one interleaved run."""
    from benchmarks.__main__ import measure_requests

    variants = endpoint_apps()
    samples = await measure_requests(variants, endpoint_scope, rounds, n)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    bare = medians["bare fastapi"]
    out = {f"endpoint: {name} µs": round(m, 2) for name, m in medians.items()}
    added = {name: m - bare for name, m in medians.items()}
    out.update({f"endpoint: {name} added µs": round(a, 2) for name, a in added.items()})
    ours = added["privmw Depends(Limit) (memory)"]
    own = medians["privmw Depends(Limit) (memory)"] - medians["privmw ip only, no limit (fastapi)"]
    out["endpoint: privmw Limit dependency alone µs"] = round(own, 2)
    for peer in ("slowapi @limiter.limit", "fastapi-limiter Depends(RateLimiter)"):
        if peer in added and ours > 0:
            out[f"endpoint: {peer} ÷ privmw (whole stack)"] = round(added[peer] / ours, 1)
        if peer in added and own > 0:
            out[f"endpoint: {peer} ÷ privmw (dependency alone)"] = round(added[peer] / own, 1)
    redis = await _endpoint_redis(rounds, n)
    if redis is not None:
        out["endpoint: privmw Depends(Limit) (redis) added µs"] = round(redis - bare, 2)
    return out


async def _endpoint_redis(rounds: int, n: int) -> float | None:
    """The per-request median of the Redis variant (its own redis-server), or ``None``."""
    import shutil

    if shutil.which("redis-server") is None:
        return None
    from benchmarks.__main__ import measure_requests
    from privmw import RedisBackend

    with _redis_server() as url:
        variants = endpoint_apps(RedisBackend(url, secret="x" * 32))
        samples = await measure_requests(variants, endpoint_scope, rounds, n)
        for app in variants.values():
            limiter = getattr(app, "limiter", None)
            if limiter is not None:
                await limiter.aclose()
    return statistics.median(next(iter(samples.values())))


class _redis_server:
    """``with _redis_server() as url``: a redis-server on a free port, removed after."""

    def __enter__(self) -> str:
        import socket
        import subprocess
        import tempfile
        import time

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.dir = tempfile.mkdtemp()
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.02)
        return f"redis://127.0.0.1:{port}/0"

    def __exit__(self, *exc: object) -> None:
        import shutil

        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def figures(quick: bool = False) -> dict[str, float]:
    """Figures for the report: bytes per tracked client, and the per-endpoint comparison."""
    out: dict[str, float] = {"bytes per tracked client": round(bytes_per_client(20_000), 1)}
    rounds, n = (5, 300) if quick else (15, 2000)
    out.update(asyncio.run(endpoint_figures(rounds, n)))
    return out


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
    for name, value in asyncio.run(endpoint_figures(rounds, n)).items():
        print(f"{name}: {value}")
    for concurrency in (1, 32):
        rps = asyncio.run(redis_requests_per_second(concurrency=concurrency))
        if rps is not None:
            print(f"redis backend, {concurrency} concurrent: {rps:,.0f} requests/s")


if __name__ == "__main__":
    main(sys.argv)
