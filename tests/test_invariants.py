"""The privacy invariants of ``design.md`` against an adversary (issue 14).

* invariant 1: random header names carrying the client address, in any
  textual form privmw recognises, never reach the app unscrubbed;
* invariant 7: caches cannot be pinned by huge client values (400 distinct
  1 MiB cookies), and what they hold stays within their byte bounds in real
  memory (measured with ``tracemalloc``);
* the log and cookie properties live beside their modules
  (``tests/test_logfilter.py``, ``tests/test_cookies.py``).
"""

from __future__ import annotations

import gc
import ipaddress
import os
import re
import tracemalloc
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import PrivacyMiddleware
from privmw.clientip import FORWARDING_HEADERS
from tests._consent_app import SECRET, policy

# -- invariant 1: any header, any recognised form ---------------------------------


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


class Seen:
    """An app that keeps what it was given."""

    def __init__(self) -> None:
        self.scope: dict[str, Any] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        await _ok(scope, receive, send)


async def run(mw: PrivacyMiddleware, scope: dict[str, Any]) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    await mw(scope, receive, send)


def forms(address: str) -> list[str]:
    """Text forms of an address a proxy or a platform may write."""
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        packed = int(ip)
        return [
            address,
            f"{address}:46532",
            f"[::ffff:{address}]:443",
            f"::ffff:{address}",
            f"::ffff:{packed >> 16:x}:{packed & 0xFFFF:x}",
            f"for={address};proto=https",
        ]
    full = ip.exploded
    return [
        ip.compressed,
        ip.compressed.upper(),
        f"[{ip.compressed}]:443",
        full,
        full.upper(),
        ":".join(g.lstrip("0") or "0" for g in full.split(":")),
        f'for="[{ip.compressed}]"',
    ]


ipv4 = (
    st.integers(min_value=0x01000000, max_value=0xDFFFFFFF)
    .map(lambda v: str(ipaddress.IPv4Address(v)))
    .filter(lambda a: not a.startswith("127.") and not a.endswith(".0"))
)
ipv6 = st.integers(min_value=0x2000 << 112, max_value=(0x3FFF << 112) - 1).map(
    lambda v: str(ipaddress.IPv6Address(v | 0x77))
)
header_names = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z").filter(
    lambda n: n.encode() not in FORWARDING_HEADERS and n not in {"host", "cookie", "dnt", "sec-gpc"}
)


@settings(max_examples=200, deadline=None)
@given(
    address=st.one_of(ipv4, ipv6),
    name=header_names,
    form=st.integers(min_value=0, max_value=6),
    prefix=st.sampled_from(["", "client ", "x=", "a,b ", "(", '"']),
    suffix=st.sampled_from(["", " ", ";", ", 10.1.1.1", ")", '"', "/path"]),
    trusted=st.booleans(),
)
async def test_any_header_never_reaches_the_app_with_the_full_address(
    address: str, name: str, form: int, prefix: str, suffix: str, trusted: bool
) -> None:
    seen = Seen()
    mw = PrivacyMiddleware(seen, trusted_proxies=["10.0.0.1"])
    candidates = forms(address)
    value = prefix + candidates[form % len(candidates)] + suffix
    headers = [(b"host", b"example.org"), (name.encode(), value.encode())]
    if trusted:
        headers.append((b"x-forwarded-for", address.encode()))
    peer = "10.0.0.1" if trusted else address
    await run(mw, {"type": "http", "path": "/", "headers": headers, "client": (peer, 1)})
    blob = b"\n".join(v for _, v in seen.scope["headers"]).decode("latin-1").lower()
    ip = ipaddress.ip_address(address)
    if ip.version == 4:
        texts = [address, f"::ffff:{int(ip) >> 16:x}:{int(ip) & 0xFFFF:x}"]
    else:
        texts = [ip.compressed, ip.exploded, forms(address)[5]]
    for text in texts:
        # whole addresses only: "203.0.113.7" is not in "203.0.113.70"
        found = re.search(rf"(?<![\w.:]){re.escape(text.lower())}(?![\w]|\.\d|:[0-9a-f]+:)", blob)
        assert found is None, (value, blob)


# -- invariant 7: 400 distinct 1 MiB cookies pin nothing --------------------------


def _huge_cookie(i: int) -> bytes:
    """A distinct ~1 MiB Cookie header, in one of four shapes."""
    blob = os.urandom(1 << 19).hex()  # 1 MiB of distinct text
    shape = i % 4
    if shape == 0:
        return f"privmw_consent={blob}".encode()
    if shape == 1:
        return f"_ga_{blob}=1; session=x".encode()
    if shape == 2:
        return f"session={blob}; privmw_consent=1.1.{i}.analytics".encode()
    return f"__Host-privmw_consent={blob[:2000]}; privmw_consent={blob}".encode()


def _scope(cookie: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "path": "/",
        "headers": [(b"cookie", cookie)],
        "client": ("203.0.113.9", 1),
    }


async def test_400_distinct_1mib_cookies_do_not_pin_memory() -> None:
    mw = PrivacyMiddleware(_ok, consent=policy(secret=SECRET))
    for i in range(8):  # warm up: first-call allocations, the registry
        await run(mw, _scope(_huge_cookie(i)))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(400):
            await run(mw, _scope(_huge_cookie(i)))
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # 400 MiB went through; what stays is the bounded caches (a few MiB at most)
    assert after - before < 4 << 20, (after - before) / 2**20
    assert mw.consent is not None
    for info in mw.consent.cache_info().values():
        assert info.bytes <= info.max_bytes  # type: ignore[attr-defined]


async def test_cache_bounds_hold_in_real_memory() -> None:
    """Distinct 8 KiB headers of many small tracker cookies: the byte bound is real memory.

    Each header's scan holds one tuple per tracker cookie; before, an entry was
    counted as its header's length only, so the scan cache held about ten
    times its byte bound.
    """
    mw = PrivacyMiddleware(_ok, consent=policy(secret=SECRET))
    assert mw.consent is not None
    declared = sum(
        info.max_bytes  # type: ignore[attr-defined]
        for info in mw.consent.cache_info().values()
    )
    pool = "; ".join(f"_ga_p{j}=1" for j in range(700))
    await run(mw, _scope(pool.encode()))  # the names' categories are cached once
    gc.collect()
    tracemalloc.start()
    held = 0
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(140):  # enough to fill a 1 MiB cache of 8 KiB entries
            header = f"v={i}; {pool}"[:8000]  # distinct: another key in the scan cache
            await run(mw, _scope(header.encode()))
            held = max(held, tracemalloc.get_traced_memory()[0] - before)
    finally:
        tracemalloc.stop()
    assert held <= declared, (held / 2**20, declared / 2**20)
