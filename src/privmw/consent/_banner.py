"""The banner runtime: built once per middleware from a :class:`~privmw.Banner`.

It answers privmw's banner routes (``{prefix}/banner.css``, ``/banner.js``,
``/banner``: the markup for reopening it in place), renders the translated
form page and, per HTML response, says what to inject: an :class:`Injection`
(bytes after ``<body>``, the embed placeholder hook, a cache key) that the
tag runtime's rewriter applies as the page streams.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from urllib.parse import parse_qsl, urlsplit

from privmw._cache import BoundedCache
from privmw._headers import (
    HTML,
    NO_STORE,
    VARY_VALUE,
    Headers,
    Request,
    Response,
    find,
    not_allowed,
    origin_of,
    request_origin,
)
from privmw._i18n import Catalogues, format_text
from privmw._types import Scope
from privmw.context import PrivacyContext
from privmw.trackers import TrackerRegistry, Vendor

from ._form import render_banner, render_form_page
from .banner import Banner
from .endpoints import safe_next
from .policy import ConsentPolicy

__all__: list[str] = []

_ESC = html.escape
_OFF = b"off"


@dataclass(slots=True)
class CategoryView:
    """One category of the banner; every string is escaped HTML."""

    name: str
    label: str
    text: str
    vendors: str
    checked: bool
    denied: bool


@dataclass(slots=True)
class BannerView:
    """What a banner template gets; every string is escaped HTML (attribute-safe)."""

    lang: str
    lang_raw: str
    texts: Mapping[str, str]
    endpoint: str
    next_path: str
    decided: bool
    allowed: str
    categories: list[CategoryView]
    signal_notice: str
    hidden: bool = False
    settings_open: bool = False

    def t(self, key: str, **params: str) -> str:
        """The text ``key`` escaped, with ``params`` (escaped here too) filled in."""
        return _ESC(format_text(self.texts.get(key, key), params), quote=True)


def _label(texts: Mapping[str, str], category: str) -> str:
    return texts.get(f"category.{category}") or category.replace("_", " ").capitalize()


def embedded(registry: TrackerRegistry) -> tuple[Vendor, ...]:
    """The vendors the site says it embeds (``PrivacyMiddleware(vendors=[...])``), else
    every vendor privmw gates: what a choice of each category lets load."""
    chosen = set(registry.selected)
    return tuple(v for v in registry.vendors if not chosen or v.name in chosen)


def build_view(
    catalogues: Catalogues,
    lang: str,
    policy: ConsentPolicy,
    registry: TrackerRegistry | None,
    context: PrivacyContext,
    next_path: str,
) -> BannerView:
    texts = catalogues.texts(lang)
    consent = context.consent
    cats = []
    listed_vendors = embedded(registry) if registry is not None else ()
    for name in policy.categories:
        vendors = [v.label for v in listed_vendors if v.category == name]
        listed = (
            format_text(texts["banner.vendors"], {"vendors": ", ".join(vendors)})
            if vendors
            else texts["banner.no_vendors"]
        )
        cats.append(
            CategoryView(
                name=name,
                label=_ESC(_label(texts, name)),
                text=_ESC(texts.get(f"category.{name}.text", "")),
                vendors=_ESC(listed),
                checked=consent is not None and name in consent,
                denied=name in context.denied,
            )
        )
    notice = ""
    denied = [c for c in policy.categories if c in context.denied]
    if denied and (context.gpc or context.dnt):
        key = (
            "banner.signal_both"
            if context.gpc and context.dnt
            else "banner.signal_gpc"
            if context.gpc
            else "banner.signal_dnt"
        )
        names = ", ".join(_label(texts, c) for c in denied)
        notice = _ESC(format_text(texts[key], {"categories": names}))
    allowed = " ".join(c for c in policy.categories if context.allows(c))
    return BannerView(
        lang=_ESC(lang, quote=True),
        lang_raw=lang,
        texts=texts,
        endpoint=_ESC(policy.path_prefix, quote=True),
        next_path=next_path,
        decided=consent is not None,
        allowed=allowed,
        categories=cats,
        signal_notice=notice,
    )


@dataclass(frozen=True, slots=True)
class Injection:
    """What one HTML response gets: bytes after ``<body>``, the placeholder hook, a cache key."""

    after_body: bytes | None
    placeholder: Callable[[Vendor, str, list[tuple[str, str]]], bytes | None] | None
    key: str


def _static(name: str) -> bytes:
    return resources.files("privmw.consent").joinpath(f"static/{name}").read_bytes()


class BannerRuntime:
    """The banner's routes, pages and per-response injection, built once.

    Args:
        config: the :class:`Banner`, or ``None`` (no injection; the form page,
            the stylesheet and the 429 page are still served translated).
        policy: the consent policy (categories, endpoint prefix).
        registry: the middleware's one tracker registry (vendors per category).
    """

    __slots__ = (
        "_asset_headers",
        "_assets",
        "_cache",
        "_css_href",
        "_embeds",
        "_js_href",
        "_skip_header",
        "_skip_paths",
        "catalogues",
        "config",
        "fragment_path",
        "policy",
        "registry",
        "routes",
        "stylesheets",
    )

    def __init__(
        self, config: Banner | None, policy: ConsentPolicy, registry: TrackerRegistry
    ) -> None:
        self.config = config
        self.policy = policy
        self.registry = registry
        settings = config if config is not None else Banner()
        self.catalogues = Catalogues(settings.languages, settings.texts)
        prefix = policy.path_prefix
        self._css_href = prefix + "/banner.css"
        self._js_href = prefix + "/banner.js"
        self.fragment_path = prefix + "/banner"
        styles: list[str] = []
        if settings.builtin_styles:
            styles.append(self._css_href)
        if settings.stylesheet:
            styles.append(settings.stylesheet)
        self.stylesheets = tuple(styles)
        self._assets = {
            self._css_href: (b"text/css; charset=utf-8", _static("banner.css")),
            self._js_href: (b"text/javascript; charset=utf-8", _static("banner.js")),
        }
        self._asset_headers = {
            path: [
                (b"content-type", ctype),
                (b"content-length", b"%d" % len(body)),
                (b"cache-control", b"public, max-age=3600"),
                (b"x-content-type-options", b"nosniff"),
            ]
            for path, (ctype, body) in self._assets.items()
        }
        self.routes = frozenset({self._css_href, self._js_href, self.fragment_path})
        self._embeds = frozenset(settings.embeds)
        self._skip_paths = settings.skip_paths
        skip = settings.skip_header
        self._skip_header = skip.encode("ascii") if skip is not None else None
        # Rendered banners by (language, consent state); the page path is
        # filled in per request. A few hundred states at most.
        self._cache: BoundedCache[tuple[object, ...], str] = BoundedCache(
            256, max_bytes=4 << 20, max_item=64 << 10
        )

    def __repr__(self) -> str:
        return f"BannerRuntime({self.config!r})"

    # -- rendering -------------------------------------------------------------

    def language(self, headers: Mapping[str, str]) -> str:
        return self.catalogues.negotiate(headers.get("accept-language"))

    def view(self, lang: str, context: PrivacyContext, next_path: str) -> BannerView:
        return build_view(
            self.catalogues,
            lang,
            self.policy,
            self.registry,
            context,
            _ESC(next_path, quote=True),
        )

    def banner_html(
        self,
        lang: str,
        context: PrivacyContext,
        next_path: str,
        *,
        reopened: bool = False,
        origin: str | None = None,
    ) -> str:
        """The banner's markup; ``origin`` (``request_origin``) makes its form's URL absolute,
        so a ``<base href>`` in the page cannot send the choice to another host."""
        config = self.config
        origin_html = _ESC(origin or "", quote=True)
        if config is not None and config.template is not None:
            view = self.view(lang, context, next_path)
            view.settings_open = reopened
            view.endpoint = origin_html + view.endpoint
            return config.template(view)
        consent = context.consent
        key = (
            lang,
            None if consent is None else tuple(sorted(consent)),
            context.gpc,
            context.dnt,
            context.denied,
            reopened,
        )
        template = self._cache.get(key)
        if template is None:
            view = self.view(lang, context, "\x00")
            view.settings_open = reopened
            view.endpoint = "\x01" + view.endpoint  # the origin, filled in per request
            template = self._cache.put(key, render_banner(view), 8192)
        return template.replace("\x01", origin_html).replace("\x00", _ESC(next_path, quote=True))

    def form_page(self, request: Request, context: PrivacyContext, next_path: str) -> bytes:
        lang = self.language(request.headers)
        view = self.view(lang, context, next_path)
        view.settings_open = True
        return render_form_page(view, self.stylesheets).encode("utf-8")

    # -- routes ----------------------------------------------------------------

    def respond(self, request: Request, context: PrivacyContext) -> Response:
        """Answer ``banner.css``, ``banner.js`` or the reopening markup."""
        if request.method not in ("GET", "HEAD"):
            return not_allowed("GET, HEAD")
        asset = self._assets.get(request.path)
        if asset is not None:
            headers = list(self._asset_headers[request.path])
            return Response(200, headers, b"" if request.method == "HEAD" else asset[1])
        query = dict(parse_qsl(request.query[:4096]))
        next_path = safe_next(query.get("next")) or "/"
        lang = self.language(request.headers)
        origin = origin_of(request.headers.get("host"), request.https)
        body = self.banner_html(lang, context, next_path, reopened=True, origin=origin).encode(
            "utf-8"
        )
        return Response(
            200,
            [
                *HTML,
                *NO_STORE,
                (b"vary", VARY_VALUE + b", Accept-Language"),
                (b"content-language", lang.encode()),
            ],
            body,
        )

    # -- injection -------------------------------------------------------------

    def injection(
        self,
        scope: Scope,
        context: PrivacyContext,
        response_headers: Headers,
        nonce: str | None,
    ) -> Injection | None:
        """What this HTML response gets, or ``None`` (not a document, opted out)."""
        if self.config is None:
            return None
        path = scope.get("path", "/")
        if self._skip_paths and path.startswith(self._skip_paths):
            return None
        flag = find(response_headers, b"privmw-banner")
        if flag is not None and flag.strip().lower() == _OFF:
            return None
        accept_language = None
        for name, value in scope.get("headers", ()):
            if name == b"sec-fetch-dest":
                if value.strip().lower() != b"document":
                    return None  # a fetch, an iframe, an image: not a top-level page
            elif name == self._skip_header:
                return None
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
        lang = self._page_language(response_headers) or self.catalogues.negotiate(accept_language)
        query = scope.get("query_string", b"").decode("latin-1")
        target = safe_next(path + ("?" + query if query else "")) or safe_next(path) or "/"
        attrs = f' nonce="{_ESC(nonce, quote=True)}"' if nonce else ""
        allowed = " ".join(c for c in self.policy.categories if context.allows(c))
        # privmw's URLs are absolute: relative ones follow the page's <base href>
        # (to another host, which would serve the script or receive the choice)
        origin = request_origin(scope) or ""
        own = _ESC(origin, quote=True)
        script = (
            f'<script src="{own}{self._js_href}" defer{attrs} data-privmw-endpoint='
            f'"{own}{_ESC(self.policy.path_prefix, quote=True)}" data-privmw-allowed="{allowed}">'
            "</script>"
        )
        if context.consent is None:
            links = "".join(
                f'<link rel="stylesheet" href="{own}{_ESC(href, quote=True)}"{attrs}>'
                for href in self.stylesheets
            )
            after = links + self.banner_html(lang, context, target, origin=origin) + script
        else:
            after = script  # the banner is fetched only if the visitor reopens it
        placeholder = self._placeholder(lang, context, target, origin) if self._embeds else None
        # What ``after`` and the placeholders are made of (the nonce aside: pages
        # with one are never cached), shorter to hash than the markup itself.
        consent = None if context.consent is None else sorted(context.consent)
        key = f"{lang}\x00{target}\x00{consent}\x00{sorted(context.denied)}"
        key += f"\x00{context.gpc:d}{context.dnt:d}\x00{origin}"
        return Injection(after.encode("utf-8"), placeholder, key)

    def _page_language(self, headers: Headers) -> str | None:
        """The response's ``Content-Language``, when it is a language on offer."""
        value = find(headers, b"content-language")
        if value is None:
            return None
        first = value.decode("latin-1").split(",", 1)[0].strip()
        offered = self.catalogues.languages
        found = self.catalogues.negotiate(first)
        return found if first and (found != self.catalogues.default or first in offered) else None

    def _placeholder(
        self, lang: str, context: PrivacyContext, target: str, origin: str = ""
    ) -> Callable[[Vendor, str, list[tuple[str, str]]], bytes | None]:
        texts = self.catalogues.texts(lang)
        counter = itertools.count(1)
        config = self.config
        nocookie = config is not None and config.youtube_nocookie
        embeds = self._embeds
        policy = self.policy
        registry = self.registry

        def placeholder(vendor: Vendor, elem: str, pairs: list[tuple[str, str]]) -> bytes | None:
            # The rewriter's hook (TagGate.placeholder's contract): what replaces a
            # blocked iframe, its content and end tag; None leaves it to the rewriter.
            if vendor.name not in embeds or elem.lower() != "iframe":
                return None
            attrs: dict[str, str] = {}
            for name, value in pairs:  # raw values: character references undecoded
                attrs.setdefault(name.lower(), html.unescape(value))
            try:
                markup = _placeholder_html(
                    vendor,
                    attrs,
                    texts,
                    next(counter),
                    context,
                    policy,
                    registry,
                    target,
                    nocookie,
                    origin,
                )
                return markup.encode("utf-8") if markup else None
            except Exception:  # a placeholder never breaks a page
                return None

        return placeholder


def _dimension(value: str | None, default: int) -> int | None:
    if value is None:
        return default
    digits = value.strip().removesuffix("px")
    if digits.isdigit() and 0 < int(digits) <= 10000:
        return int(digits)
    return None


def _placeholder_html(
    vendor: Vendor,
    attrs: dict[str, str],
    texts: Mapping[str, str],
    number: int,
    context: PrivacyContext,
    policy: ConsentPolicy,
    registry: TrackerRegistry,
    target: str,
    nocookie: bool,
    origin: str = "",
) -> str | None:
    """The two-click placeholder put before a neutralised iframe of ``vendor``."""
    if "hidden" in attrs:
        return None
    width = _dimension(attrs.get("width"), 300)
    height = _dimension(attrs.get("height"), 150)
    if width == 0 or height == 0:
        return None
    src = attrs.get("src", "")
    parts = urlsplit(src.strip())
    host = parts.hostname or ""
    alt = ""
    youtube = vendor.name == "youtube" and host.endswith("youtube.com")
    if nocookie and youtube and parts.path.startswith("/embed/"):
        host = "www.youtube-nocookie.com"
        alt = f"https://{host}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    category = vendor.category
    cat_label = _label(texts, category)
    pid = f"privmw-e{number}"
    vendor_label = vendor.label

    def t(key: str, **params: str) -> str:
        return _ESC(format_text(texts[key], params), quote=True)

    if width is not None and height is not None:
        sizer = (
            f'<svg class="privmw-embed-size" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" aria-hidden="true" focusable="false"></svg>'
        )
    else:
        sizer = '<svg class="privmw-embed-size" width="560" height="315" viewBox="0 0 560 315" '
        sizer += 'aria-hidden="true" focusable="false"></svg>'
    if category in context.denied:
        # The signal refuses the category: no "always", but one explicit load is the visitor's.
        actions = f'<div class="privmw-embed-actions">{_load_button(t)}</div>'
        actions += f'<p class="privmw-hint">{t("embed.refused", category=cat_label)}</p>'
    else:
        consent = context.consent or frozenset()
        keep = "".join(
            f'<input type="hidden" name="{c}" value="on">'
            for c in policy.categories
            if c in consent or c == category
        )
        others = sorted(
            {v.label for v in embedded(registry) if v.category == category} - {vendor_label}
        )
        also = (
            f'<p class="privmw-hint">{t("embed.also", vendors=", ".join(others))}</p>'
            if others
            else ""
        )
        actions = (
            f'<div class="privmw-embed-actions">{_load_button(t)}'
            f'<form method="post" action="{_ESC(origin + policy.path_prefix, quote=True)}" '
            "data-privmw-consent>"
            f'<input type="hidden" name="next" value="{_ESC(target, quote=True)}">'
            '<input type="hidden" name="source" value="placeholder">'
            f'<input type="hidden" name="action" value="save">{keep}'
            f'<button type="submit" class="privmw-btn">{t("embed.always", category=cat_label)}'
            f"</button></form></div>{also}"
        )
    alt_attr = f' data-privmw-alt-src="{_ESC(alt, quote=True)}"' if alt else ""
    shown_host = host or vendor_label
    return (
        f'<div class="privmw-embed" role="region" aria-labelledby="{pid}-t" '
        f'data-privmw-embed-vendor="{_ESC(vendor.name, quote=True)}" '
        f'data-privmw-embed-category="{_ESC(category, quote=True)}"{alt_attr}>{sizer}'
        '<div class="privmw-embed-body">'
        f'<p class="privmw-embed-title" id="{pid}-t">'
        f"<strong>{t('embed.title', vendor=vendor_label)}</strong></p>"
        f"<p>{t('embed.sends', vendor=vendor_label, hosts=shown_host)}</p>"
        f"{actions}</div></div>{_inert_iframe(vendor, attrs)}"
    )


def _load_button(t: Callable[..., str]) -> str:
    # Hidden until the banner script runs: loading one embed needs JavaScript.
    return (
        '<button type="button" class="privmw-btn" data-privmw-load hidden>'
        f"{t('embed.load_once')}</button>"
    )


#: Attributes of a blocked iframe kept on its inert copy: how it looks and what it
#: may do once loaded. Everything else is dropped (``srcdoc`` would render without
#: a ``src``, ``on*`` handlers would run, ``data-privmw-*`` is privmw's own).
_KEPT = frozenset(
    {
        "allow",
        "allowfullscreen",
        "aria-label",
        "class",
        "frameborder",
        "height",
        "id",
        "loading",
        "name",
        "referrerpolicy",
        "sandbox",
        "scrolling",
        "style",
        "title",
        "width",
    }
)


def _inert_iframe(vendor: Vendor, attrs: dict[str, str]) -> str:
    """The blocked iframe, inert: its URL in ``data-privmw-src`` for privmw.js to revive."""
    parts = ["<iframe"]
    for name, value in attrs.items():
        if name in _KEPT:
            parts.append(f' {name}="{_ESC(value, quote=True)}"')
    parts.append(f' data-privmw-src="{_ESC(attrs.get("src", ""), quote=True)}" src="about:blank"')
    parts.append(
        f' data-privmw-category="{_ESC(vendor.category, quote=True)}"'
        f' data-privmw-vendor="{_ESC(vendor.name, quote=True)}"></iframe>'
    )
    return "".join(parts)
