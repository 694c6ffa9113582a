"""``ConsentPolicy``: what the visitor is asked, how the answer is kept, how signals weigh in.

References:
    CNIL, "Cookies et autres traceurs", délibération 2020-091 and its FAQ
    (consent kept for 6 months, withdrawing as easy as giving).
    GDPR art. 7(3) (withdrawal at any time). W3C GPC; W3C Tracking Preference
    Expression section 6.2 (``Tk``).
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from privmw._errors import ConfigurationError
from privmw._secrets import parse_secret
from privmw._validate import suggest
from privmw.context import NECESSARY
from privmw.cookies import registrable_domain
from privmw.trackers import Vendor

from .interop import ConsentReader
from .receipts import ConsentReceipt

__all__ = ["ConsentPolicy"]

_OWNER = "ConsentPolicy"
_CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_REVISION = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ].+)?$")
SIX_MONTHS = 182 * 86400
_MAX_AGE_LIMIT = 400 * 86400  # browsers cap cookie lifetimes at 400 days
_TK_VALUES = frozenset("!?GNTCPDU")
_GPC_DEFAULT = ("marketing",)
_DNT_DEFAULT = ("analytics", "marketing")


def _names(owner: str, option: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigurationError(
            f"{owner}: {option} must be a list of category names like ['analytics'], got {value!r}"
        )
    out = tuple(value)
    for name in out:
        if not isinstance(name, str) or not _CATEGORY.match(name):
            raise ConfigurationError(
                f"{owner}: {option} entries must be lower-case names like 'analytics' "
                f"(a-z, 0-9, '_', '-'; at most 32), got {name!r}"
            )
    return out


@dataclass(frozen=True, slots=True)
class ConsentPolicy:
    """What the visitor is asked, how the answer is stored, how signals weigh in.

    ``PrivacyMiddleware(app)`` uses ``ConsentPolicy()`` when ``consent`` is
    not given, so GPC/DNT, the consent cookie, cookie gating, the endpoints
    and ``gpc.json`` work out of the box.

    Attributes:
        categories: the optional categories on offer; ``necessary`` is always
            allowed and is not listed.
        revision: the policy version (``"2026-01"``). Consent given under
            another revision counts as none, so changing it re-asks everyone.
        secret: an override of privmw's one secret for the consent cookie
            only (at least 16 bytes, or a list ``[current, previous, ...]``).
            Prefer ``PrivacyMiddleware(secret=...)`` or ``PRIVMW_SECRET``,
            which sign the cookie the same way. With a secret, forged or
            edited cookies count as no consent; without one the cookie is
            unsigned and a visitor can only forge their own choice.
        max_age: seconds a choice is kept (default 182 days, CNIL's 6 months);
            also enforced on the server from the cookie's timestamp.
        cookie_name: the consent cookie's name.
        path_prefix: where the consent endpoints live.
        gpc_denies: categories ``Sec-GPC: 1`` denies whatever the cookie says
            (each must be on offer; the default, ``marketing``, applies if offered).
        dnt_denies: categories ``DNT: 1`` denies whatever the cookie says
            (each must be on offer; the default ``analytics``, ``marketing``
            keeps those offered).
        gpc_last_update: ``lastUpdate`` in ``/.well-known/gpc.json`` (RFC 3339
            date); set it to when your GPC handling last changed.
        serve_gpc_json: serve ``/.well-known/gpc.json`` (default on).
        readers: opt-in readers of other consent managers' cookies
            (:class:`~privmw.KlaroReader` and the like), consulted in order when privmw's own
            cookie gives no answer.
        strict_cookies: drop ``Set-Cookie`` of cookies neither the tracker
            registry nor ``cookies`` knows (default: let them through).
        cookie_domain: ``Domain`` for the consent cookie and for expiring
            tracker cookies; default: host-only for the consent cookie and the
            registrable domain by the Public Suffix List (``www.example.co.uk``
            → ``example.co.uk``; ``foo.github.io`` → itself) for expiries. A
            Unicode domain is sent as IDNA A-labels. It must not be a public
            suffix (browsers refuse ``Domain=github.io``).
        host_prefix: over HTTPS, name the consent cookie ``__Host-<cookie_name>``
            (default on), which browsers let only this host set (``Secure``,
            ``Path=/``, no ``Domain``), so a sibling subdomain cannot plant a
            consent cookie. Not used with ``cookie_domain`` (``__Host-``
            forbids ``Domain``) or over plain HTTP.
        cookies: the app's own cookie names → category
            (``{"session": "necessary", "theme": "preferences"}``).
        vendors: deprecated: pass vendors to ``PrivacyMiddleware(vendors=...)``;
            entries given here still feed the middleware's one registry.
        tracking_status: send the DNT ``Tk`` response header with this value
            (``"N"``, ``"T"``, ``"C"``, ...); default off.
        receipts: called with a :class:`~privmw.ConsentReceipt` after each
            consent change (proof of consent, GDPR art. 7(1)); e.g.
            :class:`~privmw.JsonLinesReceipts`. Default ``None``: none kept.
        clock: time source in seconds (injected by tests).

    References:
        CNIL délibération 2020-091; W3C GPC; W3C Tracking Preference
        Expression section 6.2 (``Tk``).
    """

    categories: Sequence[str] = ("preferences", "analytics", "marketing")
    revision: str = "1"
    secret: str | bytes | Sequence[str | bytes] | None = field(default=None, repr=False)
    max_age: int = SIX_MONTHS
    cookie_name: str = "privmw_consent"
    path_prefix: str = "/privacy/consent"
    gpc_denies: Sequence[str] = _GPC_DEFAULT
    dnt_denies: Sequence[str] = _DNT_DEFAULT
    gpc_last_update: str = "2026-01-01"
    serve_gpc_json: bool = True
    readers: Sequence[ConsentReader] = ()
    strict_cookies: bool = False
    cookie_domain: str | None = None
    host_prefix: bool = True
    cookies: Mapping[str, str] = field(default_factory=dict)
    vendors: Sequence[Vendor] = ()
    tracking_status: str | None = None
    receipts: Callable[[ConsentReceipt], object] | None = field(
        default=None, repr=False, compare=False
    )
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        cats = _names(_OWNER, "categories", self.categories)
        if NECESSARY in cats:
            raise ConfigurationError(
                f"{_OWNER}: categories must not list 'necessary' (it is always allowed), "
                f"got {list(cats)!r}; remove it"
            )
        if len(set(cats)) != len(cats):
            raise ConfigurationError(f"{_OWNER}: categories has duplicates: {list(cats)!r}")
        object.__setattr__(self, "categories", cats)
        if not isinstance(self.revision, str) or not _REVISION.match(self.revision):
            raise ConfigurationError(
                f"{_OWNER}: revision must be 1-32 letters, digits, '_' or '-' like "
                f"'2026-01', got {self.revision!r}"
            )
        if self.secret is not None:
            parse_secret(_OWNER, "secret", self.secret)
        if (
            isinstance(self.max_age, bool)
            or not isinstance(self.max_age, int)
            or not 0 < self.max_age <= _MAX_AGE_LIMIT
        ):
            raise ConfigurationError(
                f"{_OWNER}: max_age must be seconds from 1 to {_MAX_AGE_LIMIT} (400 days), "
                f"got {self.max_age!r}; CNIL recommends 6 months ({SIX_MONTHS})"
            )
        if not isinstance(self.cookie_name, str) or not _TOKEN.match(self.cookie_name):
            raise ConfigurationError(
                f"{_OWNER}: cookie_name must be a cookie token like 'privmw_consent', "
                f"got {self.cookie_name!r}"
            )
        prefix = self.path_prefix
        if (
            not isinstance(prefix, str)
            or not prefix.startswith("/")
            or prefix == "/"
            or prefix.endswith("/")
            or any(c in prefix for c in "?#% \t")
        ):
            raise ConfigurationError(
                f"{_OWNER}: path_prefix must be a path like '/privacy/consent' (leading "
                f"'/', no trailing '/'), got {prefix!r}"
            )
        for option, default in (("gpc_denies", _GPC_DEFAULT), ("dnt_denies", _DNT_DEFAULT)):
            denied = _names(_OWNER, option, getattr(self, option))
            if denied == default:
                # The default names the usual categories: keep those on offer.
                denied = tuple(c for c in denied if c in cats)
            for name in denied:
                if name not in cats:
                    raise ConfigurationError(
                        f"{_OWNER}: {option} entries must be categories on offer "
                        f"({', '.join(map(repr, cats))}), got {name!r}; "
                        + (suggest(name, cats) or f"add {name!r} to categories")
                    )
            object.__setattr__(self, option, denied)
        if not isinstance(self.gpc_last_update, str) or not _valid_date(self.gpc_last_update):
            raise ConfigurationError(
                f"{_OWNER}: gpc_last_update must be an RFC 3339 date like '2026-01-31', "
                f"got {self.gpc_last_update!r}"
            )
        for option in ("serve_gpc_json", "strict_cookies", "host_prefix"):
            if not isinstance(getattr(self, option), bool):
                raise ConfigurationError(
                    f"{_OWNER}: {option} must be True or False, got {getattr(self, option)!r}"
                )
        readers = self.readers
        if isinstance(readers, str) or not isinstance(readers, Iterable):
            raise ConfigurationError(f"{_OWNER}: readers must be a list, got {readers!r}")
        readers = tuple(readers)
        for reader in readers:
            if not isinstance(getattr(reader, "cookie_name", None), str) or not callable(
                getattr(reader, "read", None)
            ):
                raise ConfigurationError(
                    f"{_OWNER}: readers entries must be consent readers such as "
                    f"privmw.KlaroReader(), got {reader!r}"
                )
        object.__setattr__(self, "readers", readers)
        if self.cookie_domain is not None and (
            not isinstance(self.cookie_domain, str)
            or registrable_domain(self.cookie_domain.lstrip(".")) is None
        ):
            raise ConfigurationError(
                f"{_OWNER}: cookie_domain must be a domain like 'example.org' (not a "
                f"public suffix such as 'co.uk' or 'github.io'), got {self.cookie_domain!r}"
            )
        if not isinstance(self.cookies, Mapping):
            raise ConfigurationError(
                f"{_OWNER}: cookies must map cookie names to categories like "
                f"{{'session': 'necessary'}}, got {self.cookies!r}"
            )
        for name, category in self.cookies.items():
            if not isinstance(name, str) or not _TOKEN.match(name):
                raise ConfigurationError(
                    f"{_OWNER}: cookies keys must be cookie names, got {name!r}"
                )
            if category != NECESSARY and category not in cats:
                raise ConfigurationError(
                    f"{_OWNER}: cookies[{name!r}] must be 'necessary' or one of "
                    f"{list(cats)!r}, got {category!r}"
                )
        vendors = self.vendors
        if isinstance(vendors, Vendor) or not isinstance(vendors, Iterable):
            raise ConfigurationError(
                f"{_OWNER}: vendors must be a list of privmw.Vendor, got {vendors!r}"
            )
        vendors = tuple(vendors)
        for vendor in vendors:
            if not isinstance(vendor, Vendor):
                raise ConfigurationError(
                    f"{_OWNER}: vendors entries must be privmw.Vendor, got {vendor!r}"
                )
        object.__setattr__(self, "vendors", vendors)
        if self.tracking_status is not None and self.tracking_status not in _TK_VALUES:
            raise ConfigurationError(
                f"{_OWNER}: tracking_status must be None or one of "
                f"{''.join(sorted(_TK_VALUES))!r} (e.g. 'N'), got {self.tracking_status!r}"
            )
        if self.receipts is not None and not callable(self.receipts):
            raise ConfigurationError(
                f"{_OWNER}: receipts must be a callable taking a privmw.ConsentReceipt "
                f"(e.g. privmw.JsonLinesReceipts('receipts.jsonl')) or None, got {self.receipts!r}"
            )
        if not callable(self.clock):
            raise ConfigurationError(f"{_OWNER}: clock must be callable, got {self.clock!r}")

    def __hash__(self) -> int:
        return hash((self.categories, self.revision, self.cookie_name, self.path_prefix))


def _valid_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True
