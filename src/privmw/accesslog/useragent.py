"""Coarse user agents: browser family and major version, OS family, device class, bot.

The raw user-agent string is never logged; it is parsed into a few coarse
classes behind a bounded LRU cache (keyed by the cut string), and new strings
are parsed at most :data:`PARSES_PER_SECOND` times a second: a flood of unique
user agents must not turn the log into a CPU sink (beyond the cap they are
logged as unknown).

Parsing is ua-parser 1.x (the uap-core rules, ``regexes.yaml``, shipped in
``ua-parser-builtins``) run by its native resolver ``ua-parser-rs``: the Rust
``regex`` crate, linear in the input, no backtracking, ~20-50 µs a cold parse
where the legacy pure-Python rules took ~0.7-4 ms. ua-parser gives families
(browser, OS, device/brand/model); privmw's coarse classes are its own rules
on top of them, in this order, first match wins:

``bot``
    uap-core's device family ``Spider`` (its crawler rules), or a well-known
    automation marker in the string: ``+http(s)://`` (the crawler convention
    of a "+URL" to the bot's documentation: Google, Bing, Yandex, Baidu,
    Apple, Facebook, ...), a word ending in ``bot``/``spider``/``crawler``
    followed by ``/``, ``;``, ``)``, ``-`` or the end (``Bytespider;``,
    ``moba-crawler;``; not the phone brand ``CUBOT X6``), a leading HTTP
    library name (``curl/``, ``Wget/``, ``python-requests/``,
    ``Go-http-client/``, ...) or a headless browser (``HeadlessChrome``,
    ``PhantomJS``, ``Lighthouse``). The bot flag is independent of the device
    class (a smartphone crawler is ``mobile`` and a bot).

Device class (:data:`DEVICE_CLASSES`):

``console``
    uap-core device families ``PlayStation …``, ``Xbox …``, ``Nintendo …``
    (handhelds included: a PlayStation Vita is a console, not a phone).
``tv``
    uap-core's TV families and brands (``Generic_Inettv``, ``HbbTV``,
    ``AppleTV``, ``Chromecast``, Samsung ``SMART-TV``, LG ``Web0S``), TV
    operating systems (``Roku``, ``tvOS``, ``ATV OS X``, ``Web0S``,
    ``Chromecast …`` except the smart speaker), or a vendor-documented TV
    marker: ``SMART-TV``/``SmartTV`` and the ``TV`` UX token (Samsung),
    ``Web0S`` (LG), ``HbbTV/`` (ETSI TS 102 796), ``CrKey`` (Chromecast),
    ``AFT…`` model (Amazon Fire TV), ``BRAVIA`` (Sony), ``Android TV``,
    ``GoogleTV``, ``Apple TV``, ``Roku/``.
``tablet``
    uap-core's ``iPad``, ``Kindle…``, ``Generic Tablet`` families and
    ``Generic_Android_Tablet`` brand, the ``Tablet`` token (Firefox), or
    an Android browser (``Safari/`` token) without ``Mobi`` (Android phones'
    browsers send ``Mobile``, tablets' do not: Chrome's and Samsung
    Internet's documented formats; an app's ``Dalvik/…`` string is not a
    browser and stays ``mobile``).
``mobile``
    ``Mobi`` anywhere (MDN's advice for mobile detection), uap-core's
    ``iPhone``, ``iPod``, ``Generic Smartphone``, ``Generic Feature Phone``
    families, or a phone OS family (iOS, Android, Windows Phone, KaiOS,
    Symbian, BlackBerry OS, Firefox OS, ...).
``pc``
    a desktop OS family: Windows, Mac OS X, Chrome OS, Linux and its
    distributions, the BSDs, Solaris.
``other``
    anything else (an unknown client, a library without an OS).

iPadOS Safari sends a macOS user agent by default: it is ``pc``, as with
every parser. The two changes from the ``user-agents`` package used before
are the ``tv`` and ``console`` classes and the marker rules above; the
table of real user agents in ``tests/accesslog/test_useragent.py`` lists
each difference and why.

References:
    uap-core ``regexes.yaml`` and ``docs/specification.md``
    (https://github.com/ua-parser/uap-core); MDN, "Browser detection using
    the user agent" (``Mobi``); Samsung, "Samsung Internet user-agent string
    format" and "Retrieving platform information" (TV); LG webOS TV
    "Web engine" (userAgent string); Amazon, "User Agent Strings (Fire TV)"
    and "Amazon Silk user agent"; ETSI TS 102 796 (HbbTV) §7.3.2.4;
    Google, "Overview of Google crawlers" (``+http://www.google.com/bot.html``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from ua_parser import Domain, Resolver, load_builtins, load_lazy_builtins

from privmw._cache import BoundedCache, CacheInfo

__all__: list[str] = []

#: Longest user agent parsed or cached (longer ones are cut): bounds the cache's memory.
UA_MAX = 512
#: Longest browser or OS family logged: uap-core's generic rules copy part of
#: the (client-chosen) string into the family, so it is cut like the string.
FAMILY_MAX = 64
#: Cold user-agent parses per second with the native resolver; beyond it,
#: unknown is logged. The same CPU budget as before: 200/s at the legacy
#: parser's median 660 µs is ~130 ms a second, as is 2,500/s at the native
#: median ~50 µs (both measured in one run: ``python -m benchmarks.bench_accesslog``).
PARSES_PER_SECOND = 2500
#: The cap when only ua-parser's pure-Python resolver is available
#: (``ua-parser-rs`` has no wheel for the platform): ~1 ms a parse.
PARSES_PER_SECOND_PURE_PYTHON = 200

#: The values of the ``device`` field (``None`` when there is no user agent).
DEVICE_CLASSES = ("mobile", "tablet", "pc", "tv", "console", "other")

UNKNOWN_UA: dict[str, object] = {
    "browser": None,
    "browser_version": None,
    "os": None,
    "device": None,
    "bot": False,
}

# --- the resolver ------------------------------------------------------------------

_log = logging.getLogger("privmw.accesslog")
_lock = threading.Lock()
_resolver: Resolver | None = None
_native = False


def _build() -> tuple[Resolver, bool]:
    try:
        from ua_parser.regex import Resolver as Native
    except ImportError:  # pragma: no cover - the speedups extra is not installed
        from ua_parser.basic import Resolver as Basic

        _log.warning(
            "privmw access log: ua-parser's native resolver (ua-parser-rs) is not "
            "installed; parsing user agents in pure Python (~20x slower, at most %d new "
            "ones a second). pip install 'privmw[speedups]' where it has wheels.",
            PARSES_PER_SECOND_PURE_PYTHON,
        )
        return Basic(load_builtins()), False
    # Lazy matchers: the native resolver compiles the patterns itself, so
    # Python's ``re`` never compiles the ~1,000 uap-core rules.
    return Native(load_lazy_builtins()), True


def resolver() -> Resolver:
    """The process-wide ua-parser resolver (immutable rules, no cache), built once.

    Building it compiles the rules (~0.5 s): :class:`~privmw.AccessLog` does
    it at construction, so neither a request nor the writer thread waits.
    """
    global _resolver, _native
    if _resolver is None:
        with _lock:
            if _resolver is None:
                built, native = _build()
                _native = native
                _resolver = built
    return _resolver


def load_parser() -> None:
    """Build the resolver now (at construction), not on the first record."""
    resolver()


def is_native() -> bool:
    """Whether the native resolver (``ua-parser-rs``) is in use."""
    resolver()
    return _native


# --- coarse classes ------------------------------------------------------------------

# Automation markers on the raw string (see the module docstring). No nested
# quantifiers: each alternative is a literal or a bounded class run, so a
# search is linear in the (cut) string.
_BOT_MARK = re.compile(
    r"\+https?://"
    r"|(?i:bot|spider|crawler)(?:[/;)-]|\Z)"
    r"|^(?:curl|Wget|python-requests|python-httpx|Python-urllib|aiohttp|Go-http-client"
    r"|Java|Apache-HttpClient|libwww-perl|node-fetch|undici|axios|Scrapy)/"
    r"|HeadlessChrome|PhantomJS|Lighthouse"
).search
_TV_MARK = re.compile(
    r"SMART-?TV|SmartTV|\bTV Safari|Web0S|HbbTV/|CrKey/|\bAFT[A-Z]|BRAVIA"
    r"|Android ?TV|GoogleTV|Apple ?TV|^Roku/"
).search
# "Tablet PC 2.0" is what Internet Explorer on a touch-capable Windows PC sent.
_TABLET_TOKEN = re.compile(r"(?i:\btablet\b)(?! PC)").search
_WINDOWS_RT = re.compile(r"Windows NT 6\.[23]; ARM;").search
# Feature phones and old phone platforms whose strings have no "Mobi".
_MOBILE_MARK = re.compile(
    r"Mobi|MIDP|J2ME|CLDC|Windows ?CE|Windows ?Phone|IEMobile|BlackBerry|Opera Mini"
    r"|Symbian|SymbOS|Series ?60"
).search

_CONSOLE_FAMILIES = ("PlayStation", "Xbox", "Nintendo")
_TV_FAMILIES = frozenset({"AppleTV", "Chromecast", "HbbTV", "Inettv", "Roku"})
_TV_FAMILY_PREFIXES = ("Samsung SMART-TV", "LG Web0S", "NetCast")
_TV_OS = frozenset({"Roku", "tvOS", "ATV OS X", "Web0S", "FireHbbTV"})
_TABLET_FAMILIES = frozenset({"iPad", "Generic Tablet"})
_MOBILE_FAMILIES = frozenset({"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone"})
_MOBILE_OS = frozenset(
    {
        "iOS",
        "Android",
        "Windows Phone",
        "Windows Mobile",
        "KaiOS",
        "Symbian OS",
        "Symbian^3",
        "Symbian^3 Anna",
        "Symbian^3 Belle",
        "BlackBerry OS",
        "Firefox OS",
        "Brew MP",
        "Nokia Series 40",
        "Nokia Series 30 Plus",
        "webOS",
        "Bada",
        "MeeGo",
        "Maemo",
        "Sailfish",
        "Ubuntu Touch",
        "HarmonyOS",
        "WatchOS",
    }
)
_PC_OS = re.compile(
    r"(?:Windows|Mac OS|Chrome OS|Linux|Ubuntu|Kubuntu|Xubuntu|Lubuntu|Debian|Fedora"
    r"|Red Hat|CentOS|SUSE|openSUSE|Mint|Arch Linux|Gentoo|Slackware|Mandriva|Mageia"
    r"|PCLinuxOS|Raspbian|FreeBSD|OpenBSD|NetBSD|DragonFly|Solaris|SunOS)\b"
).match


def is_bot(ua: str, device_family: str) -> bool:
    """uap-core's ``Spider`` device, or a well-known automation marker in ``ua``."""
    return device_family == "Spider" or _BOT_MARK(ua) is not None


def device_class(ua: str, os_family: str, device_family: str, brand: str) -> str:
    """One of :data:`DEVICE_CLASSES` from ua-parser's families and a few markers."""
    if device_family.startswith(_CONSOLE_FAMILIES):
        return "console"
    if os_family != "Chromecast SmartSpeaker" and (
        brand == "Generic_Inettv"
        or device_family in _TV_FAMILIES
        or device_family.startswith(_TV_FAMILY_PREFIXES)
        or os_family in _TV_OS
        or os_family.startswith("Chromecast")
        or _TV_MARK(ua) is not None
    ):
        return "tv"
    mobi = _MOBILE_MARK(ua) is not None
    if (
        device_family in _TABLET_FAMILIES
        or device_family.startswith("Kindle")
        or brand == "Generic_Android_Tablet"
        or os_family == "BlackBerry Tablet OS"
        or _TABLET_TOKEN(ua) is not None
        or _WINDOWS_RT(ua) is not None
        or (os_family == "Android" and "Mobi" not in ua and "Safari/" in ua)
    ):
        return "tablet"
    if mobi or device_family in _MOBILE_FAMILIES or os_family in _MOBILE_OS:
        return "mobile"
    if _PC_OS(os_family) is not None:
        return "pc"
    return "other"


def _major(version: str | None) -> str | None:
    if not version:
        return None
    # As before: "007" was logged as "7" (digits are read as a number).
    return str(int(version)) if version.isdigit() else version[:FAMILY_MAX]


def coarse_user_agent(ua: str) -> dict[str, object]:
    """Browser family and major version, OS family, device class, bot flag.

    Device class is one of :data:`DEVICE_CLASSES`. The raw string is not part
    of the result (families are cut at :data:`FAMILY_MAX` characters).
    """
    ua = ua[:UA_MAX]
    result = resolver()(ua, Domain.ALL)
    agent, os_, device = result.user_agent, result.os, result.device
    os_family = os_.family if os_ is not None else "Other"
    device_family = device.family if device is not None else "Other"
    brand = (device.brand or "") if device is not None else ""
    return {
        "browser": (agent.family if agent is not None else "Other")[:FAMILY_MAX],
        "browser_version": _major(agent.major) if agent is not None else None,
        "os": os_family[:FAMILY_MAX],
        "device": device_class(ua, os_family, device_family, brand),
        "bot": is_bot(ua, device_family),
    }


class UserAgents:
    """User-agent strings to their rendered coarse form, cached and rate-capped.

    Args:
        size: entries cached.
        render: turns a :func:`coarse_user_agent` result into the log's text.
        clock: seconds; cold parses are counted per whole second of it.
    """

    __slots__ = (
        "_cache",
        "_clock",
        "_last",
        "_last_text",
        "_native",
        "_parses",
        "_render",
        "_second",
        "unknown",
    )

    def __init__(
        self,
        size: int,
        render: Callable[[dict[str, object]], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Keys are client-chosen: cut to UA_MAX characters (latin-1, so bytes),
        # and the cache is bounded in entries and in bytes.
        self._cache: BoundedCache[str, str] = BoundedCache(
            size, max_bytes=size * (UA_MAX + 128), max_item=UA_MAX + 128, lru=True
        )
        self._render = render
        self._clock = clock
        self._second = -1
        self._parses = 0
        self._native = is_native()
        self.unknown = render(UNKNOWN_UA)
        # The last user agent seen: consecutive records (a page and its assets)
        # usually share it, and this skips even the cache lookup.
        self._last = ""
        self._last_text = self.unknown

    def cache_info(self) -> CacheInfo:
        return self._cache.cache_info()

    def text(self, ua: str) -> str:
        """The rendered coarse user agent of ``ua`` (``unknown`` when empty or over the cap)."""
        if ua == self._last:
            return self._last_text
        if not ua:
            return self.unknown
        cut = ua[:UA_MAX]
        cached = self._cache.get(cut)
        if cached is not None:
            self._last, self._last_text = ua, cached
            return cached
        second = int(self._clock())
        if second != self._second:
            self._second = second
            self._parses = 0
        self._parses += 1
        # The module constants are read at each parse, so tests can lower them.
        cap = PARSES_PER_SECOND if self._native else PARSES_PER_SECOND_PURE_PYTHON
        if self._parses > cap:
            return self.unknown
        try:
            info = coarse_user_agent(cut)
        except Exception:  # pragma: no cover - client input never breaks logging
            info = UNKNOWN_UA
        text = self._cache.put(cut, self._render(info), len(cut) + 64)
        self._last, self._last_text = ua, text
        return text
