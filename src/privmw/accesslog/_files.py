"""Day files: one ``access-YYYY-MM-DD.log`` per UTC day, deleted after the retention period.

Used by the writer thread only. Files are opened ``O_APPEND`` with mode 0640
and written one ``write()`` per day per batch, so lines from several worker
processes never interleave. The retention sweep runs at start-up and whenever
the UTC day changes: no cron needed.

References:
    German supervisory authorities (Düsseldorfer Kreis, 27 Nov 2009) and
    BGH III ZR 146/10: logs for operation and abuse handling kept for 7 days.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
from collections.abc import Callable

__all__: list[str] = []

_FILE_RE = re.compile(r"^access-(\d{4}-\d{2}-\d{2})\.log$")
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def day_name(day: int) -> str:
    """``YYYY-MM-DD`` of a UTC day number (days since 1970-01-01)."""
    return datetime.date.fromordinal(day + _EPOCH_ORDINAL).isoformat()


class DayFiles:
    """The directory of day files of one access log.

    Args:
        directory: where the files live (created with mode 0750 if missing).
        retention_days: days kept, today included.
        clock: wall-clock seconds.
        warn: reports a problem (once per outage; the caller rate-limits).
    """

    __slots__ = ("_clock", "_directory", "_fd", "_fd_day", "_retention", "_warn", "today")

    def __init__(
        self,
        directory: str,
        retention_days: int,
        clock: Callable[[], float],
        warn: Callable[[str], None],
    ) -> None:
        self._directory = directory
        self._retention = retention_days
        self._clock = clock
        self._warn = warn
        self._fd = -1
        self._fd_day = -1
        self.today = -1

    def reset_after_fork(self) -> None:  # pragma: no cover - after fork only
        if self._fd >= 0:  # the child's copy of the parent's descriptor
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = -1
        self._fd_day = -1

    def idle_timeout(self) -> float:
        """Seconds the writer may sleep before the day can change."""
        now = self._clock()
        until_midnight = 86400.0 - now % 86400.0
        return min(max(until_midnight + 0.5, 1.0), 600.0)

    def startup(self) -> None:
        self.today = int(self._clock() // 86400)
        try:
            os.makedirs(self._directory, mode=0o750, exist_ok=True)
        except OSError as exc:
            self._warn(f"cannot create directory {self._directory!r}: {exc}")
            return
        self.sweep()

    def check_day(self) -> None:
        today = int(self._clock() // 86400)
        if today != self.today:
            self.today = today
            if self._fd_day != today:
                self.close()
            self.sweep()

    def sweep(self) -> None:
        """Delete day files older than the retention period (today counts as day 1)."""
        directory = self._directory
        cutoff = self.today - self._retention
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
                    self.close()
                try:
                    os.unlink(os.path.join(directory, name))
                except FileNotFoundError:
                    pass  # another worker process swept it first
                except OSError as exc:
                    self._warn(f"cannot delete expired {name!r}: {exc}")

    def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = -1
        self._fd_day = -1

    def emit(self, lines: list[tuple[int, str]]) -> bool:
        """Write ``(day, line)`` pairs, one ``write()`` per day; ``False`` on an error."""
        oldest = self.today - self._retention
        ok = True
        group: list[str] = []
        day = lines[0][0]
        for line_day, line in lines:
            if line_day != day:
                if day > oldest:
                    ok = self._write(day, ("\n".join(group) + "\n").encode("utf-8")) and ok
                group = []
                day = line_day
            group.append(line)
        if day > oldest:
            ok = self._write(day, ("\n".join(group) + "\n").encode("utf-8")) and ok
        return ok

    def _write(self, day: int, data: bytes) -> bool:
        try:
            if self._fd_day != day:
                self.close()
                os.makedirs(self._directory, mode=0o750, exist_ok=True)
                path = os.path.join(self._directory, f"access-{day_name(day)}.log")
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                self._fd_day = day
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            self.close()
            self._warn(f"cannot write to {self._directory!r}: {exc}")
            return False
        return True
