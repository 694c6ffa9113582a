"""Attributes that decide how an element is read, read as the HTML tokenizer reads them.

Character references in an attribute value are decoded before the browser
compares it (``<script type>``/``language``, ``<meta http-equiv>``,
``<annotation-xml encoding>``), with the attribute-value rules of §13.2.5.73
(a legacy named reference without ``;`` before ``=`` or an alphanumeric stays
as written); ``<font>`` leaves foreign content only with an attribute *named*
``color``, ``face`` or ``size`` (§13.2.6.5). Each row fetches a vendor per
html5lib (the independent reader) and nothing does after privmw, whole and in
1-byte chunks, on both plans; consented, the row is byte-identical.
"""

from __future__ import annotations

import html5lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw.tags._tokenizer import attr_unescape
from tests.tags._oracle import live_fetches
from tests.tags.test_fetch_table import ALLOW, DENY, FB_PX, REGISTRY, YT, rewrite

GA_SNIPPET = (
    "(function(){var s=document.createElement('script');"
    "s.src='https://www.google-analytics.com/analytics.js';document.head.appendChild(s)})()"
)

#: (id, markup): each fetches a non-consented vendor as the browser reads it.
ROWS = [
    # finding 4: character references in attributes compared by value
    ("script type, decimal reference", f'<script type="text&#47;javascript">{GA_SNIPPET}</script>'),
    ("script type, hex reference", f'<script type="text&#x2F;javascript">{GA_SNIPPET}</script>'),
    ("script type, no semicolon", f'<script type="text&#47javascript">{GA_SNIPPET}</script>'),
    ("script type, named reference", f'<script type="text&sol;javascript">{GA_SNIPPET}</script>'),
    ("script type=module, reference", f'<script type="&#109;odule">{GA_SNIPPET}</script>'),
    ("script language, reference", f'<script language="&#106;avascript">{GA_SNIPPET}</script>'),
    ("meta refresh, reference", f'<meta http-equiv="&#114;efresh" content="0; url={YT}">'),
    (
        "meta refresh, named reference",
        f'<meta http-equiv="r&#x65;fr&#101;sh" content="0; url={YT}">',
    ),
    (
        "annotation-xml encoding, reference",
        f'<math><annotation-xml encoding="text&#47;html"><iframe src="{YT}"></iframe>'
        "</annotation-xml></math>",
    ),
    (
        "annotation-xml encoding, xhtml with a reference",
        f'<math><annotation-xml encoding="application&sol;xhtml&plus;xml">'
        f'<iframe src="{YT}"></iframe></annotation-xml></math>',
    ),
    # finding 5: <font> breaks out only with an attribute named color/face/size
    (
        "font colorx= is not a breakout",
        f'<svg><font colorx=1></font><style><img src="{FB_PX}"></style></svg>',
    ),
    (
        'font title=" color" is not a breakout',
        f'<svg><font title=" color"></font><style><img src="{FB_PX}"></style></svg>',
    ),
    (
        "font title=x/size is not a breakout",
        f'<svg><font title=x/size></font><style><img src="{FB_PX}"></style></svg>',
    ),
    (
        "font FACE= is a breakout",
        f'<svg><font FACE=x><iframe src="{YT}"></iframe></font></svg>',
    ),
    (
        "font data-face is not a breakout",
        f'<svg><font data-face=1></font><style><img src="{FB_PX}"></style></svg>',
    ),
]


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
@pytest.mark.parametrize("source", [r[1] for r in ROWS], ids=[r[0] for r in ROWS])
def test_row_is_gated(source: str, plan: str) -> None:
    data = ("<!DOCTYPE html><p>before</p>" + source + "<p>after</p>").encode()
    assert live_fetches(data, REGISTRY, DENY), "the row must fetch a vendor before privmw"
    for mode in ("neutralise", "remove"):
        whole = rewrite(data, DENY, mode, None, plan)
        assert live_fetches(whole, REGISTRY, DENY) == [], (mode, whole)
        assert b"<p>after</p>" in whole
        assert rewrite(data, DENY, mode, 1, plan) == whole
        assert rewrite(data, DENY, mode, 7, plan) == whole
    kept = rewrite(data, ALLOW, "neutralise", None, plan)
    if b"<svg><font" in data:
        return  # an SVG <style> with markup inside is read two ways: dropped in any case
    assert kept == data


#: Not a breakout, not a JS type, not a refresh: left alone (and the reading agrees).
NOT_FETCHED = [
    ("font color= breaks out", '<svg><font color=red></font><img src="/a.png"></svg>'),
    (
        "script type with a reference that is not decoded",
        '<script type="text/javascript&amp=1">{"x": 1}</script>',
    ),
    ("meta http-equiv=refresh&ampx", f'<meta http-equiv="refresh&ampx" content="0; url={YT}">'),
]


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
@pytest.mark.parametrize("source", [r[1] for r in NOT_FETCHED], ids=[r[0] for r in NOT_FETCHED])
def test_not_a_fetch_is_left_alone(source: str, plan: str) -> None:
    data = source.encode()
    assert live_fetches(data, REGISTRY, DENY) == []
    assert rewrite(data, DENY, "neutralise", None, plan) == data
    assert rewrite(data, DENY, "neutralise", 1, plan) == data


def _html5lib_value(value: str) -> str:
    tree = html5lib.parse('<p a="' + value + '">', namespaceHTMLElements=False)
    found = tree.find(".//p")
    assert found is not None
    return found.get("a") or ""


_NAMES = ["amp", "lt", "not", "notin", "copy", "sol", "AMP", "nbsp", "ltimg", "x"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["&", "&#", "&#x", "&#X", ";", "=", "a", "1", "F", " ", "/"]),
            st.sampled_from(_NAMES),
            st.integers(0, 0x11FFFF).map(str),
            st.integers(0, 0x11FFFF).map(lambda n: f"{n:x}"),
        ),
        max_size=12,
    ).map("".join)
)
def test_attr_unescape_matches_html5lib(value: str) -> None:
    """The decoder agrees with html5lib's attribute value states on hostile spellings."""
    assert attr_unescape(value) == _html5lib_value(value)


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        ("&amp=1", "&amp=1"),  # legacy, no ";", then "=": as written
        ("&copyx", "&copyx"),  # legacy, no ";", then an alphanumeric: as written
        ("&copy x", "\xa9 x"),
        ("&notin", "&notin"),  # "not" then "i": as written (text would give "¬in")
        ("&#0;", "\ufffd"),
        ("&#x80;", "\u20ac"),
        ("&#" + "9" * 5000 + ";", "\ufffd"),  # past U+10FFFF, and no quadratic int()
    ],
)
def test_attr_unescape_rules(value: str, decoded: str) -> None:
    assert attr_unescape(value) == decoded
