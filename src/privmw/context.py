"""What privmw knows about the visitor, as ``request.state.privacy``."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["GOOGLE_CONSENT_TYPES", "NECESSARY", "PrivacyContext", "google_consent_mode"]

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


#: Google Consent Mode v2 type → the privmw category that grants it.
#: References: Google tag platform, "Set up consent mode"; common CMP mapping
#: (necessary → security, preferences → functionality/personalization,
#: analytics → analytics_storage, marketing → ad_*).
GOOGLE_CONSENT_TYPES: dict[str, str] = {
    "ad_storage": "marketing",
    "ad_user_data": "marketing",
    "ad_personalization": "marketing",
    "analytics_storage": "analytics",
    "functionality_storage": "preferences",
    "personalization_storage": "preferences",
    "security_storage": NECESSARY,
}


def google_consent_mode(allows: Callable[[str], bool]) -> dict[str, str]:
    """The Consent Mode v2 state (``"granted"``/``"denied"``) for an ``allows`` answer."""
    return {
        kind: "granted" if allows(category) else "denied"
        for kind, category in GOOGLE_CONSENT_TYPES.items()
    }
