from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import Bans, ConfigurationError, Key, Limit, RateLimit, RedisBackend, Route
from privmw._netset import NetSet
from privmw.ratelimit.rules import compile_template, parse_rate, parse_rates


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


#: The limits notation (slowapi, flask-limiter) and privmw's own, as users write them.
GRAMMAR: list[tuple[str, tuple[tuple[int, float], ...]]] = [
    ("5/minute", ((5, 60.0),)),
    ("5 per minute", ((5, 60.0),)),
    ("5 PER Minute", ((5, 60.0),)),
    ("5per minute", ((5, 60.0),)),
    ("2 per 30 seconds", ((2, 30.0),)),
    ("2/30 seconds", ((2, 30.0),)),
    ("100/day", ((100, 86400.0),)),
    ("100 per day", ((100, 86400.0),)),
    ("1000/month", ((1000, 30 * 86400.0),)),
    ("3 per year", ((3, 360 * 86400.0),)),
    ("10/minute;100/hour", ((10, 60.0), (100, 3600.0))),
    ("10/minute, 100/hour", ((10, 60.0), (100, 3600.0))),
    ("10 per minute|100 per hour|1000 per day", ((10, 60.0), (100, 3600.0), (1000, 86400.0))),
    ("1/s;10/10s", ((1, 1.0), (10, 10.0))),
    ("120 per min", ((120, 60.0),)),
    ("1000000/second", ((1_000_000, 1.0),)),
]


@pytest.mark.parametrize(("text", "expected"), GRAMMAR)
def test_rate_grammar_limits_notation_and_several_limits(
    text: str, expected: tuple[tuple[int, float], ...]
) -> None:
    assert parse_rates(text) == expected
    assert RateLimit(text, retention=400 * 86400).rates == expected


#: Refused, with the fragment the message must carry (besides the value itself).
REFUSED: list[tuple[str, str]] = [
    ("120 pr min", '"N/minute"'),
    ("120", '"N/minute"'),
    ("/minute", '"N/minute"'),
    ("0/minute", "at least 1"),
    ("5/0minutes", "at least 1"),
    ("5/fortnight", '"N/minute"'),
    ("-1/s", '"N/minute"'),
    ("", '"N/minute"'),
    ("10/minute;", '"N/minute"'),
    (";10/minute", '"N/minute"'),
    ("10/minute;;1/s", '"N/minute"'),
    ("5 per", '"N/minute"'),
    ("5 per minute per hour", '"N/minute"'),
    ("10/minute;20/minute", "at most one limit per window"),
    ("5/minuts", "did you mean 'minutes'?"),
    ("2000000/second", "at most 1000000/second"),
    ("1/s" + ";1/s" * 100, "at most 256 characters"),
]


@pytest.mark.parametrize(("text", "fragment"), REFUSED)
def test_rate_grammar_refusals_name_value_and_fix(text: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        RateLimit(text)
    message = str(info.value)
    assert message.startswith("RateLimit: rate")
    assert repr(text) in message or repr(text[:40]) in message
    assert fragment in message


def test_rule_rates_use_the_same_grammar() -> None:
    with pytest.raises(ConfigurationError, match=r"^Route: rate must look like"):
        Route("/x", "5 a minute")
    with pytest.raises(ConfigurationError, match=r"^Limit: rate must look like"):
        Limit("5 a minute")
    assert Route("/x", "5 per minute;50/hour").rates == ((5, 60.0), (50, 3600.0))
    assert Limit("5 per minute;50/hour").rates == ((5, 60.0), (50, 3600.0))


def test_a_window_longer_than_retention_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError) as info:
        RateLimit("100/day")
    message = str(info.value)
    assert "'100/day'" in message
    assert "retention (10800 s)" in message
    assert "RateLimit(retention=86400)" in message
    assert RateLimit("100/day", retention=86400).retention == 86400
    # The window is burst × period / count: a small burst fits a long period.
    assert RateLimit("100/day", burst=10, retention=3 * 3600).rates == ((100, 86400.0),)
    with pytest.raises(ConfigurationError, match="Route: rate '5/day'"):
        RateLimit("1/s", routes=(Route("/login", "5/day"),))


@pytest.mark.parametrize(
    ("template", "matches", "misses"),
    [
        ("/items/{item_id}", ["/items/1", "/items/abc"], ["/items", "/items/", "/items/1/x"]),
        ("/items/{item_id:int}", ["/items/12"], ["/items/a1", "/items/12/"]),
        ("/files/{rest:path}", ["/files/a/b/c", "/files/"], ["/file"]),
        ("/u/{user}/posts/{post}", ["/u/ann/posts/7"], ["/u/ann/posts", "/u//posts/7"]),
        ("/a.b/{x}", ["/a.b/1"], ["/aXb/1"]),
    ],
)
def test_route_templates_match_like_starlette(
    template: str, matches: list[str], misses: list[str]
) -> None:
    from starlette.routing import compile_path

    pattern = compile_template("Route", template)
    assert pattern is not None
    starlette, _, _ = compile_path(template)
    for path in matches + misses:
        # Starlette's own router is the oracle for what a template matches.
        assert bool(pattern.fullmatch(path)) == bool(starlette.match(path)), path
        assert bool(pattern.fullmatch(path)) == (path in matches), path
    assert compile_template("Route", "/plain/prefix") is None


@pytest.mark.parametrize("template", ["/items/{item id}", "/x/{y:nope}", "/x/{a}}", "/x/{"])
def test_bad_route_templates_are_refused(template: str) -> None:
    with pytest.raises(ConfigurationError, match="Route: path must be"):
        Route(template, "1/s")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"cost": -1}, "cost must be an int >= 0"),
        ({"cost": 1.5}, "cost must be an int >= 0"),
        ({"key": "X-API-Key"}, "key must be a privmw.Key"),
        ({"group": ""}, "group must be a non-empty printable ASCII"),
        ({"name": "bad\n"}, "name must be a non-empty printable ASCII"),
        ({"burst": 0}, "burst"),
        ({"exempt_keys": "abc"}, "exempt_keys"),
    ],
)
def test_limit_validation(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^Limit: ") as info:
        Limit("5/minute", **kwargs)  # type: ignore[arg-type]
    assert fragment.replace("\\n", "\n") in str(info.value)


def test_route_options_key_cost_group() -> None:
    route = Route("/search", "10/minute", key=Key.header("X-API-Key"), cost=2, group="search")
    assert route.cost == 2
    assert repr(route) == (
        "Route(\"/search\", \"10/minute\", key=Key.header('X-API-Key'), cost=2, group='search')"
    )
    with pytest.raises(ConfigurationError, match="Route: cost"):
        Route("/search", "10/minute", cost=-2)
    with pytest.raises(ConfigurationError, match="Route: key"):
        Route("/search", "10/minute", key=42)  # type: ignore[arg-type]


def test_ratelimit_without_a_site_wide_rate() -> None:
    limit = RateLimit()
    assert (limit.rate, limit.rates, repr(limit)) == (None, (), "RateLimit(None)")
    assert RateLimit(lambda scope, privacy: "5/minute").rates == ()


def test_ratelimit_new_options_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="RateLimit: handler"):
        RateLimit("1/s", handler="not callable")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="RateLimit: texts keys"):
        RateLimit("1/s", texts={"quota.titel": "x"})
    with pytest.raises(ConfigurationError, match=r"did you mean 'quota\.title'"):
        RateLimit("1/s", texts={"quota.titel": "x"})
    with pytest.raises(ConfigurationError, match=r"RateLimit: texts\['retry'\]"):
        RateLimit("1/s", texts={"retry": "in {when}"})
    with pytest.raises(ConfigurationError, match="RateLimit: exempt_keys"):
        RateLimit("1/s", exempt_keys="secret")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="RateLimit: key"):
        RateLimit("1/s", key="client")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="RateLimit: clock"):
        RateLimit("1/s", clock=3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text", ["120 pr min", "120", "/minute", "0/minute", "5/0minutes", "5/fortnight", "-1/s", ""]
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
