"""A tiny in-memory store with the data layer's ``read``/``write`` contract, for report tests.

``shared_frames`` converts the few shared real CSVs the report needs into schema-format frames
(the same mapping the data layer documents), so the report's analytics can be checked on real
data independently of the store's storage engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from liqcascade.data._schema import DATASETS
from liqcascade.errors import NoDataError


class FrameStore:
    """Datasets as DataFrames in schema columns; ``read`` filters like ``Store.read``."""

    def __init__(self, frames: dict[str, pd.DataFrame] | None = None) -> None:
        self.frames: dict[str, pd.DataFrame] = {}
        for name, frame in (frames or {}).items():
            self.write(name, frame, source="test")

    def write(self, dataset: str, df: pd.DataFrame, *, source: str) -> None:
        spec = DATASETS[dataset]
        df = df.copy()
        df["source"] = df.get("source", source)
        for column in spec.columns:
            if column not in df:
                df[column] = None
        df = df[spec.columns]
        old = self.frames.get(dataset)
        both = df if old is None else pd.concat([old, df], ignore_index=True)
        key = [k for k in spec.key]
        both = both.drop_duplicates(key, keep="last").sort_values("time", kind="stable")
        self.frames[dataset] = both.reset_index(drop=True)

    def read(self, dataset: str, *, start: Any = None, end: Any = None, **equals: Any) -> Any:
        if dataset not in self.frames:
            raise NoDataError(f"no {dataset}")
        frame = self.frames[dataset]
        mask = pd.Series(True, index=frame.index)
        if start is not None:
            mask &= frame["time"] >= pd.Timestamp(start)
        if end is not None:
            mask &= frame["time"] < pd.Timestamp(end)
        for column, value in equals.items():
            if value is None:
                continue
            if isinstance(value, list | tuple | set):
                mask &= frame[column].isin(list(value))
            else:
                mask &= frame[column] == value
        return frame.loc[mask].reset_index(drop=True)


def _utc(values: Any) -> pd.Series:
    return pd.to_datetime(values, utc=True).astype("datetime64[ns, UTC]")


def _candles(path: Path, **fixed: Any) -> pd.DataFrame:
    raw = pd.read_csv(path)
    return pd.DataFrame(
        {
            "time": _utc(raw["open_time_utc"]),
            **{c: raw[c].astype(float) for c in ("open", "high", "low", "close")},
            "volume": raw["volume_base"].astype(float),
            **fixed,
        }
    )


def shared_frames(market: Path) -> dict[str, pd.DataFrame]:
    """Schema-format frames built from ``shared/data/market`` CSVs (test-only converter)."""
    klines = market / "binance_spot_klines_ohlcvfeed"
    glass = market / "coinglass_liquidityreport_felipe"
    candles = [
        _candles(
            klines / f"{a}USDT_D1.csv",
            exchange="binance",
            symbol=f"{a}/USDT",
            market="spot",
            interval="1d",
            currency="USDT",
        )
        for a in ("BTC", "ETH")
    ]
    for ticker in ("spx", "ndx", "dxy"):
        raw = pd.read_csv(market / "macro_yahoo_edgedata" / f"{ticker}_daily_close.csv")
        candles.append(
            pd.DataFrame(
                {
                    "time": _utc(raw["date"]),
                    "close": raw["close"].astype(float),
                    "exchange": "yahoo",
                    "symbol": ticker.upper(),
                    "market": "macro",
                    "interval": "1d",
                    "currency": "USD",
                }
            )
        )
    stocks = pd.read_csv(market / "dat_stock_prices_dattracker" / "dat_stock_prices_daily.csv.gz")
    stocks = stocks[stocks["ticker"].isin(["MSTR", "MTPLF", "SMLR", "BMNR", "SBET"])]
    candles.append(
        pd.DataFrame(
            {
                "time": _utc(stocks["date"]),
                "open": stocks["open"],
                "high": stocks["high"],
                "low": stocks["low"],
                "close": stocks["close"],
                "exchange": stocks["exchange"].str.lower(),
                "symbol": stocks["ticker"],
                "market": "equity",
                "interval": "1d",
                "currency": stocks["currency"],
            }
        )
    )
    dvol = pd.read_csv(market / "deribit_dvol_btc_lrud" / "bitcoin_dvol_hourly.csv.gz")
    dvol = dvol[dvol["date"] >= "2025-01-01"]
    candles.append(
        pd.DataFrame(
            {
                "time": _utc(dvol["timestamp"] * 1_000_000),
                **{c: dvol[f"dvol_{c}"] / 100.0 for c in ("open", "high", "low", "close")},
                "exchange": "deribit",
                "symbol": "BTC-DVOL",
                "market": "volatility",
                "interval": "1h",
                "currency": "USD",
            }
        )
    )
    mcap = pd.read_csv(market / "total_mcap_tradingview_vahram" / "cryptocap_total_d1.csv")
    etf = pd.read_csv(market / "crypto_liquidity_ccyun95" / "etf.csv")
    etf_rows = pd.concat(
        pd.DataFrame(
            {
                "time": _utc(etf["date"]),
                "asset": a,
                "fund": "TOTAL",
                "flow_usd": etf[f"{a.lower()}_etf_net_flow_usd_mn"] * 1e6,
            }
        )
        for a in ("BTC", "ETH")
    )
    mstr = pd.read_csv(market / "treasury_holdings_dattracker" / "mstr_btc_purchases_8k.csv")
    fng = pd.read_csv(market / "btc_daily_factors_lukmol" / "fear_greed.csv")
    liq = []
    for a in ("BTC", "ETH"):
        raw = pd.read_csv(glass / f"liq_binance_4h_{a}.csv")
        for side in ("long", "short"):
            liq.append(
                pd.DataFrame(
                    {
                        "time": _utc(raw["time_utc"]),
                        "exchange": "binance",
                        "symbol": a,
                        "interval": "4h",
                        "liquidated_side": side,
                        "notional_usd": raw[f"aggregated_{side}_liquidation_usd"],
                        "coverage": "throttled",
                        "event_id": "",
                    }
                )
            )
    oi = []
    for a in ("BTC", "ETH"):
        raw = pd.read_csv(glass / f"oi_allexch_ohlc_4h_{a}.csv")
        oi.append(
            pd.DataFrame(
                {
                    "time": _utc(raw["time_utc"]),
                    "exchange": "all",
                    "symbol": a,
                    "interval": "4h",
                    "margin": "all",
                    "open_usd": raw["open"].astype(float),
                    "high_usd": raw["high"],
                    "low_usd": raw["low"],
                    "close_usd": raw["close"],
                }
            )
        )
    funding = []
    for venue in ("binance", "bybit", "okx"):
        for a in ("BTC", "ETH"):
            raw = pd.read_csv(glass / f"funding_ohlc_{venue}_{a}.csv")
            funding.append(
                pd.DataFrame(
                    {
                        "time": _utc(raw["time_utc"]),
                        "exchange": venue,
                        "symbol": f"{a}/USDT:USDT",
                        "interval": "8h",
                        "weighting": "none",
                        "rate": raw["close"] / 100.0,
                        "rate_high": raw["high"] / 100.0,
                        "rate_low": raw["low"] / 100.0,
                        "funding_interval_hours": 8.0,
                    }
                )
            )
    options = []
    for a in ("BTC", "ETH"):
        raw = pd.read_csv(
            market / "coinglass_options_felipe" / f"deribit_putcall_oi_by_expiry_snapshots_{a}.csv"
        )
        expiry = _utc(pd.to_datetime(raw["expiry_yymmdd"].astype(str), format="%y%m%d"))
        for metric, column in (("call_oi", "call_open_interest"), ("put_oi", "put_open_interest")):
            options.append(
                pd.DataFrame(
                    {
                        "time": _utc(raw["_snapshot_commit_time"]),
                        "exchange": "deribit",
                        "asset": a,
                        "expiry": expiry,
                        "metric": metric,
                        "value": raw[column].astype(float),
                        "unit": "contracts",
                    }
                )
            )
    return {
        "candles": pd.concat(candles, ignore_index=True),
        "market_cap": pd.DataFrame(
            {
                "time": _utc(mcap["date_utc"]),
                "asset": "TOTAL",
                "interval": "1d",
                "open": mcap["open_usd"],
                "high": mcap["high_usd"],
                "low": mcap["low_usd"],
                "close": mcap["close_usd"],
            }
        ),
        "etf_flows": etf_rows,
        "treasury": pd.DataFrame(
            {
                "time": _utc(mstr["filing_date"]),
                "company": "Strategy",
                "ticker": "MSTR",
                "asset": "BTC",
                "kind": "purchase",
                "amount": mstr["btc_acquired"].astype(float),
                "holdings": mstr["cumulative_holdings_btc"].astype(float),
                "cost_usd": mstr["total_cost_usd"].astype(float),
                "avg_price_usd": mstr["avg_price_usd"].astype(float),
                "filed_time": _utc(mstr["filing_date"]),
                "reference": mstr["sec_accession"],
            }
        ),
        "sentiment": pd.DataFrame(
            {"time": _utc(fng["date"]), "index": "fear_greed", "value": fng["fng"].astype(float)}
        ),
        "liquidations": pd.concat(liq, ignore_index=True),
        "open_interest": pd.concat(oi, ignore_index=True),
        "funding": pd.concat(funding, ignore_index=True),
        "options": pd.concat(options, ignore_index=True),
    }


def dump(data: dict) -> str:  # debugging aid
    return json.dumps(data, indent=1)
