"""Rate limits through real Starlette/FastAPI routing: HEAD, mounted apps, mount templates.

Regression tables for the round-2 attack findings 16-18
(``tests/attack2/test_ratelimit.py``): a ``GET`` rule covers ``HEAD``; a
``Limit`` in a mounted app (or in an app the middleware wraps from outside)
answers exactly one 429; buckets are per full route template, whatever the
concrete values of a mount's path parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Host, Mount
from starlette.routing import Route as StarletteRoute

from privmw import Limit, PrivacyMiddleware, RateLimit, RateLimitExceeded, Route, limit
from privmw.ratelimit._limiter import SCOPE_KEY, Limiter
from tests.attack._drive import drive, http_scope

# -- HEAD counts against GET rules (finding 16) ----------------------------------------

METHODS = [
    # rule methods, request method, the route rule applies
    (("GET",), "GET", True),
    (("GET",), "HEAD", True),  # Starlette answers HEAD with the GET endpoint
    (("get",), "HEAD", True),
    (("GET", "POST"), "HEAD", True),
    (("GET",), "POST", False),
    (("POST",), "HEAD", False),
    (("HEAD",), "GET", False),  # HEAD alone does not bring GET
    (("HEAD",), "HEAD", True),
    ((), "HEAD", True),
]


@pytest.mark.parametrize(("methods", "method", "applies"), METHODS)
def test_route_rule_methods_table(methods: tuple[str, ...], method: str, applies: bool) -> None:
    config = RateLimit("100/minute", bans=None, routes=(Route("/s", "1/hour", methods=methods),))
    rule = Limiter(config).select(method, "/s")
    assert rule is not None
    assert (rule.policies[0].name == "/s") is applies


def test_head_and_get_share_the_buckets() -> None:
    lim = Limiter(RateLimit(bans=None, routes=(Route("/s", "2/hour", methods=("GET",)),)))
    address = (4, 0xCB007109)
    verdicts = []
    for method in ("HEAD", "GET", "HEAD", "GET"):
        scope: dict[str, Any] = {
            "type": "http",
            "method": method,
            "path": "/s",
            "root_path": "",
            "headers": [],
        }
        verdicts.append(lim.check(address, scope, None).allowed)
    assert verdicts == [True, True, False, False]


# -- one 429 from a Limit in a mounted app (finding 17) --------------------------------


def _fastapi_login() -> FastAPI:
    api = FastAPI()

    @api.post("/login", dependencies=[Depends(Limit("2/hour"))])
    async def login() -> dict[str, bool]:
        return {"ok": True}

    return api


def _starlette_login() -> Starlette:
    @limit("2/hour")
    async def login(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[StarletteRoute("/login", login, methods=["POST"])])


def _added(app: Any) -> Any:
    app.add_middleware(PrivacyMiddleware, rate_limit=RateLimit())
    return app


def _mounted(make: Callable[[], Any], outer: Callable[[], Any]) -> Any:
    main = outer()
    main.mount("/v1", make())
    return _added(main)


def _wrapped(make: Callable[[], Any]) -> Any:
    return PrivacyMiddleware(make(), rate_limit=RateLimit())


PROBLEM = b"application/problem+json"  # privmw answered
JSON = b"application/json"  # FastAPI's HTTPException handler answered
TEXT = b"text/plain; charset=utf-8"  # Starlette's HTTPException handler answered

APPS: list[tuple[str, Callable[[], Any], str, bytes]] = [
    # shape, app, path, the 429's content type
    ("fastapi", lambda: _added(_fastapi_login()), "/login", PROBLEM),
    ("starlette", lambda: _added(_starlette_login()), "/login", PROBLEM),
    ("fastapi in fastapi", lambda: _mounted(_fastapi_login, FastAPI), "/v1/login", JSON),
    ("starlette in fastapi", lambda: _mounted(_starlette_login, FastAPI), "/v1/login", TEXT),
    ("fastapi in starlette", lambda: _mounted(_fastapi_login, Starlette), "/v1/login", JSON),
    ("fastapi wrapped", lambda: _wrapped(_fastapi_login), "/login", JSON),
    ("starlette wrapped", lambda: _wrapped(_starlette_login), "/login", TEXT),
]


def _starts(app: Any, method: str, path: str, n: int) -> list[list[dict[str, Any]]]:
    """Per request, every ``http.response.start`` that reached the server."""
    out = []
    for _ in range(n):
        sent = drive(app, http_scope(path, method=method))
        out.append([m for m in sent if m["type"] == "http.response.start"])
    return out


@pytest.mark.parametrize(("shape", "make", "path", "content_type"), APPS, ids=[a[0] for a in APPS])
def test_a_refused_limit_answers_one_429_whatever_the_app_shape(
    shape: str, make: Callable[[], Any], path: str, content_type: bytes
) -> None:
    starts = _starts(make(), "POST", path, 3)
    assert [[m["status"] for m in s] for s in starts] == [[200], [200], [429]], shape
    headers = starts[2][0]["headers"]
    fields = dict(headers)
    assert fields[b"retry-after"] == b"1800"
    assert fields[b"ratelimit-policy"] == b'"/login";q=2;w=3600'
    assert fields[b"ratelimit"] == b'"/login";r=0;t=1800'
    assert fields[b"content-type"] == content_type
    # Each field once: the ticket's own copy was dropped when the refusal took them.
    names = [name for name, _ in headers]
    assert names.count(b"ratelimit") == names.count(b"retry-after") == 1


def test_a_mounted_app_handler_for_rate_limit_exceeded_answers_it() -> None:
    api = _fastapi_login()

    async def mine(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimitExceeded)
        return JSONResponse({"mine": exc.refusal.retry_after}, 429, exc.refusal.headers)

    api.add_exception_handler(RateLimitExceeded, mine)
    app = _mounted(lambda: api, FastAPI)
    third = _starts(app, "POST", "/v1/login", 3)[2]
    assert [m["status"] for m in third] == [429]
    assert dict(third[0]["headers"])[b"retry-after"] == b"1800"


# -- one bucket per full route template (finding 18) -----------------------------------


def _recorder(seen: list[str]) -> Any:
    """A limited endpoint that records the full template its buckets are keyed by."""

    @limit("2/hour")
    async def endpoint(request: Request) -> Response:
        scope = request.scope
        route = scope["route"]
        seen.append(scope[SCOPE_KEY].limiter.full_template(scope, route, route.path))
        return PlainTextResponse("ok")

    return endpoint


def _tree(kind: str, endpoint: Any) -> list[Any]:
    leaf = [StarletteRoute("/login", endpoint)]
    tenant = Mount("/t/{tenant}", routes=leaf)
    trees: dict[str, list[Any]] = {
        "param mount": [tenant],
        "int mount": [Mount("/n/{n:int}", routes=leaf)],
        "nested mounts": [Mount("/t/{tenant}", routes=[Mount("/u/{user}", routes=leaf)])],
        "static then param": [Mount("/v1", routes=[Mount("/{org}", routes=leaf)])],
        "sub-app": [Mount("/t/{tenant}", app=Starlette(routes=leaf))],
        "host": [Host("{sub}.example.com", app=Starlette(routes=[tenant]))],
        "earlier route": [StarletteRoute("/t/x/other", endpoint), tenant],
    }
    return trees[kind]


MOUNTS = [
    # tree, concrete paths (one client, "%s" of each value), the full template, root_path
    ("param mount", "/t/%s/login", "abc", "/t/{tenant}/login", ""),
    ("int mount", "/n/%s/login", "123", "/n/{n:int}/login", ""),
    ("nested mounts", "/t/%s/login", ("a/u/1", "a/u/2", "b/u/1"), "/t/{tenant}/u/{user}/login", ""),
    ("static then param", "/v1/%s/login", "xyz", "/v1/{org}/login", ""),
    ("sub-app", "/t/%s/login", "abc", "/t/{tenant}/login", ""),
    ("host", "/t/%s/login", "abc", "/t/{tenant}/login", ""),
    ("earlier route", "/t/%s/login", "abc", "/t/{tenant}/login", ""),
    ("param mount", "/api/t/%s/login", "abc", "/api/t/{tenant}/login", "/api"),
]


@pytest.mark.parametrize(("tree", "pattern", "values", "template", "root"), MOUNTS)
def test_mount_parameters_share_the_route_templates_buckets(
    tree: str, pattern: str, values: tuple[str, ...], template: str, root: str
) -> None:
    seen: list[str] = []
    app = _added(Starlette(routes=_tree(tree, _recorder(seen))))
    statuses = []
    for value in values:
        path = pattern % value
        scope = http_scope(path, method="GET", headers=[(b"host", b"acme.example.com")])
        scope["root_path"] = root
        statuses.append([m["status"] for m in drive(app, scope) if m.get("status")])
    assert statuses == [[200], [200], [429]]
    assert seen == [template, template]


def test_different_templates_keep_their_own_buckets() -> None:
    # The same leaf under two mounts and at the top: three templates, three buckets.
    seen: list[str] = []
    endpoint = _recorder(seen)
    leaf = [StarletteRoute("/login", endpoint)]
    routes = [Mount("/t/{tenant}", routes=leaf), Mount("/o/{org}", routes=leaf), *leaf]
    app = _added(Starlette(routes=routes))
    paths = ["/t/a/login", "/o/a/login", "/login"] * 3
    statuses = [drive(app, http_scope(p))[0]["status"] for p in paths]
    assert statuses == [200] * 6 + [429] * 3
    assert seen[:3] == ["/t/{tenant}/login", "/o/{org}/login", "/login"]


def test_a_router_it_cannot_walk_keeps_the_concrete_prefix() -> None:
    # No scope["router"] (a hand-made mount): the limiter cannot see the templates.
    lim = Limiter(RateLimit(bans=None))
    scope = {"type": "http", "path": "/t/a/login", "root_path": "/t/a", "app_root_path": ""}
    assert lim.full_template(scope, object(), "/login") == "/t/a/login"
