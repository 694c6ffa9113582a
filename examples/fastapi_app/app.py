"""The privmw example site: ``make demo``, then open http://127.0.0.1:8000/.

A small but realistic site: the home and article pages carry the official
snippets of Google tag (GA4), Google Tag Manager, Meta Pixel, Hotjar and a
YouTube embed and a Google Maps embed, exactly as their vendors publish them;
privmw neutralises them until the visitor consents. The consent banner is
privmw's own (``Banner``): rendered by the server into each page for a visitor
who has not chosen, in their language, posting to privmw's consent endpoints;
it works without JavaScript and activates tags in place with it. Blocked
embeds become two-click placeholders. Each choice leaves a receipt (proof of
consent, no personal data) in ``logs/consent-receipts.jsonl``.

Embedded default configuration, in-memory everything (no Redis). The only
files written are the anonymous access log's, in ``logs/`` next to this file,
deleted after 7 days. privmw reads its secret from ``PRIVMW_SECRET`` (signing
the consent cookie, keying the pseudonyms): ``make demo`` generates one once,
in ``.venv/demo-secret``; without it the app refuses to start and says how to
make one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from privmw import (
    AccessLog,
    Banner,
    ConsentPolicy,
    IPScrubFilter,
    JsonLinesReceipts,
    PrivacyContext,
    PrivacyMiddleware,
    RateLimit,
    Route,
)

HERE = Path(__file__).resolve().parent
LOG_DIR = HERE / "logs"  # gitignored
LOG_DIR.mkdir(exist_ok=True)

templates = Jinja2Templates(directory=HERE / "templates")

#: The consent policy: the default categories. The cookie is signed with a key
#: privmw derives from its one secret, PRIVMW_SECRET (`make demo` makes one).
CONSENT = ConsentPolicy(
    revision="2026-01",
    gpc_last_update="2026-11-22",  # when our GPC handling last changed
    cookies={"demo_session": "necessary"},
    # Proof of consent: one JSON line per choice (no address, no user agent).
    receipts=JsonLinesReceipts(
        os.environ.get("PRIVMW_RECEIPTS") or LOG_DIR / "consent-receipts.jsonl"
    ),
)

#: privmw's consent banner, with two-click placeholders for videos and maps.
BANNER = Banner(embeds=("youtube", "vimeo", "google-maps"), youtube_nocookie=True)

#: A generous site-wide limit, and a strict one for login attempts.
RATE_LIMIT = RateLimit(
    "600/minute",
    routes=(Route("/login", "5/minute", methods=("POST",)),),
    exempt=("/static/", "/privacy/privmw.js", "/privacy/consent/banner."),
)

#: One anonymous JSON line per request, daily files kept 7 days.
ACCESS_LOG = AccessLog(directory=LOG_DIR, retention_days=7)

SETTINGS: dict[str, Any] = {
    "trusted_proxies": ["127.0.0.1", "::1"],  # a local reverse proxy, if you put one in front
    "ipv4_prefix": 24,
    "ipv6_prefix": 48,
    "pseudonyms": True,
    "consent": CONSENT,
    "rate_limit": RATE_LIMIT,
    "access_log": ACCESS_LOG,
    "disclosure_path": "/.well-known/privacy-manifest.json",
    # The services the pages embed: the privacy page lists these (and any other
    # privmw sees in the pages). privmw gates all the vendors it knows anyway.
    "vendors": [
        "google-analytics",
        "google-tag-manager",
        "meta-pixel",
        "hotjar",
        "youtube",
        "google-maps",
    ],
    # A map here remembers nothing about visitors for us: the site files it
    # under preferences, not marketing (privmw's default for Google Maps).
    "vendor_categories": {"google-maps": "preferences"},
    "banner": BANNER,
}


# privmw handles the lifespan itself: it starts the access log (and its
# retention sweep) on start-up and writes the last records on shutdown.
app = FastAPI(title="privmw example")
app.add_middleware(PrivacyMiddleware, **SETTINGS)
app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


async def _unused(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
    raise RuntimeError("only used to describe the configuration")


#: The privacy policy's "what we collect" section, generated from the very
#: configuration the middleware runs with.
DISCLOSURE_HTML = PrivacyMiddleware(_unused, **SETTINGS).disclosure().to_html(heading_level=3)

# Belt and braces: uvicorn's own log lines go through the same truncation.
for name in ("uvicorn.access", "uvicorn.error"):
    logging.getLogger(name).addFilter(IPScrubFilter())

ARTICLES = {
    "truncated-addresses": {
        "title": "Why we truncate your IP address",
        "lead": "An address cut to its /24 still tells us your region, never your house.",
    },
    "consent-that-means-something": {
        "title": "Consent that means something",
        "lead": "No tracker loads before you say yes, and saying no is one click.",
    },
}


def privacy(request: Request) -> PrivacyContext:
    context: PrivacyContext = request.state.privacy
    return context


Privacy = Annotated[PrivacyContext, Depends(privacy)]


def page(request: Request, template: str, title: str, **extra: Any) -> HTMLResponse:
    """Render ``template``; privmw adds the consent banner itself when it is needed."""
    ctx: PrivacyContext = request.state.privacy
    context = {
        "title": title,
        "privacy": ctx,
        "consent_endpoint": CONSENT.path_prefix,
        **extra,
    }
    return templates.TemplateResponse(request, template, context)


@app.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    return page(request, "index.html", "Home", articles=ARTICLES)


@app.get("/articles/{slug}", response_class=HTMLResponse)
async def article(request: Request, slug: str) -> HTMLResponse:
    found = ARTICLES.get(slug)
    if found is None:
        response = page(request, "notfound.html", "Not found")
        response.status_code = 404
        return response
    return page(request, "article.html", found["title"], article=found)


@app.get("/visitor", response_class=HTMLResponse)
async def visitor(request: Request, ctx: Privacy) -> HTMLResponse:
    def onoff(value: bool) -> str:
        return "on" if value else "off"

    facts: dict[str, Any] = {
        "Your address, as this app sees it": ctx.client,
        "Global Privacy Control (Sec-GPC)": onoff(ctx.gpc),
        "Do Not Track (DNT)": onoff(ctx.dnt),
        "Consent given": "not decided yet"
        if ctx.consent is None
        else (", ".join(sorted(ctx.consent)) or "none (rejected all)"),
        "Categories allowed now": ", ".join(c for c in CONSENT.categories if ctx.allows(c))
        or "none",
        "Refused by your browser's signals": ", ".join(sorted(ctx.denied)) or "none",
        "Google Consent Mode": ", ".join(f"{k}={v}" for k, v in ctx.consent_mode.items()),
        "Visitor pseudonym (rotates daily)": ctx.pseudonym or "off",
        "Forwarding headers the app received": ", ".join(
            f"{k}: {v}" for k, v in request.headers.items() if "forward" in k or "real-ip" in k
        )
        or "none",
    }
    return page(request, "visitor.html", "What we know about you", facts=facts)


@app.get("/api/visitor")
async def visitor_json(ctx: Privacy) -> dict[str, Any]:
    return {
        "client": ctx.client,
        "gpc": ctx.gpc,
        "dnt": ctx.dnt,
        "pseudonym": ctx.pseudonym,
        "consent": None if ctx.consent is None else sorted(ctx.consent),
        "allowed": [c for c in CONSENT.categories if ctx.allows(c)],
        "consent_mode": ctx.consent_mode,
    }


@app.get("/privacy", response_class=HTMLResponse)
async def privacy_policy(request: Request) -> HTMLResponse:
    return page(request, "privacy.html", "Privacy policy", disclosure_html=DISCLOSURE_HTML)


@app.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", "Sign in", error=None)


@app.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    # A demo: no account exists. privmw refuses the 6th attempt a minute with 429
    # before this handler runs; the password is never logged or kept.
    del password
    response = page(
        request,
        "login.html",
        "Sign in",
        error="Unknown user name or wrong password.",
        username=username,
    )
    response.status_code = 401
    return response
