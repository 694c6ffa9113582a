"""``AccessLog``: the configuration of the anonymous access log (see :mod:`privmw.accesslog`)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from privmw._cache import CacheInfo
from privmw._errors import ConfigurationError
from privmw._types import Scope
from privmw._validate import check_int, check_strings, fail

from ._record import AccessRecord
from ._writer import Writer
from .formats import FORMATS, GRANULARITIES
from .redact import MAX_TEMPLATES, compile_template
from .useragent import load_parser

__all__ = ["AccessLog"]

_OWNER = "AccessLog"


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
        redact_paths: Starlette-style path templates whose named parameters
            are secrets, e.g. ``["/reset/{uidb64}/{token}/", "/api/keys/{key}"]``:
            a matching path is logged as ``/reset/[uidb64]/[token]/``. Matched
            like routes (the whole path; convertors ``str``, ``int``, ``float``,
            ``uuid``, ``path``), first match wins; at most one parameter per
            path segment and one ``path`` parameter. Everything else is still
            redacted by shape and statistics (see :mod:`privmw.accesslog.redact`).

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
    redact_paths: Iterable[str] = ()
    _writer: Writer = field(init=False, repr=False, compare=False)

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
        check_int(_OWNER, "retention_days", self.retention_days, 1, 3650, "days of files kept")
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
        check_int(_OWNER, "ua_cache_size", self.ua_cache_size, 1, 1_000_000, "user agents cached")
        templates = check_strings(_OWNER, "redact_paths", self.redact_paths)
        if len(templates) > MAX_TEMPLATES:
            fail(
                _OWNER,
                "redact_paths",
                f"at most {MAX_TEMPLATES} templates (each is tried on every logged path)",
                f"{len(templates)} templates",
            )
        for template in templates:
            try:
                compile_template(template)
            except ValueError as exc:
                fail(
                    _OWNER,
                    "redact_paths entries",
                    "Starlette-style path templates naming the parameters to redact",
                    template,
                    f"the template {exc}",
                )
        object.__setattr__(self, "redact_paths", templates)
        load_parser()
        object.__setattr__(self, "_writer", Writer(self))

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
        if self.redact_paths:
            parts.append(f"redact_paths={self.redact_paths!r}")
        return f"AccessLog({', '.join(parts)})"

    def _logger_name(self) -> str:
        logger = self.logger
        return logger.name if isinstance(logger, logging.Logger) else str(logger)

    # --- runtime -------------------------------------------------------

    def observer(self, scope: Scope) -> AccessRecord:
        """The record of one request, observed by the middleware's send wrapper.

        Build it after the middleware has truncated ``scope["client"]``.
        """
        writer = self._writer
        return AccessRecord(scope, writer.submit, writer.clock(), writer.keep_query)

    def cache_info(self) -> CacheInfo:
        """The user-agent cache's size (never its keys)."""
        return self._writer.formatter.agents.cache_info()

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
