"""The consent cookie: its compact, versioned, optionally signed format.

::

    1.<revision>.<unix-seconds>.<category>~<category>[.<signature>]

``1`` is the format version; the categories are those given (none when the
visitor rejected all); the signature is HMAC-SHA256 (first 128 bits,
base64url) over everything before it, present when ``ConsentPolicy.secret``
is set. A cookie that is forged, edited, truncated, unsigned when a secret is
set, from another revision, older than ``max_age`` or plain garbage counts as
*no consent*; reading it never raises.

References:
    RFC 6265 section 4.1 (cookie-octet); RFC 2104 (HMAC).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .policy import ConsentPolicy

__all__: list[str] = []

COOKIE_VERSION = "1"
#: Longest cookie value read; anything longer is no consent.
MAX_COOKIE = 1024
#: A timestamp this far in the future still counts (clock skew between hosts).
FUTURE_SKEW = 86400
_SIG_BYTES = 16


@dataclass(frozen=True, slots=True)
class Consent:
    """A decoded, valid consent cookie: the categories given, under which revision, when."""

    categories: frozenset[str]
    revision: str
    timestamp: int


def key_bytes(secret: str | bytes | None) -> bytes | None:
    if secret is None:
        return None
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, b"privmw-consent\x00" + payload.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:_SIG_BYTES]).rstrip(b"=").decode("ascii")


def encode(
    categories: Iterable[str], order: Sequence[str], revision: str, key: bytes | None, now: int
) -> str:
    given = set(categories)
    cats = "~".join(c for c in order if c in given)
    payload = f"{COOKIE_VERSION}.{revision}.{now}.{cats}"
    return f"{payload}.{_sign(key, payload)}" if key is not None else payload


def parse(
    value: str, revision: str, offered: frozenset[str], key: bytes | None
) -> tuple[frozenset[str], int] | None:
    """Structure, signature and revision of a cookie value (time is checked by the caller)."""
    if len(value) > MAX_COOKIE:
        return None
    parts = value.split(".")
    if len(parts) != (4 if key is None else 5):
        return None
    if key is not None:
        sig = parts[4]
        payload = value[: len(value) - len(sig) - 1]
        if not payload.isascii() or not hmac.compare_digest(
            sig.encode("utf-8", "replace"), _sign(key, payload).encode("ascii")
        ):
            return None
    version, rev, stamp, cats = parts[0], parts[1], parts[2], parts[3]
    if version != COOKIE_VERSION or rev != revision:
        return None
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        return None
    given = frozenset(cats.split("~")) & offered if cats else frozenset()
    return given, int(stamp)


def encode_consent(policy: ConsentPolicy, categories: Iterable[str], *, now: float) -> str:
    """The consent cookie value for ``categories`` given at ``now`` (unix seconds)."""
    return encode(
        categories, policy.categories, policy.revision, key_bytes(policy.secret), int(now)
    )


def decode_consent(policy: ConsentPolicy, value: str, *, now: float) -> Consent | None:
    """The consent a cookie value carries, or ``None`` (invalid, old, expired); never raises."""
    try:
        parsed = parse(
            value, policy.revision, frozenset(policy.categories), key_bytes(policy.secret)
        )
    except Exception:  # defensive: client input must never raise
        return None
    if parsed is None or not fresh(parsed[1], now, policy.max_age):
        return None
    return Consent(parsed[0], policy.revision, parsed[1])


def fresh(stamp: int, now: float, max_age: int) -> bool:
    return now - max_age <= stamp <= now + FUTURE_SKEW
