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

import socket
from collections.abc import Iterable

from ._netset import Address, NetSet
from ._validate import check_bool, check_int, fail, suggest

__all__ = ["truncate_ip"]

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
        self.v4 = check_int(owner, "ipv4_prefix", ipv4_prefix, 0, 32, "bits kept")
        self.v6 = check_int(owner, "ipv6_prefix", ipv6_prefix, 0, 128, "bits kept")
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
        if upper == _V4_MAPPED_TOP:
            return 4, value & 0xFFFFFFFF & self._m4
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

    __slots__ = ("_nets", "any", "exact", "networks", "unix")

    def __init__(self, proxies: Iterable[str], *, owner: str = "PrivacyMiddleware") -> None:
        self._nets = NetSet(proxies, owner=owner, option="trusted_proxies", extra=("*", "unix"))
        self.any = "*" in self._nets.flags
        self.unix = "unix" in self._nets.flags
        self.networks = self._nets.networks
        self.exact = self._nets.exact

    def __repr__(self) -> str:
        return f"TrustedProxies({list(self.networks)!r})"

    def __contains__(self, address: Address | None) -> bool:
        if self.any:
            return True
        if address is None:
            return self.unix
        return address in self._nets


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


def _walk(
    hops: list[Address | None], trusted: TrustedProxies, peer: Address | None
) -> Address | None:
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


_XFF = b"x-forwarded-for"
_FORWARDED = b"forwarded"
_REAL_IP = b"x-real-ip"
_HeaderList = list[tuple[bytes, bytes]]


def _rewrite_forwarded(raw: str, client: str, version: int) -> bytes:
    """A one-hop ``Forwarded`` naming the truncated client, keeping proto/host."""
    node = f'"[{client}]"' if version == 6 else client
    parts = [f"for={node}"]
    hops = parse_forwarded(raw)
    if hops:
        last = hops[-1]
        for key in ("proto", "host"):
            value = last.get(key)
            if value and value.isprintable() and '"' not in value and "\\" not in value:
                parts.append(f'{key}="{value}"')
    return ";".join(parts).encode("latin-1", "replace")


class ClientResolver:
    """The one owner of the client address: trust, the hop walk, truncation, scrubbing.

    Built once from the middleware's options (in the manner of uvicorn's
    ``_TrustedHosts``). Per request, :meth:`resolve` takes the socket peer
    (``scope["client"]``), the forwarding header pairs the one header pass
    found (:func:`privmw.signals.read_headers`) and the header list, and
    returns the full address (for the caller's locals only), the truncated
    text that everything downstream sees, and the scrubbed header list (or
    ``None`` when the headers need no change).

    Args:
        trusted_proxies: see :class:`TrustedProxies`.
        proxy_headers: headers read from a trusted peer, in order of preference.
        ipv4_prefix, ipv6_prefix: bits kept (see :class:`Truncator`).
        scrub_headers: rewrite ``X-Forwarded-For``/``Forwarded`` to the
            truncated client and remove every other header in
            :data:`FORWARDING_HEADERS`.
    """

    __slots__ = (
        "_mask4",
        "_octets",
        "_order",
        "_read_fwd",
        "_read_real",
        "_read_xff",
        "_xff_first",
        "_zeros",
        "forwarding",
        "scrub",
        "truncator",
        "trusted",
    )

    def __init__(
        self,
        *,
        trusted_proxies: Iterable[str] = ("127.0.0.1", "::1"),
        proxy_headers: Iterable[str] = PROXY_HEADERS,
        ipv4_prefix: int = 24,
        ipv6_prefix: int = 48,
        scrub_headers: bool = True,
        owner: str = "PrivacyMiddleware",
    ) -> None:
        self.trusted = TrustedProxies(trusted_proxies, owner=owner)
        if isinstance(proxy_headers, str):
            fail(
                owner,
                "proxy_headers",
                "a sequence of header names",
                proxy_headers,
                f"write ({proxy_headers!r},)",
            )
        order = tuple(str(h).lower() for h in proxy_headers)
        for header in order:
            if header not in PROXY_HEADERS:
                fail(
                    owner,
                    "proxy_headers entries",
                    "one of " + ", ".join(PROXY_HEADERS),
                    header,
                    suggest(header, PROXY_HEADERS),
                )
        self._order = order
        self._read_xff = "x-forwarded-for" in order
        self._read_fwd = "forwarded" in order
        self._read_real = "x-real-ip" in order
        self._xff_first = bool(order) and order[0] == "x-forwarded-for"
        self.truncator = truncator = Truncator(ipv4_prefix, ipv6_prefix, owner=owner)
        self.scrub = check_bool(owner, "scrub_headers", scrub_headers)
        #: Header names the header pass hands over: all of them are read or scrubbed.
        self.forwarding = FORWARDING_HEADERS
        self._mask4 = (0xFFFFFFFF << (32 - truncator.v4)) & 0xFFFFFFFF
        # IPv4 prefixes on an octet boundary (8, 16, 24) are cut as text.
        v4 = truncator.v4
        self._octets = 4 - v4 // 8 if v4 % 8 == 0 and 8 <= v4 <= 24 else 0
        self._zeros = ".0" * self._octets

    def __repr__(self) -> str:
        return (
            f"ClientResolver(trusted_proxies={list(self.trusted.networks)!r}, "
            f"ipv4_prefix={self.truncator.v4}, ipv6_prefix={self.truncator.v6})"
        )

    def resolve(
        self,
        client: tuple[object, object] | list[object] | None,
        forwarding: _HeaderList | None,
        headers: Iterable[tuple[bytes, bytes]],
    ) -> tuple[Address | None, str, _HeaderList | None]:
        """``(full address or None, shown text, scrubbed headers or None)``; never raises.

        The common case (one proxy hop in ``X-Forwarded-For``) builds no lists
        or joined strings and edits the server's own header list in place.
        """
        host = client[0] if client else None
        xff = fwd = real = None
        count = 0
        if forwarding:
            for name, value in forwarding:
                count += 1
                if name == _XFF:
                    xff = value if xff is None else xff + b"," + value
                elif name == _FORWARDED:
                    fwd = value if fwd is None else fwd + b"," + value
                elif name == _REAL_IP:
                    real = value

        trusted = self.trusted
        if host.__class__ is not str:
            peer: Address | None = None
            believe = trusted.unix or trusted.any  # no IP: a Unix socket
        elif count and host in trusted.exact:
            peer = None  # parsed below only if the headers name nobody
            believe = True
        else:
            peer = parse_ip(host)
            believe = count > 0 and peer in trusted

        address: Address | None = None
        text: str | None = None  # the text ``address`` was parsed from, when known
        if believe:
            if xff is not None and self._xff_first and b"," not in xff:
                # One proxy, one hop: the same answer as the walk.
                text = xff.decode("latin-1").strip()
                if ":" in text:
                    address = parse_ip(text)
                else:
                    try:
                        address = 4, _from_bytes(_inet_pton(_AF_INET, text), "big")
                    except (OSError, ValueError):
                        address = None
            else:
                if peer is None and host.__class__ is str:
                    peer = parse_ip(host)
                address = resolve_client(
                    peer,
                    trusted,
                    xff.decode("latin-1") if xff is not None and self._read_xff else None,
                    fwd.decode("latin-1") if fwd is not None and self._read_fwd else None,
                    real.decode("latin-1") if real is not None and self._read_real else None,
                    self._order,
                )
            if address is None and host.__class__ is str:
                address = peer or parse_ip(host)
                text = host
        else:
            address = peer
            text = host  # type: ignore[assignment]

        if address is not None:
            if address[0] != 4:
                shown = self.truncator.truncate(address)
            elif self._octets and text is not None and ":" not in text:
                # inet_pton accepted ``text`` as a plain dotted quad, so it is
                # canonical: keep whole octets by cutting the string.
                shown = text.rsplit(".", self._octets)[0] + self._zeros
            else:
                shown = _inet_ntop(_AF_INET, (address[1] & self._mask4).to_bytes(4, "big"))
        elif host.__class__ is str:
            shown = host  # not an IP ("testclient"): kept as is
        else:
            shown = "unknown"

        scrubbed: _HeaderList | None = None
        if count and self.scrub:
            if count == 1 and xff is not None and address is not None and forwarding:
                # Only X-Forwarded-For: replace it where it stands, in the
                # server's own list when it is one (whoever holds it sees the
                # scrubbed value too).
                out = headers if headers.__class__ is list else list(headers)
                out[out.index(forwarding[0])] = (_XFF, shown.encode("ascii"))
                scrubbed = out
            else:
                scrubbed = self._scrub(headers, shown, address, xff is not None, fwd)
        return address, shown, scrubbed

    @staticmethod
    def _scrub(
        headers: Iterable[tuple[bytes, bytes]],
        shown: str,
        address: Address | None,
        had_xff: bool,
        forwarded: bytes | None,
    ) -> _HeaderList:
        """Headers without forwarding headers, plus XFF/Forwarded naming the truncated client.

        The rewritten headers go last, only where the request had them, and
        only when the client is known: an unknown client gets none at all.
        """
        forwarding = FORWARDING_HEADERS
        out = [pair for pair in headers if pair[0] not in forwarding]
        if address is not None:
            if had_xff:
                out.append((_XFF, shown.encode("ascii")))
            if forwarded is not None:
                raw = forwarded.decode("latin-1")
                out.append((_FORWARDED, _rewrite_forwarded(raw, shown, address[0])))
        return out
