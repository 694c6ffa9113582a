"""privmw's banner audited in Chromium: accessibility (axe-core), keyboard, eight languages,
layout on desktop and phone, equal prominence, what loads when, and proof of consent.

One uvicorn (the example app, receipts to a temporary file) and one browser for
the module. Screenshots go to ``tests/artifacts/`` (kept as CI artifacts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from privmw._i18n import SHIPPED, shipped_catalogue
from tests.browser.conftest import APP, ARTIFACTS, Requests, artifact, settle
from tests.conftest import TEST_SECRET, require
from tests.servers import uvicorn_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.server

ARTICLE = "/articles/consent-that-means-something"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
YOUTUBE_HOSTS = {"www.youtube-nocookie.com", "www.youtube.com", "i.ytimg.com", "s.ytimg.com"}
AXE_RESULTS: dict[str, int] = {}


@pytest.fixture(scope="module")
def receipts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("receipts") / "receipts.jsonl"


@pytest.fixture(scope="module")
def base(playwright_instance: Any, receipts: Path) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {"PRIVMW_RECEIPTS": str(receipts), "PRIVMW_SECRET": TEST_SECRET}
    with uvicorn_server(APP, env=env, log_path=ARTIFACTS / "banner-audit-uvicorn.log") as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_context(
    browser: Browser,
    opened: list[BrowserContext],
    *,
    lang: str = "en",
    viewport: dict[str, int] = DESKTOP,
    javascript: bool = True,
    gpc: bool = False,
) -> tuple[BrowserContext, Requests]:
    headers = {"Accept-Language": lang}
    if gpc:
        headers["Sec-GPC"] = "1"
    context = browser.new_context(
        java_script_enabled=javascript,
        extra_http_headers=headers,
        viewport=viewport,  # type: ignore[arg-type]
        user_agent="PrivmwAudit/1.0 (like Chrome)",
    )
    context.set_default_timeout(10_000)
    requests = Requests()
    context.route("**/*", requests.handle)
    opened.append(context)
    return context, requests


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    settle(page)


def axe(page: Page, view: str, selector: str | None = None) -> None:
    """Zero WCAG 2.1 A/AA violations for ``selector`` (or the whole page)."""
    require(_axe_available(), "axe-playwright-python is not installed")
    from axe_playwright_python.sync_playwright import Axe

    context: Any = {"include": [[selector]]} if selector else None
    results = Axe().run(page, context=context, options={**WCAG_AA, "resultTypes": ["violations"]})
    AXE_RESULTS[view] = results.violations_count
    report = results.generate_report() if results.violations_count else ""
    assert results.violations_count == 0, report


def _axe_available() -> bool:
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the machine
        return False
    return True


def names_of_controls(page: Page, root: str) -> list[str]:
    """The accessible name source of every interactive control under ``root`` ('' if none)."""
    result: list[str] = page.evaluate(
        """root => Array.from(document.querySelectorAll(root + ' button, ' + root + ' summary, '
            + root + ' input:not([type=hidden]), ' + root + ' a[href]')).map(el => {
            if (el.tagName === 'INPUT') return el.labels && el.labels.length
                ? el.labels[0].textContent.trim() : (el.getAttribute('aria-label') || '');
            return (el.getAttribute('aria-label') || el.textContent || '').trim();
        })""",
        root,
    )
    return result


# -- accessibility ---------------------------------------------------------------------


def test_axe_on_the_banner_the_settings_and_a_placeholder(
    browser: Browser, base: str, contexts: list[BrowserContext]
) -> None:
    context, requests = open_context(browser, contexts)
    page = context.new_page()
    visit(page, base + ARTICLE)
    axe(page, "banner open", "#privmw-banner")
    axe(page, "placeholder", ".privmw-embed")
    axe(page, "whole page, banner open")
    page.locator("#privmw-banner summary").click()
    axe(page, "settings view", "#privmw-banner")
    page.screenshot(path=str(artifact("banner-settings-en-1280x800.png")))
    names = names_of_controls(page, "#privmw-banner") + names_of_controls(page, ".privmw-embed")
    assert names
    assert all(names), names
    assert requests.urls == []


def test_axe_on_the_form_page_and_the_429_page(
    browser: Browser, base: str, contexts: list[BrowserContext]
) -> None:
    # axe runs as a script in the page: JavaScript stays on (the pages use none).
    context, requests = open_context(browser, contexts, lang="de")
    page = context.new_page()
    visit(page, base + "/privacy/consent/form?next=/")
    assert page.locator("html").get_attribute("lang") == "de"
    axe(page, "form page")
    visit(page, base + "/login")
    statuses = []
    for _ in range(6):
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill("wrong")
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            page.get_by_role("button", name="Sign in").click()
        statuses.append(info.value.status)
        page.wait_for_load_state()
        if info.value.status == 429:
            break
    assert statuses[-1] == 429
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Zu viele Anfragen").is_visible()
    assert "erneut" in page.inner_text("main")
    axe(page, "429 page")
    page.screenshot(path=str(artifact("ratelimit-429-de.png")))
    assert requests.urls == []


def test_keyboard_only_reaches_every_control_and_returns_focus(
    browser: Browser, base: str, contexts: list[BrowserContext]
) -> None:
    context, requests = open_context(browser, contexts)
    page = context.new_page()
    visit(page, base + "/visitor")

    def focused() -> str:
        described: str = page.evaluate(
            """() => { const el = document.activeElement;
                const text = el.tagName === 'BUTTON' || el.tagName === 'SUMMARY' ? el.textContent
                    : el.tagName === 'INPUT' ? el.name : el.id || el.textContent;
                return (text || el.tagName).trim(); }"""
        )
        return described

    # The banner comes first in the tab order: it is injected right after <body>.
    page.keyboard.press("Tab")
    assert focused() == "Accept all"
    page.keyboard.press("Tab")
    assert focused() == "Reject all"
    page.keyboard.press("Tab")
    assert focused() == "Choose by category"
    page.keyboard.press("Enter")  # unfold the categories
    reached = []
    for _ in range(5):
        page.keyboard.press("Tab")
        reached.append(focused())
    assert reached == [
        "preferences",
        "analytics",
        "marketing",
        "Save my choices",
        "Skip to content",
    ]
    for expected in ["Save my choices", "marketing", "analytics"]:
        page.keyboard.press("Shift+Tab")
        assert focused() == expected
    page.keyboard.press("Escape")  # folds the categories back, focus on their summary
    assert focused() == "Choose by category"
    assert page.locator("#privmw-banner details").get_attribute("open") is None
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # "Reject all"
    page.wait_for_function("document.getElementById('privmw-banner').hidden")
    assert focused() == "main"

    link = page.get_by_role("link", name="Privacy settings")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'privmw-banner-title'")
    page.keyboard.press("Tab")
    assert focused() == "Accept all"
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('privmw-banner').hidden")
    assert focused() == "privacy-settings-link"
    assert requests.urls == []


# -- eight languages, two screens -----------------------------------------------------------


def layout(page: Page) -> dict[str, Any]:
    measured: dict[str, Any] = page.evaluate(
        """() => {
        const banner = document.getElementById('privmw-banner');
        const b = banner.getBoundingClientRect();
        const overflow = [], small = [];
        for (const el of banner.querySelectorAll('h2, p, button, summary, label, legend, span')) {
            if (el.offsetParent === null) continue;  // inside the closed <details>
            const r = el.getBoundingClientRect();
            const outside = r.left < b.left - 0.5 || r.right > b.right + 0.5;
            if (el.scrollWidth > el.clientWidth + 1 || outside)
                overflow.push(el.tagName + ': ' + el.textContent.slice(0, 40));
            if (parseFloat(getComputedStyle(el).fontSize) < 16) small.push(el.tagName);
        }
        const box = el => { const r = el.getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height}; };
        const accept = banner.querySelector('button[value="accept-all"]');
        const reject = banner.querySelector('button[value="reject-all"]');
        const style = el => { const s = getComputedStyle(el);
            return [s.backgroundColor, s.color, s.borderTopWidth, s.borderTopStyle,
                    s.borderTopColor, s.fontWeight, s.fontSize, s.fontFamily, s.borderRadius,
                    s.paddingTop, s.paddingLeft].join('|'); };
        return {banner: box(banner), accept: box(accept), reject: box(reject),
                acceptStyle: style(accept), rejectStyle: style(reject),
                overflow, small, lang: banner.getAttribute('lang'),
                acceptText: accept.textContent, rejectText: reject.textContent,
                viewport: [innerWidth, innerHeight]};
    }"""
    )
    return measured


@pytest.mark.parametrize("lang", SHIPPED)
def test_each_language_renders_and_holds_its_layout(
    browser: Browser, base: str, contexts: list[BrowserContext], lang: str
) -> None:
    texts = shipped_catalogue(lang)
    context, requests = open_context(browser, contexts, lang=lang)
    page = context.new_page()
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        visit(page, base + "/")
        m = layout(page)
        size = f"{viewport['width']}x{viewport['height']}"
        page.screenshot(path=str(artifact(f"banner-{lang}-{size}.png")))
        assert m["lang"] == lang
        assert m["acceptText"] == texts["banner.accept_all"]
        assert m["rejectText"] == texts["banner.reject_all"]
        assert m["overflow"] == [], m["overflow"]
        assert m["small"] == [], m["small"]  # text >= 16 px
        banner, accept, reject = m["banner"], m["accept"], m["reject"]
        # Equal prominence: same box, same look, same row.
        for key in ("width", "height", "y"):
            assert abs(accept[key] - reject[key]) < 0.5, (key, accept, reject)
        assert m["acceptStyle"] == m["rejectStyle"]
        # Both fully on screen, within the banner (not scrolled away inside it).
        for button in (accept, reject):
            assert button["y"] >= banner["y"]
            assert button["y"] + button["height"] <= min(
                banner["y"] + banner["height"], viewport["height"]
            )
        if viewport is PHONE:
            # A bottom sheet: at most 40 % of the first screen.
            assert banner["height"] <= 0.4 * viewport["height"] + 0.5, banner
            assert abs(banner["y"] + banner["height"] - viewport["height"]) < 1
    assert requests.urls == []


# -- what loads, and when ---------------------------------------------------------------------


def test_nothing_before_a_choice_exactly_the_vendor_after_load_once_nothing_after_reject(
    browser: Browser, base: str, contexts: list[BrowserContext]
) -> None:
    context, requests = open_context(browser, contexts)
    page = context.new_page()
    visit(page, base + ARTICLE)
    page.wait_for_timeout(300)
    assert requests.urls == []  # no request to any non-local host before a choice
    video = page.locator(".privmw-embed", has_text="YouTube")
    box = video.bounding_box()
    assert box is not None
    assert abs(box["width"] - 562) < 1  # the size of the iframe it stands for (+ border)
    assert abs(box["height"] - 317) < 1
    page.screenshot(path=str(artifact("placeholder-en-1280x800.png")), full_page=True)
    video.get_by_role("button", name="Load this once").click()
    assert requests.wait_for(page, lambda r: bool(r.urls))
    page.wait_for_timeout(500)
    assert requests.hosts() <= YOUTUBE_HOSTS, requests.urls
    assert "www.youtube-nocookie.com" in requests.hosts()  # the app opted in
    assert page.locator("iframe[src^='https://www.youtube-nocookie.com/embed/']").count() == 1
    assert page.locator(".privmw-embed").count() == 1  # the map is still blocked
    loaded = list(requests.urls)

    page.get_by_role("button", name="Reject all").click()
    page.wait_for_function("document.getElementById('privmw-banner').hidden")
    page.wait_for_timeout(500)
    assert requests.urls == loaded  # "Reject all" loads nothing
    requests.urls.clear()
    visit(page, base + ARTICLE)
    page.wait_for_timeout(300)
    assert requests.urls == []  # and nothing on the next page either


def test_without_javascript_the_forms_give_the_same_outcomes(
    browser: Browser, base: str, contexts: list[BrowserContext]
) -> None:
    context, requests = open_context(browser, contexts, javascript=False)
    page = context.new_page()
    visit(page, base + ARTICLE)
    assert requests.urls == []
    # "Load this once" needs JavaScript: without it the button is not offered.
    assert page.get_by_role("button", name="Load this once").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Reject all").click()
    settle(page)
    assert page.url == base + ARTICLE
    assert requests.urls == []
    # "Always allow Preferences" on the map: exactly Google Maps loads.
    with page.expect_navigation():
        page.get_by_role("button", name="Always allow Preferences").click()
    assert requests.wait_for(page, lambda r: bool(r.urls))
    page.wait_for_timeout(300)
    assert requests.vendors() == {"google-maps"} or requests.hosts() == {"www.google.com"}
    assert requests.hosts() == {"www.google.com"}, requests.urls


def test_receipts_one_per_change_and_no_personal_data(
    browser: Browser, base: str, contexts: list[BrowserContext], receipts: Path
) -> None:
    before = receipts.read_text().splitlines() if receipts.exists() else []
    context, _requests = open_context(browser, contexts, gpc=True)
    page = context.new_page()
    visit(page, base + "/")
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("document.getElementById('privmw-banner').hidden")
    page.get_by_role("link", name="Privacy settings").click()
    page.wait_for_function("document.activeElement.id === 'privmw-banner-title'")
    page.get_by_label("Analytics", exact=True).uncheck()
    with page.expect_navigation():  # narrowing reloads: ran tags cannot be un-run
        page.get_by_role("button", name="Save my choices").click()
    settle(page)
    lines = receipts.read_text().splitlines()[len(before) :]
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert (first["action"], first["source"], first["gpc"]) == ("accept-all", "banner", True)
    assert first["signal_denied"] == ["marketing"]
    assert (second["action"], second["granted"]) == ("save", ["preferences", "marketing"])
    assert second["signal_denied"] == ["marketing"]  # granted, but the signal still refuses it
    assert second["replaces"] == first["id"]
    cookie = next(c for c in context.cookies() if c.get("name") == "privmw_consent")
    assert "~@" + second["id"] in cookie.get("value", "")
    for line in lines:
        for personal in ("127.0.0", "PrivmwAudit", cookie.get("value", "")):
            assert personal not in line


def test_axe_summary_is_written() -> None:
    """Writes what the audits found per view (run after them) for the CI artifacts."""
    if not AXE_RESULTS:
        pytest.skip("no axe audit ran in this session")
    path = artifact("axe-results.json")
    path.write_text(json.dumps(AXE_RESULTS, indent=2, sort_keys=True) + "\n")
    assert set(AXE_RESULTS.values()) == {0}
