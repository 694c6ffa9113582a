"""html5lib reads privmw's output of the browser-checked constructs and hostile documents.

The second oracle of ``tests/_html_strategies.py`` (the first is Chromium,
``tests/browser/test_tag_fuzz.py``): the same fragments and the same
:func:`~tests._html_strategies.documents` strategy, through a default
``PrivacyMiddleware``'s rewriter (no consent, the documents' own body
messages), must leave no element html5lib sees fetching a non-consented
registry URL (``tests/tags/_oracle.py``, scripting on and off). No browser:
many more examples than the Chromium fuzzer can afford.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from privmw.tags.rewriter import HtmlRewriter, RewritePlan
from privmw.trackers import TrackerRegistry
from tests._html_strategies import (
    ENGINE_LEAKS,
    FRAGMENTS,
    INLINE,
    OPEN_ENGINE_LEAKS,
    Document,
    documents,
    page,
)
from tests.tags._oracle import live_fetches

REGISTRY = TrackerRegistry()
PLAN = RewritePlan(REGISTRY)
#: Bounded and derandomized for CI; PRIVMW_DIFF_EXAMPLES=5000 for a longer, random hunt.
EXAMPLES = int(os.environ.get("PRIVMW_DIFF_EXAMPLES", "200"))
HUNT = "PRIVMW_DIFF_EXAMPLES" in os.environ


def _deny(category: str) -> bool:
    return category == "necessary"


def _rewrite(chunks: list[bytes]) -> bytes:
    rewriter = HtmlRewriter(PLAN, _deny)
    return b"".join(rewriter.feed(c) for c in chunks) + rewriter.close()


#: The inline cases static rewriting is to catch (``literal-*``; the rest only the CSP can).
LITERAL = {name: html for name, html in INLINE.items() if name.startswith("literal-")}


_ALL = {**FRAGMENTS, **LITERAL, **ENGINE_LEAKS}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason="engine: " + name)]
            if name in OPEN_ENGINE_LEAKS
            else [],
        )
        for name in sorted(_ALL)
    ],
)
def test_every_construct_is_dead_for_html5lib(name: str) -> None:
    source = page(_ALL[name]).encode()
    assert live_fetches(source, REGISTRY, _deny), "the oracle must see the construct live"
    assert live_fetches(_rewrite([source]), REGISTRY, _deny) == []


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not HUNT,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(doc=documents())
def test_html5lib_sees_nothing_live_in_hostile_documents(doc: Document) -> None:
    out = _rewrite(doc.chunks())
    assert live_fetches(out, REGISTRY, _deny) == [], (doc.constructs, out)
    assert _rewrite([doc.html]) == out  # any chunking, the same bytes
