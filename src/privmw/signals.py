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

__all__ = ["dnt_set", "gpc_set", "parse_signals"]

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


def parse_signals(headers: Iterable[tuple[bytes, bytes]]) -> tuple[bool, bool]:
    """``(gpc, dnt)`` for a list of raw ``(name, value)`` header pairs.

    Several ``Sec-GPC`` fields: any ``1`` wins. Several ``DNT`` fields (which
    a browser never sends): any ``1`` wins, the privacy-safe reading.
    The middleware inlines this loop into its single header pass; this
    function is the reference and is what the tests table-check.
    """
    gpc = dnt = False
    for name, value in headers:
        if name == b"sec-gpc":
            gpc = gpc or gpc_set(value)
        elif name == b"dnt":
            dnt = dnt or dnt_set(value)
    return gpc, dnt
