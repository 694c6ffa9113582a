"""``ConsentPolicy``, the consent cookie, and the consent endpoints.

The consent cookie is compact, versioned and optionally signed::

    1.<revision>.<unix-seconds>.<category>~<category>[.<signature>]

``1`` is the format version; the categories are those given (none when the
visitor rejected all); the signature is HMAC-SHA256 (first 128 bits,
base64url) over everything before it, present when ``ConsentPolicy.secret``
is set. A cookie that is forged, edited, truncated, unsigned when a secret is
set, from another revision, older than ``max_age`` or plain garbage counts as
*no consent*; reading it never raises.

Endpoints (default prefix ``/privacy/consent``):

* ``GET  {prefix}``: the current choice and the categories on offer (JSON);
* ``POST {prefix}``: a JSON object ``{"analytics": true, "marketing": false}``
  answers JSON; an HTML form (a checkbox per category, ``action`` =
  ``save`` / ``accept-all`` / ``reject-all`` / ``withdraw``) answers
  ``303 See Other`` to a same-origin page (``next`` field, else a same-origin
  ``Referer``, else ``/``);
* ``DELETE {prefix}`` and ``POST {prefix}/withdraw``: withdraw consent;
* ``GET {prefix}/form``: a minimal HTML page with that form;
* ``GET /.well-known/gpc.json``: ``{"gpc": true, "lastUpdate": "..."}``.

Cross-site ``POST``/``DELETE`` are refused with 403 (``Sec-Fetch-Site``,
else ``Origin``, else ``Referer``). Withdrawing, or narrowing a choice,
expires the tracker cookies of the categories no longer allowed.

References:
    CNIL, "Cookies et autres traceurs", délibération 2020-091 and its FAQ
    (consent kept for 6 months, withdrawing as easy as giving).
    GDPR art. 7(3) (withdrawal at any time). RFC 6265 section 4.1
    (cookie-octet). RFC 2104 (HMAC). W3C GPC section "gpc.json".
    Fetch Metadata Request Headers (``Sec-Fetch-Site``).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import html
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ._errors import ConfigurationError
from ._types import Receive, Scope, Send
from .context import NECESSARY, PrivacyContext
from .cookies import (
    CookieGate,
    expiry_headers,
    parse_cookie_header,
    registrable_domain,
)
from .interop import ConsentReader
from .trackers import TrackerRegistry, Vendor

__all__ = [
    "COOKIE_VERSION",
    "Consent",
    "ConsentManager",
    "ConsentPolicy",
    "decode_consent",
    "encode_consent",
]

COOKIE_VERSION = "1"
_OWNER = "ConsentPolicy"
_CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_REVISION = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ].+)?$")
_SIX_MONTHS = 182 * 86400
_MAX_AGE_LIMIT = 400 * 86400  # browsers cap cookie lifetimes at 400 days
_FUTURE_SKEW = 86400
_MAX_COOKIE = 1024
_MAX_BODY = 16384
_TK_VALUES = frozenset("!?GNTCPDU")
_SIG_BYTES = 16
_GPC_PATH = "/.well-known/gpc.json"
_INVALID: tuple[frozenset[str], int] = (frozenset(), -1)  # cache entry: not a valid cookie


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
        secret: HMAC key (at least 16 characters) signing the cookie; with it,
            forged or edited cookies count as no consent. Without it, a
            visitor can only forge their own choice.
        max_age: seconds a choice is kept (default 182 days, CNIL's 6 months);
            also enforced on the server from the cookie's timestamp.
        cookie_name: the consent cookie's name.
        path_prefix: where the consent endpoints live.
        gpc_denies: categories ``Sec-GPC: 1`` denies whatever the cookie says.
        dnt_denies: categories ``DNT: 1`` denies whatever the cookie says.
        gpc_last_update: ``lastUpdate`` in ``/.well-known/gpc.json`` (RFC 3339
            date); set it to when your GPC handling last changed.
        serve_gpc_json: serve ``/.well-known/gpc.json`` (default on).
        readers: opt-in readers of other consent managers' cookies
            (:mod:`privmw.interop`), consulted in order when privmw's own
            cookie gives no answer.
        strict_cookies: drop ``Set-Cookie`` of cookies neither the tracker
            registry nor ``cookies`` knows (default: let them through).
        cookie_domain: ``Domain`` for the consent cookie and for expiring
            tracker cookies; default: host-only for the consent cookie and a
            guessed registrable domain (``www.example.org`` → ``example.org``)
            for expiries.
        cookies: the app's own cookie names → category
            (``{"session": "necessary", "theme": "preferences"}``).
        vendors: extra :class:`privmw.trackers.Vendor` entries for the
            registry (their cookie patterns are gated too).
        tracking_status: send the DNT ``Tk`` response header with this value
            (``"N"``, ``"T"``, ``"C"``, ...); default off.
        clock: time source in seconds (injected by tests).

    References:
        CNIL délibération 2020-091; W3C GPC; W3C Tracking Preference
        Expression section 6.2 (``Tk``).
    """

    categories: Sequence[str] = ("preferences", "analytics", "marketing")
    revision: str = "1"
    secret: str | bytes | None = field(default=None, repr=False)
    max_age: int = _SIX_MONTHS
    cookie_name: str = "privmw_consent"
    path_prefix: str = "/privacy/consent"
    gpc_denies: Sequence[str] = ("marketing",)
    dnt_denies: Sequence[str] = ("analytics", "marketing")
    gpc_last_update: str = "2026-01-01"
    serve_gpc_json: bool = True
    readers: Sequence[ConsentReader] = ()
    strict_cookies: bool = False
    cookie_domain: str | None = None
    cookies: Mapping[str, str] = field(default_factory=dict)
    vendors: Sequence[Vendor] = ()
    tracking_status: str | None = None
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def describe(self) -> dict[str, object]:
        """Facts for :func:`privmw.disclosure` (JSON-able)."""
        from .disclosure import human_duration

        registry = TrackerRegistry(self.vendors)
        by_category: dict[str, list[str]] = {}
        for vendor in registry.vendors:
            by_category.setdefault(vendor.category, []).append(vendor.label)
        signals = []
        if self.gpc_denies:
            signals.append(
                "Global Privacy Control (Sec-GPC: 1) is honoured: it refuses "
                + ", ".join(self.gpc_denies)
                + " whatever a consent cookie says"
            )
        if self.dnt_denies:
            signals.append(
                "Do Not Track (DNT: 1) is honoured: it refuses " + ", ".join(self.dnt_denies)
            )
        return {
            "title": "Consent and privacy signals",
            "purpose": "Asking for, storing and honouring your choice of optional categories: "
            + ", ".join(self.categories)
            + ". Strictly necessary processing needs no consent.",
            "data": [
                f"a consent cookie ({self.cookie_name}) holding the categories you allowed, the "
                f"policy revision ({self.revision}) and when you chose"
                + (", signed so it cannot be forged" if self.secret else ""),
                *signals,
            ],
            "retention": f"The consent cookie lasts {human_duration(self.max_age)}; you can "
            f"withdraw at any time ({self.path_prefix}). It is stored in your browser only.",
            "details": {
                "categories": list(self.categories),
                "revision": self.revision,
                "vendors": {k: by_category[k] for k in sorted(by_category)},
                "gpc_denies": list(self.gpc_denies),
                "dnt_denies": list(self.dnt_denies),
            },
        }

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
        secret = self.secret
        if secret is not None and (not isinstance(secret, (str, bytes)) or len(secret) < 16):
            raise ConfigurationError(
                f"{_OWNER}: secret must be a str or bytes of at least 16 characters "
                f"(e.g. secrets.token_urlsafe(32)), got a {type(secret).__name__} "
                f"of length {len(secret) if isinstance(secret, (str, bytes)) else '?'}"
            )
        if (
            isinstance(self.max_age, bool)
            or not isinstance(self.max_age, int)
            or not 0 < self.max_age <= _MAX_AGE_LIMIT
        ):
            raise ConfigurationError(
                f"{_OWNER}: max_age must be seconds from 1 to {_MAX_AGE_LIMIT} (400 days), "
                f"got {self.max_age!r}; CNIL recommends 6 months ({_SIX_MONTHS})"
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
        object.__setattr__(self, "gpc_denies", _names(_OWNER, "gpc_denies", self.gpc_denies))
        object.__setattr__(self, "dnt_denies", _names(_OWNER, "dnt_denies", self.dnt_denies))
        if not isinstance(self.gpc_last_update, str) or not _valid_date(self.gpc_last_update):
            raise ConfigurationError(
                f"{_OWNER}: gpc_last_update must be an RFC 3339 date like '2026-01-31', "
                f"got {self.gpc_last_update!r}"
            )
        for option in ("serve_gpc_json", "strict_cookies"):
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
                    f"privmw.interop.KlaroReader(), got {reader!r}"
                )
        object.__setattr__(self, "readers", readers)
        if self.cookie_domain is not None and (
            not isinstance(self.cookie_domain, str)
            or registrable_domain(self.cookie_domain.lstrip(".")) is None
        ):
            raise ConfigurationError(
                f"{_OWNER}: cookie_domain must be a domain like 'example.org', "
                f"got {self.cookie_domain!r}"
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


@dataclass(frozen=True, slots=True)
class Consent:
    """A decoded, valid consent cookie: the categories given, under which revision, when."""

    categories: frozenset[str]
    revision: str
    timestamp: int


def _key(secret: str | bytes | None) -> bytes | None:
    if secret is None:
        return None
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, b"privmw-consent\x00" + payload.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:_SIG_BYTES]).rstrip(b"=").decode("ascii")


def _encode(
    categories: Iterable[str], order: Sequence[str], revision: str, key: bytes | None, now: int
) -> str:
    given = set(categories)
    cats = "~".join(c for c in order if c in given)
    payload = f"{COOKIE_VERSION}.{revision}.{now}.{cats}"
    return f"{payload}.{_sign(key, payload)}" if key is not None else payload


def _parse(
    value: str, revision: str, offered: frozenset[str], key: bytes | None
) -> tuple[frozenset[str], int] | None:
    """Structure, signature and revision of a cookie value (time is checked by the caller)."""
    if len(value) > _MAX_COOKIE:
        return None
    parts = value.split(".")
    if len(parts) != (4 if key is None else 5):
        return None
    if key is not None:
        sig = parts[4]
        payload = value[: len(value) - len(sig) - 1]
        if not payload.isascii() or not hmac.compare_digest(
            sig.encode("utf-8", "replace"), _sign(key, payload).encode("ascii")
        ):
            return None
    version, rev, stamp, cats = parts[0], parts[1], parts[2], parts[3]
    if version != COOKIE_VERSION or rev != revision:
        return None
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        return None
    given = frozenset(cats.split("~")) & offered if cats else frozenset()
    return given, int(stamp)


def encode_consent(policy: ConsentPolicy, categories: Iterable[str], *, now: float) -> str:
    """The consent cookie value for ``categories`` given at ``now`` (unix seconds)."""
    return _encode(categories, policy.categories, policy.revision, _key(policy.secret), int(now))


def decode_consent(policy: ConsentPolicy, value: str, *, now: float) -> Consent | None:
    """The consent a cookie value carries, or ``None`` (invalid, old, expired); never raises."""
    try:
        parsed = _parse(value, policy.revision, frozenset(policy.categories), _key(policy.secret))
    except Exception:  # defensive: client input must never raise
        return None
    if parsed is None or not _fresh(parsed[1], now, policy.max_age):
        return None
    return Consent(parsed[0], policy.revision, parsed[1])


def _fresh(stamp: int, now: float, max_age: int) -> bool:
    return now - max_age <= stamp <= now + _FUTURE_SKEW


def _origin_netloc(url: str) -> str | None:
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].lower()
    if "@" in netloc:
        return None
    return _strip_default_port(netloc)


def _strip_default_port(netloc: str) -> str:
    if netloc.endswith((":80", ":443")):
        return netloc.rsplit(":", 1)[0]
    return netloc


def same_origin(headers: Mapping[str, str]) -> bool:
    """Whether a state-changing request comes from the site itself.

    ``Sec-Fetch-Site`` (which page script cannot forge) decides when present:
    only ``same-origin`` and ``none`` (typed or bookmarked) pass. Otherwise an
    ``Origin`` (or failing that a ``Referer``) must name this host. A request
    with none of the three is not a browser's cross-site request and passes.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() in ("same-origin", "none")
    host = _strip_default_port(headers.get("host", "").strip().lower())
    for header in ("origin", "referer"):
        value = headers.get(header)
        if value is not None:
            return bool(host) and _origin_netloc(value) == host
    return True


def _safe_next(value: str | None) -> str | None:
    """A same-origin path to redirect to, or ``None`` (no open redirect)."""
    if not value or len(value) > 2048 or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or "\\" in value:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F or ord(c) > 0x7E for c in value):
        return None
    return value


_TRUE = frozenset({"on", "1", "true", "yes", "y", "checked", "granted"})


class ConsentManager:
    """The runtime of a :class:`ConsentPolicy`: built once, used on every request.

    Holds the tracker registry and cookie gate, the cookie decoder with its
    bounded cache, the precomputed signal denials, and the endpoints.
    """

    __slots__ = (
        "_cache",
        "_clock",
        "_cookie_attrs",
        "_cookie_name",
        "_denied",
        "_gpc_body",
        "_key",
        "_max_age",
        "_offered",
        "_prefix",
        "_readers",
        "_revision",
        "_routes",
        "_scans",
        "_tk",
        "gate",
        "policy",
        "registry",
    )

    _CACHE_MAX = 4096

    def describe(self) -> dict[str, object]:
        """The policy's facts, for :func:`privmw.disclosure`."""
        return self.policy.describe()

    def __init__(self, policy: ConsentPolicy | None = None) -> None:
        if policy is None:
            policy = ConsentPolicy()
        elif not isinstance(policy, ConsentPolicy):
            raise ConfigurationError(
                f"PrivacyMiddleware: consent must be a privmw.ConsentPolicy or None, got {policy!r}"
            )
        self.policy = policy
        self.registry = TrackerRegistry(policy.vendors)
        names = {policy.cookie_name: NECESSARY, **dict(policy.cookies)}
        self.gate = CookieGate(self.registry, strict=policy.strict_cookies, names=names)
        gpc, dnt = frozenset(policy.gpc_denies), frozenset(policy.dnt_denies)
        # index: gpc * 2 + dnt
        self._denied: tuple[frozenset[str], ...] = (frozenset(), dnt, gpc, gpc | dnt)
        self._offered = frozenset(policy.categories)
        self._key = _key(policy.secret)
        self._cache: dict[str, tuple[frozenset[str], int]] = {}
        self._cookie_name = policy.cookie_name
        self._revision = policy.revision
        self._clock = policy.clock
        self._max_age = policy.max_age
        self._scans: dict[int, tuple[str | None, tuple[tuple[str, str], ...]]] = {}
        self._readers = policy.readers
        prefix = policy.path_prefix
        self._prefix = prefix
        routes = {prefix, prefix + "/withdraw", prefix + "/form"}
        if policy.serve_gpc_json:
            routes.add(_GPC_PATH)
        self._routes = frozenset(routes)
        self._gpc_body = json.dumps(
            {"gpc": True, "lastUpdate": policy.gpc_last_update}, separators=(",", ":")
        ).encode()
        self._tk = (
            (b"tk", policy.tracking_status.encode("ascii")) if policy.tracking_status else None
        )
        attrs = f"; Max-Age={policy.max_age}; Path=/; SameSite=Lax"
        if policy.cookie_domain:
            attrs += f"; Domain={policy.cookie_domain.lstrip('.')}"
        self._cookie_attrs = attrs

    def __repr__(self) -> str:
        return f"ConsentManager({self.policy!r})"

    # -- reading ---------------------------------------------------------

    def decode(self, value: str, now: float | None = None) -> frozenset[str] | None:
        """The categories a consent cookie value grants now, or ``None``; never raises."""
        entry = self._cache.get(value)
        if entry is None:
            entry = self._parse_cached(value)
        if entry is _INVALID:
            return None
        if not _fresh(entry[1], self._clock() if now is None else now, self._max_age):
            return None
        return entry[0]

    def context(
        self,
        client: str,
        *,
        gpc: bool = False,
        dnt: bool = False,
        cookie: bytes | None = None,
        pseudonym: str | None = None,
    ) -> PrivacyContext:
        """The :class:`PrivacyContext` for one request's signals and ``Cookie`` header."""
        denied = self._denied[gpc * 2 + dnt]
        if not cookie:
            return PrivacyContext(client, gpc, dnt, pseudonym, None, None, denied)
        # Hot path: a visitor sends the same Cookie header again and again, so
        # what it holds (the consent value, the tracker names) is cached under
        # the header's hash: a keyed hash (SipHash with a per-process random
        # key), never the header itself, which would keep session tokens.
        key = hash(cookie)
        scanned = self._scans.get(key)
        if scanned is None:
            scanned = self._scan(cookie)
            if len(self._scans) >= self._CACHE_MAX:
                self._scans.clear()
            self._scans[key] = scanned
        own, candidates = scanned
        consent: frozenset[str] | None = None
        revision = None
        if own is not None:
            entry = self._cache.get(own)
            if entry is None:
                entry = self._parse_cached(own)
            if entry is not _INVALID:
                now = self._clock()
                if now - self._max_age <= entry[1] <= now + _FUTURE_SKEW:
                    consent = entry[0]
                    revision = self._revision
        if consent is None and self._readers:
            consent = self._read_others(parse_cookie_header(cookie.decode("latin-1")))
        ctx = PrivacyContext(client, gpc, dnt, pseudonym, consent, revision, denied)
        if candidates:
            allows = ctx.allows
            ctx.stale_cookies = tuple(n for n, c in candidates if not allows(c))
        return ctx

    def _scan(self, cookie: bytes) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        """The consent cookie's value and the ``(name, category)`` of tracker cookies."""
        own: str | None = None
        candidates: list[tuple[str, str]] = []
        cname = self._cookie_name
        category = self.gate.category
        for part in cookie.decode("latin-1").split(";"):
            name, eq, value = part.partition("=")
            if not eq:
                continue
            name = name.strip()
            if name == cname:
                if own is None:
                    own = value
                continue
            cat = category(name)
            if cat is not None and cat != NECESSARY:
                candidates.append((name, cat))
        return own, tuple(candidates)

    def _parse_cached(self, raw: str) -> tuple[frozenset[str], int]:
        value = raw.strip()
        if len(value) > 1 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        try:
            parsed = _parse(value, self._revision, self._offered, self._key)
        except Exception:  # defensive: client input must never raise
            parsed = None
        cache = self._cache
        if len(cache) >= self._CACHE_MAX:
            cache.clear()  # values are client-chosen: stay bounded
        entry = _INVALID if parsed is None else parsed
        cache[raw] = entry
        return entry

    def _read_others(self, pairs: list[tuple[str, str]]) -> frozenset[str] | None:
        values = dict(reversed(pairs))  # the first occurrence wins, as browsers order them
        for reader in self._readers:
            value = values.get(reader.cookie_name)
            if value is None:
                continue
            try:
                got = reader.read(value, tuple(self.policy.categories))
            except Exception:  # a reader bug must not turn into a 500
                got = None
            if got is not None:
                return frozenset(got) & self._offered
        return None

    # -- responding ------------------------------------------------------

    def extra_headers(
        self, context: PrivacyContext, scope: Scope
    ) -> list[tuple[bytes, bytes]] | None:
        """Headers every response to this request gets: tracker-cookie expiries, ``Tk``."""
        extra: list[tuple[bytes, bytes]] | None = None
        if context.stale_cookies:
            extra = expiry_headers(
                context.stale_cookies, self._expiry_domain(scope), secure=_https(scope)
            )
        if self._tk is not None:
            extra = [*(extra or ()), self._tk]
        return extra

    @property
    def routes(self) -> frozenset[str]:
        """The paths :meth:`serve` answers."""
        return self._routes

    def _expiry_domain(self, scope: Scope) -> str | None:
        if self.policy.cookie_domain:
            return self.policy.cookie_domain.lstrip(".")
        for name, value in scope.get("headers", ()):
            if name == b"host":
                return registrable_domain(value.decode("latin-1"))
        return None

    # -- endpoints -------------------------------------------------------

    def handles(self, path: str) -> bool:
        """Whether ``path`` is one of the built-in routes (endpoints, ``gpc.json``)."""
        return path in self._routes

    async def serve(
        self, scope: Scope, receive: Receive, send: Send, context: PrivacyContext
    ) -> None:
        """Answer a built-in route (thin ASGI glue around :meth:`handle`)."""
        method = scope.get("method", "GET")
        body = b""
        too_big = False
        if method not in ("GET", "HEAD"):
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # client went away
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > _MAX_BODY:
                    too_big = True
                    break
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            key = name.decode("latin-1")
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}; {text}" if key == "cookie" and key in headers else text
        if too_big:
            status, out, payload = _problem(413, "Payload Too Large", "body over 16 KiB")
        else:
            status, out, payload = self.handle(
                method,
                scope.get("path", ""),
                headers,
                body,
                context,
                https=_https(scope),
                query=scope.get("query_string", b"").decode("latin-1"),
            )
        out.append((b"content-length", str(len(payload)).encode("ascii")))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        context: PrivacyContext,
        *,
        https: bool = False,
        query: str = "",
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Answer one built-in route: ``(status, headers, body)``; never raises.

        ``headers`` maps lower-case names to values (several ``Cookie``
        fields joined with ``"; "``).
        """
        try:
            return self._handle(method, path, headers, body, context, https, query)
        except Exception:  # defensive: client input must never become a 500
            return _problem(400, "Bad Request", "the request could not be understood")

    def _handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        context: PrivacyContext,
        https: bool,
        query: str,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        prefix = self._prefix
        if path == _GPC_PATH:
            if method not in ("GET", "HEAD"):
                return _not_allowed("GET, HEAD")
            return 200, [*_JSON, (b"cache-control", b"max-age=86400")], self._gpc_body
        if path == prefix + "/form":
            if method not in ("GET", "HEAD"):
                return _not_allowed("GET, HEAD")
            next_path = _safe_next(dict(parse_qsl(query[:4096])).get("next")) or "/"
            page = self.render_page(context, next_path=next_path).encode("utf-8")
            return 200, [*_HTML, *_PRIVATE], page
        withdraw = path == prefix + "/withdraw"
        if method in ("GET", "HEAD") and not withdraw:
            return 200, [*_JSON, *_PRIVATE], self._state_body(context)
        allowed = "POST" if withdraw else "GET, HEAD, POST, DELETE"
        if method not in ("POST", "DELETE") or (withdraw and method != "POST"):
            return _not_allowed(allowed)
        if not same_origin(headers):
            return _problem(403, "Forbidden", "cross-site consent changes are refused")
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        is_form = ctype == "application/x-www-form-urlencoded"
        form: dict[str, str] = {}
        if is_form:
            try:
                text = body.decode("utf-8")
                form = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=64))
            except ValueError:
                return _problem(400, "Bad Request", "the form could not be read")
        if method == "DELETE" or withdraw or form.get("action") == "withdraw":
            return self._respond(None, headers, context, https, form if is_form else None)
        if is_form:
            action = form.get("action", "save")
            if action == "accept-all":
                chosen: frozenset[str] = self._offered
            elif action == "reject-all":
                chosen = frozenset()
            elif action == "save":
                chosen = frozenset(
                    c for c in self.policy.categories if form.get(c, "").lower() in _TRUE
                )
            else:
                return _problem(400, "Bad Request", f"unknown action {action[:40]!r}")
            return self._respond(chosen, headers, context, https, form)
        if ctype != "application/json":
            return _problem(
                415,
                "Unsupported Media Type",
                "send application/json or application/x-www-form-urlencoded",
            )
        try:
            data = json.loads(body)
        except ValueError:
            return _problem(400, "Bad Request", "the body is not JSON")
        if not isinstance(data, dict):
            return _problem(400, "Bad Request", 'send a JSON object like {"analytics": true}')
        picked: set[str] = set()
        for key, value in data.items():
            if not isinstance(value, bool):
                return _problem(400, "Bad Request", f"{key[:40]!r} must be true or false")
            if key == NECESSARY:
                continue
            if key not in self._offered:
                return _problem(
                    400,
                    "Bad Request",
                    f"unknown category {key[:40]!r}; on offer: {', '.join(self.policy.categories)}",
                )
            if value:
                picked.add(key)
        return self._respond(frozenset(picked), headers, context, https, None)

    def _respond(
        self,
        chosen: frozenset[str] | None,
        headers: Mapping[str, str],
        context: PrivacyContext,
        https: bool,
        form: dict[str, str] | None,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Store (or withdraw) a choice; expire what is no longer allowed."""
        policy = self.policy
        secure = "; Secure" if https else ""
        if chosen is None:
            cookie = f"{policy.cookie_name}={self._cookie_attrs}{secure}".replace(
                f"Max-Age={policy.max_age}", "Max-Age=0"
            )
        else:
            value = _encode(
                chosen, policy.categories, policy.revision, self._key, int(policy.clock())
            )
            cookie = f"{policy.cookie_name}={value}{self._cookie_attrs}{secure}"
        new = PrivacyContext(
            context.client,
            gpc=context.gpc,
            dnt=context.dnt,
            pseudonym=context.pseudonym,
            consent=chosen,
            revision=policy.revision if chosen is not None else None,
            denied=context.denied,
        )
        pairs = parse_cookie_header(headers.get("cookie", ""))
        stale = self.gate.stale(pairs, new.allows)
        domain = policy.cookie_domain.lstrip(".") if policy.cookie_domain else None
        if domain is None:
            domain = registrable_domain(headers.get("host", ""))
        out: list[tuple[bytes, bytes]] = [(b"set-cookie", cookie.encode("ascii"))]
        out.extend(expiry_headers(stale, domain, secure=https))
        out.extend(_PRIVATE)
        if form is not None:
            target = _safe_next(form.get("next")) or self._referer_path(headers) or "/"
            out.append((b"location", target.encode("ascii")))
            out.append((b"content-type", b"text/plain; charset=utf-8"))
            return 303, out, b"See Other"
        out.extend(_JSON)
        return 200, out, self._state_body(new)

    def _referer_path(self, headers: Mapping[str, str]) -> str | None:
        referer = headers.get("referer")
        if not referer:
            return None
        host = _strip_default_port(headers.get("host", "").strip().lower())
        if not host or _origin_netloc(referer) != host:
            return None
        rest = referer.strip().partition("://")[2]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return _safe_next(path.split("#", 1)[0])

    def state(self, context: PrivacyContext) -> dict[str, Any]:
        """The JSON-able view of a visitor's choice that ``GET {prefix}`` returns."""
        consent = context.consent
        return {
            "categories": list(self.policy.categories),
            "revision": self.policy.revision,
            "decided": consent is not None,
            "consent": None
            if consent is None
            else {c: c in consent for c in self.policy.categories},
            "gpc": context.gpc,
            "dnt": context.dnt,
            "allowed": {c: context.allows(c) for c in self.policy.categories},
            "consent_mode": context.consent_mode,
        }

    def _state_body(self, context: PrivacyContext) -> bytes:
        return json.dumps(self.state(context), separators=(",", ":")).encode()

    def render_form(self, context: PrivacyContext, *, next_path: str = "/") -> str:
        """An HTML consent form (works without JavaScript) posting to the endpoint."""
        action = html.escape(self._prefix, quote=True)
        nxt = html.escape(_safe_next(next_path) or "/", quote=True)
        rows = []
        for cat in self.policy.categories:
            checked = " checked" if context.consent is not None and cat in context.consent else ""
            note = " (refused by your browser's privacy signal)" if cat in context.denied else ""
            rows.append(
                f'<label><input type="checkbox" name="{cat}" value="on"{checked}> '
                f"{cat.capitalize()}{html.escape(note)}</label><br>"
            )
        return (
            f'<form method="post" action="{action}" class="privmw-consent">'
            f'<input type="hidden" name="next" value="{nxt}">'
            '<label><input type="checkbox" checked disabled> Necessary</label><br>'
            f"{''.join(rows)}"
            '<button type="submit" name="action" value="save">Save my choices</button> '
            '<button type="submit" name="action" value="reject-all">Reject all</button> '
            '<button type="submit" name="action" value="accept-all">Accept all</button> '
            '<button type="submit" name="action" value="withdraw">Withdraw consent</button>'
            "</form>"
        )

    def render_page(self, context: PrivacyContext, *, next_path: str = "/") -> str:
        return (
            '<!doctype html><html><head><meta charset="utf-8"><title>Privacy choices</title>'
            "</head><body><h1>Privacy choices</h1>"
            f"{self.render_form(context, next_path=next_path)}</body></html>"
        )


_JSON = ((b"content-type", b"application/json"),)
_HTML = ((b"content-type", b"text/html; charset=utf-8"),)
_PRIVATE = ((b"cache-control", b"no-store"), (b"vary", b"Cookie, Sec-GPC, DNT"))


def _problem(status: int, title: str, detail: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    return status, [(b"content-type", b"application/problem+json"), *_PRIVATE], body


def _not_allowed(allow: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    status, headers, body = _problem(405, "Method Not Allowed", f"use {allow}")
    headers.append((b"allow", allow.encode("ascii")))
    return status, headers, body


def _https(scope: Scope) -> bool:
    if scope.get("scheme") in ("https", "wss"):
        return True
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-proto":
            return bool(value.strip().lower() == b"https")
    return False
