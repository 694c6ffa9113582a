"""The HTML elements open inside SVG/MathML integration points, read as the in-body rules do.

Inside ``<foreignObject>``, ``<desc>``, ``<title>``, ``<mi>``... the HTML
elements are handled by the in-body insertion mode (WHATWG HTML §13.2.6.4.7):
``</div>`` closes the ``<p>`` inside it, ``<div>`` closes an open ``<p>``,
``</desc>`` over an open ``<p>`` is ignored (``<p>`` is special). Where the
rewriter reads that exactly it must not become *unsure* (then it reads every
later ``<script>`` both ways and drops a first-party one holding ``i<n``);
where it reads it, the tree it believes must be the browser's, or a CDATA
section / bogus comment after it hides a live tag (the html5lib oracle,
``tests/tags/_oracle.py``). Whole and in 1-byte chunks, both plans.
"""

from __future__ import annotations

import pytest

from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry
from tests.tags._oracle import live_fetches

REGISTRY = TrackerRegistry()
PLANS = {"re2": RewritePlan(REGISTRY), "stdlib": RewritePlan(REGISTRY, use_re2=False)}
GA = "https://www.google-analytics.com/collect"
IMG = f'<img src="{GA}">'
SCRIPT = "<script>for(var i=0;i<n;i++){}</script>"
FO, END = "<svg><foreignObject>", "</foreignObject></svg>"


def _deny(category: str) -> bool:
    return category == "necessary"


def _rewrite(data: bytes, plan: str, chunk: int | None) -> tuple[bytes, HtmlRewriter]:
    rw = HtmlRewriter(PLANS[plan], _deny)
    if chunk is None:
        return rw.feed(data) + rw.close(), rw
    out = b"".join(rw.feed(data[i : i + chunk]) for i in range(0, len(data), chunk))
    return out + rw.close(), rw


def _page(body: str) -> bytes:
    return f"<!doctype html><html><body>{body}</body></html>".encode()


#: Tracker-free markup the in-body rules read exactly; a first-party script after it.
UNTOUCHED = {
    "foreignObject div closes its p": FO + "<div><p>label</div>" + END,
    "desc p ignores </desc> and </svg>": "<svg><desc><p>chart</desc></svg>",
    "desc p, then a div closes the p": "<svg><desc><p>chart</desc></svg><div>x</div><p>y",
    "desc p, then a list": "<svg><desc><p>chart</desc></svg><ul><li>a<li>b</ul>",
    "desc p, then a table": "<svg><desc><p>c</desc></svg><table><tr><td>1</td></tr></table>",
    "desc p, then a form": "<svg><desc><p>c</desc></svg><form><input name=q></form>",
    "a form, desc p, a form": "<form></form><svg><desc><p>c</desc></svg><form></form><form>",
    "foreignObject p closed by a div": FO + "<p>a<div>b</div>" + END,
    "foreignObject p p": FO + "<p>a<p>b" + END,
    "foreignObject li li": FO + "<ul><li>a<li>b</ul>" + END,
    "foreignObject dd dt": FO + "<dl><dt>a<dd>b</dl>" + END,
    "foreignObject heading after heading": FO + "<h1>a<h2>b</h2>" + END,
    "foreignObject hr closes p": FO + "<p>a<hr>" + END,
    "foreignObject self-closing div is open": FO + "<div/>a</div>" + END,
    "foreignObject unknown end tag over span": FO + "<span>a</em></span>" + END,
    "mi p ignores </mi>": "<math><mi><p>x</mi></math></p>",
    "desc, end tag of a div not open": "<svg><desc>chart</div></desc></svg>",
    "desc p, then the body ends": "<svg><desc><p>chart</desc></svg></body>",
}


@pytest.mark.parametrize("plan", sorted(PLANS))
@pytest.mark.parametrize("chunk", [None, 1], ids=["whole", "1B"])
@pytest.mark.parametrize("name", sorted(UNTOUCHED))
def test_tracker_free_foreign_markup_stays_byte_identical(
    name: str, chunk: int | None, plan: str
) -> None:
    page = _page(UNTOUCHED[name] + SCRIPT + "<script>if(a<b)c()</script>")
    out, rw = _rewrite(page, plan, chunk)
    assert out == page
    assert not rw.changed


#: Each really fetches per html5lib: the tree the rewriter believes must be the browser's.
LIVE = {
    # desc stays open, <p> is the current node: a CDATA opener is a bogus comment
    "desc p, CDATA is a bogus comment": f"<svg><desc><p>c</desc></svg><![CDATA[>{IMG}]]>",
    # <div> closed the <p>: </foreignObject> pops to the svg, where CDATA is CDATA
    "p closed by div, CDATA in svg": (
        FO + f"<p>a<div>b</div></foreignObject><![CDATA[ > <!-- ]]>{IMG} -->"
    ),
    # </div> closed the <p> inside it: the same
    "div closes p, CDATA in svg": (
        FO + f"<div><p>a</div></foreignObject><![CDATA[ > <!-- ]]>{IMG} -->"
    ),
    # an end tag of an element not open is ignored: <p> still current
    "ignored end tag, p current": FO + f"<p>a</span></foreignObject><![CDATA[>{IMG}]]>",
    # ignored </mi> at the integration point: <mi> still current, CDATA is CDATA
    "ignored end tag at mi": f"<math><mi>x</div><![CDATA[ > <!-- ]]>{IMG} -->",
    # a closed <b> is reopened by the next text (formatting elements): still HTML
    "formatting element reopened": FO + f"<p><b>a</p>x</foreignObject><![CDATA[>{IMG}]]>",
    # an SVG annotation-xml is no integration point, whatever its encoding
    "svg annotation-xml is foreign": (
        f'<svg><annotation-xml encoding="text/html"><title><img src="{GA}"></title>'
    ),
    # <html> and <body> are never inserted: <mi> stays current
    "html start tag in mi": f"<math><mi><html><![CDATA[ > <!-- ]]>{IMG} -->",
    # unsure (</g> matches nothing in <svg>), then a breakout: <![CDATA[ is a bogus
    # comment to the first ">" in HTML content, CDATA with no "]]>" in SVG
    "unsure CDATA without its end": f"<svg></g><p><![CDATA[>{IMG}",
    "unsure CDATA without its end, text": f"<svg></g><p><![CDATA[ x > y {IMG} z",
    # the first <form> sets the form element pointer (the "</form>" is a comment):
    # the second is ignored, <p> stays current, CDATA is a bogus comment
    "form pointer set, form ignored": (
        f"<form><!-- </form> --><svg><desc><p>c</desc><form></form><![CDATA[>{IMG}]]>"
    ),
    # unsure CDATA longer than max_tag_bytes, cut by chunk ends before either end:
    # streamed as a bogus comment it left the "]]>" in the output, and in SVG the
    # <img> after it is live where HTML reads an attribute value
    "unsure CDATA past the bound, ]]> in a value": (
        f'<svg></div><![CDATA[{"a" * 70_000}> <p title="]]>{IMG}">x</p>'
    ),
    # a table part in an unknown insertion mode: read both ways
    "table part in foreignObject": f"<table><svg><foreignObject><tr></tr><![CDATA[>{IMG}]]>",
}


@pytest.mark.parametrize("plan", sorted(PLANS))
@pytest.mark.parametrize("chunk", [None, 1], ids=["whole", "1B"])
@pytest.mark.parametrize("name", sorted(LIVE))
def test_foreign_tree_constructs_are_dead_after_privmw(
    name: str, chunk: int | None, plan: str
) -> None:
    page = _page(LIVE[name])
    assert live_fetches(page, REGISTRY, _deny), "the oracle must see the construct live"
    out, _ = _rewrite(page, plan, chunk)
    assert live_fetches(out, REGISTRY, _deny) == []
