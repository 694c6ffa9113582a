"""privmw: privacy-preserving ASGI middleware for Starlette and FastAPI.

Users import from here only::

    from privmw import PrivacyMiddleware
    app.add_middleware(PrivacyMiddleware, trusted_proxies=["127.0.0.1"])
"""

from __future__ import annotations

from ._errors import ConfigurationError
from .clientip import truncate_ip
from .context import PrivacyContext
from .csp import ContentSecurityPolicy
from .logfilter import IPScrubFilter
from .middleware import PrivacyMiddleware
from .tags import TagGate
from .trackers import TrackerRegistry, Vendor

__version__ = "0.1.0.dev0"

__all__ = [
    "ConfigurationError",
    "ContentSecurityPolicy",
    "IPScrubFilter",
    "PrivacyContext",
    "PrivacyMiddleware",
    "TagGate",
    "TrackerRegistry",
    "Vendor",
    "__version__",
    "truncate_ip",
]
