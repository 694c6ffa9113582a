from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import CCCookieReader, CookiebotReader, KlaroReader, TCFReader
from privmw.consent._runtime import ConsentRuntime
from privmw.consent.cookie import encode_consent
from privmw.consent.interop import tcf_purpose_consents
from privmw.trackers import TrackerRegistry
from tests._consent_app import NOW, call, make_app, policy

CATS = ("preferences", "analytics", "marketing")


# -- samples in the managers' own wire formats ---------------------------------------


def cc_cookie(categories: list[str], *, revision: int = 0, expires_ms: float | None = None) -> str:
    """orestbida/cookieconsent v3: encodeURIComponent(JSON.stringify(cookie))."""
    data = {
        "categories": categories,
        "revision": revision,
        "data": None,
        "consentTimestamp": "2026-01-15T10:00:00.000Z",
        "consentId": "4b1a5e0e-6c4e-4f0b-9f7d-0c3b2a1d9e8f",
        "services": {c: [] for c in categories},
        "languageCode": "en",
        "lastConsentTimestamp": "2026-01-15T10:00:00.000Z",
        "expirationTime": (NOW + 86400) * 1000 if expires_ms is None else expires_ms,
    }
    return quote(json.dumps(data, separators=(",", ":")), safe="")


def klaro_cookie(services: dict[str, bool]) -> str:
    """Klaro: encodeURIComponent(JSON.stringify({service: bool}))."""
    return quote(json.dumps(services, separators=(",", ":")), safe="")


def cookiebot_cookie(preferences: bool, statistics: bool, marketing: bool) -> str:
    """Cookiebot's CookieConsent as browsers store it (quotes and commas escaped)."""

    def js(flag: bool) -> str:
        return "true" if flag else "false"

    obj = (
        "{stamp:'hT2B0qWb7rJmLaZ0uYkX1Qe9uY4oBqg2dFf6nHy3bYqKq1sF3w9Cxg=='"
        f",necessary:true,preferences:{js(preferences)},statistics:{js(statistics)}"
        f",marketing:{js(marketing)},method:'explicit',ver:1,utc:1768471200000,region:'de'}}"
    )
    return obj.replace("'", "%27").replace(",", "%2C").replace("=", "%3D")


def tc_string(purposes: set[int], *, version: int = 2, vendors: int = 0) -> str:
    """A TCF v2.2 core segment, bit by bit, plus a disclosed-vendors segment."""
    fields: list[tuple[int, int]] = [
        (version, 6),
        (17684712000, 36),  # Created, deciseconds
        (17684712000, 36),  # LastUpdated
        (300, 12),  # CmpId
        (2, 12),  # CmpVersion
        (1, 6),  # ConsentScreen
        ((ord("E") - 65) << 6 | (ord("N") - 65), 12),  # ConsentLanguage "EN"
        (150, 12),  # VendorListVersion
        (4, 6),  # TcfPolicyVersion (2.2)
        (1, 1),  # IsServiceSpecific
        (0, 1),  # UseNonStandardTexts
        (0, 12),  # SpecialFeatureOptins
        (sum(1 << (24 - p) for p in purposes), 24),  # PurposesConsent
        (0, 24),  # PurposesLITransparency
        (0, 1),  # PurposeOneTreatment
        ((ord("D") - 65) << 6 | (ord("E") - 65), 12),  # PublisherCC "DE"
        (vendors, 16),  # MaxVendorId (consents)
        (0, 1),  # IsRangeEncoding
        *([(1, 1)] * vendors),
        (0, 16),  # MaxVendorId (legitimate interest)
        (0, 1),  # IsRangeEncoding
        (0, 12),  # NumPubRestrictions
    ]
    bits = "".join(format(value, f"0{width}b") for value, width in fields)
    bits += "0" * (-len(bits) % 8)
    raw = int(bits, 2).to_bytes(len(bits) // 8, "big")
    core = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return core + "." + DISCLOSED_VENDORS


# an optional segment after the core one; readers look at the core only
DISCLOSED_VENDORS = "IFoEUQQgAIQwgIwQABAEAAAAOIAACAIAAAAQAIAgEAACEAAAAAgAQBAAAAAAAGBAAgAAAA"


# -- readers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reader", "expected"),
    [
        (cc_cookie(["necessary", "analytics"]), CCCookieReader(), {"analytics"}),
        (cc_cookie(["necessary"]), CCCookieReader(), set()),
        (
            cc_cookie(["necessary", "ads", "analytics"]),
            CCCookieReader(categories={"ads": "marketing"}),
            {"analytics", "marketing"},
        ),
        (cc_cookie(["analytics"], revision=1), CCCookieReader(revision=2), None),
        (cc_cookie(["analytics"], revision=2), CCCookieReader(revision=2), {"analytics"}),
        (cc_cookie(["analytics"], expires_ms=(NOW - 1) * 1000), CCCookieReader(), None),
        ("not json", CCCookieReader(), None),
        (quote('{"categories": "analytics"}'), CCCookieReader(), None),
    ],
)
def test_cc_cookie(value: str, reader: CCCookieReader, expected: set[str] | None) -> None:
    reader = CCCookieReader(
        categories=reader.categories, revision=reader.revision, clock=lambda: NOW
    )
    assert reader.read(value, CATS) == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        ({"google-analytics": True}, {"analytics"}),
        ({"google-analytics": True, "hotjar": False}, set()),  # not every analytics service
        ({"meta-pixel": True, "youtube": True}, {"marketing"}),
        ({"analytics": True, "preferences": False}, {"analytics"}),
        ({"acme-stats": True}, set()),  # unknown service, no mapping
        ({"google-analytics": "yes"}, set()),
        ({}, None),
    ],
)
def test_klaro(services: dict[str, Any], expected: set[str] | None) -> None:
    got = KlaroReader().read(klaro_cookie(services), CATS)
    assert got == (None if expected is None else frozenset(expected))


def test_klaro_service_mapping() -> None:
    reader = KlaroReader(services={"acme-stats": "analytics"})
    assert reader.read(klaro_cookie({"acme-stats": True}), CATS) == frozenset({"analytics"})


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((False, False, False), set()),
        ((True, True, False), {"preferences", "analytics"}),
        ((False, False, True), {"marketing"}),
        ((True, True, True), {"preferences", "analytics", "marketing"}),
    ],
)
def test_cookiebot(flags: tuple[bool, bool, bool], expected: set[str]) -> None:
    assert CookiebotReader().read(cookiebot_cookie(*flags), CATS) == frozenset(expected)


@pytest.mark.parametrize("value", ["-1", "", "{}", "garbage", "%7Bnecessary:true%7D"])
def test_cookiebot_no_decision(value: str) -> None:
    assert CookiebotReader().read(value, CATS) is None


@pytest.mark.parametrize(
    ("purposes", "expected"),
    [
        (set(range(1, 11)), {"preferences", "analytics", "marketing"}),
        ({1, 8}, {"analytics"}),
        ({8, 9, 10}, set()),  # no storage (purpose 1): nothing
        ({1, 2, 3, 4, 7}, {"marketing"}),
        (set(), set()),
    ],
)
def test_tcf(purposes: set[int], expected: set[str]) -> None:
    value = tc_string(purposes)
    assert tcf_purpose_consents(value) == frozenset(purposes)
    assert TCFReader().read(value, CATS) == frozenset(expected)


def test_tcf_with_vendor_bits_and_custom_mapping() -> None:
    value = tc_string({1, 9}, vendors=40)
    assert tcf_purpose_consents(value) == frozenset({1, 9})
    assert TCFReader(purposes={"analytics": (1, 9)}).read(value, CATS) == frozenset({"analytics"})


@pytest.mark.parametrize(
    "value",
    [tc_string({1}, version=1), "", "!!!", "CPX", "AAAA.BBBB", "é" * 40, "%ZZ"],
)
def test_tcf_unreadable(value: str) -> None:
    assert TCFReader().read(value, CATS) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_readers_never_raise(value: str) -> None:
    for reader in (CCCookieReader(), KlaroReader(), CookiebotReader(), TCFReader()):
        got = reader.read(value, CATS)
        assert got is None or got <= frozenset(CATS)


# -- through the middleware ----------------------------------------------------------


async def test_readers_are_opt_in() -> None:
    cookie = {"cookie": f"klaro={klaro_cookie({'google-analytics': True})}"}
    off = await call(make_app(policy()), "GET", "/", headers=cookie)
    assert off.json()["consent"] is None
    on = await call(make_app(policy(readers=[KlaroReader()])), "GET", "/", headers=cookie)
    assert on.json()["consent"] == ["analytics"]


async def test_own_cookie_wins_over_readers() -> None:
    p = policy(readers=[CookiebotReader(), TCFReader()])
    own = encode_consent(p, [], now=NOW)
    cookie = (
        f"CookieConsent={cookiebot_cookie(True, True, True)}; "
        f"euconsent-v2={tc_string(set(range(1, 11)))}; privmw_consent={own}"
    )
    response = await call(make_app(p), "GET", "/", headers={"cookie": cookie})
    assert response.json()["consent"] == []


async def test_first_reader_with_an_answer_wins() -> None:
    p = policy(readers=[CCCookieReader(clock=lambda: NOW), TCFReader()])
    cookie = f"euconsent-v2={tc_string({1, 2, 3, 4, 7})}; cc_cookie={cc_cookie(['analytics'])}"
    response = await call(make_app(p), "GET", "/", headers={"cookie": cookie})
    assert response.json()["consent"] == ["analytics"]
    only_tcf = await call(
        make_app(p), "GET", "/", headers={"cookie": f"euconsent-v2={tc_string({1, 2, 3, 4, 7})}"}
    )
    assert only_tcf.json()["consent"] == ["marketing"]


def test_a_failing_reader_is_no_decision() -> None:
    class Broken:
        cookie_name = "broken"

        def read(self, value: str, categories: tuple[str, ...]) -> frozenset[str] | None:
            raise RuntimeError("bug")

    manager = ConsentRuntime(policy(readers=[Broken()]), TrackerRegistry())
    ctx = manager.context("x", cookie=b"broken=1")
    assert ctx.consent is None
