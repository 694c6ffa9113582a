"""Making a tag inert: the neutralised markup the activation script revives.

A gated tag keeps every attribute except those that fetch, which move to
``data-privmw-<name>``; a script becomes ``type="text/plain"``; iframes and
images get a harmless ``src``; ``data-privmw-category`` and
``data-privmw-vendor`` say what consent revives it. Attributes the page
itself named ``data-privmw-*`` are dropped, so a page cannot pre-set what the
activator trusts.
"""

from __future__ import annotations

from privmw.trackers import Vendor

__all__: list[str] = []

#: ``(lower name, decoded value, start, end)`` of each attribute of a tag.
Attrs = tuple[tuple[str, str, int, int], ...]
#: Attributes moved to ``data-privmw-<name>`` when a tag is neutralised.
_MOVED = frozenset({"src", "srcset", "href", "data", "type", "imagesrcset"})
_PLACEHOLDER = {
    b"iframe": b' src="about:blank"',
    b"img": b' src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="',
}


def neutral(tag: bytes, name: bytes, vendor: Vendor, attributes: Attrs) -> bytes:
    """The tag made inert: URL attributes renamed, a harmless placeholder added."""
    parts = [tag[: 1 + len(name)]]
    for attr, _value, s, e in attributes:
        if attr.startswith("data-privmw-"):
            continue  # never let the page pre-set what the activator trusts
        parts.append(b" ")
        if attr in _MOVED:
            parts.append(b"data-privmw-")
        parts.append(tag[s:e])
    if name == b"script":
        parts.append(b' type="text/plain"')
    placeholder = _PLACEHOLDER.get(name)
    if placeholder is not None:
        parts.append(placeholder)
    parts.append(
        b' data-privmw-category="%s" data-privmw-vendor="%s"'
        % (vendor.category.encode(), vendor.name.encode())
    )
    parts.append(b" />" if tag.endswith(b"/>") and name != b"script" else b">")
    return b"".join(parts)
