"""Registrable domains by the Public Suffix List (issue 14 item 7), as a table."""

from __future__ import annotations

import pytest

from privmw._domain import DomainCache, host_name, registrable_domain
from privmw.cookies import expiry_headers

from ._domain_cases import HOSTS


@pytest.mark.parametrize(("host", "expected"), HOSTS)
def test_registrable_domain(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


def test_a_public_suffix_never_comes_back() -> None:
    """Browsers refuse Domain=<public suffix>: privmw never emits one."""
    from privmw._domain import public_suffix_list

    psl = public_suffix_list()
    for host, _ in HOSTS:
        domain = registrable_domain(host)
        if domain is not None:
            assert not psl.is_public(domain), host
            assert domain == host_name(host) or host_name(host).endswith("." + domain)  # type: ignore[union-attr]


def test_expiries_on_a_private_suffix_use_the_host_itself() -> None:
    headers = expiry_headers(["_ga"], registrable_domain("foo.github.io"))
    assert headers[1] == (
        b"set-cookie",
        b"_ga=; Max-Age=0; Path=/; SameSite=Lax; Domain=foo.github.io",
    )


def test_domain_cache_is_bounded_and_skips_long_values() -> None:
    cache = DomainCache()
    for i in range(5000):
        assert cache(f"www.site{i}.example.co.uk") == "example.co.uk"
    assert cache("a." * 2000 + "example.org") is None
    info = cache.cache_info()
    assert 0 < info.entries <= info.max_entries
    assert info.bytes <= info.max_bytes


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("WWW.Example.ORG", "www.example.org"),
        ("www.bücher.de:8443", "www.xn--bcher-kva.de"),
        ("under_score.example.org", "under_score.example.org"),
        ("example.org:0", None),
        ("exa mple.org", None),
        ("\udcff.org", None),
    ],
)
def test_host_name(host: str, name: str | None) -> None:
    assert host_name(host) == name
