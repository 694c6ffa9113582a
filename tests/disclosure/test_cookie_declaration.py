"""The cookie declaration: which cookies, from where, and how it renders (JSON, Markdown, HTML)."""

from __future__ import annotations

import html.parser
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import ConsentPolicy, Disclosure, PrivacyMiddleware, TrackerRegistry, Vendor
from privmw.disclosure.model import Section
from privmw.disclosure.sections import COOKIE_TABLE, cookie_rows


async def _app(scope: Any, receive: Any, send: Any) -> None:  # never called
    raise AssertionError


def _rows(mw: PrivacyMiddleware) -> dict[str, dict[str, object]]:
    section = mw.disclosure().section("cookies")
    assert section is not None
    rows = section.details["cookies"]
    assert isinstance(rows, list)
    return {str(r["cookie"]): r for r in rows}


def test_declares_the_consent_cookie_and_the_sites_own() -> None:
    policy = ConsentPolicy(cookies={"sessionid": "necessary", "theme": "preferences"})
    rows = _rows(PrivacyMiddleware(_app, consent=policy))
    consent = rows["privmw_consent"]
    assert consent["category"] == "necessary"
    assert consent["retention"] == "182 days"
    assert rows["sessionid"]["provider"] == "this site"
    assert rows["theme"]["category"] == "preferences"
    assert set(rows) == {"privmw_consent", "sessionid", "theme"}  # nothing selected or seen


def test_declares_selected_vendors_cookies_from_the_database() -> None:
    rows = _rows(PrivacyMiddleware(_app, vendors=["google-analytics", "stripe"]))
    ga = rows["_ga"]
    assert ga["category"] == "analytics"
    assert ga["provider"] == "Google Analytics 4 (gtag.js)"
    assert ga["controller"] == "Google Ireland Limited"
    assert ga["privacy"] == "https://business.safety.google/privacy/"
    assert ga["retention"] == "2 years"  # from the Open Cookie Database
    assert "_ga_*" in rows
    assert rows["__stripe_mid"]["category"] == "necessary"
    order = [str(r["category"]) for r in rows.values()]
    assert order == sorted(order, key=["necessary", "analytics"].index)


def test_vendor_category_wins_over_the_database_and_unknown_cookies_still_appear() -> None:
    # The database files some of Hotjar's cookies as Functional; privmw gates them
    # all as analytics, and declares them so.
    rows = _rows(PrivacyMiddleware(_app, vendors=["hotjar"]))
    assert rows["_hjSessionUser_*"]["category"] == "analytics"
    own = Vendor(
        name="acme",
        label="Acme Stats",
        category="analytics",
        cookies=("_acme_id",),
        purpose="Counts visits.",
        privacy_url="https://acme.example/privacy",
    )
    acme = _rows(PrivacyMiddleware(_app, vendors=[own]))["_acme_id"]
    assert acme["purpose"] == "Counts visits."
    assert acme["retention"] == ""
    assert acme["controller"] == "Acme Stats"  # no controller given: the label


def test_observed_database_cookies_are_declared() -> None:
    mw = PrivacyMiddleware(_app)
    mw.registry.observed.cookie("_lfa", "ocd")
    row = _rows(mw)["_lfa"]
    assert row["provider"] == "Leadfeeder"
    assert row["category"] == "marketing"
    assert row["source"] == "open-cookie-database"


def test_without_the_database_vendor_cookies_use_vendor_facts() -> None:
    registry = TrackerRegistry(cookie_database=False).select("meta-pixel")
    rows = {str(r["cookie"]): r for r in cookie_rows(registry, ConsentPolicy())}
    assert rows["_fbp"]["purpose"] == registry.vendor("meta-pixel").purpose


def test_renders_as_a_table_everywhere() -> None:
    d = PrivacyMiddleware(_app, vendors=["youtube"]).disclosure()
    md = d.to_markdown()
    assert "| Cookie | Category | Purpose | Retention | Provider | Controller |" in md
    assert "| VISITOR\\_INFO1\\_LIVE | marketing |" in md
    assert "<https://policies.google.com/privacy>" in md
    out = d.to_html()
    assert '<table class="privmw-cookies"><thead><tr><th scope="col">Cookie</th>' in out
    assert '<a href="https://policies.google.com/privacy" rel="noopener noreferrer">' in out
    data = json.loads(d.to_json())
    section = next(s for s in data["sections"] if s["id"] == "cookies")
    assert {
        "cookie",
        "category",
        "purpose",
        "retention",
        "provider",
        "controller",
        "privacy",
    } <= set(section["details"]["cookies"][0])


EVIL = "<script>alert(1)</script> | `x` [a](javascript:alert(1)) \n# h"


def _evil_section(privacy: str = "javascript:alert(1)") -> Section:
    row = {
        "cookie": EVIL,
        "category": EVIL,
        "purpose": EVIL,
        "retention": EVIL,
        "provider": EVIL,
        "controller": EVIL,
        "privacy": privacy,
    }
    return Section(
        id="cookies",
        title="Cookie declaration",
        purpose="",
        data=(),
        retention="",
        details={"cookies": [row]},
        table=COOKIE_TABLE,
    )


@pytest.mark.parametrize(
    "privacy",
    [
        "javascript:alert(1)",
        'https://x.example/" onmouseover="alert(1)',
        "https://x.example/<script>",
        "data:text/html,<script>alert(1)</script>",
        "https://x.example/`x`",
    ],
)
def test_hostile_values_are_escaped_and_never_links(privacy: str) -> None:
    d = Disclosure((_evil_section(privacy),))
    out = d.to_html()
    assert "<script" not in out
    assert "<a " not in out
    assert "href=" not in out
    md = d.to_markdown()
    table = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table) == 2  # header and one row: no newline or pipe broke out of a cell
    assert all(line.count(" | ") == len(COOKIE_TABLE.columns) - 1 for line in table)
    assert "<script>" not in md
    assert f"<{privacy}>" not in md


class _Cells(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.tags: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "td":
            self._in = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.cells[-1] += data


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=7, max_size=7))
def test_any_text_round_trips_through_the_html_table(values: list[str]) -> None:
    row = dict(zip([name for name, _ in COOKIE_TABLE.columns], values, strict=True))
    section = Section("cookies", "C", "", (), "", {"cookies": [row]}, COOKIE_TABLE)
    parser = _Cells()
    parser.feed(Disclosure((section,)).to_html())
    parser.close()
    assert set(parser.tags) <= {"div", "section", "h2", "table", "thead", "tr", "th", "tbody", "td"}
    expected = [re.sub(r"\s+", " ", v).strip() for v in values]
    assert parser.cells == expected
