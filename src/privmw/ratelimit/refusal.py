"""The answer to a refused request, as data: problem+json for API clients, HTML for browsers.

:class:`Refusal` is what the limiter knows about a refusal (status, kind,
retry time, the policies that refused, the fields to send). :meth:`Refusal.render`
is a sans-io function of it, the request's ``Accept`` header and the texts:
it returns ``(status, headers, body)`` and sends nothing. A browser
(``Accept`` preferring ``text/html`` over JSON) gets a short page saying when
to retry; everything else gets RFC 9457 ``application/problem+json`` with the
problem types of the RateLimit draft. Every visible text of the page is in
:attr:`Refusal.TEXTS`, replaceable through ``RateLimit(texts=...)`` (a mapping,
or a callable of the request scope for per-request translations).

References:
    RFC 9457 (problem details); draft-ietf-httpapi-ratelimit-headers section 5
    (problem types, ``violated-policies``); RFC 9110 section 12.5.1 (``Accept``,
    quality values), section 10.2.3 (``Retry-After``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from types import MappingProxyType

from privmw._headers import Headers
from privmw._validate import fail, suggest

from .headers import ABNORMAL_USAGE, QUOTA_EXCEEDED, REDUCED_CAPACITY, problem_body

__all__ = ["Refusal"]

_TEXTS = {
    "lang": "en",
    "quota.title": "Too many requests",
    "quota.message": "You have sent too many requests in a short time.",
    "ban.title": "Temporarily blocked",
    "ban.message": "Too many of your requests were refused, so you are blocked for a while.",
    "deny.title": "Access denied",
    "deny.message": "Requests from your network are not accepted.",
    "unavailable.title": "Temporarily unavailable",
    "unavailable.message": "The service cannot take requests right now.",
    "retry": "Please try again in {retry}.",
    "second": "{n} second",
    "seconds": "{n} seconds",
    "minute": "{n} minute",
    "minutes": "{n} minutes",
    "hour": "{n} hour",
    "hours": "{n} hours",
}
_PLACEHOLDERS = {"retry": {"retry"}} | {
    k: {"n"} for k in _TEXTS if k.startswith(("sec", "min", "hour"))
}

#: status, problem type, detail (the machine-facing problem+json stays in English).
_PROBLEMS = {
    "quota": (QUOTA_EXCEEDED, "Request quota exceeded; retry after the given delay."),
    "ban": (ABNORMAL_USAGE, "Too many refused requests; temporarily blocked."),
    "deny": ("about:blank", "Requests from this network are not accepted."),
    "unavailable": (REDUCED_CAPACITY, "The rate limiter is unavailable; retry shortly."),
}

_HTML_TYPES = (b"text/html", b"application/xhtml+xml")
_JSON_TYPES = (b"application/json", b"application/problem+json")
#: Media ranges of ``Accept`` looked at (a hostile header costs no more).
_MAX_RANGES = 32


def prefers_html(accept: bytes | None) -> bool:
    """Whether ``Accept`` asks for HTML more than for JSON (a browser, not an API client).

    ``*/*`` alone (curl, ``fetch()``) is not a preference for HTML. Bounded: only
    the first 4 KiB and 32 media ranges of the header count.
    """
    if not accept:
        return False
    accept = accept[:4096].lower()
    if b"html" not in accept:
        return False
    best_html = best_json = 0.0
    for item in accept.split(b",", _MAX_RANGES)[:_MAX_RANGES]:
        media, _, params = item.partition(b";")
        media = media.strip()
        q = 1.0
        for param in params.split(b";"):
            name, _, value = param.partition(b"=")
            if name.strip() == b"q":
                try:
                    q = float(value.strip()[:5])
                except ValueError:
                    q = 0.0
        if media in _HTML_TYPES:
            best_html = max(best_html, q)
        elif media in _JSON_TYPES:
            best_json = max(best_json, q)
    return best_html > 0 and best_html >= best_json


def _duration(seconds: int, text: Mapping[str, str]) -> str:
    """``"30 seconds"``, ``"5 minutes"``, ``"2 hours"`` (rounded up)."""
    if seconds < 120:
        n, unit = seconds, "second"
    elif seconds < 7200:
        n, unit = -(-seconds // 60), "minute"
    else:
        n, unit = -(-seconds // 3600), "hour"
    return _format(text, unit if n == 1 else unit + "s", n=n)


def _format(texts: Mapping[str, str], key: str, **values: object) -> str:
    """``texts[key]`` with its placeholders filled; the default text if it cannot be."""
    text = texts.get(key)
    if isinstance(text, str):
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            pass
    return _TEXTS[key].format(**values)


def check_texts(owner: str, option: str, texts: object) -> Mapping[str, str]:
    """A texts mapping: known keys, string values, placeholders that format."""
    if not isinstance(texts, Mapping):
        fail(owner, option, "a mapping of text keys to strings, or a callable of the scope", texts)
    for key, value in texts.items():
        if key not in _TEXTS:
            fail(owner, f"{option} keys", f"some of {sorted(_TEXTS)}", key, suggest(key, _TEXTS))
        if not isinstance(value, str):
            fail(owner, f"{option}[{key!r}]", "a string", value)
        try:
            value.format(**dict.fromkeys(_PLACEHOLDERS.get(key, ()), 1))
        except (KeyError, IndexError, ValueError) as exc:
            names = ", ".join("{" + p + "}" for p in sorted(_PLACEHOLDERS.get(key, ()))) or "none"
            fail(
                owner,
                f"{option}[{key!r}]",
                f"a text whose placeholders are {names}",
                value,
                str(exc),
            )
    return texts


class Refusal:
    """A refused request, as data: what the default answer is built from and a handler gets.

    Attributes:
        status: 429 (quota, ban), 403 (deny-listed network) or 503 (the shared
            limiter is down and the policy is fail-closed).
        kind: ``"quota"``, ``"ban"``, ``"deny"`` or ``"unavailable"``.
        retry_after: whole seconds until a retry can succeed (0 for ``"deny"``).
        policies: names of the policies that refused.
        headers: the fields every answer to this refusal should carry
            (``Retry-After``, ``RateLimit-Policy``, ``RateLimit``), as a dict of
            strings for a Starlette ``Response(headers=...)``.

    References:
        draft-ietf-httpapi-ratelimit-headers; RFC 9457.
    """

    #: The texts of the HTML page (English); ``RateLimit(texts=...)`` overrides them.
    TEXTS: Mapping[str, str] = MappingProxyType(_TEXTS)

    __slots__ = ("kind", "policies", "raw_headers", "retry_after", "status")

    def __init__(
        self,
        status: int,
        kind: str,
        retry_after: int,
        policies: tuple[str, ...],
        raw_headers: Headers,
    ) -> None:
        self.status = status
        self.kind = kind
        self.retry_after = retry_after
        self.policies = policies
        #: The same fields as ``headers``, as ASGI byte pairs.
        self.raw_headers = raw_headers

    @property
    def headers(self) -> dict[str, str]:
        return {name.decode("latin-1"): value.decode("latin-1") for name, value in self.raw_headers}

    def __repr__(self) -> str:
        return (
            f"Refusal({self.status}, {self.kind!r}, retry_after={self.retry_after}, "
            f"policies={self.policies!r})"
        )

    def render(
        self, accept: bytes | None = None, texts: Mapping[str, str] | None = None
    ) -> tuple[int, Headers, bytes]:
        """The default answer: ``(status, headers, body)``, HTML for a browser, else problem+json.

        Args:
            accept: the request's ``Accept`` header value (``None``: absent).
            texts: overrides of :attr:`TEXTS` (missing keys and texts that do
                not format fall back to the English default).
        """
        if prefers_html(accept):
            body = self.html(texts or _TEXTS)
            headers = [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-security-policy", b"default-src 'none'"),
            ]
        else:
            kind, detail = _PROBLEMS[self.kind]
            policies = self.policies if self.status == 429 else ()
            body = problem_body(kind, self.status, detail, policies)
            headers = [(b"content-type", b"application/problem+json")]
        headers += [
            (b"content-length", b"%d" % len(body)),
            (b"cache-control", b"no-store"),
            (b"vary", b"Accept"),
            *self.raw_headers,
        ]
        return self.status, headers, body

    def html(self, texts: Mapping[str, str]) -> bytes:
        """The short page a browser gets: a title, what happened, when to retry."""
        title = html.escape(_format(texts, f"{self.kind}.title"))
        message = html.escape(_format(texts, f"{self.kind}.message"))
        lang = html.escape(_format(texts, "lang"), quote=True)
        retry = ""
        if self.retry_after:
            when = _duration(self.retry_after, texts)
            retry = f"<p>{html.escape(_format(texts, 'retry', retry=when))}</p>"
        page = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{title}</title></head>'
            f"<body><main><h1>{title}</h1><p>{message}</p>{retry}</main></body></html>"
        )
        return page.encode("utf-8")
