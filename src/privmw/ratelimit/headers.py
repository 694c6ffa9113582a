"""The response side: IETF ``RateLimit``/``RateLimit-Policy`` fields and problem bodies.

Both fields are RFC 9651 Structured-Field Lists whose Items are Strings naming
a policy, with Integer parameters::

    RateLimit-Policy: "default";q=120;w=60
    RateLimit: "default";r=17;t=23

``t`` is delta-seconds (never an epoch). Refusals carry ``Retry-After`` (not
earlier than ``t``) and an RFC 9457 ``application/problem+json`` body with the
problem types the draft registers. Legacy ``X-RateLimit-*`` fields are an
option only. No field ever carries a partition key (``pk``): it could name the
client.

References:
    draft-ietf-httpapi-ratelimit-headers (fields, problem types);
    RFC 9651 (Structured Field Values), RFC 9457 (Problem Details),
    RFC 9110 section 10.2.3 (Retry-After).
"""

from __future__ import annotations

import json
import math

from .gcra import US

__all__: list[str] = []

_TYPES = "https://iana.org/assignments/http-problem-types"
#: 429, the client used up its quota.
QUOTA_EXCEEDED = _TYPES + "#quota-exceeded"
#: 429, the client is temporarily banned for repeatedly exceeding it.
ABNORMAL_USAGE = _TYPES + "#abnormal-usage-detected"
#: 503, the shared limiter (Redis) is unreachable and the policy is fail-closed.
REDUCED_CAPACITY = _TYPES + "#temporary-reduced-capacity"


def sf_string(text: str) -> bytes:
    """An RFC 9651 sf-string: quoted, with ``\\`` and ``"`` escaped (ASCII only)."""
    return b'"' + text.replace("\\", "\\\\").replace('"', '\\"').encode("ascii") + b'"'


def policy_field(name: str, quota: int, window: float) -> bytes:
    """``"name";q=<quota>;w=<window seconds>`` for ``RateLimit-Policy``."""
    return sf_string(name) + b";q=%d;w=%d" % (quota, max(1, math.ceil(window)))


def ratelimit_field(name: bytes, remaining: int, reset_us: int) -> bytes:
    """``"name";r=<remaining>;t=<seconds>`` for ``RateLimit``; ``name`` is an sf-string.

    ``t`` is the reset in µs rounded up to whole seconds, exactly (integers).
    """
    return b"%s;r=%d;t=%d" % (name, remaining, -(-reset_us // US))


def legacy_fields(quota: int, remaining: int, reset_us: int) -> list[tuple[bytes, bytes]]:
    """The pre-draft ``X-RateLimit-*`` fields (reset as delta-seconds)."""
    return [
        (b"x-ratelimit-limit", b"%d" % quota),
        (b"x-ratelimit-remaining", b"%d" % remaining),
        (b"x-ratelimit-reset", b"%d" % -(-reset_us // US)),
    ]


_TITLES = {
    QUOTA_EXCEEDED: "Too Many Requests",
    ABNORMAL_USAGE: "Abnormal usage detected",
    REDUCED_CAPACITY: "Temporarily reduced capacity",
    "about:blank": "Forbidden",
}


def problem_body(kind: str, status: int, detail: str, policies: tuple[str, ...] = ()) -> bytes:
    """An RFC 9457 problem body; ``violated-policies`` names the policies hit."""
    body: dict[str, object] = {
        "type": kind,
        "title": _TITLES.get(kind, "Error"),
        "status": status,
        "detail": detail,
    }
    if policies:
        body["violated-policies"] = list(policies)
    return json.dumps(body, separators=(",", ":")).encode()
