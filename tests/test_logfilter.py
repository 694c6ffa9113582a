"""IPScrubFilter truncates addresses in log messages and args."""

from __future__ import annotations

import logging

import pytest

from privmw import ConfigurationError, IPScrubFilter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client 203.0.113.9", "client 203.0.113.0"),
        ("203.0.113.9:51234 - GET /", "203.0.113.0:0 - GET /"),
        ("[2001:db8:1:2::1]:443 closed", "[2001:db8:1::]:0 closed"),
        ("from 2001:db8:1:2::1.", "from 2001:db8:1::."),
        ("mapped ::ffff:10.1.2.3 ok", "mapped 10.1.2.0 ok"),
        ("nat64 64:ff9b::203.0.113.77", "nat64 64:ff9b::"),
        # uvicorn formats IPv6 clients as "%s:%d" with no brackets
        ("2001:db8:1:2::77:4711 - GET", "2001:db8:1:: - GET"),
        ("at 12:34:56 version 1.2.3.4.5 v1.2.3.4", "at 12:34:56 version 1.2.3.4.5 v1.2.3.4"),
        ("no addresses here", "no addresses here"),
        ("999.1.1.1 is not an address", "999.1.1.1 is not an address"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert IPScrubFilter().scrub(text) == expected


def test_filter_rewrites_uvicorn_access_args_and_keeps_the_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:4711", "GET", "/?ip=198.51.100.7", "1.1", 200),
        None,
    )
    assert IPScrubFilter().filter(record) is True
    assert record.getMessage() == '203.0.113.0:0 - "GET /?ip=198.51.100.0 HTTP/1.1" 200'


def test_filter_handles_dict_args_and_message() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "peer 198.51.100.7 %(who)s",
        ({"who": "2001:db8:9:8::1"},),
        None,
    )
    IPScrubFilter(ipv4_prefix=16, ipv6_prefix=32).filter(record)
    assert record.getMessage() == "peer 198.51.0.0 2001:db8::"


def test_filter_on_a_logger(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("privmw.test.scrub")
    scrub = IPScrubFilter()
    logger.addFilter(scrub)
    try:
        with caplog.at_level(logging.INFO, logger="privmw.test.scrub"):
            logger.info("login from %s", "203.0.113.9")
    finally:
        logger.removeFilter(scrub)
    assert caplog.messages == ["login from 203.0.113.0"]


def test_bad_prefix_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="IPScrubFilter: ipv4_prefix"):
        IPScrubFilter(ipv4_prefix=40)


# -- issue 14 item 6: every argument type, exceptions, listen lines, real servers ------

import collections  # noqa: E402
import ipaddress  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from privmw import scrub_server_logs  # noqa: E402
from privmw.logfilter import SERVER_LOGGERS  # noqa: E402

CLIENT = "203.0.113.77"
CLIENT6 = "2001:db8:1:2::77"
Peer = collections.namedtuple("Peer", "host port")


class Holder:
    def __str__(self) -> str:
        return f"Holder(peer={CLIENT})"

    __repr__ = __str__


def record(msg: object, args: Any = None, **extra: Any) -> logging.LogRecord:
    rec = logging.LogRecord("app", logging.INFO, __file__, 1, msg, args, None)
    rec.__dict__.update(extra)
    return rec


def formatted(rec: logging.LogRecord, fmt: str = "%(message)s") -> str:
    IPScrubFilter().filter(rec)
    return logging.Formatter(fmt).format(rec)


def has_full(text: str, address: str = CLIENT) -> bool:
    return re.search(rf"(?<![\w.:]){re.escape(address)}(?![\w]|\.\d)", text) is not None


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("scope=%s", ({"client": (CLIENT, 4711), "server": ("10.0.0.5", 8000)},)),
        ("%s", ([CLIENT, [CLIENT, {"k": CLIENT}]],)),
        ("%s", (CLIENT.encode(),)),
        ("%s", (bytearray(CLIENT.encode()),)),
        ("%r", ((b"x-forwarded-for", CLIENT.encode()),)),
        ("%s", ({CLIENT, "other"},)),
        ("%s", (frozenset({CLIENT}),)),
        ("%s", (Peer(CLIENT, 4711),)),
        ("%s", (Holder(),)),
        ("%s", (ipaddress.ip_address(CLIENT),)),
        ("%(who)s", ({"who": CLIENT},)),
        ({"event": "login", "ip": CLIENT}, None),
        ([CLIENT], None),
        (Holder(), None),
        ("peer %s:%d", (CLIENT, 4711)),
    ],
)
def test_every_argument_type_is_scrubbed(msg: object, args: Any) -> None:
    out = formatted(record(msg, args))
    assert not has_full(out), out
    assert "203.0.113.0" in out


def test_the_live_scope_uvicorn_logs_is_not_changed() -> None:
    scope = {"client": (CLIENT, 4711), "headers": [(b"x-real-ip", CLIENT.encode())]}
    rec = record("%s - ASGI [%d] Started scope=%s", (f"{CLIENT}:4711", 2, scope))
    out = formatted(rec)
    assert not has_full(out)
    assert scope == {"client": (CLIENT, 4711), "headers": [(b"x-real-ip", CLIENT.encode())]}


def test_extra_fields_and_stack_info_are_scrubbed() -> None:
    rec = record("login", None, client_ip=CLIENT, ctx={"peer": CLIENT6})
    rec.stack_info = f"Stack (most recent call last):\n  peer={CLIENT}"
    IPScrubFilter().filter(rec)
    assert rec.__dict__["client_ip"] == "203.0.113.0"
    assert rec.__dict__["ctx"] == {"peer": "2001:db8:1::"}
    assert not has_full(rec.stack_info)


def test_exception_text_is_scrubbed_and_the_raw_exception_dropped() -> None:
    try:
        raise ConnectionError(f"peer {CLIENT}:4711 reset, v6 [{CLIENT6}]:443")
    except ConnectionError:
        rec = logging.LogRecord("app", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    IPScrubFilter().filter(rec)
    assert rec.exc_info is None  # no formatter can render the raw one again
    out = logging.Formatter().format(rec)
    assert "ConnectionError: peer 203.0.113.0:0 reset, v6 [2001:db8:1::]:0" in out
    assert not has_full(out)
    assert CLIENT6 not in out


def test_exception_without_addresses_keeps_exc_info() -> None:
    try:
        raise ValueError("nothing here")
    except ValueError:
        rec = logging.LogRecord("app", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    IPScrubFilter().filter(rec)
    assert rec.exc_info is not None
    assert rec.exc_text is not None
    assert "ValueError: nothing here" in rec.exc_text


def test_deep_and_huge_args_are_bounded() -> None:
    deep: Any = CLIENT
    for _ in range(5000):
        deep = [deep]
    huge = [CLIENT] * 50_000
    out = formatted(record("%s %s", (deep, huge)))
    assert "<...>" in out
    assert not has_full(out)


# (logger, message, args, what must stay): the servers' own start-up lines
LISTEN = [
    (
        "uvicorn.error",
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)",
        ("http", "127.0.0.1", 8000),
        "http://127.0.0.1:8000",
    ),
    (
        "uvicorn.error",
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)",
        ("http", "[::1]", 8000),
        "http://[::1]:8000",
    ),
    (
        "hypercorn.error",
        "Running on http://127.0.0.1:8000 (CTRL + C to quit)",
        None,
        "http://127.0.0.1:8000",
    ),
    (
        "hypercorn.error",
        "Running on http://[::1]:8001 (CTRL + C to quit)",
        None,
        "http://[::1]:8001",
    ),
    (
        "gunicorn.error",
        "Listening at: %s (%s)",
        ("http://10.1.2.3:8000", 77),
        "http://10.1.2.3:8000",
    ),
    ("_granian", "Listening at: http://10.1.2.3:8000", None, "http://10.1.2.3:8000"),
]


@pytest.mark.parametrize(("logger", "msg", "args", "kept"), LISTEN)
def test_listen_addresses_are_kept(logger: str, msg: str, args: Any, kept: str) -> None:
    rec = logging.LogRecord(logger, logging.INFO, __file__, 1, msg, args, None)
    IPScrubFilter().filter(rec)
    assert kept in rec.getMessage()


@pytest.mark.parametrize(("logger", "msg", "args", "kept"), LISTEN)
def test_the_same_line_elsewhere_is_scrubbed(logger: str, msg: str, args: Any, kept: str) -> None:
    rec = logging.LogRecord("myapp", logging.INFO, __file__, 1, msg, args, None)
    IPScrubFilter().filter(rec)
    assert kept not in rec.getMessage()
    rec = logging.LogRecord(logger, logging.INFO, __file__, 1, msg, args, None)
    IPScrubFilter(keep_listen_addresses=False).filter(rec)
    assert kept not in rec.getMessage()


def test_a_client_line_on_a_server_logger_is_still_scrubbed() -> None:
    rec = logging.LogRecord(
        "uvicorn.error", 5, __file__, 1, "%sHTTP connection made", (f"{CLIENT}:4711 - ",), None
    )
    IPScrubFilter().filter(rec)
    assert rec.getMessage() == "203.0.113.0:0 - HTTP connection made"


def test_scrub_server_logs_attaches_once_to_every_server_logger() -> None:
    saved = {name: list(logging.getLogger(name).filters) for name in SERVER_LOGGERS}
    for name in SERVER_LOGGERS:  # start clean: other tests may have attached one
        for f in saved[name]:
            logging.getLogger(name).removeFilter(f)
    try:
        first = scrub_server_logs()
        second = scrub_server_logs()
        for name in SERVER_LOGGERS:
            filters = [f for f in logging.getLogger(name).filters if isinstance(f, IPScrubFilter)]
            assert filters == [first], name
        assert second is not first
    finally:
        for name in SERVER_LOGGERS:
            logger = logging.getLogger(name)
            logger.filters[:] = saved[name]


_address_texts = st.sampled_from(
    [
        CLIENT,
        f"{CLIENT}:4711",
        f"[::ffff:{CLIENT}]:80",
        CLIENT6,
        f"[{CLIENT6}]:443",
        CLIENT6.upper(),
    ]
)
_leaves = st.one_of(
    _address_texts,
    _address_texts.map(lambda a: f"peer={a};"),
    _address_texts.map(str.encode),
    st.integers(),
    st.none(),
    st.text(max_size=8),
    st.just(Holder()),
)
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=_values, how=st.sampled_from(["arg", "repr", "msg", "extra", "exc"]))
def test_any_value_holding_the_client_comes_out_truncated(value: Any, how: str) -> None:
    """Issue 14's property: a record built from any value, formatted, holds no full address."""
    if how == "arg":
        rec = record("value %s", (value,))
    elif how == "repr":
        rec = record("value %r", (value,))
    elif how == "msg":
        rec = record(value)
    elif how == "extra":
        rec = record("value", None, payload=value)
    else:
        try:
            raise RuntimeError(repr(value))
        except RuntimeError:
            rec = logging.LogRecord("app", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    out = formatted(rec, "%(message)s %(payload)s" if how == "extra" else "%(message)s")
    assert not has_full(out, CLIENT), out
    assert CLIENT6 not in out.lower()
