"""Rate-limit configuration: rates, per-route rules, bans, the ``RateLimit`` option.

Everything here is validated once, at construction, and raises
:class:`~privmw.ConfigurationError` naming the class, the option, the bad value
and the accepted forms. Nothing here runs per request.

References:
    draft-ietf-httpapi-ratelimit-headers (quota policies ``q``/``w``);
    fail2ban ``jail.conf`` (``bantime``, ``findtime``, ``maxretry``,
    ``bantime.increment``, ``bantime.maxtime``, ``bantime.rndtime``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from privmw._errors import ConfigurationError
from privmw._netset import NetSet
from privmw._validate import check_seconds, fail

if TYPE_CHECKING:
    from .redis import RedisBackend

__all__ = ["Bans", "RateLimit", "Route"]

_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
):
    for _name in _names:
        _UNITS[_name] = _seconds

_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([A-Za-z]+)\s*")
_ACCEPTED = (
    '"N/second", "N/minute", "N/hour" or "N/day" (also plural or short: '
    '"10/s", "5/min", "1000/hours", and a multiple: "100/5minutes")'
)
_NAME = re.compile(r"[\x20-\x7e]+")


def _q(text: str) -> str:
    """A string literal in double quotes, as users write them: ``"120/minute"``."""
    plain = '"' not in text and "\\" not in text and text.isprintable()
    return f'"{text}"' if plain else repr(text)


def parse_rate(
    text: object, *, owner: str = "RateLimit", option: str = "rate"
) -> tuple[int, float]:
    """Parse ``"120/minute"`` into ``(120, 60.0)``: a count per period in seconds.

    Accepted: ``N/second|minute|hour|day``, plural and short unit names
    (``s``, ``sec``, ``m``, ``min``, ``h``, ``hr``, ``d``) and a period multiple
    (``"100/5minutes"``). ``N`` must be at least 1.
    """
    if not isinstance(text, str):
        raise ConfigurationError(
            f'{owner}: {option} must be a string like "120/minute", got {text!r}; '
            f"accepted forms: {_ACCEPTED}"
        )
    match = _RATE.fullmatch(text)
    unit = _UNITS.get(match.group(3).lower()) if match else None
    if match is None or unit is None:
        raise ConfigurationError(
            f'{owner}: {option} must look like "120/minute", got {text!r}; '
            f"accepted forms: {_ACCEPTED}"
        )
    count = int(match.group(1))
    multiple = int(match.group(2)) if match.group(2) else 1
    if count < 1 or multiple < 1:
        raise ConfigurationError(
            f"{owner}: {option} needs a count and period of at least 1, got {text!r}; "
            f"accepted forms: {_ACCEPTED}"
        )
    return count, unit * multiple


def _check_burst(owner: str, burst: object) -> None:
    if burst is not None and (isinstance(burst, bool) or not isinstance(burst, int) or burst < 1):
        raise ConfigurationError(
            f"{owner}: burst must be None (the rate's count) or an int >= 1, got {burst!r}"
        )


def _check_name(owner: str, option: str, name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigurationError(
            f"{owner}: {option} must be a non-empty printable ASCII string "
            f"(it is sent in the RateLimit header), got {name!r}"
        )
    return name


def _strings(owner: str, option: str, value: object) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigurationError(
            f"{owner}: {option} must be a list of strings, got {value!r}; "
            f"write ({value!r},) for a single entry"
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise ConfigurationError(f"{owner}: {option} entries must be strings, got {item!r}")
    return items


def _check_path(owner: str, option: str, path: object) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ConfigurationError(
            f'{owner}: {option} must be a path prefix starting with "/", got {path!r}'
        )
    return path


@dataclass(frozen=True, slots=True, repr=False)
class Route:
    """A rule for requests whose path starts with ``path`` (and, optionally, methods).

    The first matching route replaces the default rate for that request and has
    its own bucket per client, e.g. ``Route("/login", "5/minute", methods=("POST",))``.

    Args:
        path: a path prefix (``"/login"`` matches ``/login`` and ``/login/x``).
        rate: like :class:`RateLimit`'s ``rate``.
        burst: requests allowed at once (default: the rate's count).
        methods: HTTP methods the rule applies to (default: all).
        name: the policy name sent in ``RateLimit``/``RateLimit-Policy``
            (default: the path).
    """

    path: str
    rate: str
    burst: int | None = None
    methods: tuple[str, ...] = ()
    name: str | None = None
    count: int = field(init=False, compare=False)
    period: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        _check_path("Route", "path", self.path)
        count, period = parse_rate(self.rate, owner="Route")
        _check_burst("Route", self.burst)
        methods = tuple(m.upper() for m in _strings("Route", "methods", self.methods))
        object.__setattr__(self, "methods", methods)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "period", period)
        if self.name is not None:
            _check_name("Route", "name", self.name)

    def __repr__(self) -> str:
        extra = ""
        if self.burst is not None:
            extra += f", burst={self.burst}"
        if self.methods:
            extra += f", methods={self.methods!r}"
        if self.name is not None:
            extra += f", name={self.name!r}"
        return f"Route({_q(self.path)}, {_q(self.rate)}{extra})"


@dataclass(frozen=True, slots=True)
class Bans:
    """Temporary bans for clients that keep hitting the limit (fail2ban-style).

    A client refused ``after`` times within ``findtime`` seconds is banned for
    ``base × 2ⁿ`` seconds (n = bans it had before, in this retention period),
    at most ``max_time``, plus up to ``jitter`` × that at random so a botnet
    cannot time the unban. Ban state lives in memory only and is wiped with the
    rest of the table when the retention period rolls over.
    """

    after: int = 10
    findtime: float = 60.0
    base: float = 60.0
    max_time: float = 3600.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.after, bool) or not isinstance(self.after, int) or self.after < 1:
            raise ConfigurationError(f"Bans: after must be an int >= 1, got {self.after!r}")
        for name in ("findtime", "base", "max_time"):
            check_seconds("Bans", name, getattr(self, name))
        if self.max_time < self.base:
            raise ConfigurationError(
                f"Bans: max_time must be >= base ({self.base!r}), got {self.max_time!r}"
            )
        jitter = self.jitter
        if isinstance(jitter, bool) or not isinstance(jitter, (int, float)) or not 0 <= jitter <= 1:
            raise ConfigurationError(f"Bans: jitter must be a number from 0 to 1, got {jitter!r}")


def _check_group(name: str, value: object, top: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise ConfigurationError(
            f"RateLimit: {name} must be an int from 1 to {top} (bits that identify a "
            f"client), got {value!r}"
        )


_DEFAULT_BANS = Bans()


@dataclass(frozen=True, slots=True, repr=False)
class RateLimit:
    """Per-client rate limiting, keyed by pseudonyms that rotate (opt-in).

    Pass as ``PrivacyMiddleware(app, rate_limit=RateLimit("120/minute", burst=30))``.
    The algorithm is GCRA: one timestamp per client, a smooth ``rate`` with up
    to ``burst`` requests at once.

    Args:
        rate: ``"120/minute"``, ``"10/second"``, ``"5000/hour"``, ``"1000/day"``.
        burst: requests allowed at once (default: the rate's count).
        routes: :class:`Route` rules (path prefix, methods); the first match wins.
        exempt: path prefixes never limited (health checks, static files).
        ipv4_group: leading bits that identify an IPv4 client (default 32).
        ipv6_group: leading bits that identify an IPv6 client (default 64: one
            /64 is one subscriber, who can pick any address inside it).
        retention: seconds after which the hash key is replaced and the table
            wiped (default 3 h); nothing in the table outlives it.
        max_clients: hard cap on tracked buckets (least recently used evicted).
        bans: :class:`Bans` settings, or ``None`` for no bans.
        allow: CIDR networks never limited.
        deny: CIDR networks refused (403) on every path not in ``exempt``;
            an address in both ``allow`` and ``deny`` is allowed.
        headers: send ``RateLimit``/``RateLimit-Policy`` on allowed responses.
        legacy_headers: also send ``X-RateLimit-Limit/Remaining/Reset``.
        backend: ``None`` for the in-process table, or a
            :class:`~privmw.RedisBackend` shared by several processes.
        policy: the default policy's name in the headers (default ``"default"``).
        clock: monotonic seconds for GCRA and bans (default: ``time.monotonic``
            in memory; with Redis, the server's ``TIME``). Inject one in tests.
        wall_clock: wall-clock seconds that align the hash-key epochs
            (default ``time.time``; several processes sharing a Redis secret
            agree on the epoch through it).

    Each process has its own in-memory table: under ``uvicorn --workers 4`` a
    client gets up to 4× the rate. Use a Redis/Valkey ``backend`` to share it.

    References:
        draft-ietf-httpapi-ratelimit-headers; GCRA (ATM Forum TM 4.0, I.371).
    """

    rate: str
    burst: int | None = None
    routes: tuple[Route, ...] = ()
    exempt: tuple[str, ...] = ()
    ipv4_group: int = 32
    ipv6_group: int = 64
    retention: float = 3 * 3600.0
    max_clients: int = 100_000
    bans: Bans | None = _DEFAULT_BANS
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    headers: bool = True
    legacy_headers: bool = False
    backend: RedisBackend | None = None
    policy: str = "default"
    clock: Callable[[], float] | None = field(default=None, compare=False)
    wall_clock: Callable[[], float] | None = field(default=None, compare=False)
    count: int = field(init=False, compare=False)
    period: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        count, period = parse_rate(self.rate)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "period", period)
        _check_burst("RateLimit", self.burst)
        routes = self.routes
        if isinstance(routes, Route):
            routes = (routes,)
        if isinstance(routes, (str, bytes)) or not isinstance(routes, Iterable):
            raise ConfigurationError(
                f"RateLimit: routes must be a list of Route(...), got {routes!r}"
            )
        routes = tuple(routes)
        for route in routes:
            if not isinstance(route, Route):
                raise ConfigurationError(
                    f'RateLimit: routes entries must be Route("/path", "5/minute"), got {route!r}'
                )
        object.__setattr__(self, "routes", routes)
        exempt = _strings("RateLimit", "exempt", self.exempt)
        for path in exempt:
            _check_path("RateLimit", "exempt entry", path)
        object.__setattr__(self, "exempt", exempt)
        _check_group("ipv4_group", self.ipv4_group, 32)
        _check_group("ipv6_group", self.ipv6_group, 128)
        object.__setattr__(
            self, "retention", check_seconds("RateLimit", "retention", self.retention)
        )
        cap = self.max_clients
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ConfigurationError(f"RateLimit: max_clients must be an int >= 1, got {cap!r}")
        if self.bans is not None and not isinstance(self.bans, Bans):
            raise ConfigurationError(
                f"RateLimit: bans must be Bans(...) or None, got {self.bans!r}"
            )
        object.__setattr__(self, "allow", _strings("RateLimit", "allow", self.allow))
        object.__setattr__(self, "deny", _strings("RateLimit", "deny", self.deny))
        NetSet(self.allow, owner="RateLimit", option="allow")
        NetSet(self.deny, owner="RateLimit", option="deny")
        for name in ("headers", "legacy_headers"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigurationError(
                    f"RateLimit: {name} must be True or False, got {getattr(self, name)!r}"
                )
        if self.backend is not None:
            from .redis import RedisBackend

            if not isinstance(self.backend, RedisBackend):
                raise ConfigurationError(
                    f"RateLimit: backend must be None (in memory) or RedisBackend(...), "
                    f"got {self.backend!r}"
                )
        _check_name("RateLimit", "policy", self.policy)
        for name in ("clock", "wall_clock"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                fail("RateLimit", name, "None or a function returning seconds", value)
        names = [self.policy] + [r.name or r.path for r in routes]
        if len(set(names)) != len(names):
            raise ConfigurationError(
                f"RateLimit: policy names must be unique, got {names!r}; give routes a name="
            )

    def __repr__(self) -> str:
        parts = [_q(self.rate)]
        defaults = _REPR_DEFAULTS
        for name, default in defaults.items():
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value!r}")
        return f"RateLimit({', '.join(parts)})"


_REPR_DEFAULTS: dict[str, object] = {
    "burst": None,
    "routes": (),
    "exempt": (),
    "ipv4_group": 32,
    "ipv6_group": 64,
    "retention": 3 * 3600.0,
    "max_clients": 100_000,
    "bans": _DEFAULT_BANS,
    "allow": (),
    "deny": (),
    "headers": True,
    "legacy_headers": False,
    "backend": None,
    "policy": "default",
    "clock": None,
    "wall_clock": None,
}
