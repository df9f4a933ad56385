"""Freeze the public surface and the one-way imports between layers."""

from __future__ import annotations

import ast
from pathlib import Path

import liqcascade

PKG = Path(liqcascade.__file__).resolve().parent

# layer -> layers it must never import
FORBIDDEN = {
    "margin": {"data", "leverage", "sim", "validate", "report", "serve", "cli", "_cli"},
    "data": {"leverage", "sim", "validate", "report", "serve", "cli", "_cli"},
    "leverage": {"sim", "validate", "report", "serve", "cli", "_cli"},
    "sim": {"validate", "report", "serve", "cli", "_cli"},
    "validate": {"report", "serve", "cli", "_cli"},
    "report": {"serve", "cli", "_cli"},
    "serve": {"cli", "_cli"},
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
        "validate",
    ]


SUBPACKAGE_ALL = {
    "margin": [
        "BracketTable",
        "MarginResult",
        "MarginState",
        "Status",
        "bankruptcy_price",
        "brackets",
        "collateral_for_leverage",
        "contracts_to_size",
        "initial_margin",
        "liquidation_price",
        "liquidation_prices",
        "load_brackets",
        "maintenance_margin",
        "margin_at",
        "margin_detailed",
        "margin_ratio",
        "normalize_symbol",
        "packaged_tables",
        "user_brackets_dir",
    ],
    "data": [
        "DATASETS",
        "Dataset",
        "ImportLimits",
        "ImportSummary",
        "Store",
        "WriteSummary",
        "base_asset",
        "default_store_path",
        "import_paths",
        "load_sample",
        "sample_files",
    ],
    "leverage": [
        "HYPERLIQUID_2025_PRIOR",
        "LeverageBucket",
        "LiquidationMap",
        "MapConfig",
        "compare_with_ladder",
        "estimate_frame",
        "estimate_liquidations",
        "leave_one_out",
        "liquidation_map",
        "map_from_frames",
    ],
    "sim": [
        "Book",
        "CascadeConfig",
        "CascadeResult",
        "DaskExecutor",
        "DepthWithdrawal",
        "Executor",
        "ExogenousFlow",
        "FundingPressure",
        "Momentum",
        "MonteCarloPriors",
        "MonteCarloResult",
        "ProcessExecutor",
        "ReplayResult",
        "SerialExecutor",
        "Shock",
        "StressModel",
        "StressResult",
        "calibrate_depth_withdrawal",
        "monte_carlo",
        "replay",
        "simulate",
        "stress",
    ],
    "validate": [
        "ValidationResult",
        "auc",
        "coverage",
        "mae",
        "spearman",
        "spearman_ci",
        "validate",
    ],
    "serve": ["create_app", "is_loopback", "run"],
    "report": [
        "EpisodeReport",
        "WeeklyReport",
        "compute_weekly",
        "episode_report",
        "weekly_report",
    ],
}


def test_subpackage_public_names_are_frozen() -> None:
    import importlib

    for name, expected in SUBPACKAGE_ALL.items():
        module = importlib.import_module(f"liqcascade.{name}")
        assert sorted(module.__all__) == expected, name
        missing = [n for n in expected if not hasattr(module, n)]
        assert missing == [], f"liqcascade.{name} lacks {missing}"


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
