"""The disclosure's data model: sections of what is processed, why and for how long.

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

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Disclosure"]


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
class Table:
    """How a section's ``details[key]`` (a list of flat records) renders: as a table.

    ``columns`` are ``(field, heading)`` pairs; a field named in ``links``
    holds an ``http(s)`` URL and renders as a link (anything else as text).
    JSON keeps the records as they are: this is presentation only.
    """

    key: str
    columns: tuple[tuple[str, str], ...]
    links: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the disclosure: what, why, how long."""

    id: str
    title: str
    purpose: str
    data: tuple[str, ...]
    retention: str
    details: Mapping[str, object] = field(default_factory=dict)
    table: Table | None = None

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
        from privmw import __version__

        return {
            "generator": f"privmw {__version__}",
            "sections": [s.to_dict() for s in self.sections],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_markdown(self, *, heading_level: int = 2, language: str = "en") -> str:
        """Markdown, one heading per section (``##`` by default).

        ``language``: the fixed texts ("Purpose", "Retention", ...) in one of
        privmw's languages (en, de, fr, es, it, nl, pl, pt).
        """
        from .render import to_markdown

        return to_markdown(self, heading_level=heading_level, language=language)

    def to_html(self, *, heading_level: int = 2, language: str = "en") -> str:
        """An HTML fragment (no scripts, styles or external assets), every value escaped.

        ``language``: the fixed texts in one of privmw's languages, as for
        :meth:`to_markdown`.
        """
        from .render import to_html

        return to_html(self, heading_level=heading_level, language=language)
