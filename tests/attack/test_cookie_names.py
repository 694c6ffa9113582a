"""Invariant 3's other side: a site's own cookies must keep working (the OCD's false positives).

The cookie gate falls back to the Open Cookie Database for names no vendor
declares, and gates a name the database lists under a consent category when
it is "distinctive". Some such names are what sites themselves use, or are a
visitor's *opt-out* record, which gating turns upside down:

* ``auth_token`` (the database: X's ads cookie on ``.twitter.com``) is the
  login cookie of Devise Token Auth, many JWT set-ups and tutorials: privmw
  refuses to set it without marketing consent *and expires it on every
  response* to a visitor who has it, logging them out;
* ``opt_out``, ``gdpr_status``, ``dtm_gpc_optout`` (the record that a
  visitor opted out or answered a banner) and Shopify's ``_tracking_consent``
  (the storefront's consent record, "necessary" in Shopify's own list) are
  refused until the visitor grants marketing, so a refusal cannot be stored;
* wildcards from third-party ad domains cover any site cookie with the same
  start: Media.net's ``data-*`` (``data-theme``), Smartadserver's
  ``partner-*`` (``partner-id``).
"""

from __future__ import annotations

from typing import Any

import pytest

from privmw import PrivacyMiddleware
from tests.attack._drive import drive, header_values, http_scope

SITE_COOKIES = [
    "auth_token",
    "opt_out",
    "gdpr_status",
    "dtm_gpc_optout",
    "_tracking_consent",
    "data-theme",
    "partner-id",
]


def _setting(name: str) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        cookie = (b"set-cookie", name.encode() + b"=v1; Path=/; HttpOnly; SameSite=Lax")
        await send({"type": "http.response.start", "status": 200, "headers": [cookie]})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


@pytest.mark.parametrize("name", SITE_COOKIES)
def test_site_may_set_its_own_cookie_without_consent(name: str) -> None:
    sent = drive(PrivacyMiddleware(_setting(name)), http_scope())
    assert header_values(sent[0], b"set-cookie"), f"{name} was dropped"


@pytest.mark.parametrize("name", SITE_COOKIES)
def test_site_cookie_is_not_expired_on_every_response(name: str) -> None:
    headers = [(b"host", b"example.com"), (b"cookie", name.encode() + b"=v1")]
    sent = drive(PrivacyMiddleware(_setting("other")), http_scope(headers=headers))
    expiries = [v for v in header_values(sent[0], b"set-cookie") if v.startswith(name.encode())]
    assert expiries == []


def test_control_a_tracker_cookie_is_still_gated() -> None:
    """Control: the gate itself works (``_ga`` is Google Analytics')."""
    sent = drive(PrivacyMiddleware(_setting("_ga")), http_scope())
    assert header_values(sent[0], b"set-cookie") == []
