"""The rows of the Chromium construct table, and the site that serves them.

``uvicorn tests.browser._constructs:app``. Paths:

* ``/raw/<row>``: the row's response exactly as the app sends it, no privmw
  (the oracle's sanity check: Chromium does fetch the vendor);
* ``/c/<row>``: the same response through a default ``PrivacyMiddleware``
  (no options; the consent endpoints at ``/privacy/consent``);
* ``/strict-csp/<row>``: through ``PrivacyMiddleware(tags=TagGate(csp="strict"))``;
  ``/strict-csp/corpus`` is every vendor's official snippet on one page
  (``tests/tag_corpus.py``) under the strict CSP.

Rows are :data:`ROWS` (the fetching constructs) and :data:`INLINE_ROWS` (inline
code that fetches at run time, ``tests._html_strategies.INLINE``).

A row is a whole response: body bytes, headers, and where the body is cut
into ``http.response.body`` messages (the transport cases: tags and inline
scripts longer than ``max_tag_bytes`` across two messages, compressed and
UTF-16 bodies, other charsets and MIME types, ``Link`` response headers).
"""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from privmw import PrivacyMiddleware, TagGate
from privmw._types import Receive, Scope, Send
from tests._html_strategies import (
    ADS_DOT,
    ENGINE_LEAKS,
    FB_JS,
    FB_PIXEL,
    FRAGMENTS,
    FRAMESET,
    INLINE,
    META_LOADER,
    page,
)
from tests.tag_corpus import NECESSARY_SNIPPETS, SNIPPETS
from tests.tag_corpus import page as corpus_page

HTML_UTF8 = (b"content-type", b"text/html; charset=utf-8")
#: Over TagGate's default max_tag_bytes (64 KiB).
LONG = 70_000


@dataclass(frozen=True)
class Row:
    """One construct: the response that carries it and what must not load."""

    name: str
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = (HTML_UTF8,)
    #: Byte offsets where the body is split into separate body messages.
    cuts: tuple[int, ...] = ()
    #: The vendor Chromium fetches when the construct is not gated.
    vendor: str = "meta-pixel"
    #: Categories the visitor consented to in the gated load (the vendor's is never one).
    consent: tuple[str, ...] = ()
    #: With consent for everything the vendor loads too (checks privmw does not over-block).
    consented_loads: bool = True

    def chunks(self) -> list[bytes]:
        out, at = [], 0
        for cut in (*self.cuts, len(self.body)):
            out.append(self.body[at:cut])
            at = cut
        return out


def _utf8(fragment: str, title: str) -> bytes:
    return page(fragment, title=title).encode("utf-8")


def _link(value: str) -> tuple[tuple[bytes, bytes], ...]:
    return (HTML_UTF8, (b"link", value.encode("latin-1")))


_SCRIPT = f'<script src="{FB_JS}"></script>'
_LONG_TAG = page(f'<img alt="{"A" * LONG}" src="{FB_PIXEL}">', title="long tag").encode()
_LONG_SCRIPT = page(
    "<script>/*" + "x" * LONG + "*/" + META_LOADER + "</script>", title="long script"
).encode()
_UTF16 = page(_SCRIPT, title="utf-16", charset=None)
_XHTML = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>xhtml</title></head>'
    f'<body><p>xhtml</p><script src="{FB_JS}"></script></body></html>'
).encode()

#: Rows whose tag privmw drops even with consent, by design: past ``max_tag_bytes``
#: it fails closed (a longer tag is dropped, a longer inline script neutralised).
FAILS_CLOSED = frozenset({"long-tag-two-messages", "long-inline-script-two-messages"})
#: Rows privmw over-blocks with consent (the engine's to fix; xfail(strict) there).
OVERBLOCKED: dict[str, str] = {
    # html5lib and Chromium read <img> as breaking out of <svg>/<math> into HTML;
    # the rewriter drops the foreign <style> with its content, consented or not.
    "svg-style-img": "engine: a foreign <style> is dropped with its content even with consent",
    "math-style-img": "engine: a foreign <style> is dropped with its content even with consent",
}

_ROWS: list[Row] = [
    *(Row(name, _utf8(fragment, name)) for name, fragment in FRAGMENTS.items()),
    *(Row(name, _utf8(fragment, name)) for name, fragment in ENGINE_LEAKS.items()),
    Row("frameset-frame", FRAMESET.encode()),
    Row(
        "ads-dot-segment-with-analytics-consent",
        _utf8(f'<script async src="{ADS_DOT}"></script>', "ads"),
        vendor="google-ads",
        consent=("analytics",),
    ),
    Row("long-tag-two-messages", _LONG_TAG, cuts=(len(_LONG_TAG) // 2,)),
    Row("long-inline-script-two-messages", _LONG_SCRIPT, cuts=(len(_LONG_SCRIPT) // 2,)),
    Row(
        "gzip-from-the-app",
        gzip.compress(_utf8(_SCRIPT, "gzip"), mtime=0),
        headers=(HTML_UTF8, (b"content-encoding", b"gzip")),
    ),
    Row("utf-16-bom-under-utf-8-label", b"\xff\xfe" + _UTF16.encode("utf-16-le")),
    Row(
        "charset-utf-16",
        _UTF16.encode("utf-16-le"),
        headers=((b"content-type", b"text/html; charset=utf-16"),),
    ),
    Row(
        "iso-2022-jp-escapes",
        page(
            '<scr\x1b(Bipt src="https://connect.face\x1b(Bbook.net/en_US/fbevents.js"></script>',
            title="iso-2022-jp",
            charset=None,
        ).encode("latin-1"),
        headers=((b"content-type", b"text/html; charset=iso-2022-jp"),),
    ),
    Row(
        "application-xhtml-xml",
        _XHTML,
        headers=((b"content-type", b"application/xhtml+xml; charset=utf-8"),),
    ),
    Row("no-content-type", _utf8(_SCRIPT, "sniffed"), headers=()),
    Row(
        "link-header-preload",
        _utf8("", "link"),
        headers=_link(f"<{FB_JS}>; rel=preload; as=script"),
    ),
    Row(
        "link-header-modulepreload",
        _utf8("", "link"),
        headers=_link(f"<{FB_JS}>; rel=modulepreload"),
    ),
    Row(
        "link-header-preload-image",
        _utf8("", "link"),
        headers=_link(f'<{FB_PIXEL}>; rel="preload"; as="image"'),
    ),
    Row(
        "link-header-several-values",
        _utf8("", "link"),
        headers=_link(
            "</static/site.css>; rel=preload; as=style, "
            '<https://connect.facebook.net/en_US/fbevents.js?a=1,2>; title="a, b; c"; '
            "rel=preload; as=script"
        ),
    ),
    Row(
        "link-header-scheme-relative",
        _utf8("", "link"),
        headers=_link("<//connect.facebook.net/en_US/fbevents.js>; rel=preload; as=script"),
    ),
]
ROWS: dict[str, Row] = {
    row.name: dataclasses.replace(row, consented_loads=row.name not in FAILS_CLOSED)
    for row in _ROWS
}
INLINE_ROWS: dict[str, Row] = {name: Row(name, _utf8(html, name)) for name, html in INLINE.items()}
_CORPUS = Row(
    "corpus", corpus_page(sorted(SNIPPETS) + sorted(NECESSARY_SNIPPETS)).encode(), vendor=""
)
#: Checks the observer itself: lazy embeds far from both ends of a tall page
#: (scrolling to the end alone never brings them near the viewport).
_SPACER = '<div style="height:30000px"></div>'
_LAZY_PROBE = Row(
    "lazy-probe",
    (
        f"<!doctype html><title>lazy</title><body>{_SPACER}"
        '<iframe loading="lazy" src="https://open.spotify.com/embed/track/x"></iframe>'
        '<img loading="LAZY" src="https://www.facebook.com/tr?id=1&ev=PageView" alt="">'
        f"{_SPACER}</body>"
    ).encode(),
    vendor="spotify",
)
_ALL = {**ROWS, **INLINE_ROWS, "corpus": _CORPUS, "lazy-probe": _LAZY_PROBE}


def _row_app(row: Row) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = list(row.headers)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        chunks = row.chunks()
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


async def _inner(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    name = path.rpartition("/")[2]
    row = _ALL.get(name)
    if scope["type"] != "http":
        return
    if row is None:
        # The site's own assets: small and harmless (a stylesheet, images, a script).
        body, ctype = b"", b"text/plain"
        if path.endswith(".css"):
            body, ctype = b"body{color:#222}", b"text/css"
        elif path.endswith(".js"):
            body, ctype = b"void 0;", b"text/javascript"
        headers = [(b"content-type", ctype)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await _row_app(row)(scope, receive, send)


default = PrivacyMiddleware(_inner)
strict_csp = PrivacyMiddleware(_inner, tags=TagGate(csp="strict"))


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "") if scope["type"] == "http" else ""
    if path.startswith("/raw/"):
        await _inner(scope, receive, send)
    elif path.startswith("/strict-csp/"):
        await strict_csp(scope, receive, send)
    else:
        await default(scope, receive, send)
