"""Rate-limit bypasses and 500s through the real Starlette/FastAPI routing.

* ``Route(..., methods=("GET",))`` does not apply to ``HEAD``; Starlette
  answers ``HEAD`` with the GET endpoint, so the endpoint runs unlimited.
* A ``Limit`` inside a mounted FastAPI (or Starlette) *sub-app*
  (``app.mount("/v1", api)``): the sub-app's own ``ServerErrorMiddleware``
  turns ``RateLimitExceeded`` into a 500 before privmw sees it, then privmw
  sends its 429 after it: two responses for one request.
* A ``Limit`` under ``Mount("/t/{tenant}", routes=...)``: the bucket tag is
  ``root_path + template`` with the *concrete* root path, so every tenant
  value is a fresh bucket and the per-endpoint limit never refuses.
* A ``Limit`` on a route whose template is not ASCII (``/café``): the policy
  name is the template, ``sf_string`` encodes it as ASCII: 500 on every request.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute

from privmw import Limit, PrivacyMiddleware, RateLimit, limit
from privmw.ratelimit.rules import Route
from tests.attack._drive import drive, http_scope


def _statuses(app: Any, paths: list[tuple[str, str]]) -> list[list[int]]:
    """Per request, the status of every ``http.response.start`` privmw sent."""
    out = []
    for method, path in paths:
        sent = drive(app, http_scope(path, method=method))
        out.append([m["status"] for m in sent if m["type"] == "http.response.start"])
    return out


def test_head_counts_against_a_get_only_route_rule() -> None:
    calls: list[str] = []

    async def search(request: Request) -> PlainTextResponse:
        calls.append(request.method)  # the expensive part runs for HEAD too
        return PlainTextResponse("results")

    app = Starlette(routes=[StarletteRoute("/search", search, methods=["GET"])])
    mw = PrivacyMiddleware(
        app, rate_limit=RateLimit(routes=(Route("/search", "2/hour", methods=("GET",)),))
    )
    statuses = _statuses(mw, [("GET", "/search"), ("GET", "/search"), ("HEAD", "/search")])
    assert statuses[2] == [429], (statuses, calls)


def _login_api() -> FastAPI:
    api = FastAPI()

    @api.post("/login", dependencies=[Depends(Limit("2/hour"))])
    async def login() -> dict[str, bool]:
        return {"ok": True}

    return api


def test_a_limit_in_a_mounted_sub_app_answers_one_429() -> None:
    main = FastAPI()
    main.mount("/v1", _login_api())
    main.add_middleware(PrivacyMiddleware, rate_limit=RateLimit())
    statuses = _statuses(main, [("POST", "/v1/login")] * 3)
    assert statuses[2] == [429], statuses  # now: [500, 429]


def test_a_limit_under_a_mount_with_a_path_parameter_is_one_bucket() -> None:
    @limit("2/hour")
    async def login(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    routes = [StarletteRoute("/login", login, methods=["POST"])]
    app = Starlette(routes=[Mount("/t/{tenant}", routes=routes)])
    app.add_middleware(PrivacyMiddleware, rate_limit=RateLimit())
    paths = [("POST", f"/t/{tenant}/login") for tenant in ("a", "b", "c", "d")]
    statuses = _statuses(app, paths)
    assert statuses[2] == [429], statuses  # one client, one endpoint: the third is refused


def test_a_limit_on_a_non_ascii_route_does_not_fail() -> None:
    app = FastAPI()

    @app.get("/café/{item}", dependencies=[Depends(Limit("5/minute"))])
    async def cafe(item: str) -> dict[str, str]:
        return {"item": item}

    app.add_middleware(PrivacyMiddleware, rate_limit=RateLimit())
    try:
        statuses = _statuses(app, [("GET", "/café/1")])
    except UnicodeEncodeError as exc:  # raised out of the middleware: the server's 500
        raise AssertionError(f"the request failed: {exc!r}") from exc
    assert statuses == [[200]]
