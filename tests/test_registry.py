"""One tracker registry per middleware, shared by every feature (and no cache between them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from privmw import ConsentPolicy, PrivacyMiddleware, TagGate, TrackerRegistry, Vendor

ACME_TAG = b'<html><body><script src="https://cdn.acme.example/t.js"></script></body></html>'


def _site(**options: Any) -> PrivacyMiddleware:
    async def page(request: Request) -> HTMLResponse:
        response = HTMLResponse(ACME_TAG)
        response.set_cookie("_acme_id", "1")
        return response

    return PrivacyMiddleware(Starlette(routes=[Route("/", page)]), **options)


async def _get(app: PrivacyMiddleware, cookie: str = "") -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="https://example.org") as client:
        return await client.get("/", headers={"cookie": cookie} if cookie else {})


def _acme(category: str = "analytics") -> Vendor:
    return Vendor(
        name="acme",
        label="Acme",
        category=category,
        urls=("acme.example",),
        cookies=("_acme_*",),
    )


def _gated(response: httpx.Response) -> tuple[bool, bool]:
    """(tag neutralised, cookie dropped) for the acme page."""
    tag = b'data-privmw-vendor="acme"' in response.content
    cookie = not any(v.startswith("_acme_id=1") for v in response.headers.get_list("set-cookie"))
    return tag, cookie


def test_every_feature_gets_the_same_registry() -> None:
    mw = _site(vendors=[_acme()])
    assert mw.consent is not None
    assert mw.tags is not None
    assert mw.consent.registry is mw.registry
    assert mw.consent.gate.registry is mw.registry
    assert mw.tags.registry is mw.registry
    assert mw.registry.match_url("https://cdn.acme.example/t.js") is not None
    assert any(v.name == "google-analytics" for v in mw.registry)  # defaults kept


def test_a_registry_replaces_the_defaults() -> None:
    mw = _site(vendors=TrackerRegistry(vendors=[_acme()]))
    assert [v.name for v in mw.registry] == ["acme"]


async def test_a_site_vendor_is_gated_in_tags_and_cookies() -> None:
    assert _gated(await _get(_site(vendors=[_acme()]))) == (True, True)


async def test_a_vendor_given_only_to_consent_policy_gates_its_tags_too() -> None:
    # Regression: each feature built its own registry, so this vendor's tags stayed live.
    with pytest.warns(DeprecationWarning, match="ConsentPolicy.vendors is deprecated"):
        mw = _site(consent=ConsentPolicy(vendors=[_acme()]))
    assert _gated(await _get(mw)) == (True, True)


async def test_a_vendor_given_only_to_tag_gate_gates_its_cookies_too() -> None:
    # Regression: the reverse; its cookies were set before consent.
    with pytest.warns(DeprecationWarning, match="TagGate.vendors is deprecated"):
        mw = _site(tags=TagGate(vendors=(_acme(),)))
    assert _gated(await _get(mw)) == (True, True)


async def test_no_category_leaks_between_two_middlewares() -> None:
    # Regression: a process-wide cache keyed by (tag, vendor name) wrote one
    # registry's category into another's output.
    analytics = _site(vendors=[_acme("analytics")])
    marketing = _site(vendors=[_acme("marketing")])
    for _ in range(3):
        a = (await _get(analytics)).content
        m = (await _get(marketing)).content
        assert b'data-privmw-category="analytics"' in a
        assert b'data-privmw-category="marketing"' in m
        assert b'data-privmw-category="marketing"' not in a
        assert b'data-privmw-category="analytics"' not in m
