"""The refusal as a sans-io function: ``Refusal.render(accept, texts)`` gives
``(status, headers, body)``."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw import Refusal
from privmw.ratelimit.headers import ABNORMAL_USAGE, QUOTA_EXCEEDED
from privmw.ratelimit.refusal import prefers_html

FIELDS = [
    (b"retry-after", b"30"),
    (b"ratelimit-policy", b'"login";q=5;w=60'),
    (b"ratelimit", b'"login";r=0;t=30'),
]


class Tags(HTMLParser):
    """The elements of a page in order, checking every non-void one is closed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        if tag != "meta":
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag


def elements(page: str) -> list[str]:
    parser = Tags()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    return parser.seen


def quota(retry: int = 30) -> Refusal:
    return Refusal(429, "quota", retry, ("login",), [(b"retry-after", b"%d" % retry), *FIELDS[1:]])


ACCEPT: list[tuple[bytes | None, bool]] = [
    (b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),  # Chrome, Firefox
    (b"text/html", True),
    (b"application/xhtml+xml", True),
    (b"TEXT/HTML;q=0.5", True),
    (b"*/*", False),  # curl, fetch()
    (None, False),
    (b"", False),
    (b"application/json", False),
    (b"application/json, text/html;q=0.9", False),
    (b"text/html;q=0.9, application/problem+json", False),
    (b"text/html;q=1, application/json;q=1", True),  # a tie: the browser's page
    (b"text/html;q=0", False),
    (b"text/html;q=nonsense", False),
    (b"text/plain, text/htmlx", False),
]


@pytest.mark.parametrize(("accept", "html"), ACCEPT)
def test_who_gets_html(accept: bytes | None, html: bool) -> None:
    assert prefers_html(accept) is html
    content_type = dict(quota().render(accept)[1])[b"content-type"]
    assert content_type.startswith(b"text/html" if html else b"application/problem+json")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_accept_header_is_an_answer(accept: bytes) -> None:
    status, headers, body = quota().render(accept)
    assert status == 429
    assert dict(headers)[b"content-length"] == b"%d" % len(body)


def test_problem_json_for_api_clients() -> None:
    status, headers, body = quota().render(b"application/json")
    assert status == 429
    problem = json.loads(body)
    assert problem["type"] == QUOTA_EXCEEDED
    assert problem["violated-policies"] == ["login"]
    names = [name for name, _ in headers]
    assert names == [
        b"content-type",
        b"content-length",
        b"cache-control",
        b"vary",
        b"retry-after",
        b"ratelimit-policy",
        b"ratelimit",
    ]


@pytest.mark.parametrize(
    ("refusal", "title", "retry"),
    [
        (quota(30), "Too many requests", "Please try again in 30 seconds."),
        (quota(1), "Too many requests", "Please try again in 1 second."),
        (quota(119), "Too many requests", "Please try again in 119 seconds."),
        (quota(150), "Too many requests", "Please try again in 3 minutes."),
        (quota(7200), "Too many requests", "Please try again in 2 hours."),
        (Refusal(429, "ban", 600, ("default",), []), "Temporarily blocked", "in 10 minutes"),
        (Refusal(503, "unavailable", 1, (), []), "Temporarily unavailable", "in 1 second"),
        (Refusal(403, "deny", 0, (), []), "Access denied", None),
    ],
)
def test_the_page_says_what_happened_and_when_to_retry(
    refusal: Refusal, title: str, retry: str | None
) -> None:
    status, headers, body = refusal.render(b"text/html")
    assert status == refusal.status
    page = body.decode()
    assert f"<title>{title}</title>" in page
    assert (retry in page) if retry else ("try again" not in page)
    assert elements(page) == [
        "html",
        "head",
        "meta",
        "meta",
        "meta",
        "title",
        "body",
        "main",
        "h1",
        "p",
    ] + (["p"] if retry else [])
    assert dict(headers)[b"content-security-policy"] == b"default-src 'none'"


def test_texts_replace_the_defaults_and_are_escaped() -> None:
    texts = {
        "lang": 'x" onload="alert(1)',
        "quota.title": "<script>alert(1)</script>",
        "retry": "Réessayez dans {retry}.",
        "seconds": "{n} secondes",
    }
    page = quota(30).render(b"text/html", texts)[2].decode()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'lang="x&quot; onload=&quot;alert(1)"' in page
    assert "Réessayez dans 30 secondes." in page
    assert "You have sent too many requests" in page  # a key not overridden: the default


def test_a_text_that_does_not_format_falls_back_to_the_default() -> None:
    page = quota(30).render(b"text/html", {"retry": "in {when}", "seconds": "{0}"})[2].decode()
    assert "Please try again in 30 seconds." in page


def test_texts_table_is_read_only_and_complete() -> None:
    with pytest.raises(TypeError):
        Refusal.TEXTS["lang"] = "de"  # type: ignore[index]
    for kind in ("quota", "ban", "deny", "unavailable"):
        assert f"{kind}.title" in Refusal.TEXTS
        assert f"{kind}.message" in Refusal.TEXTS


def test_headers_as_strings_for_a_starlette_response() -> None:
    assert quota().headers == {
        "retry-after": "30",
        "ratelimit-policy": '"login";q=5;w=60',
        "ratelimit": '"login";r=0;t=30',
    }
    assert repr(quota()) == "Refusal(429, 'quota', retry_after=30, policies=('login',))"


def test_ban_problem_type() -> None:
    body = Refusal(429, "ban", 600, ("default",), []).render(None)[2]
    assert json.loads(body)["type"] == ABNORMAL_USAGE
