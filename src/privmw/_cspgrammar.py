"""CSP directive names and source expressions, checked at construction.

Used by :class:`~privmw.ContentSecurityPolicy` (the base policy) and by
:class:`~privmw.Vendor` (the sources a vendor needs). The check is the one of
CSP Level 3's grammar that catches configuration mistakes: an unknown
directive name (``"garbage"``, ``"scirpt-src"``), an unquoted keyword
(``self`` is a *host* named "self"), an unknown quoted keyword, a malformed
nonce or hash, a source that is neither a scheme nor a host.

References: W3C Content Security Policy Level 3, section 2.3.1 (source
lists: ``keyword-source``, ``nonce-source``, ``hash-source``,
``scheme-source``, ``host-source``), section 6 (directives); Upgrade Insecure
Requests; Trusted Types; Mixed Content (``block-all-mixed-content``).
"""

from __future__ import annotations

import re

from ._validate import fail, suggest

__all__: list[str] = []

#: Directives whose value is a source list (CSP3 6.1, 6.3.1, 6.3.2, 6.4.x).
SOURCE_LIST = frozenset(
    {
        "child-src",
        "connect-src",
        "default-src",
        "fenced-frame-src",
        "font-src",
        "frame-src",
        "img-src",
        "manifest-src",
        "media-src",
        "object-src",
        "script-src",
        "script-src-elem",
        "script-src-attr",
        "style-src",
        "style-src-elem",
        "style-src-attr",
        "worker-src",
        "base-uri",
        "form-action",
        "frame-ancestors",
    }
)
#: Every directive privmw accepts in a policy.
DIRECTIVES = SOURCE_LIST | {
    "sandbox",
    "report-uri",
    "report-to",
    "webrtc",
    "upgrade-insecure-requests",
    "block-all-mixed-content",
    "require-trusted-types-for",
    "trusted-types",
}
_NO_VALUE = frozenset({"upgrade-insecure-requests", "block-all-mixed-content"})
KEYWORDS = frozenset(
    {
        "'self'",
        "'none'",
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'strict-dynamic'",
        "'unsafe-hashes'",
        "'report-sample'",
        "'unsafe-allow-redirects'",
        "'wasm-unsafe-eval'",
        "'inline-speculation-rules'",
    }
)
_BARE = {k.strip("'"): k for k in KEYWORDS}
_NONCE = re.compile(r"^'nonce-[A-Za-z0-9+/_-]+={0,2}'$")
_HASH = re.compile(r"^'sha(?:256|384|512)-[A-Za-z0-9+/_-]+={0,2}'$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:$")
_HOST = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*://)?"  # scheme-part "://"
    r"(?:\*|(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"  # host-part
    r"(?::(?:[0-9]+|\*))?"  # port-part
    r"(?:/[^\s;,?#]*)?$"  # path-part (no query, no fragment)
)


def check_directive(owner: str, option: str, name: str) -> None:
    if name not in DIRECTIVES:
        fail(
            owner,
            option,
            "CSP Level 3 directive names like \"script-src 'self' https://cdn.example\"",
            name,
            suggest(name, sorted(DIRECTIVES)) or "see CSP Level 3, section 6 for the names",
        )


def check_source(owner: str, option: str, source: str) -> None:
    """One source expression of a source list."""
    lowered = source.lower()
    if lowered in KEYWORDS or _NONCE.match(source) or _HASH.match(source):
        return
    if lowered in _BARE:
        fail(owner, option, "quoted keywords", source, f'did you mean "{_BARE[lowered]}"?')
    if source.startswith("'"):
        fail(
            owner,
            option,
            "a keyword ('self', 'none', 'unsafe-inline', ...), 'nonce-…' or 'sha256-…'",
            source,
            suggest(lowered, sorted(KEYWORDS)),
        )
    if _SCHEME.match(source) or _HOST.match(source):
        return
    fail(owner, option, "a scheme ('https:') or a host ('https://cdn.example.com')", source)


def check_policy(owner: str, option: str, text: str) -> None:
    """A serialized policy: known directives, each once, with well-formed values."""
    seen: set[str] = set()
    for part in text.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        check_directive(owner, f"{option} directives", name)
        if name in seen:
            fail(owner, f"{option} directives", "each named once", name, "merge their sources")
        seen.add(name)
        values = tokens[1:]
        if name in _NO_VALUE and values:
            fail(owner, f"{option} {name}", "given without a value", " ".join(values))
        if name in SOURCE_LIST:
            for source in values:
                check_source(owner, f"{option} {name} sources", source)
    if not seen:
        fail(owner, option, "at least one directive", text)
