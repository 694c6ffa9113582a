"""Invariant 1: what downstream sees of the client, for inputs the resolver's author did not list.

* Header names in upper case. ASGI says servers lower-case them, but an
  outer middleware or a test client may not; privmw's one header pass
  compares names exactly, so an ``X-Forwarded-For`` from a trusted proxy is
  neither read nor scrubbed and the app sees the full address (and a
  ``Sec-GPC: 1`` is not honoured).
* Valid spellings of the client's address outside the fixed set of forms
  the any-header scrub looks for, though the README promises "IPv4-mapped
  (``::ffff:a.b.c.d`` or ``::ffff:102:304``), IPv6 compressed or not, in any
  letter case".
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest

from privmw import PrivacyMiddleware
from tests.attack._drive import Headers, drive, http_scope

CLIENT4 = "203.0.113.9"
CLIENT6 = "2001:db8:1:2:3:4:5:6"


class Seen:
    def __init__(self) -> None:
        self.scope: dict[str, Any] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


_CANDIDATE = re.compile(r"[0-9A-Fa-f:.]{7,}")


def addresses_in(headers: Headers) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address any header value spells, in any valid textual form (the oracle)."""
    found: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for _, value in headers:
        for token in _CANDIDATE.findall(value.decode("latin-1")):
            for piece in {token, token.strip(":."), token.rstrip(":.0123456789")}:
                try:
                    ip = ipaddress.ip_address(piece)
                except ValueError:
                    continue
                mapped = getattr(ip, "ipv4_mapped", None)
                found.add(mapped or ip)
    return found


def _seen(headers: Headers, client: tuple[str, int], **options: Any) -> Seen:
    app = Seen()
    mw = PrivacyMiddleware(app, **options)
    drive(mw, http_scope(headers=[(b"host", b"example.com"), *headers], client=client))
    return app


@pytest.mark.parametrize(
    "name", [b"X-Forwarded-For", b"X-FORWARDED-FOR", b"x-Forwarded-for"], ids=bytes.decode
)
def test_upper_case_forwarding_header_from_a_trusted_proxy(name: bytes) -> None:
    app = _seen([(name, CLIENT4.encode())], ("10.0.0.1", 1234), trusted_proxies=["10.0.0.0/8"])
    assert app.scope["client"][0] == "203.0.113.0"  # the client behind the proxy, truncated
    assert ipaddress.ip_address(CLIENT4) not in addresses_in(app.scope["headers"])


def test_upper_case_platform_header_is_removed() -> None:
    """``X-Real-IP`` is one of the headers the README says are removed."""
    headers = [(b"x-forwarded-for", CLIENT4.encode()), (b"X-Real-IP", b"198.51.100.7")]
    app = _seen(headers, ("10.0.0.1", 1234), trusted_proxies=["10.0.0.0/8"])
    names = [n.lower() for n, _ in app.scope["headers"]]
    assert b"x-real-ip" not in names


def test_upper_case_sec_gpc_is_honoured() -> None:
    app = _seen([(b"Sec-GPC", b"1")], (CLIENT4, 1))
    assert app.scope["state"]["privacy"].gpc is True


# Each value spells the client's address; inet_pton/ipaddress accept every one.
ALTERNATE_FORMS = {
    "IPv4-mapped hex, upper case": (CLIENT4, "client=::FFFF:CB00:7109"),
    "IPv4-mapped hex, uncompressed": (CLIENT4, "client=0:0:0:0:0:ffff:cb00:7109"),
    "IPv4-mapped hex, zero-padded": (CLIENT4, "client=0000:0000:0000:0000:0000:ffff:cb00:7109"),
    "IPv6, zeros compressed elsewhere": ("2001:db8:1:0:0:4:5:6", "2001:db8:1:0::4:5:6"),
    "IPv6, some groups zero-padded": (CLIENT6, "2001:db8:1:2:3:4:0005:6"),
    "IPv6, leading groups padded only": (CLIENT6, "2001:0db8:0001:0002:0003:0004:5:6"),
    "IPv6, the shorter zero run compressed": ("2001:db8:0:0:1:0:0:1", "2001:db8:0:0:1::1"),
}


@pytest.mark.parametrize("form", list(ALTERNATE_FORMS))
def test_any_header_scrub_finds_every_spelling(form: str) -> None:
    client, value = ALTERNATE_FORMS[form]
    address = ipaddress.ip_address(client)
    assert address in addresses_in([(b"x", value.encode())])  # the oracle reads it
    app = _seen([(b"x-debug-client", value.encode())], (client, 1))
    assert address not in addresses_in(app.scope["headers"]), app.scope["headers"]


@pytest.mark.parametrize(
    ("client", "value"),
    [
        (CLIENT4, "client=::ffff:cb00:7109"),
        (CLIENT4, "client=[::ffff:203.0.113.9]:443"),
        (CLIENT6, CLIENT6.upper()),
        (CLIENT6, ipaddress.ip_address(CLIENT6).exploded),
    ],
)
def test_control_forms_privmw_knows_are_scrubbed(client: str, value: str) -> None:
    """Control for the oracle: the spellings privmw does look for come out truncated."""
    app = _seen([(b"x-debug-client", value.encode())], (client, 1))
    assert ipaddress.ip_address(client) not in addresses_in(app.scope["headers"])
