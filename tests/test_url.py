"""``privmw._url``: the URL a browser fetches, against the URL Standard's own test data.

Three kinds of check:

* the web-platform-tests URL data (``urltestdata.json``, ``IdnaTestV2.json``,
  ``toascii.json``), when present (see :func:`_wpt_dir`);
* tables of tricky inputs, one per way a hand-written host/path reader goes
  wrong, each row the host/path Chromium fetches;
* properties: the fast paths agree with the full parse, nothing raises, and
  browser-equivalent respellings of real tracker URLs give the canonical
  host/path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privmw import _url
from privmw._url import (
    Base,
    Resolved,
    _resolve_full,
    document_base,
    host_path,
    parse_base,
    query_param,
    resolve,
)
from tests.conftest import shared_data

DOC = "https://shop.example/catalog/item.html?page=2#top"

# -- web-platform-tests data --------------------------------------------------


def _wpt_dir() -> Path | None:
    """Where the WPT URL files are: ``$PRIVMW_WPT_URL_DIR``, else ``shared/data/wpt-url``
    beside the clone (third-party data is kept there, not in the repository)."""
    env = os.environ.get("PRIVMW_WPT_URL_DIR")
    if env:
        return Path(env)
    return shared_data("wpt-url")


def _wpt(name: str) -> list[dict[str, Any]]:
    folder = _wpt_dir()
    if folder is None or not (folder / name).is_file():
        pytest.skip(f"WPT URL data not found ({name}): set PRIVMW_WPT_URL_DIR")
    with (folder / name).open(encoding="utf-8") as f:
        data = json.load(f)
    return [entry for entry in data if isinstance(entry, dict)]


_IPV4 = re.compile(r"[0-9]+(?:\.[0-9]+){3}")
_UNRESERVED_PCT = re.compile(r"%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[DdEe]|5[Ff]|7[Ee])")


def _expected_host_path(entry: dict[str, Any]) -> str | None:
    """What :func:`host_path` must answer for a WPT entry, from its expected parts."""
    scheme = entry["protocol"][:-1]
    hostname = entry["hostname"]
    if scheme == "blob":
        return None  # checked separately: the inner URL's origin
    if scheme not in ("http", "https", "ws", "wss") or not hostname.strip("."):
        return None
    if hostname.startswith("[") or _IPV4.fullmatch(hostname):
        return None
    path = _UNRESERVED_PCT.sub(lambda m: chr(int(m.group()[1:], 16)), entry["pathname"])
    return str(hostname).rstrip(".") + path.lower()


def _run_urltestdata(entries: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """(run, skipped, failures) of every urltestdata entry through resolve/host_path."""
    run = skipped = 0
    failures: list[str] = []
    for entry in entries:
        value, base = entry["input"], entry.get("base")
        stripped = value.strip("".join(map(chr, range(33)))).replace("\t", "")
        stripped = stripped.replace("\n", "").replace("\r", "")
        if base is None and len(stripped) >= 2 and set(stripped[:2]) <= {"/", "\\"}:
            # Unknown base is not "no base": privmw resolves a scheme-relative
            # value against an assumed http(s) document, where WPT expects failure.
            skipped += 1
            continue
        run += 1
        got = resolve(value, base)
        if entry.get("failure"):
            if got is not None or host_path(value, base) is not None:
                failures.append(f"{value!r} on {base!r}: expected failure, got {got}")
            continue
        want = Resolved(
            entry["protocol"][:-1],
            entry["hostname"].rstrip("."),
            entry["port"],
            entry["pathname"],
            entry["search"][1:],
            entry["hostname"].startswith("[") or bool(_IPV4.fullmatch(entry["hostname"])),
        )
        if want.scheme not in ("http", "https", "ws", "wss", "ftp", "file"):
            want = want._replace(ip=want.host.startswith("["))
        if got != want:
            failures.append(f"{value!r} on {base!r}: {got} != {want}")
            continue
        hp = host_path(value, base)
        if want.scheme != "blob" and hp != _expected_host_path(entry):
            failures.append(f"{value!r} on {base!r}: host_path {hp!r}")
    return run, skipped, failures


def test_wpt_urltestdata() -> None:
    run, skipped, failures = _run_urltestdata(_wpt("urltestdata.json"))
    assert run > 800
    assert skipped < 30
    assert not failures, "\n".join(failures)


def _host_entries(name: str) -> Iterator[tuple[str, str | None]]:
    for entry in _wpt(name):
        if entry["input"]:  # "" cannot be tested through a URL (nor does WPT)
            yield entry["input"], entry["output"]


@pytest.mark.parametrize("name", ["IdnaTestV2.json", "toascii.json"])
def test_wpt_idna_hosts(name: str) -> None:
    failures = []
    count = 0
    for value, output in _host_entries(name):
        count += 1
        got = resolve(f"https://{value}/x")
        host = None if got is None else got.host
        want = None if output is None else output.rstrip(".")
        if host != want:
            failures.append(f"{value!r}: {host!r} != {want!r}")
    assert count > 50
    assert not failures, "\n".join(failures[:50])


# -- tables: what the browser fetches -----------------------------------------

# 1. Three or more leading slashes or backslashes, in any mix: after a special
#    scheme (or against a special base) the parser skips all of them.
THREE_SLASHES = "///connect.facebook.net/en_US/fbevents.js"
SLASH_BACKSLASH_SLASH = "/\\/connect.facebook.net/en_US/fbevents.js"
BACKSLASHES_SLASH = "\\\\/connect.facebook.net/en_US/fbevents.js"
SCHEME_MANY_SLASHES = "https:////\\\\connect.facebook.net/en_US/fbevents.js"
SCHEME_NO_SLASHES = "https:connect.facebook.net/en_US/fbevents.js"  # no base: special authority
# 2. Code points IDNA maps to nothing (UTS #46 "ignored"), raw or percent-encoded.
SOFT_HYPHEN = "https://connect.face\u00adbook.net/en_US/fbevents.js"
ZERO_WIDTH_SPACE = "https://connect.face\u200bbook.net/en_US/fbevents.js"
WORD_JOINER = "https://connect.face\u2060book.net/en_US/fbevents.js"
BOM = "https://connect.\ufefffacebook.net/en_US/fbevents.js"
VARIATION_SELECTOR = "https://connect.facebook\ufe0f.net/en_US/fbevents.js"
SOFT_HYPHEN_ESCAPED = "https://connect.face%C2%ADbook.net/en_US/fbevents.js"
# 3. Ideographic and fullwidth full stops are dots, also as the trailing dot.
IDEOGRAPHIC_STOPS = "https://connect\u3002facebook\uff0enet\uff61/en_US/fbevents.js"
IDEOGRAPHIC_STOP_ESCAPED = "https://connect%E3%80%82facebook.net/en_US/fbevents.js"
# 4. IDNA mappings newer than Python's Unicode tables (UTS #46 for Unicode 15.1
#    maps the Hangul fillers to nothing; Python 3.11's NFKC keeps them).
HANGUL_FILLER = "https://connect.face\u3164book.net/en_US/fbevents.js"
HALFWIDTH_HANGUL_FILLER = "https://connect.face\uffa0book.net/en_US/fbevents.js"
# 5. IPv4 spellings: the host is an address (no vendor), and a host that ends
#    in a number but is no address is a failure (nothing is fetched).
IPV4_HEX_SHORT = "https://0x7f.1/x.js"
IPV4_ONE_NUMBER = "http://2130706433/x.js"
ENDS_IN_NUMBER = "https://connect.facebook.net.09/x.js"
ENDS_IN_HEX = "https://connect.facebook.net.0x/x.js"
# 6. Dot segments, plain and percent-encoded, in absolute and relative URLs.
DOT_SEGMENT = "https://www.facebook.com/./tr?id=1"
DOT_DOT_SEGMENT = "https://www.facebook.com/x/../tr?id=1"
ESCAPED_DOT_SEGMENTS = "https://www.facebook.com/%2e/x/%2E%2e/tr?id=1"
BACKSLASH_DOT_SEGMENT = "https://www.facebook.com\\.\\tr"
RELATIVE_DOT_GTAG = "/./gtag/js?id=AW-1"

TRACKER_TABLE: list[tuple[str, str | None, str | None]] = [
    # (value, base, host/path the browser fetches from; None: no vendor host)
    (THREE_SLASHES, None, "connect.facebook.net/en_us/fbevents.js"),
    (THREE_SLASHES, DOC, "connect.facebook.net/en_us/fbevents.js"),
    (SLASH_BACKSLASH_SLASH, DOC, "connect.facebook.net/en_us/fbevents.js"),
    (BACKSLASHES_SLASH, None, "connect.facebook.net/en_us/fbevents.js"),
    (SCHEME_MANY_SLASHES, DOC, "connect.facebook.net/en_us/fbevents.js"),
    (SCHEME_NO_SLASHES, None, "connect.facebook.net/en_us/fbevents.js"),
    (SOFT_HYPHEN, None, "connect.facebook.net/en_us/fbevents.js"),
    (ZERO_WIDTH_SPACE, None, "connect.facebook.net/en_us/fbevents.js"),
    (WORD_JOINER, None, "connect.facebook.net/en_us/fbevents.js"),
    (BOM, None, "connect.facebook.net/en_us/fbevents.js"),
    (VARIATION_SELECTOR, None, "connect.facebook.net/en_us/fbevents.js"),
    (SOFT_HYPHEN_ESCAPED, None, "connect.facebook.net/en_us/fbevents.js"),
    (IDEOGRAPHIC_STOPS, None, "connect.facebook.net/en_us/fbevents.js"),
    (IDEOGRAPHIC_STOP_ESCAPED, None, "connect.facebook.net/en_us/fbevents.js"),
    (HANGUL_FILLER, None, "connect.facebook.net/en_us/fbevents.js"),
    (HALFWIDTH_HANGUL_FILLER, None, "connect.facebook.net/en_us/fbevents.js"),
    (IPV4_HEX_SHORT, None, None),
    (IPV4_ONE_NUMBER, None, None),
    (ENDS_IN_NUMBER, None, None),
    (ENDS_IN_HEX, None, None),
    (DOT_SEGMENT, None, "www.facebook.com/tr"),
    (DOT_DOT_SEGMENT, None, "www.facebook.com/tr"),
    (ESCAPED_DOT_SEGMENTS, None, "www.facebook.com/tr"),
    (BACKSLASH_DOT_SEGMENT, None, "www.facebook.com/tr"),
    (RELATIVE_DOT_GTAG, "https://www.googletagmanager.com/", "www.googletagmanager.com/gtag/js"),
]


@pytest.mark.parametrize(("value", "base", "expected"), TRACKER_TABLE)
def test_host_path_is_what_the_browser_fetches(
    value: str, base: str | None, expected: str | None
) -> None:
    assert host_path(value, base) == expected


@pytest.mark.parametrize(
    ("value", "host"),
    [
        (IPV4_HEX_SHORT, "127.0.0.1"),
        (IPV4_ONE_NUMBER, "127.0.0.1"),
        ("https://0300.0250.0.1/", "192.168.0.1"),
        ("https://[0:0::1]/", "[::1]"),
    ],
)
def test_ip_hosts_are_canonical_and_flagged(value: str, host: str) -> None:
    r = resolve(value)
    assert r is not None
    assert (r.host, r.ip) == (host, True)
    assert host_path(value) is None


@pytest.mark.parametrize(
    ("value", "base", "path", "query"),
    [
        (RELATIVE_DOT_GTAG, "https://www.googletagmanager.com/x/", "/gtag/js", "id=AW-1"),
        ("./gtag/js?id=AW-1", "https://www.googletagmanager.com/a/b", "/a/gtag/js", "id=AW-1"),
        ("../../gtag/js", "https://www.googletagmanager.com/a/b", "/gtag/js", ""),
        ("gtag/./js/..", "https://www.googletagmanager.com/", "/gtag/", ""),
        ("/a/%2e%2E/gtag/js", "https://www.googletagmanager.com/", "/gtag/js", ""),
        ("?id=AW-1", "https://www.googletagmanager.com/gtag/js?id=G-1", "/gtag/js", "id=AW-1"),
        ("#x", "https://www.googletagmanager.com/gtag/js?id=G-1", "/gtag/js", "id=G-1"),
        ("", "https://www.googletagmanager.com/gtag/js?id=G-1#f", "/gtag/js", "id=G-1"),
    ],
)
def test_relative_paths_resolve_dot_segments(value: str, base: str, path: str, query: str) -> None:
    r = resolve(value, base)
    assert r is not None
    assert (r.host, r.path, r.query) == ("www.googletagmanager.com", path, query)


def test_relative_value_without_base_is_same_origin() -> None:
    for value in ("/static/x.png", "img/a.jpg", "?q=1", "#top", "", "  ", "/\t", "a:b/../c"):
        assert host_path(value) is None


# -- <base href> ----------------------------------------------------------------

BASE_TABLE: list[tuple[str | None, str | None, str | None]] = [
    # (document URL, <base href>, document base URL)
    (DOC, None, DOC),
    (DOC, "//tracker.example/", "https://tracker.example/"),
    (DOC, "///tracker.example/js/", "https://tracker.example/js/"),
    (DOC, "\\/tracker.example\\js\\", "https://tracker.example/js/"),
    (DOC, "/\t/tracker.example/", "https://tracker.example/"),
    (DOC, "https://www.googletagmanager.com/", "https://www.googletagmanager.com/"),
    (DOC, "../", "https://shop.example/"),
    (DOC, "sub/", "https://shop.example/catalog/sub/"),
    (DOC, "  ", "https://shop.example/catalog/item.html?page=2"),  # empty: doc without fragment
    (DOC, "javascript:alert(1)", DOC),  # data: and javascript: bases are ignored
    (DOC, "data:text/html,x", DOC),
    (DOC, "https://shop.example:99999/", DOC),  # failure: the fallback base
    (None, "//tracker.example/", "https://tracker.example/"),
    (None, "/relative/", None),
    (None, None, None),
    ("not a url", "https://www.facebook.com/", "https://www.facebook.com/"),
]


@pytest.mark.parametrize(("document", "href", "expected"), BASE_TABLE)
def test_document_base(document: str | None, href: str | None, expected: str | None) -> None:
    assert document_base(document, href) == expected


@pytest.mark.parametrize(
    ("href", "value", "expected"),
    [
        ("//www.googletagmanager.com/", "gtag/js?id=AW-1", "www.googletagmanager.com/gtag/js"),
        (
            "\\\\connect.facebook.net\\en_US\\",
            "fbevents.js",
            "connect.facebook.net/en_us/fbevents.js",
        ),
        ("https://static.hotjar.com/c/", "./hotjar-1.js", "static.hotjar.com/c/hotjar-1.js"),
        ("javascript:x", "/x.js", "shop.example/x.js"),
    ],
)
def test_base_href_makes_relative_urls_load_from_its_host(
    href: str, value: str, expected: str
) -> None:
    assert host_path(value, document_base(DOC, href)) == expected


# -- schemes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("blob:https://connect.facebook.net/5f0b", "connect.facebook.net/5f0b"),
        ("BLOB:https://connect.facebook.net/5f0b", "connect.facebook.net/5f0b"),
        ("blob:data:text/html,x", None),
        ("blob:null/5f0b", None),
        ("wss://ws.hotjar.com/api", "ws.hotjar.com/api"),
        ("ws://ws.hotjar.com/api", "ws.hotjar.com/api"),
        ("data:text/html,<script src=https://connect.facebook.net/x.js>", None),
        ("javascript:fetch('https://connect.facebook.net/x.js')", None),
        ("ftp://connect.facebook.net/x.js", None),
        ("file://connect.facebook.net/x.js", None),
        ("mailto:x@facebook.com", None),
        ("web+x://connect.facebook.net/x.js", None),
    ],
)
def test_schemes(value: str, expected: str | None) -> None:
    assert host_path(value) == expected


# -- query parameters -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.googletagmanager.com/gtag/js?id=AW-1", "AW-1"),
        ("https://www.googletagmanager.com/gtag/js?l=x&id=AW-1&id=G-1", "AW-1"),
        ("https://www.googletagmanager.com/gtag/js?id=%41W-1", "AW-1"),
        ("https://www.googletagmanager.com/gtag/js?i%64=AW-1", "AW-1"),
        ("https://www.googletagmanager.com/gtag/js?id=AW+1", "AW 1"),
        ("https://www.googletagmanager.com/gtag/js?i\td=AW-1", "AW-1"),
        ("https://www.googletagmanager.com/gtag/js?id", ""),
        ("https://www.googletagmanager.com/gtag/js?id=", ""),
        ("https://www.googletagmanager.com/gtag/js?ID=AW-1", None),
        ("https://www.googletagmanager.com/gtag/js?xid=AW-1", None),
        ("https://www.googletagmanager.com/gtag/js#?id=AW-1", None),
        ("https://www.googletagmanager.com/gtag/js", None),
        ("/./gtag/js?id=AW-1", "AW-1"),
        ("https://x.example/?id=%E2%82%AC", "€"),
        ("https://x.example/?id=%FF", "\ufffd"),
        ("https://x.example/?id=a%20b c", "a b c"),
    ],
)
def test_query_param(value: str, expected: str | None) -> None:
    assert query_param(value, "id") == expected
    r = resolve(value, DOC)
    assert r is not None
    assert query_param(r, "id") == expected


def test_query_param_of_unparseable_value() -> None:
    assert query_param("https://exa mple.org/?id=1", "id") is None


# -- robustness -------------------------------------------------------------------


def test_huge_values_are_parsed_whole() -> None:
    path = "/a" * 1_000_000  # 2 MB
    assert host_path(f"https://connect.facebook.net{path}") == f"connect.facebook.net{path}"
    assert host_path(f"https://connect.face\u00adbook.net{path}?x") == f"connect.facebook.net{path}"
    assert host_path("/" * 2_000_000 + "connect.facebook.net/x", DOC) == "connect.facebook.net/x"
    assert host_path("\t" * 2_000_000) is None


def test_surrogates_are_replacement_characters() -> None:
    assert host_path("https://connect.facebook.net/\ud800") == "connect.facebook.net/%ef%bf%bd"
    assert host_path("\udcff//connect.facebook.net/") is None  # U+FFFD first: relative
    assert resolve("https://\ud800.example/") is None  # U+FFFD is not a host code point
    assert document_base("https://a.example/\ud800", "x") == "https://a.example/x"


@given(value=st.text(max_size=200), base=st.none() | st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_nothing_raises(value: str, base: str | None) -> None:
    resolve(value, base)
    host_path(value, base)
    query_param(value, "id", base)
    document_base(base, value)


# -- the fast paths agree with the full parse ---------------------------------------

BASES = [
    None,
    DOC,
    "https://shop.example",
    "http://SHOP.example:8080/a/b/",
    "https://shop.example./dir/",
    "https://user:pw@shop.example/x?q",
    "https://shop.example/a;b/c?",
    "about:blank",
    "file:///tmp/page.html",
    "sc://opaque/path",
    "data:text/html,x",
]
#: The same bases parsed once, as callers that resolve a whole page pass them.
PARSED_BASES: list[str | Base | None] = [
    *BASES,
    *(parse_base(b) for b in BASES if b is not None),
]

# Space-separated pieces of URLs (split below), plus whitespace and controls.
_PIECE_WORDS = (
    "https: http: HTTPS: hTtP: ws: blob: data: javascript: a: c: // / \\ . .. ./ ../ "
    "%2e %2E % %41 ? # : @ www cdn example com xn-- xn--zca 0x 0X1f 09 1 255 "
    "_ - ~ ! $ & ' ( ) * + , ; = ^ ` { } | [ ] < > \" a B z /x.js id=AW-1 "
    ":443 :80 :99999 :0x1 user:pw@ a/./b a/../b /%2e%2E/ %2e./"
)
_ASCII_PIECES = st.sampled_from([*_PIECE_WORDS.split(), " ", "\t", "\n", "\r", "\x00", "\x7f"])
_PIECES = _ASCII_PIECES | st.sampled_from(
    ["\u00ad", "\u3002", "\uff0e", "é", "ß", "\u200b", "\ufeff", "\ud800", "𝔣"]
)


@st.composite
def _url_like(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(_PIECES, max_size=12))
    if draw(st.booleans()):
        pieces.insert(0, draw(st.sampled_from(["https://", "http://", "//", ""])))
        pieces.insert(1, draw(st.sampled_from(["cdn.example.com", "A.B", "x", "1.2.3.4", ""])))
    return "".join(pieces)


@given(value=_url_like() | st.text(max_size=40), base=st.sampled_from(PARSED_BASES))
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fast_path_agrees_with_full_parse(value: str, base: str | Base | None) -> None:
    assert resolve(value, base) == _resolve_full(value, base)


_SEGMENT = st.text(alphabet="aZ09-._~!$&()*+,;=:@%é\u3000", max_size=5) | st.sampled_from(
    [".", "..", "%2e", "%2E.", ".%2e", "%2e%2E", "", "a.", ".a"]
)
_PATH = st.lists(_SEGMENT, max_size=5).map("/".join)
_QUERY = st.sampled_from(["", "?", "?id=AW-1", "?a=%41&b=/?:", "?é"]) | st.text(
    alphabet="a=&?/%+", max_size=6
).map(lambda q: "?" + q)
_FRAGMENT = st.sampled_from(["", "#", "#x", "#a/../b?c"])
_LABEL = st.from_regex(r"[A-Za-z0-9_\-]{1,4}", fullmatch=True) | st.sampled_from(
    ["xn--zca", "0x1f", "09", "1", "XN--a"]
)
_HOST = st.lists(_LABEL, min_size=1, max_size=4).map(".".join)
_SCHEME = st.sampled_from(["https:", "http:", "HTTPS:", "hTtP:", ""])


@st.composite
def _fast_shaped(draw: st.DrawFn) -> str:
    """Values shaped like the fast paths' input: plain characters, dot segments."""
    tail = draw(_QUERY) + draw(_FRAGMENT)
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(_SCHEME) + "//" + draw(_HOST) + "/" + draw(_PATH) + tail
    if kind == 1:
        return "/" + draw(_PATH) + tail
    return draw(_PATH) + tail


@given(value=_fast_shaped(), base=st.sampled_from(PARSED_BASES))
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fast_path_agrees_on_fast_shaped_values(value: str, base: str | Base | None) -> None:
    assert resolve(value, base) == _resolve_full(value, base)


#: Shapes the fast paths answer without the full parse (with a known http(s) base).
FAST_SHAPES = [
    "/static/css/site.css",
    "img/products/1234-thumb.jpg",
    "../images/./logo.svg",
    "?page=3",
    "#reviews",
    "",
    "/images/café.jpg",
    "https://cdn.example.com/assets/hero.webp",
    "HTTPS://WWW.GoogleTagManager.com/gtag/js?id=G-1",
    "//connect.facebook.net/en_US/fbevents.js",
    "https://www.facebook.com/./tr?id=1",
]


def test_fast_shapes_do_not_call_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {value: _resolve_full(value, DOC) for value in FAST_SHAPES}
    no_base = {value: _resolve_full(value) for value in FAST_SHAPES}
    base = parse_base(DOC)
    assert base is not None

    def parser_called(*args: object) -> None:
        raise AssertionError(f"the full parser ran for {args!r}")

    monkeypatch.setattr(_url, "URL", parser_called)
    for value in FAST_SHAPES:
        assert resolve(value, base) == expected[value]
        assert resolve(value) == no_base[value]


@pytest.mark.parametrize(
    "value",
    [
        "https://cdn.example.com/a.js",
        "HTTPS://CDN.Example.COM/A.js?x=1#f",
        "http://a_b.-c-.d",
        "https://xn--zca.example/",
        "https://a.b.0x1f/",
        "https://cdn.example.com/a/./b",
        "https://cdn.example.com/a^b",
        "https://cdn.example.com/?a'b",
        "/static/x.png",
        "img/a.jpg",
        "a:b",
        "?q",
        "#",
        "",
        "//cdn.example.com/x",
        ".hidden",
        "a/.b",
    ],
)
@pytest.mark.parametrize("base", PARSED_BASES)
def test_fast_path_agrees_on_common_shapes(value: str, base: str | Base | None) -> None:
    assert resolve(value, base) == _resolve_full(value, base)


# -- real tracker URLs, respelled as browsers allow ----------------------------------

TRACKERS: list[tuple[str, str, str, str]] = [
    # (scheme, host, path, query) of the canonical URL
    ("https", "www.googletagmanager.com", "/gtag/js", "id=G-1"),
    ("https", "www.googletagmanager.com", "/gtag/js", "id=AW-123"),
    ("", "connect.facebook.net", "/en_US/fbevents.js", ""),
    ("https", "www.facebook.com", "/tr", "id=1&ev=PageView"),
    ("https", "static.hotjar.com", "/c/hotjar-1.js", "sv=6"),
    ("https", "www.googletagmanager.com", "/gtm.js", "id=GTM-1"),
    ("https", "www.clarity.ms", "/tag/abc", ""),
    ("http", "bat.bing.com", "/bat.js", ""),
    ("https", "pagead2.googlesyndication.com", "/pagead/js/adsbygoogle.js", "client=ca-1"),
    ("https", "www.youtube-nocookie.com", "/embed/x", ""),
]

_IGNORED = ["\u00ad", "\u200b", "\u2060", "\ufeff", "\ufe0f", "\u034f", "%C2%AD", "%E2%80%8B"]
_DOTS = [".", "\u3002", "\uff0e", "\uff61", "%2E", "%E3%80%82"]
_FULLWIDTH = {c: chr(ord(c) - 0x61 + 0xFF41) for c in "abcdefghijklmnopqrstuvwxyz"}


@st.composite
def _respelled(draw: st.DrawFn) -> tuple[str, str | None, str, str]:
    """A browser-equivalent spelling of a tracker URL, a base, the canonical
    host/path and the ``id`` parameter."""
    scheme, host, path, query = draw(st.sampled_from(TRACKERS))
    canonical = host + path.lower()
    tag_id = dict(p.partition("=")[::2] for p in query.split("&") if p).get("id", "")

    def case(text: str) -> str:
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))

    # host: case, dots, ignored code points, percent-escapes, fullwidth letters
    labels = host.split(".")
    out_host = ""
    for i, label in enumerate(labels):
        chars = []
        for c in case(label):
            choice = draw(st.integers(0, 9))
            if choice == 0:
                chars.append(f"%{ord(c):02{draw(st.sampled_from('xX'))}}")
            elif choice == 1 and c.lower() in _FULLWIDTH:
                chars.append(_FULLWIDTH[c.lower()])
            else:
                chars.append(c)
            if draw(st.integers(0, 12)) == 0:
                chars.append(draw(st.sampled_from(_IGNORED)))
        out_host += "".join(chars)
        if i < len(labels) - 1:
            out_host += draw(st.sampled_from(_DOTS))
    if draw(st.booleans()):
        out_host += draw(st.sampled_from(_DOTS))  # trailing dot
    authority = out_host
    if draw(st.booleans()):
        authority = draw(st.sampled_from(["user@", "u:p@", "a%40b:@"])) + authority
    if draw(st.booleans()):
        port = {"http": "80", "https": "443", "": "443"}[scheme]
        authority += ":" + draw(st.sampled_from([port, "0" + port, "8443"]))

    # path: dot segments, backslashes, escaped dots, case
    segments = path.split("/")[1:]
    out_path = ""
    for segment in segments:
        for _ in range(draw(st.integers(0, 2))):
            out_path += "/" + draw(st.sampled_from([".", "%2e", "x/..", "x/%2E%2e", "a/b/../.."]))
        out_path += "/" + case(segment)
    out_path = "".join(draw(st.sampled_from(["/", "\\"])) if c == "/" else c for c in out_path)

    # scheme and slashes
    slashes = "".join(draw(st.lists(st.sampled_from(["/", "\\"]), min_size=2, max_size=5)))
    base: str | None
    if scheme:
        prefix = case(scheme) + ":"
        base = draw(st.sampled_from([None, DOC, "http://shop.example/"]))
        same = base is not None and base.startswith(scheme + ":")
        # Against a base of the same scheme, "https:x" is relative; else any slashes.
        if same or draw(st.booleans()):
            prefix += slashes
        else:
            prefix += slashes[: draw(st.integers(0, 1))]
    else:
        prefix = slashes
        base = draw(st.sampled_from([None, DOC]))
    url = prefix + authority + out_path + (f"?{query}" if query else "")
    if draw(st.booleans()):
        url += "#" + draw(st.sampled_from(["", "x", "/../y", "?id=ZZ"]))

    # tabs and newlines anywhere, C0 and spaces around
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(url)))
        url = url[:at] + draw(st.sampled_from(["\t", "\n", "\r"])) + url[at:]
    url = draw(st.sampled_from(["", " ", "\x00", "\x1f \n"])) + url
    url += draw(st.sampled_from(["", " ", "\x0c", "\x01\t"]))
    return url, base, canonical, tag_id


@given(case=_respelled())
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_respelled_tracker_urls_give_the_canonical_host_path(
    case: tuple[str, str | None, str, str],
) -> None:
    url, base, canonical, tag_id = case
    assert host_path(url, base) == canonical
    r = resolve(url, base)
    assert r is not None
    assert (query_param(r, "id") or "") == tag_id
