"""Header constants built once, the one ``Vary`` merge, and plain responses as data.

Feature modules answer with a :class:`Response` (status, header list, body);
only the ASGI glue (``middleware``, ``_responder``) turns one into messages.

References:
    RFC 9110 section 12.5.5 (``Vary``: a list of field names, ``*`` alone
    means "anything"); RFC 9457 (problem details, ``application/problem+json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

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
    "merge_vary",
    "not_allowed",
    "problem",
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
