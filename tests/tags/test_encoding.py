"""Invariant 8 for bodies: what the browser would decode is decoded, or the response is refused."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from privmw import PrivacyMiddleware, TagGate
from privmw.tags import _encoding
from privmw.tags._runtime import TagRuntime, rewritable
from privmw.trackers import TrackerRegistry
from tests.tags._oracle import live_fetches

REGISTRY = TrackerRegistry()
DENY = lambda category: category == "necessary"  # noqa: E731
PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>t</title>'
    '<script src="https://connect.facebook.net/en_US/fbevents.js"></script></head>'
    '<body><p>Grüße — ok</p><img src="https://www.facebook.com/tr?id=1"></body></html>'
)


def raw_app(body: bytes | list[bytes], headers: list[tuple[bytes, bytes]]) -> Any:
    chunks = body if isinstance(body, list) else [body]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(chunks):
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1}
            )

    return app


async def call(app: Any, tags: TagGate | None = None) -> tuple[int, dict[bytes, bytes], bytes]:
    messages: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "client": ("203.0.113.9", 1),
    }
    middleware = PrivacyMiddleware(app, consent=False, tags=tags or TagGate())
    await middleware(scope, receive, send)
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], {k.lower(): v for k, v in start["headers"]}, body


def assert_gated(body: bytes, encoding: str = "utf-8") -> None:
    text = body.decode(encoding)
    assert live_fetches(text.encode("utf-8"), REGISTRY, DENY) == []
    assert "data-privmw-src" in text


HTML_UTF8 = [(b"content-type", b"text/html; charset=utf-8")]


@pytest.mark.parametrize("stream", [False, True])
async def test_gzip_is_inflated_rewritten_and_sent_identity(stream: bool) -> None:
    packed = gzip.compress(PAGE.encode())
    body: bytes | list[bytes] = (
        [packed[i : i + 50] for i in range(0, len(packed), 50)] if stream else packed
    )
    status, headers, out = await call(raw_app(body, [*HTML_UTF8, (b"content-encoding", b"gzip")]))
    assert status == 200
    assert b"content-encoding" not in headers
    assert_gated(out)


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
async def test_deflate_both_forms(wbits: int) -> None:
    comp = zlib.compressobj(wbits=wbits)
    packed = comp.compress(PAGE.encode()) + comp.flush()
    status, _headers, out = await call(
        raw_app(packed, [*HTML_UTF8, (b"content-encoding", b"deflate")])
    )
    assert status == 200
    assert_gated(out)


async def test_zip_bomb_is_cut() -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 50_000_000)
    _status, _headers, out = await call(raw_app(bomb, [*HTML_UTF8, (b"content-encoding", b"gzip")]))
    assert len(out) <= _encoding.MAX_RATIO * len(bomb) + (1 << 20) + 600


@pytest.mark.parametrize("coding", [b"zstd", b"compress", b"gzip, zstd"])
async def test_unknown_coding_is_refused(coding: bytes) -> None:
    status, _headers, out = await call(raw_app(b"xx", [*HTML_UTF8, (b"content-encoding", coding)]))
    assert status == 502
    assert b"facebook" not in out


async def test_br_without_brotli_is_refused_or_inflated() -> None:
    status, _, _out = await call(
        raw_app(b"\x0b\x02\x80<p>", [*HTML_UTF8, (b"content-encoding", b"br")])
    )
    assert status == (200 if _encoding.can_inflate("br") else 502)


@pytest.mark.parametrize(
    ("codec", "headers", "prefix"),
    [
        ("utf-16-le", [(b"content-type", b"text/html; charset=utf-8")], b"\xff\xfe"),  # BOM wins
        ("utf-16-be", [(b"content-type", b"text/html")], b"\xfe\xff"),
        ("utf-16-le", [(b"content-type", b"text/html; charset=utf-16")], b""),
        ("iso2022_jp", [(b"content-type", b"text/html; charset=iso-2022-jp")], b""),
    ],
    ids=["utf16le-bom-under-utf8-label", "utf16be-bom", "utf16-label", "iso-2022-jp"],
)
async def test_non_ascii_compatible_bodies_are_transcoded(
    codec: str, headers: list[tuple[bytes, bytes]], prefix: bytes
) -> None:
    page = PAGE.replace("Grüße — ok", "日本語 ok") if codec == "iso2022_jp" else PAGE
    data = prefix + page.encode(codec)
    for body in (data, [data[i : i + 33] for i in range(0, len(data), 33)]):
        status, out_headers, out = await call(raw_app(body, headers))
        assert status == 200
        assert out_headers[b"content-type"].endswith(b"charset=utf-8")
        assert_gated(out)
        assert ("日本語" if codec == "iso2022_jp" else "Grüße").encode() in out


async def test_missing_content_type_html_is_sniffed_and_labelled() -> None:
    _status, headers, out = await call(raw_app(b"  <!DOCTYPE html>" + PAGE.encode()[15:], []))
    assert headers[b"content-type"] == b"text/html; charset=utf-8"
    assert_gated(out)


async def test_missing_content_type_not_html_passes() -> None:
    data = b'{"html": "<script src=https://connect.facebook.net/x.js></script>"}'
    _status, headers, out = await call(raw_app(data, []))
    assert out == data
    assert b"content-type" not in headers


async def test_unlabelled_html_gets_the_charset_it_was_read_in() -> None:
    data = b"<!doctype html><p>caf\xe9</p><img src='https://www.facebook.com/tr'>"
    _status, headers, out = await call(raw_app(data, [(b"content-type", b"text/html")]))
    assert headers[b"content-type"] == b"text/html; charset=windows-1252"
    assert b"caf\xe9" in out
    assert_gated(out, "cp1252")


async def test_meta_prescan_decides_an_unlabelled_body() -> None:
    page = '<meta charset="shift_jis"><p>日本</p><img src="https://www.facebook.com/tr">'
    data = page.encode("cp932")
    status, _headers, out = await call(raw_app(data, [(b"content-type", b"text/html")]))
    assert status == 200
    assert "日本".encode("cp932") in out  # bytes scanned as they are
    assert_gated(out, "cp932")


async def test_shift_jis_trail_bytes_do_not_hide_markup() -> None:
    # 0x5C ("\\") and letters are Shift_JIS trail bytes; "<" never is.
    page = '<p>表示ソ</p><img src="https://www.facebook.com/tr"><p>能</p>'
    data = page.encode("cp932")
    assert b"\\" in data
    _status, _, out = await call(
        raw_app(data, [(b"content-type", b"text/html; charset=shift_jis")])
    )
    assert_gated(out, "cp932")
    assert "表示ソ".encode("cp932") in out


async def test_xhtml_is_rewritten_as_xml() -> None:
    page = (
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        '<script src="https://connect.facebook.net/x.js"/>'
        "<style><![CDATA[ a{} ]]></style></body></html>"
    )
    _status, _headers, out = await call(
        raw_app(page.encode(), [(b"content-type", b"application/xhtml+xml")])
    )
    assert b"data-privmw-src" in out


async def test_replacement_encoding_passes() -> None:
    data = PAGE.encode()
    _status, _headers, out = await call(
        raw_app(data, [(b"content-type", b"text/html; charset=iso-2022-kr")])
    )
    assert out == data


async def test_report_only_never_changes_an_encoded_body() -> None:
    packed = gzip.compress(PAGE.encode())
    _status, headers, out = await call(
        raw_app(packed, [*HTML_UTF8, (b"content-encoding", b"gzip")]), TagGate(mode="report-only")
    )
    assert out == packed
    assert headers[b"content-encoding"] == b"gzip"


def test_labels_and_bom() -> None:
    assert _encoding.label(" Latin1 ") == "windows-1252"
    assert _encoding.label("unicode-1-1-utf-8") == "utf-8"
    assert _encoding.label("x-sjis") == "shift_jis"
    assert _encoding.label("utf-16") == "utf-16le"
    assert _encoding.label("nonsense") is None
    assert _encoding.bom(b"\xef\xbb\xbfx") == ("utf-8", 3)
    assert _encoding.prescan(b'<!-- <meta charset="koi8-r"> --><meta charset=euc-jp>') == "euc-jp"
    assert (
        _encoding.prescan(b"<meta http-equiv=content-type content='text/html; charset=utf-16'>")
        == "utf-8"
    )
    assert _encoding.parse_content_type(b'text/HTML; Charset="UTF-8"') == ("text/html", "UTF-8")


async def test_httpx_end_to_end_gzip() -> None:
    transport = httpx.ASGITransport(
        app=PrivacyMiddleware(
            raw_app(gzip.compress(PAGE.encode()), [*HTML_UTF8, (b"content-encoding", b"gzip")])
        ),
        client=("203.0.113.9", 4711),
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/")
    assert "content-encoding" not in response.headers
    assert_gated(response.content)


_CTYPE_VALUES = st.sampled_from(
    [
        b"text/html",
        b"text/html; charset=utf-8",
        b"TEXT/HTML ;charset=x",
        b"text/plain",
        b"application/json",
        b"application/xhtml+xml",
        b"image/svg+xml",
        b"text/plain, text/html",
        b"",
        b"junk",
        b"*/*",
        b" text/html ",
    ]
) | st.binary(max_size=24)


_RUNTIME = TagRuntime(TagGate(), REGISTRY)


@given(
    fields=st.lists(
        st.tuples(st.sampled_from([b"content-type", b"Content-Type", b"x-other"]), _CTYPE_VALUES),
        max_size=4,
    )
)
def test_the_responders_memoised_decision_is_rewritable(
    fields: list[tuple[bytes, bytes]],
) -> None:
    """TagRuntime.is_document (one field: memoised) always agrees with rewritable()."""
    runtime = _RUNTIME  # one for every example: its memo carries over, as in a process
    ctypes = [value for name, value in fields if name.lower() == b"content-type"]
    last = ctypes[-1] if ctypes else None
    expected = rewritable(fields)
    for _ in range(2):  # the second call is answered from the memo
        assert runtime.is_document(last, len(ctypes), fields) is expected


def _rewritable_by_fetch(fields: list[tuple[bytes, bytes]]) -> bool:
    """The oracle: Fetch's "extract a MIME type", then HTML or an XML type (or none: sniffed)."""
    ctype = _encoding.extract_mime(fields)
    if ctype is None:
        return True
    essence, _ = _encoding.parse_content_type(ctype)
    return essence == "text/html" or _encoding.is_xml(essence)


@given(
    fields=st.lists(
        st.tuples(
            st.sampled_from([b"content-type", b"Content-Type", b"x-other"]),
            _CTYPE_VALUES | st.sampled_from([b"text/javascript", b"text/css", b"text/xml; q=1"]),
        ),
        max_size=3,
    )
)
def test_rewritable_fast_path_agrees_with_the_fetch_algorithm(
    fields: list[tuple[bytes, bytes]],
) -> None:
    assert rewritable(fields) is _rewritable_by_fetch(fields)
