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

import re
import socket
from collections.abc import Iterable
from operator import itemgetter

from ._netset import Address, NetSet
from ._validate import check_bool, check_int, check_strings, fail, suggest

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
        # Hosting platforms and CDNs, each from its own documentation:
        b"fly-client-ip",  # Fly.io
        b"cloudfront-viewer-address",  # Amazon CloudFront ("ip:port")
        b"x-vercel-forwarded-for",  # Vercel
        b"x-nf-client-connection-ip",  # Netlify
        b"x-bb-ip",  # Netlify (older edge)
        b"do-connecting-ip",  # DigitalOcean App Platform
        b"incap-client-ip",  # Imperva Incapsula
        b"x-sucuri-clientip",  # Sucuri
        b"ali-cdn-real-ip",  # Alibaba Cloud CDN
        b"wl-proxy-client-ip",  # Oracle WebLogic proxy plug-in
        b"proxy-client-ip",  # WebLogic / Apache plug-ins
        b"cf-pseudo-ipv4",  # Cloudflare's IPv4 stand-in for an IPv6 client
        b"eo-client-ip",  # Tencent Cloud EdgeOne
        b"ar-real-ip",  # ArvanCloud
        b"cdn-src-ip",  # Wangsu / ChinaCache / Tencent CDN
        b"x-true-client-ip",
    }
)

#: Request headers that name the server, never the client: an address in them
#: is the server's own (``Host: 127.0.0.1:8000``) and is left alone, and an
#: app may not add them to ``scrub_header_names``.
SERVER_HEADERS: frozenset[bytes] = frozenset({b"host"})

#: Headers privmw can read the client from, in the default order of preference.
PROXY_HEADERS: tuple[str, ...] = ("x-forwarded-for", "forwarded", "x-real-ip")


def valid_port(port: str, obfuscated: bool = False) -> bool:
    """Whether ``port`` is a port: 1 to 65535, ASCII digits only (RFC 3986 section 3.2.3).

    With ``obfuscated``, RFC 7239's ``obfport`` (``_`` then letters, digits,
    ``.``, ``_``, ``-``) counts too: ``Forwarded: for="192.0.2.43:_p1"``.
    """
    if 0 < len(port) <= 5 and port.isascii() and port.isdigit():
        return 0 < int(port) <= 65535
    return obfuscated and _OBFPORT.fullmatch(port) is not None


_OBFPORT = re.compile(r"_[A-Za-z0-9._-]+")


def parse_ip(text: str, obfuscated_port: bool = False) -> Address | None:
    """Parse an address literal into ``(version, integer)``, or ``None``.

    Accepts what servers and proxies actually send: ``1.2.3.4``, ``1.2.3.4:80``,
    ``2001:db8::1``, ``[2001:db8::1]``, ``[2001:db8::1]:80`` and zone ids
    (``fe80::1%eth0``). IPv4-mapped IPv6 (``::ffff:1.2.3.4``) comes back as IPv4:
    it is the same client. A port must be 1-65535 in ASCII digits (or, with
    ``obfuscated_port``, an RFC 7239 ``_obfport``): ``1.2.3.4:``,
    ``1.2.3.4:notaport`` and ``1.2.3.4:99999`` are no address. Anything else,
    including non-ASCII text, gives ``None``.
    """
    try:
        if ":" not in text:
            return 4, _from_bytes(_inet_pton(_AF_INET, text), "big")
        if text[0] == "[":
            end = text.find("]")
            if end < 0:
                return None
            if end + 1 < len(text) and (
                text[end + 1] != ":" or not valid_port(text[end + 2 :], obfuscated_port)
            ):
                return None
            text = text[1:end]
        elif text.count(":") == 1:  # IPv4 with a port
            host, _, port = text.partition(":")
            if not valid_port(port, obfuscated_port):
                return None
            return 4, _from_bytes(_inet_pton(_AF_INET, host), "big")
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

    ``unknown`` and obfuscated identifiers (``_hidden``) give ``None``; an
    obfuscated port (``192.0.2.43:_p1``) is accepted, an invalid one is not.
    """
    node = node.strip()
    if not node or node[0] == "_" or node.lower() == "unknown":
        return None
    return parse_ip(node, obfuscated_port=True)


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


_TCHAR = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_value_of = itemgetter(1)
#: Bytes that continue an address on its left (``11.2.3.4`` is not ``1.2.3.4``).
_WORD = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset(b"0123456789")
_LOOPBACK4 = 127
_LOOPBACK6 = 1


def _is_loopback(address: Address) -> bool:
    return address[1] >> 24 == _LOOPBACK4 if address[0] == 4 else address[1] == _LOOPBACK6


def address_forms(address: Address) -> tuple[bytes, ...]:
    """Every text form of ``address`` the any-header scrub looks for (lower case).

    IPv4: the dotted quad (which also finds ``a.b.c.d:port``, ``[::ffff:a.b.c.d]``
    and ``::ffff:a.b.c.d``) and the hexadecimal IPv4-mapped form
    ``::ffff:102:304`` (in lower case only). IPv6, in any letter case:
    compressed (RFC 5952), uncompressed with and without leading zeros, and,
    for NAT64 ``64:ff9b::/96``, the dotted tail.
    """
    version, value = address
    if version == 4:
        dotted = _inet_ntop(_AF_INET, value.to_bytes(4, "big")).encode("ascii")
        return dotted, b"::ffff:%x:%x" % (value >> 16, value & 0xFFFF)
    groups = [(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    forms = [
        _inet_ntop(_AF_INET6, value.to_bytes(16, "big")).encode("ascii"),
        b":".join(b"%04x" % g for g in groups),
        b":".join(b"%x" % g for g in groups),
    ]
    if value >> 32 == _NAT64_TOP:
        tail = _inet_ntop(_AF_INET, (value & 0xFFFFFFFF).to_bytes(4, "big"))
        forms.append(b"64:ff9b::" + tail.encode("ascii"))
    return tuple(dict.fromkeys(forms))


#: Maximal runs of characters an IPv6 or IPv4-mapped spelling is made of.
_SPELLING = re.compile(rb"[0-9a-f.:]*:[0-9a-f.:]*")


def _distinctive_group(address: Address) -> bytes:
    """The hex text of the group with the most digits: every spelling holds it."""
    value = address[1]
    groups = [(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    return b"%x" % max(groups, key=lambda g: (g.bit_length(), g))


def _spellings(lowered: bytes, address: Address) -> list[bytes]:
    """The spellings of ``address`` in a (lower-cased) blob, as they are written.

    Every run of address characters holding a ``:`` is parsed (also without a
    trailing ``:port`` and without stray ``:``/``.`` at its ends): whatever
    ``inet_pton`` reads as ``address`` (IPv4-mapped forms unwrapped) is one.
    """
    out: list[bytes] = []
    for match in _SPELLING.finditer(lowered):
        token = match.group(0)
        if len(token) < 3 or len(token) > 64:
            continue
        candidates = {token, token.strip(b":."), token.rsplit(b":", 1)[0]}
        for candidate in candidates:
            if candidate and parse_ip(candidate.decode("ascii")) == address:
                out.append(candidate)
    return list(dict.fromkeys(out))


def _replacement(form: bytes, truncated: Address) -> bytes:
    """The text that stands for ``truncated`` in the shape of ``form``."""
    version, value = truncated
    if version == 4:
        if form.startswith(b"::ffff:"):
            return b"::ffff:%x:%x" % (value >> 16, value & 0xFFFF)
        return _inet_ntop(_AF_INET, value.to_bytes(4, "big")).encode("ascii")
    return _inet_ntop(_AF_INET6, value.to_bytes(16, "big")).encode("ascii")


def _is_ipv6(text: bytes) -> bool:
    try:
        _inet_pton(_AF_INET6, text.decode("latin-1"))
    except (OSError, ValueError):
        return False
    return True


def _port_end(value: bytes, i: int) -> int:
    """End of ``:port`` at ``value[i]`` (a ``:``), or ``-1`` when no port is there."""
    j = i + 1
    n = len(value)
    while j < n and j - i <= 6 and value[j] in _DIGITS:
        j += 1
    if j == i + 1 or j - i > 6:
        return -1
    if j < n and (value[j] in _WORD or value[j] in b":."):
        return -1
    return j


def _rewrite(value: bytes, lowered: bytes, form: bytes, repl: bytes, v6: bool) -> bytes | None:
    """``value`` with every *whole* occurrence of ``form`` replaced (a port becomes 0).

    ``lowered`` is ``value.lower()`` (same offsets). An occurrence inside a
    longer token is not the address: ``10.0.0.12`` and ``v10.0.0.1`` do not
    contain ``10.0.0.1``; ``2001:db8::12`` and ``2001:db8::1:5`` do not
    contain ``2001:db8::1``. ``None`` when nothing was replaced.
    """
    out: list[bytes] = []
    start = 0
    pos = lowered.find(form)
    n = len(value)
    size = len(form)
    while pos >= 0:
        end = pos + size
        before = value[pos - 1] if pos else 0x20
        ok = before not in _WORD and before != 0x2E and not (v6 and before == 0x3A)
        if ok and end < n:
            after = value[end]
            if after in _WORD:
                ok = False
            elif after == 0x2E:  # "." then a digit: a longer dotted address
                ok = not (end + 1 < n and value[end + 1] in _DIGITS)
            elif after == 0x3A:  # ":" : a port, or a longer IPv6 address
                port = _port_end(value, end)
                if port >= 0 and v6 and _is_ipv6(lowered[pos:port]):
                    port = -1  # "2001:db8::1:5" is another address, not a port
                if port >= 0:
                    out.append(value[start:pos])
                    # An unbracketed IPv6 with a port (CloudFront's shape) gets
                    # brackets: "2001:db8::" + ":0" would read as another address.
                    out.append(b"[" + repl + b"]:0" if v6 else repl + b":0")
                    start = port
                    pos = lowered.find(form, port)
                    continue
                ok = not v6 and not form.startswith(b"::")
            elif after == 0x5D and end + 1 < n and value[end + 1] == 0x3A:
                port = _port_end(value, end + 1)  # "[v6]:port"
                if port >= 0:
                    out.append(value[start:pos])
                    out.append(repl + b"]:0")
                    start = port
                    pos = lowered.find(form, port)
                    continue
        if ok:
            out.append(value[start:pos])
            out.append(repl)
            start = end
        pos = lowered.find(form, end)
    if not out:
        return None
    out.append(value[start:])
    return b"".join(out)


class ClientResolver:
    """The one owner of the client address: trust, the hop walk, truncation, scrubbing.

    Built once from the middleware's options (in the manner of uvicorn's
    ``_TrustedHosts``). Per request, :meth:`resolve` takes the socket peer
    (``scope["client"]``), the forwarding header pairs the one header pass
    found (:func:`privmw.signals.read_headers`) and the header list, and
    returns the full address (for the caller's locals only), the truncated
    text that everything downstream sees, and the scrubbed header list (or
    ``None`` when the headers need no change).

    Scrubbing has three layers: ``X-Forwarded-For``/``Forwarded`` are
    rewritten to name the truncated client; every other header in
    :data:`FORWARDING_HEADERS` (and in ``scrub_header_names``) is removed; and
    **any** other header whose value contains the full client address or the
    socket peer's address (see :func:`address_forms`), as a whole address, has
    it replaced by the truncated form (a port after it becomes ``0``). That
    last layer costs one ``bytes.join`` and one ``in`` test per form for a
    request that carries no such value. Loopback addresses and the address
    the ``Host`` header names are the server's own and are left alone, and
    ``Host`` itself is never edited.

    Args:
        trusted_proxies: see :class:`TrustedProxies`.
        proxy_headers: headers read from a trusted peer, in order of preference.
        ipv4_prefix, ipv6_prefix: bits kept (see :class:`Truncator`).
        scrub_headers: switch all three layers on (default) or off.
        scrub_header_names: more header names to remove, like the platform
            headers of :data:`FORWARDING_HEADERS` (case-insensitive tokens;
            not ``Host``, ``Cookie``, ``Sec-GPC`` or ``DNT``).
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
        "scan_values",
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
        scrub_header_names: Iterable[str] = (),
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
        extra = _header_names(owner, "scrub_header_names", scrub_header_names)
        #: Header names the header pass hands over: all of them are read or scrubbed.
        self.forwarding = FORWARDING_HEADERS | extra
        #: The any-header scrub (on with ``scrub_headers``; the benchmarks switch it off).
        self.scan_values = self.scrub
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
            count = len(forwarding)
            if count == 1:  # the common case: one header, read where it stands
                name, value = forwarding[0]
                if name == _XFF:
                    xff = value
                elif name == _FORWARDED:
                    fwd = value
                elif name == _REAL_IP:
                    real = value
            else:  # several fields of a name are joined once (linear in their number)
                xffs = [v for n, v in forwarding if n == _XFF]
                fwds = [v for n, v in forwarding if n == _FORWARDED]
                reals = [v for n, v in forwarding if n == _REAL_IP]
                xff = b",".join(xffs) if xffs else None
                fwd = b",".join(fwds) if fwds else None
                real = reals[-1] if reals else None

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
        if self.scan_values and (address is not None or peer is not None):
            if (
                peer is None
                and host.__class__ is str
                and host is not text
                and not host.startswith("127.")
                and host != "::1"
            ):
                peer = parse_ip(host)
            if scrubbed is not None:
                rest = scrubbed
            else:
                rest = headers if isinstance(headers, list) else list(headers)
            # The dotted text the address was read from is canonical (inet_pton
            # accepted it as a plain quad): no need to format it again.
            known = text if address is not None and address[0] == 4 and text else None
            if peer is None and known is not None and ":" not in known:
                # The common case: one IPv4 client read as a dotted quad, no
                # peer to look for. Nothing to hide when the truncation is the
                # address itself; else one join and two ``in`` tests decide:
                # only a request holding the quad itself, or ":" and "ffff" in
                # any case (an IPv4-mapped spelling), goes on to the full scan,
                # which looks for exactly those (every URL in a Referer or an
                # Origin holds a ":", so ":" alone would send nearly all).
                if shown != known and not known.startswith("127."):
                    blob = b"\x00".join([pair[1] for pair in rest])
                    if (
                        known.encode("ascii") in blob or (b":" in blob and b"ffff" in blob.lower())
                    ) and self._scan(rest, address, None, known, blob):
                        scrubbed = rest
            elif self._scan(rest, address, peer, known):
                scrubbed = rest
        return address, shown, scrubbed

    def _scan(
        self,
        headers: _HeaderList,
        address: Address | None,
        peer: Address | None,
        known: str | None = None,
        blob: bytes | None = None,
    ) -> bool:
        """Replace the client's and the peer's address in any header value, in place.

        The fast path is one join of the values (``blob``, when the caller
        made it already) and one ``in`` test per form; only a hit walks the
        headers. ``True`` when a value was changed.
        """
        targets: list[Address] = []
        if address is not None and not _is_loopback(address):
            targets.append(address)
        if peer is not None and peer != address and not _is_loopback(peer):
            targets.append(peer)
        if not targets:
            return False
        if blob is None:
            blob = b"\x00".join([pair[1] for pair in headers])
        lowered: bytes | None = None
        hits: list[tuple[bytes, bytes, bool]] = []
        mask = self.truncator.mask
        for target in targets:
            truncated = mask(target)
            if truncated == target:
                continue  # nothing to hide: the address is its own truncation
            if target[0] == 4:
                # Fast path: the dotted quad (also inside "a.b.c.d:port" and
                # "::ffff:a.b.c.d"), and IPv4-mapped hexadecimal spellings only
                # when the request holds an "ffff" at all.
                value = target[1]
                if known is not None and target is address and ":" not in known:
                    dotted = known.encode("ascii")
                else:
                    dotted = _inet_ntop(_AF_INET, value.to_bytes(4, "big")).encode("ascii")
                if dotted in blob:
                    hits.append((dotted, _replacement(dotted, truncated), False))
                if b":" not in blob:
                    continue
                if lowered is None:
                    lowered = blob.lower()
                if b"ffff" in lowered:
                    for form in _spellings(lowered, target):
                        hits.append((form, _replacement(b"::ffff:", truncated), True))
                continue
            if lowered is None:
                lowered = blob.lower()
            found = False
            for form in address_forms(target):
                if form in lowered:
                    hits.append((form, _replacement(form, truncated), True))
                    found = True
            # Other spellings (zeros compressed elsewhere, some groups padded):
            # each holds the address's most distinctive group as written.
            if not found and _distinctive_group(target) in lowered:
                for form in _spellings(lowered, target):
                    hits.append((form, _replacement(form, truncated), True))
        if not hits:
            return False
        return self._rewrite_values(headers, hits)

    @staticmethod
    def _rewrite_values(headers: _HeaderList, hits: list[tuple[bytes, bytes, bool]]) -> bool:
        own = None
        for name, value in headers:
            if name in SERVER_HEADERS:
                own = value.decode("latin-1").strip()
                break
        if own:
            server = parse_ip(own) or parse_ip(own.rsplit(":", 1)[0])
            if server is not None:  # the address Host names is the server's own
                forms = set(address_forms(server))
                hits = [h for h in hits if h[0] not in forms]
        changed = False
        for i, (name, value) in enumerate(headers):
            if name in SERVER_HEADERS:
                continue
            lowered = value.lower()
            new = value
            for form, repl, v6 in hits:
                if form in lowered:
                    out = _rewrite(new, lowered, form, repl, v6)
                    if out is not None:
                        new = out
                        lowered = new.lower()
            if new is not value:
                headers[i] = (name, new)
                changed = True
        return changed

    def _scrub(
        self,
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
        forwarding = self.forwarding
        out = [pair for pair in headers if pair[0] not in forwarding]
        if address is not None:
            if had_xff:
                out.append((_XFF, shown.encode("ascii")))
            if forwarded is not None:
                raw = forwarded.decode("latin-1")
                out.append((_FORWARDED, _rewrite_forwarded(raw, shown, address[0])))
        return out


def _header_names(owner: str, option: str, value: object) -> frozenset[bytes]:
    """Validated, lower-cased header names an app adds to the scrubbed set."""
    names = check_strings(owner, option, value)
    out: set[bytes] = set()
    for name in names:
        if not _TCHAR.fullmatch(name):
            fail(owner, f"{option} entries", "header names like 'X-Client-Address'", name)
        lower = name.lower().encode("ascii")
        if lower in SERVER_HEADERS or lower in (b"cookie", b"sec-gpc", b"dnt"):
            fail(
                owner,
                f"{option} entries",
                "headers that carry a client address",
                name,
                "privmw reads this header itself and must not remove it",
            )
        out.add(lower)
    return frozenset(out)
