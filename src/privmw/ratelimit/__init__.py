"""Pseudonymous, bounded rate limiting with escalating bans (see :class:`RateLimit`).

Modules: ``rules`` (configuration), ``gcra`` (the pure algorithm), ``table``
(the bounded in-memory table and bans), ``headers`` (IETF RateLimit fields,
problem bodies), ``redis`` (the shared Redis/Valkey backend, optional) and
``limiter`` (the runtime object the middleware builds once).
"""

from __future__ import annotations

from .limiter import Limiter, Verdict, respond, with_fields
from .redis import RedisBackend
from .rules import Bans, RateLimit, Route, parse_rate

__all__ = [
    "Bans",
    "Limiter",
    "RateLimit",
    "RedisBackend",
    "Route",
    "Verdict",
    "parse_rate",
    "respond",
    "with_fields",
]
