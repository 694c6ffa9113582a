"""``PrivacyMiddleware``: one pure ASGI layer; the logic lives in plain modules.

``__init__`` builds every runtime once (one tracker registry shared by all of
them). ``__call__`` is the request flow of ``design.md``, one call a step:

1. lifespan and other scope types pass straight through;
2. one pass over the headers (``signals.read_headers``) reads ``Sec-GPC``,
   ``DNT``, ``Cookie`` and the forwarding headers;
3. the client is resolved through trusted proxies, truncated and the headers
   scrubbed (``clientip.ClientResolver``), and ``scope["client"]`` and
   ``scope["headers"]`` are replaced *in place* before anything else sees
   the request (uvicorn and hypercorn build their access-log line from this
   dict; the 429 of the next step is logged with the truncated address too);
4. the rate limiter (if any) keys on a keyed hash of the full address, which
   is then dropped; over the limit, the 429 goes out here;
5. ``request.state.privacy`` gets the :class:`~privmw.PrivacyContext`
   (signals, consent);
6. privmw's own routes are answered: consent endpoints, ``gpc.json``, the tag
   activation script, the disclosure;
7. the app runs behind the one send wrapper (``_responder.Responder``); the
   access log observes it, privmw's own answers included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping, Sequence

from ._headers import Request, Response, header_map, problem
from ._responder import Observer, Responder, send_response
from ._types import ASGIApp, Receive, Scope, Send
from ._validate import check_bool, check_seconds, fail, suggest
from .accesslog import AccessLog
from .clientip import PROXY_HEADERS, ClientResolver
from .consent import ConsentPolicy
from .consent._runtime import ConsentRuntime, is_https
from .consent.endpoints import MAX_BODY, ConsentEndpoints
from .context import NECESSARY, PrivacyContext
from .disclosure import Disclosure
from .disclosure import sections as _sections
from .disclosure.render import JsonRoute
from .pseudonym import KeyedHasher
from .ratelimit import RateLimit
from .ratelimit.limiter import Limiter, Verdict, refusal
from .signals import SIGNAL_HEADERS, read_headers
from .tags import TagGate
from .tags._runtime import TagRuntime
from .trackers import TrackerRegistry, Vendor, build_registry

__all__ = ["PrivacyMiddleware"]

_OWNER = "PrivacyMiddleware"
_DEFAULT_TRUSTED = ("127.0.0.1", "::1")


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
            truncated client, remove ``X-Real-IP``, ``CF-Connecting-IP``,
            ``True-Client-IP``, ``Fly-Client-IP`` and the like, and truncate
            the client's address wherever else a request header carries it
            (default on).
        scrub_header_names: more request headers to remove, for a platform
            whose client-address header privmw does not know yet
            (``["X-My-CDN-Client"]``).
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
        vendors: the vendors the site embeds: names of privmw's vendors
            (``"google-analytics"``, ``"youtube"``), categories
            (``"analytics"``: all of its vendors) and the site's own
            :class:`~privmw.Vendor` entries (added to the defaults; one with a
            default's name replaces it); or a :class:`~privmw.TrackerRegistry`
            to use instead of the defaults. Every vendor of the registry is
            gated either way; the disclosure lists the selected ones plus
            those privmw sees in the app's responses
            (:meth:`observed_vendors`). The one registry built from it serves
            consent, cookie gating, tag gating, the CSP and the disclosure.
        vendor_categories: move vendors to another category, by name:
            ``{"recaptcha": "necessary"}`` loads reCAPTCHA without consent,
            ``{"sentry": "necessary"}`` error monitoring. Each category must
            be ``"necessary"`` or one the consent policy offers.
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
        scrub_header_names: Iterable[str] = (),
        pseudonyms: bool = False,
        pseudonym_retention: float = 86400.0,
        consent: ConsentPolicy | bool | None = None,
        rate_limit: RateLimit | None = None,
        access_log: AccessLog | None = None,
        disclosure_path: str | None = None,
        tags: TagGate | bool | None = True,
        vendors: Iterable[Vendor | str] | TrackerRegistry | None = None,
        vendor_categories: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.resolver = ClientResolver(
            trusted_proxies=trusted_proxies,
            proxy_headers=proxy_headers,
            ipv4_prefix=ipv4_prefix,
            ipv6_prefix=ipv6_prefix,
            scrub_headers=scrub_headers,
            scrub_header_names=scrub_header_names,
            owner=_OWNER,
        )
        self._wanted = SIGNAL_HEADERS | self.resolver.forwarding
        check_bool(_OWNER, "pseudonyms", pseudonyms)
        retention = check_seconds(_OWNER, "pseudonym_retention", pseudonym_retention)
        self.pseudonymizer = (
            KeyedHasher(retention, owner=_OWNER, digest_size=12) if pseudonyms else None
        )

        if consent is True or consent is None:
            policy: ConsentPolicy | None = ConsentPolicy()
        elif consent is False:
            policy = None
        elif isinstance(consent, ConsentPolicy):
            policy = consent
        else:
            fail(_OWNER, "consent", "a privmw.ConsentPolicy, True, False or None", consent)
        if tags is True:
            gate: TagGate | None = TagGate()
        elif tags is None or tags is False:
            gate = None
        elif isinstance(tags, TagGate):
            gate = tags if tags.enabled else None
        else:
            fail(_OWNER, "tags", "a privmw.TagGate, True or False", tags)
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            fail(_OWNER, "rate_limit", 'RateLimit("120/minute") or None', rate_limit)
        if access_log is not None and not isinstance(access_log, AccessLog):
            fail(_OWNER, "access_log", "a privmw.AccessLog or None", access_log)
        if disclosure_path is not None and (
            not isinstance(disclosure_path, str) or not disclosure_path.startswith("/")
        ):
            fail(
                _OWNER,
                "disclosure_path",
                "a path starting with '/', e.g. '/.well-known/privacy-manifest.json'",
                disclosure_path,
            )

        if vendor_categories is not None:
            if not isinstance(vendor_categories, Mapping):
                fail(
                    _OWNER,
                    "vendor_categories",
                    'a mapping of vendor name to category, like {"recaptcha": "necessary"}',
                    vendor_categories,
                )
            offered = (NECESSARY, *(policy.categories if policy is not None else ()))
            for name, category in vendor_categories.items():
                if category not in offered:
                    fail(
                        _OWNER,
                        f"vendor_categories[{name!r}]",
                        "one of " + ", ".join(map(repr, offered)),
                        category,
                        suggest(category, offered)
                        or "a category nobody can allow would keep the vendor off for good",
                    )
        #: The one tracker registry: consent, cookies, tags, CSP and disclosure share it.
        self.registry = build_registry(
            vendors,
            ("ConsentPolicy.vendors", policy.vendors if policy is not None else ()),
            ("TagGate.vendors", tags.vendors if isinstance(tags, TagGate) else ()),
            categories=vendor_categories,
        )
        self.consent_policy = policy
        self.consent = ConsentRuntime(policy, self.registry) if policy is not None else None
        self._endpoints = ConsentEndpoints(self.consent) if self.consent is not None else None
        self.tag_gate = gate
        self.tags = TagRuntime(gate, self.registry) if gate is not None else None
        self.rate_limit = rate_limit
        self.limiter = Limiter(rate_limit) if rate_limit is not None else None
        self.access_log = access_log
        self.disclosure_path = disclosure_path

        # Paths privmw answers itself: one set lookup per request finds them.
        builtin: set[str] = set()
        if self._endpoints is not None:
            builtin |= self._endpoints.routes
        if self.tags is not None:
            builtin.add(self.tags.script_path)
        if disclosure_path is not None:
            builtin.add(disclosure_path)
        self._builtin = frozenset(builtin)
        # Keep this last: it reads every feature's configuration. Re-rendered
        # when privmw observes a new vendor or cookie (a bounded number of times).
        self._disclosure = (
            JsonRoute(self.disclosure, lambda: self.registry.observed.version)
            if disclosure_path is not None
            else None
        )

    def __repr__(self) -> str:
        return (
            f"PrivacyMiddleware(trusted_proxies={list(self.resolver.trusted.networks)!r}, "
            f"ipv4_prefix={self.resolver.truncator.v4}, "
            f"ipv6_prefix={self.resolver.truncator.v6})"
        )

    def observed_vendors(self) -> tuple[str, ...]:
        """Names of the registry's vendors privmw has seen in the app's responses.

        Recorded by the tag gate (a vendor's tag or snippet in HTML, consented
        or not) and the cookie gate (a ``Set-Cookie`` of the app with a
        vendor's cookie name), in the order first seen; never from what a
        visitor sends, never a URL or a value. Run the site (or its test
        suite) through privmw, then compare with ``vendors=...``.
        """
        return self.registry.observed.vendors()

    def unknown_hosts(self) -> dict[str, int]:
        """Third-party hosts no vendor claims → HTML responses that carried them (bounded)."""
        return self.tags.unknown_hosts() if self.tags is not None else {}

    def disclosure(self) -> Disclosure:
        """What this middleware's configuration processes, for the privacy policy."""
        hasher = self.pseudonymizer
        return _sections.build(
            resolver=self.resolver,
            pseudonym_retention=hasher.retention if hasher is not None else None,
            registry=self.registry,
            rate_limit=self.rate_limit,
            consent=self.consent_policy,
            tags=self.tag_gate,
            access_log=self.access_log,
        )

    # -- the request flow ---------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        gpc, dnt, cookie, forwarding = read_headers(scope["headers"], self._wanted)
        client = scope.get("client")
        address, shown, headers = self.resolver.resolve(client, forwarding, scope["headers"])
        if address is not None or client:
            scope["client"] = (shown, 0)
        if headers is not None:
            scope["headers"] = headers
        verdict: Verdict | None = None
        limiter = self.limiter
        if limiter is not None:
            method = scope.get("method", "GET")
            if limiter.is_async:
                verdict = await limiter.acheck(address, method, scope["path"])
            else:
                verdict = limiter.check(address, method, scope["path"])
        pseudonym = None
        if self.pseudonymizer is not None and address is not None:
            pseudonym = self.pseudonymizer.hexdigest(
                address[1].to_bytes(4 if address[0] == 4 else 16, "big")
            )
        del address  # the full address is not needed past this point
        context = self._context(scope, shown, gpc, dnt, cookie, pseudonym)
        access_log = self.access_log
        if access_log is None:
            await self._dispatch(scope, receive, send, context, verdict, None)
            return
        observer = access_log.observer(scope)
        try:
            await self._dispatch(scope, receive, send, context, verdict, observer)
        except BaseException:
            observer.finish(True)
            raise
        observer.finish(False)

    def _context(
        self,
        scope: Scope,
        shown: str,
        gpc: bool,
        dnt: bool,
        cookie: bytes | None,
        pseudonym: str | None,
    ) -> PrivacyContext:
        consent = self.consent
        if consent is not None:
            context = consent.context(shown, gpc, dnt, cookie, pseudonym)
        else:
            context = PrivacyContext(shown, gpc, dnt, pseudonym)
        state = scope.get("state")
        if state is None:
            scope["state"] = {"privacy": context}
        else:
            state["privacy"] = context
        return context

    def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        context: PrivacyContext,
        verdict: Verdict | None,
        observer: Observer | None,
    ) -> Awaitable[None]:
        """What answers the request (a refusal, a built-in route or the app), as an awaitable.

        A plain function, not a coroutine: the common case hands back the app's
        own coroutine, so privmw adds no frame of its own around the app.
        """
        extra = None
        http = scope["type"] == "http"
        limiter = self.limiter
        if verdict is not None and limiter is not None:
            if not verdict.allowed:
                return self._refuse(scope, send, limiter, verdict, observer)
            if limiter.headers and http:
                extra = limiter.fields(verdict)
        if scope["path"] in self._builtin:
            return self._serve_builtin(scope, receive, send, context, observer)
        consent = self.consent
        tags = self.tags
        if not http:
            if observer is not None:
                send = Responder(send, scope, context.allows, observer=observer)
            return self.app(scope, receive, send)
        if consent is not None:
            more = consent.response_headers(context, scope)
            if more:
                extra = more if extra is None else [*extra, *more]
        if consent is not None or tags is not None or extra or observer is not None:
            send = Responder(
                send,
                scope,
                context.allows,
                extra=extra,
                gate=consent.gate if consent is not None else None,
                vary=consent is not None,
                tags=tags,
                observer=observer,
            )
        return self.app(scope, receive, send)

    async def _serve_builtin(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        context: PrivacyContext,
        observer: Observer | None,
    ) -> None:
        """Answer one of privmw's own paths (HTTP only: a WebSocket is closed with 1008)."""
        if scope["type"] != "http":
            message = {"type": "websocket.close", "code": 1008}
            if observer is not None:
                observer.observe(message)
            await send(message)
            return
        response = await self._builtin_response(scope, receive, context)
        if response is not None:  # None: the client went away, nothing to answer
            head = scope.get("method") == "HEAD"
            await send_response(send, response, head=head, observer=observer)

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        limiter: Limiter,
        verdict: Verdict,
        observer: Observer | None,
    ) -> None:
        """Answer a refused request before the app runs (WebSocket: close 1008)."""
        if scope["type"] == "websocket":
            message = {"type": "websocket.close", "code": 1008, "reason": ""}
            if observer is not None:
                observer.observe(message)
            await send(message)
            return
        await send_response(send, refusal(limiter, verdict), observer=observer)

    async def _builtin_response(
        self, scope: Scope, receive: Receive, context: PrivacyContext
    ) -> Response | None:
        """The answer of one of privmw's own routes (``None``: the client went away)."""
        path = scope["path"]
        method = scope.get("method", "GET")
        if path == self.disclosure_path and self._disclosure is not None:
            return self._disclosure.respond(method)
        tags = self.tags
        if tags is not None and path == tags.script_path:
            return tags.script_response(method)
        endpoints = self._endpoints
        if endpoints is None or path not in endpoints.routes:
            return None  # pragma: no cover - every builtin path has an owner
        body = b""
        if method not in ("GET", "HEAD"):
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return None  # the client went away
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BODY:
                    return problem(413, "Payload Too Large", "body over 16 KiB")
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
        request = Request(
            method,
            path,
            header_map(scope["headers"]),
            body,
            https=is_https(scope),
            query=scope.get("query_string", b"").decode("latin-1"),
        )
        return endpoints.handle(request, context)
