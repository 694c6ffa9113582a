"""Catalogues and language negotiation (RFC 4647 lookup with RFC 9110 q-values)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from privmw._i18n import (
    SHIPPED,
    Catalogues,
    format_text,
    keys,
    lookup,
    parse_accept_language,
    placeholders,
    shipped_catalogue,
)
from tests.servers import ROOT

LOCALES = ROOT / "src" / "privmw" / "locales"

#: (language, key) pairs whose text is rightly the same as the English one:
#: loanwords and words that are spelled alike, each checked by hand.
SAME_AS_ENGLISH = {
    ("de", "category.marketing"),  # "Marketing" is the German word
    ("it", "category.marketing"),
    ("nl", "category.marketing"),
    ("pl", "category.marketing"),
    ("de", "disclosure.details"),  # "Details"
    ("nl", "disclosure.details"),
    ("es", "disclosure.no"),  # "no"
    ("it", "disclosure.no"),
    ("fr", "ratelimit.minute"),  # "{n} minute"
    ("fr", "ratelimit.minutes"),
}


def test_the_eight_languages_ship_as_json_files() -> None:
    files = sorted(p.stem for p in LOCALES.glob("*.json"))
    assert files == sorted(SHIPPED)
    assert set(SHIPPED) >= {"en", "de", "fr", "es", "it", "nl", "pl", "pt"}


@pytest.mark.parametrize("language", SHIPPED)
def test_every_key_in_every_language_with_the_same_parameters(language: str) -> None:
    english = shipped_catalogue("en")
    texts = json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
    assert set(texts) == set(english), set(texts) ^ set(english)
    for key, text in texts.items():
        assert text, (language, key)
        assert text.strip() == text, (language, key)
        assert placeholders(text) == placeholders(english[key]), (language, key)


@pytest.mark.parametrize("language", [lang for lang in SHIPPED if lang != "en"])
def test_no_leftover_english(language: str) -> None:
    english = shipped_catalogue("en")
    texts = shipped_catalogue(language)
    same = {k for k in texts if texts[k] == english[k]}
    assert same == {k for lang, k in SAME_AS_ENGLISH if lang == language}
    # No English sentence hiding in a longer text either: these English words
    # do not occur in any of the other seven languages' texts.
    for key, text in texts.items():
        for word in ("your", "the", "and", "allow", "cookies are", "browser sends"):
            assert not re.search(rf"\b{word}\b", text, re.IGNORECASE), (language, key, word)


def test_catalogue_keys_cover_every_page() -> None:
    prefixes = {k.split(".", 1)[0] for k in keys()}
    assert prefixes == {"banner", "category", "form", "embed", "ratelimit", "disclosure"}


def test_the_rate_limiters_texts_are_all_translated() -> None:
    from privmw._pages import RATELIMIT_KEYS
    from privmw.ratelimit.refusal import Refusal

    # Every text of the rate limiter's refusal page has a catalogue key.
    assert set(Refusal.TEXTS) - {"lang"} == set(RATELIMIT_KEYS)


# -- RFC 4647 section 3.4 lookup ----------------------------------------------------

LOOKUP = [
    # The RFC's own example: "zh-Hant-CN-x-private1-private2" falls back step by step.
    ("zh-Hant-CN-x-private1-private2", ["zh-hant-cn", "zh"], "zh-hant-cn"),
    ("zh-Hant-CN-x-private1-private2", ["zh-hant", "zh"], "zh-hant"),
    ("zh-Hant-CN-x-private1-private2", ["zh"], "zh"),
    ("zh-Hant-CN-x-private1-private2", ["en"], "en"),
    # A singleton left at the end is removed with the subtag after it.
    ("de-a-ext-CH", ["de"], "de"),
    ("de-CH", ["de", "en"], "de"),
    ("DE-ch", ["de"], "de"),
    ("pt-BR", ["pt", "en"], "pt"),
    ("pt-BR", ["pt-BR", "pt"], "pt-BR"),
    # q-values order the list, ties keep the header's order.
    ("fr;q=0.4, de;q=0.9", ["fr", "de", "en"], "de"),
    ("fr, de", ["fr", "de"], "fr"),
    ("fr;q=0.5, de;q=0.5", ["de", "fr"], "fr"),
    # q=0 is "not acceptable", and "*" is skipped by lookup.
    ("de;q=0, *", ["de", "en"], "en"),
    ("fr-CA, fr;q=0", ["fr", "en"], "en"),
    ("*", ["de"], "en"),
    # Malformed members are skipped, not fatal.
    ("de;q=2, xx-;q=1, it;q=0.7", ["de", "it"], "it"),
    ("de;q=abc, nl", ["de", "nl"], "nl"),
    ("", ["de"], "en"),
    (";;;,,,", ["de"], "en"),
]


@pytest.mark.parametrize(("header", "available", "expected"), LOOKUP)
def test_lookup(header: str, available: list[str], expected: str) -> None:
    assert lookup(parse_accept_language(header), available, "en") == expected


def test_parse_accept_language_reads_a_bounded_prefix() -> None:
    header = ", ".join(f"de-{i:04d}" for i in range(500))
    parsed = parse_accept_language(header)
    assert len(parsed) == 32
    assert parsed[0] == ("de-0000", 1.0)
    # Optional whitespace around ";" (RFC 9110 weight = OWS ";" OWS "q=" qvalue).
    assert parse_accept_language("de-CH;q=0.8 , en ; q=0.5") == [("de-ch", 0.8), ("en", 0.5)]
    assert parse_accept_language("en;q=0.1234, de;q=1.5") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_negotiation_never_raises_and_answers_a_language_on_offer(header: str) -> None:
    catalogues = Catalogues(("de", "en", "fr"))
    assert catalogues.negotiate(header) in ("de", "en", "fr")


def test_negotiation_caches_are_bounded() -> None:
    catalogues = Catalogues()
    for i in range(2000):
        catalogues.negotiate(f"de-x-{i:06d}, fr;q=0.{i % 10}")
    assert catalogues.negotiate("fr-CH, de;q=0.2") == "fr"
    assert catalogues.negotiate("x" * 100_000) == "en"


def test_overrides_and_unshipped_languages_fall_back_to_the_default() -> None:
    catalogues = Catalogues(
        ("de", "en", "sv"),
        {"de": {"banner.title": "Datenschutz"}, "sv": {"banner.accept_all": "Godkänn alla"}},
    )
    assert catalogues.default == "de"
    assert catalogues.texts("de")["banner.title"] == "Datenschutz"
    assert catalogues.texts("de")["banner.reject_all"] == "Alle ablehnen"
    assert catalogues.texts("sv")["banner.accept_all"] == "Godkänn alla"
    assert catalogues.texts("sv")["banner.reject_all"] == "Alle ablehnen"  # from the default
    assert catalogues.texts("ja") is catalogues.texts("de")
    assert catalogues.negotiate("sv-SE") == "sv"


def test_format_text_substitutes_only_named_parameters() -> None:
    assert format_text("in {seconds} s", {"seconds": "30"}) == "in 30 s"
    # No str.format: attribute access and unknown names stay text.
    assert format_text("{seconds.__class__} {other}", {"seconds": "1"}) == (
        "{seconds.__class__} {other}"
    )
    assert format_text("{0}", {}) == "{0}"
