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
import re

from .gcra import US

__all__: list[str] = []

_TYPES = "https://iana.org/assignments/http-problem-types"
#: 429, the client used up its quota.
QUOTA_EXCEEDED = _TYPES + "#quota-exceeded"
#: 429, the client is temporarily banned for repeatedly exceeding it.
ABNORMAL_USAGE = _TYPES + "#abnormal-usage-detected"
#: 503, the shared limiter (Redis) is unreachable and the policy is fail-closed.
REDUCED_CAPACITY = _TYPES + "#temporary-reduced-capacity"


#: What a policy name may hold as is: printable ASCII but ``%`` (the escape itself).
_UNSAFE = re.compile(r"[^\x20-\x24\x26-\x7e]+")


def _percent(match: re.Match[str]) -> str:
    data = match.group().encode("utf-8", "surrogatepass")
    return "".join(f"%{byte:02X}" for byte in data)


def wire_name(name: str) -> str:
    """A policy name as the fields carry it: printable ASCII, percent-encoded beyond that.

    An sf-string holds printable ASCII only (RFC 9651 section 3.3.3), but a
    route template, the default policy name, may be any text (``/café/{item}``).
    Every character outside ``%x20-7E``, and ``%`` itself, is percent-encoded as
    UTF-8 (``/café`` -> ``/caf%C3%A9``, ``50%`` -> ``50%25``), as in a URL path
    (RFC 3986 section 2.1): injective, and ``urllib.parse.unquote`` reverses it.
    Lone surrogates are encoded as ``surrogatepass`` UTF-8, so any ``str`` maps
    (``unquote(value, errors="surrogatepass")`` gives them back).
    """
    return _UNSAFE.sub(_percent, name)


def sf_string(text: str) -> bytes:
    """An RFC 9651 sf-string naming a policy: :func:`wire_name`, quoted, ``\\`` and ``"`` escaped.

    Always ASCII, whatever ``text`` holds: a header value never fails to encode.
    """
    escaped = wire_name(text).replace("\\", "\\\\").replace('"', '\\"')
    return b'"' + escaped.encode("ascii") + b'"'


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
