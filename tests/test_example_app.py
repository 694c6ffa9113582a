"""The example app serves its pages and shows only truncated addresses."""

from __future__ import annotations

import httpx
from examples.fastapi_app.app import app


async def test_example_pages() -> None:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        home = await client.get("/")
        visitor = await client.get("/visitor", headers={"X-Forwarded-For": "203.0.113.77"})
        api = await client.get("/api/visitor", headers={"X-Forwarded-For": "2001:db8:5:6::1"})
    assert home.status_code == 200
    assert "PrivacyMiddleware" in home.text
    assert visitor.status_code == 200
    assert "203.0.113.0" in visitor.text
    assert "203.0.113.77" not in visitor.text
    data = api.json()
    assert data["client"] == "2001:db8:5::"
    assert len(data["pseudonym"]) == 24
