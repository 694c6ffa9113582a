"""Trusted-proxy resolution, RFC 7239 parsing and truncation, as tables."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import ConfigurationError, truncate_ip
from privmw.clientip import (
    ClientResolver,
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


# -- issue 14, item 8: a hop with an invalid port is unreadable -----------------------

BAD_PORTS = ["1.2.3.4:notaport", "1.2.3.4:", "1.2.3.4:99999", "1.2.3.4:0", "1.2.3.4:+80"]
BAD_PORTS += ["1.2.3.4:８０", "1.2.3.4:123456", "[2001:db8::1]:", "[2001:db8::1]:x"]
BAD_PORTS += ["[2001:db8::1]:70000", "[2001:db8::1]:-1", "1.2.3.4: 80"]


@pytest.mark.parametrize("text", BAD_PORTS)
def test_parse_ip_refuses_an_invalid_port(text: str) -> None:
    assert parse_ip(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3.4:1", "1.2.3.4"),
        ("1.2.3.4:65535", "1.2.3.4"),
        ("1.2.3.4:00080", "1.2.3.4"),
        ("[2001:db8::1]:65535", "2001:db8::1"),
    ],
)
def test_parse_ip_accepts_valid_ports(text: str, expected: str) -> None:
    assert format_ip(addr(text)) == expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ('"192.0.2.43:_p1"', None),  # quotes are removed by parse_forwarded, not here
        ("192.0.2.43:_p1", "192.0.2.43"),  # RFC 7239 obfport
        ("[2001:db8:cafe::17]:_a.b-c", "2001:db8:cafe::17"),
        ("192.0.2.43:_", None),
        ("192.0.2.43:notaport", None),
        ("192.0.2.43:99999", None),
    ],
)
def test_parse_node_ports(node: str, expected: str | None) -> None:
    parsed = parse_node(node)
    assert (format_ip(parsed) if parsed else None) == expected


# (peer, X-Forwarded-For, Forwarded, expected): the walk stops at the nearest readable hop
INVALID_PORT_HOPS = [
    ("127.0.0.1", "1.2.3.4:notaport", None, "127.0.0.1"),
    ("127.0.0.1", "1.2.3.4:", None, "127.0.0.1"),
    ("127.0.0.1", "1.2.3.4:99999", None, "127.0.0.1"),
    ("127.0.0.1", "203.0.113.9, 10.0.0.1:junk", None, "127.0.0.1"),
    ("127.0.0.1", "203.0.113.9, 10.0.0.1:junk, 10.0.0.2", None, "10.0.0.2"),
    ("127.0.0.1", "203.0.113.9:4711, 10.0.0.1:8080", None, "203.0.113.9"),
    ("127.0.0.1", None, "for=1.2.3.4:notaport", "127.0.0.1"),
    ("127.0.0.1", None, 'for="[2001:db8::1]:99999"', "127.0.0.1"),
    ("127.0.0.1", None, 'for="[2001:db8::1]:_obf"', "2001:db8::1"),
    ("127.0.0.1", None, "for=203.0.113.9, for=10.0.0.1:junk", "127.0.0.1"),
]


@pytest.mark.parametrize(("peer", "xff", "fwd", "expected"), INVALID_PORT_HOPS)
def test_invalid_port_hops_stop_the_walk(
    peer: str, xff: str | None, fwd: str | None, expected: str
) -> None:
    resolved = resolve_client(addr(peer), PROXIES, xff, fwd, None)
    assert resolved is not None
    assert format_ip(resolved) == expected


@pytest.mark.parametrize(
    ("xff", "shown"),
    [("1.2.3.4:notaport", "127.0.0.0"), ("1.2.3.4:99999", "127.0.0.0"), ("1.2.3.4:80", "1.2.3.0")],
)
def test_resolver_fast_path_refuses_invalid_ports(xff: str, shown: str) -> None:
    """The one-hop fast path of ClientResolver agrees with the walk."""
    resolver = ClientResolver()
    _, got, _ = resolver.resolve(
        ("127.0.0.1", 1), [(b"x-forwarded-for", xff.encode())], [(b"x-forwarded-for", xff.encode())]
    )
    assert got == shown


# uvicorn's own proxy-header tables (encode/uvicorn, tests/middleware/test_proxy_headers.py,
# BSD-3-Clause), the cases that apply to privmw. privmw refuses uvicorn's literal entries
# ("some-literal", "unix:///...") at configuration, so those rows are not here.
_UV_V4_ADDRESSES = ["127.0.0.1", "10.0.0.1"]
_UV_V4_NETWORKS = ["127.0.0.0/8", "10.0.0.0/8"]
_UV_V6_ADDRESSES = [
    "2001:db8::",
    "2001:0db8:0001:0000:0000:0ab9:C0A8:0102",
    "2001:db8:3333:4444:5555:6666:1.2.3.4",
    "::11.22.33.44",
]
_UV_V6_NETWORKS = ["2001:db8:abcd:0012::0/64"]
_UV_HOSTS = [
    "127.0.0.0",
    "127.0.0.1",
    "127.1.1.1",
    "127.255.255.255",
    "10.0.0.0",
    "10.0.0.1",
    "10.1.1.1",
    "10.255.255.255",
    "192.168.0.0",
    "192.168.0.1",
    "1.1.1.1",
    "2001:db8::",
    "2001:db8:abcd:0012::0",
    "2001:db8:abcd:0012::1:1",
    "::",
    "::1",
    "2001:db8:3333:4444:5555:6666:102:304",
    "::b16:212c",
    "a:b:c:d::",
    "::a:b:c:d",
]
_UV_TRUE = {
    "v4 addresses": {"127.0.0.1", "10.0.0.1"},
    "v4 networks": set(_UV_HOSTS[:8]),
    "v6 addresses": {"2001:db8::", "2001:db8:3333:4444:5555:6666:102:304", "::b16:212c"},
    "v6 networks": {"2001:db8:abcd:0012::0", "2001:db8:abcd:0012::1:1"},
    "nothing": set(),
    "everything": set(_UV_HOSTS),
}
_UV_CONFIGS = {
    "v4 addresses": _UV_V4_ADDRESSES,
    "v4 networks": _UV_V4_NETWORKS,
    "v6 addresses": _UV_V6_ADDRESSES,
    "v6 networks": _UV_V6_NETWORKS,
    "nothing": [],
    "everything": ["*"],
}


@pytest.mark.parametrize("config", sorted(_UV_CONFIGS))
@pytest.mark.parametrize("host", _UV_HOSTS)
def test_uvicorn_trusted_hosts_table(config: str, host: str) -> None:
    trusted = TrustedProxies(_UV_CONFIGS[config])
    assert (addr(host) in trusted) is (host in _UV_TRUE[config])


# (X-Forwarded-For, uvicorn's answer, privmw's answer) with trusted "127.0.0.1, 10.0.0.0/8"
# and peer 127.0.0.1. Where they differ, privmw stops at the nearest readable hop
# (README: "An unreadable hop stops the walk"); uvicorn falls back to the peer.
UVICORN_MALFORMED = [
    ("", "127.0.0.1", "127.0.0.1"),
    (" , ", "127.0.0.1", "127.0.0.1"),
    (", , ", "127.0.0.1", "127.0.0.1"),
    (" , 10.0.0.1", "127.0.0.1", "10.0.0.1"),  # differs: 10.0.0.1 was read
    ("9.9.9.9 , , , 10.0.0.1", "127.0.0.1", "10.0.0.1"),  # differs, same reason
    (", , 9.9.9.9", "9.9.9.9", "9.9.9.9"),
    (", , 9.9.9.9, , ", "127.0.0.1", "127.0.0.1"),
    ("1.2.3.4, 10.0.2.1, 192.168.0.2", "192.168.0.2", "192.168.0.2"),
    ("1.2.3.4, \xf0\xfd\xfd\xfd, unix:, ::1", "::1", "::1"),
]
UV_PROXIES = TrustedProxies(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(("xff", "uvicorn", "expected"), UVICORN_MALFORMED)
def test_uvicorn_malformed_x_forwarded_for_table(xff: str, uvicorn: str, expected: str) -> None:
    resolved = resolve_client(addr("127.0.0.1"), UV_PROXIES, xff)
    assert resolved is not None
    assert format_ip(resolved) == expected


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (["*"], "1.2.3.4"),
        (["127.0.0.1", "10.0.2.1", "192.168.0.2"], "1.2.3.4"),
        (["10.0.2.1", "192.168.0.2", "127.0.0.1"], "1.2.3.4"),
        (["192.168.0.2", "127.0.0.1"], "10.0.2.1"),
        (["127.0.0.1", "10.0.0.0/8", "192.168.0.2"], "1.2.3.4"),
    ],
)
def test_uvicorn_multiple_proxies_table(trusted: list[str], expected: str) -> None:
    resolved = resolve_client(
        addr("127.0.0.1"), TrustedProxies(trusted), "1.2.3.4, 10.0.2.1, 192.168.0.2"
    )
    assert resolved is not None
    assert format_ip(resolved) == expected


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (["*"], "1.2.3.4"),
        (["127.0.0.1"], "1.2.3.4"),
        (["127.0.0.1", "10.0.0.1"], "1.2.3.4"),
        (["127.0.0.0/24", "10.0.0.1"], "1.2.3.4"),
        (["192.168.0.1"], "127.0.0.1"),  # request from an untrusted proxy
        (["192.168.0.0/16"], "127.0.0.1"),
        (["127.0.0.1", "1.2.3.4"], "1.2.3.4"),  # a client running on the proxy itself
    ],
)
def test_uvicorn_trusted_hosts_resolution_table(trusted: list[str], expected: str) -> None:
    resolved = resolve_client(addr("127.0.0.1"), TrustedProxies(trusted), "1.2.3.4")
    assert resolved is not None
    assert format_ip(resolved) == expected


# -- issue 14, item 1: platform headers and any header carrying the client ------------

PLATFORM_HEADERS = [
    b"fly-client-ip",
    b"cloudfront-viewer-address",
    b"x-vercel-forwarded-for",
    b"x-nf-client-connection-ip",
    b"do-connecting-ip",
    b"incap-client-ip",
    b"x-sucuri-clientip",
    b"ali-cdn-real-ip",
    b"wl-proxy-client-ip",
    b"proxy-client-ip",
]


def _resolve(
    resolver: ClientResolver, peer: str, headers: list[tuple[bytes, bytes]]
) -> tuple[str, list[tuple[bytes, bytes]]]:
    from privmw.signals import read_headers

    _, _, _, found, _ = read_headers(headers, resolver.forwarding | {b"cookie", b"dnt", b"sec-gpc"})
    _, shown, scrubbed = resolver.resolve((peer, 4711), found, headers)
    return shown, headers if scrubbed is None else scrubbed


@pytest.mark.parametrize("name", PLATFORM_HEADERS)
@pytest.mark.parametrize("peer", ["127.0.0.1", "198.51.100.20"])
def test_platform_headers_are_removed(name: bytes, peer: str) -> None:
    value = b"203.0.113.77:46532" if name == b"cloudfront-viewer-address" else b"203.0.113.77"
    headers = [(b"host", b"example.org"), (name, value), (b"accept", b"*/*")]
    _, out = _resolve(ClientResolver(), peer, headers)
    assert [n for n, _ in out] == [b"host", b"accept"]


C4 = "203.0.113.77"
C6 = "2001:db8:1:2::77"
# (peer, X-Forwarded-For or None, header value, what the app sees)
ANY_HEADER = [
    # the resolved client, in its forms
    ("127.0.0.1", C4, b"203.0.113.77", b"203.0.113.0"),
    ("127.0.0.1", C4, b"client=203.0.113.77;x", b"client=203.0.113.0;x"),
    ("127.0.0.1", C4, b"203.0.113.77:46532", b"203.0.113.0:0"),
    ("127.0.0.1", C4, b"[::ffff:203.0.113.77]:80", b"[::ffff:203.0.113.0]:0"),
    ("127.0.0.1", C4, b"::ffff:cb00:714d", b"::ffff:cb00:7100"),
    # any case ("ffff" is looked for case-insensitively before the full scan)
    ("127.0.0.1", C4, b"::FFFF:CB00:714D", b"::ffff:cb00:7100"),
    ("127.0.0.1", C4, b"0:0:0:0:0:FfFf:cb00:714d", b"::ffff:cb00:7100"),
    ("127.0.0.1", C4, b"a 203.0.113.77, b 203.0.113.77.", b"a 203.0.113.0, b 203.0.113.0."),
    ("127.0.0.1", C6, b"2001:db8:1:2::77", b"2001:db8:1::"),
    ("127.0.0.1", C6, b"[2001:DB8:1:2::77]:443", b"[2001:db8:1::]:0"),
    ("127.0.0.1", C6, b"2001:0db8:0001:0002:0000:0000:0000:0077", b"2001:db8:1::"),
    ("127.0.0.1", C6, b"2001:db8:1:2:0:0:0:77", b"2001:db8:1::"),
    ("127.0.0.1", C6, b"2001:db8:1:2::77:46532", b"[2001:db8:1::]:0"),
    # an untrusted peer is the client
    ("198.51.100.7", None, b"seen 198.51.100.7", b"seen 198.51.100.0"),
    # a trusted proxy's own address, as the issue asks
    ("10.0.0.1", C4, b"via 10.0.0.1", b"via 10.0.0.0"),
    # whole addresses only
    ("10.0.0.1", C4, b"10.0.0.12-abc", b"10.0.0.12-abc"),
    ("10.0.0.1", C4, b"110.0.0.1", b"110.0.0.1"),
    ("10.0.0.1", C4, b"10.0.0.1.5", b"10.0.0.1.5"),
    ("10.0.0.1", C4, b"v10.0.0.1", b"v10.0.0.1"),
    ("10.0.0.1", C4, b"10.0.0.1x", b"10.0.0.1x"),
    ("127.0.0.1", C4, b"203.0.113.7", b"203.0.113.7"),
    ("127.0.0.1", C4, b"203.0.113.770", b"203.0.113.770"),
    ("127.0.0.1", C6, b"2001:db8:1:2::771", b"2001:db8:1:2::771"),
    ("127.0.0.1", C6, b"2001:db8:1:2::77:5", b"2001:db8:1:2::77:5"),  # another address
    ("127.0.0.1", C6, b"12001:db8:1:2::77", b"12001:db8:1:2::77"),
    # nothing to hide: loopback, and an address that is its own truncation
    ("127.0.0.1", None, b"127.0.0.1", b"127.0.0.1"),
    ("127.0.0.1", "203.0.113.0", b"203.0.113.0", b"203.0.113.0"),
]


@pytest.mark.parametrize(("peer", "xff", "value", "expected"), ANY_HEADER)
def test_any_header_carrying_the_client_is_scrubbed(
    peer: str, xff: str | None, value: bytes, expected: bytes
) -> None:
    resolver = ClientResolver(trusted_proxies=["127.0.0.1", "10.0.0.0/8"])
    headers = [(b"host", b"example.org"), (b"x-some-header", value)]
    if xff is not None:
        headers.append((b"x-forwarded-for", xff.encode()))
    _, out = _resolve(resolver, peer, headers)
    assert dict(out)[b"x-some-header"] == expected
    assert out[0] == (b"host", b"example.org")


@pytest.mark.parametrize(
    ("peer", "headers", "expected"),
    [
        # local development: Host, Origin and Referer name the server itself
        (
            "127.0.0.1",
            [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")],
            [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")],
        ),
        # a client on the server's own LAN address: that address is the server's
        (
            "192.168.1.20",
            [(b"host", b"192.168.1.20:8000"), (b"referer", b"http://192.168.1.20:8000/a")],
            [(b"host", b"192.168.1.20:8000"), (b"referer", b"http://192.168.1.20:8000/a")],
        ),
        # Host is never edited; other headers are
        (
            "198.51.100.7",
            [(b"host", b"198.51.100.7"), (b"x-a", b"198.51.100.70"), (b"x-b", b"::1")],
            [(b"host", b"198.51.100.7"), (b"x-a", b"198.51.100.70"), (b"x-b", b"::1")],
        ),
        (
            "198.51.100.7",
            [(b"host", b"example.org"), (b"cookie", b"last_ip=198.51.100.7; a=b")],
            [(b"host", b"example.org"), (b"cookie", b"last_ip=198.51.100.0; a=b")],
        ),
    ],
)
def test_any_header_scrub_leaves_the_servers_own_address(
    peer: str, headers: list[tuple[bytes, bytes]], expected: list[tuple[bytes, bytes]]
) -> None:
    _, out = _resolve(ClientResolver(), peer, list(headers))
    assert out == expected


def test_any_header_scrub_edits_the_servers_list_in_place() -> None:
    headers = [(b"host", b"example.org"), (b"x-client", b"198.51.100.7")]
    resolver = ClientResolver()
    _, _, out = resolver.resolve(("198.51.100.7", 1), None, headers)
    assert out is headers
    assert headers[1] == (b"x-client", b"198.51.100.0")
    clean = [(b"host", b"example.org"), (b"accept", b"*/*")]
    assert resolver.resolve(("198.51.100.7", 1), None, clean)[2] is None


def test_scrub_header_names_are_added() -> None:
    resolver = ClientResolver(scrub_header_names=["X-My-CDN-Client"])
    headers = [(b"host", b"example.org"), (b"x-my-cdn-client", b"garbage that is no address")]
    _, out = _resolve(resolver, "127.0.0.1", headers)
    assert out == [(b"host", b"example.org")]


@pytest.mark.parametrize(
    ("names", "fragment"),
    [
        ("X-Client", "must be a sequence of strings, got 'X-Client'; write ('X-Client',)"),
        (["bad header"], "scrub_header_names entries must be header names"),
        (["X-Ünicode"], "scrub_header_names entries must be header names"),
        ([b"x-client"], "scrub_header_names entries must be strings"),
        (["Host"], "must be headers that carry a client address, got 'Host'"),
        (["cookie"], "privmw reads this header itself"),
        (["Sec-GPC"], "privmw reads this header itself"),
    ],
)
def test_scrub_header_names_validation(names: object, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match="PrivacyMiddleware: scrub_header_names") as info:
        ClientResolver(scrub_header_names=names)  # type: ignore[arg-type]
    assert fragment in str(info.value)
