"""privmw: privacy-preserving ASGI middleware for Starlette and FastAPI.

Users import from here only::

    from privmw import PrivacyMiddleware
    app.add_middleware(PrivacyMiddleware, trusted_proxies=["127.0.0.1"])
"""

from __future__ import annotations

from ._errors import ConfigurationError
from .accesslog import AccessLog
from .clientip import truncate_ip
from .consent import (
    Banner,
    CCCookieReader,
    ConsentPolicy,
    ConsentReceipt,
    CookiebotReader,
    JsonLinesReceipts,
    KlaroReader,
    TCFReader,
)
from .context import PrivacyContext
from .csp import ContentSecurityPolicy
from .dependencies import get_privacy
from .disclosure import Disclosure, disclosure
from .logfilter import IPScrubFilter, scrub_server_logs
from .middleware import PrivacyMiddleware
from .prometheus import PrometheusCollector
from .ratelimit import (
    Bans,
    Key,
    Limit,
    RateLimit,
    RateLimitExceeded,
    RedisBackend,
    Refusal,
    Route,
    limit,
)
from .tags import TagGate
from .trackers import TrackerRegistry, Vendor

__version__ = "0.1.0.dev0"

__all__ = [
    "AccessLog",
    "Banner",
    "Bans",
    "CCCookieReader",
    "ConfigurationError",
    "ConsentPolicy",
    "ConsentReceipt",
    "ContentSecurityPolicy",
    "CookiebotReader",
    "Disclosure",
    "IPScrubFilter",
    "JsonLinesReceipts",
    "Key",
    "KlaroReader",
    "Limit",
    "PrivacyContext",
    "PrivacyMiddleware",
    "PrometheusCollector",
    "RateLimit",
    "RateLimitExceeded",
    "RedisBackend",
    "Refusal",
    "Route",
    "TCFReader",
    "TagGate",
    "TrackerRegistry",
    "Vendor",
    "__version__",
    "disclosure",
    "get_privacy",
    "limit",
    "scrub_server_logs",
    "truncate_ip",
]
