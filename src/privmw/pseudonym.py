"""Keyed hashes of clients whose keys live in memory only and rotate.

A pseudonym lets an app count unique visitors, or a limiter tell clients apart,
without storing an address. The key of a period is derived from a root key
(itself derived from privmw's secret, see :mod:`privmw._secrets`) and the
period's number, so every worker on every host computes the same one; it is
never written anywhere and is replaced when the period rolls over. Without the
secret, nobody can recompute an old period's key; with it (the operator) one
can, so the secret is what keeps old pseudonyms unlinkable: rotate it, and
delete the old one, to make every period before unlinkable for good. Without a
root key (``insecure_ephemeral_secret`` aside), each period gets a random key
that no one can recompute.

References:
    Plausible's daily-salted visitor hash; nginx ipscrub (in-memory salt
    regenerated every period).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable

from ._errors import ConfigurationError
from ._secrets import period_key
from ._validate import check_seconds

__all__: list[str] = []


class KeyedHasher:
    """BLAKE2b keyed hashes under a key that rotates every ``retention`` seconds.

    Epochs are aligned to ``clock()`` (wall-clock seconds by default) so that
    several processes sharing a ``secret`` (a root key derived from privmw's
    secret) agree on the current key: HMAC-SHA256 of the root over the period
    length and number (:func:`privmw._secrets.period_key`). Without a secret,
    each epoch gets a fresh random key from ``os.urandom``; the old key is
    dropped, so old hashes can no longer be recomputed.

    ``epoch`` is the current epoch number; callers that keep tables of hashes
    (the rate limiter) wipe them when it changes.
    """

    __slots__ = ("_clock", "_key", "_next", "_secret", "digest_size", "epoch", "retention")

    def __init__(
        self,
        retention: float = 86400.0,
        *,
        secret: bytes | str | None = None,
        clock: Callable[[], float] = time.time,
        digest_size: int = 16,
        owner: str = "KeyedHasher",
    ) -> None:
        self.retention = check_seconds(owner, "retention", retention)
        if isinstance(secret, str):
            secret = secret.encode()
        if secret is not None and len(secret) < 16:
            raise ConfigurationError(
                f"{owner}: secret must be at least 16 bytes (use secrets.token_hex(32)), "
                f"got {len(secret)} bytes"
            )
        self._secret = secret
        self._clock = clock
        self.digest_size = digest_size
        self.epoch = -1
        self._next = float("-inf")
        self._key = b""
        self._roll(clock())

    def __repr__(self) -> str:
        mode = "shared secret" if self._secret else "random key"
        return f"KeyedHasher(retention={self.retention:g}, {mode})"

    def _roll(self, now: float) -> None:
        epoch = int(now // self.retention)
        self.epoch = epoch
        self._next = (epoch + 1) * self.retention
        if self._secret is None:
            self._key = os.urandom(32)
        else:
            self._key = period_key(self._secret, self.retention, epoch)

    def current_epoch(self) -> int:
        """Roll the key if the retention period is over; return the epoch."""
        now = self._clock()
        if now >= self._next:
            self._roll(now)
        return self.epoch

    def digest(self, data: bytes) -> bytes:
        """The keyed hash of ``data`` under the current key."""
        now = self._clock()
        if now >= self._next:
            self._roll(now)
        return hashlib.blake2b(data, key=self._key, digest_size=self.digest_size).digest()

    def hexdigest(self, data: bytes) -> str:
        return self.digest(data).hex()
