"""The one set of option validators, with one message format.

Every public option is checked at construction and a bad one raises
:class:`~privmw.ConfigurationError` whose message reads::

    <Owner>: <option> must be <what is accepted>, got <the bad value>[; <the fix>]

for example ``RateLimit: burst must be None (the rate's count) or an int >= 1,
got 0``. Nothing here runs per request.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable
from typing import NoReturn, TypeVar

from ._errors import ConfigurationError

__all__ = [
    "check_bool",
    "check_callable",
    "check_choice",
    "check_int",
    "check_names",
    "check_path",
    "check_seconds",
    "check_strings",
    "fail",
    "suggest",
]

T = TypeVar("T")


def fail(owner: str, option: str, expected: str, value: object, fix: str = "") -> NoReturn:
    """Raise the one message format: ``Owner: option must be expected, got value[; fix]``."""
    tail = f"; {fix}" if fix else ""
    raise ConfigurationError(f"{owner}: {option} must be {expected}, got {value!r}{tail}")


def suggest(value: object, choices: Iterable[str]) -> str:
    """``did you mean 'analytics'?`` for a near miss, else ``""``."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.8)
    return f"did you mean {close[0]!r}?" if close else ""


def check_bool(owner: str, option: str, value: object) -> bool:
    if not isinstance(value, bool):
        fail(owner, option, "True or False", value)
    return value


def check_int(owner: str, option: str, value: object, low: int, high: int, what: str = "") -> int:
    """An ``int`` (not a ``bool``) from ``low`` to ``high``; ``what`` says what it counts."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        extra = f" ({what})" if what else ""
        fail(owner, option, f"an int from {low} to {high}{extra}", value)
    return value


def check_seconds(owner: str, option: str, value: object) -> float:
    """A positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(owner, option, "a positive number of seconds", value)
    if not value > 0:
        fail(owner, option, "a positive number of seconds", value)
    if not math.isfinite(value):
        fail(owner, option, "a finite number of seconds", value)
    return float(value)


def check_callable(owner: str, option: str, value: T, what: str = "callable") -> T:
    if not callable(value):
        fail(owner, option, what, value)
    return value


def check_strings(owner: str, option: str, value: object) -> tuple[str, ...]:
    """A sequence of strings; a bare string is refused (it would iterate by character)."""
    if isinstance(value, (str, bytes)):
        fail(owner, option, "a sequence of strings", value, f"write ({value!r},) for one entry")
    if not isinstance(value, Iterable):
        fail(owner, option, "a sequence of strings", value)
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            fail(owner, f"{option} entries", "strings", item)
    return items


def check_names(
    owner: str,
    option: str,
    value: object,
    valid: Callable[[str], bool],
    expected: str,
) -> tuple[str, ...]:
    """A sequence of names each accepted by ``valid``."""
    items = check_strings(owner, option, value)
    for item in items:
        if not valid(item):
            fail(owner, f"{option} entries", expected, item)
    return items


def check_path(owner: str, option: str, value: object, example: str = "/path") -> str:
    """An absolute URL path (leading ``/``)."""
    if not isinstance(value, str) or not value.startswith("/"):
        fail(owner, option, f"a path starting with '/', e.g. {example!r}", value)
    return value


def check_choice(owner: str, option: str, value: object, choices: Iterable[str]) -> str:
    """One of ``choices``, with a "did you mean" for a near miss."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        fail(
            owner,
            option,
            "one of " + ", ".join(repr(c) for c in options),
            value,
            suggest(value, options),
        )
    return value
