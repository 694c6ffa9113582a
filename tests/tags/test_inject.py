"""The ``after_body`` hook: bytes right after the first data-state ``<body>``, in any chunking.

html5lib is the oracle where it matters: the injected element must land as
the first child of the document's ``<body>`` (or, for a document without a
body tag, inside the body the parser makes), and never twice.
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw.tags._inject import BodyInjector, decoded_attrs
from privmw.tags.rewriter import HtmlRewriter
from privmw.trackers import TrackerRegistry, Vendor

MARK = b'<div id="privmw-mark"></div>'
REGISTRY = TrackerRegistry()
YOUTUBE = b'<iframe width="560" height="315" src="https://www.youtube.com/embed/x"></iframe>'

CASES = [
    ("plain", b"<html><head></head><body><p>x</p></body></html>", b"<body>" + MARK + b"<p>"),
    ("attributes", b'<body class="a" data-x=">">y', b'<body class="a" data-x=">">' + MARK + b"y"),
    ("upper case", b"<BODY onload=x>z", b"<BODY onload=x>" + MARK + b"z"),
    ("self-closing", b"<body/>z", b"<body/>" + MARK + b"z"),
    ("in a comment", b"<!-- <body> --><body>z", b"<!-- <body> --><body>" + MARK + b"z"),
    ("short comment", b"<!--><body>z", b"<!--><body>" + MARK + b"z"),
    ("in a script", b'<script>"<body>"</script><body>z', b"</script><body>" + MARK + b"z"),
    ("in a title", b"<title><body></title><body>z", b"</title><body>" + MARK + b"z"),
    ("in noscript", b"<noscript><body></noscript><body>z", b"</noscript><body>" + MARK + b"z"),
    ("in a template", b"<template><body></template><body>z", b"</template><body>" + MARK + b"z"),
    (
        "nested template",
        b"<template><template></template><body></template><body>z",
        b"</template><body>" + MARK + b"z",
    ),
    ("in an attribute", b'<div title="<body>"><body>z', b'"><body>' + MARK + b"z"),
    ("not a body tag", b"<bodyx><body>z", b"<bodyx><body>" + MARK + b"z"),
    ("end tag first", b"</body><body>z", b"</body><body>" + MARK + b"z"),
    ("only the first", b"<body>a<body>b", b"<body>" + MARK + b"a<body>b"),
    ("no body: at the end", b"<!doctype html><title>t</title><p>x", b"<p>x" + MARK),
    ("plaintext", b"<plaintext><body>", b"<plaintext><body>" + MARK),
]


def inject(document: bytes, sizes: list[int] | None = None) -> bytes:
    injector = BodyInjector(MARK, max_hold=1024)
    out = []
    pos = 0
    for size in [*(sizes or []), len(document)]:
        out.append(injector.feed(document[pos : pos + size]))
        pos += size
    out.append(injector.close())
    return b"".join(out)


@pytest.mark.parametrize(
    ("document", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_injection_point(document: bytes, expected: bytes) -> None:
    out = inject(document)
    assert out.count(MARK) == 1
    assert expected in out
    assert out.replace(MARK, b"") == document  # nothing else changes


def body_children(document: bytes) -> list[str | None]:
    """The ids of the ``<body>`` element's children, as html5lib (the HTML parser) builds it."""
    import html5lib

    tree = html5lib.parse(document, namespaceHTMLElements=False)
    body = tree.find("body")
    assert body is not None
    assert len(tree.findall(".//div[@id='privmw-mark']")) == 1  # not twice, nowhere else
    assert body.find(".//div[@id='privmw-mark']") is not None  # in the body...
    assert tree.find(".//template//div[@id='privmw-mark']") is None  # ...not in a template
    return [child.get("id") for child in body]


@pytest.mark.parametrize(
    "document",
    [c[1] for c in CASES if c[0] not in ("no body: at the end", "plaintext", "only the first")],
    ids=[c[0] for c in CASES if c[0] not in ("no body: at the end", "plaintext", "only the first")],
)
def test_html5lib_puts_it_in_the_body(document: bytes) -> None:
    pytest.importorskip("html5lib")
    children = body_children(inject(document))
    if re.match(rb"<html>|<body[\s/>]|<BODY[\s>]|<!--|<script|<title", document):
        assert children[0] == "privmw-mark"  # nothing before the body tag: it comes first


_PIECES = [
    b"<body>",
    b"<BODY class=x>",
    b"<body",
    b"<!--",
    b"-->",
    b"<script>",
    b"</script>",
    b"<template>",
    b"</template>",
    b"<noscript>",
    b"</noscript>",
    b"<title>",
    b"</title>",
    b'<div title="',
    b'">',
    b"'",
    b'"',
    b"<",
    b">",
    b"/",
    b" ",
    b"text",
    b"<p>",
]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(_PIECES), max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=8),
)
def test_any_chunking_gives_the_same_output(pieces: list[bytes], cuts: list[int]) -> None:
    document = b"".join(pieces)
    whole = inject(document)
    points = sorted({c % (len(document) + 1) for c in cuts})
    sizes = [b - a for a, b in itertools.pairwise([0, *points])]
    assert inject(document, sizes) == whole
    assert whole.count(MARK) >= 1
    assert whole.replace(MARK, b"", 1) == document  # inserted once, nothing else changed


def test_a_construct_too_big_to_hold_is_passed_on() -> None:
    document = b"<div title='" + b"x" * 5000 + b"'><body>z"
    out = inject(document, [100] * 60)
    assert out.replace(MARK, b"") == document
    assert out.count(MARK) == 1


def rewrite(document: bytes, sizes: list[int], **options: object) -> tuple[bytes, HtmlRewriter]:
    rw = HtmlRewriter(REGISTRY, lambda c: False, **options)  # type: ignore[arg-type]
    out = []
    pos = 0
    for size in [*sizes, len(document)]:
        out.append(rw.feed(document[pos : pos + size]))
        pos += size
    out.append(rw.close())
    return b"".join(out), rw


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.sampled_from(
            [*_PIECES, YOUTUBE, b"<script src=https://www.googletagmanager.com/gtag/js></script>"]
        ),
        max_size=30,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=6),
)
def test_rewriter_after_body_is_chunking_independent(pieces: list[bytes], cuts: list[int]) -> None:
    document = b"".join(pieces)
    whole, rw = rewrite(document, [], after_body=MARK, max_tag_bytes=1024)
    points = sorted({c % (len(document) + 1) for c in cuts})
    sizes = [b - a for a, b in itertools.pairwise([0, *points])]
    assert rewrite(document, sizes, after_body=MARK, max_tag_bytes=1024)[0] == whole
    assert whole.count(MARK) == 1 + document.count(MARK)
    assert rw.changed
    # Without the hook the same page comes out as before, minus the mark.
    assert rewrite(document, sizes, max_tag_bytes=1024)[0] == whole.replace(MARK, b"", 1)


def test_rewriter_placeholder_hook_replaces_blocked_iframes() -> None:
    """The engine's hook, as the banner uses it: its bytes stand for the whole iframe."""
    seen: list[tuple[str, str, list[tuple[str, str]]]] = []

    def placeholder(vendor: Vendor, elem: str, attrs: list[tuple[str, str]]) -> bytes:
        seen.append((vendor.name, elem, attrs))
        return b"<div class=ph></div>"

    iframe = YOUTUBE.replace(b'width="560"', b'width="560" title="A &amp; B"')
    page = b"<body>" + iframe + b"<iframe src=/own></iframe>"
    out, rw = rewrite(page, [7, 13], placeholder=placeholder, after_body=MARK)
    assert seen == [
        (
            "youtube",
            "iframe",
            [
                ("width", "560"),
                ("title", "A &amp; B"),  # raw: the banner decodes it
                ("height", "315"),
                ("src", "https://www.youtube.com/embed/x"),
            ],
        )
    ]
    assert out == b"<body>" + MARK + b"<div class=ph></div><iframe src=/own></iframe>"
    assert rw.neutralised == 1
    # A consented iframe is kept and gets no placeholder.
    allowed = HtmlRewriter(REGISTRY, lambda c: True, placeholder=placeholder)
    assert allowed.feed(page) + allowed.close() == page
    assert len(seen) == 1


def test_decoded_attrs_first_of_duplicates_wins() -> None:
    tag = b"<iframe SRC='a' src=b data-x=\"&lt;\" hidden>"
    assert decoded_attrs(tag, 7) == {"src": "a", "data-x": "<", "hidden": ""}
