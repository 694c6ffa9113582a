"""Redaction of secrets and personal data in logged paths and query values.

E-mail addresses become ``[email]``; JWTs, UUIDs, hex runs of 16+ characters
(ids, hashes, card numbers) and random-looking base64url runs of 20+
characters become ``[token]``; IPv4 and IPv6 addresses become ``[ip]``.
Linear time: every alternative that matches a run starts with a look-behind,
so each run is tried once.
"""

from __future__ import annotations

import re

from privmw.clientip import parse_ip
from privmw.logfilter import _IPV4, _IPV6

__all__: list[str] = []

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
