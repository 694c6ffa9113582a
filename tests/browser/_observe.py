"""Load many pages in Chromium and say which non-local URLs each one requested.

Shared by the construct table and the strict-CSP tests. One browser context
per consent state (its own cookie jar: consent is given through privmw's
endpoint), a few pages in it reused row after row and loaded side by side.
Every request to a host other than 127.0.0.1 is aborted and recorded under
the row the page shows; every load is watched for the same time after its
``load`` event, so a row's raw load also shows that time is enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from privmw.trackers import TrackerRegistry
from tests.browser.conftest import LOCAL_HOSTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

REGISTRY = TrackerRegistry()
#: How long a load is watched after its ``load`` event (late timers, meta refresh).
SETTLE_MS = 300
#: Pages loading rows at the same time, per context.
POOL = 12
#: Run after ``load``: lazy iframes and images (``loading="lazy"``: the Spotify
#: and Maps embeds) load only near the viewport, so what loads would depend on
#: the page's layout. A visitor who scrolls loads them all, so every lazy
#: element is made eager (Chromium then fetches it at once, wherever it sits),
#: then the page is scrolled to the end. Scrolling alone jumps past the middle
#: of a long page: CI twice saw no Spotify request on the corpus page.
EAGER = """() => {
  for (const el of document.querySelectorAll("[loading]")) {
    if (el.getAttribute("loading").toLowerCase() === "lazy") {
      el.setAttribute("loading", "eager");
    }
  }
  window.scrollTo(0, document.documentElement.scrollHeight);
}"""


class _Tab:
    """One reused page: every request it attempts is recorded under the row it shows.

    With ``serve_as`` (an ``https://`` origin) requests to that origin are
    answered by the local server (``origin``), headers and all, so the page is
    an https page whose scheme-relative URLs are https, as on a real site.
    """

    def __init__(
        self, page: Page, out: dict[str, list[str]], origin: str, serve_as: str | None
    ) -> None:
        self.page = page
        self.out = out
        self.row = ""
        self.origin = origin
        self.serve_as = serve_as
        page.route("**/*", self._handle)

    def _handle(self, route: Route) -> None:
        url = route.request.url
        if self.serve_as is not None and url.startswith(self.serve_as + "/"):
            local = self.origin + url[len(self.serve_as) :]
            route.fulfill(response=route.fetch(url=local, max_redirects=0))
        elif urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.out.setdefault(self.row, []).append(url)
            route.abort("blockedbyclient")


def consent(context: BrowserContext, origin: str, categories: tuple[str, ...] | None) -> None:
    """Consent through privmw's endpoint (``None``: accept all)."""
    form: dict[str, str | float | bool] = {"action": "accept-all" if categories is None else "save"}
    for category in categories or ():
        form[category] = "on"
    answer = context.request.post(
        origin + "/privacy/consent", form=form, headers={"origin": origin}, max_redirects=0
    )
    assert answer.status in (200, 303), answer.status


def observe(
    browser: Browser,
    origin: str,
    loads: Iterable[tuple[str, tuple[str, ...] | None]],
    *,
    serve_as: str | None = None,
) -> dict[str, list[str]]:
    """Load ``origin + path`` for each ``(path, consent)``; path → the URLs it requested.

    ``consent`` is ``()`` for none, ``None`` for everything, else the
    categories consented to (one context per distinct consent). With
    ``serve_as`` the pages are loaded as ``serve_as + path`` (see
    :class:`_Tab`). Before a page moves on it navigates to ``about:blank``:
    requests the old document still had in flight are handled during that
    call, under the old path.
    """
    out: dict[str, list[str]] = {}
    groups: dict[tuple[str, ...] | None, list[str]] = {}
    for path, given in loads:
        groups.setdefault(given, []).append(path)
    for given, paths in groups.items():
        context = browser.new_context(viewport={"width": 1000, "height": 800})
        try:
            context.set_default_timeout(15_000)
            if given != ():
                consent(context, origin, given)
                if serve_as is not None:
                    cookies = context.cookies(origin)
                    context.add_cookies(
                        [{"name": c["name"], "value": c["value"], "url": serve_as} for c in cookies]
                    )
            pages = min(POOL, len(paths))
            tabs = [_Tab(context.new_page(), out, origin, serve_as) for _ in range(pages)]
            base = serve_as or origin
            for at in range(0, len(paths), len(tabs)):
                busy = list(zip(tabs, paths[at : at + len(tabs)], strict=False))
                for tab, path in busy:
                    tab.row = path
                    out.setdefault(path, [])
                    tab.page.goto(base + path, wait_until="commit")
                for tab, _ in busy:
                    tab.page.wait_for_load_state("load")
                    tab.page.evaluate(EAGER)
                tabs[0].page.wait_for_timeout(SETTLE_MS)
                for tab, _ in busy:
                    tab.page.goto("about:blank")
        finally:
            context.close()
    return out


def vendors(urls: Iterable[str]) -> dict[str, list[str]]:
    """Vendor name → the URLs of it among ``urls`` (privmw's registry decides)."""
    out: dict[str, list[str]] = {}
    for url in urls:
        vendor = REGISTRY.match_url(url)
        if vendor is not None:
            out.setdefault(vendor.name, []).append(url)
    return out


def needing_consent(urls: Iterable[str], given: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The vendors among ``urls`` that need a consent other than ``given``."""
    return {
        name: found
        for name, found in vendors(urls).items()
        if REGISTRY.vendor(name).category not in ("necessary", *given)
    }
