"""Documents that make Chromium load a non-consented vendor's resource through privmw.

Each case is ``name -> (response headers, body)``. Served without privmw
every one of them makes Chromium 156 request a registry vendor's URL (the
control in ``test_rewriter_browser``); through ``PrivacyMiddleware`` with
its defaults (tags on, no consent given) none may (invariant 4).

Why each one gets through is in its comment: the rewriter reads the document
differently from the browser (HTML tokenizer and tree builder, Chromium's
preload scanner, the XML parser, CSS syntax).
"""

from __future__ import annotations

import base64

Headers = list[tuple[bytes, bytes]]

HTML: Headers = [(b"content-type", b"text/html; charset=utf-8")]
XHTML: Headers = [(b"content-type", b"application/xhtml+xml")]
SVG: Headers = [(b"content-type", b"image/svg+xml")]

#: An inline snippet that adds Google Analytics (what a tag manager writes).
GA_SNIPPET = (
    b"(function(){var s=document.createElement('script');"
    b"s.src='https://www.google-analytics.com/analytics.js';document.head.appendChild(s)})()"
)

_GA_TAG = '<script src="https://www.google-analytics.com/analytics.js"></script>'
#: The GA tag as a UTF-16LE document, with and without a byte order mark, base64.
_UTF16_BOM = base64.b64encode(b"\xff\xfe" + _GA_TAG.encode("utf-16-le"))
_UTF16 = base64.b64encode(_GA_TAG.encode("utf-16-le"))

CASES: dict[str, tuple[Headers, bytes]] = {
    # <base> ----------------------------------------------------------------
    # The base names a vendor's host whose vendor is known by a path
    # (facebook.com/tr): the <img> URL has no "hint" (no ".com"), so the fast
    # grammar and _gate_tag's hint pre-filter skip it; resolved, it is the pixel.
    "base to a path-known vendor host, relative img": (
        HTML,
        b'<base href="https://www.facebook.com/"><img src="tr?id=1">',
    ),
    "base to a path-known vendor host, relative iframe": (
        HTML,
        b'<base href="https://www.google.com/"><iframe src="maps/embed?pb=1"></iframe>',
    ),
    # The first <base> in source order is inside <template> (not in the
    # document) or <noscript> (raw text when scripting is on): the browser
    # takes the second one, privmw the first.
    "base inside template shadows the real base": (
        HTML,
        b'<template><base href="https://evil.com/"></template>'
        b'<base href="https://www.facebook.com/"><script src="tr?id=1"></script>',
    ),
    "base inside noscript shadows the real base": (
        HTML,
        b'<noscript><base href="https://evil.com/"></noscript>'
        b'<base href="https://www.facebook.com/"><script src="tr?id=1"></script>',
    ),
    # Chromium's preload scanner honours a <base> inside <svg>/<math> (the
    # tree builder does not); privmw ignores it, so the script is not gated.
    "base inside svg (preload scanner)": (
        HTML,
        b'<svg><base href="https://www.facebook.com/"></svg><script src="tr?id=1"></script>',
    ),
    "base inside math (preload scanner)": (
        HTML,
        b'<math><base href="https://www.facebook.com/"></math><img src="tr?id=1">',
    ),
    # Character references in attributes that decide how content is read --
    # _script_type reads type= raw: "text&#47;javascript" is not in _JS_TYPES,
    # so the inline script is taken for a data block and never scanned.
    "script type with a character reference": (
        HTML,
        b'<script type="text&#47;javascript">' + GA_SNIPPET + b"</script>",
    ),
    "script type=module with a character reference": (
        HTML,
        b'<script type="&#109;odule">' + GA_SNIPPET + b"</script>",
    ),
    "script language with a character reference": (
        HTML,
        b'<script language="&#106;avascript">' + GA_SNIPPET + b"</script>",
    ),
    # http-equiv is compared raw: "&#114;efresh" is not "refresh".
    "meta refresh with a character reference in http-equiv": (
        HTML,
        b'<meta http-equiv="&#114;efresh" content="0;url=https://connect.facebook.net/x">',
    ),
    # annotation-xml's encoding is matched raw: the browser decodes it and
    # makes an HTML integration point, privmw reads the iframe as MathML.
    "annotation-xml encoding with a character reference": (
        HTML,
        b'<math><annotation-xml encoding="text&#47;html">'
        b'<iframe src="https://www.youtube.com/embed/x"></iframe></annotation-xml></math>',
    ),
    # Foreign content ------------------------------------------------------
    # <font> breaks out of foreign content only with an attribute *named*
    # color/face/size; privmw's regex also matches "colorx" and " color"
    # inside a value, leaves SVG, and reads the SVG <style> as raw text: the
    # <img> in it (a breakout tag in the browser's reading) loads.
    "font colorx= is not a breakout": (
        HTML,
        b'<svg><font colorx=1></font><style><img src="https://connect.facebook.net/x.png">'
        b"</style></svg>",
    ),
    'font title=" color" is not a breakout': (
        HTML,
        b'<svg><font title=" color"></font><style><img src="https://connect.facebook.net/x.png">'
        b"</style></svg>",
    ),
    # SVG animation sets href of an <image>: <set to=>, <animate values=>.
    "svg set attributeName=href": (
        HTML,
        b'<svg><image width="10" height="10"><set attributeName="href" '
        b'to="https://connect.facebook.net/x.png"/></image></svg>',
    ),
    "svg animate attributeName=href": (
        HTML,
        b'<svg><image width="10" height="10"><animate attributeName="href" '
        b'values="https://connect.facebook.net/x.png" dur="1s"/></image></svg>',
    ),
    # CSS -------------------------------------------------------------------
    # In a CSS string "\" + form feed is an escaped newline (removed, CSS
    # Syntax 4.3.5); _css_unescape keeps the form feed and literal() removes
    # only tab/LF/CR, so "connect.face\<FF>book.net" matches nothing.
    "css string with an escaped form feed in @import": (
        HTML,
        b'<style>@import "https://connect.face\\\x0cbook.net/x.css";</style>',
    ),
    "css string with an escaped form feed in url()": (
        HTML,
        b"<div style=\"background:url('https://connect.face\\\x0cbook.net/x.png')\">x</div>",
    ),
    # XML documents ------------------------------------------------------------
    # Element and attribute names are compared with their prefix: h:script
    # is an XHTML script, q:href an XLink href.
    "xhtml prefixed script": (
        XHTML,
        b'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:h="http://www.w3.org/1999/xhtml">'
        b'<head><h:script src="https://www.google-analytics.com/analytics.js"/></head>'
        b"<body>hi</body></html>",
    ),
    "xhtml prefixed img": (
        XHTML,
        b'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:h="http://www.w3.org/1999/xhtml">'
        b'<body><h:img src="https://connect.facebook.net/x.png"/></body></html>',
    ),
    "svg document prefixed script": (
        SVG,
        b'<s:svg xmlns:s="http://www.w3.org/2000/svg">'
        b'<s:script href="https://www.google-analytics.com/analytics.js"/></s:svg>',
    ),
    "svg document xlink under another prefix": (
        SVG,
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:q="http://www.w3.org/1999/xlink">'
        b'<image q:href="https://connect.facebook.net/x.png" width="10" height="10"/></svg>',
    ),
    # The XML parser expands entities of the internal DTD subset.
    "xhtml internal DTD entity in src": (
        XHTML,
        b'<!DOCTYPE html [<!ENTITY ga "https://www.google-analytics.com/analytics.js">]>'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><script src="&ga;"/></head>'
        b"<body>hi</body></html>",
    ),
    # data: URLs -------------------------------------------------------------
    # Finder.url decodes a data: payload as UTF-8 only; the browser reads a
    # UTF-16 document (BOM or charset parameter) and runs its script.
    "iframe data: document in UTF-16 with a BOM": (
        HTML,
        b'<iframe src="data:text/html;base64,' + _UTF16_BOM + b'"></iframe>',
    ),
    "iframe data: document with charset=utf-16le": (
        HTML,
        b'<iframe src="data:text/html;charset=utf-16le;base64,' + _UTF16 + b'"></iframe>',
    ),
    # A data: stylesheet is scanned as code, not CSS: its escapes stay.
    "link data: stylesheet with a CSS escape in @import": (
        HTML,
        b'<link rel="stylesheet" '
        b'href="data:text/css,@import &quot;https://connect.face\\62 ook.net/x.css&quot;;">',
    ),
    # Nested documents carry their own <base> (the first finding, one level down).
    "iframe data: document with a base and a relative img": (
        HTML,
        b'<iframe src="data:text/html,<base href=https://www.facebook.com/>'
        b'<img src=tr?id=1>"></iframe>',
    ),
    "iframe srcdoc with a base and a relative img": (
        HTML,
        b'<iframe srcdoc="<base href=https://www.facebook.com/><img src=tr?id=1>"></iframe>',
    ),
}


#: privmw's own activation script is injected as ``<script src="/privacy/privmw.js">``:
#: a relative URL, so the page's ``<base href>`` sends it to another host
#: (here a vendor's), which then serves the code privmw runs with the page.
BASE_LOADER_PAGE = (
    b'<base href="https://www.facebook.com/">'
    b'<script src="https://www.google-analytics.com/analytics.js"></script><p>hi</p>'
)
