"""Record → log line: JSON lines or the Combined Log Format, with redaction applied.

Runs on the writer thread, never on the request path.

References:
    Apache HTTP Server, mod_log_config: the Combined Log Format; JSON Lines.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from urllib.parse import quote, quote_plus, unquote_plus

from privmw._cache import BoundedCache

from ._record import Record
from .redact import INPUT_MAX, PathTemplates, has_long_run, redact
from .useragent import UserAgents

__all__: list[str] = []

FORMATS = ("json", "combined")
GRANULARITIES: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_STAMP_JSON = {
    "second": "%Y-%m-%dT%H:%M:%SZ",
    "minute": "%Y-%m-%dT%H:%M:00Z",
    "hour": "%Y-%m-%dT%H:00:00Z",
    "day": "%Y-%m-%d",
}
_STAMP_CLF = {
    "second": "%d/%b/%Y:%H:%M:%S +0000",
    "minute": "%d/%b/%Y:%H:%M:00 +0000",
    "hour": "%d/%b/%Y:%H:00:00 +0000",
    "day": "%d/%b/%Y:00:00:00 +0000",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Longest path written (after redaction).
PATH_MAX = 1024
#: Redacted paths cached (keyed by a hash of the path, never the path: it may
#: hold a secret). Pages are requested again and again; redaction costs ~20 µs.
PATH_CACHE = 4096
_JSON_SAFE = re.compile(r"[ !#-\[\]-~]*\Z").match
_URL_SAFE = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=._~\[\]%-]*\Z").match
_CLF_UNSAFE = re.compile(r'[^ !#-\[\]-~]|[\\"]')


def _js(text: str) -> str:
    if _JSON_SAFE(text):
        return f'"{text}"'
    return json.dumps(text)


def clf_escape(text: str) -> str:
    """Apache-style escaping for a quoted log field: ``\\"``, ``\\\\``, ``\\xhh``."""

    def esc(m: re.Match[str]) -> str:
        c = m.group(0)
        if c == '"' or c == "\\":
            return "\\" + c
        return "".join(f"\\x{b:02x}" for b in c.encode("utf-8"))

    return _CLF_UNSAFE.sub(esc, text)


def ua_json(info: dict[str, object]) -> str:
    """The coarse user agent as JSON members (no braces), for inlining in a record."""
    return json.dumps(info, separators=(",", ":"))[1:-1]


def ua_clf(info: dict[str, object]) -> str:
    """The coarse user agent as one CLF field: ``Firefox/128 (Linux; pc)``."""
    browser = info["browser"]
    if browser is None:
        return "-"
    version = info["browser_version"]
    name = f"{browser}/{version}" if version else str(browser)
    kind = "bot" if info["bot"] else info["device"]
    return clf_escape(f"{name} ({info['os']}; {kind})")


class Formatter:
    """Formats records as lines of one format, at one timestamp granularity.

    Args:
        format: ``"json"`` or ``"combined"``.
        granularity: a key of :data:`GRANULARITIES`.
        query_allow: query parameter names kept (values redacted).
        ua_cache_size: user agents cached.
        clock: seconds, for the user-agent parse cap (the log's clock).
        redact_paths: templates whose named parameters are redacted first.
    """

    __slots__ = (
        "_allow",
        "_combined",
        "_paths",
        "_stamp",
        "_stamp_fmt",
        "_stamp_key",
        "_step",
        "_templates",
        "agents",
        "format",
    )

    def __init__(
        self,
        format: str,
        granularity: str,
        query_allow: tuple[str, ...],
        ua_cache_size: int,
        clock: Callable[[], float] = time.time,
        redact_paths: tuple[str, ...] = (),
    ) -> None:
        self._combined = format == "combined"
        self._templates = PathTemplates(redact_paths)
        self._paths: BoundedCache[bytes, str] = BoundedCache(
            PATH_CACHE, max_bytes=1 << 20, max_item=PATH_MAX + 64
        )
        self._step = GRANULARITIES[granularity]
        self._stamp_fmt = (_STAMP_CLF if self._combined else _STAMP_JSON)[granularity]
        self._stamp_key = -1
        self._stamp = ""
        self._allow = frozenset(query_allow)
        self.agents = UserAgents(ua_cache_size, ua_clf if self._combined else ua_json, clock)
        #: ``format(record) -> (UTC day number, line)``.
        self.format: Callable[[Record], tuple[int, str]] = (
            self._format_clf if self._combined else self._format_json
        )

    def _stamp_for(self, wall: float) -> str:
        key = int(wall // self._step)
        if key != self._stamp_key:
            tm = time.gmtime(key * self._step)
            fmt = self._stamp_fmt
            if self._combined:  # %b is locale-dependent; CLF wants English months
                fmt = fmt.replace("%b", _MONTHS[tm.tm_mon - 1])
            self._stamp = time.strftime(fmt, tm)
            self._stamp_key = key
        return self._stamp

    def _path(self, path: str) -> str:
        """The path as logged: cut, named parameters redacted, then redact(), cut again.

        The first cut bounds the work per record (a client chooses the path);
        it is far beyond PATH_MAX, so whatever is logged was judged whole.
        """
        path = path[:INPUT_MAX]
        if not self._templates and not has_long_run(path):
            return redact(path)  # no run to judge: cheaper than the cache's hash
        key = hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        cached = self._paths.get(key)
        if cached is not None:
            return cached
        logged = self._templates.apply(path) if self._templates else path
        logged = redact(logged)
        if len(logged) > PATH_MAX:
            logged = logged[:PATH_MAX] + "..."
        return self._paths.put(key, logged, len(logged) + 48)

    def _query(self, raw: bytes) -> str:
        if not raw:
            return ""
        allow = self._allow
        kept: list[str] = []
        for part in raw.decode("latin-1").split("&"):
            name, sep, value = part.partition("=")
            name = unquote_plus(name)
            if name in allow:
                value = redact(unquote_plus(value[:INPUT_MAX]))[:PATH_MAX]
                kept.append(quote_plus(name) + sep + quote(value, safe="[]@:/,"))
        return "&".join(kept)

    def _format_json(self, record: Record) -> tuple[int, str]:
        wall, kind, method, path, raw_query, _, status, nbytes, dur, client, ua = record
        path = self._path(path)
        stamp = self._stamp_for(wall)
        agent = self.agents.text(ua)
        if _JSON_SAFE(f"{method}{path}{client}"):  # one check for the usual case
            m, p, c = f'"{method}"', f'"{path}"', f'"{client}"'
        else:
            m, p, c = json.dumps(method), json.dumps(path), json.dumps(client)
        q = f'"query":{_js(self._query(raw_query))},' if raw_query else ""
        return int(wall // 86400), (
            f'{{"time":"{stamp}","type":"{kind}","method":{m},"path":{p},{q}'
            f'"status":{status},"bytes":{nbytes},"duration_us":{int(dur * 1e6)},'
            f'"client":{c},{agent}}}'
        )

    def _format_clf(self, record: Record) -> tuple[int, str]:
        wall, _, method, path, raw_query, version, status, nbytes, _, client, ua = record
        path = self._path(path)
        if not _URL_SAFE(path):
            path = quote(path, safe="/:@!$&'()*+,;=-._~[]%")
        target = path
        query = self._query(raw_query) if raw_query else ""
        if query:
            target += "?" + query
        size = str(nbytes) if nbytes else "-"
        agent = self.agents.text(ua)
        if not _JSON_SAFE(f"{client}{method}{version}"):  # same set: printable, no " or \\
            client, method, version = clf_escape(client), clf_escape(method), clf_escape(version)
        stamp = self._stamp_for(wall)
        return int(wall // 86400), (
            f'{client} - - [{stamp}] "{method} {target} HTTP/{version}" '
            f'{status} {size} "-" "{agent}"'
        )
