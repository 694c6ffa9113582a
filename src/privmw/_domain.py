"""The registrable domain of a host (eTLD+1), by the Public Suffix List.

Tracker scripts write their cookies on the highest domain the browser lets
them use (Google Analytics' ``cookie_domain: "auto"`` tries ``github.io``,
is refused, then takes ``foo.github.io``), and browsers refuse ``Domain=`` on
a public suffix. So the domain privmw expires tracker cookies on is the one
the Public Suffix List gives, private section included: ``foo.github.io`` for
``foo.github.io`` itself, ``example.co.uk`` for ``www.example.co.uk``, none
for ``github.io`` or ``co.uk``.

The list comes with the ``publicsuffixlist`` package (MPL-2.0, used
unmodified, works offline). It is parsed once per process on first use
(about 80 ms) and is immutable afterwards: it is configuration, not a cache of
client values. Before the list is asked, privmw's own checks refuse what is no
host name a cookie could be scoped to: IP literals, single labels
(``localhost``), an invalid port, labels that are empty, too long or hold
characters a host cannot. Unicode hosts are converted to A-labels with IDNA
(the standard library's IDNA 2003 codec); a label with one of the four
characters IDNA 2003 and browsers' UTS #46 treat differently (``ß``, ``ς``,
ZWJ, ZWNJ) gets no domain rather than a guess.

References:
    https://publicsuffix.org/list/ (the list and its algorithm);
    RFC 6265 section 5.3 step 5 (a Domain attribute on a public suffix is
    refused); RFC 3490 (IDNA 2003); UTS #46.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ._cache import BoundedCache, CacheInfo
from .clientip import parse_ip, valid_port

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

__all__: list[str] = []

#: Longest host name read (RFC 1035: 253 characters plus a trailing dot).
MAX_HOST = 254
_DEVIATIONS = frozenset("\u00df\u03c2\u200c\u200d")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")

_lock = threading.Lock()
_loaded: list[PublicSuffixList] = []


def public_suffix_list() -> PublicSuffixList:
    """The Public Suffix List, parsed on first use (once per process, thread-safe)."""
    if not _loaded:
        with _lock:
            if not _loaded:
                from publicsuffixlist import PublicSuffixList

                # accept_unknown: an unlisted TLD counts as one label ("*" rule),
                # as Chromium treats it (Domain=foo.internal is accepted there).
                _loaded.append(PublicSuffixList(accept_unknown=True))
    return _loaded[0]


def host_name(host: str) -> str | None:
    """``host`` (maybe with a port) as lower-case A-labels, or ``None`` if it is no host name.

    ``None`` for IP literals (``203.0.113.9``, ``[2001:db8::1]``, a numeric
    last label such as ``1.2.3`` or ``0x7f.1``), an invalid port, empty or
    over-long labels and characters a host name cannot hold.
    """
    host = host.strip().rstrip(".").lower() if len(host) <= MAX_HOST + 6 else ""
    if not host or host[0] == "[":
        return None
    if ":" in host:
        if host.count(":") != 1:
            return None  # an IPv6 literal without brackets, or junk
        host, _, port = host.partition(":")
        if not valid_port(port):
            return None
        host = host.rstrip(".")
    if not host or parse_ip(host) is not None:
        return None
    labels = host.split(".")
    last = labels[-1]
    if last.isdigit() or last.startswith("0x"):
        return None  # browsers parse such a host as an IPv4 address
    out: list[str] = []
    for label in labels:
        if not label.isascii():
            if _DEVIATIONS.intersection(label):
                return None
            try:
                label = label.encode("idna").decode("ascii").lower()
            except UnicodeError:
                return None
        if not label or len(label) > 63 or not _HOST_CHARS.issuperset(label):
            return None
        if label[0] == "-" or label[-1] == "-":
            return None
        out.append(label)
    name = ".".join(out)
    return name if len(name) <= MAX_HOST else None


def registrable_domain(host: str) -> str | None:
    """The registrable domain of a ``Host`` value, or ``None`` (IP, single label, public suffix).

    ``www.example.co.uk`` → ``example.co.uk``; ``foo.github.io`` →
    ``foo.github.io`` (a private suffix: the host is its own registrable
    domain); ``github.io``, ``co.uk``, ``localhost``, ``127.0.0.1`` → ``None``;
    ``www.bücher.de`` → ``xn--bcher-kva.de``. Never raises.
    """
    name = host_name(host)
    if name is None or "." not in name:
        return None
    try:
        return public_suffix_list().privatesuffix(name) or None
    except Exception:  # defensive: the host is client input
        return None


class DomainCache:
    """:func:`registrable_domain` per ``Host`` value, in a bounded cache.

    Hosts are client-chosen: the cache is bounded in entries and bytes, and a
    value longer than a host name can be is never looked up or kept.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: BoundedCache[str, str] = BoundedCache(
            1024, max_bytes=128 * 1024, max_item=MAX_HOST + 8
        )

    def __call__(self, host: str) -> str | None:
        cached = self._cache.get(host)
        if cached is None:
            if len(host) > MAX_HOST + 6:
                return None
            cached = self._cache.put(host, registrable_domain(host) or "", len(host))
        return cached or None

    def cache_info(self) -> CacheInfo:
        return self._cache.cache_info()
