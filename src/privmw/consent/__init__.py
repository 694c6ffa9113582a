"""Consent: the policy, the consent cookie, the per-request runtime and the endpoints.

Modules: ``policy`` (:class:`~privmw.ConsentPolicy`), ``cookie`` (the cookie's
format and signature), ``_runtime`` (reading consent per request, the cookie
gate), ``endpoints`` (the sans-io consent routes), ``_form`` (the no-JS form),
``banner`` (:class:`~privmw.Banner`, with its runtime in ``_banner`` and its
assets in ``static/``), ``receipts`` (proof of consent) and ``interop``
(readers of other consent managers' cookies).
"""

from __future__ import annotations

from .banner import Banner
from .interop import CCCookieReader, CookiebotReader, KlaroReader, TCFReader
from .policy import ConsentPolicy
from .receipts import ConsentReceipt, JsonLinesReceipts

__all__ = [
    "Banner",
    "CCCookieReader",
    "ConsentPolicy",
    "ConsentReceipt",
    "CookiebotReader",
    "JsonLinesReceipts",
    "KlaroReader",
    "TCFReader",
]
