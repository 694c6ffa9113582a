"""How a browser reads a response body: an oracle independent of privmw's own code.

Follows the specifications step by step, not privmw's helpers:

* Fetch §3.5 "extract a MIME type": every ``Content-Type`` value, split on
  commas outside quotes; the *last* valid type wins;
* Content codings (RFC 9110 §8.4): gzip/deflate are undone, in reverse order;
* HTML §13.2.3.2 "encoding sniffing": a byte order mark decides first, then
  the transport's charset label (WHATWG Encoding §4.2 labels for UTF-16);
* MIME Sniffing §7: a response with no valid type is sniffed (an HTML or
  ``<script`` signature makes it a document).
"""

from __future__ import annotations

import gzip
import re
import zlib

Headers = list[tuple[bytes, bytes]]

#: WHATWG Encoding labels of UTF-16LE and UTF-16BE (section 4.2, the "Encodings" table).
UTF16LE = {"csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"}
UTF16BE = {"unicodefffe", "utf-16be"}
#: Types a browser renders as a document that runs scripts.
DOCUMENT_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
}
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
LIVE_TRACKER = re.compile(
    r"<script\b[^>]*\s(?:src|href|xlink:href)\s*=\s*[\"']?https://www\.google-analytics\.com",
    re.IGNORECASE,
)


def _values(headers: Headers, name: bytes) -> list[str]:
    return [v.decode("latin-1") for n, v in headers if n.lower() == name]


def _split_commas(value: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def mime_type(headers: Headers) -> tuple[str, str | None] | None:
    """``(essence, charset)`` by Fetch's "extract a MIME type", or ``None`` (failure)."""
    essence: str | None = None
    charset: str | None = None
    for value in _values(headers, b"content-type"):
        for item in _split_commas(value):
            kind, _, params = item.partition(";")
            kind = kind.strip(" \t\r\n").lower()
            if not _TOKEN.match(kind) or kind == "*/*":
                continue
            new_charset = None
            for param in params.split(";"):
                key, eq, val = param.partition("=")
                if eq and key.strip(" \t").lower() == "charset":
                    new_charset = val.strip(" \t").strip('"').lower()
                    break
            if kind != essence or new_charset is not None:
                charset = new_charset
            essence = kind
    return None if essence is None else (essence, charset)


def decoded_body(headers: Headers, body: bytes) -> bytes:
    """The body with its content codings undone (gzip, deflate; identity ignored)."""
    codings = [
        c.strip().lower() for v in _values(headers, b"content-encoding") for c in v.split(",")
    ]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            body = zlib.decompress(body)
    return body


def text_of(charset: str | None, body: bytes) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    if body.startswith(b"\xff\xfe"):
        return body[2:].decode("utf-16-le", "replace")
    if body.startswith(b"\xfe\xff"):
        return body[2:].decode("utf-16-be", "replace")
    if charset in UTF16LE:
        return body.decode("utf-16-le", "replace")
    if charset in UTF16BE:
        return body.decode("utf-16-be", "replace")
    return body.decode("latin-1")  # every ASCII-compatible encoding reads "<script" alike


def live_tracker(headers: Headers, body: bytes) -> bool:
    """Whether the browser would run the Google Analytics tag in this response."""
    mime = mime_type(headers)
    nosniff = any(
        v.strip().lower() == "nosniff" for v in _values(headers, b"x-content-type-options")
    )
    if mime is None and nosniff:
        return False
    if mime is not None and mime[0] not in DOCUMENT_TYPES:
        return False
    text = text_of(mime[1] if mime else None, decoded_body(headers, body))
    return LIVE_TRACKER.search(text) is not None
