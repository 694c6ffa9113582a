"""``mw.stats()`` and the Prometheus collector count what happened, never about whom."""

from __future__ import annotations

import json

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from privmw import PrivacyMiddleware, PrometheusCollector, RateLimit, TagGate
from privmw import Route as LimitRoute

PAGE = (
    b"<!doctype html><head>"
    b'<script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>'
    b'<script src="https://connect.facebook.net/en_US/fbevents.js"></script></head>'
)
CLIENT = "203.0.113.77"
UA = "Mozilla/5.0 (X11; Linux x86_64) StatsTest/1.0"


async def page(request: Request) -> Response:
    return HTMLResponse(PAGE)


async def cookies(request: Request) -> Response:
    response = PlainTextResponse("ok")
    response.set_cookie("_ga", "GA1.1.1")
    response.set_cookie("_fbp", "fb.1.2")
    return response


def app(**options: object) -> PrivacyMiddleware:
    inner = Starlette(routes=[Route("/page", page), Route("/cookies", cookies)])
    return PrivacyMiddleware(inner, **options)  # type: ignore[arg-type]


async def exercise(mw: PrivacyMiddleware) -> None:
    transport = httpx.ASGITransport(app=mw, client=(CLIENT, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://example.org") as c:
        await c.get("/page", headers={"sec-gpc": "1", "user-agent": UA})
        await c.get("/page", headers={"dnt": "1"})
        await c.get("/cookies", headers={"cookie": "_gid=GA1.2.3; _fbp=fb.1.1"})
        await c.post(
            "/privacy/consent",
            json={"analytics": True, "marketing": False},
            headers={"cookie": "_fbp=fb.1.1"},
        )
        await c.post("/privacy/consent", data={"action": "reject-all"})
        await c.delete("/privacy/consent")
        for _ in range(3):
            await c.get("/login-attempt")


async def test_stats_count_each_kind_of_event() -> None:
    limit = RateLimit("1000/minute", routes=(LimitRoute("/login", "1/minute", name="login"),))
    mw = app(rate_limit=limit)
    await exercise(mw)
    stats = mw.stats()
    assert stats["requests"] == 9
    assert stats["signals"] == {"gpc": 1, "dnt": 1}
    assert stats["tags"]["html_pages"] == 2
    assert stats["tags"]["neutralised"] == 4  # two gated tags on each of two pages
    assert stats["cookies"]["dropped"] == {"analytics": 1, "marketing": 1}
    assert stats["cookies"]["expired"]["marketing"] >= 2  # _fbp on /cookies and on the choice
    assert stats["cookies"]["expired"]["analytics"] == 1  # _gid
    choices = stats["consent"]["choices"]
    assert choices["analytics"] == {"granted": {"json": 1}, "denied": {"form": 1, "withdraw": 1}}
    assert choices["marketing"]["denied"] == {"json": 1, "form": 1, "withdraw": 1}
    assert stats["rate_limit"]["refused"] == {"login": {"quota": 2}}
    assert stats["rate_limit"]["tracked_now"] >= 1
    text = json.dumps(stats)
    for personal in (CLIENT, "203.0.113.0", UA, "/page", "/cookies", "GA1", "fb.1"):
        assert personal not in text


async def test_report_only_counts_go_to_stats() -> None:
    mw = app(tags=TagGate(mode="report-only"))
    await exercise(mw)
    tags = mw.stats()["tags"]
    assert tags["reported"] == 4
    assert tags["neutralised"] == 0


async def test_prometheus_collector_exports_the_counters_without_personal_labels() -> None:
    mw = app(rate_limit=RateLimit("1000/minute", routes=(LimitRoute("/login", "1/minute"),)))
    await exercise(mw)
    registry = CollectorRegistry()
    registry.register(PrometheusCollector(mw))
    text = generate_latest(registry).decode()
    assert 'privmw_requests_total{kind="http"} 9.0' in text
    assert 'privmw_signal_requests_total{signal="gpc"} 1.0' in text
    assert 'privmw_tags_total{action="neutralised"} 4.0' in text
    assert 'privmw_cookies_dropped_total{category="analytics"} 1.0' in text
    assert 'privmw_ratelimit_refused_total{reason="quota",rule="/login"} 2.0' in text
    assert (
        'privmw_consent_choices_total{category="analytics",decision="granted",source="json"} 1.0'
        in text
    )
    for personal in (CLIENT, "203.0.113.0", UA, "/page", "/cookies"):
        assert personal not in text


async def test_the_collector_finds_the_middleware_inside_a_starlette_app() -> None:
    starlette = Starlette(routes=[Route("/page", page)])
    starlette.add_middleware(PrivacyMiddleware)
    registry = CollectorRegistry()
    registry.register(PrometheusCollector(starlette))
    assert "privmw_requests_total" not in generate_latest(registry).decode()  # not built yet
    transport = httpx.ASGITransport(app=starlette, client=(CLIENT, 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://example.org") as c:
        await c.get("/page")
    assert 'privmw_requests_total{kind="http"} 1.0' in generate_latest(registry).decode()
