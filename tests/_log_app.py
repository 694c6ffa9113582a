"""The app of ``tests/_apps.py`` for the server-log tests; it can call ``scrub_server_logs()``.

``PRIVMW_SCRUB_LOGS=1`` attaches the filter at import, as the README says to:
the server has configured its logging by then, and logs its start-up line after.
"""

from __future__ import annotations

import os

import privmw

from ._apps import build

if os.environ.get("PRIVMW_SCRUB_LOGS") == "1":
    privmw.scrub_server_logs()

app = build(
    trusted_proxies=[p for p in os.environ.get("PRIVMW_TRUSTED", "127.0.0.1,::1").split(",") if p]
)
