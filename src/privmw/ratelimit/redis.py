"""A Redis/Valkey storage so several processes (``uvicorn --workers 4``) share limits and bans.

One rule is one Lua script call, one round trip (``EVALSHA``; the script is
loaded with ``SCRIPT LOAD`` the first time the server answers ``NOSCRIPT``).
The script does all of :class:`~privmw.ratelimit.storage.Storage`'s operation
atomically: the ban check, one GCRA step per rate (all stored or none), the
strike and the ban. It reads the server's clock (``TIME``) unless the limiter
was given a clock, so workers on different hosts agree.

Keys are keyed hashes of the client (or of the rule's key, e.g. an API key)
under a key derived from a shared ``secret`` and the retention epoch: they
change every period, and every key is written with a TTL no longer than the
retention period, so nothing persists past it. Bans live in Redis too, under
``<prefix>b:<hex>``, so a client banned by one worker is banned by all.

When Redis is unreachable the policy decides: fail open (let requests through,
the default) or fail closed (503 ``temporary-reduced-capacity``). One warning
is logged per outage, naming no client.

``redis`` is an optional dependency (``pip install privmw[redis]``); it is
imported only when a :class:`RedisBackend` is used.

References:
    brandur/redis-cell (GCRA in Redis); Redis ``EVALSHA``, ``SCRIPT LOAD``,
    ``TIME`` in scripts (effects replication, Redis >= 5); redis-py
    ``Redis.from_url`` (the URL schemes it accepts).
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

from privmw._errors import ConfigurationError
from privmw._validate import fail

from .rules import Bans
from .storage import BanRule, Outcome, Rate, RateResult

__all__ = ["RedisBackend"]

logger = logging.getLogger("privmw.ratelimit")

#: KEYS: one bucket per rate, then the ban record when ARGV[4] is "1".
#: ARGV: now µs ("" = the server's TIME), cost, TTL cap (ms), bans on, after,
#: findtime µs, base µs, max_time µs, jitter, rand, then interval µs and
#: limit µs per rate.
#: Returns {kind, retry µs, then ok, remaining, reset µs per rate}; kind 0 ok,
#: 1 quota, 2 ban (see storage.py). Numbers are written with %.0f: Lua's own
#: formatting (%.14g) would round microsecond timestamps.
SCRIPT = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local cost = tonumber(ARGV[2])
local ttl_cap = tonumber(ARGV[3])
local bans = ARGV[4] == '1'
local n = #KEYS
local ban = nil
if bans then
  ban = KEYS[n]
  n = n - 1
end
local function f(x) return string.format('%.0f', x) end
local function banned(left)
  local out = {2, left}
  for i = 1, n do
    out[#out + 1] = 0
    out[#out + 1] = 0
    out[#out + 1] = left
  end
  return out
end
if bans then
  local ends = tonumber(redis.call('HGET', ban, 'u'))
  if ends and ends > now then return banned(ends - now) end
end
local retry = 0
local res = {}
for i = 1, n do
  local interval = tonumber(ARGV[9 + 2 * i])
  local limit = tonumber(ARGV[10 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  local new_tat = tat + interval * cost
  local wait = new_tat - now
  if wait > limit then
    if wait - limit > retry then retry = wait - limit end
    res[i] = {0, 0, wait - limit, interval, new_tat}
  else
    res[i] = {1, math.floor((limit - wait) / interval), wait, interval, new_tat}
  end
end
local out = {0, 0}
if retry == 0 then
  for i = 1, n do
    local ttl = math.ceil(res[i][3] / 1000)
    if ttl > ttl_cap then ttl = ttl_cap end
    if ttl < 1 then ttl = 1 end
    redis.call('SET', KEYS[i], f(res[i][5]), 'PX', f(ttl))
    out[#out + 1] = 1
    out[#out + 1] = res[i][2]
    out[#out + 1] = res[i][3]
  end
  return out
end
out = {1, retry}
for i = 1, n do
  local r = res[i]
  if r[1] == 1 then
    out[#out + 1] = 1
    out[#out + 1] = r[2] + cost
    out[#out + 1] = r[3] - r[4] * cost
  else
    out[#out + 1] = 0
    out[#out + 1] = 0
    out[#out + 1] = r[3]
  end
end
if bans then
  local after = tonumber(ARGV[5])
  local findtime = tonumber(ARGV[6])
  local rec = redis.call('HMGET', ban, 's', 'f', 'c')
  local strikes = tonumber(rec[1]) or 0
  local first = tonumber(rec[2]) or now
  local count = tonumber(rec[3]) or 0
  if now - first > findtime then
    strikes = 0
    first = now
  end
  strikes = strikes + 1
  if strikes >= after then
    local length = math.min(tonumber(ARGV[7]) * 2 ^ math.min(count, 62), tonumber(ARGV[8]))
    length = length + math.floor(length * tonumber(ARGV[9]) * tonumber(ARGV[10]))
    redis.call('HSET', ban, 's', 0, 'f', f(now), 'c', f(count + 1), 'u', f(now + length))
    redis.call('PEXPIRE', ban, f(ttl_cap))
    return banned(length)
  end
  redis.call('HSET', ban, 's', f(strikes), 'f', f(first), 'c', f(count))
  redis.call('PEXPIRE', ban, f(ttl_cap))
end
return out
"""

_SHA = hashlib.sha1(SCRIPT.encode()).hexdigest()

#: What redis-py's ``from_url`` accepts (``redis.connection.parse_url``).
#: ``valkey://`` is not among them (redis-py 5-8): Valkey speaks the same
#: protocol, so the fix is to write ``redis://``.
SCHEMES = ("redis", "rediss", "unix")
_RESPELL = {"valkey": "redis", "valkeys": "rediss", "tcp": "redis", "tls": "rediss"}


def _check_url(url: object) -> SplitResult:
    example = '"redis://127.0.0.1:6379/0" (or rediss://, unix://)'
    if not isinstance(url, str) or "://" not in url:
        fail("RedisBackend", "url", f"a URL like {example}", url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        fix = ""
        if scheme in _RESPELL:
            fix = f"write {_RESPELL[scheme]}:// (Valkey speaks the Redis protocol)"
        fail("RedisBackend", "url", f"a URL like {example}", _masked(parts), fix)
    try:
        port = parts.port
    except ValueError:
        fail("RedisBackend", "url", "a URL with a port from 0 to 65535", _masked(parts))
    if scheme != "unix" and not parts.hostname:
        fail("RedisBackend", "url", f"a URL with a host, like {example}", _masked(parts))
    if scheme == "unix" and not parts.path:
        fail("RedisBackend", "url", 'a socket path, like "unix:///run/redis.sock"', _masked(parts))
    db = parts.path.strip("/")
    if scheme != "unix" and db and not db.isdigit():
        fail("RedisBackend", "url", 'a database number as the path, like "/0"', _masked(parts))
    del port
    return parts


def _masked(parts: SplitResult) -> str:
    """The URL with its password (in the authority or the query) replaced by ``***``."""
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        # Without a colon the one field may be a password written as a user name.
        netloc = f"{user}:***@{hostport}" if colon else f"***@{hostport}"
    query = parts.query
    if query:
        query = "&".join(
            f"{k}=***" if k.lower() in ("password", "username") else f"{k}={v}" if eq else k
            for k, eq, v in (item.partition("=") for item in query.split("&"))
        )
    # Not urlunsplit: it writes unix:///path as unix:/path.
    url = f"{parts.scheme}://{netloc}{parts.path}"
    return url + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


@dataclass(frozen=True, slots=True, repr=False)
class RedisBackend:
    """Where the shared limiter lives, as ``RateLimit(..., backend=RedisBackend(...))``.

    Args:
        url: ``redis://[user:password@]host:port/db``, ``rediss://…`` (TLS) or
            ``unix:///path/to/redis.sock``; Valkey works too (with ``redis://``).
            Checked at construction; the password never appears in ``repr``.
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

    References:
        redis-py ``Redis.from_url`` (URL schemes); Redis ``EVALSHA``.
    """

    url: str
    secret: str | bytes | None = field(default=None, kw_only=True)
    fail_open: bool = field(default=True, kw_only=True)
    prefix: str = field(default="privmw:rl:", kw_only=True)
    timeout: float = field(default=0.25, kw_only=True)
    probe_interval: float = field(default=1.0, kw_only=True)

    def __post_init__(self) -> None:
        _check_url(self.url)
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

    @property
    def safe_url(self) -> str:
        """The URL with any password replaced by ``***`` (for logs and ``repr``)."""
        return _masked(urlsplit(self.url))

    def __repr__(self) -> str:  # never show the secret or a password
        mode = "open" if self.fail_open else "closed"
        return f"RedisBackend({self.safe_url!r}, secret=<hidden>, fail_{mode})"


class RedisStorage:
    """The runtime side of :class:`RedisBackend`: one client, the script, the outage flag.

    The client (a connection pool) is made on the first :meth:`astart` or the
    first request, and closed by :meth:`aclose`.
    """

    is_async = True

    def __init__(
        self,
        backend: RedisBackend,
        retention: float,
        bans: Bans | None = None,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        try:
            import redis.asyncio  # noqa: F401
        except ImportError:  # pragma: no cover - exercised without the extra
            raise ConfigurationError(
                "RateLimit: backend=RedisBackend(...) needs the redis package; "
                "pip install 'privmw[redis]'"
            ) from None
        self.backend = backend
        self.fail_open = backend.fail_open
        self._prefix = backend.prefix.encode()
        self._ttl_cap = b"%d" % max(1, int(retention * 1000))
        self._bans = BanRule(bans) if bans is not None else None
        self._rand = rand
        self.client: Any = None
        self._probe = backend.probe_interval
        self._next_probe = 0.0
        self.down = False

    def __repr__(self) -> str:
        return f"RedisStorage({self.backend.safe_url!r}, down={self.down})"

    def key(self, bucket: bytes) -> bytes:
        """The Redis key of a bucket digest: prefix + hex (a keyed hash, never an address)."""
        return self._prefix + bucket.hex().encode()

    def ban_key(self, ban: bytes) -> bytes:
        """The Redis key of a ban record: prefix + ``b:`` + hex."""
        return self._prefix + b"b:" + ban.hex().encode()

    async def astart(self) -> None:
        if self.client is not None:
            return
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # One retry without backoff (a pooled connection gone stale after a Redis
        # restart); redis-py's default backs off for seconds, on the request path.
        self.client = aioredis.Redis.from_url(
            self.backend.url,
            socket_timeout=self.backend.timeout,
            socket_connect_timeout=self.backend.timeout,
            retry=Retry(NoBackoff(), 1),
        )

    async def aclose(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.aclose()

    def wipe(self) -> None:
        """Nothing to do: the keys rotate with the epoch and expire by themselves."""

    def hit(
        self,
        ban: bytes | None,
        keys: Sequence[bytes],
        rates: Sequence[Rate],
        cost: int,
        now: int,
    ) -> Outcome:
        raise TypeError("RedisStorage is asynchronous: use ahit()")

    async def ahit(
        self,
        ban: bytes | None,
        keys: Sequence[bytes],
        rates: Sequence[Rate],
        cost: int,
        now: int | None,
    ) -> Outcome | None:
        """The storage operation in one round trip; ``None`` when Redis cannot be reached."""
        from redis.exceptions import NoScriptError, RedisError

        if self.down and time.monotonic() < self._next_probe:
            return None
        if self.client is None:
            await self.astart()
        bans = self._bans
        names = [self.key(k) for k in keys]
        if bans is not None and ban is not None:
            names.append(self.ban_key(ban))
            args = [
                b"" if now is None else b"%d" % now,
                b"%d" % cost,
                self._ttl_cap,
                b"1",
                b"%d" % bans.after,
                b"%d" % bans.findtime,
                b"%d" % bans.base,
                b"%d" % bans.max_time,
                repr(bans.jitter).encode(),
                repr(self._rand()).encode(),
            ]
        else:
            args = [b"" if now is None else b"%d" % now, b"%d" % cost, self._ttl_cap, b"0"]
            args += [b"0"] * 6
        for interval, limit in rates:
            args += (b"%d" % interval, b"%d" % limit)
        try:
            try:
                reply = await self.client.evalsha(_SHA, len(names), *names, *args)
            except NoScriptError:
                await self.client.script_load(SCRIPT)
                reply = await self.client.evalsha(_SHA, len(names), *names, *args)
        except (RedisError, OSError) as exc:
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
        values = [int(x) for x in reply]
        results: list[RateResult] = [
            (bool(values[i]), values[i + 1], values[i + 2]) for i in range(2, len(values), 3)
        ]
        return (values[0], values[1], tuple(results))
