"""Keys: what a bucket stands for, read from the scope; hashed, never stored raw."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.authentication import SimpleUser, UnauthenticatedUser
from starlette.requests import Request

from privmw import ConfigurationError, Key, RateLimit
from privmw.ratelimit._limiter import Limiter
from privmw.ratelimit.keys import CLIENT_VALUE


def scope(headers: list[tuple[bytes, bytes]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": "/", "headers": headers or [], **extra}


class Account:
    """An app's own user object: ``identity`` as Starlette's BaseUser names it."""

    is_authenticated = True

    def __init__(self, ident: str) -> None:
        self.identity = ident


KEYS: list[tuple[str, Key, dict[str, Any], bytes | None]] = [
    ("header", Key.header("X-API-Key"), scope([(b"x-api-key", b"k-123")]), b"k-123"),
    ("header, any case", Key.header("X-API-Key"), scope([(b"X-Api-Key", b"k-1")]), b"k-1"),
    (
        "header, first line",
        Key.header("X-API-Key"),
        scope([(b"x-api-key", b"a"), (b"x-api-key", b"b")]),
        b"a",
    ),
    ("header, spaces", Key.header("X-API-Key"), scope([(b"x-api-key", b"  k  ")]), b"k"),
    ("header absent", Key.header("X-API-Key"), scope([(b"accept", b"*/*")]), None),
    ("header empty", Key.header("X-API-Key"), scope([(b"x-api-key", b"   ")]), None),
    (
        "header or client",
        Key.header("X-API-Key", fallback=Key.client()),
        scope([(b"x-api-key", b"")]),
        CLIENT_VALUE,
    ),
    ("cookie or user", Key.cookie("s", fallback=Key.user()), scope(user=SimpleUser("u")), b"u"),
    ("cookie", Key.cookie("session"), scope([(b"cookie", b"a=1; session=s3; b=2")]), b"s3"),
    (
        "cookie, second line",
        Key.cookie("session"),
        scope([(b"cookie", b"a=1"), (b"cookie", b"session=x")]),
        b"x",
    ),
    ("cookie, quoted", Key.cookie("session"), scope([(b"cookie", b'session="q"')]), b"q"),
    ("cookie, prefix only", Key.cookie("session"), scope([(b"cookie", b"sessionid=1")]), None),
    ("cookie absent", Key.cookie("session"), scope([(b"cookie", b"a=1")]), None),
    ("user (Starlette)", Key.user(), scope(user=SimpleUser("ann")), b"ann"),
    ("user (identity)", Key.user(), scope(user=Account("u-42")), b"u-42"),
    ("user in state", Key.user(), scope(state={"user": "bob"}), b"bob"),
    ("user anonymous", Key.user(), scope(user=UnauthenticatedUser()), None),
    ("user absent", Key.user(), scope(), None),
    ("user fallback", Key.user(fallback=Key.client()), scope(), CLIENT_VALUE),
    ("custom", Key.custom(lambda s, p: s["path"]), scope(), b"/"),
    ("custom None", Key.custom(lambda s, p: None), scope(), None),
    ("custom int", Key.custom(lambda s, p: 7), scope(), b"7"),
    (
        "request (slowapi style)",
        Key.request(lambda r: r.headers.get("x-k")),
        scope([(b"x-k", b"v")]),
        b"v",
    ),
    ("client", Key.client(), scope(), CLIENT_VALUE),
]


@pytest.mark.parametrize(("case", "key", "where", "expected"), KEYS, ids=[k[0] for k in KEYS])
def test_key_values(case: str, key: Key, where: dict[str, Any], expected: bytes | None) -> None:
    assert key.value(where, None) == expected


def test_a_plain_function_is_a_custom_key() -> None:
    def plan(scope: Any, privacy: Any) -> str:
        return "gold"

    limit = RateLimit("1/s", key=plan)
    assert isinstance(limit.key, Key)
    assert limit.key.value(scope(), None) == b"gold"
    assert (
        repr(limit.key)
        == f"Key.custom({__name__}.test_a_plain_function_is_a_custom_key.<locals>.plan)"
    )


def test_request_key_gets_a_starlette_request() -> None:
    seen: list[object] = []

    def key_func(request: Request) -> str:
        seen.append(request)
        return request.url.path

    assert Key.request(key_func).value(scope(server=("x", 80), scheme="http"), None) == b"/"
    assert isinstance(seen[0], Request)


def test_a_key_function_returning_something_odd_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="must return a str, bytes or None, got list"):
        Key.custom(lambda s, p: ["x"], name="odd").value(scope(), None)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: Key.header("X API Key"), "Key.header: name must be"),
        (lambda: Key.header(""), "Key.header: name must be"),
        (lambda: Key.cookie("a;b"), "Key.cookie: name must be"),
        (lambda: Key.user(fallback="client"), "Key.user: fallback must be"),  # type: ignore[arg-type]
        (lambda: Key.custom(42), "Key.custom: func must be"),  # type: ignore[arg-type]
        (lambda: Key.request(None), "Key.request: func must be"),  # type: ignore[arg-type]
    ],
)
def test_bad_keys_are_configuration_errors(make: Any, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        make()


def test_digests_separate_kinds_and_never_contain_the_value() -> None:
    limiter = Limiter(RateLimit("5/minute"))
    header, cookie = Key.header("X-K"), Key.cookie("X-K")
    one = limiter.key_digest(header, b"same")
    assert one == limiter.key_digest(header, b"same")
    assert one != limiter.key_digest(cookie, b"same")  # same text, another kind of key
    assert one != limiter.key_digest(header, b"other")
    assert b"same" not in one
    # No key value can hash like an address group: the inputs differ in their first byte.
    packed = (4 << 32 | 0xC0000201).to_bytes(5, "big")
    assert limiter.client_key((4, 0xC0000201)) != limiter.key_digest(header, packed)


HOSTILE = st.lists(
    st.tuples(
        st.sampled_from([b"cookie", b"Cookie", b"x-api-key", b"X-API-KEY", b"accept", b""]),
        st.binary(max_size=300),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(HOSTILE, st.one_of(st.none(), st.text(max_size=20), st.integers(), st.binary(max_size=10)))
def test_builtin_keys_never_raise_on_hostile_input(
    headers: list[tuple[bytes, bytes]], user: object
) -> None:
    where = scope(headers, user=user, state={"user": user})
    for key in (Key.header("X-API-Key"), Key.cookie("session"), Key.user(), Key.client()):
        value = key.value(where, None)
        assert value is None or isinstance(value, bytes)
        if value is not None and value is not CLIENT_VALUE:
            assert value  # empty values mean "not limited", never b""
