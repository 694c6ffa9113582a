"""Coarse user agents on real strings, against today's output and an independent oracle.

``tests/data/user_agents.tsv`` holds 89 real user agents (desktop, mobile,
tablet, TV, console, 37 bots) with their sources, the coarse classes the
``user-agents`` package gave (the "before" column) and privmw's, with the
reason for every difference.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ua_parser import Domain

import privmw.accesslog.useragent as useragent
from privmw.accesslog.formats import ua_json
from privmw.accesslog.useragent import (
    DEVICE_CLASSES,
    FAMILY_MAX,
    UA_MAX,
    UserAgents,
    coarse_user_agent,
    device_class,
    is_bot,
)

TABLE = Path(__file__).parent.parent / "data" / "user_agents.tsv"
Coarse = tuple[str | None, str | None, str | None, str | None, bool]


class Row(NamedTuple):
    kind: str
    source: str
    ua: str
    before: Coarse
    after: Coarse
    why: str


def _coarse(field: str) -> Coarse:
    browser, major, os_, device, bot = (part or None for part in field.split("|"))
    return (browser, major, os_, device, bot == "bot")


def _rows() -> list[Row]:
    rows: list[Row] = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        kind, source, ua, before, after, why = line.split("\t")
        old = _coarse(before)
        rows.append(Row(kind, source, ua, old, old if after == "=" else _coarse(after), why))
    return rows


ROWS = _rows()


def _as_tuple(info: dict[str, object]) -> Coarse:
    bot = info["bot"]
    assert isinstance(bot, bool)
    fields = [info[k] for k in ("browser", "browser_version", "os", "device")]
    assert all(f is None or isinstance(f, str) for f in fields)
    return (*fields, bot)  # type: ignore[return-value]


def test_the_table_covers_what_the_issue_asks() -> None:
    kinds = [row.kind for row in ROWS]
    assert len(ROWS) >= 50
    assert kinds.count("bot") >= 20
    for kind in ("desktop", "mobile", "tablet", "tv", "console"):
        assert kind in kinds
    assert len({row.ua for row in ROWS}) == len(ROWS)
    sources = TABLE.read_text(encoding="utf-8").split("# Sources", 1)[1].split("\n\n", 1)[0]
    for row in ROWS:
        assert f"#   {row.source} " in sources, row.source
        # A difference is explained, and only a difference.
        assert bool(row.why) == (row.before != row.after), row.ua


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.kind}-{i}" for i, r in enumerate(ROWS)])
def test_coarse_classes_of_real_user_agents(row: Row) -> None:
    info = coarse_user_agent(row.ua)
    assert _as_tuple(info) == row.after
    assert row.ua not in json.dumps(info)


def test_before_column_is_what_user_agents_gave() -> None:
    """The recorded "before" column is the old package's real output.

    Runs where the benchmark extra is installed (``make .venv/.bench``): the
    old parser is kept there only, to measure it side by side.
    """
    user_agents = pytest.importorskip("user_agents", reason="the bench extra is not installed")
    for row in ROWS:
        parsed: Any = user_agents.parse(row.ua)
        version = parsed.browser.version
        if parsed.is_tablet:
            device = "tablet"
        elif parsed.is_mobile:
            device = "mobile"
        elif parsed.is_pc:
            device = "pc"
        else:
            device = "other"
        old = (
            str(parsed.browser.family),
            str(version[0]) if version else None,
            str(parsed.os.family),
            device,
            bool(parsed.is_bot),
        )
        assert old == row.before, row.ua


@functools.cache
def _pure_python() -> Any:
    from ua_parser import load_builtins
    from ua_parser.basic import Resolver

    return Resolver(load_builtins())


# Where ua-parser's pure-Python reference resolver and the native one disagree:
# uap-core's crawler rule ``^.{0,100}(bot|...)`` finds the marker within the
# first 100 characters in Python's ``re``; the native resolver relaxes bounds
# of 100 and more (see test_native_resolver_relaxes_large_bounds).
_MARKER_PAST_100 = ("Applebot/0.1", "ChatGPT-User/1.0")


def test_native_resolver_agrees_with_the_pure_python_reference() -> None:
    """An independent oracle: ua-parser's own pure-Python resolver, same rules."""
    native = useragent.resolver()
    reference = _pure_python()
    for row in ROWS:
        got, want = native(row.ua, Domain.ALL), reference(row.ua, Domain.ALL)
        assert got.user_agent == want.user_agent, row.ua
        assert got.os == want.os, row.ua
        if any(marker in row.ua for marker in _MARKER_PAST_100):
            assert want.device is None or want.device.family != "Spider"
            assert got.device is not None
            assert got.device.family == "Spider"
        else:
            assert got.device == want.device, row.ua


def test_native_resolver_relaxes_large_bounds() -> None:
    import ua_parser_rs

    def spider(bound: int, ua: str) -> bool:
        rules = [(f"^.{{0,{bound}}}(bot)", None, "Spider", "Spider", None)]
        return ua_parser_rs.DeviceExtractor(rules).extract(ua) is not None

    far = "x" * 300 + "bot"
    assert not spider(99, far)
    assert spider(100, far)
    assert spider(99, "x" * 50 + "bot")


# --- the rules on their own -----------------------------------------------------

CUBOT = (
    "Mozilla/5.0 (Linux; Android 4.2.2; CUBOT X6 Build/JDQ39) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/34.0.1847.114 Mobile Safari/537.36"
)
IE_TOUCH_PC = (
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0; Touch; Tablet PC 2.0)"
)
NEST_HUB = (
    "Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/90.0.4430.225 Safari/537.36 CrKey/1.56.500000 DeviceType/SmartSpeaker"
)
NOKIA_CRAWLER = (
    "Nokia6680/1.0 ((4.04.07) SymbianOS/8.0 Series60/2.6 Profile/MIDP-2.0 "
    "Configuration/CLDC-1.1 (for mobile crawler) )"
)


@pytest.mark.parametrize(
    ("ua", "device", "bot"),
    [
        (CUBOT, "mobile", False),  # a phone brand ending in "bot"
        (IE_TOUCH_PC, "pc", False),  # "Tablet PC 2.0": a touch-capable Windows PC
        (NEST_HUB, "other", False),  # a Chromecast smart display is not a TV
        (NOKIA_CRAWLER, "mobile", True),  # "crawler)" marker; MIDP is a phone
        ("Mozilla/5.0 (compatible; Foo-Crawler/1.0)", "other", True),
        ("Mozilla/5.0 (compatible; examplebot; +https://example.org/bot)", "other", True),
        ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "other", True),
        ("MyApp/1.0 (Linux; Android 14; Pixel 8)", "mobile", False),  # no Safari/: an app
        ("Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15", "console", False),
        ("", "other", False),
    ],
)
def test_marker_rules(ua: str, device: str, bot: bool) -> None:
    info = coarse_user_agent(ua)
    assert (info["device"], info["bot"]) == (device, bot)


def test_rules_read_only_what_they_are_given() -> None:
    assert device_class("", "Roku", "Other", "") == "tv"
    assert device_class("", "Chromecast SmartSpeaker", "Chromecast", "Google") == "other"
    assert device_class("", "Other", "PlayStation 5", "Sony") == "console"
    assert device_class("", "iOS", "iPad", "Apple") == "tablet"
    assert device_class("", "iOS", "iPhone", "Apple") == "mobile"
    assert device_class("", "Fedora", "Other", "") == "pc"
    assert device_class("", "Other", "Other", "") == "other"
    assert is_bot("", "Spider")
    assert not is_bot("", "Other")


# --- hostile input ------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=700))
def test_any_text_gives_bounded_coarse_fields(ua: str) -> None:
    info = coarse_user_agent(ua)
    assert info["device"] in DEVICE_CLASSES
    assert isinstance(info["bot"], bool)
    for key in ("browser", "browser_version", "os"):
        value = info[key]
        assert value is None or (isinstance(value, str) and len(value) <= FAMILY_MAX)
    ua_json(info)  # renders


def test_a_huge_user_agent_is_cut_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = useragent.resolver()

    def spy(ua: str, domains: Domain) -> Any:
        seen.append(len(ua))
        return real(ua, domains)

    monkeypatch.setattr(useragent, "_resolver", spy)
    hostile = "Mozilla/5.0 (" + "a;" * 500_000 + ") bot"
    info = coarse_user_agent(hostile)
    assert seen == [UA_MAX]
    assert info["device"] in DEVICE_CLASSES


def test_cache_is_bounded_in_entries_and_bytes() -> None:
    agents = UserAgents(8, ua_json, clock=lambda: 0.0)
    for i in range(40):
        agents.text(f"Mozilla/5.0 (X11; Linux x86_64) Firefox/{i}.0 " + "x" * 2000)
    info = agents.cache_info()
    assert info.entries <= 8
    assert info.bytes <= info.max_bytes <= 8 * (UA_MAX + 128)


def test_the_resolver_is_built_once() -> None:
    useragent.load_parser()
    first = useragent.resolver()
    useragent.load_parser()
    assert useragent.resolver() is first
    assert useragent.is_native()


def test_the_pure_python_fallback_gets_the_lower_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(useragent, "PARSES_PER_SECOND_PURE_PYTHON", 2)
    useragent.resolver()
    monkeypatch.setattr(useragent, "_native", False)
    agents = UserAgents(100, ua_json, clock=lambda: 5.0)
    texts = [agents.text(f"curl/8.{i}.0") for i in range(4)]
    assert [t == agents.unknown for t in texts] == [False, False, True, True]
