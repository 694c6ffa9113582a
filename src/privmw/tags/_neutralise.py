"""Making a tag inert: the neutralised markup the activation script revives.

A gated element keeps every attribute except those that fetch, which move to
``data-privmw-<name>`` (for elements that *are* the fetch, every URL
attribute of ``_fetch.MOVED``; for others only the attributes that named a
registry URL: a ``style``, ``ping``, ``background``, an event handler); a
script or style block becomes ``type="text/plain"``; iframes and images get a
harmless ``src``; ``data-privmw-category`` and ``data-privmw-vendor`` say
what consent revives it (``data-privmw-overflow`` instead when the element
was too big to read: nothing revives it). Attributes the page itself named
``data-privmw-*`` are dropped, so a page cannot pre-set what the activator
trusts; duplicate attributes are dropped too (the tokenizer keeps the
first), so a renamed ``src`` never lets a second ``src`` take effect. A
self-closing tag stays self-closing (an SVG ``<script href=…/>`` opened would
swallow the rest of the SVG, and make an XML document ill-formed).
"""

from __future__ import annotations

from privmw.trackers import Vendor

from ._fetch import MOVED

__all__: list[str] = []

_PLACEHOLDER = {
    "iframe": b' src="about:blank"',
    "frame": b' src="about:blank"',
    "img": b' src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="',
}


def neutral(
    tag: bytes,
    elem: str,
    lname: bytes,
    attrs: list[tuple[str, bytes, int, int]],
    vendor: Vendor | None,
    hit_attrs: set[str],
    fetcher: bool,
) -> bytes:
    """``tag`` (a complete start tag) made inert."""
    parts = [tag[: 1 + len(lname)]]
    for a, _v, s, e in attrs:
        if a.startswith("data-privmw-"):
            continue  # never let the page pre-set what the activator trusts
        parts.append(b" ")
        if a in hit_attrs or (fetcher and a in MOVED) or a.startswith("on"):
            parts.append(b"data-privmw-")
        parts.append(tag[s:e])
    if elem in ("script", "style"):  # (XML: ``<h:script>`` too; ``lname`` is as written)
        parts.append(b' type="text/plain"')
    if fetcher:
        placeholder = _PLACEHOLDER.get(elem)
        if placeholder is not None:
            parts.append(placeholder)
    if vendor is not None:
        parts.append(
            b' data-privmw-category="%s" data-privmw-vendor="%s"'
            % (vendor.category.encode(), vendor.name.encode())
        )
    else:
        parts.append(b' data-privmw-overflow=""')
    # "/>" stays as it was, scripts included: in HTML content it is ignored (a
    # script stays open, as in the input), in foreign content and XML it closes
    # the element, as the rewriter read it (the text after it is markup, gated).
    parts.append(b" />" if tag.endswith(b"/>") else b">")
    return b"".join(parts)
