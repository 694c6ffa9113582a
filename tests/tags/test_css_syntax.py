"""CSS escapes and newlines as CSS Syntax reads them, against an independent tokenizer.

``_css_tokens`` below is CSS Syntax Level 3 written out step by step (§3.3
preprocessing, §4.3.5 "consume a string token", §4.3.6 "consume a url token",
§4.3.7 "consume an escaped code point"), character by character and without
privmw's regexes: the oracle for what a stylesheet's strings and URLs are.
In a string ``\\`` followed by a newline (LF, CR, FF or CR LF after
preprocessing) is a line continuation and is removed, so
``"https://connect.face\\<FF>book.net/x.css"`` is Facebook's host (Chromium
loads it: ``tests/attack2/test_rewriter_browser.py``).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw.tags._inline import css_urls
from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry

REGISTRY = TrackerRegistry()
PLAN = RewritePlan(REGISTRY)
DENY = lambda category: category == "necessary"  # noqa: E731

_HEX = "0123456789abcdefABCDEF"
_WS = " \t\n"


def _escape(text: str, i: int) -> tuple[str, int]:
    """§4.3.7 with ``text[i - 1] == "\\\\"``: (the code point, the index after it)."""
    if i >= len(text):
        return "\ufffd", i
    if text[i] in _HEX:
        j = i
        while j < len(text) and j - i < 6 and text[j] in _HEX:
            j += 1
        cp = int(text[i:j], 16)
        if j < len(text) and text[j] in _WS:
            j += 1
        if cp == 0 or 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
            return "\ufffd", j
        return chr(cp), j
    return text[i], i + 1


def _css_tokens(css: str) -> list[str]:
    """The values of the string and url tokens of ``css`` (bad ones left out)."""
    css = css.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")  # §3.3
    out: list[str] = []
    i, n = 0, len(css)
    while i < n:
        c = css[i]
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "\"'":
            value, i, bad = [], i + 1, False
            while i < n:
                d = css[i]
                if d == c:
                    i += 1
                    break
                if d == "\n":
                    bad = True  # a bad string: reconsume the newline
                    break
                if d == "\\":
                    if i + 1 >= n:
                        i += 1
                    elif css[i + 1] == "\n":
                        i += 2  # a line continuation
                    else:
                        ch, i = _escape(css, i + 1)
                        value.append(ch)
                    continue
                value.append(d)
                i += 1
            if not bad:
                out.append("".join(value))
        elif css[i : i + 4].lower() == "url(":
            j = i + 4
            while j < n and css[j] in _WS:
                j += 1
            if j < n and css[j] in "\"'":
                i = j  # url("..."): a function with a string token
                continue
            value, bad = [], False
            while j < n and css[j] != ")":
                d = css[j]
                if d in _WS:
                    k = j
                    while k < n and css[k] in _WS:
                        k += 1
                    bad = k < n and css[k] != ")"
                    j = k
                    break
                if d in "\"'(":
                    bad = True
                    break
                if d == "\\":
                    if j + 1 < n and css[j + 1] != "\n":
                        ch, j = _escape(css, j + 1)
                        value.append(ch)
                        continue
                    bad = True
                    break
                value.append(d)
                j += 1
            if bad:
                while j < n and css[j] != ")":
                    j += 1
            else:
                out.append("".join(value))
            i = j + 1
        else:
            i += 1
    return out


FB = "https://connect.facebook.net/x.css"
#: Every newline a CSS string can continue over, and hex escapes ended by each kind
#: of whitespace (CR LF is one).
BREAKS = {
    "backslash LF": "\\\n",
    "backslash CR": "\\\r",
    "backslash FF": "\\\f",
    "backslash CR LF": "\\\r\n",
}
HEX_ENDS = {"space": " ", "tab": "\t", "LF": "\n", "CR": "\r", "FF": "\f", "CR LF": "\r\n"}
PLACES = {
    "@import double": '@import "{}";',
    "@import single": "@import '{}';",
    "url() double": 'a{{background:url("{}")}}',
    "url() single": "a{{background:url('{}')}}",
}


def _cases() -> list[tuple[str, str]]:
    cases = []
    for place, template in PLACES.items():
        for brk, seq in BREAKS.items():
            cases.append((f"{place}, {brk}", template.format(FB.replace("face", "face" + seq))))
        for end, ws in HEX_ENDS.items():
            url = FB.replace("book", "\\62" + ws + "ook")
            cases.append((f"{place}, hex escape + {end}", template.format(url)))
    return cases


CASES = _cases()


@pytest.mark.parametrize("css", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_the_oracle_reads_the_vendor_url(css: str) -> None:
    assert FB in _css_tokens(css)


@pytest.mark.parametrize("css", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_css_urls_reads_what_css_syntax_reads(css: str) -> None:
    assert FB in list(css_urls(css))


@pytest.mark.parametrize("css", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_style_blocks_and_attributes_are_gated(css: str) -> None:
    block = b"<style>" + css.encode() + b"</style><p>after</p>"
    rw = HtmlRewriter(PLAN, DENY)
    out = rw.feed(block) + rw.close()
    assert b'type="text/plain"' in out, out
    assert rw.neutralised == 1
    if css.startswith("a{"):
        decl = css[2:-1].replace("&", "&amp;").replace('"', "&quot;")
        attr = b'<div style="' + decl.encode() + b'">x</div>'
        rw = HtmlRewriter(PLAN, DENY)
        out = rw.feed(attr) + rw.close()
        assert b"data-privmw-style" in out, out
        assert rw.neutralised == 1


_PIECES = st.sampled_from(
    [
        *("a", "Z", "0", ".", "/", ":", " ", "\t", "\n", "\r", "\f", "\r\n", "face", "book"),
        *("\\\n", "\\\r", "\\\f", "\\\r\n", "\\62 ", "\\62\r\n", "\\2e", "\\000041", "\\g"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30), st.sampled_from(list(PLACES.values())))
def test_every_string_value_is_read_like_css_syntax(pieces: list[str], template: str) -> None:
    """Any mix of escapes and newlines: privmw reads each string and URL the tokenizer reads.

    (Not escaped quotes: privmw decodes escapes before it finds strings, so
    ``\\"`` ends one early; the host is then still found by the literal scan
    of the decoded text, ``Finder.css``.)
    """
    css = template.format("".join(pieces))
    found = list(css_urls(css))
    for value in _css_tokens(css):
        if "/" in value or "." in value:
            assert value in found, (css, value, found)
