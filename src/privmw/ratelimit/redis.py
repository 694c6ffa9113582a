"""A Redis/Valkey backend so several processes (``uvicorn --workers 4``) share limits.

GCRA runs in one Lua script, one round trip per request (``EVALSHA``; the
script is loaded with ``SCRIPT LOAD`` the first time the server answers
``NOSCRIPT``). The script reads the server's clock (``TIME``), so workers on
different hosts agree. Keys are keyed hashes of the client group under a key
derived from a shared ``secret`` and the retention epoch: they change every
period, and every key is written with a TTL no longer than the retention
period, so nothing persists past it. Bans stay in each process's memory.

When Redis is unreachable the policy decides: fail open (let requests through,
the default) or fail closed (503 ``temporary-reduced-capacity``). One warning
is logged per outage, naming no client.

``redis`` is an optional dependency (``pip install privmw[redis]``); it is
imported only when a :class:`RedisBackend` is used.

References:
    brandur/redis-cell (GCRA in Redis); Redis ``EVALSHA``, ``SCRIPT LOAD``,
    ``TIME`` in scripts (effects replication, Redis >= 5).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from privmw._errors import ConfigurationError

from .gcra import Decision

__all__ = ["RedisBackend"]

logger = logging.getLogger("privmw.ratelimit")

#: KEYS[1] bucket; ARGV: interval (µs), burst, TTL cap (ms).
#: Returns {allowed, remaining, reset µs, retry_after µs}. TATs are stored as
#: integral microseconds formatted with %.0f: Lua's default number formatting
#: would round them.
GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local ttl_cap = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local new_tat = tat + interval
local limit = burst * interval
local wait = new_tat - now
if wait > limit then
  return {0, 0, math.floor(tat - now), math.ceil(wait - limit)}
end
local ttl = math.ceil(wait / 1000)
if ttl > ttl_cap then ttl = ttl_cap end
if ttl < 1 then ttl = 1 end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
return {1, math.floor((limit - wait) / interval + 1e-9), math.floor(wait), 0}
"""

_SHA = hashlib.sha1(GCRA_SCRIPT.encode()).hexdigest()


@dataclass(frozen=True, slots=True, repr=False)
class RedisBackend:
    """Where the shared limiter lives, as ``RateLimit(..., backend=RedisBackend(...))``.

    Args:
        url: ``redis://host:port/db`` (or ``rediss://``, ``unix://``); Valkey works too.
        secret: an override of privmw's one secret for the Redis keys only
            (``PrivacyMiddleware(secret=...)`` or ``PRIVMW_SECRET`` by default);
            at least 16 bytes shared by every process. Keys are keyed hashes
            under a key derived from it and the epoch.
        fail_open: when Redis is unreachable, let requests through (``True``,
            default) or refuse them with 503 (``False``).
        prefix: key prefix.
        timeout: socket connect/read timeout in seconds.
        probe_interval: while Redis is unreachable, try it again at most this
            often (seconds); requests in between get the fail-open/closed answer
            at once instead of each waiting for a timeout.
    """

    url: str
    secret: str | bytes | None = field(default=None, kw_only=True)
    fail_open: bool = field(default=True, kw_only=True)
    prefix: str = field(default="privmw:rl:", kw_only=True)
    timeout: float = field(default=0.25, kw_only=True)
    probe_interval: float = field(default=1.0, kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or "://" not in self.url:
            raise ConfigurationError(
                f'RedisBackend: url must look like "redis://127.0.0.1:6379/0", got {self.url!r}'
            )
        secret = self.secret
        if isinstance(secret, str):
            secret = secret.encode()
        if secret is not None and (not isinstance(secret, bytes) or len(secret) < 16):
            raise ConfigurationError(
                "RedisBackend: secret must be at least 16 bytes shared by all processes "
                "(use secrets.token_hex(32))"
            )
        if not isinstance(self.fail_open, bool):
            raise ConfigurationError(
                f"RedisBackend: fail_open must be True or False, got {self.fail_open!r}"
            )
        if not isinstance(self.prefix, str):
            raise ConfigurationError(f"RedisBackend: prefix must be a string, got {self.prefix!r}")
        t = self.timeout
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < 60:
            raise ConfigurationError(
                f"RedisBackend: timeout must be seconds between 0 and 60, got {t!r}"
            )
        p = self.probe_interval
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 3600:
            raise ConfigurationError(
                f"RedisBackend: probe_interval must be seconds from 0 to 3600, got {p!r}"
            )

    def __repr__(self) -> str:  # never show the secret
        mode = "open" if self.fail_open else "closed"
        return f"RedisBackend({self.url!r}, secret=<hidden>, fail_{mode})"


class RedisStore:
    """The runtime side of :class:`RedisBackend`: one client, the script, the outage flag."""

    def __init__(self, backend: RedisBackend, retention: float) -> None:
        try:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
            from redis.exceptions import NoScriptError, RedisError
        except ImportError:  # pragma: no cover - exercised without the extra
            raise ConfigurationError(
                "RateLimit: backend=RedisBackend(...) needs the redis package; "
                "pip install 'privmw[redis]'"
            ) from None
        self.fail_open = backend.fail_open
        self._prefix = backend.prefix.encode()
        self._ttl_cap = max(1, int(retention * 1000))
        self._noscript: type[Exception] = NoScriptError
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError)
        # One retry without backoff (a pooled connection gone stale after a Redis
        # restart); redis-py's default backs off for seconds, on the request path.
        self.client: Any = aioredis.Redis.from_url(
            backend.url,
            socket_timeout=backend.timeout,
            socket_connect_timeout=backend.timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self._probe = backend.probe_interval
        self._next_probe = 0.0
        self.down = False

    def key(self, bucket: bytes) -> bytes:
        """The Redis key of a bucket digest: prefix + hex (a keyed hash, never an address)."""
        return self._prefix + bucket.hex().encode()

    async def step(self, bucket: bytes, interval: float, burst: int) -> Decision | None:
        """GCRA in one round trip; ``None`` when Redis cannot be reached."""
        if self.down and time.monotonic() < self._next_probe:
            return None
        key = self.key(bucket)
        args = (b"%d" % max(1, round(interval * 1e6)), b"%d" % burst, b"%d" % self._ttl_cap)
        try:
            try:
                reply = await self.client.evalsha(_SHA, 1, key, *args)
            except self._noscript:
                await self.client.script_load(GCRA_SCRIPT)
                reply = await self.client.evalsha(_SHA, 1, key, *args)
        except self._errors as exc:
            self._next_probe = time.monotonic() + self._probe
            if not self.down:
                self.down = True
                logger.warning(
                    "privmw rate limit: Redis unreachable (%s); failing %s until it answers",
                    type(exc).__name__,
                    "open" if self.fail_open else "closed",
                )
            return None
        if self.down:
            self.down = False
            logger.info("privmw rate limit: Redis reachable again")
        allowed, remaining, reset_us, retry_us = (int(x) for x in reply)
        return (bool(allowed), 0.0, remaining, reset_us / 1e6, retry_us / 1e6)

    async def aclose(self) -> None:
        await self.client.aclose()
