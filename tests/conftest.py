"""Shared fixtures and helpers.

Tests that need a real part (uvicorn subprocess, redis-server, chromium) call
:func:`require` which skips with a reason locally and fails when ``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests: in CI a fixed set of examples (derandomized, no example
# database), so a run says whether *this change* broke something and a CI
# result can be reproduced exactly; a developer's run explores new examples
# each time (and keeps the failing ones in .hypothesis/), which is where new
# bugs are found. HYPOTHESIS_PROFILE=ci reproduces CI locally.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a real part is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


#: A secret for tests that need one (never a real one).
TEST_SECRET = "privmw-tests-secret-not-for-production"


@pytest.fixture(autouse=True)
def _no_ambient_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no ``PRIVMW_SECRET`` of the developer's shell (privmw reads it itself)."""
    monkeypatch.delenv("PRIVMW_SECRET", raising=False)


def shared_data(name: str) -> Path | None:
    """A third-party data set kept beside the clone, not in it (``shared/data/<name>``).

    Fetched test suites (web-platform-tests' URL data, html5lib-tests) are not
    committed: the project keeps them under the steering repository's
    ``shared/data``. ``$PRIVMW_SHARED_DATA`` points elsewhere. ``None`` when
    absent: the tests that read them then skip, saying which set is missing.
    """
    env = os.environ.get("PRIVMW_SHARED_DATA")
    roots = (
        [Path(env)] if env else [p / "shared" / "data" for p in Path(__file__).resolve().parents]
    )
    for root in roots:
        if (root / name).is_dir():
            return root / name
    return None
