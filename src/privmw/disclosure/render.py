"""Rendering a :class:`~privmw.Disclosure` as Markdown or as an escaped HTML fragment."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from privmw._headers import Response, not_allowed
from privmw._i18n import SHIPPED, shipped_catalogue

if TYPE_CHECKING:
    from .model import Disclosure, Section, Table

__all__: list[str] = []

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _label(key: str) -> str:
    return key.replace("_", " ")


def _fixed(language: str) -> dict[str, str]:
    """The fixed texts (headings, yes/no) in ``language`` (English when not shipped)."""
    texts = shipped_catalogue(language if language in SHIPPED else "en")
    return {
        k.removeprefix("disclosure."): v for k, v in texts.items() if k.startswith("disclosure.")
    }


_EN = _fixed("en")


def _scalar(value: object, fixed: dict[str, str] = _EN) -> str:
    if value is True:
        return fixed["yes"]
    if value is False:
        return fixed["no"]
    if value is None:
        return fixed["none"]
    return str(value)


def _is_scalar_list(value: object) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value)


def _md_details(value: object, indent: int, fixed: dict[str, str] = _EN) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and not _is_scalar_list(item):
                out.append(f"{pad}- {_md(_label(key))}:")
                out += _md_details(item, indent + 1, fixed)
            elif isinstance(item, list):
                shown = ", ".join(_md(_scalar(v, fixed)) for v in item) or fixed["none"]
                out.append(f"{pad}- {_md(_label(key))}: {shown}")
            else:
                out.append(f"{pad}- {_md(_label(key))}: {_md(_scalar(item, fixed))}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and all(
                not isinstance(v, (dict, list)) or _is_scalar_list(v) for v in item.values()
            ):
                # A flat record (a vendor): one line, "key: value — key: value".
                parts = [
                    f"{_md(_label(k))}: "
                    + (
                        ", ".join(_md(_scalar(x, fixed)) for x in v) or fixed["none"]
                        if isinstance(v, list)
                        else _md(_scalar(v, fixed))
                    )
                    for k, v in item.items()
                ]
                out.append(f"{pad}- " + " — ".join(parts))
            elif isinstance(item, (dict, list)):
                out.append(f"{pad}-")
                out += _md_details(item, indent + 1, fixed)
            else:
                out.append(f"{pad}- {_md(_scalar(item, fixed))}")
    else:
        out.append(f"{pad}- {_md(_scalar(value, fixed))}")
    return out


def _html_details(value: object, fixed: dict[str, str] = _EN) -> str:
    esc = html.escape
    if isinstance(value, dict):
        rows = "".join(
            f"<dt>{esc(_label(k))}</dt><dd>{_html_details(v, fixed)}</dd>" for k, v in value.items()
        )
        return f"<dl>{rows}</dl>"
    if isinstance(value, list):
        if _is_scalar_list(value):
            return esc(", ".join(_scalar(v, fixed) for v in value)) if value else fixed["none"]
        return "<ul>" + "".join(f"<li>{_html_details(v, fixed)}</li>" for v in value) + "</ul>"
    return esc(_scalar(value, fixed))


#: A URL rendered as a link: http(s), and no byte that could leave the
#: ``<...>`` of a Markdown autolink or the quoted ``href`` of HTML.
_LINK = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_CELL_SPACE = re.compile(r"\s+")


def _rows(section: Section) -> list[dict[str, object]]:
    table = section.table
    rows = section.details.get(table.key) if table is not None else None
    if not isinstance(rows, list):
        return []
    return [r for r in rows if isinstance(r, dict)]


def _cell(value: object) -> str:
    """One table cell's text: scalars as words, lists joined, on one line."""
    if isinstance(value, list):
        text = ", ".join(_scalar(v) for v in value)
    else:
        text = _scalar(value) if value is not None and value != "" else ""
    return _CELL_SPACE.sub(" ", text).strip()


def _md_table(section: Section, table: Table) -> list[str]:
    out = [
        "| " + " | ".join(_md(heading) for _, heading in table.columns) + " |",
        "|" + "---|" * len(table.columns),
    ]
    for row in _rows(section):
        cells = []
        for name, _ in table.columns:
            text = _cell(row.get(name))
            if name in table.links and _LINK.match(text):
                cells.append(f"<{text}>")
            else:
                cells.append(_md(text) or "–")
        out.append("| " + " | ".join(cells) + " |")
    return out


def _html_table(section: Section, table: Table) -> str:
    esc = html.escape
    head = "".join(f'<th scope="col">{esc(heading)}</th>' for _, heading in table.columns)
    body = []
    for row in _rows(section):
        cells = []
        for name, _ in table.columns:
            text = _cell(row.get(name))
            if name in table.links and _LINK.match(text):
                cells.append(
                    f'<td><a href="{esc(text, quote=True)}" rel="noopener noreferrer">'
                    f"{esc(text)}</a></td>"
                )
            else:
                cells.append(f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="privmw-{esc(section.id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _other_details(section: Section) -> dict[str, object]:
    """The details a generic list renders: everything but a table's records."""
    details = dict(section.details)
    if section.table is not None:
        details.pop(section.table.key, None)
    return details


def to_markdown(disclosure: Disclosure, *, heading_level: int = 2, language: str = "en") -> str:
    """Markdown, one heading per section (``##`` by default).

    ``language`` picks the fixed texts ("Purpose", "Retention", yes/no) from
    privmw's catalogues; the sections' own texts come from the configuration.
    """
    fixed = _fixed(language)
    hashes = "#" * max(1, min(heading_level, 6))
    out: list[str] = []
    for s in disclosure.sections:
        out.append(f"{hashes} {_md(s.title)}")
        out.append("")
        if s.purpose:
            out += [f"**{_md(fixed['purpose'])}:** {_md(s.purpose)}", ""]
        if s.data:
            out += [f"**{_md(fixed['data'])}:**", ""]
            out += [f"- {_md(item)}" for item in s.data]
            out.append("")
        if s.retention:
            out += [f"**{_md(fixed['retention'])}:** {_md(s.retention)}", ""]
        if s.table is not None and _rows(s):
            out += [*_md_table(s, s.table), ""]
        details = _other_details(s)
        if details:
            out += [f"**{_md(fixed['details'])}:**", ""]
            out += _md_details(details, 0, fixed)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def to_html(disclosure: Disclosure, *, heading_level: int = 2, language: str = "en") -> str:
    """An HTML fragment (no scripts, styles or external assets), every value escaped.

    ``language`` picks the fixed texts, as for :func:`to_markdown`.
    """
    level = max(1, min(heading_level, 6))
    esc = html.escape
    fixed = _fixed(language)
    out = ['<div class="privmw-disclosure">']
    for s in disclosure.sections:
        out.append(f'<section id="privacy-{esc(s.id)}">')
        out.append(f"<h{level}>{esc(s.title)}</h{level}>")
        if s.purpose:
            out.append(f"<p><strong>{esc(fixed['purpose'])}:</strong> {esc(s.purpose)}</p>")
        if s.data:
            items = "".join(f"<li>{esc(item)}</li>" for item in s.data)
            out.append(f"<p><strong>{esc(fixed['data'])}:</strong></p><ul>{items}</ul>")
        if s.retention:
            out.append(f"<p><strong>{esc(fixed['retention'])}:</strong> {esc(s.retention)}</p>")
        if s.table is not None and _rows(s):
            out.append(_html_table(s, s.table))
        details = _other_details(s)
        if details:
            rendered = _html_details(details, fixed)
            out.append(f"<details><summary>{esc(fixed['details'])}</summary>{rendered}")
            out.append("</details>")
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out) + "\n"


class JsonRoute:
    """The disclosure served as JSON at ``disclosure_path``.

    ``source`` is a :class:`~privmw.Disclosure`, or a function building one;
    with ``version`` (a function returning a number that grows when the
    disclosure's inputs change, such as the registry's observations), the
    body is rendered again only when that number has changed.
    """

    __slots__ = ("_body", "_build", "_headers", "_version", "_version_of")

    def __init__(
        self,
        source: Disclosure | Callable[[], Disclosure],
        version: Callable[[], int] | None = None,
    ) -> None:
        self._build = source if callable(source) else (lambda: source)
        self._version_of = version
        self._version = version() if version is not None else 0
        self._render()

    def _render(self) -> None:
        self._body = self._build().to_json().encode("utf-8")
        self._headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self._body)).encode("ascii")),
            (b"cache-control", b"public, max-age=300"),
        ]

    def respond(self, method: str) -> Response:
        if method not in ("GET", "HEAD"):
            return not_allowed("GET, HEAD")
        if self._version_of is not None:
            now = self._version_of()
            if now != self._version:
                self._version = now
                self._render()
        return Response(200, list(self._headers), self._body if method == "GET" else b"")
