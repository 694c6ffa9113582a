"""``Sec-GPC`` and ``DNT``, read exactly as their specifications say.

Pure functions over raw header bytes (what ``scope["headers"]`` holds), so the
middleware calls them inside its one pass over the request headers.

References:
    W3C Global Privacy Control, section "The Sec-GPC header field":
    ``Sec-GPC-field-value = "1"``; a server ignores any other value, and when
    several ``Sec-GPC`` fields arrive and any one is ``1`` the request has
    GPC set. https://w3c.github.io/gpc/
    W3C Tracking Preference Expression (DNT), section 5.2:
    ``DNT-field-value = ( "0" / "1" ) *DNT-extension``; only the first
    character carries the preference. https://www.w3.org/TR/tracking-dnt/
    RFC 9110, section 5.5: leading and trailing optional whitespace (SP, HTAB)
    is not part of a field value, so ``b"1 "`` as raw bytes is the value ``1``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__: list[str] = []  # internal: the signals reach users as PrivacyContext.gpc/.dnt

_OWS = b" \t"


def gpc_set(value: bytes) -> bool:
    """Whether one ``Sec-GPC`` field value means "GPC on": exactly ``1``.

    ``0``, ``true``, ``yes``, ``01``, ``1.0`` and the empty value all mean
    nothing. A field a proxy combined from several lines (``1, 1``) counts when
    any member is exactly ``1``, as separate fields would.
    """
    if value == b"1":  # the only value browsers send: fast path
        return True
    if b"," in value:
        return any(part.strip(_OWS) == b"1" for part in value.split(b","))
    return value.strip(_OWS) == b"1"


def dnt_set(value: bytes) -> bool:
    """Whether one ``DNT`` field value means "do not track": first character ``1``."""
    return value[:1] == b"1" or value.lstrip(_OWS)[:1] == b"1"


_COOKIE = b"cookie"
_SEC_GPC = b"sec-gpc"
_DNT = b"dnt"
#: The request headers privmw reads besides the forwarding headers.
SIGNAL_HEADERS = frozenset({_COOKIE, _SEC_GPC, _DNT})
_HeaderList = list[tuple[bytes, bytes]]


def read_headers(
    headers: Iterable[tuple[bytes, bytes]], wanted: frozenset[bytes] = SIGNAL_HEADERS
) -> tuple[bool, bool, bytes | None, _HeaderList | None, _HeaderList | None]:
    """The one pass over the request headers that every request runs.

    Returns ``(gpc, dnt, cookie, forwarded, normalised)``: the two signals,
    the ``Cookie`` fields joined with ``"; "`` (``None`` when absent), the
    pairs whose name is in ``wanted`` but is no signal, in their order
    (``None`` when there are none), for
    :class:`privmw.clientip.ClientResolver`, and the header list with its
    names lower-cased when the given one had a name that was not (``None``
    otherwise: servers lower-case names, as ASGI requires, but an outer
    middleware or a test client may not; the caller stores the new list so
    that nothing downstream sees a header privmw did not read).

    ``wanted`` is built once (:data:`SIGNAL_HEADERS` plus the forwarding
    header names). Most headers cost one set lookup and one ``islower``.
    Several ``Sec-GPC`` fields: any ``1`` wins; several ``DNT`` fields (which a
    browser never sends): any ``1`` wins, the privacy-safe reading. Repeated
    fields are collected and joined once: linear in their number.
    """
    gpc = dnt = False
    cookie: bytes | None = None
    cookies: list[bytes] | None = None
    found: _HeaderList | None = None
    for pair in headers:
        name = pair[0]
        if name not in wanted:  # most headers: one set lookup
            if not name.islower() and name != name.lower():
                return _normalised(headers, wanted)
            continue
        if name == _COOKIE:
            if cookie is None:
                cookie = pair[1]
            elif cookies is None:
                cookies = [cookie, pair[1]]
            else:
                cookies.append(pair[1])
        elif name == _SEC_GPC:
            gpc = gpc or gpc_set(pair[1])
        elif name == _DNT:
            dnt = dnt or dnt_set(pair[1])
        elif found is None:
            found = [pair]
        else:
            found.append(pair)
    if cookies is not None:
        cookie = b"; ".join(cookies)
    return gpc, dnt, cookie, found, None


def _normalised(
    headers: Iterable[tuple[bytes, bytes]], wanted: frozenset[bytes]
) -> tuple[bool, bool, bytes | None, _HeaderList | None, _HeaderList | None]:
    """:func:`read_headers` over a copy of ``headers`` with lower-case names."""
    lowered = [(bytes(name).lower(), value) for name, value in headers]
    gpc, dnt, cookie, found, _ = read_headers(lowered, wanted)
    return gpc, dnt, cookie, found, lowered


def parse_signals(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bool, bool]:
    """``(gpc, dnt)`` of a list of raw header pairs (:func:`read_headers` without the rest)."""
    gpc, dnt, _, _, _ = read_headers(headers)
    return gpc, dnt
