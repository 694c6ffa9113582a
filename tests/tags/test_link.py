"""``Link`` response fields and 103 Early Hints: link-values naming a gated vendor are dropped.

Tables drive :func:`privmw.tags._link.gate_fields` through the whole
middleware (raw ASGI, a hand-written ``send`` recording every message): a
default ``PrivacyMiddleware`` without consent, then with consent, in
report-only and strict modes. Chromium checks the preload rows for real in
``tests/browser/test_tag_constructs.py`` (``link-header-*``).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import PrivacyMiddleware, TagGate
from privmw._types import Message, Receive, Scope, Send
from privmw.tags._link import MAX_OPENERS, candidates, gate_fields, split_values
from privmw.tags._runtime import TagRuntime
from privmw.trackers import TrackerRegistry

FB = "https://connect.facebook.net/en_US/fbevents.js"
PIXEL = "https://www.facebook.com/tr?id=1&ev=PageView"
LOCAL_CSS = "</static/site.css>; rel=preload; as=style"
REGISTRY = TrackerRegistry()


def _app(
    headers: list[tuple[bytes, bytes]],
    *,
    ctype: bytes = b"text/html; charset=utf-8",
    hints: list[list[bytes]] | None = None,
    trailers: list[tuple[bytes, bytes]] | None = None,
) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for links in hints or ():
            await send({"type": "http.response.early_hint", "links": links})
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", ctype), *headers],
                "trailers": trailers is not None,
            }
        )
        await send({"type": "http.response.body", "body": b"<p>ok</p>", "more_body": False})
        if trailers is not None:
            await send({"type": "http.response.trailers", "headers": trailers})

    return app


async def _run(
    app: Any, *, cookie: bytes | None = None, host: bytes = b"shop.example", **options: Any
) -> list[Message]:
    mw = PrivacyMiddleware(app, **options)
    headers = [(b"host", host)]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "2",
        "method": "GET",
        "scheme": "https",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": headers,
        "client": ("203.0.113.9", 4711),
        "server": ("127.0.0.1", 443),
        "extensions": {"http.response.early_hint": {}, "http.response.trailers": {}},
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await mw(scope, receive, send)
    return sent


def _links(message: Message) -> list[bytes]:
    return [v for n, v in message["headers"] if n.lower() == b"link"]


def _start(sent: list[Message]) -> Message:
    return next(m for m in sent if m["type"] == "http.response.start")


# -- one table: the Link fields of a response, and what is sent ----------------

#: (id, Link field values, the values sent without consent)
TABLE: list[tuple[str, list[str], list[str] | None]] = [
    ("vendor preload dropped", [f"<{FB}>; rel=preload; as=script"], []),
    ("local preload untouched", [LOCAL_CSS], [LOCAL_CSS]),
    ("local kept, vendor dropped", [f"{LOCAL_CSS}, <{FB}>; rel=preload; as=script"], [LOCAL_CSS]),
    (
        "several fields, only the vendor's goes",
        [LOCAL_CSS, f"<{FB}>; rel=preload", "</app.js>; rel=modulepreload"],
        [f"{LOCAL_CSS}, </app.js>; rel=modulepreload"],
    ),
    (
        "comma inside the URL does not split",
        [f"<https://cdn.example/a,b.js>; rel=preload; as=script, <{FB}?a=1,2>; rel=preload"],
        ["<https://cdn.example/a,b.js>; rel=preload; as=script"],
    ),
    (
        "comma and semicolon in a quoted parameter",
        [f'</a.css>; rel=preload; title="a, b; c", <{FB}>; rel=preload; as=script'],
        ['</a.css>; rel=preload; title="a, b; c"'],
    ),
    (
        "escaped quote inside a quoted parameter",
        [f'</a.css>; title="x\\", <{FB}>"; rel=preload'],
        [],  # one value (the quote is escaped), naming the vendor: dropped whole
    ),
    (
        "an unclosed quote swallows the next field: both go",
        ['</a.css>; title="x', f"<{FB}>; rel=preload; as=script"],
        [],
    ),
    ("preconnect", ["<https://connect.facebook.net>; rel=preconnect"], []),
    ("dns-prefetch", ["<//connect.facebook.net>; rel=dns-prefetch"], []),
    ("prefetch", [f"<{FB}>; rel=prefetch"], []),
    ("modulepreload", [f"<{FB}>; rel=modulepreload"], []),
    ("stylesheet", ["<https://connect.facebook.net/x.css>; rel=stylesheet"], []),
    ("scheme-relative", ["<//connect.facebook.net/en_US/fbevents.js>; rel=preload"], []),
    ("three slashes", ["<///connect.facebook.net/en_US/fbevents.js>; rel=preload"], []),
    ("backslashes", ["<\\\\connect.facebook.net/en_US/fbevents.js>; rel=preload"], []),
    ("white space inside <>", [f"<  {FB}\t>; rel=preload"], []),
    ("dot segment path", ["<https://www.facebook.com/./tr?id=1>; rel=preload; as=image"], []),
    (
        "imagesrcset parameter",
        [f'</a.png>; rel=preload; as=image; imagesrcset="{PIXEL} 1x, /b.png 2x"'],
        [],
    ),
    (
        "unquoted imagesrcset with userinfo",
        ["</a.png>; rel=preload; as=image; imagesrcset=https://a=b@www.facebook.com/tr"],
        [],
    ),
    (
        "a vendor URL in a nested <",
        ["</a.css>; title=<b, <https://connect.facebook.net/x.js>; rel=preload"],
        [],
    ),
    ("unclosed <", ["<https://connect.facebook.net/x.js; rel=preload"], []),
    ("own relative URL", ["</x.js>; rel=preload; as=script"], ["</x.js>; rel=preload; as=script"]),
    ("not a link-value at all", ["rel=preload"], ["rel=preload"]),
    ("empty values kept as sent", [" , ,"], [" , ,"]),
    ("look-alike host kept", ["<https://notfacebook.net/x.js>; rel=preload"], None),
]


def _expected_same(fields: list[str], expected: list[str] | None) -> list[str]:
    return fields if expected is None else expected


@pytest.mark.parametrize(("fields", "expected"), [pytest.param(f, e, id=i) for i, f, e in TABLE])
async def test_link_fields_without_consent(fields: list[str], expected: list[str] | None) -> None:
    headers = [(b"link", f.encode("latin-1")) for f in fields]
    sent = await _run(_app(headers))
    want = [v.encode("latin-1") for v in _expected_same(fields, expected)]
    assert _links(_start(sent)) == want


def test_utf8_host_spellings_are_read_as_utf8_too() -> None:
    value = "<https://connect\u3002facebook\u3002net/x.js>; rel=preload".encode()
    blocked = _blocked()
    assert gate_fields([value], blocked) == []
    # and the Latin-1 reading alone would not have named it
    assert not any(blocked(c) for c in candidates(value.decode("latin-1")) or ())


def _blocked(consent: tuple[str, ...] = ()) -> Any:
    def blocked(url: str) -> bool:
        vendor = REGISTRY.match_url(url, "https://shop.example/")
        return vendor is not None and vendor.category not in ("necessary", *consent)

    return blocked


async def test_upper_case_field_name_and_non_html_responses_are_gated() -> None:
    sent = await _run(_app([(b"Link", f"<{FB}>; rel=preload".encode())], ctype=b"application/json"))
    assert _links(_start(sent)) == []


def test_consented_vendor_links_stay() -> None:
    runtime = TagRuntime(TagGate(), TrackerRegistry())
    scope = {"type": "http", "scheme": "https", "headers": [(b"host", b"shop.example")]}
    value = f"<{FB}>; rel=preload".encode()
    assert runtime.gate_links([value], lambda c: c == "marketing", scope) is None
    assert runtime.gate_links([value], lambda c: c == "analytics", scope) == []
    assert gate_fields([value], _blocked(("marketing",))) is None


async def test_report_only_mode_changes_nothing() -> None:
    value = f"<{FB}>; rel=preload".encode()
    sent = await _run(_app([(b"link", value)]), tags=TagGate(mode="report-only"))
    assert _links(_start(sent)) == [value]


async def test_tags_off_leaves_links_alone() -> None:
    value = f"<{FB}>; rel=preload".encode()
    sent = await _run(_app([(b"link", value)]), tags=False)
    assert _links(_start(sent)) == [value]


async def test_strict_mode_drops_unknown_third_parties_only() -> None:
    fields = [
        b"</own.css>; rel=preload; as=style",
        b"<https://static.shop.example/a.js>; rel=preload",
        b"<https://cdn.other.example/lib.js>; rel=preload",
        b"<https://cdn.jsdelivr.net/npm/x.js>; rel=preload",
    ]
    tags = TagGate(strict=True, allow=("cdn.jsdelivr.net",))
    sent = await _run(_app([(b"link", f) for f in fields]), tags=tags)
    assert _links(_start(sent)) == [b", ".join([fields[0], fields[1], fields[3]])]


async def test_early_hints_are_gated_and_dropped_when_empty() -> None:
    hints = [
        [f"<{FB}>; rel=preload; as=script".encode(), LOCAL_CSS.encode()],
        [b"<https://connect.facebook.net>; rel=preconnect"],
        [LOCAL_CSS.encode()],
    ]
    sent = await _run(_app([], hints=hints))
    sent_hints = [m["links"] for m in sent if m["type"] == "http.response.early_hint"]
    assert sent_hints == [[LOCAL_CSS.encode()], [LOCAL_CSS.encode()]]
    # the 103s go out before the (held) start of the HTML response
    kinds = [m["type"] for m in sent]
    assert kinds.index("http.response.start") > kinds.index("http.response.early_hint")


async def test_trailers_are_gated() -> None:
    trailers = [(b"link", f"<{FB}>; rel=preload".encode()), (b"server-timing", b"db;dur=5")]
    sent = await _run(_app([], trailers=trailers, ctype=b"text/plain"))
    last = sent[-1]
    assert last["type"] == "http.response.trailers"
    assert last["headers"] == [(b"server-timing", b"db;dur=5")]


def test_split_values_follows_chromium() -> None:
    assert split_values('<a,b>; x="1,2", <c>,,  <d> ') == ['<a,b>; x="1,2"', "<c>", "<d>"]
    assert split_values('<a>; x="1\\",2", <b>') == ['<a>; x="1\\",2"', "<b>"]
    assert split_values('<a>; x="1\\\\",2') == ['<a>; x="1\\\\"', "2"]
    assert split_values("<a\\>, <b>") == ["<a\\>", "<b>"]  # no escapes inside <>
    assert split_values("") == []


def test_a_value_with_too_many_openers_is_dropped_unread() -> None:
    hostile = "<" * (MAX_OPENERS + 1) + "/x.js>; rel=preload"
    assert candidates(hostile) is None
    assert gate_fields([hostile.encode()], _blocked()) == []
    fine = "<" * MAX_OPENERS + "/x.js>; rel=preload"
    assert gate_fields([fine.encode()], _blocked()) is None


def test_a_matcher_error_drops_the_value() -> None:
    def broken(url: str) -> bool:
        raise RuntimeError("boom")

    assert gate_fields([b"</x.js>; rel=preload"], broken) == []


# -- properties ------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        f"<{FB}>",
        "<//connect.facebook.net/x.js>",
        "<https://www.facebook.com/tr>",
        "</own.js>",
        "<https://cdn.example/a,b.js>",
        "; rel=preload",
        "; as=script",
        '; title="a, b"',
        "; imagesrcset=",
        f" {PIXEL} 1x",
        "<https://connect\u3002facebook\u3002net/x.js>",
        ", ",
        ",",
        '"',
        "\\",
        "<",
        ">",
        ";",
        "=",
        " ",
        "\t",
        "x",
    ]
)


@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=3))
@settings(max_examples=300, deadline=None)
def test_gating_never_raises_keeps_no_vendor_and_is_idempotent(fields: list[str]) -> None:
    raw = [f.encode("utf-8") for f in fields]
    blocked = _blocked()
    out = gate_fields(raw, blocked)
    if out is None:
        out = raw
        kept = split_values(b", ".join(raw).decode("latin-1"))
    else:
        assert len(out) <= 1
        kept = split_values(out[0].decode("latin-1")) if out else []
        # every kept value is one of the input's values, byte for byte
        assert set(kept) <= set(split_values(b", ".join(raw).decode("latin-1")))
        assert gate_fields(out, blocked) is None  # idempotent
    # Every piece spelling a vendor starts a <...> span or a word: none may survive.
    assert "facebook" not in ", ".join(kept)
