"""privmw: privacy-preserving ASGI middleware for Starlette and FastAPI.

Users import from here only::

    from privmw import PrivacyMiddleware
    app.add_middleware(PrivacyMiddleware, trusted_proxies=["127.0.0.1"])
"""

from __future__ import annotations

from ._errors import ConfigurationError
from .accesslog import AccessLog
from .clientip import truncate_ip
from .context import PrivacyContext
from .disclosure import Disclosure, disclosure
from .logfilter import IPScrubFilter
from .middleware import PrivacyMiddleware

__version__ = "0.1.0.dev0"

__all__ = [
    "AccessLog",
    "ConfigurationError",
    "Disclosure",
    "IPScrubFilter",
    "PrivacyContext",
    "PrivacyMiddleware",
    "__version__",
    "disclosure",
    "truncate_ip",
]
