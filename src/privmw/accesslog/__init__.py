"""An anonymous access log that deletes its own files.

One record per request (and one per WebSocket session), written when the
response ends: the time at a chosen granularity, method, path, status, bytes
sent, duration, the client address *as PrivacyMiddleware truncated it* and a
coarse user agent (browser family and major version, OS family, device class,
bot flag). Never the raw user-agent string, cookies, the referrer, forwarding
headers or the full address. The query string is dropped unless named in
``query_allow``; e-mail addresses, tokens and IP addresses are redacted from
the path and from kept query values.

Modules: ``config`` (:class:`~privmw.AccessLog`), ``_record`` (the observer
of one request on the middleware's send wrapper: it only builds a tuple),
``_writer`` (the hand-off to one writer thread), ``formats`` (JSON lines and
the Combined Log Format), ``redact`` (secrets and personal data in paths),
``useragent`` (coarse user agents behind a bounded cache) and ``_files`` (one
file per UTC day, deleted after ``retention_days``, no cron needed); or a
standard :mod:`logging` logger instead of files.

References:
    Apache HTTP Server, mod_log_config: the Combined Log Format.
    German supervisory authorities (Düsseldorfer Kreis, 27 Nov 2009) and
    BGH III ZR 146/10: logs for operation and abuse handling kept for 7 days.
"""

from __future__ import annotations

from .config import AccessLog

__all__ = ["AccessLog"]
