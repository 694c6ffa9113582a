"""``PrivacyMiddleware``: one pure ASGI layer; the logic lives in plain modules.

The request flow (see the design notes in the README):

1. lifespan and other scope types pass straight through;
2. the client is resolved through trusted proxies (``clientip``);
3. ``scope["client"]`` is truncated *in place* and every forwarding header is
   rewritten or removed, before anything else sees the request: uvicorn and
   hypercorn build their access-log line from this same dict;
4. ``request.state.privacy`` gets a :class:`~privmw.PrivacyContext`;
5. the app runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ._errors import ConfigurationError
from ._types import ASGIApp, Receive, Scope, Send
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
from .context import PrivacyContext
from .pseudonym import KeyedHasher
from .tags import TagGate, TagRuntime

__all__ = ["PrivacyMiddleware"]

_OWNER = "PrivacyMiddleware"
_XFF = b"x-forwarded-for"
_FORWARDED = b"forwarded"
_REAL_IP = b"x-real-ip"
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
        self.pseudonymizer = (
            KeyedHasher(pseudonym_retention, owner=_OWNER, digest_size=12) if pseudonyms else None
        )
        if not pseudonyms:  # still validate the value the user gave
            KeyedHasher(pseudonym_retention, owner=_OWNER).retention  # noqa: B018
        # Names read from a trusted peer: only those in proxy_headers.
        self._read_xff = "x-forwarded-for" in order
        self._read_fwd = "forwarded" in order
        self._read_real = "x-real-ip" in order
        if tags is True:
            tags = TagGate()
        elif tags is not None and tags is not False and not isinstance(tags, TagGate):
            raise ConfigurationError(
                f"{_OWNER}: tags must be a privmw.TagGate, True or False, got {tags!r}"
            )
        self.tags = TagRuntime(tags) if isinstance(tags, TagGate) and tags.enabled else None

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
        context, _ = self.protect(scope)
        tags = self.tags
        if tags is not None and kind == "http":
            if tags.serves(scope):
                await tags.serve_script(scope, send)
                return
            send = tags.wrap(send, context.allows, scope)
        await self.app(scope, receive, send)

    def protect(self, scope: Scope) -> tuple[PrivacyContext, Address | None]:
        """Resolve, truncate and scrub, in place; return the context and the full address.

        Plain and synchronous so it is tested without an event loop. The full
        address is returned for the caller's locals only (the rate limiter keys
        on it); it is never stored.
        """
        client = scope.get("client")
        host = client[0] if client else None
        peer: Address | None = parse_ip(host) if isinstance(host, str) else None
        headers = scope["headers"]
        found = False
        for name, _ in headers:
            if name in FORWARDING_HEADERS:
                found = True
                break
        address = peer
        if found and peer in self.trusted:
            xff: list[str] = []
            fwd: list[str] = []
            real: str | None = None
            for name, value in headers:
                if name == _XFF:
                    xff.append(value.decode("latin-1"))
                elif name == _FORWARDED:
                    fwd.append(value.decode("latin-1"))
                elif name == _REAL_IP:
                    real = value.decode("latin-1")
            address = resolve_client(
                peer,
                self.trusted,
                ",".join(xff) if xff and self._read_xff else None,
                ",".join(fwd) if fwd and self._read_fwd else None,
                real if self._read_real else None,
                self.proxy_headers,
            )
        elif peer is None and host is None and found and self.trusted.unix:
            address = self._resolve_unix(headers)

        if address is not None:
            shown = self.truncator.truncate(address)
            scope["client"] = (shown, 0)
        elif client:
            shown = host if isinstance(host, str) else "unknown"
            scope["client"] = (shown, 0)
        else:
            shown = "unknown"

        if found and self.scrub_headers:
            scope["headers"] = self._scrub(headers, shown, address)

        pseudonym = None
        if self.pseudonymizer is not None and address is not None:
            pseudonym = self.pseudonymizer.hexdigest(
                address[1].to_bytes(4 if address[0] == 4 else 16, "big")
            )
        context = PrivacyContext(shown, pseudonym=pseudonym)
        state = scope.get("state")
        if state is None:
            scope["state"] = {"privacy": context}
        else:
            state["privacy"] = context
        return context, address

    def _resolve_unix(self, headers: Iterable[tuple[bytes, bytes]]) -> Address | None:
        xff = [v.decode("latin-1") for n, v in headers if n == _XFF]
        fwd = [v.decode("latin-1") for n, v in headers if n == _FORWARDED]
        real = [v.decode("latin-1") for n, v in headers if n == _REAL_IP]
        return resolve_client(
            None,
            self.trusted,
            ",".join(xff) if xff and self._read_xff else None,
            ",".join(fwd) if fwd and self._read_fwd else None,
            real[-1] if real and self._read_real else None,
            self.proxy_headers,
        )

    def _scrub(
        self, headers: Iterable[tuple[bytes, bytes]], shown: str, address: Address | None
    ) -> list[tuple[bytes, bytes]]:
        """Headers with every forwarding header rewritten to the truncated client or removed."""
        out: list[tuple[bytes, bytes]] = []
        xff_done = fwd_done = False
        known = address is not None
        for name, value in headers:
            if name not in FORWARDING_HEADERS:
                out.append((name, value))
            elif name == _XFF and known and not xff_done:
                out.append((_XFF, shown.encode("ascii")))
                xff_done = True
            elif name == _FORWARDED and known and not fwd_done and address is not None:
                raw = b",".join(v for n, v in headers if n == _FORWARDED).decode("latin-1")
                out.append((_FORWARDED, _rewrite_forwarded(raw, shown, address[0])))
                fwd_done = True
        return out
