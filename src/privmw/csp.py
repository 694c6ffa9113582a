"""A consent-aware Content-Security-Policy and the ``Permissions-Policy`` opt-out.

:class:`ContentSecurityPolicy` is the opt-in configuration
(``TagGate(csp=ContentSecurityPolicy(...))``). Per response privmw sends the
app's *base* policy with the sources of the vendors the visitor consented to
added to the fetch directives they need (``script-src``, ``img-src``,
``connect-src``, ``frame-src``, ...). Sources of vendors without consent are
never added, so a tag a tag manager injects later is blocked by the browser
too.

Merging with a policy the app sets itself: privmw does not edit the app's
``Content-Security-Policy`` header, it sends its own as an *additional*
header. Browsers enforce every policy they receive and a load must pass all
of them (CSP Level 3, §8.1 "multiple policies"), so the combination is the
intersection: it can only be stricter than the app's own policy, never
looser. When the app's header carries a ``'nonce-…'`` in ``script-src``,
privmw reuses that nonce for the inline script it injects, so that script
passes both policies.

Strict mode (:meth:`ContentSecurityPolicy.strict`, ``TagGate(csp="strict")``)
is an *allow-list*: every fetch directive is spelled out with ``'self'`` and
the app's declared origins only, so a consented vendor's sources are the only
third parties a page can reach, whatever its inline code assembles at run
time (``new Image().src = "https://www.face" + "book.com/tr"``,
``navigator.sendBeacon``, ``fetch``, ``import()``, ``document.write``, event
handlers, import maps, ``data:`` and ``javascript:`` URLs). It is about *where*
a page may fetch from, not what code may run: inline scripts and ``eval``
stay allowed by default (privmw's policy is an additional one, so an app's
own stricter CSP still applies).

References: W3C Content Security Policy Level 3 (directives, source lists,
nonces, §6.1 fetch directives, §6.7.2.4 ``'self'``, §8.1 multiple policies);
W3C Permissions Policy and the Topics API (``browsing-topics``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ._cspgrammar import check_policy
from ._errors import ConfigurationError
from .trackers import Vendor

__all__ = ["ContentSecurityPolicy"]

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_STRICT_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_STRICT_ORIGIN = re.compile(
    rf"^(https?)://((?=.{{1,253}}(?::|$)){_LABEL}(?:\.{_LABEL})*)(:[0-9]{{1,5}})?$"
)
#: What strict mode allows beyond ``'self'`` and the declared origins, per fetch
#: directive; the others (``connect-src``, ``frame-src``, ``manifest-src``, ...)
#: fall back to ``default-src`` (CSP3 §6.8.3), which keeps the header short.
#: ``data:``/``blob:`` images, fonts and media cannot fetch anything themselves.
STRICT_EXTRA: dict[str, tuple[str, ...]] = {
    "style-src": ("'unsafe-inline'",),
    "img-src": ("data:", "blob:"),
    "font-src": ("data:",),
    "media-src": ("data:", "blob:"),
    "worker-src": ("blob:",),
}
_NONCE = re.compile(rb"'nonce-([A-Za-z0-9+/_=-]+)'")
_SCRIPT_SRC = re.compile(rb"(?:^|;)\s*script-src(?:-elem)?\s([^;]*)", re.IGNORECASE)
#: Fetch directives and what they fall back to when absent (CSP3 §6.8.3).
_FALLBACK = {
    "script-src": ("default-src",),
    "style-src": ("default-src",),
    "img-src": ("default-src",),
    "connect-src": ("default-src",),
    "font-src": ("default-src",),
    "media-src": ("default-src",),
    "object-src": ("default-src",),
    "frame-src": ("child-src", "default-src"),
    "child-src": ("default-src",),
    "worker-src": ("child-src", "script-src", "default-src"),
    "manifest-src": ("default-src",),
}


def parse_policy(text: str) -> dict[str, list[str]]:
    """A serialized policy as ``{directive: [sources]}``; the first of duplicates wins."""
    out: dict[str, list[str]] = {}
    for part in text.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name not in out:
            out[name] = tokens[1:]
    return out


def serialize_policy(policy: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def _effective(policy: dict[str, list[str]], directive: str) -> list[str] | None:
    if directive in policy:
        return policy[directive]
    for fallback in _FALLBACK.get(directive, ()):
        if fallback in policy:
            return policy[fallback]
    return None


@dataclass(frozen=True, slots=True)
class ContentSecurityPolicy:
    """Opt-in consent-aware CSP for :class:`~privmw.TagGate`.

    Args:
        policy: the app's base policy, as a header value. Vendor sources are
            added to it per response, only for consented vendors. Default
            ``"default-src 'self'"``. Checked against CSP Level 3: directive
            names, each once, and source expressions (quoted keywords,
            nonces, hashes, schemes, hosts).
        report_only: send ``Content-Security-Policy-Report-Only`` instead of
            enforcing (put a ``report-to``/``report-uri`` in ``policy``).
        nonce: add a per-response ``'nonce-…'`` to ``script-src`` for the
            inline script privmw injects (Consent Mode defaults). Skipped when
            the base ``script-src`` allows ``'unsafe-inline'`` without a nonce
            or hash, since a nonce would switch ``'unsafe-inline'`` off.
    """

    policy: str = "default-src 'self'"
    report_only: bool = False
    nonce: bool = True

    @classmethod
    def strict(
        cls,
        origins: Iterable[str] = (),
        *,
        inline: bool = True,
        report_only: bool = False,
    ) -> ContentSecurityPolicy:
        """An enforcing allow-list: ``'self'``, ``origins`` and, per visitor, consented vendors.

        Every fetch directive (``script-src``, ``style-src``, ``img-src``,
        ``font-src``, ``media-src``, ``connect-src``, ``frame-src``,
        ``worker-src``, ``manifest-src``, through ``default-src`` where not
        spelled out) allows ``'self'`` and ``origins``, plus ``data:``/``blob:``
        images, fonts and media, ``blob:`` workers and inline styles; privmw
        adds the CSP sources of the vendors the visitor consented to. ``object-src 'none'``,
        ``base-uri 'self'`` and ``form-action 'self' <origins>`` close
        plugins, ``<base href>`` to a tracker and forms posting to one.
        ``TagGate(csp="strict")`` is ``strict(origins=TagGate.allow)``.

        Args:
            origins: the app's own third-party origins (CDNs, APIs): host names
                like ``"cdn.example.net"`` (covering its subdomains, any
                scheme the page uses) or origins like ``"https://api.example.net:8443"``.
            inline: keep inline scripts, event handlers, ``javascript:`` URLs
                and ``eval`` running (``'unsafe-inline' 'unsafe-eval'``, the
                default: the allow-list decides where they can fetch from).
                ``False`` drops both and adds a per-response nonce for
                privmw's own scripts; the app's inline scripts then need the
                nonce of its own CSP header (privmw reuses it).
            report_only: send ``Content-Security-Policy-Report-Only``.

        This breaks a site that loads its own assets from an origin it did not
        declare (a CDN, a font host, an API): declare them in ``origins``.

        References: CSP Level 3 §6.1 (fetch directives), §6.3.1 ``base-uri``,
        §6.4.1 ``form-action``, §6.7.2 source expressions.
        """
        if isinstance(origins, (str, bytes)) or not isinstance(origins, Iterable):
            raise ConfigurationError(
                f"ContentSecurityPolicy.strict: origins must be a sequence of host names or "
                f"origins, got {origins!r}; write ({origins!r},) for one"
            )
        for option, value in (("inline", inline), ("report_only", report_only)):
            if not isinstance(value, bool):
                raise ConfigurationError(
                    f"ContentSecurityPolicy.strict: {option} must be True or False, got {value!r}"
                )
        sources = ["'self'", *strict_sources(origins)]
        policy: dict[str, list[str]] = {"default-src": sources}
        if inline:
            policy["script-src"] = [*sources, "'unsafe-inline'", "'unsafe-eval'"]
        for directive, extra in STRICT_EXTRA.items():
            policy[directive] = [*sources, *extra]
        policy["object-src"] = ["'none'"]
        policy["base-uri"] = ["'self'"]
        policy["form-action"] = sources
        return cls(serialize_policy(policy), report_only=report_only, nonce=not inline)

    def __post_init__(self) -> None:
        if not isinstance(self.policy, str) or not self.policy.strip():
            raise ConfigurationError(
                f"ContentSecurityPolicy: policy must be a non-empty header value like "
                f"\"default-src 'self'\", got {self.policy!r}"
            )
        if any(ord(c) < 0x20 or ord(c) > 0x7E for c in self.policy):
            raise ConfigurationError(
                f"ContentSecurityPolicy: policy must be printable ASCII on one line, "
                f"got {self.policy!r}"
            )
        check_policy("ContentSecurityPolicy", "policy", self.policy)
        for option in ("report_only", "nonce"):
            value = getattr(self, option)
            if not isinstance(value, bool):
                raise ConfigurationError(
                    f"ContentSecurityPolicy: {option} must be True or False, got {value!r}"
                )


def strict_sources(origins: Iterable[Any]) -> list[str]:
    """CSP source expressions for declared origins: a host and its subdomains, or an origin."""
    out: list[str] = []
    for item in origins:
        text = item.strip().lower().rstrip(".") if isinstance(item, str) else item
        if isinstance(text, str) and _STRICT_HOST.match(text):
            found = [text, "*." + text]
        elif isinstance(text, str) and _STRICT_ORIGIN.match(text):
            found = [text]
        else:
            raise ConfigurationError(
                f"ContentSecurityPolicy.strict: origins entries must be host names like "
                f"'cdn.example.net' or origins like 'https://cdn.example.net', got {item!r}"
            )
        out.extend(s for s in found if s not in out)
    return out


class PolicyBuilder:
    """Builds the header value per consent state; everything else is done once.

    ``build(allows, nonce)`` costs a dict lookup once a consent state has
    been seen (at most 2**categories states are cached).
    """

    __slots__ = ("_cache", "_categories", "_use_nonce", "_vendors", "base", "header")

    def __init__(self, config: ContentSecurityPolicy, vendors: Iterable[Vendor]) -> None:
        self.base = parse_policy(config.policy)
        self.header = (
            b"content-security-policy-report-only"
            if config.report_only
            else b"content-security-policy"
        )
        self._vendors = tuple(v for v in vendors if v.csp)
        self._categories = tuple(sorted({v.category for v in self._vendors}))
        script = _effective(self.base, "script-src") or []
        lowered = [s.lower() for s in script]
        has_nonce_or_hash = any(s.startswith(("'nonce-", "'sha")) for s in lowered)
        self._use_nonce = config.nonce and not (
            "'unsafe-inline'" in lowered and not has_nonce_or_hash
        )
        self._cache: dict[tuple[bool, ...], tuple[bytes, bytes, bytes]] = {}

    @property
    def uses_nonce(self) -> bool:
        return self._use_nonce

    def policy_for(self, allowed: Iterable[str]) -> dict[str, list[str]]:
        """The base policy plus the sources of vendors in the ``allowed`` categories."""
        allowed = set(allowed)
        policy = {k: list(v) for k, v in self.base.items()}
        for vendor in self._vendors:
            if vendor.category not in allowed:
                continue
            for directive, sources in vendor.csp.items():
                current = policy.get(directive)
                if current is None:
                    inherited = _effective(policy, directive)
                    if inherited is None:
                        continue  # nothing restricts this directive: no need to allow
                    current = policy[directive] = list(inherited)
                if "'none'" in (s.lower() for s in current):
                    current[:] = [s for s in current if s.lower() != "'none'"]
                for source in sources:
                    if source not in current:
                        current.append(source)
        return policy

    def build(self, allows: Callable[[str], bool], nonce: str | None) -> bytes:
        """The header value for this visitor (``nonce`` added to ``script-src``)."""
        key = tuple(bool(allows(c)) for c in self._categories)
        cached = self._cache.get(key)
        if cached is None:
            policy = self.policy_for(c for c, ok in zip(self._categories, key, strict=True) if ok)
            plain = serialize_policy(policy).encode("ascii")
            # The same policy with a nonce slot in script-src, split around it.
            script = policy.get("script-src")
            if script is None:
                script = list(_effective(policy, "script-src") or ["'self'"])
            with_slot = {**policy, "script-src": [*script, "'nonce-\x00'"]}
            head, _, tail = serialize_policy(with_slot).partition("\x00")
            cached = self._cache[key] = (plain, head.encode("ascii"), tail.encode("ascii"))
        if self._use_nonce and nonce is not None:
            return cached[1] + nonce.encode("ascii") + cached[2]
        return cached[0]


def app_nonce(value: bytes) -> str | None:
    """The nonce in an app's CSP header value's ``script-src``, if any."""
    m = _SCRIPT_SRC.search(value)
    if m is None:
        return None
    n = _NONCE.search(m.group(1))
    return n.group(1).decode("ascii") if n else None


def merge_permissions_policy(existing: bytes | None) -> bytes:
    """``browsing-topics=()`` added to an app's ``Permissions-Policy``, unless it sets one.

    The app's own ``browsing-topics`` choice wins; its other features stay.
    """
    if not existing or not existing.strip():
        return b"browsing-topics=()"
    if re.search(rb"(?:^|,)\s*browsing-topics\s*=", existing, re.IGNORECASE):
        return existing
    return existing.rstrip().rstrip(b",") + b", browsing-topics=()"
