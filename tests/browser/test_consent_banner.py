"""The example app in a real browser: no tracker request before consent, and after.

Headless Debian Chromium driven by Playwright; the app runs under uvicorn on
127.0.0.1. Tracker hosts cannot be reached from here, so the tests record the
requests the page *attempts* (request interception aborts every one that is not
for 127.0.0.1) and match them against privmw's tracker registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import Requests, Site, artifact
from tests.browser.conftest import settle as settle_network

if TYPE_CHECKING:  # playwright may be missing locally: the fixtures then skip
    from playwright.sync_api import BrowserContext, Locator, Page

pytestmark = pytest.mark.server

GOOGLE = {"google-analytics", "google-tag-manager"}
MARKETING = {"meta-pixel", "google-ads", "youtube"}
ARTICLE = "/articles/consent-that-means-something"
TRACKER_COOKIES = [
    ("_ga", "GA1.1.1234567890.1700000000"),
    ("_fbp", "fb.1.1700000000000.1234567890"),
]


def banner(page: Page) -> Locator:
    return page.get_by_role("region", name="Your privacy choices")


def open_categories(page: Page) -> None:
    """Unfold "Choose by category" (a <details>: works with JavaScript off too)."""
    page.locator("#privmw-banner summary").click()


def settle(page: Page, extra_ms: int = 300) -> None:
    """Wait until the page's network is quiet, then a little more for late scripts."""
    settle_network(page, extra_ms)


def cookie_names(context: BrowserContext) -> set[str]:
    return {c.get("name", "") for c in context.cookies()}


def open_page(site: Site, page: Page, path: str) -> None:
    response = page.goto(site.base + path)
    assert response is not None
    assert response.status == 200
    settle(page)


# -- JavaScript on --------------------------------------------------------------------


def test_no_consent_no_tracker_request_and_banner(site: Site) -> None:
    context, requests = site.context()
    page = context.new_page()
    for path in (ARTICLE, "/"):
        open_page(site, page, path)
        # The page does carry the trackers, neutralised by the server...
        assert page.locator("script[data-privmw-category]").count() >= 5
        assert page.locator("iframe[data-privmw-src*='youtube.com']").count() == 1
        # ...and privmw's activation script is there, waiting for consent.
        assert page.evaluate("typeof (window.privmw && window.privmw.activate)") == "function"
    assert requests.urls == []  # nothing at all left the machine, trackers or not
    assert banner(page).is_visible()
    assert page.get_by_role("button", name="Accept all").is_visible()
    open_categories(page)
    assert page.get_by_label("Analytics", exact=True).is_visible()
    shot = artifact("banner-no-consent.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000


def test_accept_analytics_activates_google_tags_in_place(site: Site) -> None:
    context, requests = site.context()
    page = context.new_page()
    open_page(site, page, "/")
    assert requests.urls == []
    page.evaluate("window.__notReloaded = true")
    # Keyboard only: unfold the categories, tick Analytics with Space, save with Enter.
    page.locator("#privmw-banner summary").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Analytics", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save my choices").focus()
    page.keyboard.press("Enter")

    assert requests.wait_for(page, lambda r: r.vendors() >= GOOGLE), requests.urls
    settle(page, 500)
    vendors = requests.vendors()
    assert "hotjar" in vendors  # analytics too
    assert not vendors & MARKETING, requests.urls
    assert page.evaluate("window.__notReloaded") is True  # activated in place
    assert banner(page).is_hidden()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "main"
    assert "Allowed: analytics" in page.locator(".privmw-status").inner_text()
    consent = [c for c in context.cookies() if c.get("name") == "privmw_consent"]
    assert len(consent) == 1
    # 1.<revision>.<time>.<categories>~@<receipt id>.<signature>
    assert consent[0].get("value", "").split(".")[3].split("~")[0] == "analytics"

    # A fresh page view is rendered by the server with analytics live, marketing not.
    requests.urls.clear()
    open_page(site, page, ARTICLE)
    assert requests.wait_for(page, lambda r: r.vendors() >= GOOGLE), requests.urls
    assert not requests.vendors() & MARKETING, requests.urls
    assert banner(page).is_hidden()


def test_gpc_keeps_marketing_blocked_after_accept_all(site: Site) -> None:
    context, requests = site.context(gpc=True)
    page = context.new_page()
    open_page(site, page, ARTICLE)
    assert "Global Privacy Control" in banner(page).inner_text()
    page.get_by_role("button", name="Accept all").click()

    assert requests.wait_for(page, lambda r: r.vendors() >= GOOGLE), requests.urls
    settle(page, 500)
    assert not requests.vendors() & MARKETING, requests.urls
    assert not {"www.facebook.com", "connect.facebook.net", "www.youtube.com"} & requests.hosts()

    requests.urls.clear()
    open_page(site, page, ARTICLE)
    assert requests.wait_for(page, lambda r: r.vendors() >= GOOGLE), requests.urls
    settle(page, 300)
    assert not requests.vendors() & MARKETING, requests.urls
    assert page.locator("iframe[data-privmw-src*='youtube.com']").count() == 1


def test_accept_all_then_withdraw_deletes_tracker_cookies(site: Site) -> None:
    context, requests = site.context()
    page = context.new_page()
    open_page(site, page, "/")
    page.get_by_role("button", name="Accept all").click()
    assert requests.wait_for(page, lambda r: {"meta-pixel", "youtube"} <= r.vendors())
    # Tracker cookies, as the vendors' scripts would have set them.
    context.add_cookies(
        [{"name": name, "value": value, "url": site.base} for name, value in TRACKER_COOKIES]
    )
    open_page(site, page, "/")
    assert {"_ga", "_fbp", "privmw_consent"} <= cookie_names(context)

    settings = page.get_by_role("link", name="Privacy settings")
    settings.click()
    banner(page).wait_for(state="visible")  # fetched from privmw and opened in place
    page.wait_for_function("document.activeElement.id === 'privmw-banner-title'")
    with page.expect_navigation():  # narrowing a choice reloads: ran tags cannot be un-run
        page.get_by_role("button", name="Withdraw consent").click()
    requests.urls.clear()
    settle(page)

    assert not {"_ga", "_fbp", "privmw_consent"} & cookie_names(context)
    assert banner(page).is_visible()
    assert requests.urls == []


def test_escape_closes_a_reopened_banner_and_returns_focus(site: Site) -> None:
    context, _requests = site.context()
    page = context.new_page()
    open_page(site, page, "/visitor")
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_function("document.getElementById('privmw-banner').hidden")
    settings = page.get_by_role("link", name="Privacy settings")
    settings.focus()
    page.keyboard.press("Enter")
    assert banner(page).is_visible()
    page.keyboard.press("Escape")
    assert banner(page).is_hidden()
    assert page.evaluate("document.activeElement.id") == "privacy-settings-link"


# -- JavaScript off: the plain form, a 303, and the server's rendering -----------------


def submit(page: Page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    settle(page)


def test_no_javascript_no_consent_no_tracker_request(site: Site) -> None:
    context, requests = site.context(javascript=False)
    page = context.new_page()
    open_page(site, page, ARTICLE)
    # <noscript> content is live markup with scripting off: GTM's iframe and Meta's
    # pixel would load from it; the server neutralised them.
    assert requests.urls == []
    assert banner(page).is_visible()


def test_no_javascript_accept_analytics(site: Site) -> None:
    context, requests = site.context(javascript=False)
    page = context.new_page()
    open_page(site, page, ARTICLE)
    open_categories(page)
    page.get_by_label("Analytics", exact=True).check()
    submit(page, "Save my choices")

    assert page.url == site.base + ARTICLE  # 303 back to the page
    assert banner(page).count() == 0  # decided: the server no longer injects it
    # GTM's <noscript> iframe is the Google tag that runs without JavaScript.
    assert requests.wait_for(page, lambda r: "google-tag-manager" in r.vendors()), requests.urls
    assert not requests.vendors() & MARKETING, requests.urls


def test_no_javascript_gpc_keeps_marketing_blocked(site: Site) -> None:
    context, requests = site.context(javascript=False, gpc=True)
    page = context.new_page()
    open_page(site, page, ARTICLE)
    submit(page, "Accept all")

    assert page.url == site.base + ARTICLE
    assert requests.wait_for(page, lambda r: "google-tag-manager" in r.vendors()), requests.urls
    assert not requests.vendors() & MARKETING, requests.urls
    assert "www.facebook.com" not in requests.hosts()


def test_no_javascript_withdraw(site: Site) -> None:
    context, requests = site.context(javascript=False)
    page = context.new_page()
    open_page(site, page, ARTICLE)
    submit(page, "Accept all")
    # Without GPC, marketing is allowed: Meta's noscript pixel and the YouTube embed load.
    assert requests.wait_for(page, lambda r: {"meta-pixel", "youtube"} <= r.vendors())
    context.add_cookies(
        [{"name": name, "value": value, "url": site.base} for name, value in TRACKER_COOKIES]
    )
    with page.expect_navigation():
        page.get_by_role("link", name="Privacy settings").click()
    # Without JavaScript the settings link opens privmw's form page.
    assert page.url.startswith(site.base + "/privacy/consent/form?next=")
    assert page.locator("html").get_attribute("lang") == "en"
    submit(page, "Withdraw consent")

    assert page.url == site.base + ARTICLE
    assert not {"_ga", "_fbp", "privmw_consent"} & cookie_names(context)
    assert banner(page).is_visible()
    requests.urls.clear()
    open_page(site, page, ARTICLE)
    assert requests.urls == []


def test_sixth_login_attempt_in_a_minute_gets_429(site: Site) -> None:
    context, requests = site.context(javascript=False)
    page = context.new_page()
    open_page(site, page, "/login")
    statuses = []
    for _ in range(6):
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill("not-the-password")
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/login")
        ) as info:
            page.get_by_role("button", name="Sign in").click()
        statuses.append(info.value.status)
        page.wait_for_load_state()
        if info.value.status == 429:
            break
        assert page.locator("#login-error").is_visible()
    assert statuses == [401, 401, 401, 401, 401, 429]
    assert requests.urls == []


def test_requests_recorder_matches_tracker_hosts() -> None:
    recorder = Requests()
    recorder.urls += [
        "https://www.googletagmanager.com/gtag/js?id=G-X",
        "https://www.facebook.com/tr?id=1",
        "https://example.org/",
    ]
    assert recorder.vendors() == {"google-analytics", "meta-pixel"}
    assert recorder.hosts() == {"www.googletagmanager.com", "www.facebook.com", "example.org"}
