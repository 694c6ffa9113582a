"""The reference request: a real visitor, against bare Starlette and the peers.

A browser behind a loopback proxy sends 11 headers: ``X-Forwarded-For``,
``DNT: 1``, ``Sec-GPC: 1`` and a ``Cookie`` header with ``_ga``, ``_gid``, a
consent cookie and a session id, i.e. a visitor who once allowed Google
Analytics and now sends a privacy signal (DNT denies analytics, so privmw
expires ``_ga``/``_gid`` on the response). Three more requests of the same
shape: without cookies, with consent to everything and no signals, and with
GPC only. Every variant answers plain text (HTML has its own group, ``tags``).

Issue 17's targets are ratios to bare Starlette in the same run (``× bare``):
defaults ≤ 0.5×, defaults + in-memory rate limit ≤ 0.75× and below
asgi-ratelimit; SlowAPIMiddleware ≥ 30× and SlowAPIASGIMiddleware ≥ 6× the
full stack.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from collections.abc import Callable
from typing import Any

from privmw import AccessLog, ConsentPolicy, PrivacyMiddleware, RateLimit
from privmw.consent.cookie import encode_consent

from .bench_ratelimit import _HUGE, _asgi_ratelimit, _slowapi
from .common import ASGIApp, bare_app, make_scope

GROUP = "request"
#: The privmw variant the peers are compared with.
REFERENCE = "privmw full stack (defaults + rate limit)"

_SECRET = "bench-secret-0123456789abcdef-0123456789"
_POLICY = ConsentPolicy(secret=_SECRET)


def _consent(categories: list[str]) -> str:
    return encode_consent(_POLICY, categories, now=time.time())


_BASE: list[tuple[bytes, bytes]] = [
    (b"host", b"www.example.org"),
    (
        b"user-agent",
        b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        b"Chrome/131.0.0.0 Safari/537.36",
    ),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-encoding", b"gzip, deflate, br, zstd"),
    (b"accept-language", b"de-DE,de;q=0.9,en;q=0.8"),
    (b"x-forwarded-for", b"203.0.113.77"),
    (b"x-forwarded-proto", b"https"),
    (b"sec-fetch-site", b"same-origin"),
]
_TRACKERS = "_ga=GA1.1.1234567890.1770000000; _gid=GA1.1.987654321.1770000000"
_SESSION = "sessionid=9b1d0c6e2f7a4e5b8c3d1a0f6e2b7c4d"


def _request(signals: list[tuple[bytes, bytes]], cookie: str | None) -> Callable[[], Any]:
    headers = [*_BASE, *signals]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))

    def scope() -> dict[str, Any]:
        return make_scope(headers=list(headers))

    return scope


#: Request name → scope factory; each makes one table of the group.
REQUESTS: dict[str, Callable[[], Any]] = {
    "realistic (DNT+GPC, leftover _ga/_gid, consent cookie, session)": _request(
        [(b"dnt", b"1"), (b"sec-gpc", b"1")],
        f"{_TRACKERS}; {_POLICY.cookie_name}={_consent(['analytics'])}; {_SESSION}",
    ),
    "no cookies (DNT+GPC)": _request([(b"dnt", b"1"), (b"sec-gpc", b"1")], None),
    "consent to all, no signals": _request(
        [],
        f"{_TRACKERS}; {_POLICY.cookie_name}="
        f"{_consent(['preferences', 'analytics', 'marketing'])}; {_SESSION}",
    ),
    "GPC only": _request(
        [(b"sec-gpc", b"1")],
        f"{_TRACKERS}; {_POLICY.cookie_name}={_consent(['analytics'])}; {_SESSION}",
    ),
}
scope = next(iter(REQUESTS.values()))


def apps() -> dict[str, ASGIApp]:
    directory = tempfile.mkdtemp(prefix="privmw-bench-request-")
    log = AccessLog(directory=directory)

    def cleanup() -> None:
        log.close()
        shutil.rmtree(directory, ignore_errors=True)

    atexit.register(cleanup)
    limit = RateLimit(f"{_HUGE}/second")
    variants: dict[str, ASGIApp | None] = {
        "bare starlette": bare_app(),
        "privmw defaults": PrivacyMiddleware(bare_app(), consent=_POLICY),
        "privmw full stack (defaults + rate limit)": PrivacyMiddleware(
            bare_app(), consent=_POLICY, rate_limit=limit
        ),
        "privmw everything (+ access log file)": PrivacyMiddleware(
            bare_app(), consent=_POLICY, rate_limit=limit, access_log=log
        ),
        "asgi-ratelimit memory": _asgi_ratelimit(),
        "slowapi SlowAPIMiddleware": _slowapi(asgi=False),
        "slowapi SlowAPIASGIMiddleware": _slowapi(asgi=True),
    }
    return {name: app for name, app in variants.items() if app is not None}
