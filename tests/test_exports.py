"""`privmw.__all__` and the package's public names agree (httpx's convention)."""

from __future__ import annotations

import types

import privmw


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name in dir(privmw)
        if not name.startswith("_")
        and name != "annotations"  # the __future__ import
        and not isinstance(getattr(privmw, name), types.ModuleType)
    }
    assert sorted(privmw.__all__) == privmw.__all__
    assert set(privmw.__all__) - {"__version__"} == public
    for name in public:
        assert getattr(privmw, name).__module__.startswith("privmw"), name
