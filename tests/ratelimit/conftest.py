"""Fixtures of the rate-limit tests: a real redis-server, fresh per test or shared."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import require

from ._redis import Server


@pytest.fixture
def server() -> Iterator[Server]:
    """A redis-server of this test's own (the test may stop and restart it)."""
    require(shutil.which("redis-server") is not None, "redis-server not installed")
    srv = Server()
    srv.start()
    try:
        yield srv
    finally:
        srv.remove()


@pytest.fixture(scope="session")
def shared_server() -> Iterator[Server]:
    """One redis-server for the tests that only read and write keys (flushed per test)."""
    require(shutil.which("redis-server") is not None, "redis-server not installed")
    srv = Server()
    srv.start()
    try:
        yield srv
    finally:
        srv.remove()


@pytest.fixture
def redis_url(shared_server: Server) -> str:
    """The shared server's URL, with an empty database for this test."""
    import redis

    client: Any = redis.Redis.from_url(shared_server.url)
    try:
        client.flushall()
    finally:
        client.close()
    return shared_server.url
