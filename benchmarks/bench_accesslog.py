"""Access log: what one anonymous record costs per request, and a cold user-agent parse.

Variants: bare Starlette, privmw with IP truncation only, and privmw with the
access log writing JSON lines (and Combined Log Format) to daily files in a
temporary directory. Every request carries the same Chrome user agent, so the
coarse user agent comes from the LRU cache (the common case); the target is
under 5 µs added over "privmw ip only".

``figures()`` times a *cold* parse (a user agent not in the cache) side by
side in one process: the ``user-agents`` package privmw used before
(ua-parser's legacy pure-Python rules; installed by the ``bench`` extra only)
against today's ``coarse_user_agent`` (ua-parser 1.x, native resolver), in
interleaved rounds over the same never-seen strings: the 89 real user agents
of ``tests/data/user_agents.tsv``, each with a new minor version per round
(what a new browser release looks like to the cache). Target: ≥ 10× faster.
It also times redaction of the paths in ``tests/data/url_paths.txt``.

Run on its own: ``python -m benchmarks.bench_accesslog``.
"""

from __future__ import annotations

import asyncio
import atexit
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from privmw import AccessLog, PrivacyMiddleware
from privmw.accesslog.redact import redact
from privmw.accesslog.useragent import coarse_user_agent, load_parser

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


DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
# The browser's own version token, else the last version in the string ("Mozilla/5.0"
# and the OS version stay as real strings have them).
_BROWSER_VERSION = re.compile(
    r"(?:Chrome|Firefox|Version|CriOS|FxiOS|Edg|OPR|SamsungBrowser|Silk|YaBrowser|Brave"
    r"|NintendoBrowser|bot|Bot|spider|Scrapy|curl|Wget|requests|httpx|axios)/(\d+)\.(\d+)"
)
_LAST_VERSION = re.compile(r"(\d+)\.(\d+)(?!.*\d+\.\d+)")


def _table_agents() -> list[str]:
    agents = []
    for line in (DATA / "user_agents.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            agents.append(line.split("\t")[2])
    return agents


def _fresh(agents: list[str], round_no: int) -> list[str]:
    """Each agent with a minor version no cache has seen (or a suffix if it has none)."""
    out = []
    for ua in agents:
        match = _BROWSER_VERSION.search(ua) or _LAST_VERSION.search(ua)
        if match is None:
            out.append(f"{ua} r{round_no}")
        else:
            start, end = match.span(2)
            out.append(f"{ua[:start]}{900 + round_no}{ua[end:]}")
    return out


def _legacy_coarse() -> Callable[[str], object] | None:
    """Today's coarse classes as privmw computed them with ``user-agents`` (bench extra)."""
    try:
        from user_agents import parse
    except ImportError:
        return None

    def coarse(ua: str) -> object:
        parsed = parse(ua)
        version = parsed.browser.version
        return (
            parsed.browser.family,
            str(version[0]) if version else None,
            parsed.os.family,
            parsed.is_tablet,
            parsed.is_mobile,
            parsed.is_pc,
            parsed.is_bot,
        )

    return coarse


def cold_parse_us(rounds: int = 7) -> dict[str, float]:
    """Median µs of one cold parse for each parser, in interleaved rounds."""
    load_parser()
    parsers: dict[str, Callable[[str], object]] = {"ua-parser native": coarse_user_agent}
    legacy = _legacy_coarse()
    if legacy is not None:
        parsers["user-agents (legacy)"] = legacy
    agents = _table_agents()
    for parse in parsers.values():  # warm up: imports, the native engine's lazy DFAs
        for ua in _fresh(agents, -1):
            parse(ua)
    samples: dict[str, list[float]] = {name: [] for name in parsers}
    perf = time.perf_counter
    for round_no in range(rounds):
        fresh = _fresh(agents, round_no)
        for name, parse in parsers.items():
            for ua in fresh:
                start = perf()
                parse(ua)
                samples[name].append((perf() - start) * 1e6)
    out: dict[str, float] = {}
    for name, times in samples.items():
        out[f"cold user-agent parse, {name} (µs, median)"] = statistics.median(times)
        out[f"cold user-agent parse, {name} (µs, mean)"] = statistics.fmean(times)
    if legacy is not None:
        old = statistics.median(samples["user-agents (legacy)"])
        new = statistics.median(samples["ua-parser native"])
        out["cold user-agent parse, legacy ÷ native (medians)"] = old / new
    return out


def redact_us(rounds: int = 7) -> dict[str, float]:
    """Median µs to redact one path of the real-path corpus (the writer thread's cost)."""
    paths = [
        line
        for line in (DATA / "url_paths.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    perf = time.perf_counter
    times = []
    for _ in range(rounds):
        start = perf()
        for path in paths:
            redact(path)
        times.append((perf() - start) / len(paths) * 1e6)
    return {"redact one real path (µs, median of rounds)": statistics.median(times)}


def figures() -> dict[str, float]:
    return {**cold_parse_us(), **redact_us()}


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
    for figure, value in figures().items():
        print(f"{figure:60s} {value:9.2f}")
    asyncio.run(_main())
