"""What privmw knows about the visitor, as ``request.state.privacy``."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["PrivacyContext"]

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
        consent: the categories the visitor's consent cookie grants, or
            ``None`` when no valid, current consent was found (not decided).
        revision: the policy revision the consent was given under, or ``None``.
        denied: categories the signals deny whatever the cookie says
            (``Sec-GPC`` → ``marketing``, ``DNT`` → ``analytics``/``marketing``
            by default; see ``ConsentPolicy``).
        stale_cookies: names of tracker cookies the request carried whose
            category is not allowed; the response expires them.
    """

    __slots__ = (
        "_renew",
        "_verdict",
        "client",
        "consent",
        "denied",
        "dnt",
        "gpc",
        "pseudonym",
        "revision",
        "stale_cookies",
    )

    def __init__(
        self,
        client: str,
        gpc: bool = False,
        dnt: bool = False,
        pseudonym: str | None = None,
        consent: frozenset[str] | None = None,
        revision: str | None = None,
        denied: frozenset[str] = frozenset(),
        stale_cookies: tuple[str, ...] = (),
    ) -> None:
        self.client = client
        self.gpc = gpc
        self.dnt = dnt
        self.pseudonym = pseudonym
        self.consent = consent
        self.revision = revision
        self.denied = denied
        self.stale_cookies = stale_cookies
        #: The consent cookie re-signed with the current key, when an older
        #: key verified it (set by the consent runtime; the response sets it).
        self._renew: str | None = None
        #: The consent runtime's cached decision this context came from (its
        #: response headers are memoised there), or ``None``.
        self._verdict: object | None = None

    @property
    def decided(self) -> bool:
        """Whether the visitor has made a (current, valid) consent choice."""
        return self.consent is not None

    def allows(self, category: str) -> bool:
        """Whether ``category`` may be used: the final answer.

        ``necessary`` always is; a category the signals deny never is, whatever
        the cookie says; otherwise only what the consent cookie grants.
        """
        if category == NECESSARY:
            return True
        consent = self.consent
        return consent is not None and category in consent and category not in self.denied

    @property
    def consent_mode(self) -> dict[str, str]:
        """Google Consent Mode v2 state for this visitor (``{"ad_storage": "denied", ...}``)."""
        return google_consent_mode(self.allows)

    def __repr__(self) -> str:
        return (
            f"PrivacyContext(client={self.client!r}, gpc={self.gpc}, dnt={self.dnt}, "
            f"pseudonym={self.pseudonym!r}, consent={_show(self.consent)}, "
            f"revision={self.revision!r})"
        )


def _show(consent: frozenset[str] | None) -> str:
    return "None" if consent is None else "{" + ", ".join(sorted(consent)) + "}"


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
