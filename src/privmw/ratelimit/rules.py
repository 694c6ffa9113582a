"""Rate-limit configuration: the rate grammar, per-path rules, bans, the ``RateLimit`` option.

Everything here is validated once, at construction, and raises
:class:`~privmw.ConfigurationError` naming the class, the option, the bad value
and the accepted forms. Nothing here runs per request.

The rate grammar is privmw's own (``"120/minute"``, ``"10/s"``,
``"100/5minutes"``) and the ``limits`` notation that slowapi users write
(``"5 per minute"``, ``"2 per 30 seconds"``, ``"10/minute;100/hour"``): one or
more ``N/period`` or ``N per period`` separated by ``;``, ``,`` or ``|``, every
one of them applied.

References:
    draft-ietf-httpapi-ratelimit-headers (quota policies ``q``/``w``);
    limits ``limits/util.py`` (``parse_many``: the rate-string notation);
    fail2ban ``jail.conf`` (``bantime``, ``findtime``, ``maxretry``,
    ``bantime.increment``, ``bantime.maxtime``, ``bantime.rndtime``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from privmw._errors import ConfigurationError
from privmw._netset import NetSet
from privmw._validate import check_seconds, fail, suggest

from .keys import Key, KeyFunction, as_key

if TYPE_CHECKING:
    from starlette.requests import Request

    from .redis import RedisBackend
    from .refusal import Refusal

__all__ = ["Bans", "RateLimit", "Route"]

_UNITS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
    # The limits library's month and year: 30 days and 12 of those.
    (("month", "months"), 30 * 86400.0),
    (("year", "years"), 12 * 30 * 86400.0),
):
    for _name in _names:
        _UNITS[_name] = _seconds

_ONE = re.compile(r"\s*(\d+)\s*(?:/|[Pp][Ee][Rr])\s*(\d*)\s*([A-Za-z]+)\s*")
_SEPARATORS = re.compile(r"[;,|]")
_ACCEPTED = (
    '"N/second", "N/minute", "N/hour", "N/day" (plural or short: "10/s", "5/min", '
    '"1000/hours"; a multiple: "100/5minutes"), the limits notation ("5 per minute", '
    '"2 per 30 seconds") and several at once: "10/minute;100/hour"'
)
_NAME = re.compile(r"[\x20-\x7e]+")
#: The fastest rate: the limiter counts in whole microseconds.
MAX_PER_SECOND = 1_000_000
#: Longest rate text parsed (a dynamic rate comes from app code per request).
MAX_RATE_TEXT = 256

#: A rate as a callable of the request: ``(scope, privacy) -> "10/minute" | None``.
RateFunction = Callable[[Any, Any], "str | None"]


def _q(text: str) -> str:
    """A string literal in double quotes, as users write them: ``"120/minute"``."""
    plain = '"' not in text and "\\" not in text and text.isprintable()
    return f'"{text}"' if plain else repr(text)


def parse_rates(
    text: object, *, owner: str = "RateLimit", option: str = "rate"
) -> tuple[tuple[int, float], ...]:
    """Parse ``"10/minute;100/hour"`` into ``((10, 60.0), (100, 3600.0))``.

    Each part is ``N/unit``, ``N/Munit`` or ``N per [M] unit`` (units:
    second, minute, hour, day, month (30 days), year (360 days), plural or
    short: ``s``, ``sec``, ``m``, ``min``, ``h``, ``hr``, ``d``); parts are
    separated by ``;``, ``,`` or ``|``. ``N`` and ``M`` are at least 1, at most
    one part per window, and no more than 1,000,000 per second.
    """
    if not isinstance(text, str):
        raise ConfigurationError(
            f'{owner}: {option} must be a string like "120/minute", got {text!r}; '
            f"accepted forms: {_ACCEPTED}"
        )
    if len(text) > MAX_RATE_TEXT:
        raise ConfigurationError(
            f"{owner}: {option} must be at most {MAX_RATE_TEXT} characters, "
            f"got {text[:40]!r}... ({len(text)} characters)"
        )
    rates: list[tuple[int, float]] = []
    for part in _SEPARATORS.split(text):
        match = _ONE.fullmatch(part)
        unit = _UNITS.get(match.group(3).lower()) if match else None
        if match is None or unit is None:
            near = suggest(match.group(3).lower(), _UNITS) if match else ""
            raise ConfigurationError(
                f'{owner}: {option} must look like "120/minute" or "5 per minute", '
                f"got {text!r}; accepted forms: {_ACCEPTED}" + (f"; {near}" if near else "")
            )
        count = int(match.group(1))
        multiple = int(match.group(2)) if match.group(2) else 1
        if count < 1 or multiple < 1:
            raise ConfigurationError(
                f"{owner}: {option} needs a count and period of at least 1, got {text!r}; "
                f"accepted forms: {_ACCEPTED}"
            )
        period = unit * multiple
        if count > period * MAX_PER_SECOND:
            raise ConfigurationError(
                f"{owner}: {option} must be at most {MAX_PER_SECOND}/second, got {text!r}"
            )
        if any(p == period for _, p in rates):
            raise ConfigurationError(
                f"{owner}: {option} must have at most one limit per window, got {text!r}; "
                "keep the tighter one"
            )
        rates.append((count, period))
    return tuple(rates)


def parse_rate(
    text: object, *, owner: str = "RateLimit", option: str = "rate"
) -> tuple[int, float]:
    """Parse one rate, ``"120/minute"`` into ``(120, 60.0)`` (see :func:`parse_rates`)."""
    rates = parse_rates(text, owner=owner, option=option)
    if len(rates) != 1:
        raise ConfigurationError(f"{owner}: {option} must be one rate, got {text!r}")
    return rates[0]


def window(count: int, period: float, burst: int | None) -> float:
    """Seconds a bucket's state matters: ``burst × period / count``."""
    return (count if burst is None else burst) * period / count


def check_rate(
    owner: str, option: str, rate: object, *, dynamic: bool = True
) -> tuple[tuple[int, float], ...]:
    """A static rate's parsed form; ``()`` for a callable (or ``None``, when allowed)."""
    if callable(rate) and dynamic:
        return ()
    return parse_rates(rate, owner=owner, option=option)


def check_burst(owner: str, burst: object) -> None:
    if burst is not None and (isinstance(burst, bool) or not isinstance(burst, int) or burst < 1):
        raise ConfigurationError(
            f"{owner}: burst must be None (the rate's count) or an int >= 1, got {burst!r}"
        )


def check_cost(owner: str, cost: object) -> int:
    if isinstance(cost, bool) or not isinstance(cost, int) or cost < 0:
        fail(owner, "cost", "an int >= 0 (the units one request takes)", cost)
    return cost


def check_name(owner: str, option: str, name: object) -> str:
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


_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}")
_CONVERTERS = {"str": "[^/]+", "int": "[0-9]+", "float": r"[0-9]+(?:\.[0-9]+)?", "path": ".*"}
_CONVERTERS["uuid"] = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def compile_template(owner: str, path: str) -> re.Pattern[str] | None:
    """A Starlette/FastAPI path template (``/items/{item_id}``) as a regex; ``None``: a prefix.

    ``{name}`` matches one path segment, ``{name:int}``/``float``/``uuid``
    like Starlette's converters, ``{name:path}`` the rest of the path.
    """
    if "{" not in path:
        return None
    out = []
    end = 0
    for match in [*_PARAM.finditer(path), None]:
        literal = path[end : match.start() if match else len(path)]
        if "{" in literal or "}" in literal:
            fail(owner, "path", 'a template like "/items/{item_id}"', path)
        out.append(re.escape(literal))
        if match is None:
            break
        converter = match.group(2) or "str"
        if converter not in _CONVERTERS:
            fail(owner, "path", f"a template with converters {sorted(_CONVERTERS)}", path)
        out.append(_CONVERTERS[converter])
        end = match.end()
    return re.compile("".join(out))


@dataclass(frozen=True, slots=True, repr=False)
class Route:
    """A rule for requests whose path matches ``path`` (and, optionally, methods).

    The first matching route replaces the default rate for that request and has
    its own bucket per client, e.g. ``Route("/login", "5/minute", methods=("POST",))``.

    Args:
        path: a path prefix (``"/login"`` matches ``/login`` and ``/login/x``), or a
            Starlette/FastAPI template matching the whole path
            (``"/items/{item_id}"``, ``"/files/{rest:path}"``). Matched against
            the app's path: the ``root_path`` a proxy or a mount adds is removed first.
        rate: like :class:`RateLimit`'s ``rate`` (several limits: ``"5/minute;20/hour"``).
        burst: requests allowed at once (default: each rate's count).
        methods: HTTP methods the rule applies to (default: all). ``"GET"``
            covers ``HEAD`` too, in the same buckets: Starlette answers ``HEAD``
            with the ``GET`` endpoint.
        name: the policy name sent in ``RateLimit``/``RateLimit-Policy``
            (default: the path).
        key: what a bucket stands for (default: :class:`RateLimit`'s ``key``,
            the client's address group); see :class:`~privmw.Key`.
        cost: units one request takes (default 1).
        group: share buckets with every rule (route or :class:`~privmw.Limit`)
            of the same group name.
    """

    path: str
    rate: str
    burst: int | None = None
    methods: tuple[str, ...] = ()
    name: str | None = None
    key: Key | KeyFunction | None = None
    cost: int = 1
    group: str | None = None
    rates: tuple[tuple[int, float], ...] = field(init=False, compare=False)
    count: int = field(init=False, compare=False)
    period: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        _check_path("Route", "path", self.path)
        compile_template("Route", self.path)
        rates = parse_rates(self.rate, owner="Route")
        check_burst("Route", self.burst)
        methods = tuple(m.upper() for m in _strings("Route", "methods", self.methods))
        object.__setattr__(self, "methods", methods)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "count", rates[0][0])
        object.__setattr__(self, "period", rates[0][1])
        if self.name is not None:
            check_name("Route", "name", self.name)
        if self.key is not None:
            object.__setattr__(self, "key", as_key("Route", "key", self.key))
        check_cost("Route", self.cost)
        if self.group is not None:
            check_name("Route", "group", self.group)

    def __repr__(self) -> str:
        extra = ""
        if self.burst is not None:
            extra += f", burst={self.burst}"
        if self.methods:
            extra += f", methods={self.methods!r}"
        for name, default in (("name", None), ("key", None), ("cost", 1), ("group", None)):
            value = getattr(self, name)
            if value != default:
                extra += f", {name}={value!r}"
        return f"Route({_q(self.path)}, {_q(self.rate)}{extra})"


@dataclass(frozen=True, slots=True)
class Bans:
    """Temporary bans for clients that keep hitting the limit (fail2ban-style).

    A client refused ``after`` times within ``findtime`` seconds is banned for
    ``base × 2ⁿ`` seconds (n = bans it had before, in this retention period),
    at most ``max_time``, plus up to ``jitter`` × that at random so a botnet
    cannot time the unban. Ban state lives where the buckets do (memory, or
    Redis shared by every worker) and is gone when the retention period rolls
    over. A ban is kept per key: with a key other than the client's address
    (an API key, a user), it is that key that is banned.
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


def check_window(
    owner: str,
    option: str,
    text: str,
    rates: Iterable[tuple[int, float]],
    burst: int | None,
    retention: float,
) -> None:
    """A rate's window must fit in the retention period: its state is wiped with the key."""
    for count, period in rates:
        span = window(count, period, burst)
        if span > retention:
            raise ConfigurationError(
                f"{owner}: {option} {text!r} needs {span:g} s of state per client, longer "
                f"than RateLimit retention ({retention:g} s): the table is wiped every "
                f"retention period, so the limit would reset early; set "
                f"RateLimit(retention={span:g}) or more (hashed keys are then kept that long)"
            )


_DEFAULT_BANS = Bans()

#: A refusal handler: ``(request, refusal) -> starlette Response`` (or ``None``: the default).
Handler = Callable[["Request", "Refusal"], Any]
#: Refusal texts: a mapping over :attr:`Refusal.TEXTS` keys, or a callable of the scope.
Texts = Mapping[str, str] | Callable[[Any], Mapping[str, str]]


@dataclass(frozen=True, slots=True, repr=False)
class RateLimit:
    """Per-client rate limiting, keyed by pseudonyms that rotate (opt-in).

    Pass as ``PrivacyMiddleware(app, rate_limit=RateLimit("120/minute", burst=30))``.
    The algorithm is GCRA: one timestamp per bucket, a smooth ``rate`` with up
    to ``burst`` requests at once.

    Args:
        rate: the site-wide limit: ``"120/minute"``, ``"10/second"``,
            ``"5 per minute"``, ``"10/minute;100/hour"`` (every part applies); a
            callable ``(scope, privacy) -> str | None`` for a rate per request
            (e.g. by plan), or ``None`` for no site-wide limit (only ``routes``
            and endpoint :class:`~privmw.Limit` rules).
        burst: requests allowed at once (default: the rate's count).
        key: what a bucket stands for: :meth:`Key.client` (default: the
            client's address group), :meth:`Key.header`, :meth:`Key.user`,
            :meth:`Key.cookie` or a callable ``(scope, privacy) -> str | None``
            (``None``: not limited). Only keyed hashes of it are stored.
        routes: :class:`Route` rules (path prefix or template, methods); the first match wins.
        exempt: path prefixes never limited (health checks, static files).
        exempt_keys: key values never limited (e.g. an internal service's API key).
        ipv4_group: leading bits that identify an IPv4 client (default 32).
        ipv6_group: leading bits that identify an IPv6 client (default 64: one
            /64 is one subscriber, who can pick any address inside it).
        retention: seconds after which the hash key is replaced and the table
            wiped (default 3 h); nothing in the table outlives it. Every rate's
            window (``burst × period / count``) must fit in it.
        max_clients: hard cap on tracked buckets (least recently used evicted).
        bans: :class:`Bans` settings, or ``None`` for no bans.
        allow: CIDR networks never limited (endpoint rules included).
        deny: CIDR networks refused (403) on every path not in ``exempt``;
            an address in both ``allow`` and ``deny`` is allowed.
        headers: send ``RateLimit``/``RateLimit-Policy`` on allowed responses.
        legacy_headers: also send ``X-RateLimit-Limit/Remaining/Reset``.
        backend: ``None`` for the in-process storage, or a
            :class:`~privmw.RedisBackend` shared by several processes.
        policy: the default policy's name in the headers (default ``"default"``).
        texts: the refusal page's texts: a mapping over :attr:`Refusal.TEXTS`
            keys (overrides), or a callable of the scope returning one (e.g. by
            ``Accept-Language``).
        handler: ``(request, refusal) -> Response`` building your own refusal
            (a Starlette ``Response``; ``None`` to use privmw's).
        clock: monotonic seconds for GCRA and bans (default: ``time.monotonic``
            in memory; with Redis, the server's ``TIME``). Inject one in tests.
        wall_clock: wall-clock seconds that align the hash-key epochs
            (default ``time.time``; several processes sharing a Redis secret
            agree on the epoch through it).

    Each process has its own in-memory storage: under ``uvicorn --workers 4`` a
    client gets up to 4× the rate. Use a Redis/Valkey ``backend`` to share it.

    References:
        draft-ietf-httpapi-ratelimit-headers; GCRA (ATM Forum TM 4.0, I.371);
        limits (rate-string notation).
    """

    rate: str | RateFunction | None = None
    burst: int | None = None
    key: Key | KeyFunction = field(default_factory=Key.client)
    routes: tuple[Route, ...] = ()
    exempt: tuple[str, ...] = ()
    exempt_keys: tuple[str, ...] = ()
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
    texts: Texts | None = field(default=None, compare=False)
    handler: Handler | None = field(default=None, compare=False)
    clock: Callable[[], float] | None = field(default=None, compare=False)
    wall_clock: Callable[[], float] | None = field(default=None, compare=False)
    rates: tuple[tuple[int, float], ...] = field(init=False, compare=False)
    count: int = field(init=False, compare=False)
    period: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        rate = self.rate
        rates = () if rate is None else check_rate("RateLimit", "rate", rate)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "count", rates[0][0] if rates else 0)
        object.__setattr__(self, "period", rates[0][1] if rates else 0.0)
        check_burst("RateLimit", self.burst)
        object.__setattr__(self, "key", as_key("RateLimit", "key", self.key))
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
        object.__setattr__(
            self, "exempt_keys", _strings("RateLimit", "exempt_keys", self.exempt_keys)
        )
        _check_group("ipv4_group", self.ipv4_group, 32)
        _check_group("ipv6_group", self.ipv6_group, 128)
        retention = check_seconds("RateLimit", "retention", self.retention)
        object.__setattr__(self, "retention", retention)
        if isinstance(rate, str):
            check_window("RateLimit", "rate", rate, rates, self.burst, retention)
        for route in routes:
            check_window("Route", "rate", route.rate, route.rates, route.burst, retention)
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
        check_name("RateLimit", "policy", self.policy)
        if self.texts is not None and not callable(self.texts):
            from .refusal import check_texts

            check_texts("RateLimit", "texts", self.texts)
        for name in ("handler", "clock", "wall_clock"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                what = "None or a function returning seconds"
                if name == "handler":
                    what = "None or a function (request, refusal) -> Response"
                fail("RateLimit", name, what, value)
        names = [self.policy] + [r.name or r.path for r in routes]
        if len(set(names)) != len(names):
            raise ConfigurationError(
                f"RateLimit: policy names must be unique, got {names!r}; give routes a name="
            )

    def __repr__(self) -> str:
        rate = self.rate
        parts = [_q(rate) if isinstance(rate, str) else repr(rate)]
        for name, default in _REPR_DEFAULTS.items():
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value!r}")
        return f"RateLimit({', '.join(parts)})"


_REPR_DEFAULTS: dict[str, object] = {
    "burst": None,
    "key": Key.client(),
    "routes": (),
    "exempt": (),
    "exempt_keys": (),
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
    "texts": None,
    "handler": None,
    "clock": None,
    "wall_clock": None,
}
