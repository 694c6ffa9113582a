"""Differential: html5lib (a WHATWG-conformant parser) reads privmw's output.

A hypothesis strategy builds documents from every fetching construct and
tokenizer-state trap plus random tag soup; with no consent, no element that
html5lib sees (scripting on or off) may fetch a registry URL. Any chunking
gives the same bytes. Bounded for CI (a few hundred examples).
"""

from __future__ import annotations

import itertools
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry
from tests.tags._oracle import live_fetches
from tests.tags.test_fetch_table import NOT_FETCHED, ROWS

REGISTRY = TrackerRegistry()
#: bounded for CI; PRIVMW_DIFF_EXAMPLES=20000 for a longer hunt
EXAMPLES = int(os.environ.get("PRIVMW_DIFF_EXAMPLES", "1000"))
PLANS = {"re2": RewritePlan(REGISTRY), "stdlib": RewritePlan(REGISTRY, use_re2=False)}
DENY = lambda category: category == "necessary"  # noqa: E731

_CONSTRUCTS = [
    r[1] if isinstance(r, tuple) and not hasattr(r, "marks") else r.values[1] for r in ROWS
]
_SOUP = [
    "<",
    ">",
    "</",
    "/>",
    "<!--",
    "-->",
    "--!>",
    "<!-->",
    "<![CDATA[",
    "]]>",
    "<?x",
    "<!x",
    "<svg>",
    "</svg>",
    "<math>",
    "</math>",
    "<foreignObject>",
    "</foreignObject>",
    "<mtext>",
    "<desc>",
    "<title>",
    "</title>",
    "<style>",
    "</style>",
    "<textarea>",
    "</textarea>",
    "<xmp>",
    "</xmp>",
    "<iframe>",
    "</iframe>",
    "<noembed>",
    "</noembed>",
    "<noframes>",
    "<noscript>",
    "</noscript>",
    "<template>",
    "</template>",
    "<script>",
    "</script>",
    "<script><!--",
    "<script>",
    "<select>",
    "</select>",
    "<table>",
    "<td>",
    "</div>",
    "<div>",
    "<p>",
    "</p>",
    "<br>",
    "<font color=red>",
    '"',
    "'",
    "=",
    " ",
    "\n",
    "a",
    "x",
    "/",
    "<img",
    " src=",
    " href=",
    "//connect.facebook.net/x.js",
    "https://www.facebook.com/tr",
    "<a title='",
    '<a title="',
    "&amp;",
    "&",
    "é",
]
_PIECE = st.one_of(
    st.sampled_from(_CONSTRUCTS),
    st.sampled_from(_SOUP),
    st.sampled_from([n[1] for n in NOT_FETCHED]),
)


def _rewrite(data: bytes, plan: str, sizes: list[int]) -> bytes:
    rw = HtmlRewriter(PLANS[plan], DENY, max_tag_bytes=4096)
    out = []
    pos = 0
    for size in sizes:
        out.append(rw.feed(data[pos : pos + size]))
        pos += size
    out.append(rw.feed(data[pos:]))
    out.append(rw.close())
    return b"".join(out)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(_PIECE, min_size=1, max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=6),
    plan=st.sampled_from(["re2", "stdlib"]),
)
def test_html5lib_sees_nothing_live(pieces: list[str], cuts: list[int], plan: str) -> None:
    data = "".join(pieces).encode()
    whole = _rewrite(data, plan, [])
    assert live_fetches(whole, REGISTRY, DENY) == [], whole
    points = sorted({c % (len(data) + 1) for c in cuts})
    sizes = [b - a for a, b in itertools.pairwise([0, *points])]
    assert _rewrite(data, plan, sizes) == whole


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PIECE, min_size=1, max_size=12))
def test_one_byte_chunks(pieces: list[str]) -> None:
    data = "".join(pieces).encode()
    whole = _rewrite(data, "re2", [])
    assert _rewrite(data, "re2", [1] * len(data)) == whole
