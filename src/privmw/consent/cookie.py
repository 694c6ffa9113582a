"""The consent cookie: its compact, versioned, optionally signed format.

::

    1.<revision>.<unix-seconds>.<category>~<category>[.<signature>]

``1`` is the format version; the categories are those given (none when the
visitor rejected all), optionally followed by ``~@<receipt id>`` (the proof of
consent's id, :mod:`privmw.consent.receipts`: ``@`` cannot start a category
name, so readers that predate it ignore the token, and the signature covers
it); the signature is HMAC-SHA256 (first 128 bits,
base64url) over everything before it, present when privmw has a secret
(``PrivacyMiddleware(secret=...)``, ``PRIVMW_SECRET``, or the
``ConsentPolicy(secret=...)`` override). The signing key is derived from the
secret (HKDF, label ``privmw consent signing v1``, see :mod:`privmw._secrets`);
with several secrets (rotation) the first signs and every one verifies, and a
cookie verified by an older one is re-signed on the next response. A cookie
that is forged, edited, truncated, unsigned when a secret is set, from
another revision, older than ``max_age`` or plain garbage counts as *no
consent*; reading it never raises.

References:
    RFC 6265 section 4.1 (cookie-octet); RFC 2104 (HMAC); RFC 5869 (HKDF).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from privmw._secrets import CONSENT, hkdf, parse_secret

if TYPE_CHECKING:
    from .policy import ConsentPolicy

__all__: list[str] = []

COOKIE_VERSION = "1"
#: Longest cookie value read; anything longer is no consent.
MAX_COOKIE = 1024
#: A timestamp this far in the future still counts (clock skew between hosts).
FUTURE_SKEW = 86400
_SIG_BYTES = 16
#: Marks the receipt-id token in the categories field.
RECEIPT = "@"


@dataclass(frozen=True, slots=True)
class Consent:
    """A decoded, valid consent cookie: the categories given, under which revision, when."""

    categories: frozenset[str]
    revision: str
    timestamp: int


#: The signing keys of no secret: cookies are unsigned.
UNSIGNED: tuple[bytes, ...] = ()


def signing_keys(secrets: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """The consent-signing key of each secret, current first."""
    return tuple(hkdf(s, CONSENT) for s in secrets)


def policy_keys(secret: object) -> tuple[bytes, ...]:
    """The signing keys of a ``ConsentPolicy(secret=...)`` value (``None``: unsigned)."""
    if secret is None:
        return UNSIGNED
    return signing_keys(parse_secret("ConsentPolicy", "secret", secret))


def _sign(key: bytes, payload: str) -> str:
    mac = hmac.new(key, b"privmw-consent\x00" + payload.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:_SIG_BYTES]).rstrip(b"=").decode("ascii")


def encode(
    categories: Iterable[str],
    order: Sequence[str],
    revision: str,
    keys: Sequence[bytes],
    now: int,
    receipt: str | None = None,
) -> str:
    """A cookie value, signed with ``keys[0]`` (unsigned when ``keys`` is empty)."""
    given = set(categories)
    cats = "~".join([*(c for c in order if c in given), *((RECEIPT + receipt,) if receipt else ())])
    payload = f"{COOKIE_VERSION}.{revision}.{now}.{cats}"
    return f"{payload}.{_sign(keys[0], payload)}" if keys else payload


def resign(value: str, keys: Sequence[bytes]) -> str:
    """A verified cookie value signed again with the current key (same payload, same time)."""
    payload = value.rsplit(".", 1)[0]
    return f"{payload}.{_sign(keys[0], payload)}"


def parse(
    value: str, revision: str, offered: frozenset[str], keys: Sequence[bytes]
) -> tuple[frozenset[str], int, int] | None:
    """Structure, signature and revision of a cookie value (time is checked by the caller).

    Returns the categories, the timestamp and the index of the key that
    verified the signature (``0``: the current one, or unsigned).
    """
    if len(value) > MAX_COOKIE:
        return None
    parts = value.split(".")
    if len(parts) != (5 if keys else 4):
        return None
    index = 0
    if keys:
        sig = parts[4].encode("utf-8", "replace")
        payload = value[: len(value) - len(parts[4]) - 1]
        if not payload.isascii():
            return None
        for index, key in enumerate(keys):  # noqa: B007 - the index that verified is returned
            if hmac.compare_digest(sig, _sign(key, payload).encode("ascii")):
                break
        else:
            return None
    version, rev, stamp, cats = parts[0], parts[1], parts[2], parts[3]
    if version != COOKIE_VERSION or rev != revision:
        return None
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        return None
    given = frozenset(cats.split("~")) & offered if cats else frozenset()
    return given, int(stamp), index


def encode_consent(
    policy: ConsentPolicy,
    categories: Iterable[str],
    *,
    now: float,
    keys: Sequence[bytes] | None = None,
) -> str:
    """The consent cookie value for ``categories`` given at ``now`` (unix seconds).

    ``keys``: the signing keys (default: those of ``policy.secret``).
    """
    keys = policy_keys(policy.secret) if keys is None else keys
    return encode(categories, policy.categories, policy.revision, keys, int(now))


def decode_consent(
    policy: ConsentPolicy, value: str, *, now: float, keys: Sequence[bytes] | None = None
) -> Consent | None:
    """The consent a cookie value carries, or ``None`` (invalid, old, expired); never raises."""
    keys = policy_keys(policy.secret) if keys is None else keys
    try:
        parsed = parse(value, policy.revision, frozenset(policy.categories), keys)
    except Exception:  # defensive: client input must never raise
        return None
    if parsed is None or not fresh(parsed[1], now, policy.max_age):
        return None
    return Consent(parsed[0], policy.revision, parsed[1])


def fresh(stamp: int, now: float, max_age: int) -> bool:
    return now - max_age <= stamp <= now + FUTURE_SKEW
