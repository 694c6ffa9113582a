"""The example app: pages, tracker gating, the no-JavaScript consent path, login limit."""

from __future__ import annotations

import os
import re

import httpx
import pytest

from tests.conftest import TEST_SECRET

# The example builds one middleware at import (its disclosure) and Starlette
# builds the app's on the first request: both read PRIVMW_SECRET.
os.environ.setdefault("PRIVMW_SECRET", TEST_SECRET)
from examples.fastapi_app.app import LOG_DIR, app


@pytest.fixture(autouse=True)
def _example_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVMW_SECRET", TEST_SECRET)


GTAG_LIVE = '<script async src="https://www.googletagmanager.com/gtag/js'
GTAG_GATED = 'data-privmw-src="https://www.googletagmanager.com/gtag/js'
PIXEL_GATED = 'data-privmw-src="https://www.facebook.com/tr?'
YOUTUBE_LIVE = '<iframe width="560" height="315" src="https://www.youtube.com/embed/'


def client(address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 5123))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def banner_shown(page: str) -> bool:
    """Whether privmw injected its banner (it does so only for undecided visitors)."""
    return page.count('<section id="privmw-banner"') == 1


async def test_example_pages() -> None:
    async with client() as c:
        home = await c.get("/")
        visitor = await c.get("/visitor", headers={"X-Forwarded-For": "203.0.113.77"})
        api = await c.get("/api/visitor", headers={"X-Forwarded-For": "2001:db8:5:6::1"})
        article = await c.get("/articles/consent-that-means-something")
        missing = await c.get("/articles/nope")
    assert home.status_code == 200
    assert "PrivacyMiddleware" in home.text
    assert visitor.status_code == 200
    assert "203.0.113.0" in visitor.text
    assert "203.0.113.77" not in visitor.text
    assert "analytics_storage=denied" in visitor.text
    data = api.json()
    assert data["client"] == "2001:db8:5::"
    assert len(data["pseudonym"]) == 24
    assert data["consent"] is None
    assert data["allowed"] == []
    assert article.status_code == 200
    assert missing.status_code == 404


async def test_trackers_are_neutralised_and_banner_shown_without_consent() -> None:
    async with client() as c:
        page = (await c.get("/")).text
    assert GTAG_GATED in page
    assert GTAG_LIVE not in page
    assert PIXEL_GATED in page
    assert YOUTUBE_LIVE not in page
    assert '<script src="/privacy/privmw.js" defer' in page
    assert banner_shown(page)
    # Right after <body>, before the app's own markup (first in the tab order).
    assert re.search(
        r"<body>\s*<link rel=\"stylesheet\" href=\"http://testserver/privacy/consent/banner.css\">",
        page,
    )
    # privmw's own URLs are absolute (a <base href> cannot send the choice elsewhere)
    assert '<form method="post" action="http://testserver/privacy/consent" class="privmw-form"' in (
        page
    )
    for name in ("preferences", "analytics", "marketing"):
        assert f'<label for="privmw-c-{name}">' in page
        assert f'id="privmw-c-{name}" name="{name}" value="on" aria-describedby' in page
    # No live third-party URL anywhere: only the neutralised data-privmw-src copies.
    assert re.search(r'(?<![-\w])(?:src|href)="https?://(?!testserver/)', page) is None


async def test_form_post_then_server_renders_allowed_tags() -> None:
    async with client("198.51.100.20") as c:
        saved = await c.post(
            "/privacy/consent",
            data={"action": "save", "analytics": "on", "next": "/articles/truncated-addresses"},
            headers={"Origin": "http://testserver"},
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == "/articles/truncated-addresses"
        page = (await c.get("/articles/truncated-addresses")).text
        reopened = (await c.get("/privacy/consent/form?next=/")).text
        fragment = (await c.get("/privacy/consent/banner?next=/")).text
        visitor = (await c.get("/api/visitor")).json()
    assert GTAG_LIVE in page
    assert PIXEL_GATED in page  # marketing still gated
    assert YOUTUBE_LIVE not in page
    assert not banner_shown(page)
    assert '<script src="http://testserver/privacy/consent/banner.js" defer' in page  # to reopen it
    assert 'value="withdraw"' in reopened
    assert 'name="analytics" value="on" checked' in reopened
    assert fragment.startswith('<section id="privmw-banner"')
    assert visitor["allowed"] == ["analytics"]
    assert visitor["consent_mode"]["analytics_storage"] == "granted"


async def test_gpc_denies_marketing_after_accept_all() -> None:
    async with client("198.51.100.21") as c:
        c.headers["Sec-GPC"] = "1"
        saved = await c.post(
            "/privacy/consent",
            data={"action": "accept-all", "next": "/"},
            headers={"Origin": "http://testserver"},
        )
        assert saved.status_code == 303
        page = (await c.get("/")).text
        settings = (await c.get("/privacy/consent/banner?next=/")).text
    assert GTAG_LIVE in page
    assert PIXEL_GATED in page
    assert YOUTUBE_LIVE not in page
    assert "Global Privacy Control, so Marketing stay refused" in settings


async def test_cross_site_consent_post_is_refused() -> None:
    async with client("198.51.100.22") as c:
        response = await c.post(
            "/privacy/consent",
            data={"action": "accept-all", "next": "/"},
            headers={"Origin": "https://evil.example"},
        )
    assert response.status_code == 403


async def test_privacy_policy_is_the_generated_disclosure() -> None:
    async with client() as c:
        page = (await c.get("/privacy")).text
        manifest = (await c.get("/.well-known/privacy-manifest.json")).json()
    assert '<div class="privmw-disclosure">' in page
    for section in ("client", "rate_limit", "consent", "access_log"):
        assert f'id="privacy-{section}"' in page
    assert "7 days" in page
    assert "Meta Pixel (Facebook)" in page
    # Only the services the site embeds (issue 11: Clarity, UET, Vimeo and Crisp were listed).
    for absent in ("Microsoft Clarity", "Microsoft Advertising UET", "Vimeo", "Crisp"):
        assert absent not in page
    assert 'id="privacy-cookies"' in page  # the cookie declaration
    assert "_hjSessionUser_*" in page
    assert manifest


async def test_sixth_login_attempt_in_a_minute_gets_429() -> None:
    statuses = []
    async with client("198.51.100.23") as c:
        for _ in range(6):
            response = await c.post("/login", data={"username": "alice", "password": "secret"})
            statuses.append(response.status_code)
        other = await c.get("/login")
    assert statuses == [401] * 5 + [429]
    assert other.status_code == 200  # only POST /login is that strict


def test_access_log_directory_exists() -> None:
    assert LOG_DIR.is_dir()
    assert LOG_DIR.name == "logs"


async def test_withdraw_form_on_the_policy_page_expires_tracker_cookies() -> None:
    async with client("198.51.100.24") as c:
        await c.post(
            "/privacy/consent",
            data={"action": "accept-all", "next": "/privacy"},
            headers={"Origin": "http://testserver"},
        )
        c.cookies.set("_ga", "GA1.1.1.1")
        c.cookies.set("_fbp", "fb.1.1.1")
        policy = (await c.get("/privacy")).text
        assert 'id="withdraw-form"' in policy
        withdrawn = await c.post(
            "/privacy/consent/withdraw",
            data={"action": "withdraw", "next": "/privacy"},
            headers={"Origin": "http://testserver"},
        )
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == "/privacy"
    expired = withdrawn.headers.get_list("set-cookie")
    for name in ("privmw_consent", "_ga", "_fbp"):
        assert any(h.startswith(f"{name}=") and "Max-Age=0" in h for h in expired), expired
