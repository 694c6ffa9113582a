"""An independent reader of HTML: html5lib (WHATWG-conformant) lists what would fetch.

``live_fetches(document, registry, allows)`` parses a document with html5lib
(scripting on and off: ``<noscript>`` is raw text in one, markup in the
other), walks every element in its namespace and reports each fetching
attribute (the HTML standard's table, ``privmw.tags._fetch``), inline script,
CSS ``url()``, ``srcdoc`` document and refresh that names a registry vendor
the visitor has not allowed. URLs are resolved against every document base
a browser may use: the tree's first ``<base href>`` (not one in ``<template>``
contents) and the one Chromium's preload scanner takes (the first outside
``<template>``, an SVG or MathML ``<base>`` too).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import html5lib

from privmw.tags import _fetch
from privmw.tags._inline import Finder, refresh_url, resolve
from privmw.trackers import TrackerRegistry, Vendor

HTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
XLINK = "{http://www.w3.org/1999/xlink}"
_JS = {
    "",
    "module",
    "text/javascript",
    "application/javascript",
    "text/ecmascript",
    "application/ecmascript",
    "text/partytown",
    "importmap",
    "speculationrules",
}


def _elements(root: ET.Element) -> Iterator[ET.Element]:
    yield from root.iter()


def _name(el: ET.Element) -> tuple[str, str]:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return "{" + ns + "}", local.lower()
    return HTML, tag.lower()


def _walk(el: ET.Element, in_template: bool = False) -> Iterator[tuple[ET.Element, bool]]:
    yield el, in_template
    inside = in_template or _name(el) == (HTML, "template")
    for child in el:
        yield from _walk(child, inside)


def _bases(tree: ET.Element, fallback: str | None) -> list[str | None]:
    """The tree builder's document base, then the preload scanner's (html5lib nests
    ``<template>`` contents in the tree)."""
    tree_base = scanner = None
    found_tree = found_scanner = False
    for el, in_template in _walk(tree):
        ns, local = _name(el)
        if local != "base" or in_template or el.get("href") is None:
            continue
        if ns == HTML and not found_tree:
            tree_base, found_tree = resolve(el.get("href") or "", fallback), True
        if not found_scanner:
            scanner, found_scanner = resolve(el.get("href") or "", fallback), True
    tree_base = tree_base if found_tree else fallback
    scanner = scanner if found_scanner else fallback
    return [tree_base] if scanner == tree_base else [tree_base, scanner]


def live_fetches(
    document: bytes,
    registry: TrackerRegistry,
    allows: Callable[[str], bool],
    depth: int = 0,
    fallback: str | None = None,
) -> list[tuple[str, str, str]]:
    """(element, attribute, vendor) of everything that would load without consent.

    ``fallback``: the document's fallback base URL (a ``srcdoc`` document's is
    its parent's document base)."""
    finder = Finder(registry)
    found: list[tuple[str, str, str]] = []
    for scripting in (True, False):
        parser = html5lib.HTMLParser(namespaceHTMLElements=True)
        tree = parser.parse(document, scripting=scripting, transport_encoding="utf-8")
        bases = _bases(tree, fallback)
        for base, el in ((b, e) for b in bases for e in _elements(tree)):
            ns, local = _name(el)
            html = ns == HTML
            foreign = ns in (SVG, MATHML)
            gated = _fetch.gated_attributes(local, html, foreign)

            def hit(attr: str, vendor: Vendor | None, local: str = local) -> None:
                if vendor is not None and not allows(vendor.category):
                    found.append((local, attr, vendor.name))

            attrs = {}
            for key, value in el.attrib.items():
                k = key.replace(XLINK, "xlink:").lower()
                attrs[k] = value
            script_type = (attrs.get("type") or "").strip().lower()
            if local == "script" and not attrs.get("type") and attrs.get("language"):
                script_type = "text/" + attrs["language"].strip().lower()
            inert_script = local == "script" and script_type not in _JS
            for attr, value in attrs.items():
                if attr.startswith("data-"):
                    continue
                if attr.startswith("on"):
                    hit(attr, finder.code(value))
                    continue
                if attr not in gated and not (foreign and "url(" in value.lower()):
                    continue
                if local == "script" and inert_script and attr in ("src", "href", "xlink:href"):
                    continue
                if attr == "style" or (foreign and attr not in gated):
                    hit(attr, finder.css(value, base))
                elif attr in _fetch.SRCSET:
                    hit(attr, finder.srcset(value, base))
                elif attr in _fetch.URL_LISTS:
                    for one in value.split(";"):
                        hit(attr, finder.url(one, base))
                elif attr == "content":
                    if (attrs.get("http-equiv") or "").strip().lower() == "refresh":
                        url = refresh_url(value)
                        hit(attr, finder.url(url, base) if url else None)
                elif attr == "srcdoc":
                    if depth < 3:
                        nested = live_fetches(value.encode(), registry, allows, depth + 1, bases[0])
                        for item in nested:
                            found.append(item)
                elif attr == "ping":
                    for url in value.split():
                        hit(attr, finder.url(url, base))
                elif attr == "href" and html and local not in ("link", "base"):
                    continue
                else:
                    hit(attr, finder.url(value, base))
            text = "".join(el.itertext()) if local in ("script", "style") else ""
            # An HTML script with a src attribute (even an empty one) never runs its
            # text (HTML "prepare the script element": the child content is ignored).
            external = html and local == "script" and "src" in attrs
            if local == "script" and not inert_script and text and not external:
                for vendor in finder.code_all(text):
                    hit("#text", vendor)
            if (
                local == "style"
                and text
                and not (attrs.get("type") or "").strip().lower()
                not in (
                    "",
                    "text/css",
                )
            ):
                hit("#css", finder.css(text, base))
    return sorted(set(found))
