"""A rewriter error (a bug) fails closed (invariant 8): refused or cut, never a 500, never live.

The rewriter is made to raise on a marker in its input. Before the fix the
rest of the page went out as the app wrote it, trackers and all: the whole
body of a one-message page, the remaining chunks of a streamed one.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import pytest

from privmw import PrivacyMiddleware, TagGate
from privmw.tags.rewriter import HtmlRewriter

PIXEL = b'<img src="https://www.facebook.com/tr?id=1&ev=PageView">'
MARK = b"<!--boom-->"
FIRST = b"<!doctype html><title>t</title><p>first " + PIXEL
SECOND = b"<p>second " + MARK + PIXEL + b'<script src="https://connect.facebook.net/x.js"></script>'
REFUSED = b"privmw: this response cannot be inspected for third-party tags, so it is not sent\n"


@pytest.fixture(autouse=True)
def _boom(monkeypatch: pytest.MonkeyPatch) -> None:
    real = HtmlRewriter.feed

    def feed(self: HtmlRewriter, chunk: bytes) -> bytes:
        if MARK in chunk:
            raise RuntimeError("a rewriter bug")
        return real(self, chunk)

    monkeypatch.setattr(HtmlRewriter, "feed", feed)


Sent = list[MutableMapping[str, Any]]


async def _serve(chunks: list[bytes], tags: TagGate | None = None) -> Sent:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        if len(chunks) == 1:
            headers.append((b"content-length", b"%d" % len(chunks[0])))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(chunks):
            more = i < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: Sent = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/", "headers": []}
    scope.update(state={}, client=("203.0.113.9", 4711))
    await PrivacyMiddleware(app, tags=tags or TagGate())(scope, receive, send)
    return sent


def _body(sent: Sent) -> bytes:
    return b"".join(m.get("body", b"") for m in sent[1:])


async def test_a_one_message_page_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="privmw.tags"):
        sent = await _serve([FIRST + SECOND])
    start = sent[0]
    assert start["status"] == 502
    assert _body(sent) == REFUSED
    assert dict(start["headers"])[b"content-length"] == b"%d" % len(REFUSED)
    [record] = [r for r in caplog.records if r.name == "privmw.tags"]
    assert "refused or cut" in record.getMessage()
    assert b"facebook" not in record.getMessage().encode()  # no page bytes in the log


async def test_a_streamed_page_failing_at_its_first_chunk_is_refused() -> None:
    sent = await _serve([SECOND, FIRST])
    assert sent[0]["status"] == 502
    assert _body(sent) == REFUSED


async def test_a_failure_in_a_later_piece_of_the_first_message_is_refused() -> None:
    # The first message is rewritten in pieces (over 64 KB): the start is
    # still held when a later piece fails, so the response is refused whole.
    first = FIRST + b"<p>" + b"x" * 100_000 + b"</p>" + SECOND
    sent = await _serve([first, b"<p>more</p>"])
    assert sent[0]["status"] == 502
    assert _body(sent) == REFUSED


async def test_a_streamed_page_is_cut_where_the_rewriter_failed() -> None:
    sent = await _serve([FIRST, SECOND, b"<p>third " + PIXEL])
    assert sent[0]["status"] == 200
    body = _body(sent)
    assert b"first" in body  # gated and sent before the error
    assert b"second" not in body
    assert b"third" not in body
    assert b' src="https://www.facebook.com' not in body  # no live pixel anywhere
    assert b'data-privmw-src="https://www.facebook.com' in body  # the first one, neutralised
    assert sent[-1]["more_body"] is False  # the response still ends


async def test_report_only_passes_the_page_unchanged() -> None:
    sent = await _serve([FIRST + SECOND], TagGate(mode="report-only"))
    assert sent[0]["status"] == 200
    assert _body(sent) == FIRST + SECOND
