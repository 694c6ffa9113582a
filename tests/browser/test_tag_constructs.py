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
interception and recorded; the browser resolves no host names.

Before the rewriter engine of issue 16 landed, 42 rows failed the gated check
on ``main`` (every row but the URL respellings, ``img-srcset``,
``link-imagesrcset``, ``object``/``embed``, ``<link>`` rels, the odd comment
forms, the long tag and script, and the Ads dot segment) and were
``xfail(strict=True)``; the 5 ``link-header-*`` rows failed until the send
wrapper gated ``Link``. All pass now. Rows found after the engine landed
(``ENGINE_LEAKS``) failed the gated check until fixed (``OPEN_ENGINE_LEAKS``:
``xfail(strict=True)``; none now); two consented checks are
``xfail(strict=True)``: the rewriter over-blocks them (``OVERBLOCKED``); the
rows past ``max_tag_bytes`` fail closed by design and have none.

How pages are loaded and requests attributed to rows: ``tests/browser/_observe.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests._html_strategies import OPEN_ENGINE_LEAKS
from tests.browser._constructs import OVERBLOCKED, ROWS, Row
from tests.browser._observe import needing_consent, observe, vendors
from tests.browser.conftest import ARTIFACTS
from tests.servers import uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def origin(browser: Browser) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "tag-constructs-uvicorn.log"
    with uvicorn_server("tests.browser._constructs:app", log_path=log) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def loads(browser: Browser, origin: str) -> dict[str, list[str]]:
    """Every row raw, gated and consented, in one go (path → requested URLs)."""
    return observe(
        browser,
        origin,
        [
            *((f"/raw/{name}", ()) for name in ROWS),
            *((f"/c/{row.name}", row.consent) for row in ROWS.values()),
            *((f"/c/{name}?consented", None) for name in ROWS),
        ],
    )


@pytest.fixture(scope="module")
def raw(loads: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: loads[f"/raw/{name}"] for name in ROWS}


@pytest.fixture(scope="module")
def gated(loads: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: loads[f"/c/{name}"] for name in ROWS}


@pytest.fixture(scope="module")
def consented(loads: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: loads[f"/c/{name}?consented"] for name in ROWS}


def _gated(row: Row) -> object:
    marks = []
    if row.name in OPEN_ENGINE_LEAKS:
        marks.append(pytest.mark.xfail(strict=True, reason="engine: " + row.name))
    return pytest.param(row, id=row.name, marks=marks)


def _consented(row: Row) -> object:
    reason = OVERBLOCKED.get(row.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(row, id=row.name, marks=marks)


@pytest.mark.parametrize("row", [pytest.param(r, id=r.name) for r in ROWS.values()])
def test_raw_construct_fetches_the_vendor(row: Row, raw: dict[str, list[str]]) -> None:
    assert row.vendor in vendors(raw[row.name]), raw[row.name]


@pytest.mark.parametrize("row", [_gated(r) for r in ROWS.values()])
def test_gated_construct_fetches_no_vendor_without_consent(
    row: Row, gated: dict[str, list[str]]
) -> None:
    assert needing_consent(gated[row.name], row.consent) == {}


@pytest.mark.parametrize("row", [_consented(r) for r in ROWS.values() if r.consented_loads])
def test_consented_construct_loads_the_vendor(row: Row, consented: dict[str, list[str]]) -> None:
    assert row.vendor in vendors(consented[row.name]), consented[row.name]


def test_the_observer_loads_lazy_embeds_anywhere_on_a_page(browser: Browser, origin: str) -> None:
    # Every "what loads" verdict rests on it: a lazy iframe or image 30,000 px
    # from either end of the page must still be fetched (scrolling to the end,
    # the observer before, saw neither).
    found = observe(browser, origin, [("/raw/lazy-probe", ())])["/raw/lazy-probe"]
    assert {"spotify", "meta-pixel"} <= set(vendors(found)), found
