"""privmw's own banner, placeholders, translated pages and receipts, through the middleware."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from privmw import (
    Banner,
    ConfigurationError,
    ConsentPolicy,
    ConsentReceipt,
    JsonLinesReceipts,
    PrivacyMiddleware,
    RateLimit,
    TagGate,
    Vendor,
)
from privmw.consent.cookie import decode_consent, encode, encode_consent, parse, policy_keys
from privmw.consent.receipts import receipt_id
from tests._consent_app import NOW, SECRET, cookie_value

YOUTUBE = (
    '<iframe width="560" height="315" src="https://www.youtube.com/embed/abc?si=1" '
    'title="Video" allowfullscreen></iframe>'
)
MAPS = '<iframe src="https://www.google.com/maps/embed?pb=1" width="400" height="300"></iframe>'
GTM_NOSCRIPT = (
    '<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X" '
    'height="0" width="0"></iframe></noscript>'
)
PAGE = (
    "<!doctype html><html><head><title>t</title></head>"
    f"<body><p>hi</p>{YOUTUBE}{MAPS}</body></html>"
)
MAPS_VENDOR = Vendor(
    name="google-maps", label="Google Maps", category="preferences", urls=("google.com/maps",)
)
BANNER_RE = re.compile(r'<section id="privmw-banner"')
UA = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def make(
    receipts: list[ConsentReceipt] | None = None,
    *,
    banner: Banner | bool = True,
    **options: Any,
) -> PrivacyMiddleware:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def stream(request: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for i in range(0, len(PAGE), 7):
                yield PAGE[i : i + 7].encode()

        return StreamingResponse(body(), media_type="text/html")

    async def fragment(request: Request) -> Response:
        return HTMLResponse("<body><li>row</li>", headers={"privmw-banner": "off"})

    async def german(request: Request) -> Response:
        return HTMLResponse(PAGE, headers={"content-language": "fr"})

    async def api(request: Request) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/stream", stream),
            Route("/fragment", fragment),
            Route("/fr", german),
            Route("/admin/x", page),
            Route("/api", api),
            Route("/login", page, methods=["GET", "POST"]),
        ]
    )
    policy = ConsentPolicy(
        secret=SECRET,
        clock=lambda: NOW,
        receipts=receipts.append if receipts is not None else None,
    )
    options.setdefault("vendors", ["google-analytics", "meta-pixel", "youtube", MAPS_VENDOR])
    return PrivacyMiddleware(app, consent=policy, banner=banner, **options)


async def get(
    app: PrivacyMiddleware, url: str, method: str = "GET", **kwargs: Any
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, url, **kwargs)


def consented(*categories: str) -> dict[str, str]:
    value = encode_consent(ConsentPolicy(secret=SECRET), categories, now=NOW)
    return {"cookie": f"privmw_consent={value}"}


# -- injection ------------------------------------------------------------------------

#: privmw's own URLs in a page are absolute (from Host): a <base href> cannot move them.
SITE = "http://testserver"


async def test_undecided_visitor_gets_the_banner_right_after_body_in_their_language() -> None:
    response = await get(make(), "/", headers={"accept-language": "de-CH, fr;q=0.5"})
    page = response.text
    assert len(BANNER_RE.findall(page)) == 1
    assert page.index("<body>") + len("<body>") == page.index('<link rel="stylesheet"')
    assert 'lang="de"' in page
    assert "Alle akzeptieren" in page
    assert "Alle ablehnen" in page
    assert f'<script src="{SITE}/privacy/consent/banner.js" defer' in page
    assert int(response.headers["content-length"]) == len(response.content)
    vary = response.headers["vary"]
    assert "Accept-Language" in vary
    assert "Cookie" in vary
    # No inline style or script: a strict CSP ("'self'") lets it all run.
    banner = page[page.index("<body>") : page.index("<p>hi</p>")]
    assert "style=" not in banner
    assert re.search(r"<script(?![^>]*\ssrc=)", banner) is None
    assert "<style" not in banner


async def test_equal_choice_on_the_first_layer_and_nothing_pre_ticked() -> None:
    page = (await get(make(), "/")).text
    accept = re.search(
        r'<button type="submit" name="action" value="accept-all" class="([^"]+)"', page
    )
    reject = re.search(
        r'<button type="submit" name="action" value="reject-all" class="([^"]+)"', page
    )
    assert accept is not None
    assert reject is not None
    assert accept.group(1) == reject.group(1) == "privmw-btn"
    # Both in the first layer, side by side, before the category settings.
    choices = page[page.index('class="privmw-choices"') : page.index("<details")]
    assert "accept-all" in choices
    assert "reject-all" in choices
    boxes = re.findall(r'<input type="checkbox"[^>]*>', page)
    assert len(boxes) == 4
    assert [b for b in boxes if " checked" in b] == [
        '<input type="checkbox" id="privmw-c-necessary" checked disabled '
        'aria-describedby="privmw-d-necessary">'
    ]
    # The vendors under each category come from the middleware's one registry.
    assert "Google Analytics" in page
    assert "Google Maps" in page
    assert "Meta Pixel" in page


async def test_decided_visitor_gets_only_the_script_to_reopen_it() -> None:
    page = (await get(make(), "/", headers=consented("analytics"))).text
    assert not BANNER_RE.search(page)
    assert page.count(f'<script src="{SITE}/privacy/consent/banner.js"') == 1
    assert 'data-privmw-allowed="analytics"' in page
    fragment = await get(make(), "/privacy/consent/banner?next=/x", headers=consented("analytics"))
    assert fragment.status_code == 200
    assert 'name="analytics" value="on" checked' in fragment.text
    assert 'value="withdraw"' in fragment.text
    assert '<details class="privmw-details" open>' in fragment.text
    assert 'name="next" value="/x"' in fragment.text


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/", {"hx-request": "true"}),
        ("/", {"sec-fetch-dest": "empty"}),
        ("/", {"sec-fetch-dest": "iframe"}),
        ("/fragment", {}),
        ("/admin/x", {}),
    ],
)
async def test_fragments_and_opted_out_pages_get_no_banner(
    url: str, headers: dict[str, str]
) -> None:
    app = make(banner=Banner(skip_paths=("/admin/",)))
    page = (await get(app, url, headers=headers)).text
    assert "privmw-banner" not in page.replace('"privmw-banner": "off"', "")
    assert "banner.js" not in page


async def test_a_document_navigation_gets_it() -> None:
    page = (await get(make(), "/", headers={"sec-fetch-dest": "document"})).text
    assert BANNER_RE.search(page)


async def test_streamed_page_gets_the_same_banner_once() -> None:
    whole = (await get(make(), "/")).text
    streamed = await get(make(), "/stream")
    # The same bytes but for the page it posts back to.
    assert streamed.text == whole.replace('name="next" value="/"', 'name="next" value="/stream"')
    assert streamed.text.count('<section id="privmw-banner"') == 1
    assert "content-length" not in streamed.headers


async def test_page_language_wins_over_accept_language() -> None:
    page = (await get(make(), "/fr", headers={"accept-language": "de"})).text
    assert "Tout accepter" in page


async def test_texts_template_and_styles_are_replaceable() -> None:
    app = make(
        banner=Banner(
            languages=("en", "de"),
            texts={"en": {"banner.title": "Cookies, honestly"}},
            stylesheet="/static/mine.css",
        )
    )
    page = (await get(app, "/", headers={"accept-language": "fr"})).text  # fr not on offer
    assert "Cookies, honestly" in page
    assert (
        f'<link rel="stylesheet" href="{SITE}/privacy/consent/banner.css">'
        f'<link rel="stylesheet" href="{SITE}/static/mine.css">' in page
    )

    def template(view: Any) -> str:
        accept = view.t("banner.accept_all")
        form = f'<form action="{view.endpoint}">{accept}</form>'
        return f'<aside id="mine" lang="{view.lang}">{form}</aside>'

    page = (
        await get(make(banner=Banner(template=template)), "/", headers={"accept-language": "it"})
    ).text
    assert (
        f'<aside id="mine" lang="it"><form action="{SITE}/privacy/consent">Accetta tutto</form>'
        "</aside>" in page
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"texts": {"en": {"banner.titel": "x"}}}, "did you mean 'banner.title'"),
        ({"texts": {"sv": {"banner.title": "x"}}}, "not in languages"),
        ({"texts": {"en": {"banner.title": "{who}"}}}, "unknown parameters ['who']"),
        ({"languages": ["EN"]}, "BCP 47"),
        ({"languages": []}, "non-empty"),
        ({"stylesheet": "https://cdn.example/x.css"}, "same-origin path"),
        ({"embeds": "youtube"}, "list of vendor names"),
        ({"skip_paths": ["admin"]}, "start with '/'"),
        ({"template": "x"}, "function"),
    ],
)
def test_banner_configuration_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)) as info:
        Banner(**options)
    assert str(info.value).startswith("Banner: ")


def test_banner_needs_consent_and_tags() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None: ...

    with pytest.raises(ConfigurationError, match="PrivacyMiddleware: banner"):
        PrivacyMiddleware(app, banner=True, tags=False)
    with pytest.raises(ConfigurationError, match="PrivacyMiddleware: banner"):
        PrivacyMiddleware(app, banner=True, consent=False)
    with pytest.raises(ConfigurationError, match="PrivacyMiddleware: banner"):
        PrivacyMiddleware(app, banner="yes")  # type: ignore[arg-type]


# -- embed placeholders -----------------------------------------------------------------


async def test_blocked_video_and_map_become_two_click_placeholders() -> None:
    app = make(banner=Banner(embeds=("youtube", "google-maps"), youtube_nocookie=True))
    page = (await get(app, "/")).text
    assert page.count('class="privmw-embed"') == 2
    assert 'viewBox="0 0 560 315"' in page
    assert 'viewBox="0 0 400 300"' in page
    assert "Content from YouTube embedded videos" in page
    assert "www.youtube-nocookie.com" in page  # what it will load, once allowed
    assert 'data-privmw-alt-src="https://www.youtube-nocookie.com/embed/abc?si=1"' in page
    assert "Always allow Marketing" in page
    assert "Always allow Preferences" in page
    assert page.count("Load this once") == 2
    # No live vendor URL: only the neutralised copies and the placeholder's text.
    assert not re.search(r'(?<![-\w])src="https?://(?!testserver/)', page)
    # The placeholder comes right before the iframe it stands for.
    assert re.search(
        r'</div></div><iframe width="560"[^>]*data-privmw-src="https://www.youtube.com/embed/abc',
        page,
    )


async def test_placeholder_keeps_existing_consent_and_respects_signals() -> None:
    page = (await get(make(), "/", headers=consented("analytics"))).text
    form = re.search(
        r'<form method="post" action="http://testserver/privacy/consent" data-privmw-consent>'
        r".*?</form>",
        page,
    )
    assert form is not None
    assert 'name="analytics" value="on"' in form.group(0)  # kept, not overwritten
    assert 'name="marketing" value="on"' in form.group(0)
    gpc = (await get(make(), "/", headers={"sec-gpc": "1"})).text
    assert "Always allow Marketing" not in gpc
    assert "privacy signal refuses Marketing" in gpc
    assert "Load this once" in gpc
    allowed = (await get(make(), "/", headers=consented("marketing", "preferences"))).text
    assert "privmw-embed" not in allowed
    assert 'src="https://www.youtube.com/embed/abc' in allowed


async def test_only_embed_vendors_get_placeholders() -> None:
    async def page(request: Request) -> Response:
        return HTMLResponse(
            f"<body>{GTM_NOSCRIPT}<iframe hidden src='https://www.youtube.com/embed/z'></iframe>"
        )

    app = PrivacyMiddleware(Starlette(routes=[Route("/", page)]), banner=True)
    out = (await get(app, "/")).text
    assert "privmw-embed" not in out
    assert out.count("data-privmw-src") == 2


# -- the JSON answer to the banner's fetch, receipts ---------------------------------------


FORM = {"content-type": "application/x-www-form-urlencoded", "origin": "http://testserver"}


async def test_receipt_per_change_without_personal_data(tmp_path: Path) -> None:
    receipts: list[ConsentReceipt] = []
    app = make(receipts)
    headers = {**FORM, "user-agent": UA, "sec-gpc": "1", "accept": "application/json"}
    first = await get(
        app,
        "/privacy/consent",
        "POST",
        content="action=accept-all&source=banner&next=/",
        headers=headers,
    )
    assert first.status_code == 200  # JSON for the banner's fetch, not a redirect
    assert first.json()["allowed"] == {"preferences": True, "analytics": True, "marketing": False}
    value = cookie_value(first, "privmw_consent")
    assert value is not None
    assert len(receipts) == 1
    r = receipts[0]
    assert receipt_id(value) == r.id
    assert len(r.id) == 22
    assert (r.action, r.source, r.gpc, r.dnt, r.replaces) == (
        "accept-all",
        "banner",
        True,
        False,
        None,
    )
    assert r.granted == ("preferences", "analytics", "marketing")
    assert r.signal_denied == ("marketing",)
    assert r.time == int(NOW)
    assert r.revision == "1"

    # A second change replaces the first; the withdrawal too.
    second = await get(
        app,
        "/privacy/consent",
        "POST",
        content="action=save&analytics=on",
        headers={**FORM, "cookie": f"privmw_consent={value}"},
    )
    assert second.status_code == 303
    later = cookie_value(second, "privmw_consent")
    assert later is not None
    withdrawn = await get(
        app,
        "/privacy/consent",
        "DELETE",
        headers={"origin": "http://testserver", "cookie": f"privmw_consent={later}"},
    )
    assert withdrawn.status_code == 200
    api = await get(
        app,
        "/privacy/consent",
        "POST",
        json={"analytics": True},
        headers={"origin": "http://testserver"},
    )
    assert api.status_code == 200
    assert [x.action for x in receipts] == ["accept-all", "save", "withdraw", "save"]
    assert [x.source for x in receipts] == ["banner", "form", "api", "api"]
    assert receipts[1].replaces == r.id
    assert receipts[2].replaces == receipts[1].id
    assert receipts[2].granted == ()
    assert receipts[3].replaces is None
    assert len({x.id for x in receipts}) == 4
    for x in receipts:
        text = x.to_json()
        for secret in ("203.0.113", "TestBrowser", value, later, SECRET):
            assert secret not in text
        assert set(json.loads(text)) == {
            "id",
            "revision",
            "action",
            "granted",
            "refused",
            "time",
            "gpc",
            "dnt",
            "signal_denied",
            "source",
            "replaces",
        }

    sink = JsonLinesReceipts(tmp_path / "receipts.jsonl")
    for x in receipts:
        sink(x)
    lines = (tmp_path / "receipts.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [x.id for x in receipts]
    assert (tmp_path / "receipts.jsonl").stat().st_mode & 0o777 == 0o600


async def test_a_failing_receipt_hook_is_no_500() -> None:
    def broken(receipt: ConsentReceipt) -> None:
        raise OSError("disk full")

    app = make()
    app.consent_policy  # noqa: B018
    policy = ConsentPolicy(secret=SECRET, receipts=broken)
    app = PrivacyMiddleware(Starlette(), consent=policy, banner=True)
    response = await get(app, "/privacy/consent", "POST", json={"analytics": True})
    assert response.status_code == 200


def test_receipt_id_in_the_cookie_is_compatible_both_ways() -> None:
    policy = ConsentPolicy(secret=SECRET)
    key = policy_keys(SECRET)
    old = encode_consent(policy, ["analytics"], now=NOW)  # the format before receipts
    assert receipt_id(old) is None
    assert decode_consent(policy, old, now=NOW) is not None
    new = encode(["analytics"], policy.categories, "1", key, int(NOW), "A" * 22)
    assert new.split(".")[3] == "analytics~@" + "A" * 22
    assert receipt_id(new) == "A" * 22
    got = decode_consent(policy, new, now=NOW)
    assert got is not None
    assert got.categories == {"analytics"}
    # Reject-all with a receipt still reads as "decided, nothing given".
    empty = encode([], policy.categories, "1", key, int(NOW), "B" * 22)
    assert parse(empty, "1", frozenset(policy.categories), key) == (frozenset(), int(NOW), 0)
    # The signature covers the id: changing it voids the cookie.
    assert decode_consent(policy, new.replace("A" * 22, "C" * 22), now=NOW) is None
    assert receipt_id("1.1.1.analytics~@short") is None


# -- translated pages -------------------------------------------------------------------------


async def test_form_page_is_translated_with_lang_and_viewport() -> None:
    response = await get(make(), "/privacy/consent/form?next=/x", headers={"accept-language": "nl"})
    page = response.text
    assert page.startswith('<!doctype html><html lang="nl">')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<title>Privacykeuzes</title>" in page
    assert "Alles weigeren" in page
    assert '<link rel="stylesheet" href="/privacy/consent/banner.css">' in page
    assert 'name="source" value="form"' in page
    assert "Accept-Language" in response.headers["vary"]
    # Without the banner option the form page is translated all the same.
    plain = await get(
        make(banner=False), "/privacy/consent/form", headers={"accept-language": "pl"}
    )
    assert '<html lang="pl">' in plain.text
    assert "Odrzuć wszystkie" in plain.text


async def test_assets_are_served_from_privmws_route() -> None:
    app = make()
    css = await get(app, "/privacy/consent/banner.css")
    js = await get(app, "/privacy/consent/banner.js")
    head = await get(app, "/privacy/consent/banner.js", "HEAD")
    post = await get(app, "/privacy/consent/banner.css", "POST")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert ".privmw-banner" in css.text
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "privmw:consent" in js.text
    assert head.status_code == 200
    assert head.content == b""
    assert post.status_code == 405
    # Nothing third-party in them.
    assert not re.search(r"https?://", css.text + js.text.replace("http://", ""))


async def test_browsers_get_a_translated_429_page_api_clients_problem_json() -> None:
    app = make(rate_limit=RateLimit("1/minute"))
    browser = {"accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "accept-language": "es"}
    assert (await get(app, "/", headers=browser)).status_code == 200
    page = await get(app, "/", headers=browser)
    assert page.status_code == 429
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["retry-after"].isdigit()
    assert "ratelimit-policy" in page.headers
    assert '<html lang="es">' in page.text
    assert "Demasiadas solicitudes" in page.text
    assert f"dentro de {page.headers['retry-after']} s" in page.text
    assert int(page.headers["content-length"]) == len(page.content)
    api = await get(app, "/", headers={"accept": "application/json"})
    assert api.status_code == 429
    assert api.headers["content-type"] == "application/problem+json"


def test_disclosure_fixed_texts_in_each_language() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None: ...

    disclosure = PrivacyMiddleware(app).disclosure()
    assert "<strong>Purpose:</strong>" in disclosure.to_html()
    assert "<strong>Zweck:</strong>" in disclosure.to_html(language="de")
    assert ": yes" in disclosure.to_markdown()
    markdown = disclosure.to_markdown(language="fr")
    assert "**Finalité:**" in markdown
    assert ": oui" in markdown
    assert ": yes" not in markdown
    assert "<summary>Szczegóły</summary>" in disclosure.to_html(language="pl")


async def test_banner_with_tag_gate_csp_nonce_reuses_it() -> None:
    from privmw import ContentSecurityPolicy

    app = make(tags=TagGate(csp=ContentSecurityPolicy("default-src 'self'", nonce=True)))
    response = await get(app, "/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert nonce is not None
    assert (
        f'<script src="{SITE}/privacy/consent/banner.js" defer nonce="{nonce.group(1)}"'
        in response.text
    )
