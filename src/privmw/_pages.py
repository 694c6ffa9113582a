"""privmw's own HTML pages: one page shell (``lang``, viewport, no inline style or script).

Used by the consent form page (``GET {prefix}/form``). Every text comes
from the catalogues (:mod:`privmw._i18n`) and is escaped here. The rate
limiter renders its own refusal page for browsers
(:mod:`privmw.ratelimit.refusal`); :func:`ratelimit_texts` gives it privmw's
translations, through its ``RateLimit(texts=...)`` hook.

References: WCAG 2.1 3.1.1 (language of page); RFC 9110 section 12.5.4
(``Accept-Language``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ._i18n import Catalogues
from ._types import Scope

__all__: list[str] = []


def shell(language: str, title: str, body: str, *, stylesheets: tuple[str, ...] = ()) -> str:
    """A complete HTML document around ``body`` (already escaped markup)."""
    links = "".join(
        f'<link rel="stylesheet" href="{html.escape(href, quote=True)}">' for href in stylesheets
    )
    return (
        f'<!doctype html><html lang="{html.escape(language, quote=True)}"><head>'
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{links}</head>"
        f"<body>{body}</body></html>"
    )


#: The rate limiter's refusal-page keys (``privmw.ratelimit.refusal``), ``ratelimit.<key>`` here.
RATELIMIT_KEYS = (
    "quota.title",
    "quota.message",
    "ban.title",
    "ban.message",
    "deny.title",
    "deny.message",
    "unavailable.title",
    "unavailable.message",
    "retry",
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
)


def ratelimit_texts(catalogues: Catalogues) -> Callable[[Scope], Mapping[str, str]]:
    """``RateLimit(texts=...)`` for the refusal page: its texts in the visitor's language.

    The middleware passes it to the limiter when the app set no texts of its own.
    """
    tables: dict[str, Mapping[str, str]] = {}
    for language in catalogues.languages:
        texts = catalogues.texts(language)
        tables[language] = MappingProxyType(
            {"lang": language, **{k: texts[f"ratelimit.{k}"] for k in RATELIMIT_KEYS}}
        )

    def for_request(scope: Scope) -> Mapping[str, str]:
        accept_language = None
        for name, value in scope.get("headers") or ():
            if name == b"accept-language":
                accept_language = value.decode("latin-1")
                break
        return tables.get(catalogues.negotiate(accept_language)) or tables[catalogues.default]

    return for_request
