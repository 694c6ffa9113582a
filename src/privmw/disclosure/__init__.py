"""The data-processing disclosure, rendered from the live configuration.

A privacy policy's "what we collect" section drifts from the code unless the
code writes it. ``sections`` builds one section per configured feature from
its public configuration; ``model`` holds :class:`~privmw.Disclosure`;
``render`` writes JSON, Markdown and self-contained, escaped HTML (and serves
the JSON at ``disclosure_path``).

References:
    GDPR Art. 13 (information to be provided: purposes, categories of data,
    storage period); W3C Data Privacy Vocabulary for the section vocabulary.
"""

from __future__ import annotations

from typing import Protocol

from .model import Disclosure

__all__ = ["Disclosure", "disclosure"]


class _Discloses(Protocol):
    def disclosure(self) -> Disclosure: ...


def disclosure(middleware: _Discloses) -> Disclosure:
    """The disclosure of a :class:`~privmw.PrivacyMiddleware`'s live configuration.

    The same as ``middleware.disclosure()``. Sections: ``client`` (always),
    then ``rate_limit``, ``consent``, ``tags`` and ``access_log`` for each
    feature that is configured, and ``trackers`` (the registry's vendors by
    category) when tag gating is off.
    """
    return middleware.disclosure()
