"""Invariant 7 for the rewriter in small chunks: work per byte must not grow with the input.

Measured with the rewriter's own work counter (``HtmlRewriter.steps``, as in
``tests/tags/test_linear.py``) and with wall time (best of five; on a shared
machine noise only adds time).

* The end tag of a *dropped* element (a foreign ``<script>`` with markup, a
  removed tag) that a chunk boundary cuts is kept in ``_tail`` and read again
  from its ``<`` at every chunk: ``buf = tail + chunk``, then ``_tag_end``
  over all of it. An end tag of n bytes fed in 1-byte chunks costs O(n^2)
  (n up to ``max_tag_bytes``: one 64 KiB end tag takes ~12 s).
* A start tag held across chunks (``TAGHOLD``) is re-matched at *every*
  chunk while it is under 4 KiB: in 1-byte chunks ~2000 steps a byte, over
  the project's own bound of 12.
"""

from __future__ import annotations

import gc
import time

from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry

PLAN = RewritePlan(TrackerRegistry())
C = 12  # steps per byte: the bound of tests/tags/test_linear.py
MAX_RATIO = 8.0  # 4x the input: linear ~4, quadratic ~16


def _feed(doc: bytes, chunk: int) -> HtmlRewriter:
    rw = HtmlRewriter(PLAN, lambda category: False)
    for i in range(0, len(doc), chunk):
        rw.feed(doc[i : i + chunk])
    rw.close()
    return rw


def _dropped_end_tag(n: int) -> bytes:
    # the SVG script holds markup: dropped whole, then its long end tag
    return b'<svg><script><a></script x="' + b"a" * n + b'"></svg><p>after</p>'


def test_a_long_end_tag_of_a_dropped_element_costs_linear_steps() -> None:
    small = _feed(_dropped_end_tag(2000), 1).steps
    large = _feed(_dropped_end_tag(8000), 1).steps
    assert large / small < MAX_RATIO, f"4x the end tag cost {large / small:.1f}x the steps"


def test_a_long_end_tag_of_a_dropped_element_costs_linear_time() -> None:
    def best(n: int) -> float:
        doc = _dropped_end_tag(n)
        times = []
        gc.collect()
        gc.disable()  # a collection walks every live object of the suite: not this code's work
        try:
            for _ in range(5):
                start = time.perf_counter()
                _feed(doc, 1)
                times.append(time.perf_counter() - start)
        finally:
            gc.enable()
        return min(times)

    # Measured again while it reads high (a loaded machine); quadratic reads ~16x each time.
    ratio = best(16000) / best(4000)
    for _ in range(2):
        if ratio < MAX_RATIO:
            break
        ratio = min(ratio, best(16000) / best(4000))
    assert ratio < MAX_RATIO, f"4x the end tag cost {ratio:.1f}x the time"


def test_a_start_tag_split_in_bytes_costs_bounded_steps_per_byte() -> None:
    doc = (b'<div title="' + b"a" * 4000 + b'">x</div>') * 4
    rw = _feed(doc, 1)
    assert rw.steps <= C * len(doc), f"{rw.steps / len(doc):.0f} steps a byte"
