"""Policy names in the ``RateLimit`` fields: any text, always a valid ASCII sf-string.

A route template is the default policy name and may be any text (``/café/{item}``);
an RFC 9651 sf-string holds printable ASCII only, so ``sf_string`` percent-encodes
the rest (and ``%``) as UTF-8. The oracle for "valid" is the RFC 9651 section 4.2.5
string parsing algorithm, written out below; the oracle for "nothing lost" is
``urllib.parse.unquote`` (the encoding is injective).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
from fastapi import Depends, FastAPI
from hypothesis import given
from hypothesis import strategies as st

from privmw import Limit, PrivacyMiddleware, RateLimit
from privmw.ratelimit._limiter import Limiter, Policy, Rule, Verdict
from privmw.ratelimit.headers import sf_string
from tests.attack._drive import drive, http_scope


def parse_sf_string(data: bytes) -> str:
    """RFC 9651 section 4.2.5, Parsing a String; raises ``ValueError`` where it fails."""
    text = data.decode("ascii")  # a field value the parser reads is ASCII
    if not text.startswith('"'):
        raise ValueError("no opening DQUOTE")
    out = []
    i = 1
    while i < len(text):
        char = text[i]
        i += 1
        if char == "\\":
            if i >= len(text) or text[i] not in '"\\':
                raise ValueError("bad escape")
            out.append(text[i])
            i += 1
        elif char == '"':
            if i != len(text):
                raise ValueError("trailing characters")
            return "".join(out)
        elif not 0x20 <= ord(char) <= 0x7E:
            raise ValueError(f"character {char!r} is not allowed")
        else:
            out.append(char)
    raise ValueError("no closing DQUOTE")


def _split_item(item: str) -> tuple[str, str]:
    """An item's leading sf-string and its parameters (after the ";" that follows it).

    The string ends at its closing DQUOTE, not at the first ";" (a name may hold one).
    """
    i = 1
    while i < len(item):
        if item[i] == "\\":
            i += 2
            continue
        if item[i] == '"':
            rest = item[i + 1 :]
            assert rest.startswith(";"), item
            return item[: i + 1], rest[1:]
        i += 1
    raise AssertionError(f"no closing DQUOTE in {item!r}")


NAMES = [
    # name, the sf-string sent
    ("default", b'"default"'),
    ("/items/{item_id}", b'"/items/{item_id}"'),
    ("/caf\u00e9/{item}", b'"/caf%C3%A9/{item}"'),
    ("/\u65e5\u672c", b'"/%E6%97%A5%E6%9C%AC"'),
    ("/\U0001f600", b'"/%F0%9F%98%80"'),
    ("50%", b'"50%25"'),  # the escape character itself: injective
    ("a;b", b'"a;b"'),  # a ";" inside the string is no parameter (the test splits after it)
    ("/caf%C3%A9", b'"/caf%25C3%25A9"'),  # not the same name as /café
    ('say "hi" \\ bye', b'"say \\"hi\\" \\\\ bye"'),  # sf-string escapes, no percent
    ("tab\there\nnl\x00\x7f", b'"tab%09here%0Anl%00%7F"'),
    ("\ud800", b'"%ED%A0%80"'),  # a lone surrogate (a str can hold one)
]


@pytest.mark.parametrize(("name", "sent"), NAMES)
def test_policy_name_table(name: str, sent: bytes) -> None:
    assert sf_string(name) == sent
    assert unquote(parse_sf_string(sent), errors="surrogatepass") == name


@given(st.text())
def test_any_name_is_a_valid_ascii_sf_string_that_decodes_back(name: str) -> None:
    sent = sf_string(name)
    sent.decode("ascii")  # never raises: the header is ASCII (hence latin-1)
    assert unquote(parse_sf_string(sent), errors="surrogatepass") == name


@given(st.text(), st.text())
def test_distinct_names_stay_distinct(a: str, b: str) -> None:
    if a != b:
        assert sf_string(a) != sf_string(b)


@given(st.text(min_size=1), st.integers(1, 10**6), st.integers(0, 10**6))
def test_the_fields_of_any_policy_name_are_latin_1_and_parse(
    name: str, count: int, remaining: int
) -> None:
    # The path a response takes: the limiter's fields, as the send wrapper gets them.
    lim = Limiter(RateLimit(None, bans=None))
    policy = Policy(name, count, 60.0, None)
    rule = Rule((policy,), b"", lim.key)
    fields = lim.fields([Verdict(True, "ok", rule, ((True, remaining, 1_500_000),), 0)])
    for field_name, value in fields:
        field_name.decode("latin-1")
        item = value.decode("ascii")
        head, params = _split_item(item)
        assert unquote(parse_sf_string(head.encode()), errors="surrogatepass") == name
        assert params in (f"q={count};w=60", f"r={remaining};t=2")


@pytest.mark.parametrize(
    "template",
    ["/caf\u00e9/{item}", "/\u65e5\u672c/{item}", "/\U0001f600/{item}", "/100%/{item}"],
)
def test_a_non_ascii_route_template_is_served_with_its_fields(template: str) -> None:
    app = FastAPI()

    @app.get(template, dependencies=[Depends(Limit("1/minute"))])
    async def page(item: str) -> dict[str, str]:
        return {"item": item}

    app.add_middleware(PrivacyMiddleware, rate_limit=RateLimit())
    asgi: Any = app
    path = template.replace("{item}", "1")
    first = drive(asgi, http_scope(path))
    second = drive(asgi, http_scope(path))
    starts = [[m for m in sent if m["type"] == "http.response.start"] for sent in (first, second)]
    assert [[m["status"] for m in s] for s in starts] == [[200], [429]]
    fields = dict(starts[0][0]["headers"])
    name = parse_sf_string(fields[b"ratelimit-policy"].split(b";")[0])
    assert unquote(name) == template
