"""Where the folders of the shared real-data collection come from (repository @ commit).

Used to stamp ``source`` on imported rows, and by the sample's ``ATTRIBUTION.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from liqcascade.data.importers._csv import LINE
from liqcascade.data.importers._tables import divided

# repositories that several folders come from: (repository, commit, license)
_LIQUIDITY_REPORT = (
    "FelipeODonnell/liquidity-report",
    "7b21f7c7",
    "none stated; Coinglass terms apply",
)
_DAT_TRACKER = ("Sashamine/dat-tracker-next", "c0c17e00", "none stated")

# folder name -> (repository, commit, license)
REPOSITORIES: dict[str, tuple[str, str, str]] = {
    "binance_spot_klines_ohlcvfeed": ("andreibaulin/ohlcv-feed", "24e84f76", "none stated"),
    "coinglass_liquidityreport_felipe": _LIQUIDITY_REPORT,
    "coinglass_options_felipe": _LIQUIDITY_REPORT,
    "btc_daily_factors_lukmol": ("lukmol/gamlss-btc-VaR", "5f40812a", "MIT"),
    "crypto_liquidity_ccyun95": ("ccyun95/Cryptocurrency_Work", "7940af19", "none stated"),
    "farside_etf_flows_ciyberpunk": (
        "ciyberpunk/farside-etf",
        "60bb4de9 (BTC), 5bfcd6e9 (ETH)",
        "none stated",
    ),
    "total_mcap_tradingview_vahram": ("VahramSargsyan/CryptoSignals", "3fbad9cf", "none stated"),
    "treasury_holdings_dattracker": _DAT_TRACKER,
    "hyperliquid_stats_daily_gothchico": ("gothchico/HL-deepdive", "84dbbd87", "none stated"),
    "macro_yahoo_edgedata": ("ifxquantbot/edge-data", "76426d18", "none stated"),
    "deribit_dvol_btc_lrud": ("lrud/THESIS", "35687d02", "none stated"),
    "dat_stock_prices_dattracker": _DAT_TRACKER,
}


# SECONDARY folders: transcribed by hand from web pages, no repository or commit to cite.
# folder -> (label used in ``source``, what it is, license). Each row names its own page.
SECONDARY: dict[str, tuple[str, str, str]] = {
    "dat_pipe_terms_secondary": (
        "secondary, hand-transcribed",
        "PIPE terms transcribed from news pages and one press release (PROVENANCE.md of "
        "the shared market collection); each row's secondary_source names its page",
        "none stated; figures quoted from the pages named per row",
    ),
}


# (folder, file-name prefix) -> commit, where one folder holds files of several commits
FILE_COMMITS: dict[tuple[str, str], str] = {
    ("farside_etf_flows_ciyberpunk", "bitcoin_"): "60bb4de9",
    ("farside_etf_flows_ciyberpunk", "ethereum_"): "5bfcd6e9",
}


def source_for(path: Path) -> str:
    """``repository@commit:file`` when the file sits in a known folder, else the file name.

    Files of a SECONDARY folder get ``<label>:file`` (no repository to cite).
    """
    path = Path(path)
    if path.parent.name in SECONDARY:
        return f"{SECONDARY[path.parent.name][0]}:{path.name}"
    known = REPOSITORIES.get(path.parent.name)
    if known is None:
        return path.name
    repo, commit, _ = known
    for (folder, prefix), file_commit in FILE_COMMITS.items():
        if folder == path.parent.name and path.name.startswith(prefix):
            commit = file_commit
    return f"{repo}@{commit.split(' ')[0]}:{path.name}"


def origin(path: Path, raw: pd.DataFrame | pa.Table) -> dict[str, object]:
    """The ``source`` of rows read from ``path`` and each row's file line (the private
    ``_line`` column), for an importer's output frame."""
    return {"source": source_for(path), LINE: raw[LINE]}


def ohlc(
    raw: pd.DataFrame | pa.Table, columns: Sequence[str], *, divide_by: float = 1.0
) -> dict[str, object]:
    """``open``/``high``/``low``/``close`` from ``raw``'s ``columns`` (in that order), divided by
    ``divide_by`` (100 for percent points); arrow columns for an arrow table."""
    names = ("open", "high", "low", "close")
    if isinstance(raw, pa.Table):
        return {n: divided(raw[c], divide_by) for n, c in zip(names, columns, strict=True)}
    return {n: raw[c] / divide_by for n, c in zip(names, columns, strict=True)}


__all__ = [
    "FILE_COMMITS",
    "REPOSITORIES",
    "SECONDARY",
    "ohlc",
    "origin",
    "source_for",
]
