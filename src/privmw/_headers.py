"""Header constants built once, the one ``Vary`` merge, and plain responses as data.

Feature modules answer with a :class:`Response` (status, header list, body);
only the ASGI glue (``middleware``, ``_responder``) turns one into messages.

References:
    RFC 9110 section 12.5.5 (``Vary``: a list of field names, ``*`` alone
    means "anything"); RFC 9457 (problem details, ``application/problem+json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from .clientip import parse_ip, valid_port

__all__ = [
    "HTML",
    "JSON",
    "NO_STORE",
    "PRIVATE",
    "VARY_TOKENS",
    "VARY_VALUE",
    "Headers",
    "Request",
    "Response",
    "find",
    "header_map",
    "is_https",
    "merge_vary",
    "not_allowed",
    "origin_of",
    "problem",
    "request_origin",
]

Headers = list[tuple[bytes, bytes]]

#: What a response's content can depend on once privmw runs (consent cookie, signals).
VARY_TOKENS: tuple[bytes, ...] = (b"Cookie", b"Sec-GPC", b"DNT")
VARY_VALUE = b", ".join(VARY_TOKENS)
_VARY_LOWER = tuple(t.lower() for t in VARY_TOKENS)

JSON: tuple[tuple[bytes, bytes], ...] = ((b"content-type", b"application/json"),)
HTML: tuple[tuple[bytes, bytes], ...] = ((b"content-type", b"text/html; charset=utf-8"),)
NO_STORE: tuple[tuple[bytes, bytes], ...] = ((b"cache-control", b"no-store"),)
#: A per-visitor answer: never stored by a cache, and says what it varies on.
PRIVATE: tuple[tuple[bytes, bytes], ...] = (*NO_STORE, (b"vary", VARY_VALUE))


def find(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of ``name`` (lower-case bytes), matched case-insensitively."""
    for key, value in headers:
        if key == name or key.lower() == name:
            return value
    return None


def merge_vary(values: Iterable[bytes], tokens: tuple[bytes, ...] = VARY_TOKENS) -> bytes:
    """One ``Vary`` value: the given values joined, with each of ``tokens`` added once.

    Case-insensitive and idempotent; ``*`` anywhere stays ``*`` alone. With no
    values (or only empty ones) the result is the tokens themselves.
    """
    present: list[bytes] = []
    seen: set[bytes] = set()
    for value in values:
        for token in value.split(b","):
            token = token.strip()
            low = token.lower()
            if not token or low in seen:
                continue
            if low == b"*":
                return b"*"
            seen.add(low)
            present.append(token)
    lowered = _VARY_LOWER if tokens is VARY_TOKENS else tuple(t.lower() for t in tokens)
    present += [t for t, low in zip(tokens, lowered, strict=True) if low not in seen]
    return b", ".join(present)


class Request:
    """A request to one of privmw's own routes, as data (the glue reads the body).

    ``headers`` maps lower-case names to values (several ``Cookie`` fields
    joined with ``"; "``, other repeats: the last wins).
    """

    __slots__ = ("body", "headers", "https", "method", "path", "query")

    def __init__(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes = b"",
        *,
        https: bool = False,
        query: str = "",
    ) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.https = https
        self.query = query

    def __repr__(self) -> str:
        return f"Request({self.method} {self.path}, {len(self.body)} bytes)"


def header_map(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Raw header pairs as a ``{lower-case name: value}`` dict for :class:`Request`."""
    out: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        if key == "cookie":
            cookies.append(text)  # joined once: linear in the number of fields
        else:
            out[key] = text
    if cookies:
        out["cookie"] = "; ".join(cookies)
    return out


class Response:
    """A complete answer as data: ``status``, ``headers`` (list of byte pairs), ``body``."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Headers, body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"Response({self.status}, {len(self.headers)} headers, {len(self.body)} bytes)"


def problem(status: int, title: str, detail: str, *, kind: str = "about:blank") -> Response:
    """An RFC 9457 ``application/problem+json`` answer, private to the visitor."""
    body = json.dumps(
        {"type": kind, "title": title, "status": status, "detail": detail},
        separators=(",", ":"),
    ).encode()
    return Response(status, [(b"content-type", b"application/problem+json"), *PRIVATE], body)


def not_allowed(allow: str) -> Response:
    """405 naming the methods that are allowed."""
    response = problem(405, "Method Not Allowed", f"use {allow}")
    response.headers.append((b"allow", allow.encode("ascii")))
    return response


def is_https(scope: Any) -> bool:
    """Whether the request came over TLS (directly, or per ``X-Forwarded-Proto``)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return bool(value.strip().lower() == b"https")
    return False


# A host name as a browser sends it in Host: ASCII (IDNs as A-labels), labels of
# letters, digits, "-" and "_" (the URL Standard allows "_"), 63 at most, one
# trailing dot allowed. IPv4 literals are such names too.
_HOST_NAME = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?"
)


def request_origin(scope: Any) -> str | None:
    """``scheme://host[:port]`` of the request (its ``Host`` and TLS), or ``None``.

    For privmw's own URLs in a page (the activation script, the banner's
    script, stylesheet and form): absolute, so a ``<base href>`` in the page
    cannot send them to another host. ``Host`` is chosen by the client, so
    it must be a host name, an IPv4 literal or a bracketed IPv6 literal, with
    an optional port (RFC 9110 §7.2, RFC 3986 §3.2.2), nothing else: no
    userinfo, path, quote or space can get into the markup. ``None`` when it
    is missing or not such a value (callers then use a root-relative path).
    The scheme follows :func:`is_https`, as the consent cookie's ``Secure``.
    """
    host = None
    for name, value in scope.get("headers", ()):
        if name == b"host":
            host = value
            break
    return origin_of(host, is_https(scope))


def origin_of(host: bytes | str | None, https: bool) -> str | None:
    """``http(s)://host[:port]`` for a ``Host`` value, or ``None`` (see :func:`request_origin`)."""
    if host is None or not 0 < len(host) <= 262:
        return None
    try:
        text = (host.decode("ascii") if isinstance(host, bytes) else host).lower()
        text.encode("ascii")
    except UnicodeError:
        return None
    if text[0] == "[":
        end = text.find("]")
        literal, port = text[1:end], text[end + 1 :]
        if end < 0 or ":" not in literal or parse_ip(literal) is None:
            return None
    else:
        literal, sep, port = text.partition(":")
        port = sep + port
        if len(literal) > 254 or _HOST_NAME.fullmatch(literal) is None:
            return None
    if port and (port[0] != ":" or not valid_port(port[1:])):
        return None
    return ("https://" if https else "http://") + text
