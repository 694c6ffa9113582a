from __future__ import annotations

import calendar
import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

import privmw.accesslog._writer as writer_module
import privmw.accesslog.useragent as useragent_module
from privmw import AccessLog, ConfigurationError, PrivacyMiddleware
from privmw._types import Message
from privmw.accesslog.redact import redact
from privmw.accesslog.useragent import coarse_user_agent
from privmw.disclosure.sections import access_log_section

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
TOKEN = "k9TzQ2mVx7LpR4wN8bJc3HfY6dGs1AeU"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEER = "203.0.113.9"
# 2026-11-22T07:24:35.5Z
NOON_ISH = calendar.timegm((2026, 11, 22, 7, 24, 35)) + 0.5
DAY = 86400.0


class FakeClock:
    def __init__(self, now: float = NOON_ISH) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_log() -> Iterator[Callable[..., AccessLog]]:
    logs: list[AccessLog] = []

    def make(**options: Any) -> AccessLog:
        log = AccessLog(**options)
        logs.append(log)
        return log

    yield make
    for log in logs:
        log.close()


async def _ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def _app(log: AccessLog, **options: Any) -> Starlette:
    app = Starlette(routes=[Route("/{rest:path}", _ok)])
    app.add_middleware(PrivacyMiddleware, access_log=log, **options)
    return app


async def _get(app: Any, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(PEER, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(url, headers=headers)


def _lines(directory: Path, log: AccessLog) -> list[str]:
    assert log.flush()
    out: list[str] = []
    for name in sorted(os.listdir(directory)):
        out += (directory / name).read_text().splitlines()
    return out


def _records(directory: Path, log: AccessLog) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _lines(directory, log)]


# --- the privacy promise -----------------------------------------------------------


@pytest.mark.parametrize(
    ("forwarded", "truncated", "secret_part"),
    [
        ("198.51.100.23", "198.51.100.0", "198.51.100.23"),
        ("2001:db8:1234:5678:9abc:def0:1234:5678", "2001:db8:1234::", "5678"),
    ],
)
async def test_record_holds_no_address_email_token_or_raw_user_agent(
    tmp_path: Path,
    make_log: Callable[..., AccessLog],
    forwarded: str,
    truncated: str,
    secret_part: str,
) -> None:
    log = make_log(directory=tmp_path)
    app = _app(log, trusted_proxies=[PEER])
    response = await _get(
        app,
        f"/account?email=alice@example.com&token={TOKEN}",
        {
            "x-forwarded-for": forwarded,
            "user-agent": CHROME,
            "cookie": "session=cookie-secret-value",
            "referer": "https://example.org/?u=alice@example.com",
        },
    )
    assert response.status_code == 200
    lines = _lines(tmp_path, log)
    assert len(lines) == 1
    line = lines[0]
    for leak in (
        forwarded,
        secret_part,
        PEER,
        "alice",
        "example.com",
        TOKEN,
        CHROME,
        "Mozilla",
        "KHTML",
        "cookie-secret-value",
        "example.org",
    ):
        assert leak not in line
    record = json.loads(line)
    assert record["client"] == truncated
    assert record["browser"] == "Chrome"
    assert record["browser_version"] == "126"
    assert record["os"] == "Linux"
    assert record["device"] == "pc"
    assert record["bot"] is False
    assert record["path"] == "/account"
    assert "query" not in record
    assert record["status"] == 200
    assert record["bytes"] == 2
    assert record["method"] == "GET"
    assert record["type"] == "http"
    assert record["time"] == record["time"][:19] + "Z"


async def test_query_allow_list_keeps_named_params_with_values_redacted(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    log = make_log(directory=tmp_path, query_allow=("page", "q"))
    await _get(_app(log), f"/search?page=2&q=alice%40example.com&token={TOKEN}&x=1")
    (record,) = _records(tmp_path, log)
    assert record["query"] == "page=2&q=[email]"
    assert TOKEN not in json.dumps(record)


async def test_path_segments_are_redacted(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    log = make_log(directory=tmp_path)
    await _get(_app(log), f"/users/bob@example.net/reset/{TOKEN}/from/192.0.2.44")
    (record,) = _records(tmp_path, log)
    assert record["path"] == "/users/[email]/reset/[token]/from/[ip]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/", "/"),
        ("/blog/2024-annual-report-of-the-year", "/blog/2024-annual-report-of-the-year"),
        ("/items/42", "/items/42"),
        ("/static/app.3f9a.js", "/static/app.3f9a.js"),
        ("/u/alice@example.com", "/u/[email]"),
        ("/u/first.last+tag@mail.example.co.uk/x", "/u/[email]/x"),
        ("/@alice@mastodon.social", "/@[email]"),
        (f"/reset/{TOKEN}", "/reset/[token]"),
        (f"/auth/{JWT}", "/auth/[token]"),
        ("/o/123e4567-e89b-12d3-a456-426614174000", "/o/[token]"),
        ("/c/4111111111111111", "/c/[token]"),
        ("/k/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "/k/[token]"),
        ("/s/8x4jzq0t7bm2k5y9w1c3v6n0p2l4r8s7", "/s/[token]"),
        ("/ip/203.0.113.77", "/ip/[ip]"),
        ("/ip/2001:db8::17/x", "/ip/[ip]/x"),
        ("/v/1.2.3", "/v/1.2.3"),
        ("/version/999.999.999.999", "/version/999.999.999.999"),
        # 26 letters of one case that do not read as words: random-looking
        # (a base32 secret without digits looks the same). Words stay:
        ("abcdefghijklmnopqrstuvwxyz", "[token]"),
        ("howtomakesourdoughbread", "howtomakesourdoughbread"),
    ],
)
def test_redaction_table(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redaction_is_linear_on_hostile_input() -> None:
    hostile = "a." * 20000 + "@"
    assert redact(hostile) == hostile  # returns (quickly) without a match


# --- coarse user agent -------------------------------------------------------------


@pytest.mark.parametrize(
    ("ua", "browser", "device", "bot"),
    [
        (CHROME, "Chrome", "pc", False),
        (IPHONE, "Mobile Safari", "mobile", False),
        (GOOGLEBOT, "Googlebot", "other", True),
    ],
)
def test_coarse_user_agent(ua: str, browser: str, device: str, bot: bool) -> None:
    info = coarse_user_agent(ua)
    assert info["browser"] == browser
    assert info["device"] == device
    assert info["bot"] is bot
    assert ua not in json.dumps(info)


async def test_user_agent_cache_is_bounded(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    log = make_log(directory=tmp_path, ua_cache_size=2)
    app = _app(log)
    for ua in (CHROME, IPHONE, GOOGLEBOT, "curl/8.0", CHROME):
        await _get(app, "/", {"user-agent": ua})
    records = _records(tmp_path, log)
    assert [r["browser"] for r in records] == [
        "Chrome",
        "Mobile Safari",
        "Googlebot",
        "curl",
        "Chrome",
    ]
    assert log.cache_info().entries == 2


# --- formats and granularity -----------------------------------------------------


async def test_combined_log_format(tmp_path: Path, make_log: Callable[..., AccessLog]) -> None:
    log = make_log(directory=tmp_path, format="combined", clock=FakeClock())
    await _get(_app(log), "/x y?email=alice@example.com", {"user-agent": CHROME})
    (line,) = _lines(tmp_path, log)
    assert line == (
        '203.0.113.0 - - [22/Nov/2026:07:24:35 +0000] "GET /x%20y HTTP/1.1" 200 2 "-" '
        '"Chrome/126 (Linux; pc)"'
    )


async def test_combined_escapes_quotes_in_the_method(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    log = make_log(directory=tmp_path, format="combined")
    sent: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message: Message) -> None:
        sent.append(message)

    scope = _scope(method='GE"T', path='/a"b\\c')
    await PrivacyMiddleware(app, access_log=log)(scope, _receive, send)
    (line,) = _lines(tmp_path, log)
    assert line.endswith(' "GE\\"T /a%22b%5Cc HTTP/1.1" 204 - "-" "Chrome/126 (Linux; pc)"')
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [204]


@pytest.mark.parametrize(
    ("granularity", "stamp"),
    [
        ("second", "2026-11-22T07:24:35Z"),
        ("minute", "2026-11-22T07:24:00Z"),
        ("hour", "2026-11-22T07:00:00Z"),
        ("day", "2026-11-22"),
    ],
)
async def test_timestamp_granularity(
    tmp_path: Path, make_log: Callable[..., AccessLog], granularity: str, stamp: str
) -> None:
    log = make_log(directory=tmp_path, clock=FakeClock(), timestamp_granularity=granularity)
    await _get(_app(log), "/")
    (record,) = _records(tmp_path, log)
    assert record["time"] == stamp


async def test_logger_destination(make_log: Callable[..., AccessLog]) -> None:
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger = logging.getLogger("test.privmw.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = Keep()
    logger.addHandler(handler)
    try:
        log = make_log(logger=logger)
        await _get(_app(log), "/hello", {"user-agent": CHROME})
        assert log.flush()
    finally:
        logger.removeHandler(handler)
    (line,) = seen
    assert json.loads(line)["path"] == "/hello"
    assert "Mozilla" not in line


async def test_streamed_response_gives_one_record_with_all_bytes(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    async def chunks() -> Any:
        for part in (b"abc", b"defg", b""):
            yield part

    async def stream(request: Request) -> Response:
        return StreamingResponse(chunks())

    log = make_log(directory=tmp_path)
    app = Starlette(routes=[Route("/s", stream)])
    app.add_middleware(PrivacyMiddleware, access_log=log)
    response = await _get(app, "/s")
    assert response.content == b"abcdefg"
    (record,) = _records(tmp_path, log)
    assert record["bytes"] == 7


# --- retention -----------------------------------------------------------------


def _day(offset: int) -> str:
    return time_day(NOON_ISH + offset * DAY)


def time_day(ts: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).date().isoformat()


def test_retention_at_start_up(tmp_path: Path, make_log: Callable[..., AccessLog]) -> None:
    for offset in (-30, -8, -7, -6, -1, 0):
        (tmp_path / f"access-{_day(offset)}.log").write_text("x\n")
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "access-9999-99-99.log").write_text("not a date")
    log = make_log(directory=tmp_path, retention_days=7, clock=FakeClock())
    log.start()
    assert log.flush()
    left = sorted(os.listdir(tmp_path))
    assert left == sorted(
        [
            f"access-{_day(-6)}.log",
            f"access-{_day(-1)}.log",
            f"access-{_day(0)}.log",
            "notes.txt",
            "access-9999-99-99.log",
        ]
    )


async def test_retention_at_rotation(tmp_path: Path, make_log: Callable[..., AccessLog]) -> None:
    clock = FakeClock()
    log = make_log(directory=tmp_path, retention_days=2, clock=clock)
    app = _app(log)
    await _get(app, "/first")
    assert log.flush()
    assert os.listdir(tmp_path) == [f"access-{_day(0)}.log"]

    clock.now += DAY  # next day: yesterday's file is inside the 2 days
    await _get(app, "/second")
    assert log.flush()
    assert sorted(os.listdir(tmp_path)) == [f"access-{_day(0)}.log", f"access-{_day(1)}.log"]

    clock.now += DAY  # the first file is now older than 2 days: the writer deletes it
    assert log.flush()
    assert sorted(os.listdir(tmp_path)) == [f"access-{_day(1)}.log"]
    assert "/second" in (tmp_path / f"access-{_day(1)}.log").read_text()


# --- failure modes ------------------------------------------------------------


async def test_unwritable_directory_serves_requests_and_warns_once(
    tmp_path: Path, make_log: Callable[..., AccessLog], caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a regular file")
    log = make_log(directory=blocker / "logs")
    app = _app(log)
    with caplog.at_level(logging.WARNING, logger="privmw.accesslog"):
        for _ in range(3):
            response = await _get(app, "/")
            assert response.status_code == 200
            assert log.flush()
    warnings = [r for r in caplog.records if r.name == "privmw.accesslog"]
    assert len(warnings) == 1
    assert "requests are still served" in warnings[0].getMessage()


def _scope(method: str = "GET", path: str = "/", kind: str = "http") -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": kind,
        "path": path,
        "query_string": b"",
        "headers": [(b"user-agent", CHROME.encode())],
        "client": (PEER, 4711),
        "http_version": "1.1",
    }
    if kind == "http":
        scope["method"] = method
    return scope


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def test_app_error_before_the_response_is_logged_as_500(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    async def boom(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async def send(message: Message) -> None:
        pass

    log = make_log(directory=tmp_path)
    with pytest.raises(RuntimeError):
        await PrivacyMiddleware(boom, access_log=log)(_scope(), _receive, send)
    (record,) = _records(tmp_path, log)
    assert record["status"] == 500


async def test_malformed_input_still_gives_valid_json(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x"})

    async def send(message: Message) -> None:
        pass

    log = make_log(directory=tmp_path)
    scope = _scope(path='/q"\\\x00\u00e9\n')
    scope["headers"] = [(b"user-agent", b"\xff\xfe\x00garbage\"'")]
    await PrivacyMiddleware(app, access_log=log)(scope, _receive, send)
    (record,) = _records(tmp_path, log)
    assert record["path"] == '/q"\\\x00\u00e9\n'
    assert record["browser"] == "Other"


# --- websockets -----------------------------------------------------------------


async def test_websocket_session_gives_one_record(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    incoming: list[Message] = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hello"},
        {"type": "websocket.receive", "bytes": b"\x00\x01"},
        {"type": "websocket.disconnect", "code": 1000},
    ]

    async def receive() -> Message:
        return incoming.pop(0)

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if "text" in message:
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    log = make_log(directory=tmp_path)
    mw = PrivacyMiddleware(echo, access_log=log, trusted_proxies=[])
    await mw(_scope(path="/ws", kind="websocket"), receive, send)
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send", "websocket.send"]
    (record,) = _records(tmp_path, log)
    assert record["type"] == "websocket"
    assert record["path"] == "/ws"
    assert record["status"] == 101
    assert record["bytes"] == 7
    assert record["client"] == "203.0.113.0"


async def test_websocket_refused_is_logged_as_403(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.close", "code": 1008})

    async def send(message: Message) -> None:
        pass

    log = make_log(directory=tmp_path)
    await PrivacyMiddleware(refuse, access_log=log)(_scope(kind="websocket"), _receive, send)
    (record,) = _records(tmp_path, log)
    assert record["status"] == 403


# --- configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "exactly one of directory= "),
        ({"directory": "x", "logger": "y"}, "got both"),
        ({"directory": 5}, "directory must be a path"),
        ({"directory": ""}, "directory must not be empty"),
        ({"logger": 3}, "logger must be a logging.Logger"),
        ({"directory": "x", "retention_days": 0}, "retention_days must be an int from 1"),
        ({"directory": "x", "retention_days": 1.5}, "got 1.5"),
        ({"directory": "x", "format": "xml"}, 'format must be "json" or "combined"'),
        ({"directory": "x", "timestamp_granularity": "ms"}, "timestamp_granularity"),
        ({"directory": "x", "query_allow": "page"}, "write ('page',)"),
        ({"directory": "x", "query_allow": [""]}, "non-empty strings"),
        ({"directory": "x", "query_allow": 3}, "sequence of parameter names"),
        ({"directory": "x", "clock": 3}, "clock must be a callable"),
        ({"directory": "x", "ua_cache_size": 0}, "ua_cache_size"),
    ],
)
def test_bad_options_raise_configuration_error(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)) as info:
        AccessLog(**options)
    assert str(info.value).startswith("AccessLog: ")


def test_middleware_rejects_a_non_accesslog() -> None:
    message = re.escape("access_log must be a privmw.AccessLog")
    with pytest.raises(ConfigurationError, match=message):
        PrivacyMiddleware(_ok, access_log="logs")  # type: ignore[arg-type]


def test_repr_and_frozen() -> None:
    log = AccessLog(directory="logs", retention_days=3, format="combined", query_allow=["p"])
    assert repr(log) == (
        "AccessLog(directory='logs', retention_days=3, format='combined', query_allow=('p',))"
    )
    assert repr(AccessLog(logger="app.access")) == "AccessLog(logger='app.access')"
    with pytest.raises(AttributeError):
        log.retention_days = 9  # type: ignore[misc]


def test_describe_follows_the_options() -> None:
    seven = AccessLog(directory="logs")
    three = AccessLog(directory="logs", retention_days=3, query_allow=("page",))
    handed = AccessLog(logger="app.access", timestamp_granularity="hour")
    facts = access_log_section(seven).to_dict()
    assert set(facts) >= {"title", "purpose", "data", "retention", "details"}
    assert "7 days" in str(facts["retention"])
    assert "3 days" in access_log_section(three).retention
    assert "page" in json.dumps(access_log_section(three).data)
    assert "query string is dropped" in json.dumps(facts["data"])
    assert "operator" in access_log_section(handed).retention
    assert "hour" in json.dumps(access_log_section(handed).to_dict())
    assert "logs" not in json.dumps(facts)  # the server's paths are not published


def test_records_are_written_at_interpreter_exit_without_close(tmp_path: Path) -> None:
    script = f"""
import asyncio
from privmw import AccessLog, PrivacyMiddleware

async def app(scope, receive, send):
    await send({{"type": "http.response.start", "status": 200, "headers": []}})
    await send({{"type": "http.response.body", "body": b"ok"}})

async def main():
    mw = PrivacyMiddleware(app, access_log=AccessLog(directory={str(tmp_path)!r}))
    async def receive():
        return {{"type": "http.request"}}
    async def send(message):
        pass
    for i in range(50):
        scope = {{"type": "http", "method": "GET", "path": f"/{{i}}", "headers": [],
                 "client": ("127.0.0.1", 1), "query_string": b""}}
        await mw(scope, receive, send)

asyncio.run(main())
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)
    (name,) = os.listdir(tmp_path)
    lines = (tmp_path / name).read_text().splitlines()
    assert [json.loads(line)["path"] for line in lines] == [f"/{i}" for i in range(50)]


async def test_backlog_limit_drops_records_and_warns_once(
    tmp_path: Path,
    make_log: Callable[..., AccessLog],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer_module, "MAX_BACKLOG", 0)
    log = make_log(directory=tmp_path)
    app = _app(log)
    with caplog.at_level(logging.WARNING, logger="privmw.accesslog"):
        for _ in range(3):
            assert (await _get(app, "/")).status_code == 200
    assert _lines(tmp_path, log) == []
    assert len([r for r in caplog.records if r.name == "privmw.accesslog"]) == 1


async def test_cold_user_agent_parses_are_rate_limited(
    tmp_path: Path, make_log: Callable[..., AccessLog], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(useragent_module, "PARSES_PER_SECOND", 1)
    log = make_log(directory=tmp_path, clock=lambda: 1000.0)
    app = _app(log)
    for ua in (CHROME, IPHONE):
        await _get(app, "/", {"user-agent": ua})
    records = _records(tmp_path, log)
    assert records[0]["browser"] == "Chrome"
    # Over budget within the same second: logged as unknown, never as the raw string.
    assert records[1]["browser"] is None
    assert records[1]["device"] is None


async def test_pathsend_and_client_disconnect(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    async def file_app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-length", b"1234")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": "/srv/file"})

    async def chunked_app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 206, "headers": []})
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        await send({"type": "http.response.body", "body": b"def", "more_body": True})

    async def send(message: Message) -> None:
        pass

    async def gone(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("client went away")

    log = make_log(directory=tmp_path)
    await PrivacyMiddleware(file_app, access_log=log)(_scope(path="/f"), _receive, send)
    with pytest.raises(OSError, match="went away"):
        await PrivacyMiddleware(chunked_app, access_log=log)(_scope(path="/c"), _receive, gone)
    first, second = _records(tmp_path, log)
    assert (first["path"], first["status"], first["bytes"]) == ("/f", 200, 1234)
    assert (second["path"], second["status"], second["bytes"]) == ("/c", 206, 3)


async def test_start_flush_close_are_idempotent_and_restartable(
    tmp_path: Path, make_log: Callable[..., AccessLog]
) -> None:
    """The middleware may start and stop the log from the ASGI lifespan, any number of times."""
    log = make_log(directory=tmp_path, clock=FakeClock())
    assert log.flush()  # nothing started yet: nothing to wait for
    log.close()  # closing a log that never started is a no-op
    log.start()
    log.start()
    app = _app(log)
    await _get(app, "/one")
    assert log.flush()
    log.close()
    log.close()
    assert log.flush()
    # A record after close() starts a new writer; start() after close() does too.
    await _get(app, "/two")
    log.close()
    log.start()
    await _get(app, "/three")
    assert [r["path"] for r in _records(tmp_path, log)] == ["/one", "/two", "/three"]
    thread = log._writer._thread
    assert isinstance(thread, threading.Thread)
    assert thread.is_alive()
    log.close()
    assert not thread.is_alive()
