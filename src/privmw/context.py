"""What privmw knows about the visitor, as ``request.state.privacy``."""

from __future__ import annotations

__all__ = ["NECESSARY", "PrivacyContext"]

NECESSARY = "necessary"


class PrivacyContext:
    """Per-request privacy facts, stored at ``scope["state"]["privacy"]``.

    Attributes:
        client: the truncated client address (``"203.0.113.0"``), the host as
            the server gave it when it is not an IP address, or ``"unknown"``.
        gpc: the request carried ``Sec-GPC: 1``.
        dnt: the request carried ``DNT`` starting with ``1``.
        pseudonym: a keyed hash of the full address, stable within one
            retention period, or ``None`` when pseudonyms are off.
    """

    __slots__ = ("client", "dnt", "gpc", "pseudonym")

    def __init__(
        self,
        client: str,
        *,
        gpc: bool = False,
        dnt: bool = False,
        pseudonym: str | None = None,
    ) -> None:
        self.client = client
        self.gpc = gpc
        self.dnt = dnt
        self.pseudonym = pseudonym

    def allows(self, category: str) -> bool:
        """Whether the visitor allows ``category``; ``necessary`` always is."""
        return category == NECESSARY

    def __repr__(self) -> str:
        return (
            f"PrivacyContext(client={self.client!r}, gpc={self.gpc}, dnt={self.dnt}, "
            f"pseudonym={self.pseudonym!r})"
        )
