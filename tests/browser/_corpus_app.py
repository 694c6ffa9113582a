"""The vendor corpus as a site: every official snippet on one page, behind privmw.

``uvicorn tests.browser._corpus_app:app``. Paths:

* ``/``: every gated and every necessary snippet, default ``TagGate()``;
* ``/gaps``: the snippets the rewriter cannot gate yet (``KNOWN_GAPS``);
* ``/strict/``: the page of ``/`` plus the site's own look-alike tags, under
  ``TagGate(strict=True)``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from privmw import PrivacyMiddleware, TagGate
from tests.tag_corpus import KNOWN_GAPS, NECESSARY_SNIPPETS, OWN_LOOKALIKES, SNIPPETS, page

ALL = page(sorted(SNIPPETS) + sorted(NECESSARY_SNIPPETS))
GAPS = page(sorted(KNOWN_GAPS))
STRICT = ALL.replace("</body>", OWN_LOOKALIKES + "\n</body>")


async def _all(request: Request) -> Response:
    return HTMLResponse(ALL)


async def _gaps(request: Request) -> Response:
    return HTMLResponse(GAPS)


async def _strict(request: Request) -> Response:
    return HTMLResponse(STRICT)


_routes = [Route("/", _all), Route("/gaps", _gaps), Route("/strict/", _strict)]
default = PrivacyMiddleware(Starlette(routes=_routes))
strict = PrivacyMiddleware(Starlette(routes=_routes), tags=TagGate(strict=True))


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    chosen = strict if scope.get("path", "").startswith("/strict/") else default
    await chosen(scope, receive, send)
