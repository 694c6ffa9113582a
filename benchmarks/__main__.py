"""``python -m benchmarks [--quick] [--json PATH] [--only GROUP]``.

Every ``benchmarks/bench_*.py`` module gives a ``GROUP`` name and ``apps()``
(variant name → ASGI app, one of them ``"bare starlette"``), optionally
``scope()`` (a fresh request scope) or ``REQUESTS`` (request name → scope
factory: one table per request, ``GROUP: request``, the same apps),
``throughput()`` + ``pages()`` (MB/s of
byte transforms) and ``figures()`` (other numbers, e.g. bytes per client).
Variants of a group are interleaved in rounds, in a shuffled order each round,
in one process, so the noise of a shared machine hits them alike; the report
gives per-request medians, the time added over bare Starlette, and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import ASGIApp, make_scope, time_requests

HERE = Path(__file__).resolve().parent
BARE = "bare starlette"


def discover(only: set[str] | None) -> list[Any]:
    modules = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        if only and module.GROUP not in only:
            continue
        modules.append(module)
    return modules


async def measure_requests(
    apps: dict[str, ASGIApp], scope: Callable[[], dict[str, Any]], rounds: int, n: int
) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in apps}
    names = list(apps)
    for name in names:  # warm up: imports, caches, first-call costs
        await time_requests(apps[name], 50, scope)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            samples[name].append(await time_requests(apps[name], n, scope) * 1e6)
    return samples


def measure_throughput(
    funcs: dict[str, Callable[[bytes], object]], pages: dict[str, bytes], rounds: int
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for page_name, page in pages.items():
        times: dict[str, list[float]] = {name: [] for name in funcs}
        names = list(funcs)
        reps = max(1, int(2_000_000 / len(page)))
        for _ in range(rounds):
            random.shuffle(names)
            for name in names:
                start = time.perf_counter()
                for _ in range(reps):
                    funcs[name](page)
                times[name].append((time.perf_counter() - start) / reps)
        out[page_name] = {name: len(page) / statistics.median(t) / 1e6 for name, t in times.items()}
    return out


def run(quick: bool, only: set[str] | None) -> dict[str, Any]:
    rounds, n = (5, 300) if quick else (15, 2000)
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "quick": quick,
        "rounds": rounds,
        "requests_per_round": n,
        "groups": {},
    }
    for module in discover(only):
        apps = module.apps()
        requests = getattr(module, "REQUESTS", None) or {"": getattr(module, "scope", make_scope)}
        for kind, scope in requests.items():
            group = _request_group(module, apps, scope, rounds, n)
            name = f"{module.GROUP}: {kind}" if kind else module.GROUP
            report["groups"][name] = group
        if hasattr(module, "throughput"):
            group["mb_per_s"] = measure_throughput(
                module.throughput(), module.pages(), 3 if quick else 7
            )
        if hasattr(module, "figures"):
            group["figures"] = module.figures()
    return report


def _request_group(
    module: Any,
    apps: dict[str, ASGIApp],
    scope: Callable[[], dict[str, Any]],
    rounds: int,
    n: int,
) -> dict[str, Any]:
    group: dict[str, Any] = {}
    samples = asyncio.run(measure_requests(apps, scope, rounds, n))
    medians = {name: statistics.median(s) for name, s in samples.items()}
    bare = next((m for name, m in medians.items() if name.startswith(BARE)), None)
    group["median_us"] = medians
    group["reference"] = getattr(module, "REFERENCE", None)
    if bare is not None:
        group["added_us"] = {name: m - bare for name, m in medians.items()}
        # Issue 17 states its targets as the time added, as a share of a bare request.
        group["added_x_bare"] = {name: (m - bare) / bare for name, m in medians.items()}
    return group


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Python {report['machine']['python']} on {report['machine']['platform']}; "
        f"{report['rounds']} interleaved rounds × {report['requests_per_round']} requests, "
        "medians.",
        "",
    ]
    for name, group in report["groups"].items():
        lines += [
            f"### {name}",
            "",
            "| variant | µs / request | added over bare | added × bare | added ÷ privmw's |",
            "|---|---:|---:|---:|---:|",
        ]
        shares = group.get("added_x_bare", {})
        added = group.get("added_us", {})
        reference = group.get("reference")
        ours = [v for k, v in added.items() if k.startswith("privmw")]
        ref = added.get(reference) if reference else (min(ours) if ours else None)
        for variant, median in group["median_us"].items():
            add = added.get(variant)
            ratio = (
                f"{add / ref:.1f}×"
                if ref
                and add is not None
                and ref > 0
                and not variant.startswith("privmw")
                and not variant.startswith(BARE)
                else ""
            )
            share = shares.get(variant)
            lines.append(
                f"| {variant} | {median:.2f} | {'' if add is None else f'{add:+.2f}'} | "
                f"{'' if share is None else f'{share:.2f}×'} | {ratio} |"
            )
        for page, rates in group.get("mb_per_s", {}).items():
            lines += ["", f"Throughput on {page}:", "", "| implementation | MB/s |", "|---|---:|"]
            lines += [f"| {impl} | {rate:.0f} |" for impl, rate in rates.items()]
        for figure, value in group.get("figures", {}).items():
            lines.append(
                f"- {figure}: {value:.1f}" if isinstance(value, float) else f"- {figure}: {value}"
            )
        lines.append("")
    return "\n".join(lines)


def chart(report: dict[str, Any], path: Path) -> bool:
    """A PNG of the time each variant adds over bare Starlette, one panel per group."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install --group bench): no chart", file=sys.stderr)
        return False
    groups = [(n, g) for n, g in report["groups"].items() if g.get("added_us")]
    if not groups:
        return False
    heights = [max(1.5, 0.45 * len(g["added_us"])) for _, g in groups]
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, sum(heights) + 1), squeeze=False)
    for ax, (name, group) in zip(axes[:, 0], groups, strict=True):
        items = [(k, v) for k, v in group["added_us"].items() if not k.startswith(BARE)]
        labels = [k for k, _ in items]
        values = [max(v, 0.01) for _, v in items]
        colours = ["#2b7a3d" if k.startswith("privmw") else "#8a8a8a" for k in labels]
        ax.barh(labels, values, color=colours)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_title(f"{name}: µs added per request over bare Starlette (log scale)", fontsize=9)
        ax.tick_params(labelsize=8)
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:.1f}", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and requests")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--only", action="append", help="run only this group (repeatable)")
    args = parser.parse_args(argv)
    report = run(args.quick, set(args.only) if args.only else None)
    text = markdown(report)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        args.json.with_suffix(".md").write_text(text + "\n")
        chart(report, args.json.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
