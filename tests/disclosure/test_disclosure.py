from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

import privmw
from privmw import (
    AccessLog,
    ConfigurationError,
    ConsentPolicy,
    Disclosure,
    PrivacyMiddleware,
    RateLimit,
    Route,
    Vendor,
)
from privmw._types import Message
from privmw.disclosure.model import Section, human_duration
from tests.conftest import TEST_SECRET

PSEUDONYMS: dict[str, Any] = {"pseudonyms": True, "secret": TEST_SECRET}


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b"app"})


def _text(mw: PrivacyMiddleware) -> str:
    return mw.disclosure().to_markdown()


def test_default_sections() -> None:
    d = PrivacyMiddleware(_app).disclosure()
    assert [s.id for s in d.sections] == ["client", "consent", "tags", "cookies"]
    client = d.section("client")
    assert client is not None
    assert client.details["ipv4_prefix_bits"] == 24
    assert client.details["ipv6_prefix_bits"] == 48
    assert client.details["trusted_proxies"] == 2
    assert d.section("nope") is None


def test_function_and_method_agree() -> None:
    mw = PrivacyMiddleware(_app, ipv4_prefix=16)
    assert privmw.disclosure(mw) == mw.disclosure()
    assert isinstance(mw.disclosure(), Disclosure)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"ipv4_prefix": 24},
            "IPv4 addresses keep their first 24 of 32 bits (203.0.113.77 becomes 203.0.113.0)",
        ),
        (
            {"ipv4_prefix": 16},
            "IPv4 addresses keep their first 16 of 32 bits (203.0.113.77 becomes 203.0.0.0)",
        ),
        ({"ipv4_prefix": 32}, "IPv4 addresses are kept in full"),
        (
            {"ipv6_prefix": 48},
            "IPv6 addresses keep their first 48 of 128 bits "
            "(2001:db8:85a3:8d3:1319:8a2e:370:7348 becomes 2001:db8:85a3::)",
        ),
        (
            {"ipv6_prefix": 32},
            "IPv6 addresses keep their first 32 of 128 bits "
            "(2001:db8:85a3:8d3:1319:8a2e:370:7348 becomes 2001:db8::)",
        ),
        ({"ipv4_prefix": 8}, "are shortened like IPv4 addresses, to 8 bits"),
        ({"trusted_proxies": ["10.0.0.0/8"]}, "forwarded by 1 trusted proxy network "),
        ({"trusted_proxies": ["10.0.0.0/8", "::1", "127.0.0.1"]}, "by 3 trusted proxy networks"),
        ({"scrub_headers": False}, "passed to the application unchanged"),
        ({"scrub_headers": True}, "rewritten to the shortened address or removed"),
        ({"pseudonyms": True, "secret": TEST_SECRET}, "replaced every 24 hours"),
        ({"pseudonyms": True, "secret": TEST_SECRET, "pseudonym_retention": 3600}, "every 1 hour"),
        (
            {"pseudonyms": True, "secret": TEST_SECRET, "pseudonym_retention": 7 * 86400},
            "every 7 days",
        ),
    ],
)
def test_client_section_follows_each_option(options: dict[str, Any], expected: str) -> None:
    text = _text(PrivacyMiddleware(_app, **options))
    assert expected in text.replace("\\", "")


def test_changing_an_option_changes_every_rendering() -> None:
    a = PrivacyMiddleware(_app, ipv4_prefix=24).disclosure()
    b = PrivacyMiddleware(_app, ipv4_prefix=16).disclosure()
    assert a.to_json() != b.to_json()
    assert a.to_markdown() != b.to_markdown()
    assert a.to_html() != b.to_html()


def test_no_pseudonym_text_when_off() -> None:
    d = PrivacyMiddleware(_app).disclosure()
    assert "pseudonym" not in d.to_markdown().split("**Details:**")[0].lower()
    client = d.section("client")
    assert client is not None
    assert client.details["pseudonyms"] is False


def test_trusted_networks_are_not_published() -> None:
    text = PrivacyMiddleware(_app, trusted_proxies=["10.1.2.0/24"]).disclosure().to_json()
    assert "10.1.2.0" not in text


def test_access_log_section_follows_retention() -> None:
    seven = _text(PrivacyMiddleware(_app, access_log=AccessLog(directory="logs")))
    three = _text(PrivacyMiddleware(_app, access_log=AccessLog(directory="logs", retention_days=3)))
    handed = _text(PrivacyMiddleware(_app, access_log=AccessLog(logger="app.access")))
    assert "## Access log" in seven
    assert "**Retention:** 7 days" in seven
    assert "**Retention:** 3 days" in three
    assert "retention is the operator's" in handed
    assert "Access log" not in _text(PrivacyMiddleware(_app))


def test_trackers_section_groups_vendors_by_category() -> None:
    # tags off: no tags section lists them; the site selects what it embeds
    d = PrivacyMiddleware(
        _app, tags=False, vendors=["google-analytics", "meta-pixel", "crisp"]
    ).disclosure()
    trackers = d.section("trackers")
    assert trackers is not None
    categories = trackers.details["categories"]
    assert isinstance(categories, dict)
    assert set(categories) == {"analytics", "marketing", "preferences"}
    analytics = {v["vendor"]: v for v in categories["analytics"]}
    assert list(analytics) == ["Google Analytics 4 (gtag.js)"]
    assert analytics["Google Analytics 4 (gtag.js)"]["cookies"][0] == "_ga"
    assert "Meta Pixel" in json.dumps(categories["marketing"])
    md = d.to_markdown()
    assert "\\_ga\\_\\*" in md  # cookie globs are escaped, not italics
    assert any(line.startswith("analytics: ") for line in trackers.data)


def test_disclosure_lists_selected_and_observed_vendors_only() -> None:
    # Regression (issue 11): every vendor of the registry was listed, used or not.
    nothing = PrivacyMiddleware(_app).disclosure()
    tags = nothing.section("tags")
    assert tags is not None
    assert tags.details["vendors"] == {}
    assert "none declared" in tags.data[0]
    assert "Microsoft Clarity" not in nothing.to_markdown()
    mw = PrivacyMiddleware(_app, vendors=["youtube", "analytics"])
    listed = mw.disclosure().section("tags")
    assert listed is not None
    vendors = listed.details["vendors"]
    assert isinstance(vendors, dict)
    assert vendors["marketing"] == ["YouTube embedded videos"]
    assert "Hotjar" in vendors["analytics"]  # a category selects all of its vendors
    assert listed.details["vendors_gated"] == len(mw.registry.vendors)
    mw.registry.observed.vendor("tiktok-pixel")  # what the tag gate records
    again = mw.disclosure().section("tags")
    assert again is not None
    assert "TikTok Pixel" in json.dumps(again.details["vendors"])


def test_feature_sections_follow_the_configs() -> None:
    mw = PrivacyMiddleware(
        _app,
        tags=False,
        rate_limit=RateLimit("120/minute", routes=(Route("/login", "5/minute"),)),
        consent=ConsentPolicy(categories=["analytics", "marketing"], max_age=86400 * 30),
    )
    d = mw.disclosure()
    assert [s.id for s in d.sections] == ["client", "rate_limit", "consent", "trackers", "cookies"]
    md = d.to_markdown()
    assert "## Abuse protection (rate limiting)" in md
    assert "Limit: 120 requests per minute; /login: 5/minute." in md
    assert "a keyed hash of the client address" in md
    assert "The consent cookie lasts 30 days" in md
    data = d.to_dict()
    json.dumps(data)
    sections = data["sections"]
    assert isinstance(sections, list)
    assert sections[1]["details"]["rate"] == "120/minute"
    assert sections[2]["details"]["categories"] == ["analytics", "marketing"]
    longer = PrivacyMiddleware(_app, consent=ConsentPolicy(max_age=86400 * 60))
    assert "lasts 60 days" in longer.disclosure().to_markdown()
    assert "lasts 30 days" not in longer.disclosure().to_markdown()


def test_tags_section_replaces_the_registry_section() -> None:
    on = PrivacyMiddleware(_app, vendors=["google-analytics"])
    assert [s.id for s in on.disclosure().sections] == ["client", "consent", "tags", "cookies"]
    tags = on.disclosure().section("tags")
    assert tags is not None
    assert any(line.startswith("analytics: ") for line in tags.data)
    off = PrivacyMiddleware(_app, tags=False, consent=False)
    assert [s.id for s in off.disclosure().sections] == ["client", "trackers", "cookies"]


def test_odd_facts_are_tolerated() -> None:
    section = Section.from_describe("consent", {"data": "one thing", "details": {"s": {3, 1}}})
    assert section.title == "Consent"
    assert section.data == ("one thing",)
    assert section.details == {"s": [1, 3]}


def test_html_is_escaped_and_self_contained() -> None:
    evil = "<script>alert('x')</script>"
    section = Section.from_describe(
        "consent",
        {
            "title": evil,
            "purpose": 'a & b "quoted"',
            "data": [evil],
            "retention": "<b>6</b> months",
            "details": {evil: [evil, {"k": evil}]},
        },
    )
    disclosure = Disclosure((section,))
    out = disclosure.to_html(heading_level=3)
    assert "<script" not in out
    assert "&lt;script&gt;" in out
    assert "a &amp; b &quot;quoted&quot;" in out
    assert "&lt;b&gt;6&lt;/b&gt; months" in out
    assert "<h3>" in out
    assert not re.search(r"<(link|img|style|iframe)\b|\bsrc=|\bhref=", out)
    md = disclosure.to_markdown()
    assert "<script>" not in md
    vendor = Vendor(name="evil", label=evil, category="analytics")
    page = PrivacyMiddleware(_app, vendors=[vendor]).disclosure().to_html()
    assert evil not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (86400, "24 hours"),
        (604800, "7 days"),
        (3600, "1 hour"),
        (120, "2 minutes"),
        (90, "90 seconds"),
        (1, "1 second"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


# --- served at disclosure_path -------------------------------------------------------

PATH = "/.well-known/privacy-manifest.json"


async def _request(mw: PrivacyMiddleware, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, path)


async def test_served_as_json_at_the_configured_path() -> None:
    mw = PrivacyMiddleware(_app, ipv4_prefix=16, disclosure_path=PATH)
    response = await _request(mw, "GET", PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == mw.disclosure().to_dict()
    head = await _request(mw, "HEAD", PATH)
    assert head.status_code == 200
    assert head.content == b""
    post = await _request(mw, "POST", PATH)
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"
    other = await _request(mw, "GET", "/other")
    assert other.content == b"app"


async def test_not_served_by_default() -> None:
    response = await _request(PrivacyMiddleware(_app), "GET", PATH)
    assert response.content == b"app"


async def test_websocket_to_the_disclosure_path_is_closed() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    mw = PrivacyMiddleware(_app, disclosure_path=PATH)
    scope = {"type": "websocket", "path": PATH, "headers": [], "client": ("1.2.3.4", 1)}
    await mw(scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]


@pytest.mark.parametrize("bad", ["privacy.json", 5, ""])
def test_bad_disclosure_path(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="disclosure_path must be a path"):
        PrivacyMiddleware(_app, disclosure_path=bad)  # type: ignore[arg-type]


def test_tags_section_follows_the_tag_gate() -> None:
    from privmw import TagGate, Vendor

    default = PrivacyMiddleware(_app).disclosure().section("tags")
    assert default is not None
    assert "disabled in the page" in default.purpose
    assert default.details["mode"] == "neutralise"
    extra = Vendor(
        name="acme-stats", label="Acme Stats", category="analytics", urls=("acme.example",)
    )
    custom = PrivacyMiddleware(_app, tags=TagGate(mode="report-only"), vendors=[extra]).disclosure()
    section = custom.section("tags")
    assert section is not None
    assert "NOT blocked" in section.purpose
    assert "Acme Stats" in custom.to_markdown()
    assert "Acme Stats" not in PrivacyMiddleware(_app).disclosure().to_markdown()
