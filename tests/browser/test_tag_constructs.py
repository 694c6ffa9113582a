"""Every fetching construct of issue 16 in real Chromium: nothing loads without consent.

Each row of ``tests/browser/_constructs.py`` is one response (markup from
``tests/_html_strategies.py`` plus its transport: headers, body split,
encoding) served by a real uvicorn on 127.0.0.1, three ways:

* **raw** (no privmw): Chromium must fetch the row's vendor. This is what
  makes a row able to fail: a construct the browser does not fetch proves
  nothing;
* **gated** (a default ``PrivacyMiddleware``, no consent, or the row's partial
  consent): Chromium must attempt no request to any vendor of privmw's
  registry that needs a consent the visitor did not give;
* **consented** (consent for every category, through the consent endpoint):
  the vendor loads again, so privmw does not over-block.

Every request to a host other than 127.0.0.1 is aborted by request
interception and recorded; the browser resolves no host names. Rows the
rewriter engine of issue 16 fixes are ``xfail(strict=True)`` until it lands:
then they pass, strict xfail turns that into a failure, and the marker goes.

Each row is loaded in its own browser context (its own cookie jar and
request log, so a request is attributed to its row exactly); contexts are
loaded in batches, and every load is watched for the same time after its
``load`` event, so the raw load also shows that time is enough.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from privmw.trackers import TrackerRegistry
from tests.browser._constructs import ROWS, Row
from tests.browser.conftest import ARTIFACTS, LOCAL_HOSTS
from tests.servers import uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

pytestmark = pytest.mark.server

REGISTRY = TrackerRegistry()
#: How long a load is watched after its ``load`` event (late timers, meta refresh).
SETTLE_MS = 400
#: Pages loading rows at the same time, per context.
POOL = 8


class _Tab:
    """One reused page: every request it attempts is recorded under the row it shows."""

    def __init__(self, page: Page, out: dict[str, list[str]]) -> None:
        self.page = page
        self.out = out
        self.row = ""
        page.route("**/*", self._handle)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.out.setdefault(self.row, []).append(url)
            route.abort("blockedbyclient")


def _consent(context: BrowserContext, origin: str, categories: tuple[str, ...] | None) -> None:
    """Consent through privmw's endpoint (``None``: accept all)."""
    form: dict[str, str | float | bool] = {"action": "accept-all" if categories is None else "save"}
    for category in categories or ():
        form[category] = "on"
    answer = context.request.post(
        origin + "/privacy/consent", form=form, headers={"origin": origin}, max_redirects=0
    )
    assert answer.status in (200, 303), answer.status


def _observe(browser: Browser, origin: str, prefix: str, state: str) -> dict[str, list[str]]:
    """Load every row under ``prefix``; the non-local URLs each one requested.

    One context per consent state, a few pages in it reused row after row.
    Before a page moves on it navigates to ``about:blank``: the requests the
    old document still had in flight are handled during that call, under the
    old row.
    """
    out: dict[str, list[str]] = {}
    groups: dict[tuple[str, ...] | None, list[Row]] = {}
    for row in ROWS.values():
        key = None if state == "consented" else row.consent if state == "gated" else ()
        groups.setdefault(key, []).append(row)
    for consent, rows in groups.items():
        context = browser.new_context(viewport={"width": 1000, "height": 800})
        try:
            context.set_default_timeout(15_000)
            if consent is None or consent:
                _consent(context, origin, consent)
            tabs = [_Tab(context.new_page(), out) for _ in range(min(POOL, len(rows)))]
            for at in range(0, len(rows), len(tabs)):
                busy = list(zip(tabs, rows[at : at + len(tabs)], strict=False))
                for tab, row in busy:
                    tab.row = row.name
                    out.setdefault(row.name, [])
                    tab.page.goto(f"{origin}{prefix}{row.name}", wait_until="commit")
                for tab, _ in busy:
                    tab.page.wait_for_load_state("load")
                tabs[0].page.wait_for_timeout(SETTLE_MS)
                for tab, _ in busy:
                    tab.page.goto("about:blank")
        finally:
            context.close()
    return out


@pytest.fixture(scope="module")
def origin(browser: Browser) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "tag-constructs-uvicorn.log"
    with uvicorn_server("tests.browser._constructs:app", log_path=log) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def raw(browser: Browser, origin: str) -> dict[str, list[str]]:
    return _observe(browser, origin, "/raw/", "raw")


@pytest.fixture(scope="module")
def gated(browser: Browser, origin: str) -> dict[str, list[str]]:
    return _observe(browser, origin, "/c/", "gated")


@pytest.fixture(scope="module")
def consented(browser: Browser, origin: str) -> dict[str, list[str]]:
    return _observe(browser, origin, "/c/", "consented")


def _vendors(urls: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for url in urls:
        vendor = REGISTRY.match_url(url)
        if vendor is not None:
            out.setdefault(vendor.name, []).append(url)
    return out


def _needs_consent(row: Row, urls: list[str]) -> dict[str, list[str]]:
    """The vendors among ``urls`` that need a consent the row's visitor did not give."""
    return {
        name: found
        for name, found in _vendors(urls).items()
        if REGISTRY.vendor(name).category not in ("necessary", *row.consent)
    }


def _param(row: Row) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=f"engine: {row.engine}")] if row.engine else []
    return pytest.param(row, id=row.name, marks=marks)


@pytest.mark.parametrize("row", [pytest.param(r, id=r.name) for r in ROWS.values()])
def test_raw_construct_fetches_the_vendor(row: Row, raw: dict[str, list[str]]) -> None:
    assert row.vendor in _vendors(raw[row.name]), raw[row.name]


@pytest.mark.parametrize("row", [_param(r) for r in ROWS.values()])
def test_gated_construct_fetches_no_vendor_without_consent(
    row: Row, gated: dict[str, list[str]]
) -> None:
    assert _needs_consent(row, gated[row.name]) == {}


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r.name) for r in ROWS.values() if r.consented_loads]
)
def test_consented_construct_loads_the_vendor(row: Row, consented: dict[str, list[str]]) -> None:
    assert row.vendor in _vendors(consented[row.name]), consented[row.name]
