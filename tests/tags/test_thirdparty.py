"""Unknown third parties: counts by host, TagGate(strict=True, allow=...), vendor observation."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from privmw import ConfigurationError, PrivacyMiddleware, TagGate
from privmw.tags._thirdparty import MAX_HOSTS, OTHER, ThirdParty, _url_host
from privmw.trackers import TrackerRegistry

PAGE = b"""<!doctype html><html><head>
<script src="https://cdn.other.example/lib.js"></script>
<script src="https://cdn.other.example/second.js"></script>
<script src="//widgets.partner.example/w.js"></script>
<script src="https://static.acme.example/app.js"></script>
<script src="/static/local.js"></script>
<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>
<link rel="stylesheet" href="https://styles.other.example/site.css">
</head><body>
<iframe src="https://player.other.example/embed/1"></iframe>
<img src="https://img.other.example/pixel.gif" alt="">
<img src="https://cdn.acme.example/logo.png" alt="logo">
<img src="/img/local.png" alt="">
</body></html>"""


def _app(body: bytes = PAGE, *, stream: bool = False) -> Starlette:
    async def page(request: Request) -> Response:
        if stream:

            async def chunks() -> Any:
                for i in range(0, len(body), 97):
                    yield body[i : i + 97]

            return StreamingResponse(chunks(), media_type="text/html")
        return HTMLResponse(body)

    return Starlette(routes=[Route("/", page)])


async def _get(mw: PrivacyMiddleware, host: str = "www.acme.example") -> httpx.Response:
    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url=f"https://{host}") as client:
        return await client.get("/")


def test_allow_validation() -> None:
    assert TagGate(allow=("CDN.Example.NET.",)).allow == ("cdn.example.net",)
    with pytest.raises(ConfigurationError, match=re.escape("write ('cdn.example.net',)")):
        TagGate(allow="cdn.example.net")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="give the host only"):
        TagGate(allow=("https://cdn.example.net/x",))
    with pytest.raises(ConfigurationError, match="allow entries must be host names"):
        TagGate(allow=("not a host",))
    with pytest.raises(ConfigurationError, match="strict must be True or False"):
        TagGate(strict="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://cdn.other.example/x.js", "cdn.other.example"),
        ("//cdn.other.example/x.js", "cdn.other.example"),
        ("HTTPS://CDN.Other.Example./x.js", "cdn.other.example"),
        ("https://user@cdn.other.example:8443/x.js", "cdn.other.example"),
        ("https://[2001:db8::1]/x.js", "[2001:db8::1]"),
        ("//[2001:db8::1]:80/x.js", "[2001:db8::1]"),
        ("/static/x.js", None),
        ("x.js", None),
        ("data:text/javascript,alert(1)", None),
        ("javascript:void(0)", None),
    ],
)
def test_url_host(url: str, host: str | None) -> None:
    assert _url_host(url) == host


async def test_default_mode_counts_unknown_third_party_scripts_and_changes_nothing() -> None:
    mw = PrivacyMiddleware(_app(), consent=False)
    response = await _get(mw)
    # GTM is a vendor (gated by consent); nothing else changes.
    assert b"https://cdn.other.example/lib.js" in response.content
    assert b'<iframe src="https://player.other.example/embed/1">' in response.content
    counts = mw.unknown_hosts()
    assert counts["cdn.other.example"] == 1  # once per response, two tags
    assert counts["widgets.partner.example"] == 1
    assert "static.acme.example" not in counts  # same site as www.acme.example
    assert "www.googletagmanager.com" not in counts  # a known vendor
    await _get(mw)  # the second page comes from the page cache: counted again
    assert mw.unknown_hosts()["cdn.other.example"] == 2
    assert mw.tags is not None
    assert mw.tags.unknown_hosts() == mw.unknown_hosts()


async def test_strict_mode_neutralises_unknown_third_parties_only() -> None:
    mw = PrivacyMiddleware(_app(), consent=False, tags=TagGate(strict=True))
    body = (await _get(mw)).content
    for url in (
        b"https://cdn.other.example/lib.js",
        b"//widgets.partner.example/w.js",
        b"https://styles.other.example/site.css",
        b"https://player.other.example/embed/1",
        b"https://img.other.example/pixel.gif",
    ):
        assert b' src="' + url + b'"' not in body, url
        assert b' href="' + url + b'"' not in body, url
        moved = b'data-privmw-href="' if url.endswith(b".css") else b'data-privmw-src="'
        assert moved + url + b'"' in body, url
    assert b'data-privmw-vendor="third-party"' in body
    assert b'data-privmw-category="third-party.cdn.other.example"' in body
    # The site's own hosts and relative URLs stay.
    assert b'<script src="https://static.acme.example/app.js"></script>' in body
    assert b'<img src="https://cdn.acme.example/logo.png" alt="logo">' in body
    assert b'<script src="/static/local.js"></script>' in body
    assert mw.unknown_hosts()["img.other.example"] == 1


async def test_strict_mode_allow_list() -> None:
    gate = TagGate(strict=True, allow=("other.example",))
    body = (await _get(PrivacyMiddleware(_app(), consent=False, tags=gate))).content
    assert b'<script src="https://cdn.other.example/lib.js"></script>' in body  # subdomain
    assert b'data-privmw-src="//widgets.partner.example/w.js"' in body


async def test_strict_mode_decides_by_the_pages_own_site() -> None:
    mw = PrivacyMiddleware(_app(), consent=False, tags=TagGate(strict=True))
    on_acme = (await _get(mw, "www.acme.example")).content
    on_other = (await _get(mw, "www.other.example")).content
    again = (await _get(mw, "www.acme.example")).content
    assert b'<script src="https://cdn.other.example/lib.js"></script>' in on_other
    assert b'<script src="https://cdn.other.example/lib.js"></script>' not in on_acme
    assert b'data-privmw-src="https://static.acme.example/app.js"' in on_other
    # The page cache is keyed by the site too: no page of one host is served for another.
    assert again == on_acme


async def test_strict_mode_without_a_host_header_holds_back_every_absolute_url() -> None:
    mw = PrivacyMiddleware(_app(), consent=False, tags=TagGate(strict=True))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [],
        "client": ("203.0.113.9", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    await mw(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert b'data-privmw-src="https://static.acme.example/app.js"' in body
    assert b'<script src="/static/local.js"></script>' in body


async def test_strict_mode_streams_like_whole_bodies() -> None:
    gate = TagGate(strict=True)
    whole = (await _get(PrivacyMiddleware(_app(), consent=False, tags=gate))).content
    streamed = (await _get(PrivacyMiddleware(_app(stream=True), consent=False, tags=gate))).content
    assert streamed == whole


async def test_report_only_strict_counts_and_changes_nothing() -> None:
    mw = PrivacyMiddleware(_app(), consent=False, tags=TagGate(mode="report-only", strict=True))
    assert (await _get(mw)).content == PAGE
    assert mw.unknown_hosts()["styles.other.example"] == 1


def test_counts_are_bounded() -> None:
    third = ThirdParty(TrackerRegistry())
    for i in range(MAX_HOSTS + 50):
        third.count(f"h{i}.example")
    counts = third.unknown_hosts()
    assert len(counts) == MAX_HOSTS + 1
    assert counts[OTHER] == 50


async def test_observed_vendors_come_from_the_apps_responses_only() -> None:
    page = (
        b"<html><head><script src='https://www.googletagmanager.com/gtag/js?id=G-1'></script>"
        b"<script>!function(f,b,e,v,n,t,s){}(window,document,'script',"
        b"'https://connect.facebook.net/en_US/fbevents.js');fbq('init','1');</script>"
        b"</head><body>hi</body></html>"
    )

    async def home(request: Request) -> Response:
        response = HTMLResponse(page)
        response.set_cookie("_hjSessionUser_1", "x")
        response.set_cookie("_lfa", "y")  # only the Open Cookie Database knows it
        return response

    mw = PrivacyMiddleware(Starlette(routes=[Route("/", home)]))
    assert mw.observed_vendors() == ()
    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="https://www.acme.example") as c:
        # A visitor's own cookies never count as observations.
        await c.get("/", headers={"cookie": "_ttp=1; _pin_unauth=2"})
    assert set(mw.observed_vendors()) == {"google-analytics", "meta-pixel", "hotjar"}
    assert mw.registry.observed.cookies() == {"_hj*": "hotjar", "_lfa": "ocd"}
    d = mw.disclosure()
    tags = d.section("tags")
    assert tags is not None
    assert "Hotjar" in str(tags.details["vendors"])
    cookies = d.section("cookies")
    assert cookies is not None
    names = {row["cookie"] for row in cookies.details["cookies"]}  # type: ignore[attr-defined]
    assert {"_lfa", "_hjSessionUser_*", "_ga"} <= names


async def test_the_served_disclosure_follows_new_observations() -> None:
    path = "/.well-known/privacy-manifest.json"
    mw = PrivacyMiddleware(_app(), disclosure_path=path)
    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="https://www.acme.example") as c:
        before = (await c.get(path)).text
        await c.get("/")
        after = (await c.get(path)).text
    assert "Google Analytics" not in before
    assert "Google Analytics" in after


@settings(max_examples=100, deadline=None)
@given(
    hosts=st.lists(
        st.from_regex(r"[a-z]{1,8}\.(example|test|acme\.example)", fullmatch=True),
        min_size=1,
        max_size=6,
    ),
    strict=st.booleans(),
)
def test_strict_verdicts_never_let_another_site_through(hosts: list[str], strict: bool) -> None:
    third = ThirdParty(TrackerRegistry(), strict=strict)
    allows = third.verdicts(lambda c: True, "acme.example")
    for host in hosts:
        vendor = third.match_url(f"https://{host}/x.js")
        assert vendor is not None
        same_site = host.endswith("acme.example")
        assert allows(vendor.category) is (same_site or not strict)
