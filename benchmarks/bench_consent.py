"""Signals + consent + cookie gating vs bare Starlette and a headers-only peer.

The request is a browser behind a proxy on loopback that carries a valid
consent cookie (and a session cookie); the response is non-HTML text, so the
cost measured is: one header pass (forwarding, ``Sec-GPC``, ``DNT``,
``Cookie``), the consent cookie decode, the ``PrivacyContext``, and the send
wrapper that gates ``Set-Cookie`` and merges ``Vary``.

Peer: ``secure`` (``SecureASGIMiddleware`` with its default headers), a pure
ASGI layer that only adds response headers.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from privmw import ConsentPolicy, PrivacyMiddleware
from privmw.consent.cookie import encode_consent

from .common import DEFAULT_HEADERS, ASGIApp, bare_app, make_scope

GROUP = "consent"
#: The privmw variant the peers are compared with.
REFERENCE = "privmw default stack (ip + signals + consent + cookie gating)"

_SECRET = "bench-secret-0123456789abcdef"
_DEFAULT = ConsentPolicy()
_SIGNED = ConsentPolicy(secret=_SECRET)


def _cookie(policy: ConsentPolicy) -> bytes:
    value = encode_consent(policy, ["analytics", "preferences"], now=time.time())
    return f"session=0f3c9a1e77b24d5c; {policy.cookie_name}={value}".encode()


_COOKIE = _cookie(_DEFAULT)
_SIGNED_COOKIE = _cookie(_SIGNED)


def scope() -> dict[str, Any]:
    """A browser request with a valid (unsigned, default policy) consent cookie."""
    return make_scope(headers=[*DEFAULT_HEADERS, (b"cookie", _COOKIE)])


def signed_scope() -> dict[str, Any]:
    return make_scope(headers=[*DEFAULT_HEADERS, (b"cookie", _SIGNED_COOKIE)])


def _secure_peer(app: ASGIApp) -> ASGIApp:
    from secure.middleware import SecureASGIMiddleware

    return SecureASGIMiddleware(app)


def apps() -> dict[str, ASGIApp]:
    variants: dict[str, ASGIApp] = {
        "bare starlette": bare_app(),
        "privmw default stack (ip + signals + consent + cookie gating)": PrivacyMiddleware(
            bare_app()
        ),
    }
    with contextlib.suppress(ImportError):  # pip install secure (the bench extra)
        variants["secure headers middleware"] = _secure_peer(bare_app())
    return variants


#: Set-Cookie lines an app sends for trackers the visitor has not allowed (each
#: is parsed only then): server-side GA/Meta cookies, and the deletions.
SET_COOKIES: list[bytes] = [
    b"_ga=GA1.1.123456789.1770000000; Max-Age=63072000; Path=/; Domain=example.org; SameSite=Lax",
    b"_fbp=fb.1.1770000000000.123456789; Expires=Wed, 01 Jan 2100 00:00:00 GMT; Path=/",
    b"_ga=; Max-Age=0; Path=/; Domain=example.org",
    b'_gid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
    b"_ga_X1=GS1.1.1770000000.1.0.1770000000.0.0.0; Max-Age=63072000; Path=/; Secure",
]


def _main_is_deletion(value: bytes) -> bool:
    """main's ``is_deletion`` before issue 14, copied here as the "before" of the parser."""
    for attr in value.split(b";")[1:]:
        key, _, val = attr.partition(b"=")
        key = key.strip().lower()
        if key == b"max-age":
            val = val.strip()
            return val[:1] == b"-" or (val.isdigit() and int(val) == 0)
        if key == b"expires" and b"1970" in val:
            return True
    return False


def figures() -> dict[str, float]:
    """µs per denied Set-Cookie line: main's check vs the RFC 6265 + Chromium parser."""
    import statistics

    from privmw.cookies import is_deletion

    now = time.time()
    funcs = {
        "Set-Cookie deletion check µs, before (main)": _main_is_deletion,
        "Set-Cookie deletion check µs, RFC 6265 parser": lambda v: is_deletion(v, now),
    }
    out: dict[str, float] = {}
    for label, func in funcs.items():
        runs = []
        for _ in range(15):
            start = time.perf_counter()
            for _ in range(400):
                for value in SET_COOKIES:
                    func(value)
            runs.append((time.perf_counter() - start) / (400 * len(SET_COOKIES)) * 1e6)
        out[label] = statistics.median(runs)
    return out


async def _side_by_side(rounds: int = 15, n: int = 2000) -> None:
    """A quick interleaved measurement: ``python -m benchmarks.bench_consent``."""
    import random
    import statistics

    from .common import time_requests

    variants = apps()
    signed = PrivacyMiddleware(bare_app(), consent=_SIGNED)
    runs: dict[str, tuple[ASGIApp, Any]] = {name: (app, scope) for name, app in variants.items()}
    runs["privmw default stack, HMAC-signed cookie"] = (signed, signed_scope)
    runs["privmw ip only (consent=False), for the breakdown"] = (
        PrivacyMiddleware(bare_app(), consent=False),
        scope,
    )
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for app, factory in runs.values():
        await time_requests(app, 200, factory)
    names = list(runs)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            app, factory = runs[name]
            samples[name].append(await time_requests(app, n, factory) * 1e6)
    bare = statistics.median(samples["bare starlette"])
    for name in runs:
        med = statistics.median(samples[name])
        print(f"{name:66s} {med:7.2f} µs  +{med - bare:5.2f} µs  x{med / bare:4.2f}")


if __name__ == "__main__":
    import asyncio

    asyncio.run(_side_by_side())
