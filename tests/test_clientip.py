"""Trusted-proxy resolution, RFC 7239 parsing and truncation, as tables."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import ConfigurationError, truncate_ip
from privmw.clientip import (
    Truncator,
    TrustedProxies,
    format_ip,
    parse_forwarded,
    parse_ip,
    parse_node,
    resolve_client,
)

LOOPBACK = TrustedProxies(["127.0.0.1", "::1"])
PROXIES = TrustedProxies(["127.0.0.1", "::1", "10.0.0.0/8", "2001:db8:ffff::/48"])

V6_QUOTED_PORT = 'for="[2001:db8:cafe::17]:4711"'
V6_MAPPED = "::ffff:198.51.100.7"
NAT64 = "64:ff9b::203.0.113.77"
SIX_TO_FOUR = "2002:cb00:714d::1"  # 2002:<203.0.113.77>::1
TEREDO = "2001:0:4136:e378:8000:63bf:3fff:fdd2"  # server 65.54.227.120, client 192.0.2.45
HUGE = ", ".join(["1.1.1.1"] * 1000)  # about 8 KB


def addr(text: str) -> tuple[int, int]:
    parsed = parse_ip(text)
    assert parsed is not None, text
    return parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9:4711", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        (V6_MAPPED, "198.51.100.7"),
        ("[::ffff:198.51.100.7]:80", "198.51.100.7"),
    ],
)
def test_parse_ip_accepts_what_servers_send(text: str, expected: str) -> None:
    assert format_ip(addr(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3",
        "01.2.3.4",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "2001:db8:::1",
        "１.２.３.４",  # full-width digits
        "1.2.3.4\x00",
        "unknown",
        "_hidden",
        ":",
        "[]",
    ],
)
def test_parse_ip_rejects_garbage(text: str) -> None:
    assert parse_ip(text) is None


@pytest.mark.parametrize(
    ("text", "v4", "v6", "expected"),
    [
        ("203.0.113.9", 24, 48, "203.0.113.0"),
        ("203.0.113.9", 16, 48, "203.0.0.0"),
        ("203.0.113.9", 32, 48, "203.0.113.9"),
        ("203.0.113.9", 0, 48, "0.0.0.0"),
        ("2001:db8:1:2:3:4:5:6", 24, 48, "2001:db8:1::"),
        ("2001:db8:1:2:3:4:5:6", 24, 64, "2001:db8:1:2::"),
        ("2001:db8:1:2:3:4:5:6", 24, 0, "::"),
        (V6_MAPPED, 24, 48, "198.51.100.0"),
        (V6_MAPPED, 24, 128, "198.51.100.0"),
        # Embedded IPv4 never keeps more than ipv4_prefix bits, whatever ipv6_prefix says.
        (NAT64, 24, 128, "64:ff9b::cb00:7100"),
        (NAT64, 24, 48, "64:ff9b::"),
        (SIX_TO_FOUR, 24, 48, "2002:cb00:7100::"),
        (SIX_TO_FOUR, 16, 128, "2002:cb00::1"),
        (TEREDO, 24, 48, "2001:0:4136::"),
        (TEREDO, 24, 128, "2001:0:4136:e300::3fff:fd00"),
        ("::203.0.113.77", 24, 128, "::203.0.113.0"),
        ("64:ff9b:1:2:3:4:5:6", 24, 128, "64:ff9b:1::"),
        ("::1", 24, 48, "::"),
    ],
)
def test_truncation(text: str, v4: int, v6: int, expected: str) -> None:
    assert truncate_ip(text, v4, v6) == expected


def test_embedded_ipv4_does_not_survive_default_truncation() -> None:
    for text, inner in [
        (NAT64, "203.0.113.77"),
        (SIX_TO_FOUR, "203.0.113.77"),
        (V6_MAPPED, "198.51.100.7"),
    ]:
        out = truncate_ip(text)
        assert out is not None
        value = int(ipaddress.ip_address(out))
        packed_inner = int(ipaddress.ip_address(inner))
        # the last octet of the embedded address is gone wherever it sat
        assert inner not in out
        assert value & 0xFF != packed_inner & 0xFF or value & 0xFF == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "for=192.0.2.60;proto=http;by=203.0.113.43",
            [{"for": "192.0.2.60", "proto": "http", "by": "203.0.113.43"}],
        ),
        ('For="[2001:db8:cafe::17]:4711"', [{"for": "[2001:db8:cafe::17]:4711"}]),
        ("for=192.0.2.43, for=198.51.100.17", [{"for": "192.0.2.43"}, {"for": "198.51.100.17"}]),
        ('for="_gazonk"', [{"for": "_gazonk"}]),
        ('for=unknown;host="a,b"', [{"for": "unknown", "host": "a,b"}]),
        ('for="a\\"b"', [{"for": 'a"b'}]),
        ("garbage", [{}]),
        ("", [{}]),
    ],
)
def test_parse_forwarded(value: str, expected: list[dict[str, str]]) -> None:
    assert parse_forwarded(value) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ("192.0.2.60", "192.0.2.60"),
        ("192.0.2.60:8080", "192.0.2.60"),
        ("[2001:db8:cafe::17]:4711", "2001:db8:cafe::17"),
        ("[2001:db8:cafe::17]", "2001:db8:cafe::17"),
        ("unknown", None),
        ("UNKNOWN", None),
        ("_hidden", None),
        ("_SEVKISEK", None),
        ("", None),
    ],
)
def test_parse_node(node: str, expected: str | None) -> None:
    parsed = parse_node(node)
    assert (format_ip(parsed) if parsed else None) == expected


# (peer, X-Forwarded-For, Forwarded, X-Real-IP, trusted, expected client)
RESOLUTION = [
    # untrusted peer: headers change nothing (spoofing)
    ("198.51.100.1", "1.2.3.4", None, None, PROXIES, "198.51.100.1"),
    ("198.51.100.1", None, "for=1.2.3.4", None, PROXIES, "198.51.100.1"),
    ("198.51.100.1", None, None, "1.2.3.4", PROXIES, "198.51.100.1"),
    # trusted peer: right-to-left to the first untrusted hop
    ("127.0.0.1", "203.0.113.9", None, None, PROXIES, "203.0.113.9"),
    ("127.0.0.1", "1.2.3.4, 203.0.113.9", None, None, PROXIES, "203.0.113.9"),
    ("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.1.1.1", None, None, PROXIES, "203.0.113.9"),
    ("127.0.0.1", "1.2.3.4,203.0.113.9,10.1.1.1,10.2.2.2", None, None, PROXIES, "203.0.113.9"),
    ("::1", "2001:db8:1::5", None, None, PROXIES, "2001:db8:1::5"),
    ("127.0.0.1", "[2001:db8:1::5]:1234", None, None, PROXIES, "2001:db8:1::5"),
    # all hops trusted: the left-most is the client
    ("127.0.0.1", "10.0.0.5, 10.0.0.6", None, None, PROXIES, "10.0.0.5"),
    # unreadable hop: stop at the nearest hop we could read
    ("127.0.0.1", "1.2.3.4, garbage", None, None, PROXIES, "127.0.0.1"),
    ("127.0.0.1", "1.2.3.4, unknown, 10.0.0.9", None, None, PROXIES, "10.0.0.9"),
    ("127.0.0.1", "", None, None, PROXIES, "127.0.0.1"),
    ("127.0.0.1", "203.0.113.9, ", None, None, PROXIES, "127.0.0.1"),
    ("127.0.0.1", HUGE, None, None, PROXIES, "1.1.1.1"),
    # RFC 7239
    ("127.0.0.1", None, "for=192.0.2.60;proto=http", None, PROXIES, "192.0.2.60"),
    ("127.0.0.1", None, f"for=1.2.3.4, {V6_QUOTED_PORT}", None, PROXIES, "2001:db8:cafe::17"),
    ("127.0.0.1", None, 'FOR="[2001:db8:cafe::17]"', None, PROXIES, "2001:db8:cafe::17"),
    ("127.0.0.1", None, "for=192.0.2.1, for=10.3.3.3", None, PROXIES, "192.0.2.1"),
    ("127.0.0.1", None, "for=unknown", None, PROXIES, "127.0.0.1"),
    ("127.0.0.1", None, 'for="_hidden"', None, PROXIES, "127.0.0.1"),
    ("127.0.0.1", None, "by=10.0.0.1", None, PROXIES, "127.0.0.1"),
    # X-Real-IP only from a trusted peer; garbage falls back to the peer
    ("127.0.0.1", None, None, "203.0.113.9", PROXIES, "203.0.113.9"),
    ("127.0.0.1", None, None, "not an ip", PROXIES, "127.0.0.1"),
    # IPv4-mapped peers match IPv4 networks
    ("::ffff:10.1.2.3", "203.0.113.9", None, None, PROXIES, "203.0.113.9"),
    ("::ffff:127.0.0.1", "203.0.113.9", None, None, LOOPBACK, "203.0.113.9"),
    # IPv6 proxy network
    ("2001:db8:ffff:1::1", "203.0.113.9", None, None, PROXIES, "203.0.113.9"),
    ("2001:db8:fffe::1", "203.0.113.9", None, None, PROXIES, "2001:db8:fffe::1"),
    # the first present header in the order wins; XFF before Forwarded by default
    ("127.0.0.1", "203.0.113.9", "for=1.2.3.4", None, PROXIES, "203.0.113.9"),
]


@pytest.mark.parametrize(("peer", "xff", "fwd", "real", "trusted", "expected"), RESOLUTION)
def test_resolve_client(
    peer: str,
    xff: str | None,
    fwd: str | None,
    real: str | None,
    trusted: TrustedProxies,
    expected: str,
) -> None:
    resolved = resolve_client(addr(peer), trusted, xff, fwd, real)
    assert resolved is not None
    assert format_ip(resolved) == expected


def test_header_order_can_be_narrowed() -> None:
    resolved = resolve_client(
        addr("127.0.0.1"), PROXIES, "203.0.113.9", "for=1.2.3.4", None, ("forwarded",)
    )
    assert resolved is not None
    assert format_ip(resolved) == "1.2.3.4"


def test_trust_everything_and_unix() -> None:
    anyone = TrustedProxies(["*"])
    assert addr("198.51.100.1") in anyone
    assert None in anyone
    unix = TrustedProxies(["unix"])
    assert None in unix
    assert addr("127.0.0.1") not in unix
    assert None not in LOOPBACK


@pytest.mark.parametrize(
    ("proxies", "fragment"),
    [
        (["10.0.0.0/33"], "entries must be IP addresses or CIDR networks"),
        (["localhost"], "'localhost'"),
        ("127.0.0.1", "got '127.0.0.1'; write ('127.0.0.1',)"),
        ([127], "must be strings, got 127"),
    ],
)
def test_trusted_proxies_validation(proxies: object, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match="PrivacyMiddleware: trusted_proxies") as info:
        TrustedProxies(proxies)  # type: ignore[arg-type]
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("v4", "v6", "fragment"),
    [
        (33, 48, "ipv4_prefix must be an int from 0 to 32 (bits kept), got 33"),
        (-1, 48, "ipv4_prefix must be an int from 0 to 32"),
        (24, 129, "ipv6_prefix must be an int from 0 to 128 (bits kept), got 129"),
        (True, 48, "got True"),
        ("24", 48, "got '24'"),
    ],
)
def test_truncator_validation(v4: object, v6: object, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Truncator(v4, v6)  # type: ignore[arg-type]
    assert fragment in str(info.value)


ipv4s = st.integers(min_value=0, max_value=2**32 - 1).map(lambda v: (4, v))
ipv6s = st.integers(min_value=0, max_value=2**128 - 1).map(lambda v: (6, v))
# Bias some IPv6 values into the embedded-IPv4 ranges.
embedded = st.sampled_from(
    [0x0064FF9B << 96, 0x2002 << 112, 0x20010000 << 96, 0xFFFF << 32]
).flatmap(
    lambda top: st.integers(min_value=0, max_value=2**96 - 1).map(
        lambda low: (6, top | (low & ((1 << 96) - 1) if top >> 96 else low & 0xFFFFFFFF))
    )
)


@settings(max_examples=300, deadline=None)
@given(
    address=st.one_of(ipv4s, ipv6s, embedded),
    v4=st.integers(min_value=0, max_value=32),
    v6=st.integers(min_value=0, max_value=128),
)
def test_truncation_is_idempotent_and_bounded(address: tuple[int, int], v4: int, v6: int) -> None:
    truncator = Truncator(v4, v6)
    once = truncator.truncate(address)
    parsed = parse_ip(once)
    assert parsed is not None
    assert truncator.truncate(parsed) == once
    version, value = parsed
    if version == 4:
        assert value & ((1 << (32 - v4)) - 1) == 0
    else:
        assert value & ((1 << (128 - v6)) - 1) == 0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=64))
def test_parsers_never_raise(text: str) -> None:
    parse_ip(text)
    parse_node(text)
    parse_forwarded(text)
    resolve_client(addr("127.0.0.1"), PROXIES, text, text, text)
