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
        "annualised_funding",
        "base_asset",
        "dataset",
        "default_store_path",
        "expand_paths",
        "import_paths",
        "load_sample",
        "overview",
        "overview_summary",
        "rate_per_8h",
        "sample_files",
    ],
    "data.feeds": [
        "FEEDS",
        "FrameError",
        "LiquidationEvent",
        "describe_gaps",
        "events_frame",
        "feed",
        "spool_dir",
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
        "AREA_TITLES",
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


# Private modules the CLI may still import, each with why it cannot go through a public name.
CLI_PRIVATE_ALLOWED = {
    # collect() and CollectConfig: exporting them from data.feeds would import asyncio with
    # every `import liqcascade` (importers -> feeds); the collector stays behind its module.
    "liqcascade.data.feeds._collect",
}


def _private_imports(path: Path) -> list[str]:
    """Modules ``path`` imports (at any depth) that are private to another subpackage.

    Private: any dotted part after ``liqcascade.<pkg>`` starts with ``_``, as in
    ``liqcascade.data._import`` or ``liqcascade.data.feeds._spool`` (also
    ``from liqcascade.data import _import``). The CLI's own helpers (``liqcascade._cli``) and
    the package-wide ``liqcascade._x`` helpers (``_time``, ``_format``...) are not counted.
    """
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from liqcascade.data import _import`` names a module too
            modules = [node.module]
            modules += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append(f"relative import at line {node.lineno}")
        for module in modules:
            parts = module.split(".")
            if parts[0] != "liqcascade" or len(parts) < 3 or parts[1] == "_cli":
                continue
            if any(p.startswith("_") for p in parts[2:]) and module not in CLI_PRIVATE_ALLOWED:
                found.append(f"{module} (line {node.lineno})")
    return found


def test_cli_uses_only_public_names() -> None:
    files = [*sorted((PKG / "_cli").glob("*.py")), PKG / "cli.py"]
    offenders = [f"{f.relative_to(PKG)}: {m}" for f in files for m in _private_imports(f)]
    assert offenders == []


def test_private_import_check_catches_each_form(tmp_path: Path) -> None:
    # The check above is only as good as its parser: each spelling of a private import counts.
    source = tmp_path / "cli_module.py"
    source.write_text(
        "from liqcascade.data._import import expand_paths\n"
        "from liqcascade.data import _overview\n"
        "import liqcascade.sim._stress\n"
        "from liqcascade.data.feeds._spool import spool_dir\n"
        "def f():\n    from liqcascade.report._episode import DEFAULT_SYMBOLS\n"
        "from liqcascade.data import Store\n"
        "from liqcascade._cli._common import emit_json\n"
        "from liqcascade._time import to_utc\n",
        encoding="utf-8",
    )
    assert [m.split(" ")[0] for m in _private_imports(source)] == [
        "liqcascade.data._import",
        "liqcascade.data._overview",
        "liqcascade.sim._stress",
        "liqcascade.data.feeds._spool",
        "liqcascade.report._episode",
    ]
