"""Build the bundled sample from the shared real-data collection (maintainers only).

Usage::

    python -m liqcascade.data.sample._build /path/to/shared/data/market

Runs liqcascade's own importers over the collection into a temporary store, keeps BTC and ETH
(about 2024-11-01 .. 2025-10-05, longer where a rolling window needs it: daily spot and macro
from 2024-01, weekly spot since 2017, Hyperliquid daily 2023-06..2025-05, Fear & Greed in
full), and writes one zstd Parquet file per dataset next to this script, with
``metadata.json`` (sha256, rows, coverage) and ``ATTRIBUTION.md`` (repository@commit per
series). The package never reads the shared collection at run time.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from liqcascade.data._import import import_paths
from liqcascade.data._schema import DATASETS
from liqcascade.data._store import Store
from liqcascade.data.importers._provenance import REPOSITORIES, SECONDARY

HERE = Path(__file__).resolve().parent
START = pd.Timestamp("2024-11-01", tz="UTC")
LONG_START = pd.Timestamp("2024-01-01", tz="UTC")
END = pd.Timestamp("2025-10-06", tz="UTC")  # every shared series ends 2025-10-05 23:59:59
ASSETS = {"BTC", "ETH"}


def _asset_of(symbol: pd.Series) -> pd.Series:
    return symbol.str.split(r"[/\-]", regex=True).str[0]


def _candles(frame: pd.DataFrame) -> pd.DataFrame:
    crypto = _asset_of(frame["symbol"]).isin(ASSETS)
    spot_binance = (frame["exchange"] == "binance") & (frame["market"] == "spot") & crypto
    weekly = spot_binance & (frame["interval"] == "1w")
    daily_long = (
        (spot_binance | (frame["exchange"].isin(["all", "coingecko"]) & crypto))
        & (frame["interval"] == "1d")
        & (frame["time"] >= LONG_START)
    )
    macro = (frame["market"] == "macro") & (frame["time"] >= LONG_START)
    recent = (frame["time"] >= START) & (
        (spot_binance & (frame["interval"] == "4h"))
        | ((frame["market"] == "perp") & crypto)
        | (frame["market"] == "volatility")
        | (frame["market"] == "equity")
    )
    return frame[weekly | daily_long | macro | recent]


def _select(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``name`` that go into the sample."""
    frame = frame[frame["time"] < END]
    recent = frame["time"] >= START
    if name == "candles":
        return _candles(frame)
    if name == "liquidations":
        keep = frame["symbol"].isin(ASSETS | {"TOTAL"})
        hyperliquid_daily = (frame["exchange"] == "hyperliquid") & (frame["interval"] == "1d")
        return frame[keep & (recent | hyperliquid_daily)]
    if name in ("open_interest", "funding", "depth", "long_short"):
        return frame[recent & _asset_of(frame["symbol"]).isin(ASSETS)]
    if name == "options":
        return frame[recent & frame["asset"].isin(ASSETS)]
    if name == "market_cap":
        return frame[(frame["time"] >= LONG_START) | frame["asset"].isin(["TOTAL"])]
    return frame  # etf_flows, treasury, sentiment, pipe_terms: small, kept in full


def _licenses(sources: list[str]) -> list[str]:
    by_repo = {repo: lic for repo, _, lic in REPOSITORIES.values()}
    by_repo.update({label: lic for label, _, lic in SECONDARY.values()})
    keys = {s.split(":", 1)[0] for s in sources}
    return sorted(f"{key}: {by_repo.get(key.split('@')[0], 'unknown')}" for key in keys)


def _attribution(sources: dict[str, list[str]]) -> str:
    lines = [
        "# Bundled sample: attribution",
        "",
        "Real market data, converted mechanically by liqcascade's importers (units normalised:",
        "percent -> fraction, USD millions -> USD; nothing else changed). Every row's `source`",
        "column names `repository@commit:file`. Coinglass-derived series are subject to",
        "Coinglass terms; only lukmol/gamlss-btc-VaR states a license (MIT). Fine for tests,",
        "demos and research; keep this file with any redistribution.",
        "",
        "| dataset | source repository @ commit : file |",
        "|---|---|",
    ]
    for name, items in sources.items():
        for item in items:
            lines.append(f"| `{name}` | `{item}` |")
    lines += ["", "## Repositories", "", "| repository | commit | license |", "|---|---|---|"]
    seen = set()
    for repo, commit, license_ in REPOSITORIES.values():
        if repo not in seen:
            seen.add(repo)
            lines.append(f"| https://github.com/{repo} | {commit} | {license_} |")
    return "\n".join(lines + _secondary_lines(sources)) + "\n"


def _secondary_lines(sources: dict[str, list[str]]) -> list[str]:
    """ATTRIBUTION lines for SECONDARY (hand-transcribed) datasets: no repository to cite."""
    labels = {s.split(":", 1)[0] for items in sources.values() for s in items}
    lines: list[str] = []
    for label, what, license_ in SECONDARY.values():
        if label in labels:
            lines += ["", f"## SECONDARY: {label}", "", f"{what}. License: {license_}.",
                      "Shown as \"reported\", with each row's `secondary_source` (the page) and",
                      "`attributed_primary_source` (what the page cites)."]  # fmt: skip
    return lines


def build(shared_market: Path, out: Path = HERE) -> dict[str, Any]:
    """Import ``shared_market`` and write the sample files into ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        summary = import_paths(store, "auto", [shared_market])
        files: dict[str, dict[str, object]] = {}
        meta: dict[str, Any] = {
            "description": "liqcascade bundled real sample (BTC, ETH; ~2024-11..2025-10-05)",
            "built_from": "shared/data/market (see ATTRIBUTION.md)",
            "warnings": summary.warnings,
            "files": files,
        }
        sources: dict[str, list[str]] = {}
        for name, ds in DATASETS.items():
            frame = _select(name, store.read(name))
            if frame.empty:
                continue
            table = pa.Table.from_pandas(frame, schema=ds.schema, preserve_index=False)
            path = out / f"{name}.parquet"
            pq.write_table(table, path, compression="zstd", compression_level=19)
            sources[name] = sorted(frame["source"].unique())
            files[path.name] = {
                "dataset": name,
                "rows": len(frame),
                "first": frame["time"].min().isoformat(),
                "last": frame["time"].max().isoformat(),
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "source": sorted({src.split(":", 1)[0] for src in sources[name]}),
                "license": _licenses(sources[name]),
            }
    (out / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    (out / "ATTRIBUTION.md").write_text(_attribution(sources), encoding="utf-8")
    return meta


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m liqcascade.data.sample._build <shared/data/market>")
    result = build(Path(sys.argv[1]))
    for file, info in result["files"].items():
        print(f"{file:28s} {info['rows']:>7d} rows  {info['first'][:10]} .. {info['last'][:10]}")
