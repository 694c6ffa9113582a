"""End to end: uvicorn on 127.0.0.1 under a bounded load, per app.

``python -m benchmarks.e2e [--seconds 5] [--connections 16] [--rounds 1] [--only page]
[--json PATH]``

Each app runs in its own uvicorn process (one worker, ``--no-access-log`` so
the server's logging does not dominate, ``--no-proxy-headers``) and is loaded
for a fixed time by ``wrk`` when it is installed (Debian's ``wrk``), else by a
bounded asyncio loop of ``httpx`` clients in this process. Requests carry an
``X-Forwarded-For`` and a consent cookie like a browser behind a proxy. The
load is bounded in time and only ever goes to 127.0.0.1.

Two routes: ``/`` (plain text: the per-request cost of the layer) and
``/page``, a realistic *dynamic* 20 KB HTML page (``benchmarks.e2e_page``:
tracker snippets, share links, ``%``-escapes, bare ``&``, many images, inline
scripts, styles, comments; a new body every request, so no page cache helps),
where privmw's tag gate rewrites every response. Each variant's share is of
the bare app on the same route. ``--rounds N`` runs every variant N times,
interleaved, and reports medians (a shared machine drifts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: name -> (uvicorn target, path, the bare variant it is compared with)
APPS: dict[str, tuple[str, str, str]] = {
    "bare starlette": ("benchmarks.e2e_apps:bare", "/", "bare starlette"),
    "privmw defaults": ("benchmarks.e2e_apps:privmw_defaults", "/", "bare starlette"),
    "privmw everything (rate limit + access log)": (
        "benchmarks.e2e_apps:privmw_full",
        "/",
        "bare starlette",
    ),
    "slowapi SlowAPIMiddleware": ("benchmarks.e2e_apps:slowapi", "/", "bare starlette"),
    "bare starlette, 20 KB dynamic page": ("benchmarks.e2e_apps:bare_page", "/page", "page"),
    "privmw defaults, 20 KB dynamic page": (
        "benchmarks.e2e_apps:privmw_page",
        "/page",
        "page",
    ),
}
#: Groups for ``--only``.
GROUPS = {"page": ("bare starlette, 20 KB dynamic page", "privmw defaults, 20 KB dynamic page")}
HEADERS = {
    "X-Forwarded-For": "203.0.113.77",
    "Cookie": "session=0f3c9a1e77b24d5c; privmw_consent=1.1.1767225600.analytics",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(port: int, timeout: float = 20.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"uvicorn did not listen on {port}")


def _wrk(port: int, seconds: float, connections: int, path: str = "/") -> dict[str, float]:
    script = Path(tempfile.mkdtemp(prefix="privmw-wrk-")) / "headers.lua"
    script.write_text("".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in HEADERS.items()))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, int(seconds))}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    shutil.rmtree(script.parent, ignore_errors=True)

    def latency(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "requests_per_s": float(rps.group(1)) if rps else float("nan"),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "tool": "wrk",  # type: ignore[dict-item]
    }


async def _httpx_load(
    port: int, seconds: float, connections: int, path: str = "/"
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, headers=HEADERS, timeout=10
    ) as client:

        async def worker() -> None:
            while time.monotonic() < deadline:
                start = time.perf_counter()
                await client.get(path)
                latencies.append(time.perf_counter() - start)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1e3,
        "tool": "httpx",
    }


def _one(target: str, path: str, seconds: float, connections: int) -> dict[str, Any]:
    use_wrk = shutil.which("wrk") is not None
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--no-proxy-headers",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    try:
        _wait(port)
        if use_wrk:
            return _wrk(port, seconds, connections, path)
        return asyncio.run(_httpx_load(port, seconds, connections, path))
    finally:
        proc.terminate()
        proc.wait(10)


def run(
    seconds: float, connections: int, rounds: int = 1, only: tuple[str, ...] | None = None
) -> dict[str, dict[str, Any]]:
    names = [n for n in APPS if only is None or n in only]
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for _ in range(rounds):
        for name in names:
            target, path, _bare = APPS[name]
            runs[name].append(_one(target, path, seconds, connections))
    results: dict[str, dict[str, Any]] = {}
    for name, figures in runs.items():
        results[name] = {
            key: statistics.median(f[key] for f in figures)
            for key in ("requests_per_s", "p50_ms", "p99_ms")
        }
        results[name]["tool"] = figures[0]["tool"]
        results[name]["rounds"] = [f["requests_per_s"] for f in figures]
    bares = {"bare starlette": "bare starlette", "page": "bare starlette, 20 KB dynamic page"}
    for name, figures in results.items():
        bare = results.get(bares[APPS[name][2]])
        figures["share_of_bare"] = (
            figures["requests_per_s"] / bare["requests_per_s"] if bare else float("nan")
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.e2e", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", choices=sorted(GROUPS), action="append")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    only = tuple(n for g in args.only for n in GROUPS[g]) if args.only else None
    results = run(args.seconds, args.connections, args.rounds, only)
    print("| app | requests/s | share of bare | p50 ms | p99 ms | load |")
    print("|---|---:|---:|---:|---:|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests_per_s']:.0f} | {r['share_of_bare']:.0%} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['tool']} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
