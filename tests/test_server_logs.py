"""Real uvicorn and hypercorn logs with ``privmw.scrub_server_logs()`` (issue 14 item 6, issue 12).

* uvicorn ``--log-level trace``: ``uvicorn.asgi`` prints the whole scope (and
  ``uvicorn.error`` the socket peer) *before* any middleware runs, so without
  the filter the full client address is in the log (the control case);
  with it, nowhere;
* the servers' own start-up lines keep their listen address
  (``Uvicorn running on http://127.0.0.1:<port>``, hypercorn's ``Running on``),
  which the filter used to turn into ``127.0.0.0``/``:0``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

from .conftest import require
from .servers import hypercorn_server, uvicorn_server

pytestmark = pytest.mark.server

CLIENT = "203.0.113.77"
CLIENT6 = "2001:db8:1:2::77"


def _requests(port: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for forwarded in (CLIENT, CLIENT6):
            response = client.get("/", headers={"X-Forwarded-For": forwarded})
            assert response.status_code == 200


@pytest.mark.parametrize("scrub", [True, False], ids=["scrubbed", "control"])
def test_uvicorn_trace_log(tmp_path: Path, scrub: bool) -> None:
    require(importlib.util.find_spec("uvicorn") is not None, "uvicorn is not installed")
    log_path = tmp_path / "uvicorn.log"
    env = {"PRIVMW_SCRUB_LOGS": "1" if scrub else "0", "PRIVMW_TRUSTED": ""}
    with uvicorn_server(
        "tests._log_app:app", "--log-level", "trace", env=env, log_path=log_path
    ) as port:
        _requests(port)
    log = log_path.read_text()
    assert f"Uvicorn running on http://127.0.0.1:{port} (Press CTRL+C to quit)" in log, log
    assert "ASGI [" in log  # the trace lines are there
    if scrub:
        assert CLIENT not in log, log
        assert CLIENT6 not in log, log
        assert "203.0.113.0:0 - ASGI" in log
        assert '203.0.113.0:0 - "GET / HTTP/1.1" 200' in log
    else:
        # uvicorn.asgi logs the scope its proxy-header middleware resolved,
        # before privmw runs: this is what the filter is for
        assert f"'client': ('{CLIENT}', 0)" in log, log


def test_hypercorn_logs(tmp_path: Path) -> None:
    require(importlib.util.find_spec("hypercorn") is not None, "hypercorn is not installed")
    log_path = tmp_path / "hypercorn.log"
    env = {"PRIVMW_SCRUB_LOGS": "1", "PRIVMW_TRUSTED": "127.0.0.1"}
    with hypercorn_server("tests._log_app:app", env=env, log_path=log_path) as port:
        _requests(port)
    log = log_path.read_text()
    assert f"Running on http://127.0.0.1:{port} (CTRL + C to quit)" in log, log
    assert CLIENT not in log, log
    assert CLIENT6 not in log, log
    access = [line for line in log.splitlines() if '"GET / 1.1" 200' in line]
    assert len(access) == 2, log
    assert "203.0.113.0:0" in access[0]
    assert "2001:db8:1::" in access[1]
