"""Pseudonymous, bounded rate limiting with escalating bans (see :class:`RateLimit`).

Modules: ``rules`` (configuration), ``gcra`` (the pure algorithm), ``table``
(the bounded in-memory table and bans), ``headers`` (IETF RateLimit fields,
problem bodies), ``redis`` (the shared Redis/Valkey backend, optional) and
``limiter`` (the runtime object the middleware builds once, private).

Several processes: ``uvicorn --workers 4`` gives each worker its own in-memory
table, so a client may get up to four times the rate; share the limit with
``RateLimit(..., backend=RedisBackend("redis://...", secret=...))``. Bans are
kept per process in either case. With Redis, close the connections on shutdown
with ``await middleware.limiter.aclose()`` (e.g. in the app's lifespan).
"""

from __future__ import annotations

from .redis import RedisBackend
from .rules import Bans, RateLimit, Route

__all__ = ["Bans", "RateLimit", "RedisBackend", "Route"]
