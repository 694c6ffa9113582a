"""Chromium as the oracle for ``test_html_gate``: served by uvicorn through privmw, does GA load?

Every request to a host other than 127.0.0.1 is aborted and recorded. The
bare app (no privmw) is the control: each case does make Chromium request
``www.google-analytics.com``; through privmw none may.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.attack._html_app import PATHS
from tests.browser.conftest import ARTIFACTS, Requests
from tests.servers import uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.server


def _served(app: str) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"attack-html-{app}-uvicorn.log"
    with uvicorn_server(f"tests.attack._html_app:{app}", log_path=log) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def guarded(browser: Browser) -> Iterator[str]:
    yield from _served("app")


@pytest.fixture(scope="module")
def bare(browser: Browser) -> Iterator[str]:
    yield from _served("bare")


def _loads_ga(browser: Browser, url: str) -> bool:
    context = browser.new_context()
    requests = Requests()
    context.route("**/*", requests.handle)
    try:
        page = context.new_page()
        page.goto(url)
        requests.wait_for(page, lambda r: "www.google-analytics.com" in r.hosts(), timeout=1.5)
        return "www.google-analytics.com" in requests.hosts()
    finally:
        context.close()


@pytest.mark.parametrize("path", list(PATHS))
def test_case_loads_ga_without_privmw(browser: Browser, bare: str, path: str) -> None:
    assert _loads_ga(browser, bare + path), PATHS[path]


@pytest.mark.parametrize("path", list(PATHS))
def test_case_does_not_load_ga_through_privmw(
    browser: Browser,
    guarded: str,
    path: str,
) -> None:
    assert not _loads_ga(browser, guarded + path), PATHS[path]
