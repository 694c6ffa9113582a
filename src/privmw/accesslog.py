"""An anonymous access log that deletes its own files.

One record per request (and one per WebSocket session), written when the
response ends: the time at a chosen granularity, method, path, status, bytes
sent, duration, the client address *as PrivacyMiddleware truncated it* and a
coarse user agent (browser family and major version, OS family, device class,
bot flag). Never the raw user-agent string, cookies, the referrer, forwarding
headers or the full address. The query string is dropped unless named in
``query_allow``; e-mail addresses, tokens and IP addresses are redacted from
the path and from kept query values.

The request path only builds a tuple and appends it to a list.
One writer thread, started on the first record (or by :meth:`AccessLog.start`),
parses user agents behind a bounded LRU cache, formats lines and writes them in
batches, either to one file per UTC day in a directory (files older than
``retention_days`` are deleted by the writer at start-up and whenever the day
changes, no cron needed) or to a standard :mod:`logging` logger.

References:
    Apache HTTP Server, mod_log_config: the Combined Log Format.
    German supervisory authorities (Düsseldorfer Kreis, 27 Nov 2009) and
    BGH III ZR 146/10: logs for operation and abuse handling kept for 7 days.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import functools
import json
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

from cachetools import LRUCache

from ._errors import ConfigurationError
from ._types import Message, Scope, Send
from .clientip import parse_ip
from .logfilter import _IPV4, _IPV6

__all__ = ["AccessLog", "AccessRecorder", "coarse_user_agent", "redact"]

_OWNER = "AccessLog"
_log = logging.getLogger("privmw.accesslog")

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

#: Longest user agent we parse or cache (longer ones are cut): bounds the cache's memory.
_UA_MAX = 512
#: Cold user-agent parses per second (~1 ms each); beyond it, "Other" is logged.
#: A flood of unique user agents must not turn the log into a CPU sink.
_UA_PARSES_PER_SECOND = 200
#: Records waiting for the writer; beyond it, records are dropped (and reported once).
_MAX_BACKLOG = 100_000
#: Seconds the writer lets records gather before writing a batch.
_LINGER = 0.05
#: Longest path written (after redaction).
_PATH_MAX = 1024
_FILE_RE = re.compile(r"^access-(\d{4}-\d{2}-\d{2})\.log$")
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()

# --- redaction -------------------------------------------------------------

# Every alternative that matches a run starts with a look-behind, so each run is
# tried once (linear time on hostile paths).
_REDACT_RE = re.compile(
    r"(?P<email>(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?P<jwt>(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*)?)"
    r"|(?P<uuid>(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![0-9A-Za-z]))"
    rf"|(?P<ip4>{_IPV4})"
    rf"|(?P<ip6>{_IPV6})"
    r"|(?P<run>(?<![A-Za-z0-9_+=-])[A-Za-z0-9_+=-]{16,})"
)
_HEX_RE = re.compile(r"[0-9a-fA-F]+\Z")
_RUN16 = re.compile(r"[A-Za-z0-9_+=-]{16}").search
_DOTTED = re.compile(r"\d\.\d{1,3}\.\d").search
_JSON_SAFE = re.compile(r"[ !#-\[\]-~]*\Z").match
_URL_SAFE = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=._~\[\]%-]*\Z").match
_CLF_UNSAFE = re.compile(r'[^ !#-\[\]-~]|[\\"]')


def _looks_like_token(run: str) -> bool:
    """A secret-looking run of base64url characters (hex ids, card numbers, session keys)."""
    if _HEX_RE.match(run):
        return any(c.isdigit() for c in run)
    if len(run) < 20:
        return False
    upper = lower = digit = 0
    for c in run:
        if c.isdigit():
            digit += 1
        elif c.isupper():
            upper += 1
        elif c.islower():
            lower += 1
    if upper and lower and digit:
        return True
    # Lower-case + digit keys without separators (Django session keys, base36 ids).
    return digit >= 3 and (upper + lower) >= 3 and "-" not in run and "_" not in run


def _replace(match: re.Match[str]) -> str:
    kind = match.lastgroup
    text = match.group(0)
    if kind == "email":
        return "[email]"
    if kind == "jwt" or kind == "uuid":
        return "[token]"
    if kind == "ip4" or kind == "ip6":
        return "[ip]" if parse_ip(text) is not None else text
    return "[token]" if _looks_like_token(text) else text


def redact(text: str) -> str:
    """``text`` with e-mail addresses, tokens and IP addresses replaced.

    E-mail addresses become ``[email]``; JWTs, UUIDs, hex runs of 16+ characters
    (ids, hashes, card numbers) and random-looking base64url runs of 20+
    characters become ``[token]``; IPv4 and IPv6 addresses become ``[ip]``.
    Ordinary words, slugs (``2024-annual-report``) and short numbers stay.
    """
    # Cheap screens first: most paths have no '@', no ':', no 16-character run
    # and no dotted quad, and skip the full pattern.
    if (
        "@" not in text
        and ":" not in text
        and _RUN16(text) is None
        and ("." not in text or _DOTTED(text) is None)
    ):
        return text
    return _REDACT_RE.sub(_replace, text)


# --- user agents -----------------------------------------------------------


def _ua_parser() -> Callable[[str], Any]:
    # Imported on first use: it costs ~0.2 s, paid by apps that log, at set-up.
    from user_agents import parse

    return parse  # type: ignore[no-any-return]


def coarse_user_agent(ua: str) -> dict[str, object]:
    """Browser family and major version, OS family, device class, bot flag.

    Device class is ``"mobile"``, ``"tablet"``, ``"pc"`` or ``"other"``. The
    raw string is not part of the result.
    """
    parsed = _ua_parser()(ua[:_UA_MAX])
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


_UNKNOWN_UA: dict[str, object] = {
    "browser": None,
    "browser_version": None,
    "os": None,
    "device": None,
    "bot": False,
}


def _ua_json(info: dict[str, object]) -> str:
    return json.dumps(info, separators=(",", ":"))[1:-1]


def _ua_clf(info: dict[str, object]) -> str:
    browser = info["browser"]
    if browser is None:
        return "-"
    version = info["browser_version"]
    name = f"{browser}/{version}" if version else str(browser)
    kind = "bot" if info["bot"] else info["device"]
    return _clf_escape(f"{name} ({info['os']}; {kind})")


# --- formatting helpers ----------------------------------------------------


def _js(text: str) -> str:
    if _JSON_SAFE(text):
        return f'"{text}"'
    return json.dumps(text)


def _clf_escape(text: str) -> str:
    """Apache-style escaping for a quoted log field: ``\\"``, ``\\\\``, ``\\xhh``."""

    def esc(m: re.Match[str]) -> str:
        c = m.group(0)
        if c == '"' or c == "\\":
            return "\\" + c
        return "".join(f"\\x{b:02x}" for b in c.encode("utf-8"))

    return _CLF_UNSAFE.sub(esc, text)


def _day_name(day: int) -> str:
    return datetime.date.fromordinal(day + _EPOCH_ORDINAL).isoformat()


def _check_int(name: str, value: object, low: int, high: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigurationError(
            f"{_OWNER}: {name} must be an int from {low} to {high} ({fix}), got {value!r}"
        )
    return value


# --- configuration ---------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class AccessLog:
    """The anonymous access log, an opt-in for :class:`~privmw.PrivacyMiddleware`.

    Give exactly one destination::

        AccessLog(directory="logs")                    # access-YYYY-MM-DD.log, 7 days
        AccessLog(logger=logging.getLogger("access"))  # your handlers, your retention

    Args:
        directory: write one file per UTC day, ``access-YYYY-MM-DD.log``, here
            (created if missing). Files older than ``retention_days`` are
            deleted by the writer itself, at start-up and when the day changes.
        logger: hand each line to this :class:`logging.Logger` (or logger name)
            at INFO instead. Retention is then the operator's: privmw deletes
            nothing, and ``retention_days`` is ignored.
        retention_days: days of files kept, today included (1-3650, default 7).
        format: ``"json"`` (JSON lines, default) or ``"combined"`` (Apache
            Combined Log Format: referrer always ``-``, the coarse user agent in
            the user-agent field, no duration).
        timestamp_granularity: ``"second"`` (default), ``"minute"``, ``"hour"``
            or ``"day"``; the UTC time is cut down to it.
        query_allow: query parameter names to keep (values redacted); every
            other parameter is dropped. Default: the query is dropped.
        clock: wall-clock seconds (``time.time``); injected by tests.
        ua_cache_size: coarse user agents cached, keyed by the user-agent
            string (default 1024 entries).

    The writer is a daemon thread; call :meth:`close` at shutdown (e.g. in the
    app's lifespan) so the last records are written. An interpreter exit closes
    it too.

    References:
        Apache mod_log_config (Combined Log Format); JSON Lines.
    """

    directory: str | os.PathLike[str] | None = None
    logger: logging.Logger | str | None = None
    retention_days: int = 7
    format: str = "json"
    timestamp_granularity: str = "second"
    query_allow: Iterable[str] = ()
    clock: Callable[[], float] = time.time
    ua_cache_size: int = 1024
    _writer: _Writer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.directory is None) == (self.logger is None):
            given = "both" if self.directory is not None else "neither"
            raise ConfigurationError(
                f"{_OWNER}: give exactly one of directory= (daily files, deleted after "
                f"retention_days) or logger= (a logging.Logger; retention is yours), got {given}"
            )
        if self.directory is not None and not isinstance(self.directory, (str, os.PathLike)):
            raise ConfigurationError(
                f"{_OWNER}: directory must be a path (str or os.PathLike), got {self.directory!r}"
            )
        if self.directory is not None and not os.fspath(self.directory):
            raise ConfigurationError(
                f"{_OWNER}: directory must not be empty, got {self.directory!r}; use '.' for here"
            )
        if self.logger is not None and not isinstance(self.logger, (logging.Logger, str)):
            raise ConfigurationError(
                f"{_OWNER}: logger must be a logging.Logger or a logger name, got {self.logger!r}"
            )
        _check_int("retention_days", self.retention_days, 1, 3650, "days of files kept")
        if self.format not in FORMATS:
            raise ConfigurationError(
                f'{_OWNER}: format must be "json" or "combined", got {self.format!r}'
            )
        if self.timestamp_granularity not in GRANULARITIES:
            raise ConfigurationError(
                f"{_OWNER}: timestamp_granularity must be one of "
                f'"second", "minute", "hour", "day", got {self.timestamp_granularity!r}'
            )
        allow = self.query_allow
        if isinstance(allow, (str, bytes)):
            raise ConfigurationError(
                f"{_OWNER}: query_allow must be a sequence of parameter names, got the single "
                f"string {allow!r}; write ({allow!r},)"
            )
        try:
            names = tuple(allow)
        except TypeError:
            raise ConfigurationError(
                f"{_OWNER}: query_allow must be a sequence of parameter names, got {allow!r}"
            ) from None
        for name in names:
            if not isinstance(name, str) or not name:
                raise ConfigurationError(
                    f"{_OWNER}: query_allow entries must be non-empty strings, got {name!r}"
                )
        object.__setattr__(self, "query_allow", names)
        if not callable(self.clock):
            raise ConfigurationError(
                f"{_OWNER}: clock must be a callable returning seconds (like time.time), "
                f"got {self.clock!r}"
            )
        _check_int("ua_cache_size", self.ua_cache_size, 1, 1_000_000, "user agents cached")
        _ua_parser()
        object.__setattr__(self, "_writer", _Writer(self))

    def __repr__(self) -> str:
        parts = [
            f"directory={os.fspath(self.directory)!r}"
            if self.directory is not None
            else f"logger={self._logger_name()!r}"
        ]
        if self.directory is not None:
            parts.append(f"retention_days={self.retention_days}")
        if self.format != "json":
            parts.append(f"format={self.format!r}")
        if self.timestamp_granularity != "second":
            parts.append(f"timestamp_granularity={self.timestamp_granularity!r}")
        if self.query_allow:
            parts.append(f"query_allow={self.query_allow!r}")
        if self.ua_cache_size != 1024:
            parts.append(f"ua_cache_size={self.ua_cache_size}")
        return f"AccessLog({', '.join(parts)})"

    def _logger_name(self) -> str:
        logger = self.logger
        return logger.name if isinstance(logger, logging.Logger) else str(logger)

    # --- runtime -------------------------------------------------------

    def recorder(self, scope: Scope, send: Send) -> AccessRecorder:
        """A send wrapper that writes this request's record when the response ends.

        Use it as a context manager around the app call, after the middleware
        has truncated ``scope["client"]``::

            with access_log.recorder(scope, send) as send:
                await app(scope, receive, send)
        """
        return AccessRecorder(self._writer, scope, send)

    def start(self) -> None:
        """Start the writer now (it also starts on the first record).

        With a directory, this is the start-up retention sweep: call it in the
        app's lifespan start-up so old files go even before the first request.
        """
        self._writer.start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every record handed over so far is written; ``False`` on timeout.

        Also runs the day-change check (rotation and retention sweep). Blocking:
        for tests and shutdown, not for a request handler.
        """
        return self._writer.flush(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, stop the writer, close the file.

        A record arriving afterwards starts a new writer.
        """
        self._writer.close(timeout)

    def describe(self) -> dict[str, object]:
        """Facts for :func:`privmw.disclosure` (JSON-able)."""
        gran = self.timestamp_granularity
        data = [
            f"date and time of the request (UTC, to the {gran})",
            "request method and page path (e-mail addresses, tokens and IP addresses "
            "in it are replaced by placeholders)",
        ]
        if self.query_allow:
            data.append(
                "query parameters " + ", ".join(self.query_allow) + " (values redacted "
                "like the path); all other query parameters are dropped"
            )
        else:
            data.append("no query parameters (the query string is dropped)")
        data += [
            "response status and amount of data sent",
            "time taken to answer",
            "the client IP address, shortened (see client data)",
            "browser family and major version, operating-system family, device class "
            "(mobile, tablet, pc, other), whether the client is a bot",
        ]
        if self.directory is not None:
            days = self.retention_days
            retention = (
                f"{days} day{'s' if days != 1 else ''}: one file per UTC day, deleted "
                f"automatically when it is older than {days} day{'s' if days != 1 else ''}"
            )
            destination = "files on the server, one per UTC day"
        else:
            retention = (
                f"handed to the logging logger {self._logger_name()!r}; retention is "
                "the operator's and not enforced by privmw"
            )
            destination = f"logging logger {self._logger_name()!r}"
        return {
            "title": "Access log",
            "purpose": "Operating the site: finding errors, measuring load and "
            "detecting abuse, without personal reference.",
            "data": data,
            "retention": retention,
            "details": {
                "format": "JSON lines" if self.format == "json" else "Combined Log Format",
                "destination": destination,
                "retention_days": self.retention_days if self.directory is not None else None,
                "timestamp_granularity": gran,
                "query_parameters_kept": list(self.query_allow),
                "never_logged": [
                    "the full IP address",
                    "the user-agent string",
                    "cookies",
                    "the referring page",
                    "forwarding headers",
                ],
            },
        }


# --- per-request recorder --------------------------------------------------

_UA = b"user-agent"
_perf = time.perf_counter
_monotonic = time.monotonic
# (wall, kind, method, path, query, http_version, status, bytes, duration, client, ua)
Record = tuple[float, str, str, str, bytes, str, int, int, float, str, str]


class AccessRecorder:
    """Wraps ``send``: counts status and bytes, submits the record when the response ends.

    HTTP: the record goes when the last body chunk (``more_body`` false) or a
    ``pathsend`` has been sent. WebSocket: when the app returns (the session is
    over). If the app raises before the response ends, the record goes with
    status 500 (or the status already sent) on exit from the ``with`` block.
    """

    __slots__ = (
        "_bytes",
        "_client",
        "_done",
        "_headers",
        "_kind",
        "_method",
        "_path",
        "_query",
        "_send",
        "_start",
        "_status",
        "_ua",
        "_version",
        "_wall",
        "_writer",
    )

    def __init__(self, writer: _Writer, scope: Scope, send: Send) -> None:
        self._writer = writer
        self._send = send
        self._wall = writer.clock()
        self._start = _perf()
        kind = scope["type"]
        self._kind = kind
        self._method = scope.get("method", "GET") if kind == "http" else "GET"
        self._path = scope.get("path", "")
        self._query = scope.get("query_string", b"") if writer.keep_query else b""
        self._version = scope.get("http_version", "1.1")
        client = scope.get("client")
        self._client = str(client[0]) if client else "-"
        ua = ""
        for name, value in scope["headers"]:
            if name == _UA:
                ua = value.decode("latin-1")
                break
        self._ua = ua
        self._status = 0
        self._bytes = 0
        self._done = False
        self._headers: Any = None

    def __enter__(self) -> AccessRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._done:
            return
        if self._kind == "websocket":
            if not self._status:
                self._status = 500 if exc_type is not None else 403
        elif exc_type is not None or not self._status:
            # The server answers 500 when the app fails before the response ends.
            self._status = self._status or 500
        self._submit()

    async def __call__(self, message: Message) -> None:
        # Count first, send, then submit: if sending fails (the client went
        # away), __exit__ still writes the record with what was known.
        kind = message["type"]
        if kind == "http.response.body":
            self._bytes += len(message.get("body", b""))
            await self._send(message)
            if not message.get("more_body", False):
                self._submit()
            return
        if kind == "http.response.start":
            self._status = message["status"]
            self._headers = message.get("headers")
        elif kind == "http.response.pathsend":
            self._bytes = self._content_length()
            await self._send(message)
            self._submit()
            return
        elif kind == "websocket.send":
            data = message.get("bytes")
            if data is None:
                text = message.get("text") or ""
                self._bytes += len(text.encode("utf-8", "replace"))
            else:
                self._bytes += len(data)
        elif kind == "websocket.accept":
            self._status = 101
        elif kind == "websocket.close":
            if not self._status:
                self._status = 403  # closed before accepting: the server answers 403
        elif kind == "websocket.http.response.start":
            self._status = message["status"]
        elif kind == "websocket.http.response.body":
            self._bytes += len(message.get("body", b""))
        await self._send(message)

    def _content_length(self) -> int:
        for name, value in self._headers or ():
            if name.lower() == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    def _submit(self) -> None:
        self._done = True
        self._writer.submit(
            (
                self._wall,
                self._kind,
                self._method,
                self._path,
                self._query,
                self._version,
                self._status,
                self._bytes,
                _perf() - self._start,
                self._client,
                self._ua,
            )
        )


# --- writer ----------------------------------------------------------------


class _Flush:
    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = threading.Event()


_STOP = object()
_LIVE: weakref.WeakSet[_Writer] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:  # pragma: no cover - runs at interpreter exit
    for writer in list(_LIVE):
        writer.close(2.0)


def _after_fork() -> None:  # pragma: no cover - runs in a forked child
    # A child (gunicorn --preload, multiprocessing) inherits a writer whose thread
    # did not survive the fork: give it a fresh queue, lock and file, started lazily.
    for writer in list(_LIVE):
        writer._reset()
    _LIVE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class _Writer:
    """The runtime behind one :class:`AccessLog`: queue, writer thread, cache, file."""

    def __init__(self, config: AccessLog) -> None:
        self.config = config
        self.clock = config.clock
        self.keep_query = bool(config.query_allow)
        self._allow = frozenset(config.query_allow)
        # Records, flush markers and the stop marker, in order. Appends (event
        # loop) and the writer's copy-then-delete of the head are each one C
        # call under the GIL, so no lock is needed and nothing is lost.
        self._buf: list[object] = []
        self._idle = False
        self._urgent = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._fd = -1
        self._combined = config.format == "combined"
        gran = config.timestamp_granularity
        self._step = GRANULARITIES[gran]
        self._stamp_fmt = (_STAMP_CLF if self._combined else _STAMP_JSON)[gran]
        self._stamp_key = -1
        self._stamp = ""
        self._ua_cache: LRUCache[str, str] = LRUCache(maxsize=config.ua_cache_size)
        # The last user agent seen: consecutive records (a page and its assets)
        # usually share it, and this skips even the LRU's bookkeeping.
        self._ua_last = ""
        self._ua_text_last = self._ua_text(_UNKNOWN_UA)
        self._format = self._format_clf if self._combined else self._format_json
        self._ua_second = -1
        self._ua_parses = 0
        self._directory = os.fspath(config.directory) if config.directory is not None else None
        logger = config.logger
        self._logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self._fd_day = -1
        self._today = -1
        self._warned = False
        self._dropped_warned = False

    def _reset(self) -> None:  # pragma: no cover - after fork only
        self._buf = []
        self._idle = False
        self._thread = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        if self._fd >= 0:  # the child's copy of the parent's descriptor
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = -1
        self._fd_day = -1

    # hot path (event loop) ---------------------------------------------

    def submit(self, record: Record) -> None:
        if self._thread is None:
            self.start()
        buf = self._buf
        if len(buf) >= _MAX_BACKLOG:
            if not self._dropped_warned:
                self._dropped_warned = True
                _log.warning(
                    "access log writer is %d records behind; dropping records", _MAX_BACKLOG
                )
            return
        buf.append(record)
        if self._idle:  # the writer sleeps: wake it (once per batch, not per record)
            self._idle = False
            self._wake.set()

    def _put(self, item: object) -> None:
        self._buf.append(item)
        self._urgent = True
        self._wake.set()

    # control -------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            thread = threading.Thread(target=self._run, name="privmw-accesslog", daemon=True)
            self._thread = thread
            _LIVE.add(self)
            thread.start()

    def flush(self, timeout: float) -> bool:
        if self._thread is None:
            return True
        marker = _Flush()
        self._put(marker)
        return marker.event.wait(timeout)

    def close(self, timeout: float) -> None:
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._put(_STOP)
            thread.join(timeout)
            self._thread = None
            _LIVE.discard(self)

    # writer thread -------------------------------------------------------

    def _run(self) -> None:
        try:
            self._startup()
        except Exception as exc:  # pragma: no cover - defensive: never kill the thread
            self._warn(f"start-up failed: {exc!r}")
        wake = self._wake
        while True:
            if not self._buf:
                self._idle = True
                if not self._buf:  # checked again after publishing idle: no lost wake-up
                    wake.wait(self._idle_timeout())
                self._idle = False
                if not self._buf:
                    self._guard(self._check_day)
                    continue
            if not self._urgent:
                # Let a batch gather: one wake-up and one write() per batch instead
                # of per record, even under load. flush() and close() cut it short.
                wake.clear()
                wake.wait(_LINGER)
            self._urgent = False
            wake.clear()
            buf = self._buf
            n = len(buf)
            batch = buf[:n]
            del buf[:n]
            stop = False
            markers: list[_Flush] = []
            lines: list[tuple[int, str]] = []
            for entry in batch:
                if isinstance(entry, tuple):
                    try:
                        lines.append(self._format(entry))
                    except Exception as exc:  # pragma: no cover - a bug must not stop logging
                        self._warn(f"could not format a record: {exc!r}")
                elif isinstance(entry, _Flush):
                    markers.append(entry)
                elif entry is _STOP:
                    stop = True
            if lines:
                self._guard(functools.partial(self._emit, lines))
            self._guard(self._check_day)
            for marker in markers:
                marker.event.set()
            if stop:
                self._close_fd()
                return

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:  # pragma: no cover - defensive
            self._warn(f"unexpected error: {exc!r}")

    def _warn(self, what: str) -> None:
        if self._warned:
            return
        self._warned = True
        _log.warning(
            "privmw access log: %s; records are dropped until this is fixed "
            "(requests are still served)",
            what,
        )

    def _idle_timeout(self) -> float:
        if self._directory is None:
            return 3600.0
        now = self.clock()
        until_midnight = 86400.0 - now % 86400.0
        return min(max(until_midnight + 0.5, 1.0), 600.0)

    def _startup(self) -> None:
        if self._directory is None:
            return
        self._today = int(self.clock() // 86400)
        try:
            os.makedirs(self._directory, mode=0o750, exist_ok=True)
        except OSError as exc:
            self._warn(f"cannot create directory {self._directory!r}: {exc}")
            return
        self._sweep()

    def _check_day(self) -> None:
        if self._directory is None:
            return
        today = int(self.clock() // 86400)
        if today != self._today:
            self._today = today
            if self._fd_day != today:
                self._close_fd()
            self._sweep()

    def _sweep(self) -> None:
        """Delete day files older than the retention period (today counts as day 1)."""
        directory = self._directory
        if directory is None:
            return
        cutoff = self._today - self.config.retention_days
        try:
            names = os.listdir(directory)
        except OSError:
            return  # reported when writing
        for name in names:
            match = _FILE_RE.match(name)
            if match is None:
                continue
            try:
                day = datetime.date.fromisoformat(match.group(1)).toordinal() - _EPOCH_ORDINAL
            except ValueError:
                continue
            if day <= cutoff:
                if day == self._fd_day:
                    self._close_fd()
                try:
                    os.unlink(os.path.join(directory, name))
                except FileNotFoundError:
                    pass  # another worker process swept it first
                except OSError as exc:
                    self._warn(f"cannot delete expired {name!r}: {exc}")

    def _close_fd(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = -1
        self._fd_day = -1

    def _emit(self, lines: list[tuple[int, str]]) -> None:
        if self._logger is not None:
            logger = self._logger
            for _, line in lines:
                logger.info("%s", line)
            return
        # Group consecutive lines by day: one write() per day file per batch, so
        # lines from several worker processes appending (O_APPEND) never interleave.
        oldest = self._today - self.config.retention_days
        group: list[str] = []
        day = lines[0][0]
        for line_day, line in lines:
            if line_day != day:
                if day > oldest:
                    self._write(day, ("\n".join(group) + "\n").encode("utf-8"))
                group = []
                day = line_day
            group.append(line)
        if day > oldest:
            self._write(day, ("\n".join(group) + "\n").encode("utf-8"))

    def _write(self, day: int, data: bytes) -> None:
        try:
            if self._fd_day != day:
                self._close_fd()
                directory = self._directory or "."
                os.makedirs(directory, mode=0o750, exist_ok=True)
                path = os.path.join(directory, f"access-{_day_name(day)}.log")
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                self._fd_day = day
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            self._close_fd()
            self._warn(f"cannot write to {self._directory!r}: {exc}")
            return
        self._warned = False

    # formatting (writer thread) ----------------------------------------

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

    def _user_agent(self, ua: str) -> str:
        if not ua:
            return self._ua_text(_UNKNOWN_UA)
        ua = ua[:_UA_MAX]
        cached = self._ua_cache.get(ua)
        if cached is not None:
            self._ua_last, self._ua_text_last = ua, cached
            return cached
        second = int(_monotonic())
        if second != self._ua_second:
            self._ua_second = second
            self._ua_parses = 0
        self._ua_parses += 1
        if self._ua_parses > _UA_PARSES_PER_SECOND:
            return self._ua_text(_UNKNOWN_UA)
        try:
            info = coarse_user_agent(ua)
        except Exception:  # pragma: no cover - client input never breaks logging
            info = _UNKNOWN_UA
        text = self._ua_text(info)
        self._ua_cache[ua] = text
        self._ua_last, self._ua_text_last = ua, text
        return text

    def _ua_text(self, info: dict[str, object]) -> str:
        return _ua_clf(info) if self._combined else _ua_json(info)

    def _query(self, raw: bytes) -> str:
        if not raw:
            return ""
        allow = self._allow
        kept: list[str] = []
        for part in raw.decode("latin-1").split("&"):
            name, sep, value = part.partition("=")
            name = unquote_plus(name)
            if name in allow:
                value = redact(unquote_plus(value))[:_PATH_MAX]
                kept.append(quote_plus(name) + sep + quote(value, safe="[]@:/,"))
        return "&".join(kept)

    def _format_json(self, record: Record) -> tuple[int, str]:
        wall, kind, method, path, raw_query, _, status, nbytes, dur, client, ua = record
        path = redact(path)
        if len(path) > _PATH_MAX:
            path = path[:_PATH_MAX] + "..."
        key = int(wall // self._step)
        if key != self._stamp_key:
            self._stamp_for(wall)
        agent = self._ua_text_last if ua == self._ua_last else self._user_agent(ua)
        if _JSON_SAFE(f"{method}{path}{client}"):  # one check for the usual case
            m, p, c = f'"{method}"', f'"{path}"', f'"{client}"'
        else:
            m, p, c = json.dumps(method), json.dumps(path), json.dumps(client)
        q = f'"query":{_js(self._query(raw_query))},' if raw_query else ""
        return int(wall // 86400), (
            f'{{"time":"{self._stamp}","type":"{kind}","method":{m},"path":{p},{q}'
            f'"status":{status},"bytes":{nbytes},"duration_us":{int(dur * 1e6)},'
            f'"client":{c},{agent}}}'
        )

    def _format_clf(self, record: Record) -> tuple[int, str]:
        wall, _, method, path, raw_query, version, status, nbytes, _, client, ua = record
        path = redact(path)
        if len(path) > _PATH_MAX:
            path = path[:_PATH_MAX] + "..."
        if not _URL_SAFE(path):
            path = quote(path, safe="/:@!$&'()*+,;=-._~[]%")
        target = path
        query = self._query(raw_query) if raw_query else ""
        if query:
            target += "?" + query
        size = str(nbytes) if nbytes else "-"
        agent = self._ua_text_last if ua == self._ua_last else self._user_agent(ua)
        if not _JSON_SAFE(f"{client}{method}{version}"):  # same set: printable, no " or \\
            client, method, version = _clf_escape(client), _clf_escape(method), _clf_escape(version)
        key = int(wall // self._step)
        if key != self._stamp_key:
            self._stamp_for(wall)
        return int(wall // 86400), (
            f'{client} - - [{self._stamp}] "{method} {target} HTTP/{version}" '
            f'{status} {size} "-" "{agent}"'
        )
