"""Over-blocking: what privmw breaks on pages it has no reason to touch, or touches wrongly.

* A page without trackers must come out byte-identical. After a common
  inline-SVG construct (``<foreignObject>`` holding a ``<p>`` that its
  ``</div>`` closes implicitly) the rewriter becomes *unsure* and from then on
  holds every ``<script>`` as a foreign one: a first-party inline script with
  ``<`` followed by a letter (``i<n``, ``a<b``) is dropped whole.
* XML documents (XHTML, SVG) must stay well-formed: privmw appends its
  loader after the root element, with ``defer`` as an attribute without value,
  and rewrites a self-closing ``<script .../>`` into an open ``<script ...>``;
  Chromium then shows its XML error banner and stops at the error.
* The same self-closing SVG ``<script/>`` in an HTML page, opened, swallows the
  SVG content after it (html5lib puts it inside the script element).

Oracles: the input bytes themselves; the stdlib XML parser (expat) for
well-formedness; html5lib for the HTML tree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import html5lib
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from privmw import PrivacyMiddleware
from tests.attack._drive import Headers, drive, http_scope

HTML: Headers = [(b"content-type", b"text/html; charset=utf-8")]
GA = b"https://www.google-analytics.com/analytics.js"

#: Tracker-free pieces of ordinary pages (inline SVG icons and charts, forms,
#: tables, first-party scripts with comparisons).
PIECES = [
    b"<p>",
    b"</p>",
    b"<div>",
    b"</div>",
    b"<span>text</span>",
    b"<ul><li>a<li>b</ul>",
    b"<table><tr><td>1</td></tr></table>",
    b"<svg viewBox='0 0 1 1'><g><path d='M0 0'/></g></svg>",
    b"<svg><foreignObject><div><p>label</div></foreignObject></svg>",
    b"<svg><desc><p>chart</desc></svg>",
    b"<math><mi>x</mi></math>",
    b"<script>for(var i=0;i<n;i++){}</script>",
    b"<script>if(a<b)c()</script>",
    b"<script src='/app.js'></script>",
    b"<style>a>b{color:red}</style>",
    b"<noscript><p>scripts are off</p></noscript>",
    b"<img src='/logo.png' alt='logo'>",
    b"<a href='https://example.org/'>link</a>",
    b"<form><input name=q><button>go</button></form>",
    b"<!-- a comment -->",
    b"some text & more",
]


def _through_privmw(headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    sent = drive(PrivacyMiddleware(app), http_scope())
    start = next(m for m in sent if m["type"] == "http.response.start")
    out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return list(start["headers"]), out


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(PIECES), max_size=10))
@example(
    [
        b"<svg><foreignObject><div><p>label</div></foreignObject></svg>",
        b"<script>for(var i=0;i<n;i++){}</script>",
    ]
)
def test_a_page_without_trackers_is_byte_identical(pieces: list[bytes]) -> None:
    page = b"<!doctype html><html><body>" + b"".join(pieces) + b"</body></html>"
    _, out = _through_privmw(HTML, page)
    assert out == page


XHTML_PAGE = (
    b'<html xmlns="http://www.w3.org/1999/xhtml"><head><script src="' + GA + b'"></script>'
    b'</head><body><p id="x">hi</p></body></html>'
)
SVG_PAGE = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script href="' + GA + b'"/>'
    b'<circle id="c" r="5"/></svg>'
)


def test_a_gated_xhtml_page_stays_well_formed_xml() -> None:
    _, out = _through_privmw([(b"content-type", b"application/xhtml+xml")], XHTML_PAGE)
    assert GA not in out.replace(b'data-privmw-src="' + GA, b"")  # the tag was gated
    ET.fromstring(out)  # raises ParseError: "junk after document element"


def test_a_gated_svg_document_stays_well_formed_xml() -> None:
    _, out = _through_privmw([(b"content-type", b"image/svg+xml")], SVG_PAGE)
    ET.fromstring(out)  # raises ParseError: "mismatched tag"


def test_a_neutralised_self_closing_svg_script_does_not_swallow_the_svg() -> None:
    page = b"<!doctype html><body>" + SVG_PAGE + b"</body>"
    _, out = _through_privmw(HTML, page)
    tree = html5lib.parse(out, namespaceHTMLElements=False)
    circle = next(el for el in tree.iter() if el.get("id") == "c")
    parent = next(el for el in tree.iter() if circle in list(el))
    assert parent.tag.endswith("svg"), parent.tag  # html5lib: inside the <script>
