"""The package as shipped: lean core dependencies, typed, licensed, every data file attributed."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import liqcascade

PKG = Path(liqcascade.__file__).resolve().parent
REPO = PKG.parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS_ONLY = {"dask", "distributed", "ccxt", "websockets", "scipy", "mkdocs"}


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (not inside functions) by one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_dependencies_leave_out_the_extras() -> None:
    core = {re.split(r"[\[<>=!~ ]", d, maxsplit=1)[0] for d in PYPROJECT["project"]["dependencies"]}
    assert not core & EXTRAS_ONLY
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"live", "dask", "docs", "dev"} <= set(extras)
    assert any(d.startswith("dask[distributed]") for d in extras["dask"])


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_no_module_imports_an_extra_at_import_time(path: Path) -> None:
    # extras are imported inside the functions that need them (MissingExtraError otherwise)
    assert not _top_level_imports(path) & EXTRAS_ONLY


def test_scipy_is_not_used() -> None:
    # the two statistics that needed it are plain numpy now (tests below)
    pattern = re.compile(r"^\s*(import scipy|from scipy)", re.MULTILINE)
    used = [p for p in PKG.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert used == []


def test_least_squares_matches_the_hand_worked_line() -> None:
    from liqcascade.sim._stress import _least_squares

    # y = 1 + 2x exactly: slope 2, r = 1; y = [1, 3, 2]: slope 0.5, r = 0.5 (sxy 1, sxx 2, syy 2)
    assert _least_squares(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])) == (2.0, 1.0)
    assert _least_squares(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])) == (0.5, 0.5)


def test_spearman_matches_the_rank_formula() -> None:
    from liqcascade.leverage._check import _spearman

    # ranks [1,2,3] vs [1,3,2]: d = [0,-1,1], rho = 1 - 6*2/(3*(9-1)) = 0.5
    assert _spearman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 30.0, 20.0])) == pytest.approx(0.5)


def test_typed_marker_license_and_changelog_are_shipped() -> None:
    assert (PKG / "py.typed").is_file()
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    assert (REPO / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")


def test_every_bundled_data_file_is_attributed() -> None:
    # each data file (not code) inside the package is named in an ATTRIBUTION.md beside it
    data = [p for p in PKG.rglob("*") if p.is_file() and p.suffix in {".parquet", ".json", ".csv"}]
    assert data
    for path in data:
        attribution = path.parent / "ATTRIBUTION.md"
        assert attribution.is_file(), f"{path.relative_to(PKG)} has no ATTRIBUTION.md beside it"
        assert f"`{path.name}`" in attribution.read_text(encoding="utf-8"), path.name
