"""Several worker processes, for real: ``uvicorn --workers 2`` and a real ``redis-server``.

The app (``tests/_workers_app.py``) is configured from the environment like a
deployment. Every response names the worker process that answered
(``x-worker``), so each check is made against *both* workers. Bounded: a few
server starts and at most a few hundred requests, all on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from privmw import ConsentPolicy
from privmw._secrets import ENV
from privmw.consent.cookie import decode_consent, signing_keys
from privmw.ratelimit.headers import ABNORMAL_USAGE, QUOTA_EXCEEDED
from tests.conftest import require
from tests.servers import redis_server, uvicorn_server

pytestmark = pytest.mark.server

OLD = "workers-test-previous-secret-0123456789"
NEW = "workers-test-current-secret-0123456789"
APP = "tests._workers_app:app"
VISITOR = "203.0.113.77"  # via X-Forwarded-For from the trusted loopback peer


def _require_parts(redis: bool) -> None:
    require(importlib.util.find_spec("uvicorn") is not None, "uvicorn is not installed")
    if redis:
        require(shutil.which("redis-server") is not None, "redis-server is not installed")


class Workers:
    """Requests to a running ``uvicorn --workers 2``, each on a new connection."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, client: str = VISITOR, **kwargs: Any) -> httpx.Response:
        headers = {"x-forwarded-for": client, **kwargs.pop("headers", {})}
        # A new connection every time, so the kernel hands it to either worker.
        return httpx.get(self.base + path, headers=headers, timeout=10, **kwargs)

    def post_consent(self, choice: dict[str, bool]) -> str:
        response = httpx.post(
            self.base + "/privacy/consent",
            json=choice,
            headers={"x-forwarded-for": VISITOR},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return _cookie_value(response.headers["set-cookie"])

    def on_both(self, path: str, cookie: str | None = None) -> dict[str, httpx.Response]:
        """One response from each worker (first seen), trying at most ~10 s."""
        seen: dict[str, httpx.Response] = {}
        deadline = time.monotonic() + 10
        headers = {"cookie": f"privmw_consent={cookie}"} if cookie else {}
        while len(seen) < 2 and time.monotonic() < deadline:
            response = self.get(path, headers=headers)
            seen.setdefault(response.headers["x-worker"], response)
        assert len(seen) == 2, "only one worker answered: the check would prove nothing"
        return seen


def _cookie_value(set_cookie: str) -> str:
    name, _, rest = set_cookie.partition("=")
    assert name == "privmw_consent", set_cookie
    return rest.split(";", 1)[0]


@contextlib.contextmanager
def workers(tmp: Path, name: str, env: dict[str, str]) -> Iterator[Workers]:
    with uvicorn_server(
        APP, "--workers", "2", env=env, log_path=tmp / f"{name}.log", timeout=30
    ) as port:
        yield Workers(port)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_parts(redis=True)
    with redis_server(tmp_path_factory.mktemp("redis") / "redis.log") as url:
        yield url


def _limit_run(w: Workers, client: str, n: int) -> list[tuple[int, str, str]]:
    """``n`` requests to the limited route: (status, problem type, worker)."""
    out = []
    for _ in range(n):
        r = w.get("/limited", client=client)
        kind = r.json().get("type", "") if r.status_code == 429 else ""
        out.append((r.status_code, kind, r.headers["x-worker"]))
    return out


def test_two_workers_share_consent_pseudonyms_and_the_limit(redis_url: str, tmp_path: Path) -> None:
    _require_parts(redis=True)
    # A consent cookie made under the previous secret, before the rotation.
    with workers(tmp_path, "before-rotation", {ENV: OLD, "PRIVMW_TEST_REDIS": ""}) as w:
        old_cookie = w.post_consent({"analytics": True, "marketing": False})
    env = {ENV: f"{NEW},{OLD}", "PRIVMW_TEST_REDIS": redis_url}
    with workers(tmp_path, "shared", env) as w:
        # 1. A cookie set by one worker is read by the other.
        cookie = w.post_consent({"analytics": True, "marketing": True})
        both = w.on_both("/", cookie)
        for response in both.values():
            assert response.json()["consent"] == ["analytics", "marketing"]
        # 2. Pseudonyms agree across the workers.
        pseudonyms = {r.json()["pseudonym"] for r in both.values()}
        assert len(pseudonyms) == 1
        assert None not in pseudonyms
        # 3. Rotation: the old cookie is read by both workers and re-signed with NEW.
        rotated = w.on_both("/", old_cookie)
        for r in rotated.values():
            assert r.json()["consent"] == ["analytics"]
            refreshed = _cookie_value(r.headers["set-cookie"])
            policy = ConsentPolicy()
            keys = signing_keys((NEW.encode(),))
            assert decode_consent(policy, refreshed, now=time.time(), keys=keys) is not None
            assert w.on_both("/", refreshed)  # and read again, with no refresh needed
        # 4. One limit for both workers: 6 a minute in all, not 6 per worker.
        runs = _limit_run(w, "198.51.100.7", 14)
        assert [status for status, _, _ in runs[:6]] == [200] * 6
        assert all(status == 429 for status, _, _ in runs[6:])
        assert len({pid for _, _, pid in runs}) == 2, "both workers must have answered"


def test_a_ban_by_one_worker_holds_in_the_other(redis_url: str, tmp_path: Path) -> None:
    _require_parts(redis=True)
    client = "198.51.100.99"
    with workers(tmp_path, "bans", {ENV: NEW, "PRIVMW_TEST_REDIS": redis_url}) as w:
        # One kept-alive connection stays with one worker: it alone refuses and bans.
        with httpx.Client(base_url=w.base, headers={"x-forwarded-for": client}) as pinned:
            for _ in range(30):
                r = pinned.get("/limited")
                if r.status_code == 429 and r.json()["type"] == ABNORMAL_USAGE:
                    break
            else:
                pytest.fail("no ban after 30 requests")
            banning = r.headers["x-worker"]
        # The other worker, which never refused this client, must answer with the ban too.
        for _ in range(50):
            other = w.get("/limited", client=client)
            if other.headers["x-worker"] != banning:
                break
        else:
            pytest.fail("the other worker never answered")
        assert other.status_code == 429
        assert other.json()["type"] == ABNORMAL_USAGE, other.json()


def test_without_redis_what_is_per_process_is_as_documented(tmp_path: Path) -> None:
    _require_parts(redis=False)
    # With PRIVMW_SECRET: consent and pseudonyms are shared; the limit is per worker.
    with workers(tmp_path, "memory", {ENV: NEW, "PRIVMW_TEST_REDIS": ""}) as w:
        cookie = w.post_consent({"analytics": True})
        both = w.on_both("/", cookie)
        assert all(r.json()["consent"] == ["analytics"] for r in both.values())
        assert len({r.json()["pseudonym"] for r in both.values()}) == 1
        runs = _limit_run(w, "198.51.100.8", 30)
        allowed = sum(status == 200 for status, _, _ in runs)
        # Each worker has its own table: more than the 6 a minute, at most 6 per worker.
        assert 6 < allowed <= 12, runs
        assert all(kind in ("", QUOTA_EXCEEDED, ABNORMAL_USAGE) for _, kind, _ in runs)
    # Without any secret (insecure_ephemeral_secret): each worker has its own key.
    with workers(tmp_path, "ephemeral", {"PRIVMW_TEST_EPHEMERAL": "1"}) as w:
        cookie = w.post_consent({"analytics": True})
        both = w.on_both("/", cookie)
        readers = {pid for pid, r in both.items() if r.json()["consent"] == ["analytics"]}
        assert len(readers) == 1  # only the worker that signed it
        assert len({r.json()["pseudonym"] for r in both.values()}) == 2
    log = (tmp_path / "ephemeral.log").read_text()
    assert "insecure_ephemeral_secret=True" in log  # the one warning, in each worker
