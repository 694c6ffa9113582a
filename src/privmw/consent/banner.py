"""``Banner``: the consent banner privmw renders into pages itself (opt-in).

``PrivacyMiddleware(app, banner=Banner())`` (or ``banner=True``) injects a
server-rendered banner right after the ``<body>`` start tag of each HTML page
for a visitor who has not decided yet (no valid consent cookie for the policy
revision). It is plain HTML: a form posting to the consent endpoint (works
with JavaScript off: ``303`` back to the page) plus a stylesheet and a script
served from privmw's own routes (``{path_prefix}/banner.css`` and
``/banner.js``; no inline script or style, no third-party asset, the page's
CSP nonce reused when it has one). With JavaScript the choice is saved with
``fetch`` and allowed tags are activated in place (the ``privmw:consent``
event). Any element with ``data-privmw-settings`` (typically a "Privacy
settings" link to ``{path_prefix}/form``) reopens it; without JavaScript that
link opens the same choices as a page.

"Accept all" and "Reject all" are the same element with the same style, side
by side on the first layer; category toggles (with the vendors of each, from
the middleware's one registry) are behind "Choose by category", never
pre-ticked. A visitor whose browser sends GPC or DNT is told which
categories the signal already refuses.

Non-consented iframes of the ``embeds`` vendors become two-click placeholders
of the same size ("Load this once", "Always allow <category>").

References:
    CNIL délibération 2020-092 (recommandation "cookies", refusing as easy as
    accepting); EDPB Guidelines 03/2022 on deceptive design patterns; EDPB
    Guidelines 05/2020 on consent; WCAG 2.1 AA.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from privmw._errors import ConfigurationError
from privmw._i18n import SHIPPED, keys, placeholders
from privmw._validate import suggest

if TYPE_CHECKING:
    from ._banner import BannerView

__all__ = ["Banner"]

_OWNER = "Banner"
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$")


@dataclass(frozen=True, slots=True)
class Banner:
    """The consent banner privmw injects into HTML pages (see :mod:`privmw.consent.banner`).

    Args:
        languages: language tags on offer, the first being the default; the
            visitor's is chosen from ``Accept-Language`` (RFC 4647 lookup).
            Default: every language privmw ships (en, de, fr, es, it, nl, pl,
            pt). A tag privmw does not ship needs its texts in ``texts``
            (missing ones come from the default language).
        texts: per language, texts replacing privmw's:
            ``{"en": {"banner.title": "Cookies?"}}``. Keys are those of
            ``privmw/locales/en.json``; a custom category ``"video"`` takes
            ``"category.video"`` and ``"category.video.text"``.
        template: a function ``(BannerView) -> str`` returning the banner's
            HTML instead of privmw's (it must keep a form posting to
            ``view.endpoint``; everything in the view is already escaped).
        stylesheet: an extra same-origin stylesheet URL linked after
            privmw's, to restyle it (``"/static/banner.css"``).
        builtin_styles: link privmw's own stylesheet (default on).
        embeds: vendor names whose non-consented iframes become two-click
            placeholders (default ``("youtube", "vimeo")``; ``()`` for none).
        youtube_nocookie: load an allowed YouTube placeholder from
            ``www.youtube-nocookie.com`` (default off).
        skip_paths: path prefixes whose pages never get the banner.
        skip_header: a request header whose presence means "a fragment, not a
            document" (default ``"hx-request"``, htmx); requests whose
            ``Sec-Fetch-Dest`` is not ``document`` are skipped too, and a
            response carrying ``privmw-banner: off`` is left alone.
    """

    languages: Sequence[str] = SHIPPED
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    template: Callable[[BannerView], str] | None = field(default=None, compare=False)
    stylesheet: str | None = None
    builtin_styles: bool = True
    embeds: Sequence[str] = ("youtube", "vimeo")
    youtube_nocookie: bool = False
    skip_paths: Sequence[str] = ()
    skip_header: str | None = "hx-request"

    def __post_init__(self) -> None:
        langs = self.languages
        if isinstance(langs, str) or not isinstance(langs, Sequence) or not langs:
            raise ConfigurationError(
                f"{_OWNER}: languages must be a non-empty list of language tags like "
                f"['en', 'de'], got {langs!r}"
            )
        langs = tuple(langs)
        for tag in langs:
            if not isinstance(tag, str) or not _LANG.match(tag):
                raise ConfigurationError(
                    f"{_OWNER}: languages entries must be lower-case BCP 47 tags like 'de' "
                    f"or 'pt-BR', got {tag!r}"
                )
        if len(set(langs)) != len(langs):
            raise ConfigurationError(f"{_OWNER}: languages has duplicates: {list(langs)!r}")
        object.__setattr__(self, "languages", langs)
        if not isinstance(self.texts, Mapping):
            raise ConfigurationError(
                f"{_OWNER}: texts must map languages to {{key: text}}, got {self.texts!r}"
            )
        known = keys()
        for lang, table in self.texts.items():
            if lang not in langs:
                raise ConfigurationError(
                    f"{_OWNER}: texts[{lang!r}] names a language not in languages "
                    f"{list(langs)!r}; add it there"
                )
            if not isinstance(table, Mapping):
                raise ConfigurationError(
                    f"{_OWNER}: texts[{lang!r}] must map keys to texts, got {table!r}"
                )
            for key, text in table.items():
                if not isinstance(key, str) or not isinstance(text, str):
                    raise ConfigurationError(
                        f"{_OWNER}: texts[{lang!r}] entries must be str: str, got {key!r}: {text!r}"
                    )
                if key in known:
                    extra = placeholders(text) - placeholders(_english(key))
                    if extra:
                        raise ConfigurationError(
                            f"{_OWNER}: texts[{lang!r}][{key!r}] uses unknown parameters "
                            f"{sorted(extra)!r}; this text takes "
                            f"{sorted(placeholders(_english(key)))!r}"
                        )
                elif not key.startswith("category."):
                    hint = suggest(key, sorted(known))
                    raise ConfigurationError(
                        f"{_OWNER}: texts[{lang!r}] has an unknown key {key!r}"
                        + (f"; {hint}" if hint else "; see privmw/locales/en.json")
                    )
        if self.template is not None and not callable(self.template):
            raise ConfigurationError(
                f"{_OWNER}: template must be a function (BannerView) -> str or None, "
                f"got {self.template!r}"
            )
        if self.stylesheet is not None and (
            not isinstance(self.stylesheet, str)
            or not _PATH.match(self.stylesheet)
            or self.stylesheet.startswith("//")
        ):
            raise ConfigurationError(
                f"{_OWNER}: stylesheet must be a same-origin path like '/static/banner.css', "
                f"got {self.stylesheet!r}"
            )
        for option in ("builtin_styles", "youtube_nocookie"):
            if not isinstance(getattr(self, option), bool):
                raise ConfigurationError(
                    f"{_OWNER}: {option} must be True or False, got {getattr(self, option)!r}"
                )
        embeds = self.embeds
        if isinstance(embeds, str) or not isinstance(embeds, Sequence):
            raise ConfigurationError(
                f"{_OWNER}: embeds must be a list of vendor names like ['youtube'], got {embeds!r}"
            )
        for name in embeds:
            if not isinstance(name, str) or not _NAME.match(name):
                raise ConfigurationError(
                    f"{_OWNER}: embeds entries must be vendor names like 'youtube', got {name!r}"
                )
        object.__setattr__(self, "embeds", tuple(embeds))
        skip = self.skip_paths
        if isinstance(skip, str) or not isinstance(skip, Sequence):
            raise ConfigurationError(
                f"{_OWNER}: skip_paths must be a list of path prefixes like ['/admin/'], "
                f"got {skip!r}"
            )
        for prefix in skip:
            if not isinstance(prefix, str) or not prefix.startswith("/"):
                raise ConfigurationError(
                    f"{_OWNER}: skip_paths entries must start with '/', got {prefix!r}"
                )
        object.__setattr__(self, "skip_paths", tuple(skip))
        header = self.skip_header
        if header is not None and (
            not isinstance(header, str) or not re.match(r"^[A-Za-z0-9-]{1,64}$", header)
        ):
            raise ConfigurationError(
                f"{_OWNER}: skip_header must be a header name like 'hx-request' or None, "
                f"got {header!r}"
            )
        if header is not None:
            object.__setattr__(self, "skip_header", header.lower())

    def __hash__(self) -> int:
        return hash((self.languages, self.embeds, self.stylesheet))


def _english(key: str) -> str:
    from privmw._i18n import shipped_catalogue

    return shipped_catalogue("en")[key]
