"""Instruction counts of the tag rewriter, before and after, in one valgrind run.

``python -m benchmarks.tags_icount [--reps N] [--only SUBSTRING ...]`` starts
itself under ``valgrind --tool=callgrind --dump-before=getppid`` and calls
``os.getppid()`` between measured segments, so callgrind writes one profile
per segment; each figure is the instructions of ``N`` runs (after warm-up
runs, as a serving process has its DFA states and caches) divided by ``N``.
Instruction counts do not move with the load of a shared machine, unlike
wall-clock medians: they are the repeatable half of the comparison (a
``bytes.find`` and a DFA step do not cost the same per instruction, so they
are reported beside the medians, never instead of them).

The pre-change engine is ``privmw.tags`` as it was at ``BEFORE`` (main
before the issue-16 performance work): its six engine modules are read from
git into a temporary package ``_rewriter_before`` for the run, so the
repository keeps no second copy of the engine (it needs a clone with that
commit).
"""

from __future__ import annotations

import argparse
import gc
import glob
import importlib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

#: main before the issue-16 performance work.
BEFORE = "e570426"
_ENGINE_FILES = ("rewriter", "_tokenizer", "_grammar", "_fetch", "_inline", "_neutralise")
ENGINES = {
    "before": "_rewriter_before.rewriter",
    "after": "privmw.tags.rewriter",
}


def _materialise_before(root: str) -> None:
    """Write the engine at ``BEFORE`` into ``root/_rewriter_before`` (a package)."""
    package = os.path.join(root, "_rewriter_before")
    os.mkdir(package)
    with open(os.path.join(package, "__init__.py"), "w") as f:
        f.write(f'"""The privmw.tags engine at {BEFORE} (written by tags_icount)."""\n')
    for name in _ENGINE_FILES:
        try:
            source = subprocess.run(
                ["git", "show", f"{BEFORE}:src/privmw/tags/{name}.py"],
                capture_output=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(
                f"tags_icount: cannot read the engine at {BEFORE} from git ({exc}); "
                "run it in a clone of the repository with its history"
            ) from exc
        with open(os.path.join(package, f"{name}.py"), "wb") as f:
            f.write(source)


def _cases() -> list[tuple[str, bytes | None, int | None]]:
    from benchmarks import bench_tags, pages

    out: list[tuple[str, bytes | None, int | None]] = []
    for name, page in bench_tags.pages().items():
        for chunk in (None, 4096, 64):
            out.append((name, page, chunk))
    out.append(("new realistic 20 KB article", None, None))
    for name, data in pages.worst_cases(100_000).items():
        out.append((f"worst {name}", data, None))
        out.append((f"worst {name}", data, 64))
    return out


def _label(name: str, chunk: int | None) -> str:
    return f"{name}, {'whole' if chunk is None else f'{chunk} B chunks'}"


def child(reps: int, only: list[str], stdlib: bool) -> None:
    """Run the segments; prints one label per line, in dump order."""
    from benchmarks import bench_tags, pages
    from privmw.trackers import TrackerRegistry

    registry = TrackerRegistry()
    plans: dict[str, tuple[Any, Any]] = {}
    for engine, path in ENGINES.items():
        mod = importlib.import_module(path)
        plan = mod.RewritePlan(registry, use_re2=False if stdlib else None)
        plans[engine] = (mod, plan)
    counter = [0]
    article = pages.article(20_000)

    def make(engine: str, data: bytes | None, chunk: int | None) -> Callable[[], object]:
        mod, plan = plans[engine]

        def run() -> object:
            page = data
            if page is None:  # a new page each time: no cache can have seen it
                counter[0] += 1
                page = article.replace(b"Trail notes", b"Trail n%05d" % counter[0])
            rw = mod.HtmlRewriter(plan, bench_tags._deny)
            if chunk is None:
                return rw.feed(page) + rw.close()
            parts = [rw.feed(page[i : i + chunk]) for i in range(0, len(page), chunk)]
            return parts, rw.close()

        return run

    labels = []
    for name, data, chunk in _cases():
        label = _label(name, chunk)
        if only and not any(o in label for o in only):
            continue
        for engine in ENGINES:
            fn = make(engine, data, chunk)
            for _ in range(2):
                fn()  # warm: DFA states, plan caches
            gc.collect()  # every segment starts from the same heap state
            os.getppid()  # dump: what came before (start-up, warm-up)
            for _ in range(reps):
                fn()
            os.getppid()  # dump: this segment
            labels.append(f"{engine}\t{label}\t{len(data) if data else 20_000}")
    sys.stdout.write("\n".join(labels) + "\n")


def main() -> None:  # pragma: no cover - manual run
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--stdlib", action="store_true", help="both engines on the stdlib path")
    ap.add_argument("--child", action="store_true")
    args = ap.parse_args()
    if args.child:
        child(args.reps, args.only, args.stdlib)
        return
    with tempfile.TemporaryDirectory() as tmp:
        _materialise_before(tmp)
        out = os.path.join(tmp, "cg.out")
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=getppid",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.tags_icount",
            "--child",
            f"--reps={args.reps}",
            *(["--stdlib"] if args.stdlib else []),
            *(f"--only={o}" for o in args.only),
        ]
        pythonpath = os.pathsep.join(p for p in (tmp, os.environ.get("PYTHONPATH", "")) if p)
        # the same run every time; the engine before importable from tmp
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": pythonpath}
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        labels = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
        totals: dict[int, int] = {}
        for path in glob.glob(out + ".*"):
            with open(path) as f:
                m = re.search(r"^summary: (\d+)", f.read(), re.M)
            if m is not None:
                totals[int(path.rsplit(".", 1)[1])] = int(m.group(1))
        # dumps 1, 3, 5...: start-up and warm-up; dump 2k: segment k
        rows: dict[str, dict[str, tuple[int, int]]] = {}
        for k, (engine, label, size) in enumerate(labels, start=1):
            per = totals[2 * k] // args.reps
            rows.setdefault(label, {})[engine] = (per, int(size))
    path_name = "stdlib path" if args.stdlib else "re2 path"
    print(f"| input ({path_name}) | before (instr/run) | after | after/before | after instr/byte |")
    print("|---|---:|---:|---:|---:|")
    for label, by in rows.items():
        b, size = by["before"]
        a, _ = by["after"]
        print(f"| {label} | {b:,} | {a:,} | {a / b:.2f} | {a / size:.1f} |")


if __name__ == "__main__":  # pragma: no cover
    main()
