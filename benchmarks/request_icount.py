"""Instructions per request of the ``request`` group's variants, under callgrind.

``python -m benchmarks.request_icount [--request NAME] [--variant SUBSTRING ...]``
runs each variant twice under ``valgrind --tool=callgrind`` (after the same
warm-up: ``N`` requests and none) and reports the difference divided by ``N``.
Instruction counts do not move with the load of a shared machine, unlike
wall-clock medians, so "added × bare" in instructions is the repeatable
companion of the timed ``request`` table (about 8,400 instructions are 1 µs on
the development VM; a cache miss and an instruction do not cost the same, so
the two are reported side by side, never one instead of the other).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys

WARMUP = 200


def _child(request: str, variant: str, n: int) -> None:
    from benchmarks import bench_request
    from benchmarks.common import _receive, _send

    app = bench_request.apps()[variant]
    make = bench_request.REQUESTS[request]

    async def run() -> None:
        for _ in range(WARMUP):  # caches, first calls, the DFA states of the regexes
            await app(make(), _receive, _send)
        for _ in range(n):
            await app(make(), _receive, _send)

    asyncio.run(run())


def _instructions(request: str, variant: str, n: int) -> int:
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "benchmarks.request_icount",
            "--child",
            request,
            variant,
            str(n),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(out.stderr[-2000:])
    return int(found.group(1))


def main() -> None:
    from benchmarks import bench_request

    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3, metavar=("REQUEST", "VARIANT", "N"))
    ap.add_argument("--request", default=next(iter(bench_request.REQUESTS)))
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("-n", type=int, default=1000)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return
    names = [
        v
        for v in bench_request.apps()
        if v == "bare starlette" or not args.variant or any(s in v for s in args.variant)
    ]
    counts = {
        v: (_instructions(args.request, v, args.n) - _instructions(args.request, v, 0)) / args.n
        for v in names
    }
    bare = counts["bare starlette"]
    print(f"request: {args.request} (callgrind, {args.n} requests)\n")
    print("| variant | instructions / request | added | added × bare |")
    print("|---|---:|---:|---:|")
    for v, c in counts.items():
        print(f"| {v} | {c:,.0f} | {c - bare:+,.0f} | {(c - bare) / bare:.2f}× |")


if __name__ == "__main__":
    main()
