"""The larger registry (issue 11): 10 vendors before, 65 vendors + the Open Cookie Database after.

Same process, same code path; the "before" variants run the old 10-vendor
data (``vendors_before.py``) without the cookie database. Requests carry the
leftover cookies of a real visitor who never consented (``_ga``, ``_gid``,
``_fbp``, ``_hjSessionUser_1``) and a session id, with values new on every
request (each request a different visitor), so the Cookie header is scanned
each time and the tracker cookies are expired. ``page:`` variants answer the
20 KB shop page of the ``tags`` group instead of plain text.

``figures()`` times the cookie name → category lookup itself, per call:
through the cookie gate's cache (the hot path) and on a miss (a name never
seen), for main's code with 10 vendors (read with ``git show main:...``, when
git is available) and this code with 65 vendors + the database.
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from privmw import PrivacyMiddleware
from privmw._cookiedb import CookieDatabase
from privmw.cookies import CookieGate
from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry

from .bench_tags import make_page
from .common import DEFAULT_HEADERS, ASGIApp, bare_app, make_scope
from .vendors_before import DEFAULT_VENDORS as BEFORE

GROUP = "vendors"
REFERENCE = "privmw defaults, 65 vendors + OCD (after)"
ROOT = Path(__file__).resolve().parent.parent

_counter = itertools.count()


def _cookie() -> bytes:
    n = next(_counter)
    return (
        f"_ga=GA1.1.{1000000000 + n}.1700000000; _gid=GA1.1.{2000000000 + n}.1700000000; "
        f"_fbp=fb.1.1700000000000.{n}; _hjSessionUser_1=eyJpZCI6Ij{n:08d}In0=; "
        f"sessionid=8f2c0e1d9b7a{n:010d}"
    ).encode()


def scope() -> dict[str, Any]:
    return make_scope("/", [*DEFAULT_HEADERS, (b"cookie", _cookie())])


def _at(path: str, app: Any) -> ASGIApp:
    async def routed(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["path"] = path
        scope["raw_path"] = path.encode()
        await app(scope, receive, send)

    return routed


def _before() -> TrackerRegistry:
    return TrackerRegistry(vendors=BEFORE, cookie_database=False)


def apps() -> dict[str, ASGIApp]:
    page = make_page(20_000)
    return {
        "bare starlette": bare_app(html=page),
        "privmw defaults, 10 vendors (before)": PrivacyMiddleware(
            bare_app(html=page), vendors=_before()
        ),
        "privmw defaults, 65 vendors + OCD (after)": PrivacyMiddleware(bare_app(html=page)),
        "page: bare starlette (20 KB html)": _at("/page", bare_app(html=page)),
        "page: privmw, 10 vendors (before)": _at(
            "/page", PrivacyMiddleware(bare_app(html=page), vendors=_before())
        ),
        "page: privmw, 65 vendors + OCD (after)": _at(
            "/page", PrivacyMiddleware(bare_app(html=page))
        ),
    }


def pages() -> dict[str, bytes]:
    return {"100 KB page": make_page(100_000)}


def _deny(category: str) -> bool:
    return category == "necessary"


def throughput() -> dict[str, Callable[[bytes], object]]:
    """The rewriter alone (no page cache) with each registry."""
    before, after = RewritePlan(_before()), RewritePlan(TrackerRegistry())

    def with_before(page: bytes) -> object:
        rw = HtmlRewriter(before, _deny)
        return rw.feed(page) + rw.close()

    def with_after(page: bytes) -> object:
        rw = HtmlRewriter(after, _deny)
        return rw.feed(page) + rw.close()

    return {
        "rewriter, 10 vendors (before)": with_before,
        "rewriter, 65 vendors (after)": with_after,
    }


def _main_modules() -> tuple[Any, Any] | None:
    """main's ``trackers`` and ``cookies`` modules, loaded from git (``None`` without git)."""
    out = []
    for name in ("trackers", "cookies"):
        try:
            source = subprocess.run(
                ["git", "show", f"main:src/privmw/{name}.py"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        module = types.ModuleType(f"privmw._main_{name}")
        module.__package__ = "privmw"
        sys.modules[module.__name__] = module
        exec(compile(source, f"main:{name}.py", "exec"), module.__dict__)
        out.append(module)
    return out[0], out[1]


def _per_call(fn: Callable[[str], object], names: list[str], repeat: int = 7) -> float:
    """Median µs per call of ``fn`` over ``names``."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for name in names:
            fn(name)
        samples.append((time.perf_counter() - start) / len(names) * 1e6)
    return statistics.median(samples)


def figures() -> dict[str, object]:
    leftover = ["_ga", "_gid", "_fbp", "_hjSessionUser_1", "sessionid"] * 2000
    # Names never seen: a site's own, and tracker-like ones that reach the prefix indexes.
    fresh = [
        name
        for i in range(4_000)
        for name in (
            f"app_session_{i}",
            f"_x{i}",
            f"AMCV_{i:X}%40AdobeOrg",
            f"_pk_id.{i}.1fff",
            f"csrftoken{i}",
        )
    ]
    text = resources.files("privmw").joinpath("data/open-cookie-database.tsv").read_text("utf-8")
    loads = []
    for _ in range(5):
        start = time.perf_counter()
        CookieDatabase(text)._load()
        loads.append((time.perf_counter() - start) * 1e3)
    after = CookieGate(TrackerRegistry())
    before = CookieGate(_before())
    out: dict[str, object] = {
        "open cookie database parse, once per process (ms)": f"{statistics.median(loads):.1f}"
    }
    gates: dict[str, Any] = {
        "this code, 10 vendors": before,
        "this code, 65 vendors + OCD": after,
    }
    main = _main_modules()
    if main is not None:
        main_trackers, main_cookies = main
        gates = {
            "main, 10 vendors": main_cookies.CookieGate(
                main_trackers.TrackerRegistry(
                    vendors=[
                        main_trackers.Vendor(
                            name=v.name,
                            label=v.label,
                            category=v.category,
                            urls=v.urls,
                            cookies=v.cookies,
                            signatures=v.signatures,
                            csp=v.csp,
                            purpose=v.purpose,
                        )
                        for v in BEFORE
                    ]
                )
            ),
            **gates,
        }
    for label, gate in gates.items():
        gate.category("_ga")
        out[f"cookie -> category, cache hit, {label} (µs/call)"] = (
            f"{_per_call(gate.category, leftover):.3f}"
        )
    for label, gate in gates.items():
        # A miss: a name the gate has not seen (its cache refills as in production).
        out[f"cookie -> category, miss, {label} (µs/call)"] = (
            f"{_per_call(lambda n, g=gate: g._lookup(n), fresh, repeat=5):.3f}"
        )
    return out
