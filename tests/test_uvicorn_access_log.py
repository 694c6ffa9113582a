"""A real uvicorn subprocess: its own access log shows only truncated addresses.

uvicorn writes the access line from the very scope dict the app gets, when the
response starts; privmw truncates that dict in place, so the line is anonymous.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

from .conftest import require
from .servers import uvicorn_server

pytestmark = pytest.mark.server

CASES = [
    # forwarded value, what the app and the log must show
    ("203.0.113.77", "203.0.113.0"),
    ("2001:db8:1:2::77", "2001:db8:1::"),
    ("::ffff:198.51.100.7", "198.51.100.0"),
]
RAW = ["203.0.113.77", "2001:db8:1:2::77", "198.51.100.7", "2001:db8:1:2:"]


@pytest.mark.parametrize(
    ("uvicorn_args", "env"),
    [
        # uvicorn resolves X-Forwarded-For itself (its default), privmw truncates
        ((), {"PRIVMW_TRUSTED": ""}),
        # uvicorn's proxy headers off: privmw resolves through its trusted proxies
        (("--no-proxy-headers",), {"PRIVMW_TRUSTED": "127.0.0.1"}),
    ],
    ids=["uvicorn-resolves", "privmw-resolves"],
)
def test_uvicorn_access_log_is_anonymous(
    tmp_path: Path, uvicorn_args: tuple[str, ...], env: dict[str, str]
) -> None:
    require(importlib.util.find_spec("uvicorn") is not None, "uvicorn is not installed")
    log_path = tmp_path / "uvicorn.log"
    seen = []
    with (
        uvicorn_server(
            "tests._apps:app", *uvicorn_args, "--log-level", "info", env=env, log_path=log_path
        ) as port,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        for forwarded, truncated in CASES:
            response = client.get(
                "/",
                headers={
                    "X-Forwarded-For": forwarded,
                    "X-Real-IP": forwarded,
                    "True-Client-IP": forwarded,
                },
            )
            assert response.status_code == 200
            data = response.json()
            assert data["client"] == truncated
            assert data["port"] == 0
            seen.append(response.text)
    log = log_path.read_text()
    access_lines = [line for line in log.splitlines() if '"GET / HTTP/1.1" 200' in line]
    assert len(access_lines) == len(CASES), log
    for (_, truncated), line in zip(CASES, access_lines, strict=True):
        assert line.split(" - ", 1)[0].endswith(f"{truncated}:0"), line
    for raw in RAW:
        assert raw not in log, f"{raw} leaked into uvicorn's log:\n{log}"
        assert not any(raw in body for body in seen)
