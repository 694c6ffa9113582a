"""Chromium as the oracle for ``privmw._url``: the URL it fetches is the one resolve() names.

Each row of ``tests/test_url.py``'s tables goes into a page as ``<img src>``
(with a ``<base href>`` where the row has a base); the page is served by
request interception at ``https://shop.example/...``, every other request is
recorded and aborted. The request Chromium attempts must have the scheme,
host, path and query :func:`privmw._url.resolve` gives (host without trailing
dots), and where resolve() says the parser fails, Chromium must fetch nothing.
Respelled tracker URLs (the hypothesis strategy of ``tests/test_url.py``) must
make Chromium fetch the canonical host and path.

Known Chromium deviation from the URL Standard, not in these tables: a space
in a host (also U+3000, which IDNA maps to a space) fails to parse per the
standard, but Chromium keeps it as ``%20`` (``connect.facebook.net%20``). Such
a name is in no DNS zone, so no vendor can be reached through it; resolve()
follows the standard and answers ``None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings

from privmw._url import document_base, host_path, resolve
from tests.test_url import BASE_TABLE, DOC, TRACKER_TABLE, _respelled

if TYPE_CHECKING:  # playwright may be missing locally: the fixtures then skip
    from playwright.sync_api import Browser, Page, Route

pytestmark = pytest.mark.server

#: The document's own URL without its fragment (what the page is served as).
DOC_URL = DOC.partition("#")[0]


def _attr(value: str) -> str:
    """``value`` as a double-quoted attribute value: every character but plain
    ASCII as a character reference, so the tokenizer hands the URL parser
    exactly ``value``."""
    out = []
    for char in value:
        if " " < char <= "~" and char not in "&<>\"'":
            out.append(char)
        else:
            out.append(f"&#x{ord(char):x};")
    return "".join(out)


class _Oracle:
    """One browser context: serves the next page, records what else it fetches."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.html = ""
        self.fetched: list[str] = []
        page.route("**/*", self._handle)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        if url == DOC_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        else:
            self.fetched.append(url)
            route.abort("blockedbyclient")

    def fetch(self, value: str, base_href: str | None) -> list[str]:
        """The URLs Chromium requests for ``<img src=value>`` (after ``<base href>``)."""
        base = "" if base_href is None else f'<base href="{_attr(base_href)}">'
        self.html = f'<!doctype html><meta charset="utf-8">{base}<img src="{_attr(value)}">'
        self.page.goto("about:blank")  # else DOC to DOC is a same-document navigation
        self.fetched = []
        self.page.goto(DOC, wait_until="load")
        self.page.wait_for_timeout(50)
        return [u for u in self.fetched if not u.endswith("/favicon.ico")]


@pytest.fixture(scope="module")
def oracle(browser: Browser) -> Iterator[_Oracle]:
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        yield _Oracle(context.new_page())
    finally:
        context.close()


def _parts(url: str) -> tuple[str, str, str, str]:
    split = urlsplit(url)
    return split.scheme, (split.hostname or "").rstrip("."), split.path, split.query


def _check(oracle: _Oracle, value: str, base_href: str | None) -> None:
    base = document_base(DOC, base_href)
    expected = resolve(value, base)
    fetched = oracle.fetch(value, base_href)
    if expected is None:
        assert fetched == [], f"Chromium fetched {fetched} for {value!r}; resolve() says nothing"
        return
    want = (expected.scheme, expected.host, expected.path, expected.query)
    assert [_parts(u) for u in fetched] == [want], f"{value!r} on {base!r}"


@pytest.mark.parametrize(("value", "base", "_host_path"), TRACKER_TABLE)
def test_chromium_fetches_what_resolve_names(
    oracle: _Oracle, value: str, base: str | None, _host_path: str | None
) -> None:
    # A row's base is the document base; make it one with <base href>.
    _check(oracle, value, base)


@pytest.mark.parametrize(("document", "href", "_expected"), BASE_TABLE)
def test_chromium_resolves_against_the_base_element(
    oracle: _Oracle, document: str | None, href: str | None, _expected: str | None
) -> None:
    if document != DOC or href is None:
        pytest.skip("the page is always served as DOC, with a <base href>")
    for value in ("x.js", "/./gtag/js?id=AW-1", "../a/b.png?q=1"):
        _check(oracle, value, href)


@given(case=_respelled())
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_chromium_fetches_the_canonical_host_of_respelled_trackers(
    oracle: _Oracle, case: tuple[str, str | None, str, str]
) -> None:
    url, base, canonical, _tag_id = case
    # An HTML attribute value cannot hold U+0000: the tokenizer makes it U+FFFD.
    assume("\x00" not in url)
    assert host_path(url, base) == canonical
    # The page has a base even where the strategy's is unknown (None): DOC, an
    # https URL, against which "https:host/x" (fewer than two slashes) is a
    # relative path. Chromium must fetch what host_path() says for that base.
    expected = host_path(url, document_base(DOC, base))
    fetched = oracle.fetch(url, base)
    if "@" in url and not fetched:
        return  # Chromium blocks subresource URLs with credentials; others fetch them
    assert len(fetched) == 1, f"{url!r}: {fetched}"
    assert host_path(fetched[0]) == expected
