"""Which bytes the browser reads as what: media type, content coding, character encoding.

Policy (enforcing modes fail closed; ``report-only`` never changes a response):

* **Media type.** ``text/html`` is rewritten. XML documents a browser renders
  with scripts (``application/xhtml+xml``, ``image/svg+xml``,
  ``application/xml``, ``text/xml``) are rewritten in XML mode (every element
  is markup, CDATA sections everywhere). A response **without**
  ``Content-Type`` is sniffed like a browser does (MIME Sniffing §7.1, the
  HTML patterns after leading whitespace): HTML is rewritten and labelled
  ``text/html``; anything else passes. Other types pass.
* **Content coding.** ``gzip``/``x-gzip`` and ``deflate`` (zlib or raw) are
  inflated as the body streams (stdlib ``zlib``), at most ``MAX_RATIO`` times
  the compressed size plus 1 MiB, rewritten and sent as identity
  (``Content-Encoding`` removed). ``br`` likewise when the ``brotli`` module
  is installed. Any other coding (``br`` without it, ``zstd``, ``compress``,
  stacked unknown codings) is **refused**: the response becomes
  ``502 Bad Gateway`` with a short text body. A body that inflates past the
  bound is cut there (a zip bomb loads nothing more).
* **Character encoding** (HTML §13.2.3.2, "determining the character
  encoding"): a BOM first (UTF-8, UTF-16LE/BE), then the ``charset`` label of
  ``Content-Type`` (WHATWG Encoding labels), then a ``<meta charset>`` /
  ``http-equiv`` prescan of the first 1024 bytes of the first body message.
  An unlabelled response gets the encoding privmw read it in written into
  ``Content-Type`` (UTF-8 when those bytes are valid UTF-8, else
  windows-1252), so the browser cannot guess another one.

  ASCII-compatible encodings are scanned as bytes. That is exact for
  multibyte ones too: in Shift_JIS, Big5, GBK/gb18030, EUC-JP and EUC-KR a
  trail byte is never one of ``<>"'=/!?-`` or whitespace (trail bytes are
  ``0x40``-``0xFE``; gb18030 four-byte forms use digits ``0x30``-``0x39``), and
  their decoders give an ASCII byte after an invalid lead back as itself, so
  every byte that ends or starts markup is the same in both readings. Trail
  bytes can be ASCII letters and ``\\``: such a byte and non-ASCII bytes are
  hints, so the tag is decoded in the document's encoding before its URLs are
  matched. UTF-16 and ISO-2022-JP are not ASCII-compatible: the body is
  decoded, rewritten as UTF-8 and labelled ``charset=utf-8``. The
  *replacement* encodings (ISO-2022-KR, HZ-GB-2312, ISO-2022-CN) decode to a
  single U+FFFD: nothing in such a body can load, it passes unchanged.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Callable, Iterable

__all__: list[str] = []

MAX_RATIO = 100
_SLACK = 1 << 20

# WHATWG Encoding Standard labels (§4.2) → encoding name, for the encodings
# browsers ship; the Python codec that decodes each.
_LABELS: dict[str, str] = {}
_TABLE: dict[str, tuple[str, str | None]] = {
    # name: (labels, python codec); None = not ASCII-compatible handled apart
    "utf-8": ("unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8", "utf-8"),
    "windows-1252": (
        "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 "
        "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
        "cp1252",
    ),
    "iso-8859-2": (
        "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 l2 latin2",
        "iso8859_2",
    ),
    "iso-8859-5": (
        "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso88595 iso_8859-5",
        "iso8859_5",
    ),
    "iso-8859-7": (
        "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso88597 iso_8859-7",
        "iso8859_7",
    ),
    "iso-8859-15": ("csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9", "iso8859_15"),
    "windows-1250": ("cp1250 windows-1250 x-cp1250", "cp1250"),
    "windows-1251": ("cp1251 windows-1251 x-cp1251", "cp1251"),
    "windows-1253": ("cp1253 windows-1253 x-cp1253", "cp1253"),
    "windows-1254": (
        "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso88599 l5 latin5 windows-1254",
        "cp1254",
    ),
    "windows-1256": ("cp1256 windows-1256 x-cp1256", "cp1256"),
    "windows-874": ("dos-874 iso-8859-11 iso885911 tis-620 windows-874", "cp874"),
    "koi8-r": ("cskoi8r koi koi8 koi8-r koi8_r", "koi8_r"),
    "koi8-u": ("koi8-ru koi8-u", "koi8_u"),
    "macintosh": ("csmacintosh mac macintosh x-mac-roman", "mac_roman"),
    "gbk": (
        "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
        "gb18030",
    ),
    "gb18030": ("gb18030", "gb18030"),
    "big5": ("big5 big5-hkscs cn-big5 csbig5 x-x-big5", "big5hkscs"),
    "euc-jp": ("cseucpkdfmtjapanese euc-jp x-euc-jp", "euc_jp"),
    "iso-2022-jp": ("csiso2022jp iso-2022-jp", "iso2022_jp"),
    "shift_jis": ("csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis", "cp932"),
    "euc-kr": (
        "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
        "ksc5601 ksc_5601 windows-949",
        "cp949",
    ),
    "replacement": (
        "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement",
        None,
    ),
    "utf-16be": ("unicodefffe utf-16be", "utf-16-be"),
    "utf-16le": (
        "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
        "utf-16-le",
    ),
    "x-user-defined": ("x-user-defined", "cp1252"),
}
for _name, (_labels, _codec) in _TABLE.items():
    for _label in _labels.split():
        _LABELS[_label] = _name

#: Encodings that must be decoded to be read (bytes are not ASCII-compatible).
TRANSCODE = frozenset({"utf-16be", "utf-16le", "iso-2022-jp"})
_XML_TYPES = frozenset({"application/xhtml+xml", "image/svg+xml", "application/xml", "text/xml"})


def label(value: str) -> str | None:
    """The WHATWG encoding name of a label, or ``None`` (unknown label)."""
    return _LABELS.get(value.strip(" \t\n\f\r").lower())


def codec(name: str) -> str:
    """The Python codec for a WHATWG encoding name (ASCII-compatible ones and UTF-16)."""
    found = _TABLE[name][1]
    return found if found is not None else "latin-1"


_CT_PARAM = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def parse_content_type(value: bytes) -> tuple[str, str | None]:
    """(essence, charset label or None) of a ``Content-Type`` value."""
    text = value.decode("latin-1")
    essence = text.split(";", 1)[0].strip().lower()
    charset = None
    for m in _CT_PARAM.finditer(text):
        if m.group(1).lower() == "charset" and charset is None:
            charset = m.group(2).strip().strip('"')
    return essence, charset


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _items(value: str) -> list[str]:
    """The comma-separated items of a field value, commas inside quotes kept."""
    out: list[str] = []
    start = 0
    quoted = False
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if quoted and c == "\\":
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


def extract_mime(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The MIME type a browser reads from *all* ``Content-Type`` fields, or ``None``.

    Fetch's "extract a MIME type": the fields' values are combined, split on
    commas outside quotes, and the last item that parses wins (``*/*`` and
    junk are skipped), keeping an earlier ``charset`` when the essence is the
    same. ``None`` when there is no field or no item parses: the browser then
    sniffs, as for a missing ``Content-Type``. So ``text/plain, text/html``,
    two fields ending in ``text/html`` and an empty field before ``text/html``
    are all HTML, as Chromium reads them.

    References: WHATWG Fetch, "extract a MIME type"; MIME Sniffing, "parse a MIME type".
    """
    essence: str | None = None
    charset: str | None = None
    for name, raw in headers:
        if name.lower() != b"content-type":
            continue
        for item in _items(raw.decode("latin-1")):
            kind, cs = parse_content_type(item.encode("latin-1"))
            if not _TOKEN.fullmatch(kind) or kind == "*/*":
                continue
            if kind != essence:
                essence, charset = kind, cs
            elif cs is not None:
                charset = cs
    if essence is None:
        return None
    if charset is None:
        return essence.encode("latin-1")
    return f"{essence}; charset={charset}".encode("latin-1")


def bom(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte order mark gives, and its length."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if data.startswith(b"\xfe\xff"):
        return "utf-16be", 2
    if data.startswith(b"\xff\xfe"):
        return "utf-16le", 2
    return None


_META = re.compile(rb"<meta[\t\n\f\r /]", re.I)
_META_CHARSET = re.compile(rb"""charset[\t\n\f\r ]*=[\t\n\f\r ]*["']?([^"'\t\n\f\r ;/>]+)""", re.I)


def prescan(data: bytes) -> str | None:
    """The encoding a ``<meta>`` in the first 1024 bytes declares (HTML §13.2.3.3, simplified).

    Comments are skipped; ``charset=`` in a meta tag (its own attribute or
    the ``content`` of ``http-equiv=content-type``) counts. UTF-16 labels
    there mean UTF-8, ``x-user-defined`` means windows-1252.
    """
    data = data[:1024]
    pos = 0
    while True:
        m = _META.search(data, pos)
        if m is None:
            return None
        comment = data.rfind(b"<!--", 0, m.start())
        if comment >= 0 and data.find(b"-->", comment + 4, m.start()) < 0:
            end = data.find(b"-->", m.start())
            if end < 0:
                return None
            pos = end + 3
            continue
        end = data.find(b">", m.end())
        tag = data[m.start() : end if end >= 0 else len(data)]
        c = _META_CHARSET.search(tag)
        if c is not None:
            name = label(c.group(1).decode("latin-1"))
            if name is not None:
                if name in ("utf-16be", "utf-16le"):
                    return "utf-8"
                if name == "x-user-defined":
                    return "windows-1252"
                return name
        if end < 0:
            return None
        pos = end + 1


_HTML_SNIFF = re.compile(
    rb"[\t\n\f\r ]*(?:<!DOCTYPE HTML|<HTML|<HEAD|<SCRIPT|<IFRAME|<H1|<DIV|<FONT|<TABLE|<A|<STYLE"
    rb"|<TITLE|<B|<BODY|<BR|<P)[ >]|[\t\n\f\r ]*<!--",
    re.I,
)


def sniffs_as_html(data: bytes) -> bool:
    """Whether a browser would sniff an unlabelled body as HTML (MIME Sniffing §7.1)."""
    if bom(data) is not None:
        return _HTML_SNIFF.match(data.lstrip(b"\xef\xbb\xbf")) is not None or data[:2] in (
            b"\xfe\xff",
            b"\xff\xfe",
        )
    return _HTML_SNIFF.match(data[:512]) is not None


class BombError(ValueError):
    """The body inflates past the bound."""


class Inflater:
    """Streaming inflate of one content coding, bounded in its ratio (zip bombs)."""

    __slots__ = ("_in", "_obj", "_out", "_raw_tried", "_wbits", "coding")

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._in = 0
        self._out = 0
        self._raw_tried = False
        if coding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        else:
            self._wbits = zlib.MAX_WBITS  # "deflate" is zlib-wrapped; raw deflate tried too
        self._obj: object = zlib.decompressobj(self._wbits) if coding != "br" else _brotli()

    def feed(self, data: bytes) -> bytes:
        self._in += len(data)
        limit = MAX_RATIO * self._in + _SLACK - self._out
        obj = self._obj
        try:
            br = self.coding == "br"
            out = obj.process(data) if br else obj.decompress(data, limit + 1)  # type: ignore[attr-defined]
        except zlib.error:
            if self.coding == "deflate" and not self._raw_tried and self._out == 0:
                self._raw_tried = True
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self._in -= len(data)
                return self.feed(data)
            raise
        self._out += len(out)
        if len(out) > limit:
            raise BombError(self.coding)
        return bytes(out)


def _brotli() -> object:
    try:
        import brotli  # type: ignore[import-not-found]
    except ImportError:
        try:
            import brotlicffi as brotli  # type: ignore[import-not-found]
        except ImportError:
            raise LookupError("br") from None
    return brotli.Decompressor()


def can_inflate(coding: str) -> bool:
    if coding in ("gzip", "x-gzip", "deflate"):
        return True
    if coding == "br":
        try:
            _brotli()
        except LookupError:
            return False
        return True
    return False


class Transcoder:
    """Incremental decode of a non-ASCII-compatible encoding, re-encoded as UTF-8."""

    __slots__ = ("_dec",)

    def __init__(self, name: str) -> None:
        self._dec = codecs.getincrementaldecoder(codec(name))("replace")

    def feed(self, data: bytes, final: bool = False) -> bytes:
        return self._dec.decode(data, final).encode("utf-8")


def is_xml(essence: str) -> bool:
    return essence in _XML_TYPES


Step = Callable[[bytes], bytes]
