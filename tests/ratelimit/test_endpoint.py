"""Per-endpoint limits (FastAPI dependency, Starlette decorator), keys, groups, costs, refusals.

Most tables run against both storages (memory and a real ``redis-server``):
the endpoint rules go through the same limiter and storage as the
middleware's. Time is a fake clock handed to both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.endpoints import HTTPEndpoint
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, WebSocketRoute
from starlette.routing import Route as StarletteRoute
from starlette.websockets import WebSocket

from privmw import (
    Bans,
    Key,
    Limit,
    PrivacyMiddleware,
    RateLimit,
    RateLimitExceeded,
    RedisBackend,
    Refusal,
    Route,
    limit,
)
from privmw.ratelimit.headers import ABNORMAL_USAGE, QUOTA_EXCEEDED

from ._redis import SECRET


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


Options = Callable[..., RateLimit]


@pytest.fixture(params=["memory", "redis"])
def rate_limit(request: pytest.FixtureRequest) -> Options:
    """``rate_limit(rate, **options)``: a RateLimit on one storage kind, with a fake clock."""
    backend: RedisBackend | None = None
    if request.param == "redis":
        backend = RedisBackend(request.getfixturevalue("redis_url"), secret=SECRET)

    def make(rate: Any = None, **options: Any) -> RateLimit:
        options.setdefault("bans", None)
        options.setdefault("clock", Clock())
        return RateLimit(rate, backend=backend, **options)

    return make


def privmw_of(app: Any) -> PrivacyMiddleware:
    obj = app.middleware_stack
    while not isinstance(obj, PrivacyMiddleware):
        obj = obj.app
    return obj


def client_for(app: Any, host: str = "203.0.113.9", **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 4711), **kwargs)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def statuses(client: httpx.AsyncClient, path: str, n: int, **kwargs: Any) -> list[int]:
    return [(await client.get(path, **kwargs)).status_code for _ in range(n)]


@pytest.fixture
async def closing() -> AsyncIterator[list[Any]]:
    """Apps whose limiter is closed at the end (the Redis pool)."""
    apps: list[Any] = []
    yield apps
    for app in apps:
        if app.middleware_stack is not None:
            limiter = privmw_of(app).limiter
            assert limiter is not None
            await limiter.aclose()


def fastapi_app(config: RateLimit, closing: list[Any]) -> FastAPI:
    api = FastAPI()
    items = Limit("2/minute")

    @api.get("/items/{item_id}", dependencies=[Depends(items)])
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    router = APIRouter(prefix="/v1")

    @router.get("/things/{name}", dependencies=[Depends(Limit("1/minute"))])
    async def thing(name: str) -> dict[str, str]:
        return {"name": name}

    api.include_router(router)
    api.add_middleware(PrivacyMiddleware, rate_limit=config, consent=False, tags=False)
    closing.append(api)
    return api


# -- FastAPI: dependency, templates, routers --------------------------------------------


async def test_fastapi_dependency_on_a_path_template(
    rate_limit: Options, closing: list[Any]
) -> None:
    api = fastapi_app(rate_limit("100/minute"), closing)
    async with client_for(api) as client:
        first = await client.get("/items/1")
        second = await client.get("/items/2")  # the same route: the same bucket
        third = await client.get("/items/3")
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert first.headers["ratelimit-policy"] == '"default";q=100;w=60, "/items/{item_id}";q=2;w=60'
    assert first.headers["ratelimit"] == '"default";r=99;t=1, "/items/{item_id}";r=1;t=30'
    assert third.headers["retry-after"] == "30"
    assert third.headers["ratelimit"] == '"default";r=97;t=2, "/items/{item_id}";r=0;t=30'
    body = third.json()
    assert (body["type"], body["violated-policies"]) == (QUOTA_EXCEEDED, ["/items/{item_id}"])
    assert third.headers["content-type"] == "application/problem+json"
    # Counted in the middleware's stats like its own refusals.
    assert privmw_of(api).stats()["rate_limit"]["refused"] == {"/items/{item_id}": {"quota": 1}}


async def test_router_prefix_is_part_of_the_template(
    rate_limit: Options, closing: list[Any]
) -> None:
    api = fastapi_app(rate_limit(), closing)
    async with client_for(api) as client:
        assert await statuses(client, "/v1/things/a", 1) == [200]
        response = await client.get("/v1/things/b")
    assert response.status_code == 429
    assert response.json()["violated-policies"] == ["/v1/things/{name}"]
    # Only the endpoint rule: RateLimit() has no site-wide rate.
    assert response.headers["ratelimit-policy"] == '"/v1/things/{name}";q=1;w=60'


async def test_endpoint_limits_need_the_middleware() -> None:
    api = FastAPI()

    @api.get("/", dependencies=[Depends(Limit("1/minute"))])
    async def home() -> dict[str, bool]:
        return {"ok": True}

    with pytest.raises(RuntimeError, match=r"PrivacyMiddleware, rate_limit=privmw\.RateLimit"):
        async with client_for(api) as client:
            await client.get("/")


# -- Starlette: the decorator, mounts, root_path ----------------------------------------


def starlette_app(config: RateLimit, closing: list[Any], **middleware: Any) -> Starlette:
    @limit("1/minute")
    async def login(request: Request) -> Response:
        return PlainTextResponse("in")

    @limit("1/minute")
    def sync_page(request: Request) -> Response:  # runs in the thread pool, as Starlette does
        return PlainTextResponse("sync")

    class Page(HTTPEndpoint):
        @limit("1/minute")
        async def get(self, request: Request) -> Response:
            return PlainTextResponse("method")

    sub = [StarletteRoute("/login", login), StarletteRoute("/sync", sync_page)]
    app = Starlette(
        routes=[
            StarletteRoute("/login", login),
            StarletteRoute("/page", Page),
            Mount("/v1", routes=sub),
            Mount("/v2", routes=sub),
        ]
    )
    app.add_middleware(
        PrivacyMiddleware, rate_limit=config, consent=False, tags=False, **middleware
    )
    closing.append(app)
    return app


async def test_starlette_decorator_functions_sync_and_methods(
    rate_limit: Options, closing: list[Any]
) -> None:
    app = starlette_app(rate_limit(), closing)
    async with client_for(app) as client:
        assert await statuses(client, "/login", 2) == [200, 429]
        assert await statuses(client, "/page", 2) == [200, 429]
        assert await statuses(client, "/v1/sync", 2) == [200, 429]
        assert (await client.get("/v1/sync")).headers["ratelimit-policy"] == '"/sync";q=1;w=60'


async def test_each_mount_has_its_own_buckets(rate_limit: Options, closing: list[Any]) -> None:
    app = starlette_app(rate_limit(), closing)
    async with client_for(app) as client:
        # The same endpoint under /v1 and /v2 and at the root: three routes, three buckets.
        assert await statuses(client, "/v1/login", 2) == [200, 429]
        assert await statuses(client, "/v2/login", 2) == [200, 429]
        assert await statuses(client, "/login", 2) == [200, 429]


async def test_server_root_path_is_honoured_by_endpoint_and_middleware_rules(
    rate_limit: Options, closing: list[Any]
) -> None:
    config = rate_limit("100/minute", routes=(Route("/page", "1/minute", name="page"),))
    app = starlette_app(config, closing)
    # uvicorn --root-path /api behind a proxy that keeps the prefix: path includes it.
    async with client_for(app, root_path="/api") as client:
        assert await statuses(client, "/api/login", 2) == [200, 429]
        first = await client.get("/api/page")
        assert first.headers["ratelimit-policy"].startswith('"page";q=1;w=60')


async def test_middleware_route_rules_see_the_app_path_under_root_path() -> None:
    # A regression test: Route("/login") matched scope["path"] as is, so under a
    # root_path ("/api/login") it never applied and the default rate did.
    hits: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        hits.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    mw = PrivacyMiddleware(
        app,
        rate_limit=RateLimit(
            "100/minute", bans=None, routes=(Route("/login", "1/minute", name="login"),)
        ),
    )
    async with client_for(mw, root_path="/api") as client:
        first = await client.get("/api/login")
        second = await client.get("/api/login")
        other = await client.get("/api/other")
    assert first.headers["ratelimit-policy"] == '"login";q=1;w=60'
    assert second.status_code == 429
    assert other.headers["ratelimit-policy"] == '"default";q=100;w=60'


async def test_middleware_route_templates(rate_limit: Options, closing: list[Any]) -> None:
    config = rate_limit(
        "100/minute", routes=(Route("/users/{user}/posts", "1/minute", name="posts"),)
    )
    app = starlette_app(config, closing)
    async with client_for(app) as client:
        one = await client.get("/users/ann/posts")
        two = await client.get("/users/bob/posts")  # the template: one bucket per client
        deeper = await client.get("/users/ann/posts/1")  # a template matches the whole path
    assert (one.status_code, two.status_code) == (404, 429)
    assert one.headers["ratelimit-policy"] == '"posts";q=1;w=60'
    assert deeper.headers["ratelimit-policy"] == '"default";q=100;w=60'


# -- rates, costs, groups ---------------------------------------------------------------


def one_route(config: RateLimit, closing: list[Any], *limits: Limit, path: str = "/x") -> FastAPI:
    api = FastAPI()

    @api.get(path, dependencies=[Depends(rule) for rule in limits])
    async def endpoint() -> dict[str, bool]:
        return {"ok": True}

    api.add_middleware(PrivacyMiddleware, rate_limit=config, consent=False, tags=False)
    closing.append(api)
    return api


async def test_several_limits_on_one_rule_all_apply(
    rate_limit: Options, closing: list[Any]
) -> None:
    clock = Clock()
    api = one_route(rate_limit(clock=clock), closing, Limit("2/minute;3/hour", name="api"))
    async with client_for(api) as client:
        responses = [await client.get("/x") for _ in range(3)]
        clock.now += 60  # the minute is back; the hour is not
        later = [await client.get("/x") for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0].headers["ratelimit-policy"] == '"api-60s";q=2;w=60, "api-3600s";q=3;w=3600'
    assert responses[0].headers["ratelimit"] == '"api-60s";r=1;t=30, "api-3600s";r=2;t=1200'
    # The minute refused the third: the hour did not spend a unit on it.
    assert responses[2].headers["ratelimit"] == '"api-60s";r=0;t=30, "api-3600s";r=1;t=2400'
    assert responses[2].json()["violated-policies"] == ["api-60s"]
    assert [r.status_code for r in later] == [200, 429]
    assert later[1].json()["violated-policies"] == ["api-3600s"]
    assert later[1].headers["retry-after"] == "1140"


async def test_separate_limits_on_one_route_keep_separate_buckets(
    rate_limit: Options, closing: list[Any]
) -> None:
    # Two Limits with the same key on one route once stepped the route's one
    # bucket, so the hourly rule's step counted against the minute's and the
    # second request was refused. Now they behave as one Limit with both rates.
    got: dict[str, list[int]] = {}
    headers: dict[str, str] = {}
    for shape, limits in (
        ("two", (Limit("2/minute"), Limit("100/hour"))),
        ("one", (Limit("2/minute;100/hour"),)),
    ):
        clock = Clock()
        path = f"/{shape}"  # its own buckets (Redis keeps them across apps)
        api = one_route(rate_limit(clock=clock), closing, *limits, path=path)
        async with client_for(api) as client:
            first = await client.get(path)
            got[shape] = [first.status_code, *await statuses(client, path, 2)]
            clock.now += 30  # one unit of the minute is back
            got[shape] += await statuses(client, path, 2)
        headers[shape] = first.headers["ratelimit-policy"]
    assert got["two"] == got["one"] == [200, 200, 429, 200, 429]
    # Both policies are listed, although the two rules share the route's name.
    assert headers["two"] == '"/two";q=2;w=60, "/two";q=100;w=3600'
    assert headers["one"] == '"/one-60s";q=2;w=60, "/one-3600s";q=100;w=3600'


async def test_a_dynamic_rate_keeps_its_bucket_whatever_rate_it_returns(
    rate_limit: Options, closing: list[Any]
) -> None:
    # A rate read from the request (a header here: in the worst case the
    # client's) must not start a fresh bucket for each distinct rate it names.
    def from_header(scope: Any, privacy: Any) -> str:
        headers: dict[bytes, bytes] = dict(scope["headers"])
        return headers.get(b"x-rate", b"2").decode() + "/minute"

    api = one_route(rate_limit(), closing, Limit(from_header), path="/dyn")
    async with client_for(api) as client:
        got = [
            (await client.get("/dyn", headers={"x-rate": rate})).status_code
            for rate in ("2", "2", "2", "3", "3", "2", "4")
        ]
    # One bucket: after two requests at 2/minute every later one is refused
    # (3 and 4 a minute allow a little more at once, but the bucket is full).
    assert got[:3] == [200, 200, 429]
    assert got.count(200) <= 3, got


async def test_the_same_rate_with_another_burst_is_another_bucket(
    rate_limit: Options, closing: list[Any]
) -> None:
    api = one_route(
        rate_limit(),
        closing,
        Limit("2/minute", name="api"),
        Limit("2/minute", name="api-burst", burst=5),
        path="/burst",
    )
    async with client_for(api) as client:
        got = await statuses(client, "/burst", 3)
    # The burst-2 rule refuses the third request; the burst-5 one alone would not.
    assert got == [200, 200, 429]


async def test_cost_per_rule_and_per_call(rate_limit: Options, closing: list[Any]) -> None:
    search = Limit("10/minute", cost=4, name="search")
    api = FastAPI()

    @api.get("/search", dependencies=[Depends(search)])
    async def find() -> dict[str, bool]:
        return {"ok": True}

    export = Limit("10/minute", name="export")

    @api.get("/export")
    async def bulk(request: Request, rows: int = 1) -> dict[str, int]:
        await export.hit(request, cost=rows)  # a cost known only inside the endpoint
        return {"rows": rows}

    api.add_middleware(PrivacyMiddleware, rate_limit=rate_limit(), consent=False, tags=False)
    closing.append(api)
    async with client_for(api) as client:
        first = await client.get("/search")
        assert first.headers["ratelimit"] == '"search";r=6;t=24'
        assert await statuses(client, "/search", 2) == [200, 429]
        big = await client.get("/export", params={"rows": 9})
        assert big.headers["ratelimit"] == '"export";r=1;t=54'
        assert (await client.get("/export", params={"rows": 2})).status_code == 429
        assert (await client.get("/export", params={"rows": 1})).status_code == 200


async def test_groups_share_buckets_across_routes(rate_limit: Options, closing: list[Any]) -> None:
    shared = Limit("3/minute", group="search")
    config = rate_limit(routes=(Route("/legacy/search", "3/minute", group="search"),))
    api = FastAPI()

    @api.get("/search/a", dependencies=[Depends(shared)])
    async def a() -> dict[str, str]:
        return {"r": "a"}

    @api.get("/search/b", dependencies=[Depends(Limit("3/minute", group="search"))])
    async def b() -> dict[str, str]:
        return {"r": "b"}

    @api.get("/legacy/search")
    async def legacy() -> dict[str, str]:
        return {"r": "legacy"}

    api.add_middleware(PrivacyMiddleware, rate_limit=config, consent=False, tags=False)
    closing.append(api)
    async with client_for(api) as client:
        got = [
            (await client.get(p)).status_code for p in ("/search/a", "/search/b", "/legacy/search")
        ]
        refused = await client.get("/search/a")
    assert got == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["violated-policies"] == ["search"]


async def test_dynamic_rates_per_request_with_a_bounded_cache(
    rate_limit: Options, closing: list[Any]
) -> None:
    def by_plan(scope: Any, privacy: Any) -> str | None:
        plan = dict(scope["headers"]).get(b"x-plan", b"free")
        return {b"free": "1/minute", b"pro": "3/minute", b"internal": None}.get(plan, "1/minute")

    api = one_route(rate_limit(), closing, Limit(by_plan, key=Key.header("X-User"), name="plan"))
    async with client_for(api) as client:
        free = await statuses(client, "/x", 2, headers={"x-user": "f", "x-plan": "free"})
        pro = await statuses(client, "/x", 4, headers={"x-user": "p", "x-plan": "pro"})
        internal = await statuses(client, "/x", 5, headers={"x-user": "i", "x-plan": "internal"})
        policy = (await client.get("/x", headers={"x-user": "q", "x-plan": "pro"})).headers
    assert (free, pro, internal) == ([200, 429], [200, 200, 200, 429], [200] * 5)
    assert policy["ratelimit-policy"] == '"plan";q=3;w=60'
    limiter = privmw_of(api).limiter
    assert limiter is not None
    info: Any = limiter.cache_info()
    assert 1 <= info.entries <= 4  # one compiled rule per distinct rate text


async def test_a_bad_dynamic_rate_is_skipped_and_logged_once(
    rate_limit: Options, closing: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    api = one_route(rate_limit(), closing, Limit(lambda scope, privacy: "lots/minute"))
    async with client_for(api) as client:
        assert await statuses(client, "/x", 3) == [200, 200, 200]
    warnings = [r.getMessage() for r in caplog.records if r.name == "privmw.ratelimit"]
    assert len(warnings) == 1
    assert "'lots/minute'" in warnings[0]


async def test_the_default_rate_may_be_dynamic(rate_limit: Options, closing: list[Any]) -> None:
    def tier(scope: Any, privacy: Any) -> str:
        return "1/minute" if scope["path"] == "/x" else "5/minute"

    api = one_route(rate_limit(tier), closing)
    async with client_for(api) as client:
        assert await statuses(client, "/x", 2) == [200, 429]


# -- keys -------------------------------------------------------------------------------


async def test_keys_header_custom_and_none(rate_limit: Options, closing: list[Any]) -> None:
    api = one_route(
        rate_limit(),
        closing,
        Limit("1/minute", key=Key.header("X-API-Key"), name="per-key"),
        Limit("100/minute", key=lambda scope, privacy: None, name="never"),
    )
    async with client_for(api) as client:
        assert await statuses(client, "/x", 2, headers={"x-api-key": "a"}) == [200, 429]
        assert await statuses(client, "/x", 1, headers={"x-api-key": "b"}) == [200]
        # Without the header the per-key rule does not apply (None: not limited).
        assert await statuses(client, "/x", 3) == [200, 200, 200]
    # Another address with key "a": the same bucket (the key, not the address).
    async with client_for(api, "198.51.100.7") as other:
        assert await statuses(other, "/x", 1, headers={"x-api-key": "a"}) == [429]


async def test_per_address_and_per_user_rules_on_one_route(
    rate_limit: Options, closing: list[Any]
) -> None:
    api = one_route(
        rate_limit(),
        closing,
        Limit("4/minute", name="per-address"),
        Limit("2/minute", key=Key.header("X-User"), name="per-user"),
    )
    async with client_for(api) as client:
        ann = await statuses(client, "/x", 3, headers={"x-user": "ann"})
        bob = await statuses(client, "/x", 2, headers={"x-user": "bob"})
    # ann's third request passes the address rule (its 3rd of 4) and fails her user rule;
    # bob is fine as a user, but his second request is the address's fifth.
    assert ann == [200, 200, 429]
    assert bob == [200, 429]


class HeaderAuth(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("x-user")
        return (AuthCredentials(["authenticated"]), SimpleUser(name)) if name else None


@pytest.mark.parametrize("auth_outside", [True, False])
async def test_user_key_with_authentication_middleware_before_or_after(
    rate_limit: Options, closing: list[Any], auth_outside: bool
) -> None:
    async def home(request: Request) -> Response:
        return PlainTextResponse(request.user.display_name)

    @limit("2/minute", key=Key.user(), name="endpoint-user")
    async def mine(request: Request) -> Response:
        return PlainTextResponse("mine")

    app = Starlette(routes=[StarletteRoute("/home", home), StarletteRoute("/mine", mine)])
    config = rate_limit(key=Key.user(), routes=(Route("/home", "1/minute", name="site-user"),))
    if auth_outside:  # added last: runs first, so privmw's middleware rule sees the user
        app.add_middleware(PrivacyMiddleware, rate_limit=config, consent=False, tags=False)
        app.add_middleware(AuthenticationMiddleware, backend=HeaderAuth())
    else:
        app.add_middleware(AuthenticationMiddleware, backend=HeaderAuth())
        app.add_middleware(PrivacyMiddleware, rate_limit=config, consent=False, tags=False)
    closing.append(app)
    async with client_for(app) as client:
        site = await statuses(client, "/home", 2, headers={"x-user": "ann"})
        endpoint = await statuses(client, "/mine", 3, headers={"x-user": "ann"})
        other = await statuses(client, "/mine", 1, headers={"x-user": "bob"})
    # The middleware rule sees scope["user"] only when authentication ran before it...
    assert site == ([200, 429] if auth_outside else [200, 200])
    # ...an endpoint rule always does: the documented way when it runs after.
    assert endpoint == [200, 200, 429]
    assert other == [200]


async def test_exempt_keys_and_allow_listed_networks(
    rate_limit: Options, closing: list[Any]
) -> None:
    config = rate_limit(
        "1/minute", key=Key.header("X-API-Key"), exempt_keys=("internal",), allow=("10.0.0.0/8",)
    )
    api = one_route(
        config, closing, Limit("1/minute", exempt_keys=("ci",), key=Key.header("X-API-Key"))
    )
    async with client_for(api) as client:
        assert await statuses(client, "/x", 3, headers={"x-api-key": "internal"}) == [200] * 3
        assert await statuses(client, "/x", 2, headers={"x-api-key": "ci"}) == [200, 429]
        assert await statuses(client, "/x", 2, headers={"x-api-key": "z"}) == [200, 429]
    async with client_for(api, "10.1.2.3") as trusted:  # allow: no rule limits it
        response = await trusted.get("/x", headers={"x-api-key": "z"})
    assert response.status_code == 200
    assert "ratelimit" not in response.headers


# -- refusals ---------------------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_browsers_get_a_short_html_page_api_clients_problem_json(
    rate_limit: Options, closing: list[Any]
) -> None:
    api = one_route(rate_limit("1/minute"), closing)
    async with client_for(api) as client:
        await client.get("/x")
        page = await client.get("/x", headers={"accept": BROWSER})
        problem = await client.get("/x", headers={"accept": "*/*"})
    assert page.status_code == problem.status_code == 429
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == "default-src 'none'"
    assert "<h1>Too many requests</h1>" in page.text
    assert "Please try again in 60 seconds." in page.text
    assert page.headers["retry-after"] == problem.headers["retry-after"] == "60"
    assert page.headers["vary"] == "Accept"
    assert problem.headers["content-type"] == "application/problem+json"


async def test_refusal_texts_mapping_callable_and_handler(
    rate_limit: Options, closing: list[Any]
) -> None:
    def german(scope: Any) -> dict[str, str]:
        if b"de" in dict(scope["headers"]).get(b"accept-language", b""):
            return {"lang": "de", "quota.title": "Zu viele Anfragen", "retry": "Bitte in {retry}."}
        return {}

    api = one_route(rate_limit("1/minute", texts=german), closing)
    async with client_for(api) as client:
        await client.get("/x")
        de = await client.get("/x", headers={"accept": BROWSER, "accept-language": "de-DE"})
        en = await client.get("/x", headers={"accept": BROWSER})
    assert '<html lang="de">' in de.text
    assert "<h1>Zu viele Anfragen</h1>" in de.text
    assert "Bitte in 60 seconds." in de.text  # units not overridden: English defaults
    assert "<h1>Too many requests</h1>" in en.text

    seen: list[Refusal] = []

    def handler(request: Request, refusal: Refusal) -> Response:
        seen.append(refusal)
        return JSONResponse({"error": "slow down", "wait": refusal.retry_after}, status_code=429)

    api = one_route(rate_limit("1/minute", handler=handler), closing, Limit("1/minute", name="x"))
    async with client_for(api) as client:
        await client.get("/x")
        own = await client.get("/x")
    assert own.json() == {"error": "slow down", "wait": 60}
    assert own.headers["retry-after"] == "60"  # privmw adds the fields the handler left out
    assert own.headers["ratelimit-policy"].startswith('"default";q=1;w=60')
    assert seen[0].policies == ("default",)


async def test_an_app_exception_handler_answers_endpoint_refusals(
    rate_limit: Options, closing: list[Any]
) -> None:
    api = one_route(rate_limit(), closing, Limit("1/minute", name="x"))

    async def slow_down(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimitExceeded)
        return PlainTextResponse(
            f"wait {exc.refusal.retry_after}", status_code=429, headers=exc.refusal.headers
        )

    api.add_exception_handler(RateLimitExceeded, slow_down)
    async with client_for(api) as client:
        await client.get("/x")
        response = await client.get("/x")
    assert (response.status_code, response.text) == (429, "wait 60")
    assert response.headers["ratelimit"] == '"x";r=0;t=60'


async def test_endpoint_bans_escalate_and_cover_the_key(
    rate_limit: Options, closing: list[Any]
) -> None:
    bans = Bans(after=2, base=120, max_time=120, jitter=0)
    api = one_route(rate_limit(bans=bans), closing, Limit("1/minute", name="x"))
    async with client_for(api) as client:
        got = [await client.get("/x") for _ in range(3)]
    assert [r.status_code for r in got] == [200, 429, 429]
    assert got[2].json()["type"] == ABNORMAL_USAGE
    assert got[2].headers["retry-after"] == "120"


async def test_websocket_endpoint_limit_closes_with_1008(
    rate_limit: Options, closing: list[Any]
) -> None:
    socket_limit = Limit("1/minute")

    async def ws(websocket: WebSocket) -> None:
        await socket_limit.hit(websocket)
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app = Starlette(routes=[WebSocketRoute("/ws", ws)])
    app.add_middleware(PrivacyMiddleware, rate_limit=rate_limit(), consent=False, tags=False)
    closing.append(app)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    for _ in range(2):
        scope = {
            "type": "websocket",
            "path": "/ws",
            "raw_path": b"/ws",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "client": ("203.0.113.9", 1),
            "server": ("testserver", 80),
            "scheme": "ws",
            "subprotocols": [],
        }
        await app(scope, receive, send)
    kinds = [m["type"] for m in sent]
    assert kinds[:2] == ["websocket.accept", "websocket.send"]
    assert sent[-1] == {"type": "websocket.close", "code": 1008, "reason": ""}
