"""Pseudonymous, bounded rate limiting with escalating bans (see :class:`RateLimit`).

Modules: ``rules`` (configuration and the rate grammar), ``keys`` (what a
bucket stands for), ``endpoint`` (per-endpoint ``Limit``: a FastAPI dependency
and a Starlette decorator), ``refusal`` (the answer to a refused request, as
data: problem+json or an HTML page), ``gcra`` (the pure algorithm, integer
microseconds), ``storage`` (the ``Storage`` protocol: one atomic operation per
rule), ``memory`` (the bounded in-process storage), ``redis`` (the shared
Redis/Valkey storage, optional), ``headers`` (IETF RateLimit fields, problem
bodies) and ``_limiter`` (the runtime object the middleware builds once).

Several processes: ``uvicorn --workers 4`` gives each worker its own in-memory
storage, so a client may get up to four times the rate; share limits and bans
with ``RateLimit(..., backend=RedisBackend("redis://...", secret=...))``. With
Redis, open and close the connections with ``await middleware.limiter.astart()``
and ``await middleware.limiter.aclose()`` (e.g. in the app's lifespan).
"""

from __future__ import annotations

from .endpoint import Limit, RateLimitExceeded, limit
from .keys import Key
from .redis import RedisBackend
from .refusal import Refusal
from .rules import Bans, RateLimit, Route

__all__ = [
    "Bans",
    "Key",
    "Limit",
    "RateLimit",
    "RateLimitExceeded",
    "RedisBackend",
    "Refusal",
    "Route",
    "limit",
]
