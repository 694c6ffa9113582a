"""Apps for the end-to-end run, served by a real uvicorn (``benchmarks.e2e``)."""

from __future__ import annotations

import os
import tempfile

from starlette.applications import Starlette

from privmw import AccessLog, PrivacyMiddleware, RateLimit

from .bench_ratelimit import _HUGE, _slowapi
from .common import bare_app
from .e2e_page import page_app


def _full() -> PrivacyMiddleware:
    directory = os.environ.get("PRIVMW_E2E_LOGS") or tempfile.mkdtemp(prefix="privmw-e2e-")
    return PrivacyMiddleware(
        bare_app(),
        rate_limit=RateLimit(f"{_HUGE}/second"),
        access_log=AccessLog(directory=directory),
    )


bare: Starlette = bare_app()
privmw_defaults = PrivacyMiddleware(bare_app())
privmw_full = _full()
slowapi = _slowapi(asgi=False) or bare_app()
#: A new realistic 20 KB HTML page on every request (benchmarks.e2e_page).
bare_page: Starlette = page_app()
privmw_page = PrivacyMiddleware(page_app())
