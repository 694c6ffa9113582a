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
