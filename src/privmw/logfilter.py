"""``IPScrubFilter``: truncate every IP address in log records; ``scrub_server_logs()``.

What a filter on a logger sees: only the records logged *on that logger*
(filters do not apply to records propagated from child loggers), so it is
attached to each logger a server writes addresses to. :func:`scrub_server_logs`
does that for every logger uvicorn, hypercorn, granian and gunicorn use:

==================== ===================== ================================================
server               logger                what carries an address, from which level
==================== ===================== ================================================
uvicorn              ``uvicorn.access``    INFO: the access line (``client:port``)
uvicorn              ``uvicorn.error``     TRACE (5): "HTTP connection made/lost" with the
                                           socket peer; INFO: the listen address (kept)
uvicorn              ``uvicorn.asgi``      TRACE (5, ``--log-level trace``): the whole
                                           scope and every message, *before* any
                                           middleware runs: the client, the server
uvicorn              ``uvicorn``           (parent; records logged on it directly)
hypercorn            ``hypercorn.access``  INFO: the access line
hypercorn            ``hypercorn.error``   INFO: "Running on" (kept); errors with peers
granian              ``granian.access``    INFO: the access line (WebSocket lines are
                                           written before any middleware runs)
granian              ``_granian``          INFO: "Listening at" (kept)
gunicorn             ``gunicorn.access``   INFO: the access line (``%(h)s``)
gunicorn             ``gunicorn.error``    INFO: "Listening at" (kept); errors with peers
==================== ===================== ================================================

References:
    Python ``logging`` (filters, ``LogRecord`` attributes); uvicorn
    ``middleware/message_logger.py`` and ``server.py``; hypercorn
    ``asyncio/run.py``; granian ``log.py``; gunicorn ``arbiter.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from ._validate import check_bool, fail
from .clientip import Truncator, parse_ip

__all__ = ["IPScrubFilter", "scrub_server_logs"]

# Candidates only; each one is confirmed by parse_ip before it is replaced.
_IPV4 = r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)"
_IPV6 = (
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.-]+)?(?![\w:]|\.\d)"
)
# "[v6]:port" and "v4:port" keep their shape; the port becomes 0.
_IPV6_BARE = _IPV6.removeprefix(r"(?<![\w:.])")
_PATTERN = re.compile(
    rf"\[(?P<b6>{_IPV6_BARE})\](?::(?P<bport>\d{{1,5}}))?"
    rf"|(?P<v4>{_IPV4})(?::(?P<port>\d{{1,5}})(?!\d))?"
    rf"|(?P<v6>{_IPV6})"
)
_BPATTERN = re.compile(_PATTERN.pattern.encode("ascii"))

#: Every logger the four servers write client addresses (or their own) to.
SERVER_LOGGERS: tuple[str, ...] = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "hypercorn.error",
    "hypercorn.access",
    "_granian",
    "granian.access",
    "gunicorn.error",
    "gunicorn.access",
)

# A server's start-up lines name its own listen address, which is no client's
# and must stay usable (uvicorn's "Uvicorn running on http://127.0.0.1:8000"
# became "127.0.0.0:8000", an address nobody answers on). Recognised by logger
# and by the server's own message template, which no client chooses.
_LISTEN_LINES: dict[str, re.Pattern[str]] = {
    "uvicorn.error": re.compile(r"Uvicorn running on |error while attempting to bind on address"),
    "uvicorn": re.compile(r"Uvicorn running on "),
    "hypercorn.error": re.compile(r"Running on \S+ (?:\(QUIC\) )?\(CTRL \+ C to quit\)\Z"),
    "_granian": re.compile(r"Listening at: \S+\Z"),
    "gunicorn.error": re.compile(r"Listening at: |Connection in use: "),
}

#: ``LogRecord`` attributes of the logging machinery itself; any other
#: attribute came from ``extra=`` and is scrubbed like the args.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}

#: How deep and how many items the filter follows into args (lists of dicts of ...).
MAX_DEPTH = 8
MAX_ITEMS = 10_000


class IPScrubFilter(logging.Filter):
    """A ``logging.Filter`` that truncates IPv4/IPv6 addresses in log records.

    Addresses are truncated like the middleware does (``ipv4_prefix``,
    ``ipv6_prefix``, embedded IPv4 masked as IPv4) and ports that follow them
    become ``0``, in the message (a string, a dict or any object), in the args
    of every type (``str``, ``bytes``, tuples, lists, dicts, sets, nested, at
    most :data:`MAX_DEPTH` deep and :data:`MAX_ITEMS` items; beyond that the
    rest is replaced by ``"<...>"``), in ``extra=`` fields, in the formatted
    exception (``exc_info``: the text is formatted and scrubbed into
    ``record.exc_text``, and when it held an address ``exc_info`` is dropped
    so no formatter renders the raw one again) and in ``stack_info``. Finally
    the message is formatted once: if an address still shows (an object whose
    ``str()`` holds one), the record's message becomes the scrubbed text.

    A server's own start-up line ("Uvicorn running on http://127.0.0.1:8000",
    hypercorn's "Running on", gunicorn's and granian's "Listening at") is left
    as it is: that address is the server's, and must stay usable.
    Records are changed, never dropped.
    """

    def __init__(
        self,
        ipv4_prefix: int = 24,
        ipv6_prefix: int = 48,
        name: str = "",
        *,
        keep_listen_addresses: bool = True,
    ) -> None:
        if not isinstance(name, str):
            fail("IPScrubFilter", "name", "a logger name (str)", name)
        check_bool("IPScrubFilter", "keep_listen_addresses", keep_listen_addresses)
        super().__init__(name)
        self._truncator = Truncator(ipv4_prefix, ipv6_prefix, owner="IPScrubFilter")
        self._keep_listen = bool(keep_listen_addresses)
        self._formatter = logging.Formatter()

    def _replace(self, match: re.Match[str]) -> str:
        group = match.lastgroup
        if group == "b6" or group == "bport":
            address = parse_ip(match.group("b6"))
            if address is None:
                return match.group(0)
            port = ":0" if match.group("bport") is not None else ""
            return f"[{self._truncator.truncate(address)}]{port}"
        if match.group("v4") is not None:
            address = parse_ip(match.group("v4"))
            if address is None:
                return match.group(0)
            port = ":0" if match.group("port") is not None else ""
            return self._truncator.truncate(address) + port
        address = parse_ip(match.group("v6"))
        if address is None:
            return match.group(0)
        return self._truncator.truncate(address)

    def _replace_bytes(self, match: re.Match[bytes]) -> bytes:
        text = match.group(0).decode("latin-1")
        return _PATTERN.sub(self._replace, text).encode("latin-1")

    def scrub(self, text: str) -> str:
        """``text`` with every address truncated."""
        if "." not in text and ":" not in text:
            return text
        return _PATTERN.sub(self._replace, text)

    def scrub_value(self, value: object) -> object:
        """``value`` with every address truncated, as a new value of the same shape.

        Strings, bytes and containers are rebuilt (the caller's objects, such
        as a live ASGI scope logged by uvicorn, are never changed); numbers and
        other objects come back as they are.
        """
        budget = [MAX_ITEMS]
        return self._value(value, 0, budget)

    def _value(self, value: object, depth: int, budget: list[int]) -> object:
        kind = value.__class__
        if kind is str:
            return self.scrub(value)  # type: ignore[arg-type]
        if kind is int or kind is float or kind is bool or value is None:
            return value
        budget[0] -= 1
        if budget[0] < 0 or depth >= MAX_DEPTH:
            return "<...>"
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, (bytes, bytearray)):
            if b"." not in value and b":" not in value:
                return value
            return kind(_BPATTERN.sub(self._replace_bytes, bytes(value)))  # type: ignore[call-arg]
        if isinstance(value, dict):
            return {
                self._value(k, depth + 1, budget): self._value(v, depth + 1, budget)
                for k, v in value.items()
            }
        if isinstance(value, tuple):
            items = [self._value(v, depth + 1, budget) for v in value]
            return kind(*items) if hasattr(value, "_fields") else tuple(items)
        if isinstance(value, list):
            return [self._value(v, depth + 1, budget) for v in value]
        if isinstance(value, (set, frozenset)):
            return kind(self._value(v, depth + 1, budget) for v in value)  # type: ignore[call-arg]
        return value

    def _is_listen_line(self, record: logging.LogRecord) -> bool:
        pattern = _LISTEN_LINES.get(record.name)
        return (
            pattern is not None
            and isinstance(record.msg, str)
            and pattern.match(record.msg) is not None
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if self._keep_listen and self._is_listen_line(record):
            return True
        try:
            self._scrub_record(record)
        except Exception:  # a filter must never break logging: fail closed
            record.msg = "<log record withheld: it could not be scrubbed>"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True

    def _scrub_record(self, record: logging.LogRecord) -> None:
        msg = record.msg
        if isinstance(msg, str):
            record.msg = self.scrub(msg)
        elif isinstance(msg, (dict, list, tuple, bytes, bytearray, set)):
            record.msg = self.scrub_value(msg)
        args = record.args
        if args:
            record.args = self.scrub_value(args)  # type: ignore[assignment]
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and value is not None:
                clean = self.scrub_value(value)
                # An object (or a container of them) renders through str():
                # if that text still holds an address, the text replaces it.
                text = str(clean)
                scrubbed = self.scrub(text)
                record.__dict__[key] = clean if scrubbed == text else scrubbed
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            text = self.scrub(record.exc_text)
            if text != record.exc_text:
                record.exc_text = text
                # A formatter of its own would render the raw exception again.
                record.exc_info = None
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        # The safety net: what the record formats to, whatever the arg types.
        try:
            message = record.getMessage()
        except Exception:  # wrong args for the format: logging reports it itself
            return
        clean = self.scrub(message)
        if clean != message:
            record.msg = clean
            record.args = None


def scrub_server_logs(
    ipv4_prefix: int = 24,
    ipv6_prefix: int = 48,
    *,
    loggers: Iterable[str] = SERVER_LOGGERS,
) -> IPScrubFilter:
    """Attach one :class:`IPScrubFilter` to every logger of uvicorn, hypercorn, granian, gunicorn.

    Call it where the app is built (the server has configured its logging by
    the time it imports the app, and filters added then stay): ::

        import privmw
        privmw.scrub_server_logs()

    Idempotent: a logger that already has an ``IPScrubFilter`` gets no second
    one. Returns the filter (``logger.removeFilter(f)`` undoes it). Your own
    loggers are not touched; add the filter to your handler for those.
    """
    scrubber = IPScrubFilter(ipv4_prefix, ipv6_prefix)
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, IPScrubFilter) for f in logger.filters):
            logger.addFilter(scrubber)
    return scrubber
