"""Client-address resolution through trusted proxies, truncation, header scrubbing.

Everything here works on ``(version, integer)`` pairs produced by
:func:`parse_ip` (``socket.inet_pton`` plus ``int.from_bytes``): no
``ipaddress`` objects per request, and no cache keyed by an address (such a
cache would itself be a store of raw IPs).

References:
    RFC 7239 (Forwarded HTTP Extension), section 4 and 6 (node syntax).
    RFC 6052 (NAT64 ``64:ff9b::/96``), RFC 3056 (6to4 ``2002::/16``),
    RFC 4380 (Teredo ``2001::/32``), RFC 4291 (IPv4-mapped ``::ffff:0:0/96``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from ._errors import ConfigurationError

__all__ = [
    "FORWARDING_HEADERS",
    "PROXY_HEADERS",
    "Address",
    "Truncator",
    "TrustedProxies",
    "format_ip",
    "parse_forwarded",
    "parse_ip",
    "parse_node",
    "resolve_client",
    "truncate_ip",
]

#: ``(version, integer)``: 4 or 6, and the address as an unsigned integer.
Address = tuple[int, int]

_AF_INET = socket.AF_INET
_AF_INET6 = socket.AF_INET6
_inet_pton = socket.inet_pton
_inet_ntop = socket.inet_ntop
_from_bytes = int.from_bytes

_V4_MAPPED_TOP = 0xFFFF  # value >> 32 for ::ffff:a.b.c.d
_NAT64_TOP = 0x0064FF9B << 64  # value >> 32 for 64:ff9b::a.b.c.d
_NAT64_LOCAL_TOP = 0x0064FF9B0001  # value >> 80 for 64:ff9b:1::/48 (RFC 8215)
_6TO4_TOP = 0x2002  # value >> 112
_TEREDO_TOP = 0x20010000  # value >> 96
_ALL6 = (1 << 128) - 1

#: Headers a proxy (or a client pretending to be one) uses to name the client.
#: All of them are rewritten or removed before the app runs.
FORWARDING_HEADERS: frozenset[bytes] = frozenset(
    {
        b"x-forwarded-for",
        b"forwarded",
        b"x-real-ip",
        b"cf-connecting-ip",
        b"cf-connecting-ipv6",
        b"true-client-ip",
        b"fastly-client-ip",
        b"x-client-ip",
        b"x-cluster-client-ip",
        b"client-ip",
        b"x-forwarded",
        b"forwarded-for",
        b"x-original-forwarded-for",
        b"x-appengine-user-ip",
        b"x-azure-clientip",
        b"x-azure-socketip",
        b"x-envoy-external-address",
        b"x-proxyuser-ip",
        b"x-remote-ip",
        b"x-remote-addr",
        b"x-originating-ip",
        b"via-client-ip",
    }
)

#: Headers privmw can read the client from, in the default order of preference.
PROXY_HEADERS: tuple[str, ...] = ("x-forwarded-for", "forwarded", "x-real-ip")


def parse_ip(text: str) -> Address | None:
    """Parse an address literal into ``(version, integer)``, or ``None``.

    Accepts what servers and proxies actually send: ``1.2.3.4``, ``1.2.3.4:80``,
    ``2001:db8::1``, ``[2001:db8::1]``, ``[2001:db8::1]:80`` and zone ids
    (``fe80::1%eth0``). IPv4-mapped IPv6 (``::ffff:1.2.3.4``) comes back as IPv4:
    it is the same client. Anything else, including non-ASCII text, gives ``None``.
    """
    try:
        if ":" not in text:
            return 4, _from_bytes(_inet_pton(_AF_INET, text), "big")
        if text[0] == "[":
            end = text.find("]")
            if end < 0 or (end + 1 < len(text) and text[end + 1] != ":"):
                return None
            text = text[1:end]
        elif text.count(":") == 1:  # IPv4 with a port
            return 4, _from_bytes(_inet_pton(_AF_INET, text[: text.index(":")]), "big")
        pct = text.find("%")
        if pct >= 0:
            text = text[:pct]
        value = _from_bytes(_inet_pton(_AF_INET6, text), "big")
    except (OSError, ValueError, UnicodeError, IndexError):
        return None
    if value >> 32 == _V4_MAPPED_TOP:
        return 4, value & 0xFFFFFFFF
    return 6, value


def format_ip(address: Address) -> str:
    """The canonical text form of an address (IPv6 compressed, lower case)."""
    version, value = address
    if version == 4:
        return _inet_ntop(_AF_INET, value.to_bytes(4, "big"))
    return _inet_ntop(_AF_INET6, value.to_bytes(16, "big"))


def _check_prefix(owner: str, name: str, value: object, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise ConfigurationError(
            f"{owner}: {name} must be an int from 0 to {top} (bits kept), got {value!r}"
        )
    return value


class Truncator:
    """Keep the first ``ipv4_prefix`` / ``ipv6_prefix`` bits of an address.

    IPv6 addresses that carry an IPv4 address inside are masked so that the
    IPv4 part keeps no more than ``ipv4_prefix`` bits, whatever ``ipv6_prefix``
    says: NAT64 ``64:ff9b::/96`` (low 32 bits), IPv4-compatible ``::a.b.c.d``,
    6to4 ``2002:AABB:CCDD::/48`` (bits 16-47), Teredo ``2001:0::/32`` (server
    IPv4 in bits 32-63, flags and port zeroed, the obfuscated client IPv4 in the
    low 32 bits masked as IPv4) and local-use NAT64 ``64:ff9b:1::/48`` (cut at
    /48, since its IPv4 position depends on the prefix length). IPv4-mapped
    addresses are unwrapped by :func:`parse_ip` and truncated as IPv4.
    """

    __slots__ = ("_m4", "_m6", "_m6_6to4", "_m6_nat64", "_m6_nat64_local", "_m6_teredo", "v4", "v6")

    def __init__(self, ipv4_prefix: int = 24, ipv6_prefix: int = 48, *, owner: str = "Truncator"):
        self.v4 = _check_prefix(owner, "ipv4_prefix", ipv4_prefix, 32)
        self.v6 = _check_prefix(owner, "ipv6_prefix", ipv6_prefix, 128)
        self._m4 = (0xFFFFFFFF << (32 - self.v4)) & 0xFFFFFFFF
        self._m6 = (_ALL6 << (128 - self.v6)) & _ALL6
        low32_v4 = (_ALL6 ^ 0xFFFFFFFF) | self._m4
        self._m6_nat64 = self._m6 & low32_v4
        self._m6_6to4 = self._m6 & ((_ALL6 ^ (0xFFFFFFFF << 80)) | (self._m4 << 80))
        # Teredo: prefix(32) | server v4(32) | flags(16) | port(16) | client v4(32)
        self._m6_teredo = self._m6 & ((0xFFFFFFFF << 96) | (self._m4 << 64) | self._m4)
        self._m6_nat64_local = self._m6 & (_ALL6 ^ ((1 << 80) - 1))

    def __repr__(self) -> str:
        return f"Truncator(ipv4_prefix={self.v4}, ipv6_prefix={self.v6})"

    def mask(self, address: Address) -> Address:
        """The truncated address as ``(version, integer)``."""
        version, value = address
        if version == 4:
            return 4, value & self._m4
        top32 = value >> 96
        if top32 == _TEREDO_TOP:
            return 6, value & self._m6_teredo
        if value >> 112 == _6TO4_TOP:
            return 6, value & self._m6_6to4
        upper = value >> 32
        if upper == _NAT64_TOP or (upper == 0 and value >> 24):
            return 6, value & self._m6_nat64
        if value >> 80 == _NAT64_LOCAL_TOP:
            return 6, value & self._m6_nat64_local
        return 6, value & self._m6

    def truncate(self, address: Address) -> str:
        """The truncated address as text."""
        version, value = self.mask(address)
        if version == 4:
            return _inet_ntop(_AF_INET, value.to_bytes(4, "big"))
        return _inet_ntop(_AF_INET6, value.to_bytes(16, "big"))


def truncate_ip(text: str, ipv4_prefix: int = 24, ipv6_prefix: int = 48) -> str | None:
    """Truncate one address given as text; ``None`` when it is not an address.

    A convenience for scripts and tests; the middleware keeps a :class:`Truncator`.
    """
    address = parse_ip(text)
    if address is None:
        return None
    return Truncator(ipv4_prefix, ipv6_prefix, owner="truncate_ip").truncate(address)


class TrustedProxies:
    """Socket peers whose forwarding headers are believed.

    Takes addresses and CIDR networks (``"10.0.0.0/8"``, ``"::1"``), ``"*"``
    to trust every peer (only behind a load balancer that overwrites the
    headers), and ``"unix"`` to trust peers with no IP address (a Unix-socket
    connection from a local proxy).
    """

    __slots__ = ("_nets4", "_nets6", "any", "networks", "unix")

    def __init__(self, proxies: Iterable[str], *, owner: str = "PrivacyMiddleware") -> None:
        if isinstance(proxies, (str, bytes)):
            raise ConfigurationError(
                f"{owner}: trusted_proxies must be a list of addresses or networks, "
                f"got the single string {proxies!r}; write [{proxies!r}]"
            )
        self.any = False
        self.unix = False
        nets4: list[tuple[int, int]] = []
        nets6: list[tuple[int, int]] = []
        networks: list[str] = []
        for item in proxies:
            if not isinstance(item, str):
                raise ConfigurationError(
                    f"{owner}: trusted_proxies entries must be strings, got {item!r}"
                )
            entry = item.strip()
            if entry == "*":
                self.any = True
                networks.append("*")
                continue
            if entry == "unix":
                self.unix = True
                networks.append("unix")
                continue
            try:
                net = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ConfigurationError(
                    f"{owner}: trusted_proxies entry {item!r} is not an IP address or "
                    f'CIDR network; use forms like "127.0.0.1", "10.0.0.0/8", "::1", '
                    f'"2001:db8::/32", "*" or "unix"'
                ) from None
            networks.append(str(net))
            mask = int(net.netmask)
            if net.version == 4:
                nets4.append((int(net.network_address), mask))
            elif (
                net.prefixlen >= 96
                and int(net.network_address) >> 32 == _V4_MAPPED_TOP
            ):
                # ::ffff:10.0.0.0/104 names IPv4 peers; parse_ip unwraps them.
                nets4.append((int(net.network_address) & 0xFFFFFFFF, mask & 0xFFFFFFFF))
            else:
                nets6.append((int(net.network_address), mask))
        self._nets4 = tuple(nets4)
        self._nets6 = tuple(nets6)
        self.networks = tuple(networks)

    def __repr__(self) -> str:
        return f"TrustedProxies({list(self.networks)!r})"

    def __contains__(self, address: Address | None) -> bool:
        if self.any:
            return True
        if address is None:
            return self.unix
        version, value = address
        for net, mask in self._nets4 if version == 4 else self._nets6:
            if value & mask == net:
                return True
        return False


def _split_params(element: str) -> Iterable[tuple[str, str]]:
    """Yield ``(name, value)`` pairs of one Forwarded element, unquoting values."""
    i, n = 0, len(element)
    while i < n:
        eq = element.find("=", i)
        if eq < 0:
            return
        name = element[i:eq].strip().lower()
        i = eq + 1
        while i < n and element[i] == " ":
            i += 1
        if i < n and element[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and element[i] != '"':
                if element[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(element[i])
                i += 1
            value = "".join(chars)
            semi = element.find(";", i)
            i = n if semi < 0 else semi + 1
        else:
            semi = element.find(";", i)
            end = n if semi < 0 else semi
            value = element[i:end].strip()
            i = end + 1
        yield name, value


def _split_elements(value: str) -> list[str]:
    """Split a Forwarded field value on commas outside quoted strings."""
    if '"' not in value:
        return value.split(",")
    out: list[str] = []
    start = 0
    quoted = False
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if c == "\\" and quoted:
            i += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            out.append(value[start:i])
            start = i + 1
        i += 1
    out.append(value[start:])
    return out


def parse_forwarded(value: str) -> list[dict[str, str]]:
    """Parse an RFC 7239 ``Forwarded`` value into one dict per hop, in order.

    Parameter names are lower-cased; quoted values are unquoted. Malformed
    parts give empty or partial dicts, never an exception.
    """
    return [dict(_split_params(element)) for element in _split_elements(value)]


def parse_node(node: str) -> Address | None:
    """Parse an RFC 7239 node (``for=`` value): an address, maybe with a port.

    ``unknown`` and obfuscated identifiers (``_hidden``) give ``None``.
    """
    node = node.strip()
    if not node or node[0] == "_" or node.lower() == "unknown":
        return None
    return parse_ip(node)


def _walk(hops: list[Address | None], trusted: TrustedProxies, peer: Address | None) -> Address | None:
    """Right to left: the first hop that is not a trusted proxy is the client.

    A hop that cannot be read (``unknown``, obfuscated, garbage) ends the walk:
    the nearest hop we could read stands for the client. If every hop is
    trusted, the left-most one is the client.
    """
    nearest = peer
    for hop in reversed(hops):
        if hop is None:
            return nearest
        if hop not in trusted:
            return hop
        nearest = hop
    return nearest


def resolve_client(
    peer: Address | None,
    trusted: TrustedProxies,
    forwarded_for: str | None = None,
    forwarded: str | None = None,
    real_ip: str | None = None,
    order: tuple[str, ...] = PROXY_HEADERS,
) -> Address | None:
    """The real client behind trusted proxies.

    Headers are believed only when ``peer`` (the socket peer) is trusted. The
    first header in ``order`` that is present is used: ``x-forwarded-for``
    (comma-separated, several fields already joined with ``,``), ``forwarded``
    (RFC 7239) or ``x-real-ip`` (a single address). Unparseable values are
    ignored, never raised.
    """
    if peer not in trusted:
        return peer
    for name in order:
        if name == "x-forwarded-for" and forwarded_for is not None:
            return _walk([parse_ip(h.strip()) for h in forwarded_for.split(",")], trusted, peer)
        if name == "forwarded" and forwarded is not None:
            hops = [parse_node(p.get("for", "")) for p in parse_forwarded(forwarded)]
            return _walk(hops, trusted, peer)
        if name == "x-real-ip" and real_ip is not None:
            return parse_ip(real_ip.strip()) or peer
    return peer
