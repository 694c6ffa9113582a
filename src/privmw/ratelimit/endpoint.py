"""Per-endpoint limits next to the route: a FastAPI dependency and a Starlette decorator.

:class:`Limit` is one rule (rates, key, cost, group). As a FastAPI dependency,
``Depends(Limit("5/minute"))``, it runs before the endpoint; as a decorator,
``@limit("5/minute")``, it wraps a Starlette endpoint. Either way it is
evaluated by the middleware's limiter and storage, on the ticket the
middleware left in the scope (so the client's address group is known as a
keyed hash only), and its fields join the middleware's in one
``RateLimit``/``RateLimit-Policy`` pair.

A refusal raises :class:`RateLimitExceeded`. ``PrivacyMiddleware`` answers it
(problem+json, or the HTML page for a browser, or ``RateLimit(handler=...)``);
an app that registers a Starlette exception handler for it answers it itself,
as with slowapi's ``RateLimitExceeded``.

Buckets are per route (its template, under the ``root_path`` of its mount):
``/items/1`` and ``/items/2`` share the limit of ``/items/{item_id}``; each
rate has its own bucket there. A ``group`` name shares buckets between every
rule of that group.

References:
    slowapi ``Limiter.limit`` and ``shared_limit``; fastapi-limiter
    ``RateLimiter``; FastAPI dependencies (``HTTPConnection`` parameters).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from privmw._validate import fail

from ._limiter import SCOPE_KEY, Ticket
from .keys import Key, KeyFunction, as_key
from .refusal import _PROBLEMS, Refusal
from .rules import (
    RateFunction,
    _q,
    check_burst,
    check_cost,
    check_name,
    check_rate,
)

__all__ = ["Limit", "RateLimitExceeded", "limit"]


class RateLimitExceeded(Exception):
    """An endpoint rule refused the request; ``.refusal`` says why and until when.

    ``PrivacyMiddleware`` turns it into the 429 (or 503) response; register a
    Starlette/FastAPI exception handler for it to answer yourself.
    """

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        names = ", ".join(refusal.policies) or refusal.kind
        super().__init__(f"rate limit exceeded ({names}); retry after {refusal.retry_after} s")


class RefusedInMountedApp(RateLimitExceeded, HTTPException):
    """A :class:`RateLimitExceeded` that a mounted app's own exception handling answers.

    Raised instead of the plain one when the endpoint runs in a Starlette or
    FastAPI app that the middleware is not inside (``app.mount("/v1", api)``, or
    ``PrivacyMiddleware(app)`` wrapping it): that app's ``ServerErrorMiddleware``
    turns any exception that leaves it into a 500, so the refusal must be
    answered in there. As an ``HTTPException`` it is: by that app's handler for
    ``RateLimitExceeded`` if it has one, else by its ``HTTPException`` handler,
    with status 429 (or 503) and the refusal's ``Retry-After`` and ``RateLimit``
    fields (the body is that handler's, e.g. FastAPI's ``{"detail": ...}``).
    """

    def __init__(self, refusal: Refusal) -> None:
        RateLimitExceeded.__init__(self, refusal)
        headers = refusal.headers
        headers["cache-control"] = "no-store"
        # HTTPException's fields, set directly: its __init__ would reset args.
        self.status_code = refusal.status
        self.detail = _PROBLEMS[refusal.kind][1]
        self.headers = headers


def _ticket(scope: Any, owner: str) -> Ticket:
    ticket = scope.get(SCOPE_KEY)
    if not isinstance(ticket, Ticket):
        raise RuntimeError(
            f"privmw.{owner}: no rate limiter on this request; add "
            "app.add_middleware(privmw.PrivacyMiddleware, rate_limit=privmw.RateLimit(...)) "
            "(RateLimit() with no site-wide rate when only endpoints are limited)"
        )
    return ticket


class Limit:
    """A rate limit on one endpoint (or a group of them).

    FastAPI::

        @app.get("/search", dependencies=[Depends(Limit("10/minute;100/hour"))])

    Starlette: ``@limit(...)`` (see :func:`limit`). Inside an endpoint, charge a
    cost known only there with ``await search_limit.hit(request, cost=5)``.

    Args:
        rate: like :class:`~privmw.RateLimit`'s ``rate``: ``"5/minute"``,
            ``"5 per minute"``, ``"10/minute;100/hour"`` (every part applies), or a
            callable ``(scope, privacy) -> str | None`` evaluated per request (a
            plan tier read from ``scope["state"]``), its parsed form cached.
        key: what a bucket stands for (default: the ``RateLimit``'s key, the
            client's address group); :class:`~privmw.Key` or a callable.
        cost: units one request takes (default 1).
        burst: requests allowed at once (default: each rate's count).
        name: the policy name in the fields (default: the group, else the route template).
        group: share buckets with every rule of this group name (slowapi's
            ``shared_limit``).
        exempt_keys: key values this rule never limits.

    References:
        draft-ietf-httpapi-ratelimit-headers (several policies in one field).
    """

    __slots__ = (
        "burst",
        "cost",
        "dynamic",
        "exempt_keys",
        "exempt_values",
        "group",
        "key",
        "name",
        "rate",
        "rate_text",
        "rates",
    )

    def __init__(
        self,
        rate: str | RateFunction,
        *,
        key: Key | KeyFunction | None = None,
        cost: int = 1,
        burst: int | None = None,
        name: str | None = None,
        group: str | None = None,
        exempt_keys: tuple[str, ...] = (),
    ) -> None:
        self.rates = check_rate("Limit", "rate", rate)
        self.rate = rate
        self.dynamic: Callable[[Any, Any], object] | None = None if isinstance(rate, str) else rate
        self.rate_text = rate if isinstance(rate, str) else ""
        self.key = None if key is None else as_key("Limit", "key", key)
        self.cost = check_cost("Limit", cost)
        check_burst("Limit", burst)
        self.burst = burst
        self.name = None if name is None else check_name("Limit", "name", name)
        self.group = None if group is None else check_name("Limit", "group", group)
        if isinstance(exempt_keys, (str, bytes)) or not all(
            isinstance(k, str) for k in exempt_keys
        ):
            fail("Limit", "exempt_keys", "a sequence of strings", exempt_keys)
        self.exempt_keys = tuple(exempt_keys)
        self.exempt_values = frozenset(k.encode("utf-8", "surrogatepass") for k in exempt_keys)

    def __repr__(self) -> str:
        rate = self.rate
        parts = [_q(rate) if isinstance(rate, str) else repr(rate)]
        for name, default in (
            ("key", None),
            ("cost", 1),
            ("burst", None),
            ("name", None),
            ("group", None),
            ("exempt_keys", ()),
        ):
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value!r}")
        return f"Limit({', '.join(parts)})"

    async def __call__(self, connection: HTTPConnection) -> None:
        """The FastAPI dependency: one step of this rule for the request."""
        scope = connection.scope
        ticket = scope.get(SCOPE_KEY)
        if type(ticket) is not Ticket:
            ticket = _ticket(scope, "Limit")
        limiter = ticket.limiter
        if limiter.is_async:
            await limiter.acheck_endpoint(ticket, self, scope)
        else:  # the in-memory storage: no await on the request path
            limiter.check_endpoint(ticket, self, scope)

    async def hit(self, connection: HTTPConnection, *, cost: int | None = None) -> None:
        """Charge ``cost`` (default: the rule's) for this request.

        Raises:
            RateLimitExceeded: over the limit (or banned).
            RuntimeError: ``PrivacyMiddleware`` with a ``RateLimit`` is not
                installed in front of the app (a set-up error).
        """
        if cost is not None:
            check_cost("Limit.hit", cost)
        scope = connection.scope
        ticket = _ticket(scope, "Limit")
        limiter = ticket.limiter
        if limiter.is_async:
            await limiter.acheck_endpoint(ticket, self, scope, cost)
        else:
            limiter.check_endpoint(ticket, self, scope, cost)


def _connection(args: tuple[Any, ...], kwargs: dict[str, Any]) -> HTTPConnection:
    for value in (*args, *kwargs.values()):
        if isinstance(value, HTTPConnection):
            return value
    raise TypeError(
        "privmw.limit: the endpoint was called without a Request; give it a "
        "`request: Request` parameter, or use Depends(Limit(...)) in FastAPI"
    )


def limit(
    rate: str | RateFunction | Limit, **options: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a Starlette endpoint (a function or method taking the request) with a limit.

    ::

        @limit("5/minute", key=Key.user(fallback=Key.client()))
        async def login(request: Request) -> Response: ...

    ``rate`` and ``options`` are :class:`Limit`'s, or pass a :class:`Limit` (one
    object on several endpoints with ``group=`` shares its buckets). A
    synchronous endpoint still runs in the thread pool, as Starlette runs it.
    """
    if isinstance(rate, Limit):
        if options:
            fail("limit", "options", "none when a Limit is given", sorted(options))
        rule = rate
    else:
        rule = Limit(rate, **options)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(func):
            fail("limit", "endpoint", "a function", func)
        is_async = inspect.iscoroutinefunction(func)

        @functools.wraps(func)
        async def limited(*args: Any, **kwargs: Any) -> Any:
            await rule.hit(_connection(args, kwargs))
            if is_async:
                return await func(*args, **kwargs)
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(func, *args, **kwargs)

        limited.__privmw_limit__ = rule  # type: ignore[attr-defined]
        return limited

    return decorate
