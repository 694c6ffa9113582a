"""``Set-Cookie`` gating and the expiry of tracker cookies a request carries.

The tracker registry (:mod:`privmw.trackers`) says which category a cookie
name belongs to: the site's own names (``ConsentPolicy.cookies``) first, then
the registry's vendors, then the Open Cookie Database (``privmw._cookiedb``,
whose generic names never gate). A response then

* drops every ``Set-Cookie`` whose cookie belongs to a category the visitor
  has not allowed (unknown cookies pass, or are dropped in strict mode);
* expires tracker cookies the *request* carried whose category is not allowed
  (most trackers set theirs from JavaScript, so stripping ``Set-Cookie`` alone
  never reaches them): ``Max-Age=0`` once host-only and once for the
  registrable domain (Public Suffix List, :mod:`privmw._domain`), with no
  cap on the number;

The response's headers are edited in one place, :mod:`privmw._responder`,
which asks :meth:`CookieGate.blocks` about each ``Set-Cookie``.

References:
    RFC 6265 (HTTP State Management), sections 4.1 (``Set-Cookie`` syntax),
    5.1.1 (dates), 5.2 (parsing: the name is everything before the first
    ``=``, attributes), 5.3 (storage: Max-Age over Expires, step 5 the
    ``Domain`` attribute); RFC 6265bis (1024-byte attribute values, 400-day
    cap); Chromium ``net/cookies`` (``ParsedCookie``, ``CanonicalCookie``).
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple
from urllib.parse import unquote

from ._cache import BoundedCache, CacheInfo
from ._domain import registrable_domain as registrable_domain
from .context import NECESSARY
from .trackers import TrackerRegistry

_OWS = " \t"  # the whitespace RFC 6265 trims around cookie names and values

__all__: list[str] = []  # internal: users configure cookies through ConsentPolicy

_SET_COOKIE = b"set-cookie"
_UNKNOWN = ""  # cache marker: the registry does not know this name
#: What one cached entry costs besides its text: the key's ``str`` header, the
#: dict slot, the value objects (measured with ``sys.getsizeof``, rounded up).
ENTRY_OVERHEAD = 128
_SEEN_MAX = 1024  # the most distinct Set-Cookie names observed


def parse_cookie_header(raw: str) -> list[tuple[str, str]]:
    """``(name, value)`` pairs of a ``Cookie`` header; never raises.

    Pairs without ``=`` are skipped; surrounding whitespace and one pair of
    double quotes around the value are removed (RFC 6265 section 4.2.1).
    """
    pairs: list[tuple[str, str]] = []
    for part in raw.split(";"):
        name, eq, value = part.partition("=")
        if not eq:
            continue
        # SP and HTAB only, as browsers trim: str.strip() would also eat
        # U+00A0 and U+0085 (latin-1 bytes a look-alike name can carry).
        name = name.strip(_OWS)
        value = value.strip(_OWS)
        if len(value) > 1 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        if name:
            pairs.append((name, value))
    return pairs


def set_cookie_name(value: bytes) -> str:
    """The cookie name of a ``Set-Cookie`` field value (RFC 6265 section 5.2)."""
    pair = value.split(b";", 1)[0]
    name, eq, _ = pair.partition(b"=")
    if not eq:
        return ""
    return name.strip(_WSP).decode("latin-1")


# -- RFC 6265 section 5.2: the Set-Cookie algorithm, as far as expiry goes ----------

_WSP = b" \t"
#: RFC 6265bis / Chromium: an attribute value longer than this is ignored.
MAX_ATTRIBUTE_VALUE = 1024
#: Browsers cap a cookie's lifetime at 400 days (RFC 6265bis section 5.5).
MAX_LIFETIME = 400 * 86400
_INT64 = (1 << 63) - 1
_MONTHS = {
    m: i for i, m in enumerate(b"jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)
}
# RFC 6265 section 5.1.1: delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
_DELIMS = re.compile(rb"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(rb"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[^0-9].*)?\Z", re.DOTALL)
_DAY = re.compile(rb"([0-9]{1,2})(?:[^0-9].*)?\Z", re.DOTALL)
_YEAR = re.compile(rb"([0-9]{2,4})(?:[^0-9].*)?\Z", re.DOTALL)
# Chromium's cookie_util::ParseCookieExpirationTime: ':' is no delimiter.
_CHROMIUM_DELIMS = re.compile(rb"[\t !\"#$%&'()*+,\-./;<=>?@\[\\\]^_`{|}~]+")
# Chromium 156 refuses a time token with anything after "h:m:s" ("00:00:00GMT").
_CHROMIUM_TIME = re.compile(rb"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})\Z")
# Chromium refuses a whole Set-Cookie line holding a control character (but HTAB).
_CTL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_CHROMIUM_INT = re.compile(rb"[+-]?[0-9]+")
_LEADING_INT = re.compile(rb"[0-9]*")


def _timestamp(
    year: int, month: int, day: int, hour: int, minute: int, second: int
) -> float | None:
    try:
        when = datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:  # no such date (30 February) or out of range
        return None
    return float(calendar.timegm(when.timetuple()))


def parse_cookie_date(value: bytes) -> float | None:
    """RFC 6265 section 5.1.1: a cookie date as Unix seconds (UTC), or ``None``.

    Tokens are read in order; the first that looks like a time, a day of the
    month, a month and a year (in that order of preference) are taken, the
    rest ignored, so ``Wed, 01 Jan 2100 00:00:00 GMT 1970`` is in 2100.
    Two-digit years: 70-99 are 19xx, 00-69 are 20xx. Years before 1601 fail.
    """
    time_: tuple[int, int, int] | None = None
    day = month = year = None
    for token in _DELIMS.split(value[:MAX_ATTRIBUTE_VALUE]):
        if not token:
            continue
        if time_ is None:
            m = _TIME.match(token)
            if m:
                time_ = (int(m[1]), int(m[2]), int(m[3]))
                continue
        if day is None:
            m = _DAY.match(token)
            if m:
                day = int(m[1])
                continue
        if month is None:
            got = _MONTHS.get(token[:3].lower())
            if got is not None:
                month = got
                continue
        if year is None:
            m = _YEAR.match(token)
            if m:
                year = int(m[1])
                continue
    if time_ is None or day is None or month is None or year is None:
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = time_
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    return _timestamp(year, month, day, hour, minute, second)


def chromium_cookie_date(value: bytes) -> float | None:
    """Chromium's own cookie-date reading (``cookie_util::ParseCookieExpirationTime``).

    It differs from RFC 6265 in small ways (``:`` is no delimiter, a numeric
    token longer than two digits is a year, five-digit years saturate, a time
    token must be exactly ``h:m:s``); privmw calls a ``Set-Cookie`` a deletion
    only when both readings agree. The differences were found by running
    Chromium on a table of tricky values (``tests/browser/test_set_cookie_oracle.py``).
    """
    time_: tuple[int, int, int] | None = None
    day = month = year = None
    for token in _CHROMIUM_DELIMS.split(value):
        if not token:
            continue
        if not token[:1].isdigit():
            if month is None:
                month = _MONTHS.get(token[:3].lower())
        elif b":" in token:
            m = _CHROMIUM_TIME.match(token)
            if time_ is None and m:
                time_ = (int(m[1]), int(m[2]), int(m[3]))
        elif day is None and len(token) <= 2:
            day = int(_LEADING_INT.match(token)[0] or b"0")  # type: ignore[index]
        elif year is None and len(token) <= 5:
            year = int(_LEADING_INT.match(token)[0] or b"0")  # type: ignore[index]
    if time_ is None or day is None or month is None or year is None:
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = time_
    if year > 9999:
        return float(_INT64)  # saturated: the far future
    return _timestamp(year, month, day, hour, minute, second)


class SetCookie(NamedTuple):
    """A ``Set-Cookie`` field value split as RFC 6265 section 5.2 says.

    ``attributes`` holds every attribute, in order, as ``(lower-case name,
    value)`` with whitespace trimmed; which of them count is decided by
    :meth:`expiry` (and by the browser).
    """

    name: str
    value: str
    attributes: tuple[tuple[str, str], ...]

    def expiry(self, now: float) -> float | None:
        """RFC 6265 section 5.3 step 3: when the cookie expires (``None``: a session cookie).

        The last *valid* ``Max-Age`` wins over any ``Expires``; otherwise the
        last valid ``Expires``. Invalid values are ignored as section 5.2.1/5.2.2
        say (``Max-Age=abc``, ``Max-Age=+5``, an unreadable date); ``Max-Age``
        of 0 or less is "the earliest representable date". The lifetime is
        capped at 400 days as browsers do. Never raises, whatever the length.
        """
        max_age: float | None = None
        expires: float | None = None
        for key, val in self.attributes:
            if key == "max-age":
                seconds = _delta_seconds(val)
                if seconds is not None:
                    max_age = seconds
            elif key == "expires":
                stamp = parse_cookie_date(val.encode("latin-1"))
                if stamp is not None:
                    expires = stamp
        if max_age is not None:
            return -math.inf if max_age <= 0 else now + min(max_age, MAX_LIFETIME)
        if expires is not None:
            return min(expires, now + MAX_LIFETIME)
        return None

    def chromium_expiry(self, now: float) -> float | None:
        """The expiry Chromium computes (``CanonicalCookie::ParseExpiration``).

        The *last* ``Max-Age`` is taken whether valid or not (``+5`` is valid
        there), and only when it cannot be read does the last ``Expires``
        count (then a bad or empty date means a session cookie); values over
        1024 bytes are ignored.
        """
        max_age: str | None = None
        expires: str | None = None
        for key, val in self.attributes:
            if len(val) > MAX_ATTRIBUTE_VALUE:
                continue
            if key == "max-age":
                max_age = val
            elif key == "expires":
                expires = val
        if max_age is not None:
            raw = max_age.encode("latin-1")
            if _CHROMIUM_INT.fullmatch(raw):
                negative = raw[:1] == b"-"
                digits = raw.lstrip(b"+-").lstrip(b"0")
                seconds = _INT64 if len(digits) > 18 else int(digits or b"0")
                if negative or seconds == 0:
                    return -math.inf
                return now + min(seconds, MAX_LIFETIME)
        if expires:
            stamp = chromium_cookie_date(expires.encode("latin-1"))
            if stamp is not None:
                return min(stamp, now + MAX_LIFETIME)
        return None


def _delta_seconds(value: str) -> float | None:
    """RFC 6265 section 5.2.2 ``Max-Age``: ``-``? then digits, else ignored.

    Never ``int()`` on unbounded digits (5000 of them raised ``ValueError``).
    """
    if not value or not value.isascii():
        return None
    negative = value[0] == "-"
    digits = value[1:] if negative else value
    if not digits or not digits.isdigit():
        return None
    digits = digits.lstrip("0")
    if len(digits) > 18:
        return -math.inf if negative else math.inf
    seconds = int(digits or "0")
    return -seconds if negative else seconds


def parse_set_cookie(value: bytes) -> SetCookie:
    """Split a ``Set-Cookie`` field value (RFC 6265 section 5.2); never raises.

    A pair without ``=`` is a cookie with an empty name (RFC 6265bis, as
    browsers do); attribute names are lower-cased, names and values trimmed.
    """
    text = value.decode("latin-1")
    pair, _, rest = text.partition(";")
    name, eq, cookie_value = pair.partition("=")
    if not eq:
        name, cookie_value = "", name
    attributes: list[tuple[str, str]] = []
    if rest:
        for av in rest.split(";"):
            key, _, val = av.partition("=")
            key = key.strip(" \t").lower()
            if key:
                attributes.append((key, val.strip(" \t")))
    return SetCookie(name.strip(" \t"), cookie_value.strip(" \t"), tuple(attributes))


def is_deletion(value: bytes, now: float) -> bool:
    """Whether a browser deletes this ``Set-Cookie``'s cookie and stores nothing.

    Only when the cookie's expiry is in the past by RFC 6265 (sections 5.2,
    5.3) *and* by Chromium's reading (:meth:`SetCookie.chromium_expiry`): so
    ``_ga=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=63072000`` (Max-Age
    wins), ``Max-Age=0; Max-Age=63072000`` (the last wins) and
    ``Max-Age=-x; Expires=<2100>`` (the bad Max-Age is ignored) are no
    deletions. Deleting a tracker cookie never needs consent, so real
    deletions pass the gate. A line Chromium refuses whole (a control
    character) is no deletion either. Never raises.
    """
    if _CTL.search(value):
        return False
    parsed = parse_set_cookie(value)
    rfc = parsed.expiry(now)
    if rfc is None or rfc > now:
        return False
    chromium = parsed.chromium_expiry(now)
    return chromium is not None and chromium <= now


def expiry_headers(
    names: Iterable[str], domain: str | None, *, secure: bool = False
) -> list[tuple[bytes, bytes]]:
    """``Set-Cookie`` headers that delete each named cookie (``Max-Age=0``).

    One host-only deletion and, when ``domain`` is given, one for that
    domain: a cookie is only replaced by a cookie with the same name, domain
    and path, and trackers write theirs on the registrable domain with
    ``Path=/``.
    """
    tail = b"; Max-Age=0; Path=/; SameSite=Lax" + (b"; Secure" if secure else b"")
    out: list[tuple[bytes, bytes]] = []
    dom = b"; Domain=" + domain.encode("ascii") if domain else None
    for name in names:
        raw = name.encode("latin-1", "replace") + b"="
        out.append((_SET_COOKIE, raw + tail))
        if dom is not None:
            out.append((_SET_COOKIE, raw + tail + dom))
    return out


class CookieGate:
    """Which cookies a response may set, given what the visitor allows.

    Args:
        registry: the tracker registry whose cookie patterns decide categories.
        strict: drop ``Set-Cookie`` for names the registry does not know
            (default: let them through; sessions and CSRF tokens are unknown).
        names: extra exact cookie names → category, consulted before the
            registry (the consent cookie itself, the app's own cookies).
        clock: Unix seconds now, to tell a past ``Expires`` (a deletion).
    """

    __slots__ = ("_cache", "_clock", "_names", "_seen", "registry", "strict")

    def __init__(
        self,
        registry: TrackerRegistry,
        *,
        strict: bool = False,
        names: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self._clock = clock
        self.strict = strict
        self._names: dict[str, str] = dict(names or {})
        # Names are client-chosen: bounded in entries and bytes, long names not kept.
        self._cache: BoundedCache[str, str] = BoundedCache(
            4096, max_bytes=512 * 1024, max_item=256 + ENTRY_OVERHEAD
        )
        # Cookie names the app's responses set, already observed (bounded).
        self._seen: set[str] = set()

    def cache_info(self) -> CacheInfo:
        """The size of the name → category cache (never its keys)."""
        return self._cache.cache_info()

    def category(self, name: str) -> str | None:
        """The category of a cookie name, ``None`` if unknown; percent-encoded names decoded."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache.put(name, self._lookup(name), len(name) + ENTRY_OVERHEAD)
        return cached or None

    def _lookup(self, name: str) -> str:
        for candidate in (name, unquote(name)) if "%" in name else (name,):
            known = self._names.get(candidate)
            if known is not None:
                return known
            vendor = self.registry.match_cookie(candidate)
            if vendor is not None:
                return vendor.category
        db = self.registry.cookie_db  # the Open Cookie Database, for names no vendor declares
        if db is not None:
            for candidate in (name, unquote(name)) if "%" in name else (name,):
                found = db.consent_category(candidate)
                if found is not None:
                    return found
        return _UNKNOWN

    def allowed(self, name: str, allows: Callable[[str], bool]) -> bool:
        """Whether a response may set cookie ``name``."""
        category = self.category(name)
        if category is None:
            return not self.strict
        return category == NECESSARY or allows(category)

    def stale(
        self, pairs: Iterable[tuple[str, str]], allows: Callable[[str], bool]
    ) -> tuple[str, ...]:
        """Names of known tracker cookies among ``pairs`` whose category is not allowed."""
        out: list[str] = []
        for name, _ in pairs:
            category = self.category(name)
            if category is not None and category != NECESSARY and not allows(category):
                out.append(name)
        return tuple(out)

    def blocks(self, set_cookie: bytes, allows: Callable[[str], bool]) -> bool:
        """Whether a ``Set-Cookie`` field value must be dropped from the response.

        Real deletions (:func:`is_deletion`) pass: removing a tracker cookie
        never needs consent. The attributes are parsed only for a cookie the
        visitor has not allowed. A known cookie the app sets is recorded in the
        registry's observations (its name's pattern, never its value).
        """
        name = set_cookie_name(set_cookie)
        if name not in self._seen:
            self._observe(name)
        if self.allowed(name, allows):
            return False
        return not is_deletion(set_cookie, self._clock())

    def _observe(self, name: str) -> None:
        """Record which vendor (or the Open Cookie Database) knows a cookie the app sets."""
        seen = self._seen
        if len(seen) >= _SEEN_MAX:
            return  # bounded; later names are simply not recorded
        seen.add(name)
        registry = self.registry
        if name in self._names:
            return  # the site's own declared cookie
        decoded = unquote(name) if "%" in name else name
        vendor = registry.match_cookie(name) or registry.match_cookie(decoded)
        if vendor is not None:
            registry.observed.vendor(vendor.name)
            registry.observed.cookie(registry.cookie_pattern(decoded, vendor), vendor.name)
            return
        db = registry.cookie_db
        if db is not None:
            info = db.info(decoded)
            if info is not None:
                registry.observed.cookie(info.pattern, "ocd")
