"""``PrivacyMiddleware``: one pure ASGI layer; the logic lives in plain modules.

The request flow:

1. lifespan and other scope types pass straight through;
2. one pass over the headers resolves the client through trusted proxies
   (``clientip``) and reads ``Sec-GPC``, ``DNT`` and ``Cookie``;
3. ``scope["client"]`` is truncated *in place* and every forwarding header is
   rewritten or removed, before anything else sees the request: uvicorn and
   hypercorn build their access-log line from this same dict;
4. ``request.state.privacy`` gets a :class:`~privmw.PrivacyContext` (signals,
   consent);
5. the rate limiter (if any) keys on a keyed hash of the full address, which
   is then dropped; over the limit, the 429 goes out here;
6. privmw's own routes are answered: consent endpoints, ``gpc.json``, the tag
   activation script, the disclosure;
7. the app runs behind one send wrapper (:class:`~privmw._responder.Responder`)
   that adds the RateLimit fields, gates ``Set-Cookie``, expires denied tracker
   cookies, merges ``Vary`` and streams HTML through the tag rewriter; the
   access log (if any) wraps it all, so privmw's own answers are logged too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from socket import AF_INET as _AF_INET
from socket import inet_ntop as _inet_ntop
from socket import inet_pton as _inet_pton

from ._errors import ConfigurationError
from ._responder import Responder
from ._types import ASGIApp, Receive, Scope, Send
from .accesslog import AccessLog
from .clientip import (
    FORWARDING_HEADERS,
    PROXY_HEADERS,
    Address,
    Truncator,
    TrustedProxies,
    parse_forwarded,
    parse_ip,
    resolve_client,
)
from .consent import ConsentManager, ConsentPolicy
from .context import PrivacyContext
from .disclosure import Disclosure, disclosure_app
from .disclosure import disclosure as make_disclosure
from .pseudonym import KeyedHasher, check_retention
from .ratelimit import Limiter, RateLimit, respond
from .ratelimit.limiter import Verdict
from .signals import dnt_set, gpc_set
from .tags import TagGate, TagRuntime

__all__ = ["PrivacyMiddleware"]

_OWNER = "PrivacyMiddleware"
_from_bytes = int.from_bytes
_XFF = b"x-forwarded-for"
_FORWARDED = b"forwarded"
_REAL_IP = b"x-real-ip"
_COOKIE = b"cookie"
_SEC_GPC = b"sec-gpc"
_SIGNAL_HEADERS = frozenset({_COOKIE, _SEC_GPC, b"dnt"})
_READ = _SIGNAL_HEADERS | FORWARDING_HEADERS
_DEFAULT_TRUSTED = ("127.0.0.1", "::1")


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{_OWNER}: {name} must be True or False, got {value!r}")
    return value


def _rewrite_forwarded(raw: str, client: str, version: int) -> bytes:
    """A one-hop ``Forwarded`` naming the truncated client, keeping proto/host."""
    node = f'"[{client}]"' if version == 6 else client
    parts = [f"for={node}"]
    hops = parse_forwarded(raw)
    if hops:
        last = hops[-1]
        for key in ("proto", "host"):
            value = last.get(key)
            if value and value.isprintable() and '"' not in value and "\\" not in value:
                parts.append(f'{key}="{value}"')
    return ";".join(parts).encode("latin-1", "replace")


class PrivacyMiddleware:
    """Make a privacy policy's promises true at the edge of the app.

    Args:
        app: the ASGI app to wrap.
        trusted_proxies: socket peers (addresses, CIDR networks, ``"*"``,
            ``"unix"``) whose forwarding headers are believed. Default: loopback.
        proxy_headers: which forwarding headers to read from a trusted peer, in
            order of preference; the first present wins. Narrow it to the one
            your proxy writes: a proxy that sets ``X-Forwarded-For`` but passes a
            client's ``Forwarded`` through unchanged would otherwise let that
            client choose its address when ``forwarded`` comes first.
        ipv4_prefix: bits of an IPv4 address kept (0-32, default 24).
        ipv6_prefix: bits of an IPv6 address kept (0-128, default 48).
        scrub_headers: rewrite ``X-Forwarded-For``/``Forwarded`` to the
            truncated client and remove ``X-Real-IP``, ``CF-Connecting-IP``,
            ``True-Client-IP`` and the like (default on).
        pseudonyms: put a keyed hash of the full address on
            ``request.state.privacy.pseudonym`` (default off).
        pseudonym_retention: seconds after which the pseudonym key is replaced
            (default 24 h); pseudonyms from before cannot be linked to after.
        consent: the :class:`~privmw.ConsentPolicy`; ``None`` (the default)
            means ``ConsentPolicy()``: GPC/DNT honoured, the consent cookie
            read, non-consented tracker cookies gated and expired, the consent
            endpoints and ``/.well-known/gpc.json`` served, ``Vary`` set.
            ``False`` switches all of that off (``.gpc``/``.dnt`` are still
            read; ``.allows()`` then grants only ``necessary``).
        rate_limit: a :class:`~privmw.RateLimit` (default ``None``: off). Over
            the limit, the client gets a 429 before the app runs.
        access_log: an :class:`~privmw.AccessLog` writing one anonymous record
            per request and WebSocket session (default off).
        disclosure_path: serve :meth:`disclosure` as JSON at this path, e.g.
            ``"/.well-known/privacy-manifest.json"`` (default off).
        tags: gate third-party tags in HTML by consent: ``True`` (default)
            uses ``TagGate()``, a :class:`~privmw.TagGate` configures it,
            ``False`` or ``None`` switches it off.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted_proxies: Iterable[str] = _DEFAULT_TRUSTED,
        proxy_headers: Sequence[str] = PROXY_HEADERS,
        ipv4_prefix: int = 24,
        ipv6_prefix: int = 48,
        scrub_headers: bool = True,
        pseudonyms: bool = False,
        pseudonym_retention: float = 86400.0,
        consent: ConsentPolicy | bool | None = None,
        rate_limit: RateLimit | None = None,
        access_log: AccessLog | None = None,
        disclosure_path: str | None = None,
        tags: TagGate | bool | None = True,
    ) -> None:
        self.app = app
        self.trusted = TrustedProxies(trusted_proxies, owner=_OWNER)
        if isinstance(proxy_headers, str):
            raise ConfigurationError(
                f"{_OWNER}: proxy_headers must be a sequence of header names, got the "
                f"single string {proxy_headers!r}; write ({proxy_headers!r},)"
            )
        order = tuple(str(h).lower() for h in proxy_headers)
        for header in order:
            if header not in PROXY_HEADERS:
                raise ConfigurationError(
                    f"{_OWNER}: proxy_headers entry {header!r} is not supported; "
                    f"choose from {', '.join(PROXY_HEADERS)}"
                )
        self.proxy_headers = order
        self.truncator = Truncator(ipv4_prefix, ipv6_prefix, owner=_OWNER)
        self.scrub_headers = _check_bool("scrub_headers", scrub_headers)
        _check_bool("pseudonyms", pseudonyms)
        retention = check_retention(_OWNER, "pseudonym_retention", pseudonym_retention)
        self.pseudonymizer = (
            KeyedHasher(retention, owner=_OWNER, digest_size=12) if pseudonyms else None
        )
        # Names read from a trusted peer: only those in proxy_headers.
        self._read_xff = "x-forwarded-for" in order
        self._read_fwd = "forwarded" in order
        self._read_real = "x-real-ip" in order
        self.consent = (
            None if consent is False else ConsentManager(None if consent is True else consent)
        )
        self._xff_first = bool(order) and order[0] == "x-forwarded-for"
        self._mask4 = (0xFFFFFFFF << (32 - self.truncator.v4)) & 0xFFFFFFFF
        # IPv4 prefixes on an octet boundary (8, 16, 24) are cut as text.
        v4 = self.truncator.v4
        self._octets = 4 - v4 // 8 if v4 % 8 == 0 and 8 <= v4 <= 24 else 0
        self._zeros = ".0" * self._octets
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ConfigurationError(
                f'{_OWNER}: rate_limit must be RateLimit("120/minute") or None, got {rate_limit!r}'
            )
        self.rate_limit = rate_limit
        self.limiter = Limiter(rate_limit) if rate_limit is not None else None
        if tags is True:
            tags = TagGate()
        elif tags is not None and tags is not False and not isinstance(tags, TagGate):
            raise ConfigurationError(
                f"{_OWNER}: tags must be a privmw.TagGate, True or False, got {tags!r}"
            )
        self.tags = TagRuntime(tags) if isinstance(tags, TagGate) and tags.enabled else None
        if access_log is not None and not isinstance(access_log, AccessLog):
            raise ConfigurationError(
                f"{_OWNER}: access_log must be a privmw.AccessLog, got {access_log!r}"
            )
        self.access_log = access_log
        if disclosure_path is not None and (
            not isinstance(disclosure_path, str) or not disclosure_path.startswith("/")
        ):
            raise ConfigurationError(
                f"{_OWNER}: disclosure_path must be a path starting with '/', e.g. "
                f"'/.well-known/privacy-manifest.json', got {disclosure_path!r}"
            )
        self.disclosure_path = disclosure_path
        # Paths privmw answers itself: one set lookup per request finds them.
        builtin: set[str] = set()
        if self.consent is not None:
            builtin |= self.consent.routes
        if self.tags is not None:
            builtin.add(self.tags.script_path)
        if disclosure_path is not None:
            builtin.add(disclosure_path)
        self._builtin = frozenset(builtin)
        # Keep this last: it reads every feature's configuration.
        self._disclosure_app = (
            disclosure_app(self.disclosure()) if disclosure_path is not None else None
        )

    def __repr__(self) -> str:
        return (
            f"PrivacyMiddleware(trusted_proxies={list(self.trusted.networks)!r}, "
            f"ipv4_prefix={self.truncator.v4}, ipv6_prefix={self.truncator.v6})"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        context, address = self.protect(scope)
        limiter = self.limiter
        verdict: Verdict | None = None
        if limiter is not None:
            method = scope.get("method", "GET")
            if limiter.is_async:
                verdict = await limiter.acheck(address, method, scope["path"])
            else:
                verdict = limiter.check(address, method, scope["path"])
        del address  # the full address is not needed past this point
        access_log = self.access_log
        if access_log is None:
            await self._dispatch(scope, receive, send, context, verdict)
            return
        # Outermost, so 429s and privmw's own endpoints are logged too.
        with access_log.recorder(scope, send) as recorder:
            await self._dispatch(scope, receive, recorder, context, verdict)

    def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        context: PrivacyContext,
        verdict: Verdict | None,
    ) -> Awaitable[None]:
        """What answers the request, as an awaitable for ``__call__`` to await.

        A plain function, not a coroutine: the common case hands back the app's
        own coroutine, so privmw adds no frame of its own around the app.
        """
        fields = None
        limiter = self.limiter
        if verdict is not None and limiter is not None:
            if not verdict.allowed:
                return respond(limiter, verdict, scope, send)
            if limiter.headers and scope["type"] == "http":
                fields = limiter.fields(verdict)
        path = scope["path"]
        if path in self._builtin and path == self.disclosure_path and self._disclosure_app:
            return self._disclosure_app(scope, receive, send)
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        consent = self.consent
        tags = self.tags
        if path in self._builtin:
            if tags is not None and tags.serves(scope):
                return tags.serve_script(scope, send)
            if consent is not None and consent.handles(path):
                return consent.serve(scope, receive, send, context)
        if fields is not None or consent is not None or tags is not None:
            send = Responder(
                send,
                scope,
                context.allows,
                fields=fields,
                gate=consent.gate if consent is not None else None,
                extra=consent.extra_headers(context, scope) if consent is not None else None,
                tags=tags,
            )
        return self.app(scope, receive, send)

    def disclosure(self) -> Disclosure:
        """What this middleware's configuration processes, for the privacy policy."""
        return make_disclosure(self)

    def protect(self, scope: Scope) -> tuple[PrivacyContext, Address | None]:
        """Resolve, truncate and scrub, in place; return the context and the full address.

        Plain and synchronous so it is tested without an event loop. The full
        address is returned for the caller's locals only (the rate limiter keys
        on it); it is never stored. One pass over the headers; the common case
        (one proxy hop) builds no lists or joined strings.
        """
        client = scope.get("client")
        host = client[0] if client else None
        headers = scope["headers"]
        xff: bytes | None = None
        fwd: bytes | None = None
        real: bytes | None = None
        first: tuple[bytes, bytes] | None = None
        count = 0
        gpc = dnt = False
        cookie: bytes | None = None
        read = _READ
        for pair in headers:  # the one pass: forwarding, signals, cookies
            name = pair[0]
            if name not in read:  # most headers: one set lookup
                continue
            if name in _SIGNAL_HEADERS:
                if name == _COOKIE:
                    cookie = pair[1] if cookie is None else cookie + b"; " + pair[1]
                elif name == _SEC_GPC:
                    gpc = gpc or gpc_set(pair[1])
                else:
                    dnt = dnt or dnt_set(pair[1])
            else:
                count += 1
                first = pair
                if name == _XFF:
                    xff = pair[1] if xff is None else xff + b"," + pair[1]
                elif name == _FORWARDED:
                    fwd = pair[1] if fwd is None else fwd + b"," + pair[1]
                elif name == _REAL_IP:
                    real = pair[1]

        trusted = self.trusted
        if host.__class__ is not str:
            peer: Address | None = None
            believe = trusted.unix or trusted.any  # no IP: a Unix socket
        elif count and host in trusted.exact:
            peer = None  # parsed below only if the headers name nobody
            believe = True
        else:
            peer = parse_ip(host)
            believe = count > 0 and peer in trusted

        address: Address | None = None
        text: str | None = None  # the text ``address`` was parsed from, when known
        if believe:
            if xff is not None and self._xff_first and b"," not in xff:
                # The common case: one proxy, one hop; the same answer as the walk.
                text = xff.decode("latin-1").strip()
                if ":" in text:
                    address = parse_ip(text)
                else:
                    try:
                        address = 4, _from_bytes(_inet_pton(_AF_INET, text), "big")
                    except (OSError, ValueError):
                        address = None
            else:
                if peer is None and host.__class__ is str:
                    peer = parse_ip(host)
                address = resolve_client(
                    peer,
                    trusted,
                    xff.decode("latin-1") if xff is not None and self._read_xff else None,
                    fwd.decode("latin-1") if fwd is not None and self._read_fwd else None,
                    real.decode("latin-1") if real is not None and self._read_real else None,
                    self.proxy_headers,
                )
            if address is None and host.__class__ is str:
                address = peer or parse_ip(host)
                text = host
        else:
            address = peer
            text = host

        if address is not None:
            if address[0] != 4:
                shown = self.truncator.truncate(address)
            elif self._octets and text is not None and ":" not in text:
                # inet_pton accepted ``text`` as a plain dotted quad, so it is
                # canonical: keep whole octets by cutting the string.
                shown = text.rsplit(".", self._octets)[0] + self._zeros
            else:
                shown = _inet_ntop(_AF_INET, (address[1] & self._mask4).to_bytes(4, "big"))
            scope["client"] = (shown, 0)
        elif client:
            shown = host if host.__class__ is str else "unknown"
            scope["client"] = (shown, 0)
        else:
            shown = "unknown"

        if count and self.scrub_headers:
            if count == 1 and xff is not None and address is not None:
                # Only X-Forwarded-For: replace it where it stands, in the
                # server's own list when it is one (whoever holds it sees the
                # scrubbed value too).
                out = headers if headers.__class__ is list else list(headers)
                out[out.index(first)] = (_XFF, shown.encode("ascii"))
                scope["headers"] = out
            else:
                scope["headers"] = self._scrub(headers, shown, address, xff is not None, fwd)

        pseudonym = None
        if self.pseudonymizer is not None and address is not None:
            pseudonym = self.pseudonymizer.hexdigest(
                address[1].to_bytes(4 if address[0] == 4 else 16, "big")
            )
        consent = self.consent
        if consent is not None:
            context = consent.context(shown, gpc=gpc, dnt=dnt, cookie=cookie, pseudonym=pseudonym)
        else:
            context = PrivacyContext(shown, gpc, dnt, pseudonym)
        state = scope.get("state")
        if state is None:
            scope["state"] = {"privacy": context}
        else:
            state["privacy"] = context
        return context, address

    def _scrub(
        self,
        headers: Iterable[tuple[bytes, bytes]],
        shown: str,
        address: Address | None,
        had_xff: bool,
        forwarded: bytes | None,
    ) -> list[tuple[bytes, bytes]]:
        """Headers without forwarding headers, plus XFF/Forwarded naming the truncated client.

        The rewritten headers go last, only where the request had them, and
        only when the client is known: an unknown client gets none at all.
        """
        forwarding = FORWARDING_HEADERS
        out = [pair for pair in headers if pair[0] not in forwarding]
        if address is not None:
            if had_xff:
                out.append((_XFF, shown.encode("ascii")))
            if forwarded is not None:
                raw = forwarded.decode("latin-1")
                out.append((_FORWARDED, _rewrite_forwarded(raw, shown, address[0])))
        return out
