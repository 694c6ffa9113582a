from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from privmw import PrivacyMiddleware
from privmw.signals import dnt_set, gpc_set, parse_signals

# W3C GPC: Sec-GPC-field-value = "1"; anything else is ignored.
GPC_VALUES = [
    (b"1", True),
    (b"0", False),
    (b"true", False),
    (b"True", False),
    (b"yes", False),
    (b"", False),
    (b"01", False),
    (b"1.0", False),
    (b"10", False),
    (b"11", False),
    (b"1x", False),
    # RFC 9110 5.5: leading/trailing OWS is not part of the field value.
    (b"1 ", True),
    (b" 1", True),
    (b"\t1\t", True),
    (b"1 1", False),
    # a field a proxy combined from two lines
    (b"0, 1", True),
    (b"1,0", True),
    (b"0, 0", False),
    (b"true, yes", False),
]

# W3C TPE: DNT-field-value = ( "0" / "1" ) *DNT-extension; first character decides.
DNT_VALUES = [
    (b"1", True),
    (b"0", False),
    (b"1xyz", True),
    (b"10", True),
    (b"0 1", False),
    (b"true", False),
    (b"", False),
    (b"1 ", True),
    (b" 1", True),
    (b"yes", False),
]


@pytest.mark.parametrize(("value", "expected"), GPC_VALUES)
def test_gpc_value(value: bytes, expected: bool) -> None:
    assert gpc_set(value) is expected


@pytest.mark.parametrize(("value", "expected"), DNT_VALUES)
def test_dnt_value(value: bytes, expected: bool) -> None:
    assert dnt_set(value) is expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], (False, False)),
        ([(b"sec-gpc", b"1")], (True, False)),
        ([(b"sec-gpc", b"0"), (b"sec-gpc", b"1")], (True, False)),  # any 1 wins
        ([(b"sec-gpc", b"1"), (b"sec-gpc", b"0")], (True, False)),
        ([(b"sec-gpc", b"0"), (b"sec-gpc", b"true")], (False, False)),
        ([(b"dnt", b"1")], (False, True)),
        ([(b"dnt", b"0"), (b"dnt", b"1")], (False, True)),
        ([(b"sec-gpc", b"1"), (b"dnt", b"1")], (True, True)),
        ([(b"x-sec-gpc", b"1"), (b"dnt-x", b"1")], (False, False)),
    ],
)
def test_parse_signals(headers: list[tuple[bytes, bytes]], expected: tuple[bool, bool]) -> None:
    assert parse_signals(headers) == expected


async def _signals(headers: list[tuple[str, str]]) -> dict[str, bool]:
    async def view(request: Request) -> JSONResponse:
        ctx = request.state.privacy
        return JSONResponse({"gpc": ctx.gpc, "dnt": ctx.dnt})

    app = PrivacyMiddleware(Starlette(routes=[Route("/", view)]))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/", headers=headers)
    assert response.status_code == 200
    data: dict[str, bool] = response.json()
    return data


@pytest.mark.parametrize(
    ("headers", "gpc", "dnt"),
    [
        ([], False, False),
        ([("Sec-GPC", "1")], True, False),
        ([("Sec-GPC", "0")], False, False),
        ([("Sec-GPC", "true")], False, False),
        ([("Sec-GPC", "0"), ("Sec-GPC", "1")], True, False),
        ([("DNT", "1")], False, True),
        ([("DNT", "0")], False, False),
        ([("Sec-GPC", "1"), ("DNT", "1")], True, True),
    ],
)
async def test_signals_reach_request_state(
    headers: list[tuple[str, str]], gpc: bool, dnt: bool
) -> None:
    assert await _signals(headers) == {"gpc": gpc, "dnt": dnt}
