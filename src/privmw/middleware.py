"""``PrivacyMiddleware``: one pure ASGI layer; the logic lives in plain modules.

``__init__`` builds every runtime once (one tracker registry shared by all of
them). ``__call__`` is the request flow of ``design.md``, one call a step:

1. ``lifespan`` passes through, with privmw's own start-up and shutdown
   woven in (:meth:`PrivacyMiddleware.startup`, :meth:`~PrivacyMiddleware.shutdown`);
   other scope types pass straight through;
2. one pass over the headers (``signals.read_headers``) reads ``Sec-GPC``,
   ``DNT``, ``Cookie`` and the forwarding headers;
3. the client is resolved through trusted proxies, truncated and the headers
   scrubbed (``clientip.ClientResolver``), and ``scope["client"]`` and
   ``scope["headers"]`` are replaced *in place* before anything else sees
   the request (uvicorn and hypercorn build their access-log line from this
   dict; a 429 is logged with the truncated address too);
4. ``request.state.privacy`` gets the :class:`~privmw.PrivacyContext`
   (signals, consent, the pseudonym of the full address);
5. the rate limiter (if any) keys on a keyed hash of the full address (or of
   the rule's key, whose function may read ``request.state.privacy``: that is
   why it comes after the context), which is then dropped; over the limit,
   the 429 goes out here; the request's ticket stays in the scope for
   endpoint ``Limit`` rules, whose refusal (``RateLimitExceeded``) is answered
   here too;
6. privmw's own routes are answered: consent endpoints, ``gpc.json``, the tag
   activation script, the disclosure;
7. the app runs behind the one send wrapper (``_responder.Responder``); the
   access log observes it, privmw's own answers included.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

from ._headers import Headers, Request, Response, header_map, is_https, problem
from ._i18n import Catalogues
from ._pages import ratelimit_texts
from ._responder import Observer, Responder, send_response
from ._secrets import PSEUDONYM, RATELIMIT, Secrets, hkdf
from ._stats import Counters
from ._types import ASGIApp, Message, Receive, Scope, Send
from ._validate import check_bool, check_path, check_seconds, fail, suggest
from .accesslog import AccessLog
from .clientip import PROXY_HEADERS, ClientResolver
from .consent import ConsentPolicy
from .consent._banner import BannerRuntime, Injection
from .consent._runtime import ConsentRuntime
from .consent.banner import Banner
from .consent.cookie import signing_keys
from .consent.endpoints import GPC_PATH, MAX_BODY, ConsentEndpoints
from .context import NECESSARY, PrivacyContext
from .disclosure import Disclosure
from .disclosure import sections as _sections
from .disclosure.render import JsonRoute
from .pseudonym import KeyedHasher
from .ratelimit import RateLimit, RateLimitExceeded, Refusal
from .ratelimit._limiter import Limiter, Ticket
from .signals import SIGNAL_HEADERS, read_headers
from .tags import TagGate
from .tags._runtime import TagRuntime
from .trackers import TrackerRegistry, Vendor, build_registry

__all__ = ["PrivacyMiddleware"]

_OWNER = "PrivacyMiddleware"
_DEFAULT_TRUSTED = ("127.0.0.1", "::1")
_log = logging.getLogger("privmw")


class _StartupAborted(Exception):
    """privmw's own start-up failed and was reported; the app's lifespan ends here."""


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
        secret: privmw's one secret, or a list ``[current, previous, ...]``
            to rotate it (each at least 16 bytes); default: the
            ``PRIVMW_SECRET`` environment variable (one value, or several
            separated by commas or spaces). Keys derived from it (HKDF) sign
            the consent cookie and key the pseudonyms and the Redis rate-limit
            keys, so every worker on every host agrees. Needed for
            ``pseudonyms=True`` and a ``RedisBackend``; without it the
            consent cookie is unsigned. Cookies signed under a previous
            secret are still read and re-signed with the current one.
        insecure_ephemeral_secret: when no secret is configured, use a random
            one for this process (a warning is logged once): for demos and
            tests with one process only, since consent choices are then lost
            on restart and pseudonyms differ between workers.

    Call :meth:`startup` and :meth:`shutdown` yourself only when the server
    sends no ``lifespan`` events; otherwise privmw handles them itself.
        banner: inject privmw's consent banner into HTML pages for visitors
            who have not decided: ``True`` uses ``Banner()``, a
            :class:`~privmw.Banner` configures it (languages, texts, template,
            embed placeholders); default off. Needs consent and tag gating on.
            Whatever this says, the consent form page and the HTML 429 page
            for browsers are in the visitor's language.
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
        secret: str | bytes | Sequence[str | bytes] | None = None,
        insecure_ephemeral_secret: bool = False,
        banner: Banner | bool | None = None,
    ) -> None:
        if not callable(app):
            fail(_OWNER, "app", "an ASGI app (async callable)", app)
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
        self._resolve = self.resolver.resolve
        check_bool(_OWNER, "pseudonyms", pseudonyms)
        retention = check_seconds(_OWNER, "pseudonym_retention", pseudonym_retention)
        check_bool(_OWNER, "insecure_ephemeral_secret", insecure_ephemeral_secret)

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
        if banner is True:
            banner = Banner()
        elif banner is False:
            banner = None
        elif banner is not None and not isinstance(banner, Banner):
            fail(_OWNER, "banner", "a privmw.Banner, True, False or None", banner)
        if banner is not None and (policy is None or gate is None):
            fail(
                _OWNER,
                "banner",
                "None when consent or tags is off (the banner is injected by the tag rewriter "
                "and posts to the consent endpoints); switch both on",
                banner,
            )
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            fail(_OWNER, "rate_limit", 'RateLimit("120/minute") or None', rate_limit)
        if access_log is not None and not isinstance(access_log, AccessLog):
            fail(_OWNER, "access_log", "a privmw.AccessLog or None", access_log)
        if disclosure_path is not None:
            check_path(
                _OWNER, "disclosure_path", disclosure_path, "/.well-known/privacy-manifest.json"
            )
            if any(c in disclosure_path for c in "?# \t"):
                fail(
                    _OWNER,
                    "disclosure_path",
                    "a plain path without '?', '#' or spaces",
                    disclosure_path,
                )

        # The one secret (argument, PRIVMW_SECRET, or a random one if allowed),
        # and what needs it.
        keys = Secrets.resolve(secret, ephemeral=insecure_ephemeral_secret, owner=_OWNER)
        self._secrets = keys
        if pseudonyms:
            keys.require(_OWNER, "pseudonyms=True (the same pseudonym in every worker)")
        backend = rate_limit.backend if rate_limit is not None else None
        ratelimit_root: bytes | None = None
        if backend is not None:
            if backend.secret is not None:  # the per-feature override
                raw = backend.secret
                ratelimit_root = hkdf(raw.encode() if isinstance(raw, str) else raw, RATELIMIT)
            else:
                keys.require(_OWNER, "RateLimit(backend=RedisBackend(...))", shared=True)
                ratelimit_root = keys.key(RATELIMIT)

        #: The counters behind :meth:`stats` (per process; nothing personal).
        self.counters = Counters()
        self.pseudonymizer = (
            KeyedHasher(retention, secret=keys.key(PSEUDONYM), owner=_OWNER, digest_size=12)
            if pseudonyms
            else None
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
        if policy is not None:
            _check_vendor_categories(policy, self.registry)
        self.consent_policy = policy
        self.consent = (
            ConsentRuntime(
                policy,
                self.registry,
                keys=signing_keys(keys.all()),
                stats=self.counters,
            )
            if policy is not None
            else None
        )
        #: The banner's routes, the translated form page and per-page injection.
        self.banner = BannerRuntime(banner, policy, self.registry) if policy is not None else None
        self._catalogues = self.banner.catalogues if self.banner is not None else Catalogues()
        self._endpoints = (
            ConsentEndpoints(self.consent, form_page=self.banner.form_page)
            if self.consent is not None and self.banner is not None
            else None
        )
        self.tag_gate = gate
        self.tags = (
            TagRuntime(gate, self.registry, stats=self.counters) if gate is not None else None
        )
        self.rate_limit = rate_limit
        limits = rate_limit
        if limits is not None and limits.texts is None:
            # The refusal page for browsers, in the visitor's language (privmw's catalogues).
            limits = dataclasses.replace(limits, texts=ratelimit_texts(self._catalogues))
        self.limiter = Limiter(limits, secret=ratelimit_root) if limits is not None else None
        self.access_log = access_log
        self.disclosure_path = disclosure_path
        self._started = False

        # Paths privmw answers itself: one set lookup per request finds them.
        # Two features on one path would shadow each other: refuse it here.
        owners: dict[str, str] = {}
        if self._endpoints is not None:
            for route in sorted(self._endpoints.routes):
                owners[route] = (
                    "ConsentPolicy.serve_gpc_json"
                    if route == GPC_PATH
                    else "ConsentPolicy.path_prefix"
                )
        if self.banner is not None:
            for route in sorted(self.banner.routes):
                _claim(owners, route, "ConsentPolicy.path_prefix")
        if self.tags is not None:
            _claim(owners, self.tags.script_path, "TagGate.script_path")
        if disclosure_path is not None:
            _claim(owners, disclosure_path, "disclosure_path")
        self._builtin = frozenset(owners)
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
            consent_signed=bool(self.consent.keys) if self.consent is not None else None,
        )

    def stats(self) -> dict[str, Any]:
        """What this middleware did in this process, as plain counters (no personal data).

        Requests and WebSocket sessions seen, ``Sec-GPC``/``DNT`` prevalence,
        limiter refusals by rule and reason (with the clients banned and
        tracked right now), tags by rewriter action, ``Set-Cookie`` dropped
        and tracker cookies expired by category, and consent choices by
        category, decision and source (``json``, ``form``, ``withdraw``).
        Labels are configuration values only: never an address, a path, a
        user agent or a pseudonym. See also :class:`privmw.PrometheusCollector`.
        """
        out = self.counters.snapshot()
        limiter = self.limiter
        if limiter is not None:
            out["rate_limit"]["banned_now"] = limiter.bans
            out["rate_limit"]["tracked_now"] = limiter.tracked
        return out

    # -- lifespan ----------------------------------------------------------------

    async def startup(self) -> None:
        """Start what privmw runs besides requests; idempotent.

        Starts the access log's writer (and its retention sweep) and checks the
        Redis connection of a shared rate limit. Raises :class:`RuntimeError`
        with a clear message when that fails (a Redis that refuses the
        credentials; an unreachable one with ``fail_open=False``). privmw calls
        it on ``lifespan.startup``; call it yourself only without lifespan.
        """
        if self._started:
            return
        access_log = self.access_log
        if access_log is not None:
            directory = access_log.directory
            if directory is not None:
                path = os.fspath(directory)
                try:
                    os.makedirs(path, exist_ok=True)
                except OSError as exc:
                    raise RuntimeError(
                        f"privmw: the access log directory {path!r} cannot be created: {exc}"
                    ) from exc
                if not os.access(path, os.W_OK | os.X_OK):
                    raise RuntimeError(
                        f"privmw: the access log directory {path!r} is not writable by this process"
                    )
            access_log.start()
        limiter = self.limiter
        if limiter is not None:
            await limiter.astart()  # opens the Redis pool (if any) and the epoch timer
            if limiter.is_async:
                await _check_redis(limiter.storage, limiter.config)
        self._started = True

    async def shutdown(self) -> None:
        """Write the access log's last records and close the Redis connections; idempotent."""
        self._started = False
        access_log = self.access_log
        if access_log is not None:
            # A blocking join of the writer thread: off the event loop.
            await asyncio.get_running_loop().run_in_executor(None, access_log.close)
        if self.limiter is not None:
            await self.limiter.aclose()

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the lifespan through to the app, with privmw's start-up and shutdown in it.

        privmw starts before the app's own start-up runs and stops after the
        app's shutdown completed. A failed privmw start-up is reported with
        ``lifespan.startup.failed`` and the app's start-up does not run. An
        app that does not speak lifespan (it raises or returns before it
        receives ``lifespan.startup``) gets privmw's own answers instead.
        """
        state = {"received": False, "failed": False, "done": False}

        async def receive_() -> Message:
            message = await receive()
            state["received"] = True
            if message["type"] == "lifespan.startup":
                error = await self._try_startup()
                if error is not None:
                    state["failed"] = True
                    await send({"type": "lifespan.startup.failed", "message": error})
                    raise _StartupAborted(error)
            return message

        async def send_(message: Message) -> None:
            if state["failed"]:
                return  # the server already has privmw's answer
            state["received"] = True  # the app speaks lifespan (even if it did not receive)
            kind = message["type"]
            if kind in (
                "lifespan.shutdown.complete",
                "lifespan.shutdown.failed",
                "lifespan.startup.failed",
            ):
                state["done"] = True
                await self._try_shutdown()
            await send(message)

        try:
            await self.app(scope, receive_, send_)
        except _StartupAborted:
            return
        except Exception:
            if state["received"] or state["failed"]:
                if not state["done"]:
                    await self._try_shutdown()
                raise
            _log.debug("privmw: the app does not handle lifespan; privmw answers it", exc_info=True)
        else:
            if state["received"]:
                return
        await self._own_lifespan(receive, send)

    async def _own_lifespan(self, receive: Receive, send: Send) -> None:
        """The lifespan protocol for an app without one: privmw's start-up and shutdown only."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                error = await self._try_startup()
                if error is not None:
                    await send({"type": "lifespan.startup.failed", "message": error})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._try_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _try_startup(self) -> str | None:
        try:
            await self.startup()
        except Exception as exc:
            _log.error("privmw start-up failed: %s", exc)
            return str(exc) if isinstance(exc, RuntimeError) else f"privmw start-up failed: {exc!r}"
        return None

    async def _try_shutdown(self) -> None:
        try:
            await self.shutdown()
        except Exception:  # shutdown goes on: log it, do not hide the app's own answer
            _log.exception("privmw shutdown failed")

    # -- the request flow ---------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        counters = self.counters
        if kind == "http":
            counters.requests += 1
        elif kind == "websocket":
            counters.websockets += 1
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        else:
            await self.app(scope, receive, send)
            return
        gpc, dnt, cookie, forwarding, lowered = read_headers(scope["headers"], self._wanted)
        if lowered is not None:  # a header name was not lower case: nothing may see it so
            scope["headers"] = lowered
        if gpc:
            counters.gpc += 1
        if dnt:
            counters.dnt += 1
        client = scope.get("client")
        address, shown, headers = self._resolve(client, forwarding, scope["headers"])
        if address is not None or client:
            scope["client"] = (shown, 0)
        if headers is not None:
            scope["headers"] = headers
        pseudonym = None
        if self.pseudonymizer is not None and address is not None:
            pseudonym = self.pseudonymizer.hexdigest(
                address[1].to_bytes(4 if address[0] == 4 else 16, "big")
            )
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
        # Rate limit after the context: key functions read request.state.privacy.
        ticket: Ticket | None = None
        limiter = self.limiter
        if limiter is not None:
            if limiter.is_async:
                ticket = await limiter.acheck(address, scope, context)
            else:
                ticket = limiter.check(address, scope, context)
        del address  # the full address is not needed past this point
        access_log = self.access_log
        if access_log is None:
            try:
                await self._dispatch(scope, receive, send, context, ticket, None)
            except RateLimitExceeded as exc:  # an endpoint Limit refused
                await self._refuse(scope, send, self._endpoint_refusal(exc), None)
            return
        observer = access_log.observer(scope)
        try:
            try:
                await self._dispatch(scope, receive, send, context, ticket, observer)
            except RateLimitExceeded as exc:  # an endpoint Limit refused
                await self._refuse(scope, send, self._endpoint_refusal(exc), observer)
        except BaseException:
            observer.finish(True)
            raise
        observer.finish(False)

    def _dispatch(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        context: PrivacyContext,
        ticket: Ticket | None,
        observer: Observer | None,
    ) -> Awaitable[None]:
        """What answers the request (a refusal, a built-in route or the app), as an awaitable.

        A plain function, not a coroutine: the common case hands back the app's
        own coroutine, so privmw adds no frame of its own around the app.
        """
        extra = None
        http = scope["type"] == "http"
        if ticket is not None:
            refused = ticket.refused
            if refused is not None:
                self.counters.refusal(refused.policy.name, refused.kind)
                return self._refuse(scope, send, ticket.limiter.refusal(ticket, refused), observer)
            if ticket.limiter.headers and http:
                # The ticket's own list: endpoint limits update it in place later.
                extra = ticket.fields()
        if scope["path"] in self._builtin:
            return self._serve_builtin(scope, receive, send, context, observer)
        consent = self.consent
        tags = self.tags
        if not http:  # a WebSocket: its handshake answer can set cookies too
            if observer is not None or consent is not None:
                send = Responder(
                    send,
                    scope,
                    context.allows,
                    gate=consent.gate if consent is not None else None,
                    observer=observer,
                )
            return self.app(scope, receive, send)
        if consent is not None:
            more = consent.response_headers(context, scope)
            if more:
                if extra is None:
                    extra = more
                else:
                    extra.extend(more)  # in place: it is the rate-limit ticket's list
        if consent is not None or tags is not None or extra is not None or observer is not None:
            banner = self.banner
            send = Responder(
                send,
                scope,
                context.allows,
                extra=extra,
                gate=consent.gate if consent is not None else None,
                vary=consent is not None,
                tags=tags,
                observer=observer,
                stats=self.counters,
                banner=_injector(banner, scope, context)
                if banner is not None and banner.config is not None
                else None,
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

    def _endpoint_refusal(self, exc: RateLimitExceeded) -> Refusal:
        """An endpoint ``Limit``'s refusal, counted in the stats like the middleware's."""
        refusal = exc.refusal
        self.counters.refusal(refusal.policies[0] if refusal.policies else "", refusal.kind)
        return refusal

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        refusal: Refusal,
        observer: Observer | None,
    ) -> None:
        """Answer a refused request (WebSocket: close 1008), before the app or from a Limit."""
        limiter = self.limiter
        if limiter is None:  # pragma: no cover - a Limit needs the ticket this limiter made
            raise RuntimeError("privmw: RateLimitExceeded without a rate limiter")
        if scope["type"] == "websocket":
            message = {"type": "websocket.close", "code": 1008, "reason": ""}
            if observer is not None:
                observer.observe(message)
            await send(message)
            return
        await send_response(send, await limiter.respond(scope, refusal), observer=observer)

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
        banner = self.banner
        if banner is not None and path in banner.routes:
            query = scope.get("query_string", b"").decode("latin-1")
            return banner.respond(
                Request(method, path, header_map(scope["headers"]), query=query), context
            )
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


def _claim(owners: dict[str, str], path: str, option: str) -> None:
    """Register one built-in route; two features on one path would shadow each other."""
    other = owners.get(path)
    if other is not None:
        fail(
            _OWNER,
            option,
            f"a path no other privmw route uses ({other} serves {path!r})",
            path,
            "choose another path",
        )
    owners[path] = option


def _check_vendor_categories(policy: ConsentPolicy, registry: TrackerRegistry) -> None:
    """Every vendor can be consented to, and no offered category is a near miss.

    A vendor the site added whose category the policy does not offer could
    never load: refused. privmw's default vendors may belong to categories a
    site chose not to offer (they then stay blocked); but an offered category
    that no vendor uses and that is one typo from a vendor's category
    (``"analytcs"``) is refused too, since every tracker of that category
    would stay blocked for ever.
    """
    from ._vendors import DEFAULT_VENDORS
    from .context import NECESSARY

    offered = (*policy.categories, NECESSARY)
    defaults = {v.name: v for v in DEFAULT_VENDORS}
    for vendor in registry.vendors:
        if vendor.category in offered or defaults.get(vendor.name) == vendor:
            continue
        fail(
            _OWNER,
            f"vendors entry {vendor.name!r} category",
            "a category the ConsentPolicy offers (" + ", ".join(repr(c) for c in offered) + ")",
            vendor.category,
            suggest(vendor.category, offered)
            or f"add {vendor.category!r} to ConsentPolicy(categories=...)",
        )
    used = registry.categories() | set(policy.cookies.values())
    for category in policy.categories:
        if category in used:
            continue
        near = suggest(category, sorted(used - set(policy.categories)))
        if near:
            fail(
                "ConsentPolicy",
                "categories entries",
                "categories the trackers use or names of your own",
                category,
                near,
            )


async def _check_redis(store: Any, config: RateLimit) -> None:
    """Ping the shared limiter's Redis: wrong credentials fail, an outage fails closed only."""
    from redis.exceptions import AuthenticationError, ResponseError

    try:
        await store.client.ping()
    except (AuthenticationError, ResponseError) as exc:
        raise RuntimeError(
            f"privmw: Redis refused the rate limiter's connection ({type(exc).__name__}: "
            f"{exc}); check the credentials and database in RedisBackend's url"
        ) from exc
    except Exception as exc:
        backend = config.backend
        if backend is not None and not backend.fail_open:
            raise RuntimeError(
                f"privmw: Redis is unreachable at start-up ({type(exc).__name__}) and "
                "RedisBackend(fail_open=False) would refuse every request with 503; "
                "start Redis first, or use fail_open=True"
            ) from exc
        _log.warning(
            "privmw: Redis is unreachable at start-up (%s); the rate limit fails open "
            "until it answers",
            type(exc).__name__,
        )


def _injector(
    banner: BannerRuntime, scope: Scope, context: PrivacyContext
) -> Callable[[Headers, str | None], Injection | None]:
    """The banner's decision for this request's HTML response, taken when the response starts."""

    def inject(headers: Headers, nonce: str | None) -> Injection | None:
        return banner.injection(scope, context, headers, nonce)

    return inject
