"""Invariant 4 with Chromium as the oracle: documents whose vendor tags privmw lets through.

Each case of ``_leak_cases`` is served by uvicorn twice: bare (the control:
Chromium does request a registry vendor's URL) and through
``PrivacyMiddleware`` with its defaults, where no vendor URL may be requested.
Every request to a host other than 127.0.0.1 is aborted and recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.attack2._leak_app import PATHS
from tests.browser.conftest import ARTIFACTS, Requests
from tests.servers import uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.server
BY_NAME = {name: path for path, name in PATHS.items()}


def _served(app: str) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"attack2-leak-{app}-uvicorn.log"
    with uvicorn_server(f"tests.attack2._leak_app:{app}", log_path=log) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def guarded(browser: Browser) -> Iterator[str]:
    yield from _served("app")


@pytest.fixture(scope="module")
def bare(browser: Browser) -> Iterator[str]:
    yield from _served("bare")


def _vendors(browser: Browser, url: str) -> set[str]:
    context = browser.new_context()
    requests = Requests()
    context.route("**/*", requests.handle)
    try:
        page = context.new_page()
        page.goto(url)
        requests.wait_for(page, lambda r: bool(r.vendors()), timeout=1.5)
        return requests.vendors()
    finally:
        context.close()


@pytest.mark.parametrize("name", list(BY_NAME))
def test_control_loads_a_vendor_without_privmw(browser: Browser, bare: str, name: str) -> None:
    assert _vendors(browser, bare + BY_NAME[name]), name


@pytest.mark.parametrize("name", list(BY_NAME))
def test_no_vendor_loads_through_privmw(browser: Browser, guarded: str, name: str) -> None:
    assert not _vendors(browser, guarded + BY_NAME[name]), name


def test_the_activation_script_loads_from_the_site_whatever_the_base(
    browser: Browser, guarded: str
) -> None:
    """privmw's injected loader must not follow the page's ``<base href>`` to another host."""
    context = browser.new_context()
    requests = Requests()
    context.route("**/*", requests.handle)
    try:
        page = context.new_page()
        page.goto(guarded + "/base-loader")
        requests.wait_for(page, lambda r: bool(r.urls), timeout=1.5)
        assert requests.urls == [], requests.urls
    finally:
        context.close()
