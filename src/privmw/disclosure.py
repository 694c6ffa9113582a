"""The data-processing disclosure, rendered from the live configuration.

A privacy policy's "what we collect" section drifts from the code unless the
code writes it. :func:`disclosure` reads a :class:`~privmw.PrivacyMiddleware`
(truncation bits, trusted proxies, pseudonyms) and asks each feature's config
object for its facts through ``describe()``::

    describe(self) -> {"title": str, "purpose": str, "data": [str, ...],
                       "retention": str, "details": {...}}   # details optional

The result renders as JSON (``to_dict``/``to_json``; the middleware can serve
it at ``disclosure_path``), Markdown and self-contained, escaped HTML.

References:
    GDPR Art. 13 (information to be provided: purposes, categories of data,
    storage period); W3C Data Privacy Vocabulary for the section vocabulary.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._types import ASGIApp, Receive, Scope, Send
from .trackers import TrackerRegistry

if TYPE_CHECKING:
    from .middleware import PrivacyMiddleware

__all__ = ["Disclosure", "Section", "disclosure", "disclosure_app"]

#: Feature attributes of the middleware, in the order their sections appear.
FEATURES: tuple[tuple[str, str], ...] = (
    ("rate_limit", "rate_limit"),
    ("consent", "consent"),
    ("tags", "tags"),
    ("access_log", "access_log"),
)


def human_duration(seconds: float) -> str:
    """``86400`` → ``"24 hours"``; ``604800`` → ``"7 days"``; ``90`` → ``"90 seconds"``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0 and not (unit == "day" and seconds == 86400):
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    n_text = f"{seconds:g}"
    return f"{n_text} second{'s' if seconds != 1 else ''}"


def _jsonable(value: object) -> object:
    """JSON-able copy: tuples/sets become lists (sets sorted), unknown types their str."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the disclosure: what, why, how long."""

    id: str
    title: str
    purpose: str
    data: tuple[str, ...]
    retention: str
    details: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_describe(cls, id: str, facts: Mapping[str, object]) -> Section:
        """A section from a ``describe()`` answer; missing or odd values are tolerated."""
        data = facts.get("data", ())
        if isinstance(data, str):
            data = (data,)
        details = facts.get("details") or {}
        return cls(
            id=id,
            title=str(facts.get("title") or id.replace("_", " ").capitalize()),
            purpose=str(facts.get("purpose") or ""),
            data=tuple(str(d) for d in data) if isinstance(data, (list, tuple)) else (),
            retention=str(facts.get("retention") or ""),
            details=_jsonable(details) if isinstance(details, Mapping) else {},  # type: ignore[arg-type]
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "purpose": self.purpose,
            "data": list(self.data),
            "retention": self.retention,
            "details": _jsonable(self.details),
        }


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _label(key: str) -> str:
    return key.replace("_", " ")


def _scalar(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "none"
    return str(value)


def _is_scalar_list(value: object) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value)


def _md_details(value: object, indent: int) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and not _is_scalar_list(item):
                out.append(f"{pad}- {_md(_label(key))}:")
                out += _md_details(item, indent + 1)
            elif isinstance(item, list):
                shown = ", ".join(_md(_scalar(v)) for v in item) or "none"
                out.append(f"{pad}- {_md(_label(key))}: {shown}")
            else:
                out.append(f"{pad}- {_md(_label(key))}: {_md(_scalar(item))}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and all(
                not isinstance(v, (dict, list)) or _is_scalar_list(v) for v in item.values()
            ):
                # A flat record (a vendor): one line, "key: value — key: value".
                parts = [
                    f"{_md(_label(k))}: "
                    + (
                        ", ".join(_md(_scalar(x)) for x in v) or "none"
                        if isinstance(v, list)
                        else _md(_scalar(v))
                    )
                    for k, v in item.items()
                ]
                out.append(f"{pad}- " + " — ".join(parts))
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}-")
                out += _md_details(item, indent + 1)
            else:
                out.append(f"{pad}- {_md(_scalar(item))}")
    else:
        out.append(f"{pad}- {_md(_scalar(value))}")
    return out


def _html_details(value: object) -> str:
    esc = html.escape
    if isinstance(value, dict):
        rows = "".join(
            f"<dt>{esc(_label(k))}</dt><dd>{_html_details(v)}</dd>" for k, v in value.items()
        )
        return f"<dl>{rows}</dl>"
    if isinstance(value, list):
        if _is_scalar_list(value):
            return esc(", ".join(_scalar(v) for v in value)) if value else "none"
        return "<ul>" + "".join(f"<li>{_html_details(v)}</li>" for v in value) + "</ul>"
    return esc(_scalar(value))


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The structured account.

    Render it with ``to_dict``/``to_json``, ``to_markdown`` or ``to_html``.
    """

    sections: tuple[Section, ...]

    def section(self, id: str) -> Section | None:
        """The section with this id (``"client"``, ``"access_log"``, ...), or ``None``."""
        for section in self.sections:
            if section.id == id:
                return section
        return None

    def to_dict(self) -> dict[str, object]:
        from . import __version__

        return {
            "generator": f"privmw {__version__}",
            "sections": [s.to_dict() for s in self.sections],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_markdown(self, *, heading_level: int = 2) -> str:
        """Markdown, one heading per section (``##`` by default)."""
        hashes = "#" * max(1, min(heading_level, 6))
        out: list[str] = []
        for s in self.sections:
            out.append(f"{hashes} {_md(s.title)}")
            out.append("")
            if s.purpose:
                out += [f"**Purpose:** {_md(s.purpose)}", ""]
            if s.data:
                out += ["**What is processed:**", ""]
                out += [f"- {_md(item)}" for item in s.data]
                out.append("")
            if s.retention:
                out += [f"**Retention:** {_md(s.retention)}", ""]
            if s.details:
                out += ["**Details:**", ""]
                out += _md_details(dict(s.details), 0)
                out.append("")
        return "\n".join(out).rstrip("\n") + "\n"

    def to_html(self, *, heading_level: int = 2) -> str:
        """An HTML fragment (no scripts, styles or external assets), every value escaped."""
        level = max(1, min(heading_level, 6))
        esc = html.escape
        out = ['<div class="privmw-disclosure">']
        for s in self.sections:
            out.append(f'<section id="privacy-{esc(s.id)}">')
            out.append(f"<h{level}>{esc(s.title)}</h{level}>")
            if s.purpose:
                out.append(f"<p><strong>Purpose:</strong> {esc(s.purpose)}</p>")
            if s.data:
                items = "".join(f"<li>{esc(item)}</li>" for item in s.data)
                out.append(f"<p><strong>What is processed:</strong></p><ul>{items}</ul>")
            if s.retention:
                out.append(f"<p><strong>Retention:</strong> {esc(s.retention)}</p>")
            if s.details:
                out.append(f"<details><summary>Details</summary>{_html_details(dict(s.details))}")
                out.append("</details>")
            out.append("</section>")
        out.append("</div>")
        return "\n".join(out) + "\n"


# --- the sections privmw writes itself -----------------------------------------


def _client_section(mw: PrivacyMiddleware) -> Section:
    truncator = mw.truncator
    v4, v6 = truncator.v4, truncator.v6
    example4 = truncator.truncate((4, 0xCB00714D))  # 203.0.113.77
    example6 = truncator.truncate((6, 0x20010DB885A308D313198A2E03707348))
    data = [
        "the IP address of the connecting client, held in memory only while one request is answered"
    ]
    if v4 == 32:
        data.append("IPv4 addresses are kept in full (not shortened)")
    else:
        data.append(
            f"everywhere else only a shortened address: IPv4 addresses keep their first {v4} "
            f"of 32 bits (203.0.113.77 becomes {example4})"
        )
    if v6 == 128:
        data.append("IPv6 addresses are kept in full (not shortened)")
    else:
        data.append(
            f"IPv6 addresses keep their first {v6} of 128 bits "
            f"(2001:db8:85a3:8d3:1319:8a2e:370:7348 becomes {example6})"
        )
    data.append(
        "IPv6 addresses that carry an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) "
        f"are shortened like IPv4 addresses, to {v4} bits"
    )
    networks = tuple(mw.trusted.networks)
    if networks:
        data.append(
            f"the client address forwarded by {len(networks)} trusted proxy "
            f"network{'s' if len(networks) != 1 else ''} (headers from anyone else are ignored)"
        )
    if mw.scrub_headers:
        data.append(
            "headers naming the client (X-Forwarded-For, Forwarded, X-Real-IP and similar) "
            "are rewritten to the shortened address or removed before the application runs"
        )
    else:
        data.append("headers naming the client are passed to the application unchanged")
    retention = "The full address is not stored: it lives in memory for one request."
    pseudonym_retention: float | None = None
    hasher = mw.pseudonymizer
    if hasher is not None:
        pseudonym_retention = hasher.retention
        every = human_duration(hasher.retention)
        data.append(
            "a pseudonym: a keyed hash of the full address under a random key held only in "
            f"memory and replaced every {every}"
        )
        retention += (
            f" Pseudonym keys are replaced every {every}; pseudonyms from before can then no "
            "longer be linked to an address or to later pseudonyms."
        )
    return Section(
        id="client",
        title="Client data and IP addresses",
        purpose="Delivering the site: the connection's address is needed to answer a request.",
        data=tuple(data),
        retention=retention,
        details={
            "ipv4_prefix_bits": v4,
            "ipv6_prefix_bits": v6,
            "embedded_ipv4": f"masked to {v4} bits like IPv4",
            "trusted_proxies": len(networks),
            "forwarding_headers_scrubbed": bool(mw.scrub_headers),
            "pseudonyms": hasher is not None,
            "pseudonym_key_rotation_seconds": pseudonym_retention,
        },
    )


def _trackers_section(registry: TrackerRegistry) -> Section:
    by_category: dict[str, list[dict[str, object]]] = {}
    for vendor in registry.vendors:
        by_category.setdefault(vendor.category, []).append(
            {"vendor": vendor.label, "purpose": vendor.purpose, "cookies": list(vendor.cookies)}
        )
    data = [
        f"{category}: " + ", ".join(str(v["vendor"]) for v in vendors)
        for category, vendors in sorted(by_category.items())
    ]
    return Section(
        id="trackers",
        title="Third-party services by consent category",
        purpose="The third-party services privmw recognises, grouped by the consent category "
        "they belong to, with the cookies they set.",
        data=tuple(data),
        retention="Cookies set by these services last as long as each service sets them.",
        details={"categories": {k: by_category[k] for k in sorted(by_category)}},
    )


def disclosure(middleware: PrivacyMiddleware) -> Disclosure:
    """The disclosure for this middleware's live configuration.

    Sections: ``client`` (always), then ``rate_limit``, ``consent``, ``tags``
    and ``access_log`` for each feature that is configured (from its
    ``describe()``), and ``trackers`` (the registry's vendors by category) when
    there is no ``tags`` configuration to describe them.
    """
    sections = [_client_section(middleware)]
    for attr, section_id in FEATURES:
        feature: Any = getattr(middleware, attr, None)
        if feature is None:
            if attr == "tags":
                sections.append(_trackers_section(TrackerRegistry()))
            continue
        describe = getattr(feature, "describe", None)
        if callable(describe):
            facts = describe()
            if isinstance(facts, Mapping):
                sections.append(Section.from_describe(section_id, facts))
    return Disclosure(tuple(sections))


def disclosure_app(disclosure: Disclosure) -> ASGIApp:
    """An ASGI app answering ``GET``/``HEAD`` with the disclosure as JSON."""
    body = disclosure.to_json().encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"cache-control", b"public, max-age=300"),
    ]
    not_allowed = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"18"),
        (b"allow", b"GET, HEAD"),
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        method = scope.get("method", "GET")
        if method not in ("GET", "HEAD"):
            await send({"type": "http.response.start", "status": 405, "headers": not_allowed})
            await send({"type": "http.response.body", "body": b"Method Not Allowed"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body if method == "GET" else b""})

    return app
