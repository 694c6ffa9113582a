"""Invariant 7: work per byte is bounded on any input in any chunking (steps, not wall time).

``HtmlRewriter.steps`` counts the bytes every scan may examine (regex and
find calls over their range, Python decisions over the bytes they read); the
property is steps <= C * bytes for adversarial inputs at 100 KB (and 1 MB
for a few), whole and in 4 KB and 64 B chunks, and the memory held stays
within max_tag_bytes plus a chunk.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry

REGISTRY = TrackerRegistry()
PLANS = {"re2": RewritePlan(REGISTRY), "stdlib": RewritePlan(REGISTRY, use_re2=False)}
C = 12  # steps per byte, a constant independent of the input size
MAX = 65536

PATTERNS = {
    "unclosed img": b"<img ",
    "unclosed script": b"<script ",
    "unclosed link": b"<link ",
    "img src quote": b'<img src="',
    "attributes a": b"<img " + b"a " * 50,
    "attributes a=b": b"<img " + b"a=b " * 50,
    "nested comments": b"<!--<!--",
    "comment script runs": b"<!--<script>",
    "ampersands": b"&",
    "less-thans": b"<",
    "script escapes": b"<script><!--<script>",
    "svg style": b"<svg><style>",
    "unsure foreign": b"<svg></div><style>",
    "noscript closers": b"<noscript><p title='</noscript>'>",
    "quotes soup": b"<a b='<c d=\"",
    "tracker images": b'<img src="https://www.facebook.com/tr?id=1">',
    "tracker scripts": b"<script>fbq('x')</script>",
    "divs": b"<div class=a>",
    "cdata": b"<svg><![CDATA[",
    # unsure CDATA (HTML reads a bogus comment to ">", SVG a section to "]]>"),
    # long and cut by every chunk end: read on, not again from its "<"
    "unsure cdata": b"<svg></div><![CDATA[" + b"a" * 30000 + b"]]>",
    "unsure cdata to >": b"<svg></div><![CDATA[" + b"a" * 30000 + b">",
    "end tags": b"</a b='",
    # a dropped element's end tag, long: cut by every chunk end (read on, not re-read)
    "dropped end tags": b'<svg><script><a></script x="' + b"a" * 8000 + b'"></svg>',
    # a long tag with ">" in a value: it may end in every chunk (scanned on, not re-matched)
    "values with >": b'<div title="' + b"a>" * 4000 + b'">',
}


def make(name: str, size: int) -> bytes:
    if name == "long attribute":
        return (b'<div title="' + b"x" * size)[:size]
    unit = PATTERNS[name]
    return (unit * (size // len(unit) + 1))[:size]


def run(data: bytes, chunk: int | None, plan: str = "re2") -> HtmlRewriter:
    rw = HtmlRewriter(PLANS[plan], lambda c: False, max_tag_bytes=MAX)
    if chunk is None:
        rw.feed(data)
    else:
        for i in range(0, len(data), chunk):
            rw.feed(data[i : i + chunk])
            assert rw.held_bytes <= MAX + 2 * chunk + 64
    rw.close()
    return rw


@pytest.mark.parametrize("chunk", [None, 4096, 64], ids=["whole", "4KB", "64B"])
@pytest.mark.parametrize("name", [*PATTERNS, "long attribute"])
def test_work_per_byte_is_bounded(name: str, chunk: int | None) -> None:
    data = make(name, 100_000)
    rw = run(data, chunk)
    assert rw.steps <= C * len(data) + 1000, rw.steps / len(data)


@pytest.mark.parametrize("name", [*PATTERNS, "long attribute"])
def test_work_per_byte_is_bounded_stdlib(name: str) -> None:
    data = make(name, 100_000)
    rw = run(data, None, "stdlib")
    assert rw.steps <= C * len(data) + 1000, rw.steps / len(data)


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
@pytest.mark.parametrize(
    "name", ["dropped end tags", "values with >", "end tags", "long attribute", "unclosed img"]
)
def test_work_per_byte_in_1_byte_chunks_is_bounded(name: str, plan: str) -> None:
    # a tag held across chunks keeps its scan state: no byte is re-read per chunk
    data = make(name, 20_000)
    rw = run(data, 1, plan)
    assert rw.steps <= C * len(data) + 1000, rw.steps / len(data)


@pytest.mark.parametrize(
    "name", ["unclosed img", "long attribute", "comment script runs", "less-thans"]
)
def test_work_per_byte_at_1mb_is_the_same(name: str) -> None:
    small = run(make(name, 100_000), 4096).steps / 100_000
    big = run(make(name, 1_000_000), 4096).steps / 1_000_000
    assert big <= small * 1.2 + 0.5


@settings(max_examples=60, deadline=None)
@given(
    units=st.lists(st.sampled_from(list(PATTERNS.values())), min_size=1, max_size=6),
    chunk=st.sampled_from([None, 4096, 64, 1000]),
)
def test_random_mixtures_are_linear(units: list[bytes], chunk: int | None) -> None:
    unit = b"".join(units)
    data = (unit * (20_000 // len(unit) + 1))[:20_000]
    rw = run(data, chunk)
    assert rw.steps <= C * len(data) + 1000
