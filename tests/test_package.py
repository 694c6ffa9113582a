"""The sdist and the wheel, built for real: what they carry and what they must not."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import require
from tests.servers import ROOT

pytestmark = pytest.mark.server

#: Nothing generated, cached or private in either archive.
FORBIDDEN = (
    ".hypothesis",
    "__pycache__",
    ".pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".venv",
    "/logs/",
    "tests/artifacts",
    "benchmarks/results",
    ".site/",
    ".git/",
    "demo-secret",
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require(importlib.util.find_spec("build") is not None, "build is not installed")
    require(importlib.util.find_spec("hatchling") is not None, "hatchling is not installed")
    out = tmp_path_factory.mktemp("dist")
    # The sdist first, then the wheel built *from the sdist*, as pip would from PyPI.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def _names(dist: Path) -> tuple[list[str], list[str]]:
    (sdist,) = dist.glob("privmw-*.tar.gz")
    (wheel,) = dist.glob("privmw-*.whl")
    with tarfile.open(sdist) as tar:
        sdist_names = [m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name]
    with zipfile.ZipFile(wheel) as zf:
        wheel_names = zf.namelist()
    return sdist_names, wheel_names


def test_sdist_carries_the_source_and_nothing_generated(dist: Path) -> None:
    names, _ = _names(dist)
    for needed in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        "mkdocs.yml",
        "src/privmw/__init__.py",
        "src/privmw/py.typed",
        "src/privmw/tags/static/privmw.js",
        "tests/conftest.py",
        "docs/index.md",
        "examples/fastapi_app/app.py",
    ):
        assert needed in names, needed
    bad = [n for n in names if any(f in "/" + n for f in FORBIDDEN)]
    assert not bad, bad


def test_wheel_carries_the_package_its_license_and_metadata(dist: Path) -> None:
    _, names = _names(dist)
    assert all(n.startswith(("privmw/", "privmw-")) for n in names), names
    assert "privmw/py.typed" in names
    assert "privmw/tags/static/privmw.js" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if any(f in "/" + n for f in FORBIDDEN)]
    assert not [n for n in names if n.startswith(("tests/", "docs/", "examples/"))]
    (wheel,) = dist.glob("privmw-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode())
    assert meta["License-Expression"] == "MIT"
    assert sorted(meta.get_all("Provides-Extra") or []) == ["prometheus", "redis", "speedups"]
    urls = meta.get_all("Project-URL") or []
    assert any(u.startswith("Documentation, https://") for u in urls), urls
    classifiers = meta.get_all("Classifier") or []
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    requires = meta.get_all("Requires-Dist") or []
    assert not [r for r in requires if "pytest" in r or "mkdocs" in r]  # dev tools are groups
    # Compiled accelerators without wheels everywhere are opt-in (never compile).
    core = [r for r in requires if "extra ==" not in r]
    assert not [r for r in core if "ua-parser-rs" in r or "[regex]" in r or "re2" in r], core
    # The PyPI page is the README: no relative link that would 404 there.
    body = meta.get_payload()
    assert "](docs/" not in body
    assert "](benchmarks/" not in body
