from __future__ import annotations

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.requests import Request

from privmw import PrivacyContext, PrivacyMiddleware, get_privacy
from privmw.consent.cookie import encode_consent
from tests._consent_app import NOW, policy


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def home(privacy: PrivacyContext = Depends(get_privacy)) -> dict[str, object]:  # noqa: B008
        return {
            "client": privacy.client,
            "analytics": privacy.allows("analytics"),
            "mode": privacy.consent_mode["analytics_storage"],
        }

    return app


async def test_fastapi_dependency() -> None:
    p = policy()
    app = _app()
    app.add_middleware(PrivacyMiddleware, consent=p)
    value = encode_consent(p, ["analytics"], now=NOW)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/", headers={"cookie": f"privmw_consent={value}"})
        plain = await client.get("/")
    assert response.json() == {"client": "203.0.113.0", "analytics": True, "mode": "granted"}
    assert plain.json()["analytics"] is False


def test_without_middleware_is_a_setup_error() -> None:
    request = Request({"type": "http", "headers": [], "state": {}})
    with pytest.raises(RuntimeError, match="PrivacyMiddleware"):
        get_privacy(request)
