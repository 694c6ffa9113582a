"""TagGate through PrivacyMiddleware: headers, streaming, pass-through, the activation script."""

from __future__ import annotations

import gzip
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from privmw import ConfigurationError, ContentSecurityPolicy, PrivacyMiddleware, TagGate, Vendor
from privmw._headers import merge_vary
from privmw._responder import Responder
from privmw.tags._runtime import TagRuntime as _TagRuntime
from privmw.tags._runtime import activation_script
from privmw.trackers import TrackerRegistry
from tests.tag_corpus import SNIPPETS, active_vendors, page

REGISTRY = TrackerRegistry()


def TagRuntime(gate: TagGate) -> _TagRuntime:
    return _TagRuntime(gate, TrackerRegistry())


DOCUMENT = page(sorted(SNIPPETS)).encode()


def make_app(body: bytes = DOCUMENT, headers: dict[str, str] | None = None) -> Starlette:
    async def html(request: Request) -> Response:
        return HTMLResponse(body, headers=headers)

    async def data(request: Request) -> Response:
        return JSONResponse({"html": "<script src='https://connect.facebook.net/x.js'></script>"})

    async def zipped(request: Request) -> Response:
        return Response(
            gzip.compress(body),
            media_type="text/html",
            headers={"content-encoding": "gzip"},
        )

    return Starlette(routes=[Route("/", html), Route("/data", data), Route("/gz", zipped)])


async def get(app: Any, path: str = "/") -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


# -- config -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "block"}, "TagGate: mode must be one of"),
        ({"max_tag_bytes": 10}, "TagGate: max_tag_bytes must be an int from 1024"),
        ({"page_cache": -1}, "TagGate: page_cache must be an int from 0 to 4096"),
        ({"script_path": "privmw.js"}, "TagGate: script_path must be an absolute URL path"),
        ({"consent_mode": "yes"}, "TagGate: consent_mode must be True or False, got 'yes'"),
        ({"vendors": ("youtube",)}, "TagGate: vendors must be a tuple of privmw.Vendor"),
        ({"csp": "default-src 'self'"}, "TagGate: csp must be a privmw.ContentSecurityPolicy"),
    ],
)
def test_tag_gate_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        TagGate(**kwargs)


def test_tag_gate_repr_and_middleware_option() -> None:
    assert repr(TagGate()).startswith("TagGate(mode='neutralise'")
    assert PrivacyMiddleware(make_app()).tags is not None
    assert PrivacyMiddleware(make_app(), tags=False).tags is None
    assert PrivacyMiddleware(make_app(), tags=TagGate(enabled=False)).tags is None
    with pytest.raises(ConfigurationError, match="PrivacyMiddleware: tags must be"):
        PrivacyMiddleware(make_app(), tags="on")  # type: ignore[arg-type]


def test_merge_vary_is_idempotent() -> None:
    assert merge_vary([]) == b"Cookie, Sec-GPC, DNT"
    assert merge_vary([b""]) == b"Cookie, Sec-GPC, DNT"
    once = merge_vary([b"Accept-Encoding"])
    assert once == b"Accept-Encoding, Cookie, Sec-GPC, DNT"
    assert merge_vary([once]) == once
    assert merge_vary([b"cookie, dnt"]) == b"cookie, dnt, Sec-GPC"
    assert merge_vary([b"cookie", b"DNT, accept"]) == b"cookie, DNT, accept, Sec-GPC"
    assert merge_vary([b"*"]) == b"*"
    assert merge_vary([b"accept", b"*"]) == b"*"


# -- through the middleware ---------------------------------------------------


async def test_html_is_gated_with_headers() -> None:
    response = await get(PrivacyMiddleware(make_app()))
    assert response.status_code == 200
    body = response.content
    assert [v for _, v, _ in active_vendors(body, REGISTRY) if v] == []
    assert b'data-privmw-vendor="meta-pixel"' in body
    assert body.endswith(b'<script src="/privacy/privmw.js" defer></script>')
    assert response.headers["content-length"] == str(len(body))
    assert response.headers.get_list("vary") == ["Cookie, Sec-GPC, DNT"]
    assert response.headers["permissions-policy"] == "browsing-topics=()"
    assert "content-security-policy" not in response.headers
    # Consent Mode defaults, denied, before the first Google tag.
    assert b"gtag('consent','default',{\"ad_personalization\":\"denied\"" in body


async def test_tags_off_leaves_the_page_alone() -> None:
    response = await get(PrivacyMiddleware(make_app(), tags=False))
    assert response.content == DOCUMENT
    assert "permissions-policy" not in response.headers


async def test_non_html_and_encoded_bodies_pass_untouched() -> None:
    app = PrivacyMiddleware(make_app(), consent=False)  # consent adds Vary everywhere
    data = await get(app, "/data")
    assert "connect.facebook.net" in data.json()["html"]
    assert "vary" not in data.headers
    # Changed: gzip HTML from the app used to pass through untouched (fail open).
    # It is inflated (bounded ratio), rewritten, and sent as identity now.
    zipped = await get(app, "/gz")
    assert "content-encoding" not in zipped.headers
    assert zipped.content != DOCUMENT
    assert [v for _, v, _ in active_vendors(zipped.content, REGISTRY) if v] == []
    assert zipped.headers["content-length"] == str(len(zipped.content))


async def test_app_permissions_policy_and_vary_are_merged() -> None:
    app = make_app(headers={"permissions-policy": "camera=()", "vary": "Accept-Language"})
    response = await get(PrivacyMiddleware(app))
    assert response.headers["permissions-policy"] == "camera=(), browsing-topics=()"
    assert response.headers["vary"] == "Accept-Language, Cookie, Sec-GPC, DNT"
    own = make_app(headers={"permissions-policy": "browsing-topics=(self)"})
    kept = await get(PrivacyMiddleware(own))
    assert kept.headers["permissions-policy"] == "browsing-topics=(self)"


async def test_activation_script_is_served() -> None:
    app = PrivacyMiddleware(make_app(), tags=TagGate(script_path="/js/pm.js"))
    response = await get(app, "/js/pm.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert b'addEventListener("privmw:consent"' in response.content
    assert b"window.privmw.activate = activate" in response.content
    assert b"http" not in response.content.replace(b"https://", b"")  # no third-party assets
    assert int(response.headers["content-length"]) == len(response.content)


async def test_activation_script_path_only_answers_get_and_head() -> None:
    app = PrivacyMiddleware(make_app(), tags=TagGate(script_path="/"))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        head = await client.head("/")
        post = await client.post("/")
    assert head.headers["content-type"] == "text/javascript; charset=utf-8"
    assert post.status_code == 405  # the app's own answer


def test_activation_script_reloads_only_with_csp() -> None:
    assert b"var RELOAD = false;" in activation_script()
    assert b"var RELOAD = true;" in activation_script(reload=True)
    assert b'"analytics_storage": "analytics"' in activation_script()


async def test_extra_vendor_is_gated() -> None:
    widget = Vendor(name="chatwidget", label="Chat", category="preferences", urls=("chat.example",))
    body = b'<script src="https://cdn.chat.example/w.js"></script>'
    response = await get(PrivacyMiddleware(make_app(body), vendors=[widget]))
    assert b'data-privmw-vendor="chatwidget"' in response.content


# -- streaming ----------------------------------------------------------------

CHUNKS = [DOCUMENT[:700], DOCUMENT[700:2500], DOCUMENT[2500:]]


async def test_streaming_chunks_go_out_as_they_come() -> None:
    log: list[tuple[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(DOCUMENT)).encode()),
                ],
            }
        )
        for i, chunk in enumerate(CHUNKS):
            log.append(("app", i))
            await send(
                {"type": "http.response.body", "body": chunk, "more_body": i < len(CHUNKS) - 1}
            )

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    messages: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        log.append(("send", message["type"]))
        messages.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "client": ("203.0.113.9", 4711),
        "state": {},
    }
    mw = PrivacyMiddleware(app)
    await mw(scope, receive, send)
    # The start is held until the first chunk, then each chunk is sent before the next is made.
    assert log == [
        ("app", 0),
        ("send", "http.response.start"),
        ("send", "http.response.body"),
        ("app", 1),
        ("send", "http.response.body"),
        ("app", 2),
        ("send", "http.response.body"),
    ]
    start, *bodies = messages
    names = [n for n, _ in start["headers"]]
    assert b"content-length" not in names  # length unknown in advance: chunked
    assert [m["more_body"] for m in bodies] == [True, True, False]
    assert all(m["body"] for m in bodies[:-1])  # no chunk held back whole
    streamed = b"".join(m["body"] for m in bodies)
    whole = await get(PrivacyMiddleware(make_app()))
    assert streamed == whole.content
    assert mw.stats()["tags"]["neutralised"] >= 14  # counted, not left in the scope
    assert "privmw.tags" not in scope["state"]


async def test_pathsend_passes_through() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/html"), (b"content-length", b"42")],
            }
        )
        await send({"type": "http.response.pathsend", "path": "/srv/page.html"})

    messages: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "client": None,
    }
    await PrivacyMiddleware(app)(scope, receive, send)
    assert [m["type"] for m in messages] == ["http.response.start", "http.response.pathsend"]
    assert (b"content-length", b"42") in messages[0]["headers"]


async def test_unchanged_single_chunk_keeps_content_length() -> None:
    body = b"<!doctype html><p>hello</p>"
    response = await get(PrivacyMiddleware(make_app(body)))
    assert response.content == body
    assert response.headers["content-length"] == str(len(body))


# -- CSP ----------------------------------------------------------------------


async def test_csp_allows_only_consented_vendor_hosts() -> None:
    gate = TagGate(csp=ContentSecurityPolicy("default-src 'self'; img-src 'self' data:"))
    response = await get(PrivacyMiddleware(make_app(), tags=gate))
    policy = response.headers["content-security-policy"]
    assert "facebook" not in policy
    assert "googletagmanager" not in policy
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<script nonce="{nonce}">window.dataLayer'.encode() in response.content
    assert f'<script src="/privacy/privmw.js" defer nonce="{nonce}">'.encode() in response.content
    assert (
        b"var RELOAD = true;"
        in (await get(PrivacyMiddleware(make_app(), tags=gate), "/privacy/privmw.js")).content
    )


def test_policy_builder_adds_consented_sources_only() -> None:
    runtime = TagRuntime(TagGate(csp=ContentSecurityPolicy("default-src 'self'")))
    assert runtime.csp is not None
    analytics = runtime.csp.build(lambda c: c in ("necessary", "analytics"), None).decode()
    assert "script-src 'self' https://*.googletagmanager.com" in analytics
    assert "connect.facebook.net" not in analytics
    everything = runtime.csp.build(lambda c: True, None).decode()
    assert "https://connect.facebook.net" in everything
    assert "frame-src 'self'" in everything
    assert "https://www.youtube.com" in everything
    none = runtime.csp.build(lambda c: c == "necessary", "abc").decode()
    assert none == "default-src 'self'; script-src 'self' 'nonce-abc'"


async def test_app_csp_stricter_than_privmw_is_kept_and_nonce_reused() -> None:
    strict = "default-src 'none'; script-src 'nonce-appnonce123'"
    app = make_app(headers={"content-security-policy": strict})
    gate = TagGate(csp=ContentSecurityPolicy("default-src 'self' https:"))
    response = await get(PrivacyMiddleware(app, tags=gate))
    policies = response.headers.get_list("content-security-policy")
    assert strict in policies  # the app's own header is untouched...
    assert len(policies) == 2  # ...and privmw's is added: browsers enforce both (intersection)
    ours = next(p for p in policies if p != strict)
    assert "'nonce-appnonce123'" in ours
    assert b'<script nonce="appnonce123">window.dataLayer' in response.content


async def test_csp_report_only_and_unsafe_inline() -> None:
    gate = TagGate(
        csp=ContentSecurityPolicy("default-src 'self' 'unsafe-inline'", report_only=True)
    )
    response = await get(PrivacyMiddleware(make_app(), tags=gate))
    assert "content-security-policy" not in response.headers
    policy = response.headers["content-security-policy-report-only"]
    assert "nonce" not in policy  # a nonce would switch 'unsafe-inline' off
    assert b"<script>window.dataLayer" in response.content


def test_csp_none_is_replaced_not_extended() -> None:
    runtime = TagRuntime(TagGate(csp=ContentSecurityPolicy("default-src 'none'", nonce=False)))
    assert runtime.csp is not None
    value = runtime.csp.build(lambda c: c in ("necessary", "marketing"), "x").decode()
    assert "frame-src https://td.doubleclick.net" in value
    assert "'none' https" not in value
    assert "nonce" not in value


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("", "ContentSecurityPolicy: policy must be a non-empty"),
        ("default-src 'self'\r\nx: y", "must be printable ASCII"),
        ("Default_Src 'self'", "did you mean 'default-src'"),
        ("garbage;;", "directive names like"),
        ("default-src self", "did you mean \"'self'\""),
        ("default-src 'self'; default-src https:", "each named once"),
        ("img-src 'selfish'", "must be a keyword"),
        ("img-src https://a/c?x=1", "must be a scheme"),
        ("upgrade-insecure-requests 1", "without a value"),
    ],
)
def test_csp_validation(policy: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        ContentSecurityPolicy(policy)


# -- the page cache -------------------------------------------------------------


async def _through(runtime: _TagRuntime, body: bytes, allows: Any) -> tuple[bytes, list[Any]]:
    messages: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    scope: dict[str, Any] = {"type": "http", "state": {}}
    responder = Responder(send, scope, allows, tags=runtime)
    await responder(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/html"), (b"content-length", b"1")],
        }
    )
    await responder({"type": "http.response.body", "body": body})
    return messages[1]["body"], messages[0]["headers"]


async def test_page_cache_is_keyed_by_consent() -> None:
    runtime = TagRuntime(TagGate())
    denied, _ = await _through(runtime, DOCUMENT, lambda c: c == "necessary")
    allowed, _ = await _through(runtime, DOCUMENT, lambda c: True)
    again, _ = await _through(runtime, DOCUMENT, lambda c: c == "necessary")
    assert runtime.page_cache is not None
    assert len(runtime.page_cache) == 2
    assert again == denied
    assert allowed != denied
    assert [v for _, v, _ in active_vendors(denied, REGISTRY) if v] == []
    assert {v.name for _, v, _ in active_vendors(allowed, REGISTRY) if v} >= {"meta-pixel"}


async def test_page_cache_off_gives_the_same_bytes() -> None:
    cached = TagRuntime(TagGate())
    uncached = TagRuntime(TagGate(page_cache=0))
    assert uncached.page_cache is None
    for allows in (lambda c: c == "necessary", lambda c: c in ("necessary", "analytics")):
        first, headers = await _through(cached, DOCUMENT, allows)
        second, _ = await _through(cached, DOCUMENT, allows)
        plain, _ = await _through(uncached, DOCUMENT, allows)
        assert first == second == plain
        assert (b"content-length", str(len(first)).encode()) in headers


async def test_pages_with_a_nonce_are_not_cached() -> None:
    runtime = TagRuntime(TagGate(csp=ContentSecurityPolicy()))
    one, _ = await _through(runtime, DOCUMENT, lambda c: c == "necessary")
    two, _ = await _through(runtime, DOCUMENT, lambda c: c == "necessary")
    assert one != two  # a fresh nonce each time
    assert runtime.page_cache is not None
    assert len(runtime.page_cache) == 0


def test_consent_mode_script_reflects_the_state() -> None:
    runtime = TagRuntime(TagGate())
    script = runtime.consent_mode_script(lambda c: c in ("necessary", "analytics"), None)
    assert script.startswith(b"<script>window.dataLayer=window.dataLayer||[];")
    assert b'"analytics_storage":"granted"' in script
    assert b'"ad_storage":"denied"' in script
    assert b'"security_storage":"granted"' in script
    with_nonce = runtime.consent_mode_script(lambda c: False, "n0nce")
    assert with_nonce.startswith(b'<script nonce="n0nce">')
    assert b'"security_storage":"denied"' in with_nonce


_FAKE_DOM = r"""
function El(tag, attrs, text) {
  this.tagName = tag; this._a = Object.assign({}, attrs); this.text = text || "";
  this.nonce = ""; this.parentNode = parent;
}
El.prototype.getAttribute = function (n) { return n in this._a ? this._a[n] : null; };
El.prototype.setAttribute = function (n, v) { this._a[n] = String(v); };
El.prototype.removeAttribute = function (n) { delete this._a[n]; };
El.prototype.hasAttribute = function (n) { return n in this._a; };
Object.defineProperty(El.prototype, "attributes", { get: function () {
  var self = this;
  return Object.keys(this._a).map(function (k) { return {name: k, value: self._a[k]}; });
}});
Object.defineProperty(El.prototype, "src", {
  set: function (v) { this._a.src = v; }, get: function () { return this._a.src; }
});
var live = [];
var parent = { replaceChild: function (n, o) { live[live.indexOf(o)] = n; } };
live.push(new El("SCRIPT", {"data-privmw-src": "https://www.googletagmanager.com/gtag/js?id=G-1",
  "data-privmw-type": "module", "type": "text/plain", "async": "",
  "data-privmw-category": "analytics", "data-privmw-vendor": "google-analytics"}));
live.push(new El("SCRIPT", {"type": "text/plain", "data-privmw-category": "marketing",
  "data-privmw-vendor": "meta-pixel"}, "fbq('init', '1');"));
live.push(new El("SCRIPT", {"type": "text/plain", "data-privmw-category": "analytics",
  "data-privmw-vendor": "microsoft-clarity"}, "clarity('x');"));
live.push(new El("IFRAME", {"src": "about:blank", "data-privmw-src": "https://www.youtube.com/embed/x",
  "data-privmw-category": "marketing", "data-privmw-vendor": "youtube"}));
var listeners = {};
globalThis.window = globalThis;
window.dataLayer = [];
var reloaded = false;
window.location = { reload: function () { reloaded = true; } };
globalThis.document = {
  querySelectorAll: function () {
    return live.filter(function (e) { return e.hasAttribute("data-privmw-category"); });
  },
  createElement: function (t) { return new El(t.toUpperCase(), {}); },
  addEventListener: function (type, fn) { listeners[type] = fn; }
};
"""

_REPORT = r"""
var before = live.slice();
var n1 = window.privmw.activate(["analytics"]);
listeners["privmw:consent"]({detail: {categories: ["analytics"]}});
console.log(JSON.stringify({
  n1: n1,
  scripts: live.map(function (e) {
    return {tag: e.tagName, attrs: e._a, text: e.text, async: e.async};
  }),
  replaced: live.map(function (e, i) { return e !== before[i]; }),
  dataLayer: window.dataLayer.map(function (a) { return Array.prototype.slice.call(a); }),
  reloaded: reloaded
}));
"""


@pytest.mark.server
def test_activation_script_in_node() -> None:
    import json
    import shutil
    import subprocess

    from tests.conftest import require

    node = shutil.which("node")
    require(node is not None, "node not installed")
    assert node is not None
    source = _FAKE_DOM + activation_script().decode() + _REPORT
    done = subprocess.run(
        [node, "-e", source], capture_output=True, text=True, timeout=30, check=True
    )
    report = json.loads(done.stdout)
    assert report["n1"] == 2
    gtag, fbq, clarity, iframe = report["scripts"]
    # The analytics script is live again: a module with its src, order kept (async as before).
    assert gtag["attrs"] == {"async": "", "type": "module"} | {
        "src": "https://www.googletagmanager.com/gtag/js?id=G-1"
    }
    assert gtag["async"] is True
    assert clarity["text"] == "clarity('x');"
    assert "type" not in clarity["attrs"]
    # Marketing stays inert.
    assert fbq["attrs"]["type"] == "text/plain"
    assert iframe["attrs"]["src"] == "about:blank"
    assert report["replaced"] == [True, False, True, False]
    assert report["dataLayer"][0][:2] == ["consent", "update"]
    assert report["dataLayer"][0][2]["analytics_storage"] == "granted"
    assert report["dataLayer"][0][2]["ad_storage"] == "denied"
    assert report["reloaded"] is False
