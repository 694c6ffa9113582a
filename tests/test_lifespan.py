"""The middleware handles the ASGI lifespan as it passes it through.

A scripted server drives the lifespan protocol (``lifespan.startup`` then
``lifespan.shutdown``) and records what it is sent, like uvicorn's
``LifespanOn``; one test runs a real uvicorn with ``--lifespan on``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from privmw import AccessLog, PrivacyMiddleware, RateLimit, RedisBackend
from tests.conftest import TEST_SECRET, require
from tests.servers import ROOT, free_port

Message = dict[str, Any]


async def drive(app: Any, *, shutdown: bool = True) -> list[Message]:
    """Run the lifespan protocol against ``app`` as a server does; what the server got."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    sent: list[Message] = []
    started = asyncio.Event()

    async def receive() -> Message:
        return await inbox.get()

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"].startswith("lifespan.startup."):
            started.set()

    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    )
    done, _ = await asyncio.wait(
        {task, asyncio.ensure_future(started.wait())},
        timeout=5,
        return_when=asyncio.FIRST_COMPLETED,
    )
    assert done, "no answer to lifespan.startup"
    if shutdown and sent and sent[-1]["type"] == "lifespan.startup.complete":
        await inbox.put({"type": "lifespan.shutdown"})
    with contextlib.suppress(Exception):
        await asyncio.wait_for(task, 5)
    return sent


def starlette_app(events: list[str]) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        events.append("app startup")
        yield
        events.append("app shutdown")

    return Starlette(lifespan=lifespan)


class Spy(PrivacyMiddleware):
    """Records when privmw's own start-up and shutdown run."""

    events: list[str]

    async def startup(self) -> None:
        self.events.append("privmw startup")
        await super().startup()

    async def shutdown(self) -> None:
        self.events.append("privmw shutdown")
        await super().shutdown()


async def test_privmw_starts_before_and_stops_after_the_app(tmp_path: Path) -> None:
    events: list[str] = []
    old = tmp_path / "access-2000-01-01.log"
    old.write_text("an old record\n")
    log = AccessLog(directory=tmp_path, retention_days=7)
    mw = Spy(starlette_app(events), access_log=log)
    mw.events = events
    sent = await drive(mw)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["privmw startup", "app startup", "app shutdown", "privmw shutdown"]
    assert not old.exists()  # the access log started: its start-up retention sweep ran
    assert log._writer._thread is None  # and was closed on shutdown


async def test_failed_startup_is_reported_and_the_app_never_starts(tmp_path: Path) -> None:
    events: list[str] = []
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    mw = PrivacyMiddleware(starlette_app(events), access_log=AccessLog(directory=blocker / "logs"))
    sent = await drive(mw)
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert "access log directory" in sent[0]["message"]
    assert str(blocker / "logs") in sent[0]["message"]
    assert events == []  # the app's start-up did not run


@pytest.mark.parametrize(("fail_open", "answer"), [(True, "complete"), (False, "failed")])
async def test_unreachable_redis_at_startup(fail_open: bool, answer: str) -> None:
    backend = RedisBackend(f"redis://127.0.0.1:{free_port()}/0", fail_open=fail_open, timeout=0.2)
    mw = PrivacyMiddleware(
        starlette_app([]), rate_limit=RateLimit("10/second", backend=backend), secret=TEST_SECRET
    )
    sent = await drive(mw)
    assert sent[0]["type"] == f"lifespan.startup.{answer}"
    if not fail_open:
        assert "Redis is unreachable at start-up" in sent[0]["message"]
        assert "fail_open" in sent[0]["message"]


async def _refuses_lifespan(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise RuntimeError("this app speaks HTTP only")


async def _ignores_lifespan(scope: Any, receive: Any, send: Any) -> None:
    return None


@pytest.mark.parametrize("app", [_refuses_lifespan, _ignores_lifespan])
async def test_apps_without_lifespan_get_privmws_own_answers(app: Any, tmp_path: Path) -> None:
    events: list[str] = []
    mw = Spy(app, access_log=AccessLog(directory=tmp_path))
    mw.events = events
    sent = await drive(mw)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["privmw startup", "privmw shutdown"]


async def test_app_startup_failure_passes_through_and_privmw_stops(tmp_path: Path) -> None:
    @contextlib.asynccontextmanager
    async def broken(_: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("the app's database is down")
        yield  # pragma: no cover

    events: list[str] = []
    mw = Spy(Starlette(lifespan=broken), access_log=AccessLog(directory=tmp_path))
    mw.events = events
    sent = await drive(mw)
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert "the app's database is down" in sent[0]["message"]
    assert events == ["privmw startup", "privmw shutdown"]  # nothing left running


async def test_manual_startup_and_shutdown_are_idempotent(tmp_path: Path) -> None:
    log = AccessLog(directory=tmp_path)
    mw = PrivacyMiddleware(_ignores_lifespan, access_log=log)
    await mw.startup()
    await mw.startup()
    assert log._writer._thread is not None
    await mw.shutdown()
    await mw.shutdown()
    assert log._writer._thread is None


APP_MODULE = """
from starlette.applications import Starlette
from privmw import AccessLog, PrivacyMiddleware
app = PrivacyMiddleware(Starlette(), access_log=AccessLog(directory={directory!r}))
"""


def test_real_uvicorn_reports_a_failed_startup(tmp_path: Path) -> None:
    require(importlib.util.find_spec("uvicorn") is not None, "uvicorn is not installed")
    blocker = tmp_path / "file"
    blocker.write_text("")
    module = tmp_path / "lifespan_app.py"
    module.write_text(APP_MODULE.format(directory=str(blocker / "logs")))
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "lifespan_app:app",
            "--lifespan",
            "on",
            "--port",
            str(free_port()),
            "--app-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode != 0
    assert "access log directory" in proc.stderr, proc.stderr
    assert "Application startup failed" in proc.stderr, proc.stderr
    assert time.monotonic() - started < 30
