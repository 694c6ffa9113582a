"""The whole stack on a non-HTML response, against the layers a user would otherwise run.

The request is a browser behind a loopback proxy with a session cookie and a
valid consent cookie; the response is plain text (HTML rewriting has its own
group, ``tags``).
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from typing import Any

from privmw import AccessLog, PrivacyMiddleware, RateLimit

from .bench_consent import _secure_peer, scope
from .bench_ip import NoopASGI, NoopBase
from .bench_ratelimit import _HUGE, _slowapi
from .common import ASGIApp, bare_app

GROUP = "stack"
#: The privmw variant the peers are compared with.
REFERENCE = "privmw full stack (defaults + rate limit)"

__all__ = ["GROUP", "REFERENCE", "apps", "scope"]


def apps() -> dict[str, ASGIApp]:
    directory = tempfile.mkdtemp(prefix="privmw-bench-stack-")
    log = AccessLog(directory=directory)

    def cleanup() -> None:
        log.close()
        shutil.rmtree(directory, ignore_errors=True)

    atexit.register(cleanup)
    limit = RateLimit(f"{_HUGE}/second")
    variants: dict[str, Any] = {
        "bare starlette": bare_app(),
        "no-op pure ASGI layer": NoopASGI(bare_app()),
        "BaseHTTPMiddleware no-op": NoopBase(bare_app()),
        "privmw defaults (ip + signals + consent + cookies + tags)": PrivacyMiddleware(bare_app()),
        "privmw full stack (defaults + rate limit)": PrivacyMiddleware(
            bare_app(), rate_limit=limit
        ),
        "privmw everything (+ access log file)": PrivacyMiddleware(
            bare_app(), rate_limit=limit, access_log=log
        ),
        "slowapi SlowAPIMiddleware": _slowapi(asgi=False),
        "slowapi SlowAPIASGIMiddleware": _slowapi(asgi=True),
    }
    with contextlib.suppress(ImportError):  # pip install secure (the bench dependency group)
        variants["secure headers middleware"] = _secure_peer(bare_app())
    return {name: app for name, app in variants.items() if app is not None}
