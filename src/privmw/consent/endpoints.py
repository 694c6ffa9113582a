"""The consent endpoints, sans-io: a :class:`~privmw._headers.Request` in, a Response out.

Routes (default prefix ``/privacy/consent``):

* ``GET  {prefix}``: the current choice and the categories on offer (JSON);
* ``POST {prefix}``: a JSON object ``{"analytics": true, "marketing": false}``
  answers JSON; an HTML form (a checkbox per category, ``action`` =
  ``save`` / ``accept-all`` / ``reject-all`` / ``withdraw``) answers
  ``303 See Other`` to a same-origin page (``next`` field, else a same-origin
  ``Referer``, else ``/``);
* ``DELETE {prefix}`` and ``POST {prefix}/withdraw``: withdraw consent;
* ``GET {prefix}/form``: an HTML page with that form, in the visitor's language;
* ``GET /.well-known/gpc.json``: ``{"gpc": true, "lastUpdate": "..."}``.

A form post that asks for ``Accept: application/json`` (the banner's script)
gets the JSON answer instead of the redirect. Each change builds a
:class:`~privmw.ConsentReceipt` for ``ConsentPolicy.receipts``; its ``source``
is the form's ``source`` field or the ``?source=`` query (``banner``,
``form``, ``placeholder``, ``api``, ``import``), else ``form`` for forms and
``api`` for JSON.

Cross-site ``POST``/``DELETE`` are refused with 403 (``Sec-Fetch-Site``,
else ``Origin``, else ``Referer``). Withdrawing, or narrowing a choice,
expires the tracker cookies of the categories no longer allowed. The ASGI
glue (the middleware) reads the body, at most :data:`MAX_BODY` bytes.

References:
    CNIL délibération 2020-091 (withdrawing as easy as giving); GDPR art. 7(3);
    W3C GPC section "gpc.json"; Fetch Metadata Request Headers (``Sec-Fetch-Site``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from privmw._headers import (
    HTML,
    JSON,
    NO_STORE,
    PRIVATE,
    VARY_VALUE,
    Request,
    Response,
    not_allowed,
    problem,
)
from privmw.context import NECESSARY, PrivacyContext
from privmw.cookies import expiry_headers, parse_cookie_header

from ._form import render_page
from ._runtime import ConsentRuntime, consent_names
from .receipts import SOURCES, ConsentReceipt, deliver, new_receipt_id, receipt_id

__all__: list[str] = []

GPC_PATH = "/.well-known/gpc.json"
#: The largest request body the endpoints read.
MAX_BODY = 16384
_FORM_VARY = VARY_VALUE + b", Accept-Language"
_TRUE = frozenset({"on", "1", "true", "yes", "y", "checked", "granted"})


def _origin_netloc(url: str) -> str | None:
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].lower()
    if "@" in netloc:
        return None
    return _strip_default_port(netloc)


def _strip_default_port(netloc: str) -> str:
    if netloc.endswith((":80", ":443")):
        return netloc.rsplit(":", 1)[0]
    return netloc


def same_origin(headers: Mapping[str, str]) -> bool:
    """Whether a state-changing request comes from the site itself.

    ``Sec-Fetch-Site`` (which page script cannot forge) decides when present:
    only ``same-origin`` and ``none`` (typed or bookmarked) pass. Otherwise an
    ``Origin`` (or failing that a ``Referer``) must name this host. A request
    with none of the three is not a browser's cross-site request and passes.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() in ("same-origin", "none")
    host = _strip_default_port(headers.get("host", "").strip().lower())
    for header in ("origin", "referer"):
        value = headers.get(header)
        if value is not None:
            return bool(host) and _origin_netloc(value) == host
    return True


def _wants_json(headers: Mapping[str, str]) -> bool:
    """A form post whose sender asks for JSON first (the banner's ``fetch``)."""
    accept = headers.get("accept", "")
    return accept.lstrip().lower().startswith("application/json")


def safe_next(value: str | None) -> str | None:
    """A same-origin path to redirect to, or ``None`` (no open redirect)."""
    if not value or len(value) > 2048 or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or "\\" in value:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F or ord(c) > 0x7E for c in value):
        return None
    return value


class ConsentEndpoints:
    """The built-in consent routes of one :class:`ConsentRuntime`."""

    __slots__ = (
        "_cookie_attrs",
        "_form_page",
        "_gpc_body",
        "_host_name",
        "_offered",
        "_plain_name",
        "_prefix",
        "routes",
        "runtime",
    )

    def __init__(
        self,
        runtime: ConsentRuntime,
        *,
        form_page: Callable[[Request, PrivacyContext, str], bytes] | None = None,
    ) -> None:
        self.runtime = runtime
        #: Renders ``GET {prefix}/form`` (the banner runtime's translated page).
        self._form_page = form_page
        policy = runtime.policy
        prefix = policy.path_prefix
        self._prefix = prefix
        self._offered = frozenset(policy.categories)
        routes = {prefix, prefix + "/withdraw", prefix + "/form"}
        if policy.serve_gpc_json:
            routes.add(GPC_PATH)
        #: The paths :meth:`handle` answers.
        self.routes = frozenset(routes)
        self._gpc_body = json.dumps(
            {"gpc": True, "lastUpdate": policy.gpc_last_update}, separators=(",", ":")
        ).encode()
        attrs = f"; Max-Age={policy.max_age}; Path=/; SameSite=Lax"
        domain = runtime.domain_for("") if policy.cookie_domain else None
        if domain:
            attrs += f"; Domain={domain}"
        self._cookie_attrs = attrs
        self._host_name, self._plain_name = consent_names(policy)

    def __repr__(self) -> str:
        return f"ConsentEndpoints({sorted(self.routes)!r})"

    def handle(self, request: Request, context: PrivacyContext) -> Response:
        """Answer one built-in route; never raises."""
        try:
            return self._handle(request, context)
        except Exception:  # defensive: client input must never become a 500
            return problem(400, "Bad Request", "the request could not be understood")

    def _handle(self, request: Request, context: PrivacyContext) -> Response:
        prefix = self._prefix
        method, path, headers = request.method, request.path, request.headers
        if path == GPC_PATH:
            if method not in ("GET", "HEAD"):
                return not_allowed("GET, HEAD")
            return Response(200, [*JSON, (b"cache-control", b"max-age=86400")], self._gpc_body)
        if path == prefix + "/form":
            if method not in ("GET", "HEAD"):
                return not_allowed("GET, HEAD")
            next_path = safe_next(dict(parse_qsl(request.query[:4096])).get("next")) or "/"
            if self._form_page is not None:
                body = self._form_page(request, context, next_path)
            else:
                page = render_page(self.runtime.policy, context, prefix, next_path=next_path)
                body = page.encode("utf-8")
            return Response(200, [*HTML, *NO_STORE, (b"vary", _FORM_VARY)], body)
        withdraw = path == prefix + "/withdraw"
        if method in ("GET", "HEAD") and not withdraw:
            return Response(200, [*JSON, *PRIVATE], self._state_body(context))
        allowed = "POST" if withdraw else "GET, HEAD, POST, DELETE"
        if method not in ("POST", "DELETE") or (withdraw and method != "POST"):
            return not_allowed(allowed)
        if not same_origin(headers):
            return problem(403, "Forbidden", "cross-site consent changes are refused")
        body = request.body
        if len(body) > MAX_BODY:
            return problem(413, "Payload Too Large", "body over 16 KiB")
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        is_form = ctype == "application/x-www-form-urlencoded"
        form: dict[str, str] = {}
        if is_form:
            try:
                text = body.decode("utf-8")
                form = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=64))
            except ValueError:
                return problem(400, "Bad Request", "the form could not be read")
        source = form.get("source") or dict(parse_qsl(request.query[:512])).get("source")
        if source not in SOURCES:
            source = "form" if is_form else "api"
        redirect = form if is_form and not _wants_json(headers) else None
        if method == "DELETE" or withdraw or form.get("action") == "withdraw":
            return self._respond(None, request, context, redirect, "withdraw", source)
        if is_form:
            action = form.get("action", "save")
            if action == "accept-all":
                chosen: frozenset[str] = self._offered
            elif action == "reject-all":
                chosen = frozenset()
            elif action == "save":
                chosen = frozenset(
                    c for c in self.runtime.policy.categories if form.get(c, "").lower() in _TRUE
                )
            else:
                return problem(400, "Bad Request", f"unknown action {action[:40]!r}")
            return self._respond(chosen, request, context, redirect, action, source)
        if ctype != "application/json":
            return problem(
                415,
                "Unsupported Media Type",
                "send application/json or application/x-www-form-urlencoded",
            )
        try:
            data = json.loads(body)
        except ValueError:
            return problem(400, "Bad Request", "the body is not JSON")
        if not isinstance(data, dict):
            return problem(400, "Bad Request", 'send a JSON object like {"analytics": true}')
        picked: set[str] = set()
        for key, value in data.items():
            if not isinstance(value, bool):
                return problem(400, "Bad Request", f"{key[:40]!r} must be true or false")
            if key == NECESSARY:
                continue
            if key not in self._offered:
                offer = ", ".join(self.runtime.policy.categories)
                return problem(
                    400, "Bad Request", f"unknown category {key[:40]!r}; on offer: {offer}"
                )
            if value:
                picked.add(key)
        return self._respond(frozenset(picked), request, context, None, "save", source)

    def _respond(
        self,
        chosen: frozenset[str] | None,
        request: Request,
        context: PrivacyContext,
        form: dict[str, str] | None,
        action: str,
        source: str,
    ) -> Response:
        """Store (or withdraw) a choice; expire what is no longer allowed; give a receipt."""
        runtime = self.runtime
        policy = runtime.policy
        headers = request.headers
        secure = "; Secure" if request.https else ""
        # Over HTTPS the cookie is __Host-<name>: only this host can set it.
        hosted = request.https and self._host_name is not None
        name = self._host_name if hosted else self._plain_name
        rid = new_receipt_id()
        now = int(policy.clock())
        if chosen is None:
            cookie = f"{name}={self._cookie_attrs}{secure}".replace(
                f"Max-Age={policy.max_age}", "Max-Age=0"
            )
        else:
            value = runtime.encode(chosen, now, rid)
            cookie = f"{name}={value}{self._cookie_attrs}{secure}"
        new = PrivacyContext(
            context.client,
            gpc=context.gpc,
            dnt=context.dnt,
            pseudonym=context.pseudonym,
            consent=chosen,
            revision=policy.revision if chosen is not None else None,
            denied=context.denied,
        )
        pairs = parse_cookie_header(headers.get("cookie", ""))
        if policy.receipts is not None:
            # the cookie in use (__Host- over HTTPS), else the plain-named one
            old = next((v for k, v in pairs if k == name), None) or next(
                (v for k, v in pairs if k == self._plain_name), None
            )
            granted = tuple(c for c in policy.categories if chosen and c in chosen)
            receipt = ConsentReceipt(
                id=rid,
                revision=policy.revision,
                action=action,
                granted=granted,
                refused=tuple(c for c in policy.categories if c not in granted),
                time=now,
                gpc=context.gpc,
                dnt=context.dnt,
                signal_denied=tuple(c for c in policy.categories if c in context.denied),
                source=source,
                # only a cookie that is valid now is the receipt this one replaces
                replaces=receipt_id(old) if old and context.consent is not None else None,
            )
            deliver(policy.receipts, receipt)
        stale = runtime.gate.stale(pairs, new.allows)
        domain = runtime.domain_for(headers.get("host", ""))
        out: list[tuple[bytes, bytes]] = [(b"set-cookie", cookie.encode("ascii"))]
        if hosted:
            # Migration and clean-up: the plain-named cookie (from before
            # __Host-, or planted by a sibling subdomain on the registrable
            # domain) is expired, host-only and on that domain.
            out.extend(expiry_headers([self._plain_name], domain, secure=True))
        elif chosen is None and domain:
            # Withdrawing over HTTP: a plain cookie on the registrable domain too.
            tail = f"=; Max-Age=0; Path=/; SameSite=Lax{secure}; Domain={domain}"
            out.append((b"set-cookie", (self._plain_name + tail).encode("ascii")))
        out.extend(expiry_headers(stale, domain, secure=request.https))
        stats = runtime.stats
        if stats is not None:
            source = "form" if form is not None else "json" if chosen is not None else "withdraw"
            stats.consent_choice(policy.categories, chosen, source)
            category = runtime.gate.category
            for stale_name in stale:
                stats.cookie_expired(category(stale_name) or "unknown")
        out.extend(PRIVATE)
        if form is not None:
            target = safe_next(form.get("next")) or self._referer_path(headers) or "/"
            out.append((b"location", target.encode("ascii")))
            out.append((b"content-type", b"text/plain; charset=utf-8"))
            return Response(303, out, b"See Other")
        out.extend(JSON)
        return Response(200, out, self._state_body(new))

    def _referer_path(self, headers: Mapping[str, str]) -> str | None:
        referer = headers.get("referer")
        if not referer:
            return None
        host = _strip_default_port(headers.get("host", "").strip().lower())
        if not host or _origin_netloc(referer) != host:
            return None
        rest = referer.strip().partition("://")[2]
        path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return safe_next(path.split("#", 1)[0])

    def state(self, context: PrivacyContext) -> dict[str, Any]:
        """The JSON-able view of a visitor's choice that ``GET {prefix}`` returns."""
        policy = self.runtime.policy
        consent = context.consent
        return {
            "categories": list(policy.categories),
            "revision": policy.revision,
            "decided": consent is not None,
            "consent": None if consent is None else {c: c in consent for c in policy.categories},
            "gpc": context.gpc,
            "dnt": context.dnt,
            "allowed": {c: context.allows(c) for c in policy.categories},
            "consent_mode": context.consent_mode,
        }

    def _state_body(self, context: PrivacyContext) -> bytes:
        return json.dumps(self.state(context), separators=(",", ":")).encode()
