"""Large pages are rewritten in pieces, and the event loop gets turns while a slow one is.

Hostile markup (a flood of tiny foreign tags, ``<svg><b>`` repeated) costs
the rewriter a few µs a byte: linear, but a 500 KB page of it held the event
loop for the whole of its rewriting (about a second here), so every other
request on the worker waited. The responder now rewrites a body larger than
``_PIECE`` in pieces and lets the loop run once ``_SLICE`` has passed. The
output is the same bytes as in one go (the rewriter's split invariant).
"""

from __future__ import annotations

import asyncio
import gzip
import random
import time
from collections.abc import MutableMapping
from typing import Any

import pytest

from privmw import PrivacyMiddleware, _responder
from tests.tag_corpus import SNIPPETS, page

HOSTILE = b"<!doctype html><title>t</title>" + b"<svg><b>" * 62_500  # 500 KB
#: The same flood, 700 KB, gzipped to under 64 KB (one message privmw inflates).
_R = random.Random(1)
FLOOD = b"<!doctype html><title>t</title>" + b"".join(
    b"<svg><b class=c%d>" % _R.randrange(100) for _ in range(40_000)
)
GZIPPED = gzip.compress(FLOOD)
#: Every vendor snippet of the corpus, again and again: about 500 KB of ordinary markup.
ORDINARY = page(sorted(SNIPPETS) * 12).encode()


class Site:
    """One middleware (warmed by a first request, as a serving process is) and its page."""

    def __init__(self) -> None:
        self.parts: list[bytes] = [b"<p>warm</p>"]
        self.headers: list[tuple[bytes, bytes]] = []
        self.mw = PrivacyMiddleware(self.app)

    async def app(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8"), *self.headers]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, part in enumerate(self.parts):
            more = i < len(self.parts) - 1
            await send({"type": "http.response.body", "body": part, "more_body": more})

    async def serve(self, body: bytes, chunks: int = 1, gzipped: bool = False) -> bytes:
        size = -(-len(body) // chunks)
        self.parts = [body[i : i + size] for i in range(0, len(body), size)]
        self.headers = [(b"content-encoding", b"gzip")] if gzipped else []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        out: list[bytes] = []

        async def send(message: MutableMapping[str, Any]) -> None:
            out.append(message.get("body", b""))

        scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": []}
        scope.update(state={}, client=("203.0.113.9", 4711))
        await self.mw(scope, receive, send)
        return b"".join(out)


async def _serve(body: bytes, chunks: int = 1) -> bytes:
    return await Site().serve(body, chunks)


async def _served_with_ticks(
    body: bytes, chunks: int, gzipped: bool = False
) -> tuple[bytes, float, float, int]:
    """The output, the whole time, the longest the loop waited and how many turns it had."""
    site = Site()
    await site.serve(b"<p>warm</p>")
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = begun  # from before the request: its first wait counts too
        while True:
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
            if done.is_set():
                return

    async def serve() -> bytes:
        try:
            return await site.serve(body, chunks, gzipped)
        finally:
            done.set()

    begun = time.perf_counter()
    out, _ = await asyncio.gather(serve(), ticker())
    return out, time.perf_counter() - begun, max(gaps), len(gaps)


@pytest.mark.parametrize("chunks", [1, 3], ids=["one message", "streamed"])
async def test_a_slow_page_gives_the_event_loop_turns(chunks: int) -> None:
    out, total, longest, turns = await _served_with_ticks(HOSTILE, chunks)
    # Before: one turn after the whole rewriting (longest == total). Now the
    # loop waits at most ~_SLICE plus one piece at a time (the first piece,
    # 16 KB, is the longest: 3 % of the page).
    assert turns >= 10, (turns, total)
    assert longest < total / 8, (longest, total)
    assert b"<svg><b>" in out


async def test_a_small_compressed_slow_page_gives_the_event_loop_turns() -> None:
    # 57 KB on the wire, 700 KB once inflated: the size of the message does not
    # tell, so every content-coded body is rewritten in pieces of its inflated bytes.
    assert len(GZIPPED) < 65536 < len(FLOOD)
    out, total, longest, turns = await _served_with_ticks(GZIPPED, 1, gzipped=True)
    assert turns >= 10, (turns, total)
    assert longest < total / 8, (longest, total)
    assert out.count(b"<svg>") == 40_000  # inflated, rewritten, sent identity


@pytest.mark.parametrize("body", [HOSTILE, ORDINARY], ids=["hostile", "ordinary"])
@pytest.mark.parametrize("chunks", [1, 3], ids=["one message", "streamed"])
async def test_pieces_give_the_same_bytes_as_one_go(
    body: bytes, chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pieces = await _serve(body, chunks)
    monkeypatch.setattr(_responder, "_PIECE", 1 << 30)  # the old way: all at once
    monkeypatch.setattr(_responder, "_FIRST_PIECE", 1 << 30)
    assert pieces == await _serve(body, chunks)


@pytest.mark.parametrize("chunks", [1, 3], ids=["one message", "streamed"])
async def test_compressed_pages_in_pieces_give_the_same_bytes(
    chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    gz = gzip.compress(ORDINARY)
    pieces = await Site().serve(gz, chunks, gzipped=True)
    assert pieces.count(b"data-privmw-src") > 100  # inflated and gated
    monkeypatch.setattr(_responder, "_FIRST_PIECE", 1 << 30)
    assert pieces == await Site().serve(gz, chunks, gzipped=True)
