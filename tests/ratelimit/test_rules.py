from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import Bans, ConfigurationError, RateLimit, RedisBackend, Route
from privmw._netset import NetSet
from privmw.ratelimit.rules import parse_rate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120/minute", (120, 60.0)),
        ("10/second", (10, 1.0)),
        ("5000/hour", (5000, 3600.0)),
        ("1000/day", (1000, 86400.0)),
        ("10/s", (10, 1.0)),
        ("5/min", (5, 60.0)),
        ("3/hours", (3, 3600.0)),
        (" 7 / Minutes ", (7, 60.0)),
        ("100/5minutes", (100, 300.0)),
        ("2/d", (2, 86400.0)),
    ],
)
def test_parse_rate_accepted_forms(text: str, expected: tuple[int, float]) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize(
    "text", ["120 per min", "120", "/minute", "0/minute", "5/0minutes", "5/fortnight", "-1/s", ""]
)
def test_parse_rate_errors_name_value_and_forms(text: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        RateLimit(text)
    message = str(info.value)
    assert message.startswith("RateLimit: rate")
    assert repr(text) in message
    assert '"N/minute"' in message


def test_rate_must_be_a_string() -> None:
    with pytest.raises(ConfigurationError, match="must be a string"):
        RateLimit(120)  # type: ignore[arg-type]


def test_repr_is_readable() -> None:
    assert repr(RateLimit("120/minute", burst=30)) == 'RateLimit("120/minute", burst=30)'
    assert repr(RateLimit("1/s")) == 'RateLimit("1/s")'
    route = Route("/login", "5/minute", methods=("post",))
    assert repr(route) == 'Route("/login", "5/minute", methods=(\'POST\',))'
    assert "routes=(Route(" in repr(RateLimit("1/s", routes=(route,)))


def test_config_is_frozen_and_parsed() -> None:
    limit = RateLimit("120/minute", burst=30)
    assert (limit.count, limit.period) == (120, 60.0)
    with pytest.raises(AttributeError):
        limit.rate = "1/s"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"burst": 0}, "burst"),
        ({"burst": True}, "burst"),
        ({"ipv4_group": 0}, "ipv4_group"),
        ({"ipv6_group": 129}, "ipv6_group"),
        ({"retention": -1}, "retention"),
        ({"max_clients": 0}, "max_clients"),
        ({"allow": "10.0.0.0/8"}, "allow"),
        ({"deny": ["not-a-net"]}, "deny entries must be IP addresses or CIDR networks"),
        ({"exempt": ["health"]}, "exempt"),
        ({"routes": ["/login"]}, "routes"),
        ({"bans": 5}, "bans"),
        ({"headers": "yes"}, "headers"),
        ({"backend": "redis://x"}, "backend"),
        ({"policy": "bad\n"}, "policy"),
        ({"routes": (Route("/a", "1/s", name="default"),)}, "unique"),
    ],
)
def test_ratelimit_validation(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match="RateLimit: ") as info:
        RateLimit("10/second", **kwargs)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_route_validation() -> None:
    with pytest.raises(ConfigurationError, match="Route: path"):
        Route("login", "5/minute")
    with pytest.raises(ConfigurationError, match="Route: rate must look like"):
        Route("/login", "5 a minute")
    with pytest.raises(ConfigurationError, match="Route: methods"):
        Route("/login", "5/minute", methods="POST")  # type: ignore[arg-type]


def test_bans_validation() -> None:
    with pytest.raises(ConfigurationError, match="Bans: after"):
        Bans(after=0)
    with pytest.raises(ConfigurationError, match="Bans: max_time"):
        Bans(base=100, max_time=10)
    with pytest.raises(ConfigurationError, match="Bans: jitter"):
        Bans(jitter=2)
    with pytest.raises(ConfigurationError, match="Bans: findtime"):
        Bans(findtime=0)


def test_redis_backend_validation_and_repr_hides_secret() -> None:
    secret = "s" * 32
    backend = RedisBackend("redis://127.0.0.1:6379/0", secret=secret)
    assert secret not in repr(backend)
    assert secret not in repr(RateLimit("1/s", backend=backend))
    with pytest.raises(ConfigurationError, match="secret"):
        RedisBackend("redis://127.0.0.1", secret="short")
    with pytest.raises(ConfigurationError, match="url"):
        RedisBackend("127.0.0.1:6379", secret=secret)
    with pytest.raises(ConfigurationError, match="timeout"):
        RedisBackend("redis://x", secret=secret, timeout=0)


def test_networks_match_v4_v6_and_mapped() -> None:
    nets = NetSet(["10.0.0.0/8", "2001:db8::/32", "::ffff:192.0.2.0/120"], owner="T", option="o")
    assert (4, 0x0A010203) in nets
    assert (4, 0x0B010203) not in nets
    assert (6, 0x20010DB8 << 96 | 1) in nets
    assert (6, 0x20010DB9 << 96) not in nets
    assert (4, 0xC0000207) in nets
    assert not NetSet([], owner="T", option="o")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_rate_string_parses_or_raises_configuration_error(text: str) -> None:
    message = ""
    try:
        count, period = parse_rate(text)
    except ConfigurationError as exc:
        message = str(exc)
    if message:
        assert repr(text) in message
    else:
        assert count >= 1
        assert period >= 1
