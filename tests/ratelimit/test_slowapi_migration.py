"""The worked conversion of ``docs/migrating-from-slowapi.md`` runs here, on both storages.

Each test is one line of the guide's table: the slowapi behaviour, kept by
the privmw version of the app (``examples/slowapi_migration/app.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from privmw import PrivacyMiddleware

SECRET = "0123456789abcdef0123456789abcdef"


@pytest.fixture(params=["memory", "redis"])
async def example(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ModuleType]:
    """The example module, imported with ``REDIS_URL`` set (redis) or not (memory)."""
    if request.param == "redis":
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
        monkeypatch.setenv("RATELIMIT_SECRET", SECRET)
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    import examples.slowapi_migration.app as module

    module = importlib.reload(module)  # a fresh app and limiter for each test
    yield module
    stack: Any = module.app.middleware_stack
    while stack is not None and not isinstance(stack, PrivacyMiddleware):
        stack = getattr(stack, "app", None)
    if stack is not None and stack.limiter is not None:
        await stack.limiter.aclose()


def client(module: ModuleType, host: str = "203.0.113.9") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=module.app, client=(host, 4711))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_decorator_limit_becomes_a_dependency(example: ModuleType) -> None:
    async with client(example) as c:
        codes = [(await c.get("/home")).status_code for _ in range(6)]
        last = await c.get("/home")
    assert codes == [200] * 5 + [429]
    assert last.headers["ratelimit-policy"] == (
        '"default-86400s";q=200;w=86400, "default-3600s";q=50;w=3600, "home";q=5;w=60'
    )


async def test_several_limits_in_one_string(example: ModuleType) -> None:
    async with client(example) as c:
        codes = [(await c.post("/login")).status_code for _ in range(6)]
        refused = await c.post("/login")
    assert codes == [200] * 5 + [429]
    assert refused.json()["retry_after"] == int(refused.headers["retry-after"])


async def test_key_function_api_key_else_address(example: ModuleType) -> None:
    async with client(example) as c:
        key_a = [
            (await c.get("/search", headers={"x-api-key": "a"})).status_code for _ in range(11)
        ]
        key_b = (await c.get("/search", headers={"x-api-key": "b"})).status_code
        anonymous = [(await c.get("/search")).status_code for _ in range(11)]
    assert key_a == [200] * 10 + [429]
    assert key_b == 200
    assert anonymous == [200] * 10 + [429]  # no key: per address


async def test_cost(example: ModuleType) -> None:
    async with client(example) as c:
        big = await c.get("/search", params={"pages": 8}, headers={"x-api-key": "c"})
        more = await c.get("/search", params={"pages": 3}, headers={"x-api-key": "c"})
        fits = await c.get("/search", params={"pages": 2}, headers={"x-api-key": "c"})
    assert (big.status_code, more.status_code, fits.status_code) == (200, 429, 200)


async def test_shared_limit_across_routes(example: ModuleType) -> None:
    async with client(example) as c:
        for i in range(20):
            path = "/export/csv" if i % 2 else "/export/json"
            assert (await c.get(path)).status_code == 200, i
        refused = await c.get("/export/csv")
    assert refused.status_code == 429
    assert "bulk" in refused.headers["ratelimit-policy"]


async def test_exempt_route(example: ModuleType) -> None:
    async with client(example) as c:
        codes = {(await c.get("/health")).status_code for _ in range(60)}
        response = await c.get("/health")
    assert codes == {200}
    assert "ratelimit" not in response.headers


async def test_exception_handler_becomes_the_handler_option(example: ModuleType) -> None:
    async with client(example) as c:
        for _ in range(5):
            await c.get("/home")
        refused = await c.get("/home")
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert refused.json() == {"error": "rate limit exceeded", "retry_after": 12}
    assert refused.headers["retry-after"] == "12"
    assert "ratelimit" in refused.headers


async def test_default_limits_per_client_hashed(example: ModuleType) -> None:
    async with client(example, "2001:db8:1:2::1") as c:
        codes = [(await c.get("/search", params={"q": str(i)})).status_code for i in range(50)]
    assert 429 in codes  # the search limit; the 50/hour default counted too
    async with client(example, "2001:db8:1:2::ffff") as same_64:
        response = await same_64.get("/home")
    # The same /64 is the same client: its 50/hour default is used up (and the 40
    # refusals earned it a ban), whatever the route.
    assert response.status_code == 429
