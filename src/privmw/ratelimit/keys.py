"""What a rate-limit bucket stands for: the client's address group, a header, a user, a cookie.

A key is evaluated per request, on the request's scope and its
:class:`~privmw.PrivacyContext` (``request.state.privacy``), and gives a value
or ``None`` (that rule does not limit this request). The limiter stores only a
keyed hash of ``namespace + value`` under the rotating key, never the value
itself: an API key, a user id or a session cookie is as invisible in the table,
in Redis and in logs as an address is. The namespace keeps keys of different
kinds apart (the same text as a header and as a cookie are two keys), and the
address group is hashed with its own marker so no other key can collide with it.

Built-in keys read the scope directly (no ``Request`` object is built); they
never raise on malformed input (a missing or empty value is ``None``).

References:
    RFC 9110 section 5.3 (field lines), RFC 6265 section 5.4 (the ``Cookie``
    header); Starlette ``AuthenticationMiddleware`` (``scope["user"]``);
    slowapi ``key_func`` (a function of the request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from privmw._validate import fail

__all__ = ["Key"]

#: A key as a plain function: ``(scope, privacy) -> str | bytes | None`` (an int is
#: taken as its decimal text).
KeyFunction = Callable[[Any, Any], object]

#: The value a key gives to mean "the client's address group" (a fallback).
CLIENT_VALUE = b"\x00client"

_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _value(result: object, owner: str) -> bytes | None:
    """A key function's result as bytes (``None`` and empty mean "not limited")."""
    if result is None:
        return None
    if isinstance(result, bytes):
        return result or None
    if isinstance(result, str):
        return result.encode("utf-8", "surrogatepass") or None
    if isinstance(result, int) and not isinstance(result, bool):
        return b"%d" % result
    raise TypeError(f"{owner} must return a str, bytes or None, got {type(result).__name__}")


class Key:
    """What one bucket stands for: ``RateLimit(key=...)``, ``Route(key=...)``, ``Limit(key=...)``.

    Use the constructors: :meth:`client` (the default), :meth:`header`,
    :meth:`user`, :meth:`cookie`, :meth:`request` (a slowapi-style
    ``key_func(request)``) or :meth:`custom`; a plain function
    ``(scope, privacy) -> str | None`` passed as ``key=`` becomes
    ``Key.custom(function)``.
    """

    __slots__ = ("_func", "_label", "kind", "namespace")

    def __init__(
        self,
        kind: str,
        namespace: str,
        func: Callable[[Any, Any], bytes | None] | None,
        label: str,
    ) -> None:
        self.kind = kind
        #: Mixed into the hash, so keys of different kinds never share a bucket.
        self.namespace = namespace.encode("utf-8", "surrogatepass")
        self._func = func
        self._label = label

    @property
    def is_client(self) -> bool:
        """Whether this key is the client's address group (computed by the limiter)."""
        return self._func is None

    def value(self, scope: Any, privacy: Any) -> bytes | None:
        """The key's value for a request; ``None``: not limited by this rule.

        :data:`CLIENT_VALUE` means "the client's address group" (a fallback).
        """
        func = self._func
        if func is None:
            return CLIENT_VALUE
        return func(scope, privacy)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        return (self.kind, self.namespace, self._label) == (
            other.kind,
            other.namespace,
            other._label,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.namespace, self._label))

    def __repr__(self) -> str:
        return self._label

    # -- the built-ins -------------------------------------------------------------

    @classmethod
    def client(cls) -> Key:
        """The client's address, grouped (``ipv4_group``/``ipv6_group``): the default.

        The full address is resolved through ``trusted_proxies`` and hashed
        before it is dropped; a request without an IP address is not limited.
        """
        return cls("client", "client", None, "Key.client()")

    @classmethod
    def header(cls, name: str, *, fallback: Key | None = None) -> Key:
        """An HTTP request header's value, e.g. ``Key.header("X-API-Key")``.

        The first field line of that name. Absent or empty: ``fallback`` (e.g.
        ``Key.client()``: "the API key, else the address"), or not limited.
        """
        if not isinstance(name, str) or not name or not set(name) <= _TOKEN:
            fail("Key.header", "name", 'a header name like "X-API-Key"', name)
        _check_fallback("Key.header", fallback)
        wanted = name.lower().encode("ascii")

        def header(scope: Any, privacy: Any) -> bytes | None:
            for key, value in scope.get("headers") or ():
                if key == wanted or key.lower() == wanted:
                    found = bytes(value).strip()
                    if found:
                        return found
                    break
            return None if fallback is None else fallback.value(scope, privacy)

        label = f"Key.header({name!r}{_fallback_label(fallback)})"
        return cls("header", "header:" + name.lower(), header, label)

    @classmethod
    def cookie(cls, name: str, *, fallback: Key | None = None) -> Key:
        """A cookie's value, e.g. ``Key.cookie("session")``.

        Absent or empty: ``fallback``, or not limited. Meant for a session
        cookie the app signs or looks up server-side: an unsigned cookie is
        chosen by the client, who can send a new one per request, so pair it
        with a client-keyed rule.
        """
        if not isinstance(name, str) or not name or not set(name) <= _TOKEN:
            fail("Key.cookie", "name", 'a cookie name like "session"', name)
        _check_fallback("Key.cookie", fallback)
        wanted = name.encode("ascii")

        def cookie(scope: Any, privacy: Any) -> bytes | None:
            for key, value in scope.get("headers") or ():
                if key == b"cookie" or key.lower() == b"cookie":
                    for pair in bytes(value).split(b";"):
                        found, eq, found_value = pair.strip().partition(b"=")
                        if eq and found.strip() == wanted:
                            found_value = found_value.strip().strip(b'"')
                            if found_value:
                                return found_value
            return None if fallback is None else fallback.value(scope, privacy)

        label = f"Key.cookie({name!r}{_fallback_label(fallback)})"
        return cls("cookie", "cookie:" + name, cookie, label)

    @classmethod
    def user(cls, *, fallback: Key | None = None) -> Key:
        """The authenticated user: ``scope["user"]``, else ``scope["state"]["user"]``.

        Starlette's ``AuthenticationMiddleware`` sets ``scope["user"]``. It must
        have run when the key is read: outside ``PrivacyMiddleware`` (added
        after it) for a middleware rule, or anywhere for an endpoint
        :class:`~privmw.Limit` (endpoint rules run inside the app, after every
        middleware; a FastAPI auth dependency may also set ``request.state.user``
        before the limit). The value is the user's ``identity``, else its
        ``display_name``, else ``str(user)``. Anonymous users (not
        authenticated, or none): not limited by this rule, unless ``fallback``
        (e.g. ``Key.client()``) says what to use instead.
        """
        _check_fallback("Key.user", fallback)

        def user(scope: Any, privacy: Any) -> bytes | None:
            found = scope.get("user")
            if found is None:
                state = scope.get("state")
                found = state.get("user") if isinstance(state, dict) else None
            ident = _user_id(found)
            if ident is None and fallback is not None:
                return fallback.value(scope, privacy)
            return ident

        label = "Key.user(" + _fallback_label(fallback).lstrip(", ") + ")"
        return cls("user", "user", user, label)

    @classmethod
    def request(cls, func: Callable[[Any], object], *, name: str | None = None) -> Key:
        """A slowapi-style ``key_func(request)``, called with a Starlette ``Request``.

        Costs building a ``Request`` per call. Note that under privmw
        ``request.client.host`` is the *truncated* address: for a per-client
        limit use :meth:`client` instead of slowapi's ``get_remote_address``.
        """
        if not callable(func):
            fail("Key.request", "func", "a function of the request", func)
        label = name or _qualname(func)

        def request(scope: Any, privacy: Any) -> bytes | None:
            from starlette.requests import HTTPConnection, Request

            conn = Request(scope) if scope.get("type") == "http" else HTTPConnection(scope)
            return _value(func(conn), f"key function {label}")

        return cls("request", "fn:" + label, request, f"Key.request({label})")

    @classmethod
    def custom(cls, func: KeyFunction, *, name: str | None = None) -> Key:
        """A function ``(scope, privacy) -> str | bytes | None``.

        ``name`` (default: the function's module and qualified name) keeps its
        keys apart from other keys' and must be the same in every process.
        """
        if not callable(func):
            fail("Key.custom", "func", "a function (scope, privacy) -> str | None", func)
        label = name or _qualname(func)

        def custom(scope: Any, privacy: Any) -> bytes | None:
            return _value(func(scope, privacy), f"key function {label}")

        return cls("custom", "fn:" + label, custom, f"Key.custom({label})")


def _check_fallback(owner: str, fallback: object) -> None:
    if fallback is not None and not isinstance(fallback, Key):
        fail(owner, "fallback", "None or a Key, e.g. Key.client()", fallback)


def _fallback_label(fallback: Key | None) -> str:
    return "" if fallback is None else f", fallback={fallback!r}"


def _qualname(func: Callable[..., object]) -> str:
    module = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{qualname}" if module else qualname


def _user_id(user: object) -> bytes | None:
    """The identity of a Starlette ``BaseUser`` (or any object); ``None`` for anonymous."""
    if user is None:
        return None
    if isinstance(user, (str, bytes, int)):
        return _value(user, "user")
    try:
        if not getattr(user, "is_authenticated", True):
            return None
    except NotImplementedError:
        return None
    for attribute in ("identity", "display_name"):
        try:
            ident = getattr(user, attribute)
        except (AttributeError, NotImplementedError):
            continue
        if isinstance(ident, (str, bytes, int)) and not isinstance(ident, bool):
            return _value(ident, "user")
    return _value(str(user), "user")


def as_key(owner: str, option: str, key: object) -> Key:
    """A :class:`Key` from a ``key=`` option (a plain function becomes ``Key.custom``)."""
    if isinstance(key, Key):
        return key
    if callable(key):
        return Key.custom(key)
    fail(owner, option, "a privmw.Key (Key.client(), Key.header(...)) or a function", key)
