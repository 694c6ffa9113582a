"""XML documents (XHTML, SVG) read as the XML parser reads them: namespaces and the DTD.

``<h:script>`` with ``h`` bound to the XHTML namespace is a script; ``q:href``
with ``q`` bound to XLink is the XLink href; the internal DTD subset's entities
are expanded where they are used and its attribute defaults are added (XML
1.0 §4.4, §3.3.2). Each row fetches a vendor per expat (the stdlib XML parser,
namespaces resolved, internal entities expanded, defaults added: the
independent reader here) and nothing does after privmw, whole and in 1- and
7-byte chunks, on both plans; consented, the row is byte-identical. XML
documents without a tracker come out byte-identical.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from privmw.tags import _fetch
from privmw.tags._inline import Finder
from privmw.tags.rewriter import HtmlRewriter
from tests.tags.test_fetch_table import ALLOW, DENY, PLANS, REGISTRY

XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
GA = "https://www.google-analytics.com/analytics.js"
FB = "https://connect.facebook.net/x.png"
X = f'xmlns="{XHTML}"'
S = f'xmlns="{SVG}"'


def xml_fetches(document: bytes) -> list[tuple[str, str, str]]:
    """(element, attribute, vendor) of what loads without consent, as expat reads it."""
    finder = Finder(REGISTRY)
    root = ET.fromstring(document)
    found = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        html, foreign = ns == XHTML, ns == SVG
        if not (html or foreign):
            continue
        gated = _fetch.gated_attributes(local.lower(), html, foreign)
        for key, value in el.attrib.items():
            name = key.replace("{" + XLINK + "}", "xlink:")
            vendor = finder.url(value, None) if name in gated else None
            if vendor is not None and vendor.category != "necessary":
                found.append((local, name, vendor.name))
        if local == "script" and not ("src" in el.attrib or "type" in el.attrib):
            for code in finder.code_all("".join(el.itertext())):
                found.append((local, "#text", code.name))
    return sorted(set(found))


def _readable(output: bytes) -> bytes:
    # privmw moves a prefixed attribute to data-privmw-<prefix>:<name>, a prefix
    # no declaration binds: inert in any reading; given a plain name for expat.
    return re.sub(rb"data-privmw-([\w.-]+):", rb"data-privmw-\1-", output)


def rewrite(data: bytes, allows: object, mode: str, chunk: int | None, plan: str) -> bytes:
    rw = HtmlRewriter(PLANS[plan], allows, mode=mode, xml=True)  # type: ignore[arg-type]
    if chunk is None:
        return rw.feed(data) + rw.close()
    out = [rw.feed(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    out.append(rw.close())
    return b"".join(out)


ROWS = [
    (
        "xhtml prefixed script",
        f'<html {X} xmlns:h="{XHTML}"><head><h:script src="{GA}"/></head><body/></html>',
    ),
    (
        "xhtml prefixed script, declared on itself",
        f'<html {X}><head><h:script xmlns:h="{XHTML}" src="{GA}"/></head><body/></html>',
    ),
    (
        "xhtml prefixed inline script",
        f"<html {X} xmlns:h=\"{XHTML}\"><head><h:script>fbq('init','1')</h:script></head></html>",
    ),
    ("xhtml prefixed img", f'<html {X} xmlns:h="{XHTML}"><body><h:img src="{FB}"/></body></html>'),
    ("svg document prefixed script", f'<s:svg xmlns:s="{SVG}"><s:script href="{GA}"/></s:svg>'),
    (
        "svg document xlink under another prefix",
        f'<svg {S} xmlns:q="{XLINK}"><image q:href="{FB}" width="1" height="1"/></svg>',
    ),
    ("svg document image href", f'<svg {S}><image href="{FB}" width="1" height="1"/></svg>'),
    (
        "xhtml internal DTD entity in src",
        f'<!DOCTYPE html [<!ENTITY ga "{GA}">]><html {X}><head><script src="&ga;"/></head></html>',
    ),
    (
        "svg DTD entities concatenated",
        '<!DOCTYPE svg [<!ENTITY a "https://connect.face"><!ENTITY b "&a;book.net">]>'
        f'<svg {S}><image href="&b;/x.png" width="1" height="1"/></svg>',
    ),
    (
        "svg DTD entity with a character reference",
        f'<!DOCTYPE svg [<!ENTITY a "https://connect&#46;facebook.net/x.png">]><svg {S}>'
        '<image href="&a;" width="1" height="1"/></svg>',
    ),
    (
        "svg DTD attribute default",
        f'<!DOCTYPE svg [<!ATTLIST image href CDATA "{FB}">]><svg {S}>'
        '<image width="1" height="1"/></svg>',
    ),
    (
        "svg DTD entity holding markup",
        f'<!DOCTYPE svg [<!ENTITY i \'&#60;image href="{FB}" width="1" height="1"/>\'>]>'
        f"<svg {S}>&i;</svg>",
    ),
]


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
@pytest.mark.parametrize("source", [r[1] for r in ROWS], ids=[r[0] for r in ROWS])
def test_row_is_gated(source: str, plan: str) -> None:
    data = source.encode()
    assert xml_fetches(data), "the row must fetch a vendor before privmw"
    for mode in ("neutralise", "remove"):
        whole = rewrite(data, DENY, mode, None, plan)
        assert xml_fetches(_readable(whole)) == [], (mode, whole)
        assert rewrite(data, DENY, mode, 1, plan) == whole
        assert rewrite(data, DENY, mode, 7, plan) == whole
    assert rewrite(data, ALLOW, "neutralise", None, plan) == data


#: XML documents without a tracker (or naming one where nothing fetches): unchanged.
CLEAN = [
    (
        "illustrator svg: DTD entities for namespaces",
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!-- ]> -->'
        '<!ENTITY ns_flows "http://ns.adobe.com/Flows/1.0/"><!ENTITY ns_svg "' + SVG + '">]>'
        '<svg xmlns="&ns_svg;" xmlns:x="&ns_flows;"><x:script><x:a>k</x:a></x:script>'
        '<image href="/a.png" width="1" height="1"/></svg>',
    ),
    (
        "another namespace's script and href",
        f'<svg {S} xmlns:o="urn:other"><o:script><o:b>x</o:b></o:script>'
        f'<image o:href="{FB}" href="/a.png" width="1" height="1"/></svg>',
    ),
    (
        "xhtml prefixed elements without vendors",
        f'<html {X} xmlns:h="{XHTML}"><body><h:img src="/a.png"/><h:script>var a = 1;'
        "</h:script><h:p>&#169; me</h:p></body></html>",
    ),
]


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
@pytest.mark.parametrize("source", [r[1] for r in CLEAN], ids=[r[0] for r in CLEAN])
def test_clean_xml_is_byte_identical(source: str, plan: str) -> None:
    data = source.encode()
    assert xml_fetches(data) == []
    for chunk in (None, 1, 7):
        assert rewrite(data, DENY, "neutralise", chunk, plan) == data


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
def test_an_unreadable_internal_subset_drops_the_rest(plan: str) -> None:
    """A DTD longer than privmw reads (or cut by the end of the body) fails closed."""
    data = (
        f'<!DOCTYPE svg [<!ENTITY a "{FB}">' + "<!-- pad -->" * 2000 + f"]><svg {S}>"
        '<image href="&a;" width="1" height="1"/></svg>'
    ).encode()
    for chunk in (None, 4096):
        out = rewrite(data, DENY, "neutralise", chunk, plan)
        assert b"<image" not in out
    cut = f'<!DOCTYPE svg [<!ENTITY a "{FB}">'.encode()
    assert rewrite(cut, DENY, "neutralise", None, plan) == b""


@pytest.mark.parametrize("plan", ["re2", "stdlib"])
def test_entity_amplification_is_bounded(plan: str) -> None:
    """Entities referenced many times cost a bounded expansion; past it the rest is dropped."""
    big = "x" * 60000
    refs = "&a;" * 3000  # 180 MB of expansion if it were all read
    data = (
        f'<!DOCTYPE svg [<!ENTITY a "{big}">]><svg {S}><text font-family="{refs}">t</text>'
        f'<image href="{FB}" width="1" height="1"/></svg>'
    ).encode()
    rw = HtmlRewriter(PLANS[plan], DENY, xml=True)
    out = rw.feed(data) + rw.close()
    assert FB.encode() not in out
    assert rw.overflowed
    assert rw.steps < 40 * len(data)
