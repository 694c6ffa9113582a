"""A slowapi app converted to privmw: the worked example of ``docs/migrating-from-slowapi.md``.

The original (slowapi 0.1.x, as in its documentation) is quoted in the guide;
every decorator, the key function, the storage URI and the exception handler
has its privmw counterpart here, marked ``# slowapi: ...``. The test suite runs
this module (``tests/test_slowapi_migration.py``) with the in-memory storage
and with a real redis-server.

Run it: ``uvicorn examples.slowapi_migration.app:app`` (set ``REDIS_URL`` and
``RATELIMIT_SECRET`` to share limits between workers).
"""

from __future__ import annotations

import os

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from privmw import Key, Limit, PrivacyMiddleware, RateLimit, RedisBackend, Refusal

# slowapi: storage_uri="redis://localhost:6379/0" (default: memory://)
REDIS_URL = os.environ.get("REDIS_URL")
BACKEND = RedisBackend(REDIS_URL, secret=os.environ["RATELIMIT_SECRET"]) if REDIS_URL else None


# slowapi: def get_api_key(request):
#              return request.headers.get("X-API-Key") or get_remote_address(request)
API_KEY_OR_CLIENT = Key.header("X-API-Key", fallback=Key.client())


# slowapi: @app.exception_handler(RateLimitExceeded) def rate_limit_handler(request, exc): ...
def rate_limit_handler(request: Request, refusal: Refusal) -> Response:
    """The app's own JSON body; privmw adds Retry-After and the RateLimit fields."""
    return JSONResponse(
        {"error": "rate limit exceeded", "retry_after": refusal.retry_after},
        status_code=refusal.status,
    )


# slowapi: Limiter(key_func=get_remote_address, default_limits=["200/day", "50/hour"],
#                  storage_uri=..., headers_enabled=True); SlowAPIMiddleware
RATE_LIMIT = RateLimit(
    "200/day;50/hour",
    key=Key.client(),  # get_remote_address, but on the full address, hashed, /64 for IPv6
    retention=86400,  # a daily limit keeps its (hashed) state for a day
    exempt=("/health",),  # slowapi: @limiter.exempt
    backend=BACKEND,
    handler=rate_limit_handler,
)

# slowapi: @limiter.limit("5/minute")
home_limit = Limit("5/minute", name="home")
# slowapi: @limiter.limit("5 per minute;20 per hour")  (the same grammar)
login_limit = Limit("5 per minute;20 per hour", name="login")
# slowapi: @limiter.limit("10/minute", key_func=get_api_key, cost=...)
search_limit = Limit("10/minute", key=API_KEY_OR_CLIENT, name="search")
# slowapi: @limiter.shared_limit("20/hour", scope="bulk")
bulk_limit = Limit("20/hour", group="bulk")

api = FastAPI()


@api.get("/home", dependencies=[Depends(home_limit)])
async def home() -> dict[str, str]:
    return {"page": "home"}


@api.post("/login", dependencies=[Depends(login_limit)])
async def login() -> dict[str, bool]:
    return {"ok": True}


@api.get("/search")
async def search(request: Request, q: str = "", pages: int = 1) -> dict[str, object]:
    # slowapi: cost=lambda request: int(request.query_params.get("pages", 1))
    await search_limit.hit(request, cost=max(1, min(pages, 10)))
    return {"q": q, "pages": pages}


@api.get("/export/csv", dependencies=[Depends(bulk_limit)])
async def export_csv() -> dict[str, str]:
    return {"format": "csv"}


@api.get("/export/json", dependencies=[Depends(bulk_limit)])
async def export_json() -> dict[str, str]:
    return {"format": "json"}


@api.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


api.add_middleware(PrivacyMiddleware, rate_limit=RATE_LIMIT)
app = api
