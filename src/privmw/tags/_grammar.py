"""Regular languages of the data state, built once per registry.

The *fast grammar* is one lookaround-free regular expression whose language
is a run of data-state constructs that need no decision: text, a ``<`` that
starts nothing, bogus comments, doctypes, end tags (HTML context), and start
tags that are read exactly (tokenizer attribute states, in a strict subset:
a tag outside the subset is simply a stop) and that cannot name a registry
host. It is matched once, anchored, longest match, over Latin-1 bytes
(``google-re2``: a DFA, linear time, no captures); where it stops, plain
Python decides. Every accepted construct ends where the HTML tokenizer
ends it, so the stop is always a data-state position.

"Cannot name a registry host": an attribute whose name is on the safe list
(``class``, ``alt``, ``href`` of ``<a>``...) may hold anything; any other
attribute (``src``, ``style``, ``on*``, unknown names) must hold no *hint*:
no ``.`` followed (through tabs and newlines, any case) by the first two
letters of a registry TLD, no ``&`` but a few text entities, no ``%``, no
``\\``, no non-ASCII byte. Everything a URL parser could turn into a
registry host contains one of those.

Without ``google-re2`` the same decisions are taken by a stdlib ``re``
path (slower, also linear): one exact tag match per ``<`` and a hint check.
"""

from __future__ import annotations

__all__: list[str] = []

import re
from collections.abc import Iterable

W = rb"[\t\n\f\r ]"

#: Named references that decode to punctuation or spaces no URL parser maps
#: to letters or dots (soft hyphen, zero-width characters are absent on purpose).
TEXT_ENTITIES = (
    b"amp",
    b"nbsp",
    b"ndash",
    b"mdash",
    b"hellip",
    b"copy",
    b"reg",
    b"trade",
    b"quot",
    b"apos",
    b"lt",
    b"gt",
    b"laquo",
    b"raquo",
    b"lsquo",
    b"rsquo",
    b"ldquo",
    b"rdquo",
    b"bull",
    b"middot",
    b"times",
    b"euro",
    b"pound",
    b"yen",
    b"cent",
    b"deg",
    b"plusmn",
    b"para",
    b"sect",
    b"thinsp",
    b"ensp",
    b"emsp",
    b"larr",
    b"rarr",
    b"uarr",
    b"darr",
    b"dagger",
    b"prime",
)

#: Attribute names that never fetch or run code on the elements the fast
#: grammar accepts (``link``, ``base``, ``meta`` and every foreign element
#: are never accepted; ``href`` is not safe in foreign content).
SAFE_NAMES = (
    b"class",
    b"id",
    b"title",
    b"alt",
    b"href",
    b"rel",
    b"target",
    b"name",
    b"type",
    b"value",
    b"width",
    b"height",
    b"loading",
    b"decoding",
    b"fetchpriority",
    b"role",
    b"lang",
    b"dir",
    b"for",
    b"tabindex",
    b"hidden",
    b"disabled",
    b"checked",
    b"selected",
    b"placeholder",
    b"autocomplete",
    b"method",
    b"action",
    b"formaction",
    b"enctype",
    b"colspan",
    b"rowspan",
    b"scope",
    b"datetime",
    b"cite",
    b"itemprop",
    b"itemscope",
    b"itemtype",
    b"itemid",
    b"charset",
    b"property",
    b"sizes",
    b"media",
    b"crossorigin",
    b"referrerpolicy",
    b"async",
    b"defer",
    b"nonce",
    b"integrity",
    b"maxlength",
    b"minlength",
    b"required",
    b"readonly",
    b"multiple",
    b"step",
    b"min",
    b"max",
    b"label",
    b"accesskey",
    b"draggable",
    b"spellcheck",
    b"translate",
    b"inputmode",
    b"contenteditable",
    b"slot",
    b"is",
    b"popover",
    b"popovertarget",
    b"download",
    b"hreflang",
    b"d",
    b"viewbox",
    b"xmlns",
    b"focusable",
    b"points",
    b"cx",
    b"cy",
    b"r",
    b"x",
    b"y",
)

#: Start tags the fast grammar never accepts in HTML content: their content
#: is not data (raw text, RCDATA, script), they change the tree context, or
#: an attribute that is safe elsewhere fetches on them.
HTML_STOP = (
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
    b"noscript",
    b"plaintext",
    b"svg",
    b"math",
    b"base",
    b"link",
    b"embed",
    b"object",
    b"frame",
    b"select",
    b"frameset",
    b"form",  # the form element pointer: the rewriter reads every <form> (rewriter._html_start)
)

#: In foreign content: breakout tags (back to HTML), fetchers, integration points.
FOREIGN_STOP = (
    b"b",
    b"big",
    b"blockquote",
    b"body",
    b"br",
    b"center",
    b"code",
    b"dd",
    b"div",
    b"dl",
    b"dt",
    b"em",
    b"embed",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"head",
    b"hr",
    b"i",
    b"img",
    b"li",
    b"listing",
    b"menu",
    b"meta",
    b"nobr",
    b"ol",
    b"p",
    b"pre",
    b"ruby",
    b"s",
    b"small",
    b"span",
    b"strong",
    b"strike",
    b"sub",
    b"sup",
    b"table",
    b"tt",
    b"u",
    b"ul",
    b"var",
    b"font",
    b"svg",
    b"math",
    b"image",
    b"use",
    b"script",
    b"feimage",
    b"foreignobject",
    b"desc",
    b"title",
    b"mi",
    b"mo",
    b"mn",
    b"ms",
    b"mtext",
    b"annotation-xml",
    b"mglyph",
    b"malignmark",
    b"style",
    b"a",
)


def _cls(chars: Iterable[int]) -> bytes:
    """A byte class from byte values (escaped for both re2 and re)."""
    parts = []
    for c in sorted(set(chars)):
        parts.append(b"\\x%02x" % c)
    return b"[" + b"".join(parts) + b"]" if parts else b"(?!)"


def _both(ch: int) -> set[int]:
    c = bytes([ch])
    return {c.lower()[0], c.upper()[0]}


_NAME_REST = set(range(0x30, 0x3A)) | set(range(0x41, 0x5B)) | set(range(0x61, 0x7B)) | {0x2D}
_LETTERS = set(range(0x41, 0x5B)) | set(range(0x61, 0x7B))


def _not_in(words: Iterable[bytes]) -> bytes:
    """Strict tag names ``[A-Za-z][A-Za-z0-9-]*`` that are none of ``words`` (any case)."""
    trie: dict[bytes, dict[int, bytes]] = {}
    terminal: set[bytes] = set()
    for w in words:
        w = w.lower()
        for i in range(len(w)):
            trie.setdefault(w[:i], {})[w[i]] = w[: i + 1]
        terminal.add(w)
    rest = _cls(_NAME_REST) + b"*"

    def node(prefix: bytes) -> bytes:
        children = trie.get(prefix, {})
        allowed = _LETTERS if not prefix else _NAME_REST
        alts = []
        if prefix and prefix not in terminal:
            alts.append(b"")
        used: set[int] = set()
        for ch in children:
            used |= _both(ch)
        other = allowed - used
        if other:
            alts.append(_cls(other) + rest)
        for ch, child in sorted(children.items()):
            alts.append(_cls(_both(ch)) + node(child))
        return b"(?:" + b"|".join(alts) + b")"

    return node(b"")


def _ci(word: bytes) -> bytes:
    out = []
    for ch in word:
        if ch in _LETTERS:
            out.append(_cls(_both(ch)))
        else:
            out.append(re.escape(bytes([ch])))
    return b"".join(out)


def _hint_free(base: set[int], tlds: Iterable[bytes], css: bool = False) -> bytes:
    """Runs over ``base`` bytes in which no registry host can be spelled.

    ``css``: a ``style`` attribute, which fetches only through a function
    (``url(``, ``image-set(``): "(" is a hint there, ":" and "%" are not.
    """
    hint = {0x25, 0x5C, 0x26, 0x2E} | set(range(0x80, 0x100))
    if css:
        hint = (hint - {0x25}) | {0x28}
        base = base | {0x3A}
    plain = base - hint
    tab = {0x09, 0x0A, 0x0D}
    seconds: dict[int, set[int]] = {}
    for t in tlds:
        t = t.lower()
        if not t:
            continue
        s = seconds.setdefault(t[0], set())
        if len(t) > 1:
            s.add(t[1])
        else:
            s.update(range(256))
    firsts: set[int] = set()
    for f in seconds:
        firsts |= _both(f)
    f1 = plain - firsts - tab
    alts = []
    for f, sec in sorted(seconds.items()):
        banned: set[int] = set(tab)
        for second in sec:
            banned |= _both(second) if second < 0x80 else {second}
        f2 = plain - banned
        if f2:
            alts.append(_cls(_both(f)) + _cls(f2))
    lead = _cls(firsts) if firsts else b"(?!)"
    dotseq = (
        rb"\.(?:\.|"
        + lead
        + rb"\.)*(?:"
        + b"|".join([_cls(f1), *alts] if f1 else alts or [b"(?!)"])
        + b")"
    )
    tail = rb"(?:\.(?:\.|" + lead + rb"\.)*" + lead + b"?)?"
    entity = b"&(?:" + b"|".join(TEXT_ENTITIES) + b");"
    # ":" only as in "https://": "data:" and "javascript:" URLs carry their own code
    colon = b":/" if 0x2F in base else b"(?!)"
    # "&" that cannot start a character reference is text
    amp = b"&" + _cls(plain - _NAME_REST - {0x23, 0x3A})
    if css:
        unit = b"(?:" + _cls(plain) + b"|" + entity + b"|" + amp + b"|" + dotseq + b")"
    else:
        unit = (
            b"(?:"
            + _cls(plain - {0x3A})
            + b"|"
            + entity
            + b"|"
            + amp
            + b"|"
            + dotseq
            + b"|"
            + colon
            + b")"
        )
    return unit + b"*" + tail


# A comment (§13.2.5.43-52) by state elimination: "-->" may overlap the
# opener's dashes, "--!>" may not; "<!-->" and "<!--->" close at once.
_C_EXIT = rb"(?:-|!--)*(?:[^\->!]|![^>\-]|!-[^\-])"
_C_CYCLE = rb"[^\-]*-(?:[^\-]|-" + _C_EXIT + rb")"
_C_FINISH = rb"[^\-]*--(?:-|!--)*!?>"
_C_BODY = rb"(?:" + _C_CYCLE + rb")*" + _C_FINISH
COMMENT = (
    rb"<!--(?:>|-(?:>|-(?:(?:-|!--)*!?>|" + _C_EXIT + _C_BODY + rb")|[^\->]" + _C_BODY + rb")"
    rb"|[^\->]" + _C_BODY + rb")"
)

#: SVG elements an inline icon is made of (no script, style, integration
#: point, image-like fetcher or nested svg); containers may nest.
SVG_CONTAINERS = (
    b"g",
    b"defs",
    b"symbol",
    b"lineargradient",
    b"radialgradient",
    b"clippath",
    b"mask",
    b"pattern",
    b"text",
    b"tspan",
    b"filter",
    b"marker",
)
SVG_LEAVES = (
    b"path",
    b"circle",
    b"rect",
    b"line",
    b"polyline",
    b"polygon",
    b"ellipse",
    b"stop",
    b"use",
    b"fegaussianblur",
    b"feoffset",
    b"feblend",
    b"fecolormatrix",
    b"feflood",
    b"fecomposite",
    b"femerge",
    b"femergenode",
)


def fast_pattern(
    tlds: Iterable[bytes], foreign: bool, backtracking: bool = False, noscript: bool = False
) -> bytes:
    """The fast data-state grammar (see the module docstring).

    ``backtracking``: for stdlib ``re`` (leftmost-first, backtracking): no
    safe-name alternative, so every item has one way to match and a failing
    tag costs linear time.

    ``noscript``: for the content of a ``<noscript>`` read both ways (HTML
    content only): a nested ``<noscript>`` start tag is ordinary there (it
    changes nothing), and an end tag named ``noscript`` is a stop. Every
    other ``</noscript`` + delimiter in what it accepts then lies inside one
    construct (an attribute value, a comment...), where the rewriter writes
    its ``<`` as ``&lt;``, as it does for the constructs Python reads.
    """
    tlds = list(tlds)
    dq = set(range(256)) - {0x22}
    sq = set(range(256)) - {0x27}
    uq = set(range(256)) - {0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x3E, 0x22, 0x27, 0x3D, 0x3C, 0x60}
    any_value = rb'"[^"]*"|' + rb"'[^']*'|" + _cls(uq) + b"+"
    hf_value = (
        b'"'
        + _hint_free(dq, tlds)
        + b"\"|'"
        + _hint_free(sq, tlds)
        + b"'|"
        + _cls(uq - {0x25, 0x5C, 0x26, 0x2E} - set(range(0x80, 0x100)))
        + _hint_free(uq, tlds)
    )
    safe = [n for n in SAFE_NAMES if not (foreign and n in (b"href",))]
    if backtracking:
        safe = []
    safe_name = (
        b"(?:"
        + b"|".join(_ci(n) for n in safe)
        + b"|"
        + _ci(b"data-")
        + rb"[A-Za-z0-9_.:-]*|"
        + _ci(b"aria-")
        + rb"[A-Za-z0-9-]*)"
    )
    if backtracking:
        safe_name = b"(?!)"
    gen_name = rb"[A-Za-z_:][A-Za-z0-9_:.-]*"
    style_value = (
        b'"' + _hint_free(dq, tlds, css=True) + b"\"|'" + _hint_free(sq, tlds, css=True) + b"'"
    )
    attr = (
        b"(?:"
        + safe_name
        + b"(?:=(?:"
        + any_value
        + b"))?|"
        + gen_name
        + b"(?:=(?:"
        + hf_value
        + b"))?|"
        + _ci(b"style")
        + b"=(?:"
        + style_value
        + b"))"
    )
    attr_any = gen_name + b"(?:=(?:" + any_value + b"))?"
    stops: tuple[bytes, ...] = FOREIGN_STOP if foreign else HTML_STOP
    if noscript:
        stops = tuple(n for n in stops if n != b"noscript")
    name = _not_in(stops)

    def attr_with(names: list[bytes]) -> bytes:
        sn = (
            b"(?:" + b"|".join(_ci(n) for n in names) + b"|" + _ci(b"data-") + rb"[A-Za-z0-9_.:-]*)"
        )
        if backtracking:
            sn = b"(?!)"
        return (
            b"(?:"
            + sn
            + b"(?:=(?:"
            + any_value
            + b"))?|"
            + gen_name
            + b"(?:=(?:"
            + hf_value
            + b"))?)"
        )

    if foreign:
        start = name + b"(?:" + W + b"+" + attr + b")*" + W + b"*/>"
    else:
        start = name + b"(?:" + W + b"+" + attr + b")*" + W + b"*/?>"
        # <link>/<base>: "href" fetches there, so it is hint-checked
        lb = attr_with([n for n in safe if n != b"href"])
        start += (
            b"|(?:"
            + _ci(b"link")
            + b"|"
            + _ci(b"base")
            + b")(?:"
            + W
            + b"+"
            + lb
            + b")*"
            + W
            + b"*/?>"
        )

    # inline SVG icons whole: <svg> ... </svg> of icon elements only
    svg_attr = attr if foreign else _svg_attr(tlds, backtracking)

    def names(ws: tuple[bytes, ...]) -> bytes:
        return b"(?:" + b"|".join(_ci(n) for n in ws) + b")"

    inner = (
        rb"[^<]+|"
        + COMMENT
        + b"|<"
        + names(SVG_CONTAINERS)
        + b"(?:"
        + W
        + b"+"
        + svg_attr
        + b")*"
        + W
        + b"*/?>|<"
        + names(SVG_LEAVES)
        + b"(?:"
        + W
        + b"+"
        + svg_attr
        + b")*"
        + W
        + b"*/?>|</"
        + names(SVG_CONTAINERS + SVG_LEAVES)
        + W
        + b"*>"
    )
    svg = (
        _ci(b"svg")
        + b"(?:"
        + W
        + b"+"
        + svg_attr
        + b")*"
        + W
        + b"*(?:/>|>(?:"
        + inner
        + b")*</"
        + _ci(b"svg")
        + W
        + b"*>)"
    )
    items = [
        rb"[^<]+",
        rb"<+(?:[^A-Za-z!/?<]|" + start + rb"|\?[^>]*>|/>|/[^A-Za-z>][^>]*>",
    ]
    if not foreign:
        items[1] += b"|" + svg
    items.append(COMMENT)
    if not foreign:
        # every </form> is read in Python (the form element pointer), every </select>
        # (the rewriter tracks being in a select: a <select> inside one closes it);
        # </noscript> in <noscript>
        ends = [b"form", b"select"]
        end_name = _not_in([b"noscript", *ends] if noscript else ends)
        items[1] += b"|/" + end_name + b"(?:" + W + b"+" + attr_any + b")*" + W + b"*/?>"
        bang = rb"|!(?:>|[^>\-][^>]*>|-(?:>|[^>\-][^>]*>))"
    else:
        bang = rb"|!(?:>|[^>\-\[][^>]*>|-(?:>|[^>\-][^>]*>))"
    items[1] += bang + b")"
    return b"(?:" + b"|".join(items) + b")*"


def _svg_attr(tlds: Iterable[bytes], backtracking: bool) -> bytes:
    """An attribute of an SVG icon element: ``href`` and presentation values hint-checked."""
    return _attr_grammar(list(tlds), foreign=True, backtracking=backtracking)


def _attr_grammar(tlds: list[bytes], foreign: bool, backtracking: bool) -> bytes:
    dq = set(range(256)) - {0x22}
    sq = set(range(256)) - {0x27}
    uq = set(range(256)) - {0x09, 0x0A, 0x0C, 0x0D, 0x20, 0x3E, 0x22, 0x27, 0x3D, 0x3C, 0x60}
    any_value = rb'"[^"]*"|' + rb"'[^']*'|" + _cls(uq) + b"+"
    hf_value = (
        b'"'
        + _hint_free(dq, tlds)
        + b"\"|'"
        + _hint_free(sq, tlds)
        + b"'|"
        + _cls(uq - {0x25, 0x5C, 0x26, 0x2E} - set(range(0x80, 0x100)))
        + _hint_free(uq, tlds)
    )
    safe = [n for n in SAFE_NAMES if not (foreign and n == b"href")]
    gen_name = rb"[A-Za-z_:][A-Za-z0-9_:.-]*"
    if backtracking:
        return b"(?:" + gen_name + b"(?:=(?:" + hf_value + b"))?)"
    safe_name = b"(?:" + b"|".join(_ci(n) for n in safe) + b"|" + _ci(b"aria-") + rb"[A-Za-z0-9-]*)"
    style_value = (
        b'"' + _hint_free(dq, tlds, css=True) + b"\"|'" + _hint_free(sq, tlds, css=True) + b"'"
    )
    return (
        b"(?:"
        + safe_name
        + b"(?:=(?:"
        + any_value
        + b"))?|"
        + gen_name
        + b"(?:=(?:"
        + hf_value
        + b"))?|"
        + _ci(b"style")
        + b"=(?:"
        + style_value
        + b"))"
    )


def hint_pattern(tlds: Iterable[bytes]) -> bytes:
    """Finds any byte sequence that could help spell a registry host (stdlib ``re``)."""
    spelled = []
    for tld in sorted(set(tlds)):
        letters = [_cls(_both(c)) for c in tld[:2]]
        spelled.append(b"[\t\n\r]*".join(letters))
    tld_alt = b"|".join(spelled) or b"(?!)"
    ents = b"|".join(TEXT_ENTITIES)
    return (
        rb"\.[\t\n\r]*(?:" + tld_alt + rb")|\.[\t\n\r]|&(?!(?:" + ents + rb");)|[%\\\x80-\xff]"
        rb"|:(?!/)"
    )
