"""Coarse user agents: browser family and major version, OS family, device class, bot.

The raw user-agent string is never logged; it is parsed into a few coarse
classes behind a bounded cache (keyed by the cut string), and new strings are
parsed at most :data:`PARSES_PER_SECOND` times a second: a flood of unique
user agents must not turn the log into a CPU sink (beyond the cap they are
logged as unknown).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from privmw._cache import BoundedCache, CacheInfo

__all__: list[str] = []

#: Longest user agent parsed or cached (longer ones are cut): bounds the cache's memory.
UA_MAX = 512
#: Cold user-agent parses per second (~1 ms each); beyond it, unknown is logged.
PARSES_PER_SECOND = 200

UNKNOWN_UA: dict[str, object] = {
    "browser": None,
    "browser_version": None,
    "os": None,
    "device": None,
    "bot": False,
}


def _ua_parser() -> Callable[[str], Any]:
    # Imported on first use: it costs ~0.2 s, paid by apps that log, at set-up.
    from user_agents import parse

    return parse  # type: ignore[no-any-return]


def load_parser() -> None:
    """Import the parser now (at construction), not on the first record."""
    _ua_parser()


def coarse_user_agent(ua: str) -> dict[str, object]:
    """Browser family and major version, OS family, device class, bot flag.

    Device class is ``"mobile"``, ``"tablet"``, ``"pc"`` or ``"other"``. The
    raw string is not part of the result.
    """
    parsed = _ua_parser()(ua[:UA_MAX])
    version = parsed.browser.version
    if parsed.is_tablet:
        device = "tablet"
    elif parsed.is_mobile:
        device = "mobile"
    elif parsed.is_pc:
        device = "pc"
    else:
        device = "other"
    return {
        "browser": str(parsed.browser.family),
        "browser_version": str(version[0]) if version else None,
        "os": str(parsed.os.family),
        "device": device,
        "bot": bool(parsed.is_bot),
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
        self._cache: BoundedCache[str, str] = BoundedCache(
            size, max_bytes=size * (UA_MAX + 128), max_item=UA_MAX + 128, lru=True
        )
        self._render = render
        self._clock = clock
        self._second = -1
        self._parses = 0
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
        if self._parses > PARSES_PER_SECOND:
            return self.unknown
        try:
            info = coarse_user_agent(cut)
        except Exception:  # pragma: no cover - client input never breaks logging
            info = UNKNOWN_UA
        text = self._cache.put(cut, self._render(info), len(cut) + 64)
        self._last, self._last_text = ua, text
        return text
