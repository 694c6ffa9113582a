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
