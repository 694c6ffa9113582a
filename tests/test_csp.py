"""Strict CSP (``ContentSecurityPolicy.strict``, ``TagGate(csp="strict")``) and document headers.

Chromium checks what the policy stops in ``tests/browser/test_strict_csp.py``;
these tables pin the policy text, its validation and which responses get it.
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest

from privmw import ConfigurationError, ContentSecurityPolicy, PrivacyMiddleware, TagGate
from privmw._types import Message, Receive, Scope, Send
from privmw.csp import parse_policy
from privmw.tags._runtime import TagRuntime, document_like
from privmw.trackers import TrackerRegistry

FB = "https://connect.facebook.net"
GZIPPED = gzip.compress(b"<!doctype html><p>x</p>")


def test_strict_policy_is_an_allow_list_of_self_and_declared_origins() -> None:
    csp = ContentSecurityPolicy.strict(["CDN.Example.net.", "https://api.example.org:8443"])
    policy = parse_policy(csp.policy)
    own = ["'self'", "cdn.example.net", "*.cdn.example.net", "https://api.example.org:8443"]
    assert policy["default-src"] == own
    assert policy["script-src"] == [*own, "'unsafe-inline'", "'unsafe-eval'"]
    assert policy["img-src"] == [*own, "data:", "blob:"]
    assert policy["style-src"] == [*own, "'unsafe-inline'"]
    assert policy["worker-src"] == [*own, "blob:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == own
    # connect-src, frame-src, manifest-src fall back to default-src
    assert "connect-src" not in policy
    assert "frame-src" not in policy
    assert not csp.report_only
    assert csp.nonce is False  # 'unsafe-inline' stays on: a nonce would switch it off


def test_strict_policy_without_inline_code_has_a_nonce_and_no_unsafe_sources() -> None:
    csp = ContentSecurityPolicy.strict(inline=False, report_only=True)
    assert "unsafe-eval" not in csp.policy
    assert "'unsafe-inline'" not in parse_policy(csp.policy).get("script-src", [])
    assert csp.nonce
    assert csp.report_only
    runtime = TagRuntime(TagGate(csp=csp), TrackerRegistry())
    assert runtime.csp is not None
    assert runtime.csp.header == b"content-security-policy-report-only"
    value = runtime.csp.build(lambda c: c == "necessary", "n0nce").decode()
    assert "script-src 'self' 'nonce-n0nce'" in value


def test_tag_gate_strict_uses_allow_as_declared_origins() -> None:
    gate = TagGate(csp="strict", allow=("static.example.net",))
    assert gate.csp == ContentSecurityPolicy.strict(("static.example.net",))
    assert TagGate(csp="strict") == TagGate(csp=ContentSecurityPolicy.strict())


def test_strict_policy_adds_only_consented_vendors() -> None:
    runtime = TagRuntime(TagGate(csp="strict"), TrackerRegistry())
    assert runtime.csp is not None
    none = parse_policy(runtime.csp.build(lambda c: c == "necessary", None).decode())
    everything = parse_policy(runtime.csp.build(lambda c: True, None).decode())
    analytics = parse_policy(
        runtime.csp.build(lambda c: c in ("necessary", "analytics"), None).decode()
    )
    assert not any("facebook" in s or "google" in s for v in none.values() for s in v)
    assert FB in everything["script-src"]
    assert FB in everything["connect-src"]
    assert "https://www.facebook.com" in everything["img-src"]
    assert not any("facebook" in s for v in analytics.values() for s in v)
    assert "https://*.googletagmanager.com" in analytics["script-src"]
    # a directive a vendor needs is spelled out from default-src, never widened beyond it
    assert everything["connect-src"][0] == "'self'"
    assert everything["object-src"] == ["'none'"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"origins": "cdn.example.net"}, "origins must be a sequence"),
        ({"origins": ["https://cdn.example.net/path"]}, "origins entries must be host names"),
        ({"origins": ["*.example.net"]}, "origins entries must be host names"),
        ({"origins": ["ftp://x.example"]}, "origins entries must be host names"),
        ({"origins": [3]}, "origins entries must be host names"),
        ({"inline": "yes"}, "inline must be True or False"),
        ({"report_only": 1}, "report_only must be True or False"),
    ],
)
def test_strict_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"ContentSecurityPolicy.strict: {message}"):
        ContentSecurityPolicy.strict(**kwargs)


@pytest.mark.parametrize(
    ("value", "fix"),
    [
        ("Strict", "did you mean 'strict'?"),
        ("default-src 'self'", "write csp=ContentSecurityPolicy(\"default-src 'self'\")"),
        (True, ""),
    ],
)
def test_tag_gate_csp_validation(value: object, fix: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        TagGate(csp=value)  # type: ignore[arg-type]
    text = str(info.value)
    assert text.startswith("TagGate: csp must be a privmw.ContentSecurityPolicy, 'strict' or None")
    assert text.endswith(fix)


@pytest.mark.parametrize(
    ("ctype", "document"),
    [
        (None, True),  # browsers sniff it, HTML included
        (b"text/html; charset=utf-16", True),
        (b"application/xhtml+xml", True),
        (b"image/svg+xml", True),
        (b"Text/XML", True),
        (b"text/javascript", True),  # a worker's own policy comes with its script
        (b"", True),
        (b"application/json", False),
        (b"text/css", False),
        (b"image/png", False),
        (b"text/plain", False),
        (b"application/pdf", False),
    ],
)
def test_document_like(ctype: bytes | None, document: bool) -> None:
    headers = [] if ctype is None else [(b"content-type", ctype)]
    assert document_like(headers) is document


def _app(headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def _headers(app: Any, **options: Any) -> list[tuple[bytes, bytes]]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"host", b"shop.example")],
        "client": ("203.0.113.9", 4711),
        "server": ("127.0.0.1", 443),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await PrivacyMiddleware(app, **options)(scope, receive, send)
    return list(sent[0]["headers"])


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ([(b"content-type", b"text/html"), (b"content-encoding", b"gzip")], GZIPPED),
        ([(b"content-type", b"text/html; charset=utf-16")], "<p>x</p>".encode("utf-16")),
        ([(b"content-type", b"application/xhtml+xml")], b"<html/>"),
        ([(b"content-type", b"image/svg+xml")], b"<svg/>"),
        ([(b"content-type", b"text/javascript")], b"fetch('/x')"),
        ([], b"<!doctype html><p>x"),
    ],
    ids=["gzip", "utf-16", "xhtml", "svg", "worker-script", "no-content-type"],
)
async def test_every_document_gets_the_csp(headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    sent = await _headers(_app(headers, body), tags=TagGate(csp="strict"))
    names = [n for n, _ in sent]
    assert b"content-security-policy" in names
    assert b"permissions-policy" in names
    csp = dict(sent)[b"content-security-policy"].decode()
    assert "nonce" not in csp
    assert "facebook" not in csp


async def test_passive_responses_get_no_csp() -> None:
    sent = await _headers(
        _app([(b"content-type", b"application/json")], b"{}"), tags=TagGate(csp="strict")
    )
    assert b"content-security-policy" not in [n for n, _ in sent]


async def test_without_csp_or_permissions_policy_documents_are_untouched() -> None:
    headers = [(b"content-type", b"text/javascript")]
    sent = await _headers(_app(headers, b"void 0"), tags=TagGate(permissions_policy=False))
    assert [h for h in sent if h[0] != b"vary"] == headers  # Vary: consent's, on every response
