"""`privmw.__all__` and the package's public names agree (httpx's convention)."""

from __future__ import annotations

import importlib
import pkgutil
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


def test_every_module_exports_only_documented_names() -> None:
    # Runtime classes and helpers stay private: a public module's __all__ may
    # only re-export names of the documented API (privmw.__all__), and the same
    # objects. Private modules (a ``_`` in the path) name their own internals.
    documented = set(privmw.__all__)
    checked = 0
    for info in pkgutil.walk_packages(privmw.__path__, "privmw."):
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", None)
        assert names is not None, f"{info.name} has no __all__"
        checked += 1
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        assert list(names) == sorted(names), info.name
        for name in names:
            assert name in documented, f"{info.name}.__all__ exports undocumented {name!r}"
            assert getattr(module, name) is getattr(privmw, name), (info.name, name)
    assert checked > 30  # the walk really saw the package
