"""The Open Cookie Database as privmw ships it: rebuild, integrity, lookups, the gating rule."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from privmw import PrivacyMiddleware, TrackerRegistry
from privmw._cookiedb import GENERIC, MIN_GATED, CookieDatabase, CookieInfo, gates
from privmw.cookies import CookieGate

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_cookiedb.py"
SHIPPED = ROOT / "src" / "privmw" / "data" / "open-cookie-database.tsv"
CSV_PARTS = ("shared", "data", "open-cookie-database", "open-cookie-database.csv")
DB = CookieDatabase()


def _csv() -> Path | None:
    for parent in (ROOT, *ROOT.parents):
        candidate = parent.joinpath(*CSV_PARTS)
        if candidate.is_file():
            return candidate
    return None


# -- the shipped file ----------------------------------------------------------


def test_rebuild_reproduces_the_shipped_file_byte_for_byte(tmp_path: Path) -> None:
    source = _csv()
    if source is None:  # data, not a server: the CSV lives outside the repository
        pytest.skip("open-cookie-database.csv not found beside the repository")
    out = tmp_path / "rebuilt.tsv"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--csv", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == SHIPPED.read_bytes()
    check = subprocess.run(
        [sys.executable, str(SCRIPT), "--csv", str(source), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # The header names the very CSV it was built from.
    assert DB.source["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_check_mode_notices_a_stale_file(tmp_path: Path) -> None:
    source = _csv()
    if source is None:
        pytest.skip("open-cookie-database.csv not found beside the repository")
    stale = tmp_path / "stale.tsv"
    stale.write_bytes(SHIPPED.read_bytes().replace(b"\tGoogle\t", b"\tG00gle\t", 1))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--csv", str(source), "--out", str(stale), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1


def test_every_csv_row_is_kept_with_its_mapped_category() -> None:
    source = _csv()
    if source is None:
        pytest.skip("open-cookie-database.csv not found beside the repository")
    rows = list(csv.DictReader(io.StringIO(source.read_text("utf-8-sig"))))
    assert len(DB) == len(rows) == DB.source["rows"]
    mapping = {
        "Functional": "necessary",
        "Security": "necessary",
        "Necessary": "necessary",
        "Personalization": "preferences",
        "Analytics": "analytics",
        "Marketing": "marketing",
    }
    invisible = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
    for row, entry in zip(rows, DB, strict=True):
        assert entry.category == mapping[row["Category"].strip()]
        assert entry.platform == " ".join(row["Platform"].split())
        name = " ".join(row["Cookie / Data Key name"].translate(invisible).split())
        assert entry.name == name.rstrip("*")
        assert entry.wildcard == (row["Wildcard match"].strip() == "1" or name.endswith("*"))


def test_shipped_file_is_well_formed_and_licensed() -> None:
    text = SHIPPED.read_text("utf-8")
    lines = text.split("\n")
    assert lines[-1] == ""  # ends with a newline
    head = lines[0].split("\t")
    assert head[:2] == ["#privmw-open-cookie-database", "1"]
    platforms = [line for line in lines if line.startswith("P\t")]
    cookies = [line for line in lines if line.startswith("C\t")]
    assert len(cookies) == int(head[2]) == 2264
    assert 300 < len(platforms) < 400
    for line in cookies:
        fields = line.split("\t")
        assert len(fields) == 8
        assert fields[2] in ("0", "1")
        assert fields[3] in ("n", "p", "a", "m")
        assert 0 <= int(fields[4]) < len(platforms)
    data = resources.files("privmw").joinpath("data")
    license_text = data.joinpath("LICENSE-open-cookie-database").read_text("utf-8")
    notice = data.joinpath("NOTICE").read_text("utf-8")
    assert "Apache License" in license_text
    assert "Version 2.0" in license_text
    assert "Open Cookie Database" in notice
    assert "github.com/jkwakman/Open-Cookie-Database" in notice
    assert len(SHIPPED.read_bytes()) < 400_000  # compact: the CSV is 567,896 bytes


def test_privacy_links_are_http_urls_only() -> None:
    for entry in DB:
        assert entry.privacy_url == "" or entry.privacy_url.startswith(("https://", "http://"))
        assert not any(c in entry.privacy_url for c in " <>\"'`\\")


def test_importing_privmw_does_not_read_the_database() -> None:
    code = (
        "import privmw\n"
        "from privmw._cookiedb import CookieDatabase\n"
        "mw = privmw.PrivacyMiddleware(lambda s, r, c: None)\n"
        "assert CookieDatabase._shared is None, 'parsed at import or construction'\n"
        "assert mw.registry.cookie_db.consent_category('_gid') == 'analytics'\n"
        "assert CookieDatabase._shared is not None\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr


# -- lookups -------------------------------------------------------------------

GATED = [
    ("_gid", "analytics"),  # exact
    ("__utma", "analytics"),
    ("_pk_id.1.1fff", "analytics"),  # wildcard "_pk_id."
    ("__hstc", "marketing"),
    ("hubspotutk", "marketing"),
    ("AMCV_0123%40AdobeOrg", "marketing"),  # wildcard "AMCV_"
    ("_ttp", "marketing"),
    ("optimizelyEndUserId", "marketing"),
    ("_lfa", "marketing"),
    ("_ym_uid", "analytics"),
]
NOT_GATED = [
    "sessionid",  # listed as Instagram Marketing: Django's session cookie has this name
    "token",  # Functional and Marketing at once
    "session",
    "csrftoken",
    "lang",  # LinkedIn, Functional
    "PHPSESSID",  # Functional -> necessary: no verdict
    "JSESSIONID",
    "euconsent-v2",
    "datr",  # Facebook, "(3rd party)"
    "uid",  # too short
    "c",
    "s",
    "version",
    "visitor",
    "europe",
    "hash",
    "sync",
    "",
    "an-unknown-cookie",
]


@pytest.mark.parametrize(("name", "category"), GATED)
def test_consent_category_of_distinctive_names(name: str, category: str) -> None:
    assert DB.consent_category(name) == category


@pytest.mark.parametrize("name", NOT_GATED)
def test_generic_necessary_and_third_party_names_never_gate(name: str) -> None:
    assert DB.consent_category(name) is None


def test_no_gated_name_breaks_the_rule() -> None:
    """Every name the database gates on is distinctive, and the most specific entry decides."""
    table = DB._load()
    for name, category in table.exact_gate.items():
        if category:
            assert len(name) >= MIN_GATED
            assert name.lower() not in GENERIC
    for bucket in table.prefix_gate._buckets.values():
        for prefix, category in bucket:
            if category:
                assert len(prefix) >= MIN_GATED
                assert prefix.rstrip("_-.:").lower() not in GENERIC
    by_name: dict[str, list[CookieInfo]] = {}
    for entry in DB:
        if not entry.wildcard:
            by_name.setdefault(entry.name, []).append(entry)
    for entry in DB:
        if entry.wildcard:
            continue
        same = by_name[entry.name]
        verdict = DB.consent_category(entry.name)
        if any(e.category == "necessary" for e in same) or not any(gates(e) for e in same):
            assert verdict is None, entry
        else:
            assert verdict in {e.category for e in same if gates(e)}, entry


def test_an_exact_necessary_name_is_not_gated_by_a_wildcard() -> None:
    assert DB.consent_category("_gat_UA-1") == "analytics"  # Google's "_gat_" wildcard
    assert DB.consent_category("_gat_pro") is None  # Snapwidget's exact Functional entry


def _info(name: str, category: str = "marketing", domain: str = "", wild: bool = False) -> Any:
    return CookieInfo(name, wild, category, "P", "C", "", domain, "", "")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_info("_acme_id"), True),
        (_info("abcd"), True),
        (_info("abc"), False),  # shorter than MIN_GATED
        (_info("SessionID"), False),  # generic, case-insensitively
        (_info("_acme", domain="acme.example (3rd party)"), False),
        (_info("_acme", category="necessary"), False),
        (_info("_ac_", wild=True), True),
        (_info("_a_", wild=True), False),
        (_info("token_", wild=True), False),  # "token" with its separator
        (_info("_acme", category="preferences"), True),
    ],
)
def test_gates_rule(entry: CookieInfo, expected: bool) -> None:
    assert gates(entry) is expected


_SMALL = "\n".join(
    [
        "#privmw-open-cookie-database\t1\t7\t" + "0" * 64,
        "P\tAcme\tAcme Inc.\thttps://acme.example/privacy",
        "C\t_acme_\t1\ta\t0\t\t1 year\tAcme wildcard",
        "C\t_acme_long_\t1\tm\t0\t\t1 day\tAcme longer wildcard",
        "C\t_acme_exact\t0\tp\t0\t\tsession\tAcme exact",
        "C\tboth_ways\t0\ta\t0\t\t\tanalytics vote",
        "C\tboth_ways\t0\tm\t0\t\t\tmarketing vote",
        "C\tvetoed\t0\tm\t0\t\t\tmarketing vote",
        "C\tvetoed\t0\tn\t0\t\t\tnecessary vote",
        "",
    ]
)


def test_exact_beats_wildcard_and_the_longest_prefix_wins() -> None:
    db = CookieDatabase(_SMALL)
    assert db.consent_category("_acme_exact") == "preferences"
    assert db.consent_category("_acme_long_1") == "marketing"
    assert db.consent_category("_acme_1") == "analytics"
    assert db.consent_category("_acm") is None
    info = db.info("_acme_long_x")
    assert info is not None
    assert info.description == "Acme longer wildcard"
    assert info.pattern == "_acme_long_*"
    assert info.privacy_url == "https://acme.example/privacy"


def test_two_consent_categories_take_the_stricter_and_necessary_vetoes() -> None:
    db = CookieDatabase(_SMALL)
    assert db.consent_category("both_ways") == "marketing"
    assert db.consent_category("vetoed") is None


def test_matching_expands_a_vendor_pattern() -> None:
    hotjar = DB.matching("_hj*")
    assert hotjar
    assert all(e.name.startswith("_hj") for e in hotjar)
    assert "_hjSessionUser_*" in {e.pattern for e in hotjar}
    assert [e.pattern for e in DB.matching("_ga")] == ["_ga"]
    # One platform per pattern: Snapwidget's "_gat_pro" is not Google's.
    gat = DB.matching("_gat_*")
    assert gat
    assert {e.platform for e in gat} == {"Google Analytics"}
    assert "_gat_pro" not in {e.name for e in gat}
    assert DB.matching("*") == ()
    assert DB.matching("no-such-cookie") == ()
    assert len(DB.matching("_", limit=5)) == 0  # "_" is an exact name, unknown
    assert 0 < len(DB.matching("_*", limit=5)) <= 5


def test_a_bad_file_is_refused() -> None:
    with pytest.raises(ValueError, match="not a privmw Open Cookie Database file"):
        len(CookieDatabase("name,category\n_ga,analytics\n"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_lookups_never_raise(name: str) -> None:
    category = DB.consent_category(name)
    assert category in (None, "preferences", "analytics", "marketing")
    info = DB.info(name)
    assert info is None or name == info.name or name.startswith(info.name)


# -- in the cookie gate ------------------------------------------------------------


def test_the_gate_asks_vendors_first_then_the_database() -> None:
    with_db = CookieGate(TrackerRegistry())
    without = CookieGate(TrackerRegistry(cookie_database=False))
    assert with_db.category("_lfa") == "marketing"  # only the database knows it
    assert without.category("_lfa") is None
    # A vendor's category wins over the database's (Hotjar: analytics; the database
    # lists _hjSessionUser_ as Functional).
    assert with_db.category("_hjSessionUser_1") == "analytics"
    assert with_db.category("sessionid") is None


def _app(*cookies: str) -> Starlette:
    async def page(request: Request) -> Response:
        response = PlainTextResponse("ok")
        for name in cookies:
            response.set_cookie(name, "1")
        return response

    return Starlette(routes=[Route("/", page)])


async def _get(mw: PrivacyMiddleware, cookie: str = "") -> httpx.Response:
    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="https://www.acme.example") as c:
        return await c.get("/", headers={"cookie": cookie} if cookie else {})


def _set(response: httpx.Response) -> set[str]:
    return {v.split("=", 1)[0] for v in response.headers.get_list("set-cookie")}


async def test_site_cookies_with_generic_names_are_never_dropped() -> None:
    generic = ("sessionid", "token", "lang", "uid", "session", "csrftoken", "visitor", "hash")
    response = await _get(PrivacyMiddleware(_app(*generic)))
    assert _set(response) == set(generic)


async def test_a_database_only_tracker_cookie_needs_consent_and_is_expired() -> None:
    mw = PrivacyMiddleware(_app("_lfa", "optimizelyEndUserId"))
    assert _set(await _get(mw)) == set()  # marketing, not allowed
    expired = list((await _get(mw, "_lfa=1; _pk_id.1.abcd=2")).headers.get_list("set-cookie"))
    names = {v.split("=", 1)[0] for v in expired if "Max-Age=0" in v}
    assert names == {"_lfa", "_pk_id.1.abcd"}


# -- the prefix index both lookups use -------------------------------------------------

from privmw._prefix import PrefixIndex  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(
    prefixes=st.lists(st.text(alphabet="ab_.", min_size=1, max_size=5), max_size=12),
    name=st.text(alphabet="ab_.c", max_size=8),
)
def test_prefix_index_answers_the_longest_prefix(prefixes: list[str], name: str) -> None:
    index = PrefixIndex((p, i) for i, p in enumerate(prefixes))
    first = {p: prefixes.index(p) for p in prefixes}  # the first entry of a prefix is kept
    matching = [p for p in first if name.startswith(p)]
    expected = max(matching, key=len) if matching else None
    found = index.longest(name)
    if expected is None:
        assert found is None
    else:
        assert found == (expected, first[expected])
