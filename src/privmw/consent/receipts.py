"""Proof of consent: one receipt per consent change, with no personal data in it.

GDPR art. 7(1) asks the controller to be able to *demonstrate* that a visitor
consented. Each change through the consent endpoints (banner, form, embed
placeholder, JSON API) builds a :class:`ConsentReceipt` and hands it to the
app's ``ConsentPolicy(receipts=...)`` hook. The receipt's random id is also
stored in the consent cookie (``1.<revision>.<time>.<categories>~@<id>.<sig>``),
so the cookie a browser holds points at the receipt the site kept, and the
receipt points at nothing else: no address, no user agent, no cookie value,
no pseudonym. A receipt alone identifies no one; with the visitor's own
cookie it proves what they chose, when, under which policy revision.

:class:`JsonLinesReceipts` is a ready sink: one JSON object per line, appended
to a file (keep it as long as you must be able to prove consent, e.g. the
cookie's lifetime plus your limitation period).

References:
    GDPR art. 7(1) and recital 42; EDPB Guidelines 05/2020 on consent,
    section 3.5 ("demonstrate consent").
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from privmw._errors import ConfigurationError

from .cookie import RECEIPT

__all__ = ["ConsentReceipt", "JsonLinesReceipts"]

_log = logging.getLogger("privmw.consent")

#: Where a change came from (``source`` of a receipt).
SOURCES = frozenset({"banner", "form", "placeholder", "api", "import"})
_ID_LEN = 22  # 16 random bytes, base64url without padding


def new_receipt_id() -> str:
    """A fresh random receipt id (128 bits, base64url)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")


def receipt_id(cookie_value: str) -> str | None:
    """The receipt id a consent cookie value carries, or ``None`` (older cookies have none)."""
    parts = cookie_value.split(".")
    if len(parts) < 4:
        return None
    for token in parts[3].split("~"):
        if token.startswith(RECEIPT):
            rid = token[1:]
            if len(rid) == _ID_LEN and all(c.isalnum() or c in "-_" for c in rid):
                return rid
    return None


@dataclass(frozen=True, slots=True)
class ConsentReceipt:
    """What one consent change was, with nothing that identifies the visitor.

    Attributes:
        id: random, 128 bits; also stored in the visitor's consent cookie.
        revision: the policy revision the choice was made under.
        action: ``"accept-all"``, ``"reject-all"``, ``"save"`` or ``"withdraw"``.
        granted: the categories given consent (empty for reject-all, withdraw).
        refused: the categories on offer that were not given.
        time: unix seconds of the change (the server's clock).
        gpc: the request carried ``Sec-GPC: 1``.
        dnt: the request carried ``DNT: 1``.
        signal_denied: categories the signals refuse whatever was granted.
        source: ``"banner"``, ``"form"``, ``"placeholder"``, ``"api"`` or
            ``"import"`` (an app migrating another manager's choices).
        replaces: the id of the receipt this change supersedes (read from the
            visitor's cookie), if there was one.
    """

    id: str
    revision: str
    action: str
    granted: tuple[str, ...]
    refused: tuple[str, ...]
    time: int
    gpc: bool
    dnt: bool
    signal_denied: tuple[str, ...]
    source: str
    replaces: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-able dict (the field names above)."""
        return {
            "id": self.id,
            "revision": self.revision,
            "action": self.action,
            "granted": list(self.granted),
            "refused": list(self.refused),
            "time": self.time,
            "gpc": self.gpc,
            "dnt": self.dnt,
            "signal_denied": list(self.signal_denied),
            "source": self.source,
            "replaces": self.replaces,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)


def deliver(hook: Callable[[ConsentReceipt], object] | None, receipt: ConsentReceipt) -> None:
    """Hand a receipt to the app's hook; a failing hook is logged, never raised."""
    if hook is None:
        return
    try:
        hook(receipt)
    except Exception:
        _log.exception("privmw: the consent receipt hook failed (receipt %s)", receipt.id)


class JsonLinesReceipts:
    """A receipt sink: appends each receipt as one JSON line to ``path``.

    Pass it as ``ConsentPolicy(receipts=JsonLinesReceipts("receipts.jsonl"))``.
    Each line is written with one ``write`` on a file opened in append mode
    (``O_APPEND``: whole lines even with several worker processes), then
    flushed; ``fsync=True`` also waits for the disk. It runs on the request's
    thread: on a slow disk, hand receipts to a queue instead.

    Args:
        path: the file (created if missing, with mode 0600).
        fsync: ``os.fsync`` after each line (default off).
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = False) -> None:
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            raise ConfigurationError(
                f"JsonLinesReceipts: path must be a file path like 'receipts.jsonl', got {path!r}"
            )
        if not isinstance(fsync, bool):
            raise ConfigurationError(
                f"JsonLinesReceipts: fsync must be True or False, got {fsync!r}"
            )
        self.path = Path(path)
        self.fsync = fsync
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JsonLinesReceipts({str(self.path)!r})"

    def __call__(self, receipt: ConsentReceipt) -> None:
        line = (receipt.to_json() + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                if self.fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
