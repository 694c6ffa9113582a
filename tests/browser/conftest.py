"""Real-browser fixtures: Debian's Chromium under Playwright, the example app under uvicorn.

Nothing leaves the machine: every request to a host other than 127.0.0.1 is
aborted by request interception (and recorded, as an *attempted* request),
and the browser resolves no host names at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from privmw.trackers import TrackerRegistry
from tests.conftest import TEST_SECRET, require
from tests.servers import ROOT, uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces: even a request interception missed could not resolve a host.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
APP = "examples.fastapi_app.app:app"
REGISTRY = TrackerRegistry()
LOCAL_HOSTS = frozenset({"127.0.0.1"})
IDLE_TIMEOUT_MS = 20_000


@dataclass
class Requests:
    """Every request the page attempted to a host other than 127.0.0.1 (all aborted)."""

    urls: list[str] = field(default_factory=list)

    def handle(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.urls.append(url)
            route.abort("blockedbyclient")

    def vendors(self) -> set[str]:
        """Names of the tracker vendors (privmw's registry) among the attempted requests."""
        out = set()
        for url in list(self.urls):
            vendor = REGISTRY.match_url(url)
            if vendor is not None:
                out.add(vendor.name)
        return out

    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in list(self.urls)}

    def wait_for(
        self, page: Page, predicate: Callable[[Requests], bool], timeout: float = 8.0
    ) -> bool:
        """Poll until ``predicate(self)``.

        Waits with ``page.wait_for_timeout``: the sync API runs route handlers
        only while the test is inside a Playwright call.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            page.wait_for_timeout(50)
        return predicate(self)


@dataclass
class Site:
    """The running example app and a way to open browser contexts on it."""

    base: str
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)

    def context(
        self, *, javascript: bool = True, gpc: bool = False
    ) -> tuple[BrowserContext, Requests]:
        headers = {"Sec-GPC": "1"} if gpc else {}
        context = self.browser.new_context(
            java_script_enabled=javascript,
            extra_http_headers=headers,
            viewport={"width": 1000, "height": 1100},
        )
        context.set_default_timeout(10_000)
        requests = Requests()
        context.route("**/*", requests.handle)
        self.contexts.append(context)
        return context, requests


def settle(page: Page, extra_ms: int = 0) -> None:
    """Wait until the page's network is quiet (Playwright's "networkidle"), then ``extra_ms``.

    "networkidle" is only a way to wait long enough: no assertion depends on it.
    On a loaded machine it can take longer than the default timeout to come
    (every aborted vendor request and every late timer restarts its 500 ms
    window), so a page that stays busy for ``IDLE_TIMEOUT_MS`` is waited for no
    longer; the assertions then check what the page attempted so far, which can
    only make a leak *more* likely to be seen, never less.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_load_state("networkidle", timeout=IDLE_TIMEOUT_MS)
    except PlaywrightTimeout:
        page.wait_for_timeout(500)
    if extra_ms:
        page.wait_for_timeout(extra_ms)


# The fixtures below are module-scoped, not session-scoped: while the sync
# Playwright runs, its event loop counts as running in this thread, and the
# pytest-asyncio tests of later modules could not start theirs.


def _playwright_missing() -> bool:
    return sync_playwright is None


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    require(not _playwright_missing(), "playwright is not installed (pip install playwright)")
    require(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing (apt-get install chromium)")
    assert sync_playwright is not None
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    # Debian's Chromium, never a downloaded one (there is no network for it).
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="module")
def server_url(playwright_instance: Playwright) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "example-app-uvicorn.log"
    with uvicorn_server(APP, env={"PRIVMW_SECRET": TEST_SECRET}, log_path=log) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def site(browser: Browser, server_url: str) -> Iterator[Site]:
    site = Site(server_url, browser)
    try:
        yield site
    finally:
        for context in site.contexts:
            context.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
