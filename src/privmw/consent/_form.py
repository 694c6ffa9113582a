"""The consent form: the banner's markup and the no-JavaScript page (``GET {prefix}/form``).

Plain HTML that posts to the consent endpoint, so a visitor can choose with
scripting off. It is rendered from a :class:`~privmw.consent._banner.BannerView`
whose every text and value is already escaped, so the same markup serves the
injected banner, the reopened one and the form page.

First layer: title, one paragraph, the signal notice (GPC/DNT), then "Accept
all" and "Reject all": the same ``<button>`` with the same class, side by side.
Second layer (``<details>``, works without JavaScript): a checkbox per
category, never ticked unless the visitor's current consent holds it, with
the vendors of the category listed under it, then "Save my choices" (and
"Withdraw consent" for a visitor who has decided).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from privmw._pages import shell

if TYPE_CHECKING:
    from privmw.context import PrivacyContext

    from ._banner import BannerView
    from .policy import ConsentPolicy

__all__: list[str] = []


def render_banner(view: BannerView, *, page: bool = False) -> str:
    """The banner ``<section>`` (``page``: as the body of the form page, settings open)."""
    t = view.t
    rows = [
        '<div class="privmw-cat">'
        '<input type="checkbox" id="privmw-c-necessary" checked disabled '
        'aria-describedby="privmw-d-necessary">'
        f'<label for="privmw-c-necessary">{t("banner.necessary")}</label>'
        f'<p id="privmw-d-necessary" class="privmw-hint">{t("banner.necessary_text")}</p>'
        "</div>"
    ]
    for cat in view.categories:
        checked = " checked" if cat.checked else ""
        refused = (
            f' <span class="privmw-refused">{t("banner.refused_by_signal")}</span>'
            if cat.denied
            else ""
        )
        rows.append(
            '<div class="privmw-cat">'
            f'<input type="checkbox" id="privmw-c-{cat.name}" name="{cat.name}" value="on"'
            f'{checked} aria-describedby="privmw-d-{cat.name}">'
            f'<label for="privmw-c-{cat.name}">{cat.label}</label>'
            f'<p id="privmw-d-{cat.name}" class="privmw-hint">{cat.text}'
            f"{' ' if cat.text else ''}{cat.vendors}{refused}</p>"
            "</div>"
        )
    withdraw = (
        '<button type="submit" name="action" value="withdraw" class="privmw-btn privmw-quiet">'
        f"{t('banner.withdraw')}</button>"
        if view.decided
        else ""
    )
    notice = f'<p class="privmw-signal">{view.signal_notice}</p>' if view.signal_notice else ""
    heading = "h1" if page else "h2"
    attrs = (
        f'id="privmw-banner" class="privmw-banner{" privmw-static" if page else ""}" '
        f'lang="{view.lang}" aria-labelledby="privmw-banner-title" '
        f'data-privmw-endpoint="{view.endpoint}" '
        f'data-privmw-decided="{"true" if view.decided else "false"}" '
        f'data-privmw-allowed="{view.allowed}" '
        f'data-privmw-saved="{t("banner.saved")}" '
        f'data-privmw-saved-none="{t("banner.saved_none")}"'
    )
    if view.hidden:
        attrs += " hidden"
    return (
        f"<section {attrs}>"
        f'<{heading} id="privmw-banner-title" tabindex="-1">{t("banner.title")}</{heading}>'
        f'<p class="privmw-intro">{t("banner.intro")}</p>{notice}'
        f'<form method="post" action="{view.endpoint}" class="privmw-form" data-privmw-consent>'
        f'<input type="hidden" name="next" value="{view.next_path}">'
        f'<input type="hidden" name="source" value="{"form" if page else "banner"}">'
        '<div class="privmw-choices">'
        '<button type="submit" name="action" value="accept-all" class="privmw-btn">'
        f"{t('banner.accept_all')}</button>"
        '<button type="submit" name="action" value="reject-all" class="privmw-btn">'
        f"{t('banner.reject_all')}</button>"
        "</div>"
        f'<details class="privmw-details"{" open" if view.settings_open else ""}>'
        f"<summary>{t('banner.customise')}</summary>"
        f"<fieldset><legend>{t('banner.categories')}</legend>{''.join(rows)}</fieldset>"
        '<div class="privmw-actions">'
        '<button type="submit" name="action" value="save" class="privmw-btn privmw-quiet">'
        f"{t('banner.save')}</button>{withdraw}</div>"
        "</details></form></section>"
    )


def render_form_page(view: BannerView, stylesheets: tuple[str, ...]) -> str:
    """The whole form page: the banner, settings open, as a page of its own."""
    body = (
        f'<main class="privmw-page">{render_banner(view, page=True)}'
        f'<p><a href="{view.next_path}">{view.t("form.back")}</a></p></main>'
    )
    return shell(view.lang_raw, view.texts["form.title"], body, stylesheets=stylesheets)


def render_page(
    policy: ConsentPolicy, context: PrivacyContext, prefix: str, *, next_path: str = "/"
) -> str:
    """The form page in English, for an endpoint built without a banner runtime (tests, tools)."""
    from privmw._i18n import Catalogues

    from ._banner import build_view

    view = build_view(
        Catalogues(("en",)), "en", policy, None, context, html.escape(next_path, quote=True)
    )
    view.settings_open = True
    return render_form_page(view, ())
