"""The one exception privmw raises at construction time."""

from __future__ import annotations

__all__ = ["ConfigurationError"]


class ConfigurationError(ValueError):
    """A bad option given to a privmw class.

    Raised at construction, never per request. The message names the class, the
    option, the bad value and the fix, e.g.
    ``PrivacyMiddleware: ipv4_prefix must be an int from 0 to 32, got 33``.
    """
