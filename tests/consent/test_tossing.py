"""Consent cookie tossing (issue 14 item 3): no cookie the host did not set can widen consent.

Over HTTPS the consent cookie is ``__Host-privmw_consent`` (only this host can
set it, ``Secure``, ``Path=/``, no ``Domain``); when one is present the
plain-named ones, which a sibling subdomain can plant on the registrable
domain, are not read. Several cookies of the same kind: the intersection of
what they grant, and no consent at all if any of them is invalid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from privmw import ConfigurationError, PrivacyMiddleware
from privmw.consent.cookie import encode_consent
from tests._consent_app import NOW, SECRET, make_app, policy, set_cookies

SIGNED = policy(secret=SECRET)
ALL = encode_consent(SIGNED, ["preferences", "analytics", "marketing"], now=NOW)
NONE = encode_consent(SIGNED, [], now=NOW)
ANALYTICS = encode_consent(SIGNED, ["analytics"], now=NOW)
OLD = encode_consent(SIGNED, ["preferences", "analytics", "marketing"], now=NOW - 400 * 86400)
FORGED = ALL[:-3] + "AAA"
H = "__Host-privmw_consent"
P = "privmw_consent"


async def call(
    app: PrivacyMiddleware,
    method: str,
    url: str,
    *,
    https: bool = True,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    base = "https://www.example.org" if https else "http://www.example.org"
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        return await client.request(method, url, headers=headers, **kwargs)


# (Cookie header, what the app's request.state.privacy.consent holds)
TOSSING = [
    (f"{H}={ALL}", ["analytics", "marketing", "preferences"]),
    (f"{H}={NONE}; {P}={ALL}", []),  # a sibling's accept-all loses to the host's own
    (f"{P}={ALL}; {H}={NONE}", []),  # whatever the order
    (f"{H}={ANALYTICS}; {P}={ALL}; {P}={ALL}", ["analytics"]),
    (f"{H}={FORGED}; {P}={ALL}", None),  # the host's cookie is bad: nothing, not the sibling's
    (f"{H}={OLD}; {P}={ALL}", None),
    (
        f"{P}={ALL}",
        ["analytics", "marketing", "preferences"],
    ),  # migration: the old name still reads
    (f"{P}={ALL}; {P}={ANALYTICS}", ["analytics"]),  # no prefix: the most restrictive wins
    (f"{P}={ANALYTICS}; {P}={ALL}", ["analytics"]),
    (f"{P}={ALL}; {P}={NONE}", []),
    (f"{P}={ALL}; {P}=garbage", None),  # any invalid one: no consent at all
    (f"{P}={ALL}; {P}={OLD}", None),
    (f"__host-privmw_consent={ALL}", None),  # another spelling is no __Host- cookie
    (f"__host-privmw_consent={ALL}; {H}={NONE}", []),
    (f" {H} ={ALL}", ["analytics", "marketing", "preferences"]),
]


@pytest.mark.parametrize(("cookie", "consent"), TOSSING)
async def test_several_consent_cookies(cookie: str, consent: list[str] | None) -> None:
    response = await call(make_app(SIGNED), "GET", "/", headers={"cookie": cookie})
    assert response.json()["consent"] == consent


async def test_https_choice_sets_a_host_prefixed_cookie_and_expires_the_old_name() -> None:
    response = await call(
        make_app(SIGNED),
        "POST",
        "/privacy/consent",
        json={"analytics": True},
        headers={"cookie": f"{P}={ALL}"},
    )
    assert response.status_code == 200
    cookies = set_cookies(response)
    ours = [c for c in cookies if c.startswith(H + "=")]
    assert len(ours) == 1
    attrs = [a.strip() for a in ours[0].split(";")[1:]]
    assert "Secure" in attrs
    assert "Path=/" in attrs
    assert not any(a.lower().startswith("domain") for a in attrs)
    assert f"{P}=; Max-Age=0; Path=/; SameSite=Lax; Secure" in cookies
    assert f"{P}=; Max-Age=0; Path=/; SameSite=Lax; Secure; Domain=example.org" in cookies
    # and the next request reads the new cookie, not the sibling's leftover
    value = ours[0].split(";", 1)[0].split("=", 1)[1]
    again = await call(make_app(SIGNED), "GET", "/", headers={"cookie": f"{P}={ALL}; {H}={value}"})
    assert again.json()["consent"] == ["analytics"]


async def test_https_withdrawal_expires_both_names() -> None:
    response = await call(make_app(SIGNED), "DELETE", "/privacy/consent")
    cookies = set_cookies(response)
    assert f"{H}=; Max-Age=0; Path=/; SameSite=Lax; Secure" in cookies
    assert f"{P}=; Max-Age=0; Path=/; SameSite=Lax; Secure" in cookies


async def test_plain_http_keeps_the_plain_name() -> None:
    response = await call(
        make_app(SIGNED), "POST", "/privacy/consent", json={"analytics": True}, https=False
    )
    cookies = set_cookies(response)
    assert [c.split("=", 1)[0] for c in cookies] == [P]
    assert "Secure" not in cookies[0]


@pytest.mark.parametrize(
    "options",
    [{"host_prefix": False}, {"cookie_domain": "example.org"}, {"cookie_name": "__Secure-c"}],
)
async def test_no_prefix_when_it_cannot_or_should_not_apply(options: dict[str, Any]) -> None:
    p = policy(secret=SECRET, **options)
    response = await call(make_app(p), "POST", "/privacy/consent", json={"analytics": True})
    names = [c.split("=", 1)[0] for c in set_cookies(response)]
    assert names == [p.cookie_name]


async def test_x_forwarded_proto_https_counts_as_https() -> None:
    response = await call(
        make_app(SIGNED),
        "POST",
        "/privacy/consent",
        json={"analytics": True},
        https=False,
        headers={"x-forwarded-proto": "https"},
    )
    assert set_cookies(response)[0].startswith(H + "=")


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"host_prefix": "yes"}, "host_prefix must be True or False"),
        ({"cookie_domain": "github.io"}, "not a public suffix"),
        ({"cookie_domain": "co.uk"}, "not a public suffix"),
    ],
)
def test_policy_validation(options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match="ConsentPolicy") as info:
        policy(**options)
    assert fragment in str(info.value)
