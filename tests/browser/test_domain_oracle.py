"""Chromium is the oracle for registrable domains and for ``__Host-``.

Requests are answered by Playwright's request interception (``route.fulfill``),
so any host name works without DNS: for each host, the page at
``https://<host>/`` sets ``Domain=<privmw's registrable domain>`` and Chromium
must accept it, and ``Domain=<one label higher>`` and Chromium must refuse it
(so privmw's answer is the highest domain a tracker can use, the one its
cookies sit on). A host privmw gives no domain must accept no domain cookie.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from privmw._domain import host_name, registrable_domain
from tests._domain_cases import HOSTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Route

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()

    def answer(route: Route) -> None:
        query = parse_qs(urlsplit(route.request.url).query)
        route.fulfill(
            status=200,
            headers={"set-cookie": query["c"][0], "content-type": "text/plain"},
            body="ok",
        )

    context.route("**/*", answer)
    try:
        yield context
    finally:
        context.close()


def stored(context: BrowserContext, host: str, *cookies: str) -> dict[str, str]:
    """``name -> domain`` of the cookies Chromium kept from one response on ``https://host/``."""
    context.clear_cookies()
    page = context.pages[0] if context.pages else context.new_page()
    # Several Set-Cookie lines in one fulfilled response are joined with "\n".
    page.goto(f"https://{host}/?c={quote(chr(10).join(cookies))}")
    return {c["name"]: c["domain"] for c in context.cookies()}


_NAMES = [(h, d) for h, d in HOSTS if host_name(h) is not None and "." in (host_name(h) or "")]


def test_chromium_accepts_privmws_domain_and_refuses_the_one_above(
    context: BrowserContext,
) -> None:
    for host, _ in _NAMES:
        name = host_name(host)
        assert name is not None
        domain = registrable_domain(host)
        if domain is None:
            got = stored(context, name, f"t=1; Domain={name}; Path=/; Secure")
            assert not got.get("t", "").startswith("."), (host, got)
            continue
        parent = domain.split(".", 1)[1]
        got = stored(
            context,
            name,
            f"ours=1; Domain={domain}; Path=/; Secure",
            f"above=1; Domain={parent}; Path=/; Secure",
        )
        assert got.get("ours") == "." + domain, (host, domain, got)
        assert got.get("above") != "." + parent, (host, parent, got)


@pytest.mark.parametrize(
    ("cookie", "kept"),
    [
        # what privmw sends over HTTPS: accepted
        ("__Host-privmw_consent=v; Path=/; Secure; SameSite=Lax", True),
        # what a sibling subdomain would need to send to toss it: refused
        ("__Host-privmw_consent=v; Domain=example.org; Path=/; Secure", False),
        ("__Host-privmw_consent=v; Path=/", False),
        ("__Host-privmw_consent=v; Path=/sub; Secure", False),
    ],
)
def test_host_prefix_rules_hold_in_chromium(
    context: BrowserContext, cookie: str, kept: bool
) -> None:
    got = stored(context, "www.example.org", cookie)
    assert (got == {"__Host-privmw_consent": "www.example.org"}) is kept, got
