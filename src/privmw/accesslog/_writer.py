"""The writer: a lock-free hand-off from the event loop to one thread that formats and writes.

The request path only appends a tuple to a list. One daemon thread, started on
the first record (or by ``AccessLog.start()``), takes batches, formats them
(:mod:`.formats`) and writes them to day files (:mod:`._files`) or to a
:mod:`logging` logger. An interpreter exit flushes it; a forked child gets a
fresh writer.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING

from ._files import DayFiles
from ._record import Record
from .formats import Formatter

if TYPE_CHECKING:
    from .config import AccessLog

__all__: list[str] = []

_log = logging.getLogger("privmw.accesslog")

#: Records waiting for the writer; beyond it, records are dropped (and reported once).
MAX_BACKLOG = 100_000
#: Seconds the writer lets records gather before writing a batch.
_LINGER = 0.05


class _Flush:
    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = threading.Event()


_STOP = object()
_LIVE: weakref.WeakSet[Writer] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:  # pragma: no cover - runs at interpreter exit
    for writer in list(_LIVE):
        writer.close(2.0)


def _after_fork() -> None:  # pragma: no cover - runs in a forked child
    # A child (gunicorn --preload, multiprocessing) inherits a writer whose thread
    # did not survive the fork: give it a fresh queue, lock and file, started lazily.
    for writer in list(_LIVE):
        writer.reset()
    _LIVE.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class Writer:
    """The runtime behind one :class:`~privmw.AccessLog`: queue, thread, formatter, files."""

    def __init__(self, config: AccessLog) -> None:
        self.config = config
        self.clock = config.clock
        self.keep_query = bool(config.query_allow)
        # Records, flush markers and the stop marker, in order. Appends (event
        # loop) and the writer's copy-then-delete of the head are each one C
        # call under the GIL, so no lock is needed and nothing is lost.
        self._buf: list[object] = []
        self._idle = False
        self._urgent = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self.formatter = Formatter(
            config.format,
            config.timestamp_granularity,
            tuple(config.query_allow),
            config.ua_cache_size,
            config.clock,
            tuple(config.redact_paths),
        )
        directory = config.directory
        self._files = (
            DayFiles(os.fspath(directory), config.retention_days, config.clock, self._warn)
            if directory is not None
            else None
        )
        logger = config.logger
        self._logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self._warned = False
        self._dropped_warned = False

    def reset(self) -> None:  # pragma: no cover - after fork only
        self._buf = []
        self._idle = False
        self._thread = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        if self._files is not None:
            self._files.reset_after_fork()

    # hot path (event loop) ---------------------------------------------

    def submit(self, record: Record) -> None:
        if self._thread is None:
            self.start()
        buf = self._buf
        if len(buf) >= MAX_BACKLOG:
            if not self._dropped_warned:
                self._dropped_warned = True
                _log.warning(
                    "access log writer is %d records behind; dropping records", MAX_BACKLOG
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
        files = self._files
        try:
            if files is not None:
                files.startup()
        except Exception as exc:  # pragma: no cover - defensive: never kill the thread
            self._warn(f"start-up failed: {exc!r}")
        wake = self._wake
        while True:
            if not self._buf:
                self._idle = True
                if not self._buf:  # checked again after publishing idle: no lost wake-up
                    wake.wait(files.idle_timeout() if files is not None else 3600.0)
                self._idle = False
                if not self._buf:
                    self._check_day()
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
            fmt = self.formatter.format
            for entry in batch:
                if isinstance(entry, tuple):
                    try:
                        lines.append(fmt(entry))
                    except Exception as exc:  # pragma: no cover - a bug must not stop logging
                        self._warn(f"could not format a record: {exc!r}")
                elif isinstance(entry, _Flush):
                    markers.append(entry)
                elif entry is _STOP:
                    stop = True
            if lines:
                self._emit(lines)
            self._check_day()
            for marker in markers:
                marker.event.set()
            if stop:
                if files is not None:
                    files.close()
                return

    def _check_day(self) -> None:
        if self._files is None:
            return
        try:
            self._files.check_day()
        except Exception as exc:  # pragma: no cover - defensive
            self._warn(f"unexpected error: {exc!r}")

    def _emit(self, lines: list[tuple[int, str]]) -> None:
        try:
            if self._logger is not None:
                logger = self._logger
                for _, line in lines:
                    logger.info("%s", line)
            elif self._files is not None and self._files.emit(lines):
                self._warned = False  # written again: a later failure is reported anew
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
