"""``IPScrubFilter``: truncate every IP address in log records.

Attach it to ``uvicorn.access``, ``uvicorn.error``, ``hypercorn.access`` or
``granian.access`` (granian logs WebSocket lines before any middleware runs, so
there the filter is the only defence), or to any handler::

    logging.getLogger("uvicorn.access").addFilter(IPScrubFilter())
"""

from __future__ import annotations

import logging
import re

from .clientip import Truncator, parse_ip

__all__ = ["IPScrubFilter"]

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


class IPScrubFilter(logging.Filter):
    """A ``logging.Filter`` that truncates IPv4/IPv6 addresses in message and args.

    Addresses are truncated like the middleware does (``ipv4_prefix``,
    ``ipv6_prefix``, embedded IPv4 masked as IPv4) and ports that follow them
    become ``0``. Non-string args (numbers) are left alone; the record is always
    kept (the filter changes records, it never drops them).
    """

    def __init__(self, ipv4_prefix: int = 24, ipv6_prefix: int = 48, name: str = "") -> None:
        super().__init__(name)
        self._truncator = Truncator(ipv4_prefix, ipv6_prefix, owner="IPScrubFilter")

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

    def scrub(self, text: str) -> str:
        """``text`` with every address truncated."""
        if "." not in text and ":" not in text:
            return text
        return _PATTERN.sub(self._replace, text)

    def _scrub_arg(self, arg: object) -> object:
        if isinstance(arg, str):
            return self.scrub(arg)
        if isinstance(arg, tuple):
            return tuple(self._scrub_arg(a) for a in arg)
        return arg

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.scrub(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(self._scrub_arg(a) for a in args)
        elif isinstance(args, dict):
            record.args = {k: self._scrub_arg(v) for k, v in args.items()}
        return True
