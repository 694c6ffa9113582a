"""Reading attribute values and inline code: URLs, srcset, CSS, refresh, data:, JS.

What static rewriting catches (and neutralises the element for):

* a URL attribute that resolves (against ``<base href>``) to a registry URL;
* every ``srcset``/``imagesrcset`` candidate;
* CSS ``url()``, ``image-set()`` strings and ``@import`` in ``style=`` and
  ``<style>`` (CSS escapes decoded, comments removed);
* ``<meta http-equiv=refresh content="0;url=...">``;
* ``data:`` URLs (percent- or base64-decoded, in the character encoding the
  browser would use: byte order mark, ``charset`` parameter, ``<meta>``
  prescan) and ``javascript:`` URLs that name a registry URL or carry a vendor
  signature; a ``data:`` HTML, XHTML or SVG document is read by a nested
  rewriter (its own ``<base>`` included, as for ``srcdoc``), a ``data:``
  stylesheet as CSS (escapes decoded);
* **literal** registry URLs (host, or host + path prefix for vendors known
  by a path) anywhere in inline script text, event-handler attributes,
  import maps and speculation rules, with tabs/newlines removed, any case,
  ``\\/`` read as ``/``; and the vendors' snippet signatures.

What only the CSP can close (the strict CSP mode): URLs built at run time
(``"face"+"book.net"``, ``atob(...)``, ``String.fromCharCode``, JS escapes
such as ``\\x2e``/``\\u002e``, template literals with expressions), code
loaded by an allowed script, and anything a first-party script fetches.
"""

from __future__ import annotations

__all__: list[str] = []

import base64
import binascii
import contextlib
import html as _stdhtml
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from privmw._cache import BoundedCache
from privmw._url import document_base
from privmw.trackers import TrackerRegistry, Vendor

from ._encoding import TRANSCODE, bom, codec, is_xml, label, parse_content_type, prescan

if TYPE_CHECKING:
    from .rewriter import RewritePlan

_C0_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_NL = {9: None, 10: None, 13: None}


def resolve(value: str, base: str | None) -> str | None:
    """The document base a ``<base href>`` value gives (WHATWG URL parsing, ``privmw._url``)."""
    return document_base(base, value)


def srcset_urls(value: str) -> list[str]:
    """The URL of every candidate (HTML §4.8.4.3.3 "parse a srcset attribute")."""
    out: list[str] = []
    n = len(value)
    i = 0
    ws = " \t\n\f\r"
    while i < n:
        while i < n and (value[i] in ws or value[i] == ","):
            i += 1
        if i >= n:
            break
        j = i
        while j < n and value[j] not in ws:
            j += 1
        url = value[i:j]
        i = j
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0
            while i < n:  # descriptors, up to a "," outside parentheses
                c = value[i]
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth = max(0, depth - 1)
                elif c == "," and depth == 0:
                    i += 1
                    break
                i += 1
        if url:
            out.append(url)
    return out


_REFRESH = re.compile(r"^[\s]*[0-9.]*[\s]*[;,]?[\s]*(?:[uU][rR][lL][\s]*=[\s]*)?(.*)$", re.S)


def refresh_url(content: str) -> str | None:
    """The URL of a ``<meta http-equiv=refresh>`` content (HTML §4.2.5.3, simplified)."""
    m = _REFRESH.match(content)
    if m is None:
        return None
    url = m.group(1).strip()
    if url[:1] in ("'", '"'):
        q = url[0]
        url = url[1:]
        end = url.find(q)
        if end >= 0:
            url = url[:end]
    return url or None


# CSS Syntax §3.3: CR LF, CR and FF are read as LF before tokenizing.
_CSS_NEWLINES = re.compile(r"\r\n?|\f")
# §4.3.7 "consume an escaped code point" (hex digits and one whitespace after
# them, or one code point), and in a string (§4.3.5) "\" + newline, which is
# removed (a line continuation); outside strings it is no escape, and removing it
# there too only reads more URLs.
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(\n)|(.))", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.S)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))""", re.I)
_CSS_STRING = re.compile(r""""([^"\n]*)"|'([^'\n]*)'""")


def _css_unescape(text: str) -> str:
    """CSS escapes decoded as CSS Syntax §4.3.5/§4.3.7 read them (newlines preprocessed)."""

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            cp = int(m.group(1), 16)
            return chr(cp) if 0 < cp <= 0x10FFFF and not 0xD800 <= cp <= 0xDFFF else "\ufffd"
        if m.group(2):
            return ""  # an escaped newline: a line continuation
        return m.group(3)

    if "\r" in text or "\f" in text:
        text = _CSS_NEWLINES.sub("\n", text)
    return _CSS_ESCAPE.sub(one, text)


def css_urls(text: str) -> Iterable[str]:
    """Every URL a stylesheet could fetch: ``url()`` and every string (``@import``...)."""
    if "\\" in text:
        text = _css_unescape(text)
    text = _CSS_COMMENT.sub(" ", text)
    for m in _CSS_URL.finditer(text):
        yield m.group(1) or m.group(2) or m.group(3) or ""
    for m in _CSS_STRING.finditer(text):
        s = m.group(1) if m.group(1) is not None else m.group(2)
        if s and ("/" in s or "." in s):
            yield s


_BASE64_PARAM = re.compile(r";[ ]*base64[ ]*$", re.I)


def data_url(url: str) -> tuple[str, str | None, bytes] | None:
    """(MIME essence, ``charset`` label or None, decoded body) of a ``data:`` URL.

    Fetch's "data: URL processor": the type before ``,`` (``text/plain`` when
    it is empty or starts with ``;``), ``;base64`` at its end, the body
    percent-decoded, then forgiving-base64-decoded. ``None`` if it is not one.
    """
    if url[:5].lower() != "data:":
        return None
    head, sep, body = url[5:].partition(",")
    if not sep:
        return "text/plain", None, b""
    head = head.strip(" \t\n\f\r")
    raw = unquote_to_bytes(body)
    b64 = _BASE64_PARAM.search(head)
    if b64 is not None:
        head = head[: b64.start()]
        with contextlib.suppress(binascii.Error, ValueError):
            raw = base64.b64decode(re.sub(rb"[\t\n\f\r ]", b"", raw) + b"===", validate=False)
    if head.startswith(";") or not head:
        head = "text/plain" + head
    essence, charset = parse_content_type(head.encode("latin-1", "replace"))
    return essence, charset, raw


def data_payload(url: str) -> bytes | None:
    """The decoded body of a ``data:`` URL, or ``None`` if it is not one."""
    parsed = data_url(url)
    return None if parsed is None else parsed[2]


def decode_data(payload: bytes, charset: str | None, document: bool) -> str | None:
    """A ``data:`` body as the browser decodes it; ``None`` for the replacement encoding.

    A byte order mark first, then the ``charset`` parameter (WHATWG Encoding
    labels, ``privmw.tags._encoding``), then for a document the ``<meta>``
    prescan; else UTF-8 (windows-1252 for a document that is not valid
    UTF-8). UTF-16 and ISO-2022-JP are decoded like any other.
    """
    found = bom(payload)
    name = found[0] if found is not None else None
    if found is not None:
        payload = payload[found[1] :]
    if name is None and charset is not None:
        name = label(charset)
    if name is None and document:
        name = prescan(payload)
    if name == "replacement":
        return None
    if name is None:
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            name = "windows-1252" if document else "utf-8"
    python = (
        codec(name)
        if name not in TRANSCODE
        else {
            "utf-16le": "utf-16-le",
            "utf-16be": "utf-16-be",
            "iso-2022-jp": "iso2022_jp",
        }[name]
    )
    return payload.decode(python, "replace")


class Finder:
    """Literal registry URLs in code, and URL matching with the document base.

    Independent of the number of vendors: one pass finds ``.tld`` of the
    registry's TLDs, and each hit is checked by dictionary lookups on the
    host ending there (at most 253 bytes back).
    """

    __slots__ = (
        "_by_host",
        "_code_cache",
        "_names",
        "_nesting",
        "_tld_re",
        "inline_vendors",
        "match_url",
        "plan",
        "registry",
    )

    def __init__(self, registry: TrackerRegistry, plan: RewritePlan | None = None) -> None:
        self.registry = registry
        #: The plan this finder belongs to: ``data:`` documents are read by a
        #: nested rewriter of it (without one, by the code scan only).
        self.plan = plan
        self._nesting = 0
        self._names = frozenset(v.name for v in registry.vendors)
        self.match_url: Callable[[str, str | None], Vendor | None] = registry.match_url
        self.inline_vendors: Callable[[bytes], list[Vendor]] = registry.inline_vendors
        hosts: dict[str, list[tuple[str, Vendor]]] = {}
        for vendor in registry.vendors:
            for pattern in vendor.urls:
                host, _, path = pattern.partition("/")
                hosts.setdefault(host, []).append((path, vendor))
        for entries in hosts.values():
            entries.sort(key=lambda pv: len(pv[0]), reverse=True)
        self._by_host = hosts
        tlds = sorted({h.rsplit(".", 1)[-1] for h in hosts}, key=len, reverse=True)
        alt = "|".join(re.escape(t) for t in tlds) or "(?!)"
        self._tld_re = re.compile(r"\.(?:" + alt + r")(?![a-z0-9-])")
        self._code_cache: BoundedCache[str, tuple[Vendor, ...]] = BoundedCache(
            256, max_bytes=4 << 20, max_item=32768
        )

    def url(self, value: str, base: str | None) -> Vendor | None:
        """The vendor of one URL attribute value (entities already decoded).

        Resolved as a browser does by the registry (``privmw._url``);
        ``data:`` and ``javascript:`` URLs are read as code.
        """
        clean = value.strip(_C0_SPACE).translate(_TAB_NL)
        low = clean[:11].lower()
        if low.startswith("data:"):
            parsed = data_url(clean)
            if parsed is None or not parsed[2]:
                return None
            return self.data(*parsed)
        if low == "javascript:":
            return self.code(unquote_to_bytes(clean[11:]).decode("utf-8", "replace"))
        return self.match_url(value, base)

    def data(self, essence: str, charset: str | None, payload: bytes) -> Vendor | None:
        """The vendor a ``data:`` URL's body would load, read as its MIME type says.

        HTML, XHTML and SVG documents through a nested rewriter (so their own
        ``<base>``, tags and inline code are read as the page's are), at most
        two levels deep; style sheets as CSS; anything else, and whatever the
        nested reading finds nothing in, by the code scan (literal registry
        URLs and signatures), which reads more than a browser fetches.
        """
        document = essence == "text/html" or is_xml(essence)
        text = decode_data(payload, charset, document)
        if text is None:
            return None  # the replacement encoding: one U+FFFD, nothing loads
        vendor = None
        if document and self.plan is not None and self._nesting < 2:
            from ._probe import document_vendors  # the rewriter imports this module

            self._nesting += 1
            try:
                found = document_vendors(self.plan, text, is_xml(essence), self._nesting)
            finally:
                self._nesting -= 1
            # One vendor answers for the URL: a registry vendor that needs consent
            # before an unknown third party (allowed unless strict) or a necessary one.
            needs = [v for v in found if v.name in self._names and v.category != "necessary"]
            vendor = needs[0] if needs else found[0] if found else None
        elif essence == "text/css":
            vendor = self.css(text, None)
        return vendor if vendor is not None else self.code(text)

    def code(self, text: str) -> Vendor | None:
        """The first vendor named in code or markup text: a literal URL or a signature."""
        vendor = self.literal(text)
        if vendor is not None:
            return vendor
        found = self.inline_vendors(text.encode("utf-8", "replace"))
        return found[0] if found else None

    def code_all_cached(self, text: str) -> list[Vendor]:
        hit = self._code_cache.get(text)
        if hit is not None:
            return list(hit)
        found = self.code_all(text)
        self._code_cache.put(text, tuple(found), len(text))
        return found

    def code_all(self, text: str) -> list[Vendor]:
        out = list(self.inline_vendors(text.encode("utf-8", "replace")))
        v = self.literal(text)
        if v is not None and v not in out:
            out.append(v)
        return out

    def literal(self, text: str) -> Vendor | None:
        low = text.lower()
        if "\t" in low or "\n" in low or "\r" in low:
            low = low.translate(_TAB_NL)
        if "&" in low:
            low = _stdhtml.unescape(low)
        by_host = self._by_host
        for m in self._tld_re.finditer(low):
            end = m.end()
            i = m.start()
            lo = max(0, i - 253)
            while i > lo and (low[i - 1].isalnum() or low[i - 1] in "-."):
                i -= 1
            host = low[i:end].strip(".")
            while host:
                entries = by_host.get(host)
                if entries is not None:
                    rest = low[end : end + 300].replace("\\/", "/")
                    path = rest[1:] if rest[:1] == "/" else ""
                    for p_path, vendor in entries:
                        if not p_path or (rest[:1] == "/" and path.startswith(p_path)):
                            url = "https://" + low[i:end] + rest.split('"', 1)[0].split("'", 1)[0]
                            routed = self.match_url(url, None)
                            return routed if routed is not None else vendor
                dot = host.find(".")
                if dot < 0:
                    break
                host = host[dot + 1 :]
        return None

    def css(self, text: str, base: str | None) -> Vendor | None:
        for url in css_urls(text):
            vendor = self.url(url, base)
            if vendor is not None:
                return vendor
        return self.literal(_css_unescape(text) if "\\" in text else text)

    def url_list(self, value: str, base: str | None) -> Vendor | None:
        """The first vendor of a ``;``-separated list of URLs (SVG animation ``values``)."""
        for item in value.split(";"):
            vendor = self.url(item, base)
            if vendor is not None:
                return vendor
        return None

    def srcset(self, value: str, base: str | None) -> Vendor | None:
        for url in srcset_urls(value):
            vendor = self.url(url, base)
            if vendor is not None:
                return vendor
        return None

    def host_vendors(self, host: str) -> list[Vendor]:
        """Every vendor with a URL pattern on ``host`` or a parent domain (see host_vendor)."""
        by_host = self._by_host
        host = host.lower().rstrip(".")
        found: list[Vendor] = []
        for _ in range(128):  # the labels of a host (at most 127)
            entries = by_host.get(host)
            if entries is not None:
                found.extend(v for _p, v in entries if v not in found)
            dot = host.find(".")
            if dot < 0:
                break
            host = host[dot + 1 :]
        return found

    def host_vendor(self, host: str) -> Vendor | None:
        """A vendor with a URL pattern on ``host`` or a parent domain of it, whatever the path.

        A document base on such a host makes relative URLs (``tr?id=1``, no
        host in them) the vendor's (``facebook.com/tr``).
        """
        by_host = self._by_host
        host = host.lower().rstrip(".")
        for _ in range(128):  # the labels of a host (at most 127)
            entries = by_host.get(host)
            if entries is not None:
                return entries[0][1]
            dot = host.find(".")
            if dot < 0:
                break
            host = host[dot + 1 :]
        return None


_LINK_VALUE = re.compile(
    rb'\s*<([^>]*)>((?:\s*;\s*[^,;"]+(?:=(?:"(?:[^"\\]|\\.)*"|[^,;]*))?)*)\s*(?:,|$)'
)


def gate_link_header(
    value: bytes,
    match_url: Callable[[str, str | None], Vendor | None],
    allows: Callable[[str], bool],
    base: str | None = None,
) -> bytes | None:
    """A ``Link`` response header without the link-values that name a non-consented vendor.

    ``Link: <https://connect.facebook.net/x.js>; rel=preload; as=script``
    makes the browser fetch, like ``<link rel=preload>`` (RFC 8288, HTML
    §4.6.7). Returns the header to send (unchanged bytes when nothing is
    dropped), or ``None`` when every link-value was dropped. A value that does
    not parse is dropped whole (fail closed). For the send wrapper.
    """
    kept: list[bytes] = []
    pos = 0
    n = len(value)
    dropped = False
    while pos < n:
        m = _LINK_VALUE.match(value, pos)
        if m is None or m.end() == pos:
            return None if not kept else b", ".join(kept)
        pos = m.end()
        url = m.group(1).decode("latin-1").strip()
        vendor = match_url(url, base)
        allowed = True
        if vendor is not None:
            try:
                allowed = bool(allows(vendor.category))
            except Exception:
                allowed = False
        if allowed:
            kept.append(m.group(0).strip().rstrip(b",").strip())
        else:
            dropped = True
    if not dropped:
        return value
    return b", ".join(kept) if kept else None
