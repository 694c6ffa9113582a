"""privmw's one secret: where it comes from, and the keys derived from it.

One secret serves every feature that needs a key shared by several processes
or hosts. It is given as ``PrivacyMiddleware(secret=...)`` or in the
``PRIVMW_SECRET`` environment variable (read by privmw itself), as one value
or a list ``[current, previous, ...]`` for rotation. Each feature gets its own
key, derived with HKDF-SHA256 (RFC 5869) under a label of its own, so that no
key reveals the secret or another feature's key:

* ``consent signing``: HMAC key of the consent cookie; every listed secret
  yields one, the first signs, all of them verify (rotation);
* ``pseudonym``: the root of the visitor-pseudonym keys; the key of each
  period is derived from it and the period's number, never stored, so every
  worker on every host computes the same key for the same period;
* ``ratelimit``: the root of the Redis key-hashing keys, derived per period
  the same way.

Pseudonym and rate-limit keys come from the current secret only: rotating the
secret starts new pseudonyms, as a new period does.

What a secret is needed for is decided by the middleware
(:meth:`Secrets.require`): signing consent cookies uses it when there is one;
pseudonyms and a Redis backend cannot work across processes without it.

References:
    RFC 5869 (HKDF); RFC 2104 (HMAC).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets as _random
from collections.abc import Iterable, Mapping
from typing import NoReturn

from ._errors import ConfigurationError

__all__: list[str] = []

ENV = "PRIVMW_SECRET"
#: How to make one, in every message that asks for one.
GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
MIN_BYTES = 16
#: Secrets kept for rotation (the current one and previous ones).
MAX_SECRETS = 8
#: HKDF salt: fixed and public (RFC 5869 section 3.1 allows it); the labels separate uses.
SALT = b"privmw/v1"

CONSENT = b"privmw consent signing v1"
PSEUDONYM = b"privmw pseudonym v1"
RATELIMIT = b"privmw ratelimit v1"

_TYPES = "a str or bytes (or a list of them)"
_SPLIT = re.compile(r"[\s,]+")
_log = logging.getLogger("privmw")
_warned = False


def hkdf(ikm: bytes, info: bytes, length: int = 32, salt: bytes = SALT) -> bytes:
    """HKDF-SHA256, extract then expand (RFC 5869 section 2)."""
    if not 0 < length <= 255 * 32:
        raise ValueError("hkdf: length out of range")
    prk = hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()
    okm = b""
    block = b""
    counter = 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def period_key(root: bytes, retention: float, epoch: int) -> bytes:
    """The key of one period: a function of the root key, the period length and its number.

    The period length is part of the input so that two configurations with
    different lengths never share a key for different stretches of time.
    """
    info = b"period %d %d" % (round(retention * 1000), epoch)
    return hmac.new(root, info, hashlib.sha256).digest()


def _fail(owner: str, option: str, expected: str, shown: str) -> NoReturn:
    raise ConfigurationError(
        f"{owner}: {option} must be {expected}, got {shown}; generate one with {GENERATE}"
    )


def _as_bytes(owner: str, option: str, value: object) -> bytes:
    if isinstance(value, str):
        raw = value.strip().encode("utf-8")
    elif isinstance(value, bytes):
        raw = value
    else:
        # Never echo the value: it may be a secret of the wrong type.
        _fail(
            owner,
            option,
            "a str or bytes (or a list of them)",
            f"a value of type {type(value).__name__}",
        )
    if len(raw) < MIN_BYTES:
        _fail(owner, option, f"at least {MIN_BYTES} bytes", f"{len(raw)} bytes")
    return raw


def parse_secret(owner: str, option: str, value: object) -> tuple[bytes, ...]:
    """One secret or ``[current, previous, ...]``, checked; the first is the current one."""
    items: Iterable[object]
    if isinstance(value, (str, bytes)):
        items = (value,)
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = tuple(value)
        if not items:
            _fail(owner, option, "a secret or a non-empty list of secrets", "an empty list")
    else:
        _fail(
            owner,
            option,
            "a str or bytes (or a list of them)",
            f"a value of type {type(value).__name__}",
        )
    out: list[bytes] = []
    for item in items:
        raw = _as_bytes(owner, option, item)
        if raw not in out:
            out.append(raw)
    if len(out) > MAX_SECRETS:
        _fail(owner, option, f"at most {MAX_SECRETS} secrets", f"{len(out)}")
    return tuple(out)


def from_env(environ: Mapping[str, str]) -> tuple[bytes, ...] | None:
    """``PRIVMW_SECRET``: one secret, or several separated by commas or spaces."""
    text = environ.get(ENV)
    if text is None or not text.strip():
        return None
    return parse_secret(ENV, "the value", [p for p in _SPLIT.split(text.strip()) if p])


class Secrets:
    """The secret a middleware runs with, and its derived keys.

    Args:
        secrets: the secrets, current first; empty when none was configured.
        source: ``"argument"``, ``"environment"``, ``"ephemeral"`` or ``"none"``.
    """

    __slots__ = ("_secrets", "source")

    def __init__(self, secrets: tuple[bytes, ...], source: str) -> None:
        self._secrets = secrets
        self.source = source

    def __repr__(self) -> str:  # never the secrets themselves
        return f"Secrets({len(self._secrets)} secret(s), source={self.source!r})"

    @classmethod
    def resolve(
        cls,
        value: object,
        *,
        ephemeral: bool,
        owner: str = "PrivacyMiddleware",
        environ: Mapping[str, str] | None = None,
    ) -> Secrets:
        """The argument if given, else ``PRIVMW_SECRET``, else a random one if allowed."""
        if value is not None:
            return cls(parse_secret(owner, "secret", value), "argument")
        found = from_env(os.environ if environ is None else environ)
        if found is not None:
            return cls(found, "environment")
        if ephemeral:
            warn_ephemeral()
            return cls((_random.token_bytes(32),), "ephemeral")
        return cls((), "none")

    @property
    def present(self) -> bool:
        return bool(self._secrets)

    @property
    def shared(self) -> bool:
        """Whether other processes can have the same secret (not a random one)."""
        return self.source in ("argument", "environment")

    def require(self, owner: str, what: str, *, shared: bool = False) -> None:
        """Raise the one "set PRIVMW_SECRET" error when there is no (shared) secret."""
        if self.present and (self.shared or not shared):
            return
        if self.source == "ephemeral":
            raise ConfigurationError(
                f"{owner}: secret must be shared by every process for {what}, got the random "
                f"one of insecure_ephemeral_secret=True; set the {ENV} environment variable "
                f"(the same in every process), generate one with {GENERATE}"
            )
        raise ConfigurationError(
            f"{owner}: secret must be set for {what}, got none; set the {ENV} environment "
            f"variable (the same in every process and on every host) or pass secret=..., "
            f"generate one with {GENERATE}; for a one-process demo, insecure_ephemeral_secret=True"
        )

    def all(self) -> tuple[bytes, ...]:
        """Every secret, current first (for keys that verify, such as cookie signatures)."""
        return self._secrets

    def keys(self, label: bytes) -> tuple[bytes, ...]:
        """The key of ``label`` under every secret, current first."""
        return tuple(hkdf(s, label) for s in self._secrets)

    def key(self, label: bytes) -> bytes | None:
        """The key of ``label`` under the current secret (``None`` without a secret)."""
        return hkdf(self._secrets[0], label) if self._secrets else None


def warn_ephemeral() -> None:
    """The one warning of ``insecure_ephemeral_secret`` (once per process)."""
    global _warned
    if _warned:
        return
    _warned = True
    _log.warning(
        "privmw: no secret configured, using a random one for this process only "
        "(insecure_ephemeral_secret=True): consent choices are lost on restart and not "
        "recognised by other workers, pseudonyms differ between workers; set %s for "
        "production (generate one with %s)",
        ENV,
        GENERATE,
    )
