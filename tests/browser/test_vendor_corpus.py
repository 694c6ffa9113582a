"""Every vendor's official snippet on one page, in real Chromium: nothing loads without consent.

The page (``tests/browser/_corpus_app.py``) carries all 79 gated snippets of
the corpus and the 3 necessary ones (reCAPTCHA, Stripe.js), under uvicorn on
127.0.0.1. Every request to another host is aborted and recorded; a request
is a vendor's when privmw's registry matches its URL. Without consent no
vendor request may be attempted but the necessary ones; with consent for all
categories the same page attempts the vendors' requests (so the oracle sees
them when they happen); in strict mode no request leaves 127.0.0.1 but the
necessary vendors'.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from privmw.trackers import TrackerRegistry
from tests.browser._observe import EAGER
from tests.browser.conftest import ARTIFACTS, Requests, settle
from tests.servers import uvicorn_server
from tests.tag_corpus import SNIPPETS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

pytestmark = pytest.mark.server

REGISTRY = TrackerRegistry()
NECESSARY = {v.name for v in REGISTRY if v.category == "necessary"}
GATED = set().union(*(vendors for vendors, _, _ in SNIPPETS.values()))


@pytest.fixture(scope="module")
def corpus_url(browser: Browser) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "vendor-corpus-uvicorn.log"
    with uvicorn_server("tests.browser._corpus_app:app", log_path=log) as port:
        yield f"http://127.0.0.1:{port}"


def _context(browser: Browser) -> tuple[BrowserContext, Requests]:
    context = browser.new_context(java_script_enabled=True)
    context.set_default_timeout(15_000)
    requests = Requests()
    context.route("**/*", requests.handle)
    return context, requests


def _load(browser: Browser, url: str, consent: bool = False) -> Requests:
    context, requests = _context(browser)
    try:
        if consent:
            base = url.split("/", 3)[:3]
            origin = "/".join(base)
            answer = context.request.post(
                origin + "/privacy/consent",
                form={"action": "accept-all"},
                headers={"origin": origin},
                max_redirects=0,
            )
            assert answer.status in (200, 303), answer.status
        page = context.new_page()
        response = page.goto(url)
        assert response is not None
        assert response.status == 200
        page.evaluate(EAGER)  # lazy embeds load wherever they sit on the page
        settle(page)
        page.wait_for_timeout(500)  # late timers of inline snippets
        return requests
    finally:
        context.close()


def test_no_vendor_request_without_consent(browser: Browser, corpus_url: str) -> None:
    requests = _load(browser, corpus_url + "/")
    leaked = requests.vendors() - NECESSARY
    assert leaked == set(), sorted(u for u in requests.urls if REGISTRY.match_url(u))
    # The necessary vendors do load (and are aborted here): the page is live.
    assert requests.vendors() == NECESSARY


def test_with_consent_the_same_page_loads_its_vendors(browser: Browser, corpus_url: str) -> None:
    requests = _load(browser, corpus_url + "/", consent=True)
    seen = requests.vendors()
    # Every snippet asks for its vendor's file at once, but two: Adobe's inline
    # tag needs the site's own AppMeasurement.js (a stub here), and New Relic's
    # agent is elided from its snippet in the corpus.
    assert GATED - seen == {"adobe-analytics", "new-relic"}
    assert seen >= NECESSARY


def test_strict_mode_lets_nothing_leave_but_necessary_vendors(
    browser: Browser, corpus_url: str
) -> None:
    requests = _load(browser, corpus_url + "/strict/")
    others = [
        u
        for u in requests.urls
        if (vendor := REGISTRY.match_url(u)) is None or vendor.name not in NECESSARY
    ]
    assert others == []


def test_known_gaps_load_nothing_without_consent(browser: Browser, corpus_url: str) -> None:
    requests = _load(browser, corpus_url + "/gaps")
    assert requests.vendors() == set(), sorted(requests.urls)
