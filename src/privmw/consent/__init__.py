"""Consent: the policy, the consent cookie, the per-request runtime and the endpoints.

Modules: ``policy`` (:class:`~privmw.ConsentPolicy`), ``cookie`` (the cookie's
format and signature), ``_runtime`` (reading consent per request, the cookie
gate), ``endpoints`` (the sans-io consent routes), ``_form`` (the no-JS form)
and ``interop`` (readers of other consent managers' cookies).
"""

from __future__ import annotations

from .interop import CCCookieReader, CookiebotReader, KlaroReader, TCFReader
from .policy import ConsentPolicy

__all__ = [
    "CCCookieReader",
    "ConsentPolicy",
    "CookiebotReader",
    "KlaroReader",
    "TCFReader",
]
