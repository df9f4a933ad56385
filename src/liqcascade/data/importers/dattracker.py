"""Corporate crypto-treasury data of Sashamine/dat-tracker-next.

- ``mstr_btc_purchases_8k.csv`` (``filing_date, btc_acquired, total_cost_usd, avg_price_usd,
  cumulative_holdings_btc, sec_accession``) -> treasury kind ``purchase``, Strategy (MSTR), BTC;
  time = filed_time = the filing date (the file gives no purchase-period end). A row whose
  cumulative holdings go BACKWARDS against the previous filing is inconsistent: it is left out
  and reported as a warning (the rest of the file still imports).
- ``company_holdings_history.csv`` -> treasury kind ``holding`` per ticker and asset (rows
  without an asset are SMLR's, a BTC holder per the source's notes: set to BTC, with a warning).
- ``dat_stock_prices_daily.csv[.gz]`` -> candles market ``equity``, exchange = listing exchange
  lower-case, symbol = ticker, prices in the listing currency.
- ``crypto_prices_daily.json`` (date -> coin -> USD close) -> candles exchange ``coingecko``,
  symbol ``<COIN>/USD``, spot, 1d, close only.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from liqcascade.data.importers._base import ImportResult, file_stem, open_text, read_head
from liqcascade.data.importers._csv import LINE, Col, read_csv, read_table
from liqcascade.data.importers._provenance import ohlc, origin, source_for
from liqcascade.data.importers._tables import table_of
from liqcascade.errors import ImportFormatError

FORMAT = "dattracker"
DESCRIPTION = "Treasury tracker: MSTR 8-K purchases, company holdings, share prices, coin prices"

_PURCHASES = "filing_date,btc_acquired,total_cost_usd,avg_price_usd,cumulative_holdings_btc"
_HOLDINGS = "ticker,asset,date,holdings_units"
_PRICES = "ticker,exchange,currency,date,open,high,low,close,volume"


def _kind(path: Path, head: str) -> str | None:
    if head.startswith(_PURCHASES):
        return "purchases"
    if head.startswith(_HOLDINGS):
        return "holdings"
    if head.startswith(_PRICES):
        return "prices"
    if file_stem(path) == "crypto_prices_daily" and head.lstrip().startswith("{"):
        return "coin_prices"
    return None


def detect(path: Path, head: str) -> bool:
    """True for the purchases, holdings, share-price or coin-price files."""
    return _kind(path, head) is not None


def _purchases(path: Path, result: ImportResult, skip_bad: bool) -> None:
    cols = (
        Col("filing_date", "time"),
        Col("btc_acquired"),
        Col("total_cost_usd", required=False),
        Col("avg_price_usd", required=False),
        Col("cumulative_holdings_btc", required=False),
        Col("sec_accession", "str"),
    )
    raw = read_csv(path, cols, result=result, skip_bad=skip_bad).sort_values(
        ["filing_date", LINE], kind="stable"
    )
    holdings = raw["cumulative_holdings_btc"].to_numpy()
    running = np.fmax.accumulate(np.where(np.isnan(holdings), -np.inf, holdings))
    previous = np.concatenate([[-np.inf], running[:-1]])
    backwards = holdings < previous
    for _, row in raw[backwards].iterrows():
        result.warnings.append(
            f"line {row[LINE]}: cumulative holdings {row['cumulative_holdings_btc']:,.0f} BTC "
            f"on {row['filing_date']:%Y-%m-%d} are below an earlier filing's; row left out"
        )
    raw = raw[~backwards]
    frame = pd.DataFrame(
        {
            "time": raw["filing_date"],
            "company": "Strategy",
            "ticker": "MSTR",
            "asset": "BTC",
            "kind": "purchase",
            "amount": raw["btc_acquired"],
            "holdings": raw["cumulative_holdings_btc"],
            "cost_usd": raw["total_cost_usd"],
            "avg_price_usd": raw["avg_price_usd"],
            "filed_time": raw["filing_date"],
            "reference": raw["sec_accession"],
            **origin(path, raw),
        }
    )
    result.add("treasury", frame)


def _holdings(path: Path, result: ImportResult, skip_bad: bool) -> None:
    cols = (
        Col("ticker", "str"),
        Col("asset", "str", required=False),
        Col("date", "time"),
        Col("holdings_units"),
        Col("source", "str", required=False),
    )
    raw = read_csv(path, cols, result=result, skip_bad=skip_bad)
    no_asset = raw["asset"].isna()
    if no_asset.any():
        tickers = sorted(raw.loc[no_asset, "ticker"].unique())
        result.warnings.append(f"{int(no_asset.sum())} rows without asset ({tickers}) set to BTC")
    frame = pd.DataFrame(
        {
            "time": raw["date"],
            "company": raw["ticker"],
            "ticker": raw["ticker"],
            "asset": raw["asset"].fillna("BTC"),
            "kind": "holding",
            "holdings": raw["holdings_units"],
            "reference": raw["source"].fillna(""),
            **origin(path, raw),
        }
    )
    result.add("treasury", frame)


def _prices(path: Path, result: ImportResult, skip_bad: bool) -> None:
    cols = (
        Col("ticker", "str"),
        Col("exchange", "str"),
        Col("currency", "str"),
        Col("date", "time"),
        Col("open", required=False),
        Col("high", required=False),
        Col("low", required=False),
        Col("close"),
        Col("volume", required=False),
    )
    raw = read_table(path, cols, result=result, skip_bad=skip_bad)
    frame = table_of(
        {
            "time": raw["date"],
            "exchange": pc.utf8_lower(raw["exchange"]),
            "symbol": raw["ticker"],
            "market": "equity",
            "interval": "1d",
            **ohlc(raw, ("open", "high", "low", "close")),
            "volume": raw["volume"],
            "currency": raw["currency"],
            **origin(path, raw),
        },
        raw.num_rows,
    )
    result.add("candles", frame)


def _coin_prices(path: Path, result: ImportResult, skip_bad: bool) -> None:
    try:
        data = json.loads(open_text(path).read())
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"invalid JSON: {exc.msg}",
            path=path,
            line=exc.lineno,
            expected='{"YYYY-MM-DD": {"BTC": price, ...}, ...}',
        ) from exc
    rows = [(day, coin, price) for day, prices in data.items() for coin, price in prices.items()]
    raw = pd.DataFrame(rows, columns=["day", "coin", "price"])
    time = pd.to_datetime(raw["day"], utc=True, format="ISO8601", errors="coerce")
    price = pd.to_numeric(raw["price"], errors="coerce")
    bad = time.isna() | price.isna()
    if bad.any():
        first = raw[bad].iloc[0]
        if not skip_bad:
            raise ImportFormatError(
                "malformed entry",
                path=path,
                column=str(first["coin"]),
                value=(first["day"], first["price"]),
                expected="a YYYY-MM-DD key and a numeric price",
            )
        result.warnings.append(f"{int(bad.sum())} malformed entries skipped")
    frame = pd.DataFrame(
        {
            "time": time[~bad],
            "exchange": "coingecko",
            "symbol": raw.loc[~bad, "coin"] + "/USD",
            "market": "spot",
            "interval": "1d",
            "close": price[~bad],
            "currency": "USD",
            "source": source_for(path),
        }
    )
    result.add("candles", frame)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one treasury-tracker file."""
    what = _kind(path, read_head(path))
    if what is None:
        raise ImportFormatError(
            "wrong header",
            path=path,
            line=1,
            expected=f"one of {[_PURCHASES, _HOLDINGS, _PRICES]} or crypto_prices_daily.json",
        )
    result = ImportResult()
    {
        "purchases": _purchases,
        "holdings": _holdings,
        "prices": _prices,
        "coin_prices": _coin_prices,
    }[what](path, result, skip_bad)
    return result
