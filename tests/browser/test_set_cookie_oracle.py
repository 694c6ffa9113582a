"""Chromium is the oracle for ``Set-Cookie``: what privmw calls a deletion, Chromium deletes.

A local server (``_cookie_server``) first sets one live cookie per case, then
answers with the case's raw ``Set-Cookie`` line; ``context.cookies()`` shows
what Chromium's own parser made of it. Each case gets its own cookie name, so
one page load checks the whole table.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privmw.cookies import is_deletion, parse_set_cookie
from tests._set_cookie_cases import CASES, privmw_deletes

from ._cookie_server import CookieServer, cookie_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server() -> Iterator[CookieServer]:
    with cookie_server() as running:
        yield running


def run_batch(browser: Browser, server: CookieServer, values: list[bytes]) -> list[str]:
    """Chromium's outcome for each value: ``deleted``, ``stored:<expiry>`` or ``rejected``."""
    context = browser.new_context()
    try:
        page = context.new_page()
        names = [f"c{i}".encode() for i in range(len(values))]
        page.goto(server.url([n + b"=live; Max-Age=3600; Path=/" for n in names]))
        assert len(context.cookies()) == len(values)
        lines = [v.replace(b"N=", n + b"=", 1) for v, n in zip(values, names, strict=True)]
        page.goto(server.url(lines))
        jar = {c["name"]: c for c in context.cookies()}
    finally:
        context.close()
    out = []
    for name in names:
        cookie = jar.get(name.decode())
        if cookie is None:
            out.append("deleted")
        elif cookie["value"] == "live":
            out.append("rejected")
        else:
            out.append(f"stored:{cookie['expires']}")
    return out


def test_privmw_deletions_are_chromium_deletions(browser: Browser, server: CookieServer) -> None:
    now = time.time()
    outcomes = run_batch(browser, server, [value for value, _ in CASES])
    for (value, recorded), seen in zip(CASES, outcomes, strict=True):
        label = value[:80]
        assert seen.split(":")[0] == recorded, (label, seen)
        assert is_deletion(value, now) is privmw_deletes(value, recorded), label
        if recorded == "stored":
            # privmw's model of Chromium's expiry agrees (session cookies: -1)
            model = parse_set_cookie(value).chromium_expiry(now)
            expires = float(seen.split(":", 1)[1])
            if model is None:
                assert expires == -1, label
            else:
                assert abs(expires - model) < 30, (label, expires - now, model - now)


_PIECES = st.sampled_from(
    [
        b"Max-Age=0",
        b"Max-Age=-1",
        b"Max-Age=+0",
        b"Max-Age=3600",
        b"Max-Age=abc",
        b"Max-Age=",
        b"Max-Age",
        b"max-age = 0 ",
        b"Max-Age=" + b"9" * 25,
        b"Max-Age=-" + b"9" * 25,
        b"Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        b"expires=Thu, 01-Jan-70 00:00:01 GMT",
        b"Expires=Wed, 01 Jan 2100 00:00:00 GMT",
        b"Expires=Wed, 01 Jan 2100 00:00:00 GMT 1970",
        b"Expires=1970 Jan 1 00:00:00",
        b"Expires=Jan 1 1969 00:00:00",
        b"Expires=Thu, 31 Feb 1999 00:00:00 GMT",
        b"Expires=",
        b"Expires=junk",
        b"Path=/",
        b"Secure",
        b"HttpOnly",
        b"SameSite=Lax",
    ]
)
# Printable latin-1 (a control character makes Chromium refuse the whole response).
_ODD = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    min_size=1,
    max_size=10,
).map(lambda t: t.encode("latin-1"))
_VALUES = st.lists(st.one_of(_PIECES, _PIECES, _ODD), max_size=6).map(
    lambda parts: b"N=x; " + b"; ".join(parts)
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(values=st.lists(_VALUES, min_size=30, max_size=30))
def test_random_attribute_lists_privmw_never_calls_a_kept_cookie_deleted(
    browser: Browser, server: CookieServer, values: list[bytes]
) -> None:
    """Soundness on generated input: a privmw deletion never leaves a cookie Chromium stores."""
    now = time.time()
    outcomes = run_batch(browser, server, values)
    for value, seen in zip(values, outcomes, strict=True):
        if is_deletion(value, now):
            assert not seen.startswith("stored"), (value, seen)
