"""The middleware's counters: what it did, never about whom.

One :class:`Counters` object is built per middleware and handed to the
runtimes that count (the glue in ``middleware.py``, the send wrapper, the
consent runtime and endpoints, the tag transform). The request path only does
integer adds on slots; anything labelled (a rule, a category, a vendor, an
action) is a small dict keyed by configuration values, so its size is bounded
by the configuration, never by traffic. No label carries an address, a path,
a user agent, a cookie value or a pseudonym.

:meth:`Counters.snapshot` is what ``PrivacyMiddleware.stats()`` returns and
what the Prometheus collector (:mod:`privmw.prometheus`) exports. Counters
are per process, like the rest of privmw's memory: sum them over workers in
the monitoring system.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__: list[str] = []

#: The tag rewriter's actions, as counted per HTML response.
TAG_ACTIONS = ("neutralised", "removed", "reported", "kept", "overflowed")


class Counters:
    """Plain integer counters (one object per middleware, per process)."""

    __slots__ = (
        "consent",
        "cookies_dropped",
        "cookies_expired",
        "dnt",
        "gpc",
        "html_pages",
        "refused",
        "requests",
        "tags",
        "websockets",
    )

    def __init__(self) -> None:
        #: HTTP requests seen (privmw's own routes included).
        self.requests = 0
        #: WebSocket sessions seen.
        self.websockets = 0
        #: Requests and sessions that carried ``Sec-GPC: 1`` / ``DNT: 1``.
        self.gpc = 0
        self.dnt = 0
        #: HTML responses that went through the tag rewriter.
        self.html_pages = 0
        #: Refusals by the limiter: (rule, reason) → count.
        self.refused: dict[tuple[str, str], int] = {}
        #: Tags by rewriter action → count.
        self.tags: dict[str, int] = dict.fromkeys(TAG_ACTIONS, 0)
        #: ``Set-Cookie`` dropped by category (``"unknown"``: strict mode).
        self.cookies_dropped: dict[str, int] = {}
        #: Tracker cookies expired by category.
        self.cookies_expired: dict[str, int] = {}
        #: Consent choices: (category, "granted"/"denied", source) → count.
        self.consent: dict[tuple[str, str, str], int] = {}

    def __repr__(self) -> str:
        return f"Counters(requests={self.requests}, websockets={self.websockets})"

    # -- increments off the hot path (each is called only when something happens) --

    def refusal(self, rule: str, reason: str) -> None:
        key = (rule, reason)
        self.refused[key] = self.refused.get(key, 0) + 1

    def tag_actions(self, counts: Mapping[str, int]) -> None:
        self.html_pages += 1
        tags = self.tags
        for action, n in counts.items():
            if n:
                tags[action] = tags.get(action, 0) + n

    def cookie_dropped(self, category: str) -> None:
        self.cookies_dropped[category] = self.cookies_dropped.get(category, 0) + 1

    def cookie_expired(self, category: str) -> None:
        self.cookies_expired[category] = self.cookies_expired.get(category, 0) + 1

    def consent_choice(
        self, offered: Iterable[str], chosen: frozenset[str] | None, source: str
    ) -> None:
        """One choice: every offered category granted or denied (a withdrawal denies all)."""
        consent = self.consent
        for category in offered:
            decision = "granted" if chosen is not None and category in chosen else "denied"
            key = (category, decision, source)
            consent[key] = consent.get(key, 0) + 1

    # -- reading ---------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of every counter."""
        refused: dict[str, dict[str, int]] = {}
        for (rule, reason), n in sorted(self.refused.items()):
            refused.setdefault(rule, {})[reason] = n
        consent: dict[str, dict[str, dict[str, int]]] = {}
        for (category, decision, source), n in sorted(self.consent.items()):
            consent.setdefault(category, {}).setdefault(decision, {})[source] = n
        return {
            "requests": self.requests,
            "websockets": self.websockets,
            "signals": {"gpc": self.gpc, "dnt": self.dnt},
            "rate_limit": {"refused": refused},
            "tags": {"html_pages": self.html_pages, **dict(self.tags)},
            "cookies": {
                "dropped": dict(sorted(self.cookies_dropped.items())),
                "expired": dict(sorted(self.cookies_expired.items())),
            },
            "consent": {"choices": consent},
        }
