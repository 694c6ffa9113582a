"""What URL a browser fetches for an attribute value: scheme, host and path, WHATWG-exact.

One concept: given an HTML attribute value (entities already decoded) and the
document's base URL, which URL does the browser fetch? Tracker matching needs
the answer exactly, because every place where a hand-written approximation
differs from the browser is a way to load a tracker past the gate: extra or
back slashes (``///host``, ``/\\/host``), the code points IDNA maps to nothing
(soft hyphen, zero-width space, word joiner, BOM, variation selectors), the
ideographic full stops that IDNA maps to ``.``, Unicode newer than Python's
tables, the many spellings of an IPv4 address, and dot segments in paths
(``/./gtag/js``).

The answer comes from `ada <https://github.com/ada-url/ada>`_ (``ada-url``), a
parser that passes the web-platform-tests URL and IDNA suites. A parse costs a
few µs, and privmw resolves URL attributes of every page, so exact fast paths
answer the common shapes without it:

* ``http(s)`` and scheme-relative URLs whose host is plain ASCII (letters,
  digits, ``-``, ``_``; no ``xn--`` label, no last label starting with a
  digit) and whose path and query hold only characters the parser copies
  unchanged: the URL Standard itself says domain to ASCII is ASCII
  lower-casing for such hosts;
* relative references against an http(s) base (``/static/x.png``,
  ``img/a.jpg``, ``?page=2``, ``../a/./b.js``) under the same character rule,
  non-ASCII characters included (a relative reference has no host, so they
  are UTF-8 percent-encoded wherever they are);
* with an unknown base, any value that cannot carry a scheme or an authority
  (no ``:``, no leading pair of slashes): it is same-origin, so ``None``.

Dot segments (``.``, ``..``, ``%2e``...) are resolved on the fast path by the
URL Standard's path-state rules. Everything else (backslashes, tabs and
newlines, ports, userinfo, percent-encoded or non-ASCII hosts, IPv4 and IPv6)
goes to ada. Property tests check that the fast paths give exactly what ada
gives.

Queries are percent-encoded as UTF-8: for a document in a legacy encoding the
browser encodes a query's non-ASCII characters in that encoding instead. Hosts
and paths do not depend on the document's encoding.

Cost is linear in the value's length on every path (ada is linear; the fast
path patterns are anchored, with no nested repetition that could backtrack),
so there is no length limit: a value of any length is parsed whole and
answered exactly. (Browsers cap URL length, Chromium at 2 MiB; answering as if
fetched only gates more.) Nothing here raises on any ``str``, lone surrogates
included (they count as U+FFFD, as WebIDL's USVString conversion makes them).

References:
    WHATWG URL Standard, https://url.spec.whatwg.org/: §4.4 "URL parsing"
    (the basic URL parser), §3.5 "Host parsing" (the host parser, "ends in a
    number", the IPv4 parser), §3.3 "IDNA" (domain to ASCII, with its ASCII
    fast path), §5.1 "application/x-www-form-urlencoded parsing".
    WHATWG HTML Standard, §2.4.1 "Terminology" (document base URL, fallback
    base URL) and §4.2.3 "The base element" (frozen base URL).
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote, unquote_plus

from ada_url import URL

__all__ = [
    "NETWORK_SCHEMES",
    "Base",
    "Resolved",
    "document_base",
    "host_path",
    "parse_base",
    "query_param",
    "resolve",
]

#: Schemes whose host is a network host that a browser contacts. ``http`` and
#: ``https`` are what elements fetch; ``ws``/``wss`` are opened only from
#: script, but naming a vendor's host there is still the vendor's (over-gating
#: an element that cannot fetch costs nothing). ``ftp`` is not fetched by any
#: current browser, ``file`` is local.
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss"})

_SPECIAL = frozenset({"http", "https", "ws", "wss", "ftp", "file"})

#: The base a scheme-relative value (``//host/x``) is resolved against when the
#: document's base URL is unknown: only its scheme matters (the value brings
#: its own host), and documents privmw serves are http(s), which treat slashes
#: and backslashes alike.
_PLACEHOLDER_BASE = "https://privmw.invalid/"

# The basic URL parser strips leading and trailing C0 controls and spaces, then
# removes every ASCII tab and newline.
_C0_SPACE = "".join(chr(c) for c in range(0x21))
_SLASHES = "/\\"
# scheme start state + scheme state: ASCII alpha, then alphanumerics, + - .
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")

# -- fast path grammar -----------------------------------------------------
# Path characters the parser copies unchanged into a special URL's path: not
# in the path percent-encode set, not "\\" (a slash there), not "?" or "#".
# "%" stays as it is, but "%2e" can make a dot segment: see _path().
_PCHAR = r"[A-Za-z0-9\-._~!$&()*+,;=:@/%]"
# Query characters copied unchanged into a special URL's query (not in the
# special-query percent-encode set).
_QCHAR = r"[A-Za-z0-9\-._~!$&()*+,;=:@/?%]"
# Fragments do not change what is fetched: any printable ASCII but space.
_FRAG = r"(?:#[\x21-\x7e]*)?"
# http(s) or scheme-relative, with a host of ASCII letters, digits, "-" and
# "_" in non-empty labels: domain to ASCII is ASCII lower-casing for it
# (unless a label starts with "xn--" or the last one is a number).
_ABSOLUTE = re.compile(
    r"(?:([Hh][Tt][Tt][Pp][Ss]?):)?//"
    r"([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*)"
    rf"(/{_PCHAR}*)?"
    rf"(?:\?({_QCHAR}*))?" + _FRAG
)
_RELATIVE = re.compile(rf"({_PCHAR}*)(?:(\?)({_QCHAR}*))?" + _FRAG)
# A host whose last label starts with a digit may "end in a number" (digits,
# or 0x and hex digits): the full parse decides whether it is IPv4.
_DIGITS = frozenset("0123456789")
# Single- and double-dot path segments, %2e included (URL Standard §4.4).
_SINGLE_DOT = frozenset({".", "%2e"})
_DOUBLE_DOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Percent-encoded unreserved characters (RFC 3986 §2.3: ALPHA DIGIT - . _ ~).
_UNRESERVED_PCT = re.compile(r"%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DdEe]|5[Ff]|7[Ee])")


class Resolved(NamedTuple):
    """The parts of a parsed URL that decide where a browser sends the request.

    Attributes:
        scheme: lower case, without ``:`` (``"https"``, ``"blob"``).
        host: the serialised host: ASCII, lower case, IDNA-processed, with
            trailing dots removed (``connect.facebook.net.`` is another host to
            the browser, but the same vendor); IPv6 in brackets; ``""`` when
            the URL has no host (``data:``, ``javascript:``).
        port: the port as the parser serialises it, ``""`` for none or the
            scheme's default.
        path: as the parser serialises it: dot segments resolved, percent-
            encoding left as the parser leaves it, case kept. Lower-casing (or
            decoding) for matching is the caller's choice; :func:`host_path`
            does both.
        query: raw, without ``?``; ``""`` when absent or empty.
        ip: the host is an IPv4 or IPv6 address.
    """

    scheme: str
    host: str
    port: str
    path: str
    query: str
    ip: bool


class Base(NamedTuple):
    """A base URL parsed once (:func:`parse_base`), to resolve many values against.

    Attributes:
        href: its serialisation.
        resolved: its parts.
        directory: its path up to and including the last ``/``.
        segments: its path's segments but the last.
        fast: it is http(s) with a hierarchical path, so the relative fast
            path applies.
    """

    href: str
    resolved: Resolved
    directory: str
    segments: tuple[str, ...]
    fast: bool


def _usv(value: str) -> str:
    """``value`` as a string of Unicode scalar values (lone surrogates → U+FFFD).

    HTML attribute values never hold surrogates, but Python strings can (a
    ``surrogateescape`` decode); WebIDL's USVString conversion replaces them,
    and so does this, joining any valid pair on the way.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def _from_href(href: str) -> Resolved:
    """Split a serialised URL into :class:`Resolved` fields.

    Exact for the serialiser's output: userinfo, host, path and query are
    percent-encoded so that each delimiter below first appears where its part
    starts (URL Standard §4.5, "URL serializing").
    """
    colon = href.find(":")
    scheme = href[:colon]
    rest = href[colon + 1 :]
    hash_at = rest.find("#")
    if hash_at >= 0:
        rest = rest[:hash_at]
    rest, _, query = rest.partition("?")
    host = port = ""
    ip = False
    if rest.startswith("//"):
        slash = rest.find("/", 2)
        if slash < 0:
            slash = len(rest)
        authority = rest[2:slash]
        path = rest[slash:]
        hostport = authority[authority.rfind("@") + 1 :]
        if hostport.startswith("["):
            end = hostport.find("]") + 1
            host, port, ip = hostport[:end], hostport[end + 1 :], True
        else:
            host, _, port = hostport.partition(":")
            if scheme in _SPECIAL and host:
                # A special URL's domain never ends in a number: the host
                # parser makes such hosts IPv4 addresses, serialised dotted.
                ip = host[host.rfind(".") + 1 :].isdigit()
            host = host.rstrip(".")
    elif rest.startswith("/.//"):
        path = rest[2:]  # the serialiser's "/." before a host-less "//" path
    else:
        path = rest
    return Resolved(scheme, host, port, path, query, ip)


def _href(value: str, base: str | None) -> str | None:
    """The full parse, serialised (``None`` for failure). ``base`` must be valid."""
    try:
        href: str = URL(_usv(value), base).href
    except ValueError:  # parse failure
        return None
    return href


def _ada(value: str, base: str | None) -> Resolved | None:
    """The full parse (``None`` for failure)."""
    href = _href(value, base)
    return None if href is None else _from_href(href)


def parse_base(url: str) -> Base | None:
    """``url`` (an absolute URL, e.g. from :func:`document_base`) parsed for use as a
    base, or ``None`` if it is no URL. Parse a page's base once and pass the
    :class:`Base` to :func:`resolve` for each of its values: a ``str`` base is
    parsed again on every call.

    References:
        WHATWG URL Standard §4.4, the basic URL parser.
    """
    href = _href(url, None)
    if href is None:
        return None
    resolved = _from_href(href)
    path = resolved.path
    fast = resolved.scheme in ("http", "https") and path.startswith("/")
    directory = path[: path.rfind("/") + 1]
    return Base(href, resolved, directory, tuple(path[1:].split("/")[:-1]), fast)


def _base(base: str | Base | None) -> Base | None:
    return parse_base(base) if isinstance(base, str) else base


_new = tuple.__new__  # builds a Resolved without NamedTuple's keyword handling


def _path(segments: list[str], out: list[str]) -> str:
    """The path state over ``segments`` appended to ``out`` (dot segments
    resolved as the URL Standard's path state does for http(s))."""
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        key = segment.lower() if "%" in segment else segment
        if key in _DOUBLE_DOT:
            if out:
                out.pop()
            if i == last:
                out.append("")
        elif key in _SINGLE_DOT:
            if i == last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def _maybe_dots(ref: str) -> bool:
    """Whether a plain path reference may hold a dot segment."""
    return ref[:1] == "." or "/." in ref or "%" in ref


def _fast_absolute(value: str, base: Base | None, known: bool) -> Resolved | None:
    """A plain http(s) or scheme-relative URL with a plain ASCII host, else ``None``."""
    m = _ABSOLUTE.fullmatch(value)
    if m is None:
        return None
    scheme, host, path, query = m.groups()
    if scheme is not None:
        scheme = scheme.lower()
    elif base is not None and base.fast:
        scheme = base.resolved.scheme
    elif known:
        return None  # against a base that is not http(s)
    else:
        scheme = "https"  # unknown base: the placeholder's
    host = host.lower()
    if "xn--" in host or host[host.rfind(".") + 1] in _DIGITS:
        return None  # punycode to validate, or maybe an IPv4 address
    if path is None:
        path = "/"
    elif _maybe_dots(path):
        path = _path(path[1:].split("/"), [])
    return _new(Resolved, (scheme, host, "", path, query or "", False))


def _fast_relative(value: str, base: Base) -> Resolved | None:
    """A plain relative reference against an http(s) base, else ``None``."""
    m = _RELATIVE.fullmatch(value)
    if m is None:
        return None
    ref, has_query, query = m.groups()
    b = base.resolved
    if not ref:
        path = b.path
        if not has_query:
            query = b.query
    elif ref[0] == "/":
        if ref[1:2] == "/":
            return None  # scheme-relative
        path = _path(ref[1:].split("/"), []) if _maybe_dots(ref) else ref
    else:
        if ":" in ref.partition("/")[0]:
            return None  # maybe a scheme
        if _maybe_dots(ref):
            path = _path(ref.split("/"), list(base.segments))
        else:
            path = base.directory + ref
    return _new(Resolved, (b.scheme, b.host, b.port, path, query or "", False))


_PERCENT = tuple(f"%{byte:02X}" for byte in range(256))


def _quote(match: re.Match[str]) -> str:
    """UTF-8 percent-encoding (raises UnicodeEncodeError for a lone surrogate)."""
    return "".join([_PERCENT[byte] for byte in match.group().encode()])


def resolve(value: str, base: str | Base | None = None) -> Resolved | None:
    """The URL a browser fetches for an attribute ``value`` in a document with ``base``.

    ``value`` is the attribute value with character references already
    decoded. ``base`` is the document base URL (see :func:`document_base`),
    best as a :class:`Base` from :func:`parse_base` (a ``str`` is parsed on
    every call, and the fast path for relative values needs a parsed base
    anyway). ``None`` means it is unknown: then only an absolute value or a
    scheme-relative one (two slashes or backslashes, in any mix, after the
    parser's whitespace removal) can name a host, and a relative value is
    same-origin, so the answer is ``None``. An invalid ``base`` counts as
    unknown. With an unknown base, ``https:host/x`` counts as naming
    ``host`` (as it does in an http document); in an https document it is a
    relative path: the unknown-base answer gates more, never less.

    Returns ``None`` also where the parser fails (the browser fetches
    nothing). Never raises; linear in ``len(value)``.

    References:
        WHATWG URL Standard §4.4, the basic URL parser (with ``base``).
    """
    parsed_base = _base(base)
    fast_base = parsed_base if parsed_base is not None and parsed_base.fast else None
    hit = None
    if value.isascii():
        if value[:1] in ("h", "H") or value[:2] == "//":
            hit = _fast_absolute(value, parsed_base, parsed_base is not None)
        if hit is None and fast_base is not None:
            hit = _fast_relative(value, fast_base)
    elif fast_base is not None and ":" not in value.partition("/")[0]:
        # A relative reference has no host: its non-ASCII characters are
        # UTF-8 percent-encoded wherever they are (path, query, fragment).
        try:
            encoded = _NON_ASCII.sub(_quote, value)
        except UnicodeEncodeError:  # a lone surrogate: the full parse decides
            pass
        else:
            hit = _fast_relative(encoded, fast_base)
    if hit is not None:
        return hit
    if parsed_base is not None:
        return _ada(value, parsed_base.href)
    # Unknown base: which form is the value? (The parser strips C0 and space
    # and removes tabs and newlines first; neither can create a ":".)
    if ":" not in value:
        if not _scheme_relative(value.lstrip(_C0_SPACE)):
            return None  # relative: same-origin
        return _ada(value, _PLACEHOLDER_BASE)
    stripped = _clean(value)
    if _SCHEME.match(stripped):
        return _ada(stripped, None)
    if _scheme_relative(stripped):
        return _ada(stripped, _PLACEHOLDER_BASE)
    return None


def _clean(value: str) -> str:
    """``value`` as the basic URL parser first sees it: leading and trailing C0
    controls and spaces stripped, ASCII tabs and newlines removed."""
    value = value.strip(_C0_SPACE)
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "").replace("\n", "").replace("\r", "")
    return value


def _scheme_relative(value: str) -> bool:
    """Whether ``value`` (leading C0/space stripped) starts with two slashes or
    backslashes, tabs and newlines between them ignored."""
    if not value or value[0] not in _SLASHES:
        return False
    for char in value[1:]:
        if char not in "\t\n\r":
            return char in _SLASHES
    return False


def _resolve_full(value: str, base: str | Base | None = None) -> Resolved | None:
    """:func:`resolve` without the fast paths (for tests and benchmarks)."""
    parsed_base = _base(base)
    if parsed_base is not None:
        return _ada(value, parsed_base.href)
    href = _resolve_full_href(value)
    return None if href is None else _from_href(href)


def _resolve_full_href(value: str) -> str | None:
    """The serialised URL of an absolute or scheme-relative ``value`` (no base)."""
    stripped = _clean(_usv(value))
    if _SCHEME.match(stripped):
        return _href(stripped, None)
    if stripped[:1] in ("/", "\\") and stripped[1:2] in ("/", "\\"):
        return _href(stripped, _PLACEHOLDER_BASE)
    return None


def _decode_unreserved(match: re.Match[str]) -> str:
    return unquote(match.group())


def host_path(value: str | Resolved, base: str | Base | None = None) -> str | None:
    """``host/path`` of the URL a browser fetches for ``value``, lower case, for vendor matching.

    ``value`` is an attribute value (resolved against ``base``, see
    :func:`resolve`) or an already resolved URL.

    ``connect.facebook.net/en_us/fbevents.js`` for
    ``//connect.facebook.net/en_US/fbevents.js``. The host is :attr:`Resolved.host`
    (IDNA-processed, trailing dots removed); the path is the parsed path (dot
    segments resolved), lower-cased, with percent-encoded unreserved
    characters decoded (RFC 3986 §6.2.2.2: ``/%74r`` is ``/tr`` to a server).
    The query and fragment are left out.

    ``None`` when the browser would contact no vendor by name:

    * the value is relative and ``base`` unknown (same-origin), or it fails
      to parse (nothing is fetched);
    * the host is an IPv4 or IPv6 address (vendors are named by domain), or
      empty;
    * the scheme is not in :data:`NETWORK_SCHEMES`. ``data:`` and
      ``javascript:`` URLs carry their content inline: whoever gates them
      must read that content, the URL names no host. ``blob:`` is the one
      exception: ``blob:https://tracker.example/<uuid>`` has the origin of
      ``https://tracker.example`` (a document loaded from it runs as the
      tracker), so it answers ``tracker.example/<uuid>``; a blob URL can only
      be minted by script already running in that origin.

    References:
        WHATWG URL Standard §4.4 (basic URL parser), §3.5 (host parsing),
        §3.3 (domain to ASCII); the blob URL's origin: WHATWG URL Standard
        §4.7 "Origin" (``blob`` case).
    """
    r = resolve(value, base) if isinstance(value, str) else value
    if r is None:
        return None
    if r.scheme == "blob":
        inner = _ada(r.path, None)
        if inner is None or inner.scheme not in ("http", "https"):
            return None
        r = inner
    elif r.scheme not in NETWORK_SCHEMES:
        return None
    if r.ip or not r.host:
        return None
    path = r.path
    if "%" in path:
        path = _UNRESERVED_PCT.sub(_decode_unreserved, path)
    return r.host + path.lower()


def query_param(url: Resolved | str, name: str, base: str | Base | None = None) -> str | None:
    """The first value of query parameter ``name``, as the server decodes it; else ``None``.

    ``url`` is a :class:`Resolved` or an attribute value (resolved against
    ``base``, or, when that is unknown, a placeholder, since the query does
    not depend on the host). The query is read as
    ``application/x-www-form-urlencoded``: split on ``&``, ``+`` is a space,
    percent-escapes decoded as UTF-8 with replacement. Names compare exactly.
    ``?id=%41W-1`` gives ``"AW-1"``.

    References:
        WHATWG URL Standard §5.1, application/x-www-form-urlencoded parsing.
    """
    if isinstance(url, str):
        r = resolve(url, base)
        if r is None:
            r = _ada(url, _PLACEHOLDER_BASE)
            if r is None:
                return None
        url = r
    query = url.query
    if not query:
        return None
    for item in query.split("&"):
        key, eq, val = item.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if key == name:
            return unquote_plus(val) if eq else ""
    return None


def document_base(document_url: str | None, base_href: str | None = None) -> str | None:
    """The document base URL: the first ``<base href>``, resolved, else the document's URL.

    ``document_url`` is the document's URL (its fallback base URL; ``None`` if
    unknown). ``base_href`` is the ``href`` value (entities decoded) of the
    document's first ``<base>`` element that has one, or ``None``. A
    ``<base href>`` that fails to parse, or whose scheme is ``data`` or
    ``javascript``, is ignored (the fallback base is used). Returns the base as
    a serialised URL, or ``None`` if it is unknown.

    Note that ``<base href="//tracker.example/">`` makes every relative URL in
    the page load from the tracker, so the tag gate must resolve against this.
    The caller picks the right element: the first ``<base>`` *with* an
    ``href`` in tree order, wherever it is (not only in ``<head>``), but not
    one inside ``<template>`` contents. Resources fetched before the parser
    reaches that ``<base>`` resolved against the fallback base; a gate that
    cannot tell should check a URL against both.

    References:
        WHATWG HTML Standard §2.4.1 "Terminology" (document base URL,
        fallback base URL) and §4.2.3 "The base element" (set the frozen base
        URL); WHATWG URL Standard §4.4 (basic URL parser).
    """
    fallback = None
    if document_url is not None:
        parsed = parse_base(document_url)
        if parsed is not None:
            fallback = parsed.href
    if base_href is None:
        return fallback
    frozen = _href(base_href, fallback) if fallback else _resolve_full_href(base_href)
    if frozen is None or frozen.startswith(("data:", "javascript:")):
        return fallback
    return frozen
