"""Opt-in readers of consent already given through other consent managers.

Each reader turns another manager's cookie into privmw categories, so privmw
can sit behind an existing banner::

    ConsentPolicy(readers=[CCCookieReader(), KlaroReader()])

Readers are consulted in order, only when privmw's own cookie gives no valid
answer. A reader returns ``None`` for "no decision" (absent, unreadable,
expired, other revision); privmw then treats the visitor as undecided. A
category is granted only when every piece of the other manager's answer that
maps to it is a yes: agreeing to one analytics service does not open the door
to all of them.

References (cookie formats):
    orestbida/cookieconsent v3 ``cc_cookie``: URL-encoded JSON
    ``{"categories": [...], "revision": n, "expirationTime": ms, ...}``.
    Klaro ``klaro``: URL-encoded JSON ``{"<service>": true|false, ...}``.
    Cookiebot ``CookieConsent``: URL-encoded JavaScript object
    ``{stamp:'...',necessary:true,preferences:false,statistics:false,
    marketing:false,method:'explicit',ver:1,utc:...,region:'de'}``; ``-1``
    where no consent is required.
    IAB Europe TCF v2.2, "Consent string and vendor list formats": core
    segment bit layout, PurposesConsent at bits 152-175.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote

from privmw._validate import fail

__all__ = ["CCCookieReader", "CookiebotReader", "KlaroReader", "TCFReader"]

_MAX = 8192


class ConsentReader(Protocol):
    """Anything that reads consent from one cookie."""

    @property
    def cookie_name(self) -> str: ...

    def read(self, value: str, categories: tuple[str, ...]) -> frozenset[str] | None:
        """The privmw categories granted by ``value``, or ``None`` for no decision."""
        ...


def _json(value: str) -> Any:
    if len(value) > _MAX:
        return None
    text = value if value.startswith(("{", "[")) else unquote(value)
    try:
        return json.loads(text)
    except ValueError:
        return None


_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")


def _check_reader(owner: str, table: str, mapping: object, values: str) -> None:
    """The options every reader shares: a mapping of names and a cookie name."""
    if not isinstance(mapping, Mapping):
        fail(owner, table, f"a mapping of names to {values}", mapping)
    for key, value in mapping.items():
        ok = (
            isinstance(value, str) and bool(value)
            if values == "privmw categories"
            else isinstance(value, tuple)
            and bool(value)
            and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 24 for v in value)
        )
        if not isinstance(key, str) or not ok:
            fail(owner, f"{table}[{key!r}]", values, value)


def _check_cookie_name(owner: str, value: object) -> None:
    if not isinstance(value, str) or not _TOKEN.match(value):
        fail(owner, "cookie_name", "a cookie name (an RFC 6265 token)", value)


def _grant(answers: Mapping[str, bool]) -> frozenset[str]:
    return frozenset(c for c, ok in answers.items() if ok)


def _combine(answers: dict[str, bool], category: str, yes: bool) -> None:
    answers[category] = answers.get(category, True) and yes


@dataclass(frozen=True, slots=True)
class CCCookieReader:
    """orestbida/cookieconsent v3 (``cc_cookie``).

    Args:
        categories: its category names → privmw's (default: same name; its
            ``necessary`` is ignored). E.g. ``{"ads": "marketing"}``.
        revision: when set, consent from another ``revision`` is no decision.
        cookie_name: the cookie it uses (its ``cookie.name`` option).
    """

    categories: Mapping[str, str] = field(default_factory=dict)
    revision: int | None = None
    cookie_name: str = "cc_cookie"
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_reader("CCCookieReader", "categories", self.categories, "privmw categories")
        if self.revision is not None and (
            isinstance(self.revision, bool) or not isinstance(self.revision, int)
        ):
            fail("CCCookieReader", "revision", "None or an int", self.revision)
        _check_cookie_name("CCCookieReader", self.cookie_name)
        if not callable(self.clock):
            fail("CCCookieReader", "clock", "callable", self.clock)

    def read(self, value: str, categories: tuple[str, ...]) -> frozenset[str] | None:
        data = _json(value)
        if not isinstance(data, dict):
            return None
        given = data.get("categories")
        if not isinstance(given, list):
            return None
        if self.revision is not None and data.get("revision") != self.revision:
            return None
        expires = data.get("expirationTime")
        if (
            isinstance(expires, (int, float))
            and not isinstance(expires, bool)
            and expires / 1000 < self.clock()
        ):
            return None
        out = set()
        for name in given:
            if isinstance(name, str):
                out.add(self.categories.get(name, name))
        return frozenset(out) & frozenset(categories)


def _klaro_default() -> dict[str, str]:
    """Klaro service names → privmw category, from privmw's default vendors."""
    from privmw._vendors import DEFAULT_VENDORS

    return {v.name: v.category for v in DEFAULT_VENDORS}


@dataclass(frozen=True, slots=True)
class KlaroReader:
    """Klaro (``klaro`` cookie: service name → true/false).

    Args:
        services: service name → privmw category. Merged over the registry's
            vendor names (``google-analytics`` → ``analytics``, ...); a service
            named like a category maps to it.
        cookie_name: Klaro's ``storageName``/``cookieName``.
    """

    services: Mapping[str, str] = field(default_factory=dict)
    cookie_name: str = "klaro"
    _defaults: Mapping[str, str] = field(
        default_factory=_klaro_default, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        _check_reader("KlaroReader", "services", self.services, "privmw categories")
        _check_cookie_name("KlaroReader", self.cookie_name)

    def read(self, value: str, categories: tuple[str, ...]) -> frozenset[str] | None:
        data = _json(value)
        if not isinstance(data, dict) or not data:
            return None
        offered = frozenset(categories)
        answers: dict[str, bool] = {}
        defaults = self._defaults
        for service, yes in data.items():
            if not isinstance(service, str) or not isinstance(yes, bool):
                continue
            category = self.services.get(service) or defaults.get(service) or service
            if category in offered:
                _combine(answers, category, yes)
        return _grant(answers)


_COOKIEBOT_FIELD = re.compile(
    r"(?:^|[{,])\s*(necessary|preferences|statistics|marketing)\s*:\s*(true|false)\b"
)
_COOKIEBOT_DEFAULT = {
    "preferences": "preferences",
    "statistics": "analytics",
    "marketing": "marketing",
}


@dataclass(frozen=True, slots=True)
class CookiebotReader:
    """Cookiebot (``CookieConsent`` cookie).

    Args:
        categories: Cookiebot's ``preferences``/``statistics``/``marketing`` →
            privmw category (default: ``statistics`` → ``analytics``, the
            others by name).
        cookie_name: the cookie it uses.
    """

    categories: Mapping[str, str] = field(default_factory=lambda: dict(_COOKIEBOT_DEFAULT))
    cookie_name: str = "CookieConsent"

    def __post_init__(self) -> None:
        _check_reader("CookiebotReader", "categories", self.categories, "privmw categories")
        _check_cookie_name("CookiebotReader", self.cookie_name)

    def read(self, value: str, categories: tuple[str, ...]) -> frozenset[str] | None:
        if len(value) > _MAX:
            return None
        text = unquote(value).strip()
        # "-1": the visitor is where no consent is required; privmw does not guess.
        if not text.startswith("{") or "stamp:" not in text:
            return None
        offered = frozenset(categories)
        answers: dict[str, bool] = {}
        for name, yes in _COOKIEBOT_FIELD.findall(text):
            category = self.categories.get(name)
            if category is not None and category in offered:
                _combine(answers, category, yes == "true")
        if not answers:
            return None
        return _grant(answers)


#: privmw category → TCF purposes that must all have consent.
#: Purpose 1 (store/access information on a device) gates every cookie;
#: 2-4 and 7 are advertising, 8 content measurement, 5-6 personalised content.
DEFAULT_TCF_PURPOSES: Mapping[str, tuple[int, ...]] = {
    "preferences": (1, 5, 6),
    "analytics": (1, 8),
    "marketing": (1, 2, 3, 4, 7),
}

_PURPOSES_AT = 152  # 6+36+36+12+12+6+12+12+6+1+1+12 bits before PurposesConsent


def tcf_purpose_consents(tc_string: str) -> frozenset[int] | None:
    """Purpose ids (1-24) with consent in a TCF v2 TC string, or ``None`` if unreadable."""
    if len(tc_string) > _MAX:
        return None
    core = tc_string.strip().split(".", 1)[0]
    if not core or not core.isascii():
        return None
    try:
        data = base64.urlsafe_b64decode(core + "=" * (-len(core) % 4))
    except ValueError:
        return None
    bits = len(data) * 8
    if bits < _PURPOSES_AT + 24:
        return None
    number = int.from_bytes(data, "big")

    def field_(start: int, width: int) -> int:
        return (number >> (bits - start - width)) & ((1 << width) - 1)

    if field_(0, 6) != 2:  # version
        return None
    mask = field_(_PURPOSES_AT, 24)
    return frozenset(i + 1 for i in range(24) if mask >> (23 - i) & 1)


@dataclass(frozen=True, slots=True)
class TCFReader:
    """IAB TCF v2 TC string (``euconsent-v2``): purpose consents → categories.

    Only read; operating as a CMP needs IAB registration, honouring an
    existing string does not.

    Args:
        purposes: privmw category → TCF purpose ids that must all have
            consent (default :data:`DEFAULT_TCF_PURPOSES`).
        cookie_name: the cookie holding the TC string.
    """

    purposes: Mapping[str, tuple[int, ...]] = field(
        default_factory=lambda: dict(DEFAULT_TCF_PURPOSES)
    )
    cookie_name: str = "euconsent-v2"

    def __post_init__(self) -> None:
        _check_reader("TCFReader", "purposes", self.purposes, "tuples of TCF purpose ids 1-24")
        _check_cookie_name("TCFReader", self.cookie_name)

    def read(self, value: str, categories: tuple[str, ...]) -> frozenset[str] | None:
        consents = tcf_purpose_consents(unquote(value) if "%" in value else value)
        if consents is None:
            return None
        return frozenset(
            c for c in categories if self.purposes.get(c) and set(self.purposes[c]) <= consents
        )
