"""Texts of privmw's own pages, in the visitor's language.

The texts live in catalogue files, ``privmw/locales/<language>.json`` (one
flat ``{"key": "text"}`` object per language), never in code. A request's
language is chosen from its ``Accept-Language`` header with the RFC 4647
*lookup* scheme over the languages on offer, weighted by the q-values of
RFC 9110; apps override single texts per language (``Banner(texts=...)``).

Why no ``babel``: privmw needs only the negotiation (about 40 lines, tested
here against the RFC's own examples) and a flat catalogue; babel's CLDR data
is 30 MB for plural rules and number formats no text here uses (the texts
avoid plurals: "{seconds} s").

References:
    RFC 4647 section 3.4 (lookup); RFC 9110 section 12.5.4
    (``Accept-Language``) and 12.4.2 (quality values); BCP 47 (RFC 5646).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

from ._cache import BoundedCache

__all__: list[str] = []

#: The languages privmw ships catalogues for.
SHIPPED: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pl", "pt")
DEFAULT = "en"
#: The most of an ``Accept-Language`` header read, and the most ranges kept.
_MAX_HEADER = 1024
_MAX_RANGES = 32
_RANGE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$")
_Q = re.compile(r"^[qQ]=(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")
_PARAM = re.compile(r"\{([a-z_]+)\}")


@cache  # one entry per shipped file: a fixed, small set
def shipped_catalogue(language: str) -> Mapping[str, str]:
    """The texts privmw ships for ``language`` (a :data:`SHIPPED` code)."""
    if language not in SHIPPED:
        raise KeyError(language)
    text = resources.files("privmw").joinpath(f"locales/{language}.json").read_text("utf-8")
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()}


def keys() -> frozenset[str]:
    """Every text key (those of the English catalogue, the reference)."""
    return frozenset(shipped_catalogue(DEFAULT))


def parse_accept_language(header: str) -> list[tuple[str, float]]:
    """``(lower-case range, q)`` pairs of an ``Accept-Language`` value, best first.

    Malformed members are skipped, never raised; ranges with ``q=0`` are kept
    (with ``0.0``) so that :func:`lookup` can exclude them. Equal q-values keep
    the header's order (the sort is stable). Reads at most 1 KiB and 32 ranges.
    """
    out: list[tuple[str, float]] = []
    for member in header[:_MAX_HEADER].split(","):
        if len(out) >= _MAX_RANGES:
            break
        name, _, params = member.partition(";")
        name = name.strip()
        if not _RANGE.match(name):
            continue
        q = 1.0
        params = params.strip()
        if params:
            m = _Q.match(params.replace(" ", ""))
            if m is None:
                continue
            q = float(m.group(1))
        out.append((name.lower(), q))
    out.sort(key=lambda item: -item[1])
    return out


def lookup(ranges: Iterable[tuple[str, float]], available: Iterable[str], default: str) -> str:
    """RFC 4647 section 3.4 *lookup*: the best available tag for a priority list.

    For each range in turn (``q > 0``; ``*`` is skipped, as 3.4 allows), the
    range itself, then the range with its last subtag removed (and a
    single-character subtag left at the end removed too), and so on, is
    compared with the available tags, case-insensitively. A tag named with
    ``q=0`` is never chosen. Nothing matching gives ``default``.
    """
    offered = {tag.lower(): tag for tag in available}
    pairs = list(ranges)
    refused = {name for name, q in pairs if q <= 0}
    for name, q in pairs:
        if q <= 0 or name == "*":
            continue
        subtags = name.split("-")
        while subtags:
            candidate = "-".join(subtags)
            if candidate in offered and candidate not in refused:
                return offered[candidate]
            subtags.pop()
            if subtags and len(subtags[-1]) == 1:
                subtags.pop()  # "x" or an extension singleton cannot end a tag
    return default


def format_text(text: str, params: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` replaced by ``params[name]`` (unknown ones kept).

    Not ``str.format``: texts can come from apps, and a plain substitution
    cannot reach attributes or indexes of the parameters.
    """
    if "{" not in text:
        return text
    return _PARAM.sub(lambda m: params.get(m.group(1), m.group(0)), text)


def placeholders(text: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(text))


class Catalogues:
    """The texts of every language on offer (shipped ones merged with the app's), and negotiation.

    Args:
        languages: the language tags on offer, the first being the default.
        overrides: language → key → text, merged over the shipped texts; a
            language privmw does not ship is filled from the default one.
    """

    __slots__ = ("_cache", "_texts", "default", "languages")

    def __init__(
        self,
        languages: Iterable[str] = SHIPPED,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.languages = tuple(languages)
        self.default = self.languages[0]
        overrides = overrides or {}
        base = dict(shipped_catalogue(DEFAULT))
        fallback = {
            **base,
            **(dict(shipped_catalogue(self.default)) if self.default in SHIPPED else {}),
            **dict(overrides.get(self.default, {})),
        }
        self._texts: dict[str, dict[str, str]] = {}
        for language in self.languages:
            shipped = dict(shipped_catalogue(language)) if language in SHIPPED else {}
            self._texts[language] = {**fallback, **shipped, **dict(overrides.get(language, {}))}
        # Keyed by a client-chosen header: bounded, and long values never kept.
        self._cache: BoundedCache[str, str] = BoundedCache(
            512, max_bytes=1 << 18, max_item=_MAX_HEADER
        )

    def __repr__(self) -> str:
        return f"Catalogues({list(self.languages)!r})"

    def negotiate(self, accept_language: str | None) -> str:
        """The language on offer that best matches an ``Accept-Language`` value."""
        if not accept_language:
            return self.default
        hit = self._cache.get(accept_language)
        if hit is None:
            try:
                ranges = parse_accept_language(accept_language)
                hit = lookup(ranges, self.languages, self.default)
            except Exception:  # client input never raises
                hit = self.default
            self._cache.put(accept_language, hit, len(accept_language))
        return hit

    def texts(self, language: str) -> Mapping[str, str]:
        """All texts of ``language`` (the default language's for one not on offer)."""
        return self._texts.get(language) or self._texts[self.default]

    def text(self, language: str, key: str, **params: str) -> str:
        """One text of ``language`` with its ``{parameters}`` filled in (not escaped)."""
        return format_text(self.texts(language).get(key, key), params)
