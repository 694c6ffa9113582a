from __future__ import annotations

import privmw
import privmw.ratelimit


def test_public_names_are_exported_from_privmw() -> None:
    for name in privmw.ratelimit.__all__:
        assert name in privmw.__all__
        assert getattr(privmw, name) is getattr(privmw.ratelimit, name)
    assert privmw.__all__ == sorted(privmw.__all__)


def test_ratelimit_all_names_exist() -> None:
    assert privmw.ratelimit.__all__ == sorted(privmw.ratelimit.__all__)
    for name in privmw.ratelimit.__all__:
        assert hasattr(privmw.ratelimit, name)
