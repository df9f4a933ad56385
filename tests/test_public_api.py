"""Freeze the public surface and the one-way imports between layers."""

from __future__ import annotations

import ast
from pathlib import Path

import liqcascade

PKG = Path(liqcascade.__file__).resolve().parent

# layer -> layers it must never import
FORBIDDEN = {
    "margin": {"data", "leverage", "sim", "report", "cli", "_cli"},
    "data": {"leverage", "sim", "report", "cli", "_cli"},
    "leverage": {"sim", "report", "cli", "_cli"},
    "sim": {"report", "cli", "_cli"},
    "report": {"cli", "_cli"},
}


def test_top_level_all_is_frozen() -> None:
    assert sorted(liqcascade.__all__) == [
        "LiqcascadeError",
        "__version__",
        "data",
        "leverage",
        "margin",
        "report",
        "sim",
    ]


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    layers: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "liqcascade" and len(parts) > 1:
                layers.add(parts[1])
    return layers


def test_layers_import_one_way() -> None:
    offenders = []
    for layer, forbidden in FORBIDDEN.items():
        for path in sorted((PKG / layer).rglob("*.py")):
            bad = _imported_layers(path) & forbidden
            if bad:
                offenders.append(f"{path.relative_to(PKG)} imports {sorted(bad)}")
    assert offenders == []


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, liqcascade; "
        "heavy = {'numba', 'dask', 'plotly', 'ccxt', 'duckdb'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
