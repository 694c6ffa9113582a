"""The privmw example site: ``make demo``, then open http://127.0.0.1:8000/.

In-memory everything, no Redis, no files outside ``logs/`` when the access
log is switched on. The same code as the README's quickstart.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from privmw import IPScrubFilter, PrivacyContext, PrivacyMiddleware

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

app = FastAPI(title="privmw example")
app.add_middleware(
    PrivacyMiddleware,
    trusted_proxies=["127.0.0.1", "::1"],  # a local reverse proxy, if you put one in front
    ipv4_prefix=24,
    ipv6_prefix=48,
    pseudonyms=True,
)

# Belt and braces: uvicorn's own log lines go through the same truncation.
for name in ("uvicorn.access", "uvicorn.error"):
    logging.getLogger(name).addFilter(IPScrubFilter())


def privacy(request: Request) -> PrivacyContext:
    context: PrivacyContext = request.state.privacy
    return context


Privacy = Annotated[PrivacyContext, Depends(privacy)]


@app.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html", {"title": "Home"})


@app.get("/visitor", response_class=HTMLResponse)
async def visitor(request: Request, ctx: Privacy) -> HTMLResponse:
    facts: dict[str, Any] = {
        "Your address, as this app sees it": ctx.client,
        "Global Privacy Control": "on" if ctx.gpc else "off",
        "Do Not Track": "on" if ctx.dnt else "off",
        "Visitor pseudonym (rotates daily)": ctx.pseudonym or "off",
        "Forwarding headers the app received": ", ".join(
            f"{k}: {v}" for k, v in request.headers.items() if "forward" in k or "real-ip" in k
        )
        or "none",
    }
    return templates.TemplateResponse(
        request, "visitor.html", {"title": "What we know about you", "facts": facts}
    )


@app.get("/api/visitor")
async def visitor_json(ctx: Privacy) -> dict[str, Any]:
    return {"client": ctx.client, "gpc": ctx.gpc, "dnt": ctx.dnt, "pseudonym": ctx.pseudonym}
