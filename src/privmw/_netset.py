"""CIDR sets over ``(version, integer)`` addresses: trusted proxies, allow and deny lists.

Parsed once with :mod:`ipaddress`; matching is integer masking with no object
built per request. IPv4-mapped IPv6 networks (``::ffff:10.0.0.0/104``) name
IPv4 peers, since :func:`privmw.clientip.parse_ip` unwraps mapped addresses.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ._validate import check_strings, fail

__all__ = ["Address", "NetSet"]

#: ``(version, integer)``: 4 or 6, and the address as an unsigned integer.
Address = tuple[int, int]

_V4_MAPPED_TOP = 0xFFFF


class NetSet:
    """Addresses and CIDR networks; ``address in netset`` by masking.

    Args:
        entries: ``"192.0.2.7"``, ``"10.0.0.0/8"``, ``"2001:db8::/32"``.
        owner, option: who is configured, for error messages.
        extra: literal entries accepted besides networks (``"*"``, ``"unix"``);
            they are returned in :attr:`flags` and not parsed.
    """

    __slots__ = ("_nets4", "_nets6", "exact", "flags", "networks")

    def __init__(
        self,
        entries: Iterable[str],
        *,
        owner: str,
        option: str,
        extra: tuple[str, ...] = (),
    ) -> None:
        nets4: list[tuple[int, int]] = []
        nets6: list[tuple[int, int]] = []
        names: list[str] = []
        exact: set[str] = set()
        flags: set[str] = set()
        forms = '"192.0.2.7", "10.0.0.0/8", "::1", "2001:db8::/32"'
        if extra:
            forms += ", " + ", ".join(f'"{e}"' for e in extra)
        for item in check_strings(owner, option, entries):
            entry = item.strip()
            if entry in extra:
                flags.add(entry)
                names.append(entry)
                continue
            try:
                net = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                fail(owner, f"{option} entries", f"IP addresses or CIDR networks ({forms})", item)
            names.append(str(net))
            if net.num_addresses == 1:
                # Single addresses by canonical text: the caller may test a
                # peer string against this set before parsing it. This is
                # configuration, not a cache of client addresses.
                exact.add(str(net.network_address))
            value, mask = int(net.network_address), int(net.netmask)
            if net.version == 4:
                nets4.append((value, mask))
            elif net.prefixlen >= 96 and value >> 32 == _V4_MAPPED_TOP:
                nets4.append((value & 0xFFFFFFFF, mask & 0xFFFFFFFF))
            else:
                nets6.append((value, mask))
        self._nets4 = tuple(nets4)
        self._nets6 = tuple(nets6)
        self.networks = tuple(names)
        self.exact = frozenset(exact)
        self.flags = frozenset(flags)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __repr__(self) -> str:
        return f"NetSet({list(self.networks)!r})"

    def __contains__(self, address: Address | None) -> bool:
        if address is None:
            return False
        version, value = address
        for net, mask in self._nets4 if version == 4 else self._nets6:
            if value & mask == net:
                return True
        return False
