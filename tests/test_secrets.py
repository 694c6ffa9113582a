"""privmw's one secret: where it comes from, what needs it, the derived keys, rotation."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from privmw import (
    ConfigurationError,
    ConsentPolicy,
    PrivacyMiddleware,
    RateLimit,
    RedisBackend,
    _secrets,
)
from privmw._secrets import CONSENT, GENERATE, PSEUDONYM, RATELIMIT, Secrets, hkdf, period_key
from privmw.consent.cookie import decode_consent, encode_consent, signing_keys
from privmw.pseudonym import KeyedHasher
from tests.conftest import TEST_SECRET

OLD = "the-previous-secret-0123456789abcdef"
NEW = "the-current-secret-0123456789abcdef"
NOW = 1_780_000_000.0


# -- HKDF against RFC 5869 appendix A (SHA-256 cases) -----------------------------------


@pytest.mark.parametrize(
    ("ikm", "salt", "info", "length", "okm"),
    [
        (  # A.1: basic test case
            bytes.fromhex("0b" * 22),
            bytes.fromhex("000102030405060708090a0b0c"),
            bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
            42,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        ),
        (  # A.2: longer inputs and output
            bytes(range(0x50)),
            bytes(range(0x60, 0xB0)),
            bytes(range(0xB0, 0x100)),
            82,
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271"
            "cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
        ),
        (  # A.3: zero-length salt and info
            bytes.fromhex("0b" * 22),
            b"",
            b"",
            42,
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        ),
    ],
    ids=["A.1", "A.2", "A.3"],
)
def test_hkdf_matches_rfc5869(ikm: bytes, salt: bytes, info: bytes, length: int, okm: str) -> None:
    assert hkdf(ikm, info, length, salt=salt).hex() == okm


def test_each_use_has_its_own_key() -> None:
    secret = TEST_SECRET.encode()
    keys = {hkdf(secret, label) for label in (CONSENT, PSEUDONYM, RATELIMIT)}
    assert len(keys) == 3
    assert secret not in keys
    # Period keys: a function of root, length and number; none equals another.
    root = hkdf(secret, PSEUDONYM)
    periods = {period_key(root, 3600, n) for n in range(50)} | {period_key(root, 86400, 1)}
    assert len(periods) == 51
    assert period_key(root, 3600, 7) == period_key(root, 3600.0, 7)  # recomputable with the root


# -- where the secret comes from ---------------------------------------------------------


def test_argument_then_environment_then_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Secrets.resolve(None, ephemeral=False).source == "none"
    monkeypatch.setenv("PRIVMW_SECRET", f" {NEW}, {OLD} ")
    from_env = Secrets.resolve(None, ephemeral=False)
    assert from_env.source == "environment"
    assert from_env.all() == (NEW.encode(), OLD.encode())
    monkeypatch.setenv("PRIVMW_SECRET", f"{NEW}\n{OLD}")
    assert Secrets.resolve(None, ephemeral=True).all() == (NEW.encode(), OLD.encode())
    given = Secrets.resolve([OLD], ephemeral=False)
    assert (given.source, given.all()) == ("argument", (OLD.encode(),))
    assert "secret" not in repr(given).replace("secret(s)", "")
    assert OLD not in repr(given)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("short", "5 bytes"),
        (["x" * 32, "tiny"], "4 bytes"),
        (12345, "a value of type int"),
        ([], "an empty list"),
        ({"a": "b" * 32}, "a value of type dict"),
        (["x" * 32] * 1 + [f"{i:032d}" for i in range(8)], "9"),
    ],
)
def test_bad_secrets_are_refused_without_echoing_them(value: Any, shown: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        PrivacyMiddleware(_app, secret=value)
    message = str(err.value)
    assert message.startswith("PrivacyMiddleware: secret must be")
    assert shown in message
    assert GENERATE in message
    assert "tiny" not in message
    assert "short" not in message


def test_bad_environment_secret_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVMW_SECRET", "too-short")
    with pytest.raises(ConfigurationError, match=r"^PRIVMW_SECRET: the value must be at least 16"):
        PrivacyMiddleware(_app)


# -- what needs a secret ---------------------------------------------------------------


def test_no_options_need_no_secret() -> None:
    mw = PrivacyMiddleware(_app)
    assert mw.consent is not None
    assert mw.consent.keys == ()


@pytest.mark.parametrize(
    ("options", "what"),
    [
        ({"pseudonyms": True}, "pseudonyms=True"),
        (
            {"rate_limit": RateLimit("10/second", backend=RedisBackend("redis://127.0.0.1:1/0"))},
            "RedisBackend",
        ),
    ],
)
def test_missing_secret_where_needed(options: dict[str, Any], what: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        PrivacyMiddleware(_app, **options)
    message = str(err.value)
    assert message.startswith("PrivacyMiddleware: secret must be set for ")
    assert what in message
    assert "PRIVMW_SECRET" in message
    assert GENERATE in message  # how to make one


def test_redis_refuses_the_ephemeral_secret() -> None:
    limit = RateLimit("10/second", backend=RedisBackend("redis://127.0.0.1:1/0"))
    with pytest.raises(ConfigurationError, match="shared by every process"):
        PrivacyMiddleware(_app, rate_limit=limit, insecure_ephemeral_secret=True)
    # The per-feature override still works, with no middleware secret.
    own = RateLimit("10/second", backend=RedisBackend("redis://127.0.0.1:1/0", secret="r" * 32))
    assert PrivacyMiddleware(_app, rate_limit=own).limiter is not None


def test_ephemeral_secret_warns_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_secrets, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="privmw"):
        a = PrivacyMiddleware(_app, pseudonyms=True, insecure_ephemeral_secret=True)
        b = PrivacyMiddleware(_app, pseudonyms=True, insecure_ephemeral_secret=True)
    warnings = [r for r in caplog.records if "insecure_ephemeral_secret" in r.getMessage()]
    assert len(warnings) == 1
    assert "PRIVMW_SECRET" in warnings[0].getMessage()
    assert a.pseudonymizer is not None
    assert b.pseudonymizer is not None
    ip = b"\xc6\x33\x64\x01"
    assert a.pseudonymizer.digest(ip) != b.pseudonymizer.digest(ip)  # one random key each
    # A configured secret wins over the fallback, silently.
    monkeypatch.setenv("PRIVMW_SECRET", NEW)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="privmw"):
        c = PrivacyMiddleware(_app, pseudonyms=True, insecure_ephemeral_secret=True)
    assert c._secrets.source == "environment"
    assert not caplog.records


# -- pseudonyms agree across processes within a period --------------------------------


def test_pseudonym_keys_agree_across_processes_and_rotate_with_the_period() -> None:
    now = [NOW]
    root = hkdf(NEW.encode(), PSEUDONYM)
    worker_a = KeyedHasher(3600, secret=root, clock=lambda: now[0])
    worker_b = KeyedHasher(3600, secret=root, clock=lambda: now[0])
    ip = b"\xcb\x00\x71\x09"
    first = worker_a.digest(ip)
    assert worker_b.digest(ip) == first
    now[0] += 3600
    assert worker_a.digest(ip) != first
    assert worker_a.digest(ip) == worker_b.digest(ip)


# -- consent-cookie signing and rotation ----------------------------------------------


def _app_reading_consent() -> Starlette:
    async def home(request: Request) -> JSONResponse:
        consent = request.state.privacy.consent
        return JSONResponse(None if consent is None else sorted(consent))

    return Starlette(routes=[Route("/", home)])


async def _get(mw: PrivacyMiddleware, cookie: str, https: bool = False) -> httpx.Response:
    transport = httpx.ASGITransport(app=mw, client=("203.0.113.9", 4711))
    base = "https://example.org" if https else "http://example.org"
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        return await client.get("/", headers={"cookie": f"privmw_consent={cookie}"})


async def test_a_cookie_signed_with_a_previous_secret_is_read_and_resigned() -> None:
    policy = ConsentPolicy(clock=lambda: NOW)
    old_keys = signing_keys((OLD.encode(),))
    given = NOW - 30 * 86400
    old_cookie = encode_consent(policy, ["analytics"], now=given, keys=old_keys)
    rotated = PrivacyMiddleware(_app_reading_consent(), consent=policy, secret=[NEW, OLD])
    response = await _get(rotated, old_cookie, https=True)
    assert response.json() == ["analytics"]
    (refresh,) = response.headers.get_list("set-cookie")
    name, _, value = refresh.split(";", 1)[0].partition("=")
    assert name == "__Host-privmw_consent"  # over HTTPS, the name only this host can set
    assert value != old_cookie
    assert value.rsplit(".", 1)[0] == old_cookie.rsplit(".", 1)[0]  # same choice, same time
    assert f"Max-Age={policy.max_age - 30 * 86400}" in refresh  # expires when it would have
    assert "Secure" in refresh
    assert "SameSite=Lax" in refresh
    assert "Path=/" in refresh
    # The refreshed cookie is valid under the new secret alone; the old one is not.
    new_only = PrivacyMiddleware(_app_reading_consent(), consent=policy, secret=NEW)
    assert (await _get(new_only, value)).json() == ["analytics"]
    assert (await _get(new_only, old_cookie)).json() is None
    new_keys = signing_keys((NEW.encode(),))
    assert decode_consent(policy, value, now=NOW, keys=new_keys) is not None
    # A cookie under the current key needs no refresh.
    again = await _get(rotated, value)
    assert again.json() == ["analytics"]
    assert "set-cookie" not in again.headers


async def test_signing_keys_come_from_the_one_secret() -> None:
    # The same secret given to the middleware or to ConsentPolicy (the override)
    # signs alike, and neither signs with the raw secret.
    policy = ConsentPolicy(clock=lambda: NOW)
    by_policy = ConsentPolicy(secret=NEW, clock=lambda: NOW)
    cookie = encode_consent(by_policy, ["marketing"], now=NOW)
    mw = PrivacyMiddleware(_app_reading_consent(), consent=policy, secret=NEW)
    assert (await _get(mw, cookie)).json() == ["marketing"]
    raw = encode_consent(policy, ["marketing"], now=NOW, keys=(NEW.encode(),))
    assert (await _get(mw, raw)).json() is None
    unsigned = encode_consent(policy, ["marketing"], now=NOW)
    assert (await _get(mw, unsigned)).json() is None
    # PRIVMW_SECRET signs too: the consent endpoint's cookie verifies under it.
    assert mw.consent is not None
    assert mw.consent.keys == signing_keys((NEW.encode(),))


async def _app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - never called
    raise AssertionError
