"""Real Coinglass CSVs converted to store-schema frames, for the leverage tests.

The conversion is deliberately minimal (the data layer's importers are the real thing); it lets
the estimator and the map be checked on real data with or without a store.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PANEL = "coinglass_liquidityreport_felipe"


def _ms(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series.astype("int64"), unit="ms", utc=True)


def _liq_rows(time, exchange, symbol, interval, long_usd, short_usd, coverage) -> pd.DataFrame:
    frames = []
    for side, values in (("long", long_usd), ("short", short_usd)):
        frames.append(
            pd.DataFrame(
                {
                    "time": time.to_numpy(),
                    "exchange": exchange,
                    "symbol": symbol,
                    "interval": interval,
                    "liquidated_side": side,
                    "notional_usd": pd.Series(values).to_numpy(dtype=float),
                    "qty": float("nan"),
                    "price": float("nan"),
                    "coverage": coverage,
                    "event_id": "",
                    "source": "test",
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["time"] = pd.to_datetime(out["time"], utc=True)
    return out.sort_values("time", kind="stable").reset_index(drop=True)


def binance_4h(root: Path, asset: str) -> pd.DataFrame:
    raw = pd.read_csv(root / PANEL / f"liq_binance_4h_{asset}.csv")
    return _liq_rows(
        _ms(raw["time"]),
        "binance",
        asset,
        "4h",
        raw["aggregated_long_liquidation_usd"],
        raw["aggregated_short_liquidation_usd"],
        "throttled",
    )


def snapshots_24h(root: Path) -> pd.DataFrame:
    raw = pd.read_csv(root / PANEL / "liq_by_exchange_24h_snapshots.csv")
    raw["t"] = pd.to_datetime(raw["snapshot_commit_time"], utc=True) - pd.Timedelta("24h")
    raw["exchange"] = raw["exchange"].str.lower().str.replace(".io", "", regex=False)
    raw = raw.sort_values("snapshot_dir").drop_duplicates(["t", "coin", "exchange"], keep="last")
    frames = [
        _liq_rows(
            g["t"],
            ex,
            coin,
            "24h",
            g["longLiquidation_usd"],
            g["shortLiquidation_usd"],
            "aggregated",
        )
        for (ex, coin), g in raw.groupby(["exchange", "coin"])
    ]
    return pd.concat(frames, ignore_index=True).sort_values("time", kind="stable")


def oi_all_4h(root: Path, asset: str) -> pd.DataFrame:
    raw = pd.read_csv(root / PANEL / f"oi_allexch_ohlc_4h_{asset}.csv")
    return pd.DataFrame(
        {
            "time": _ms(raw["time"]),
            "exchange": "all",
            "symbol": asset,
            "interval": "4h",
            "margin": "all",
            "open_usd": raw["open"].astype(float),
            "high_usd": raw["high"].astype(float),
            "low_usd": raw["low"].astype(float),
            "close_usd": raw["close"].astype(float),
            "close_base": float("nan"),
            "source": "test",
        }
    )


def btc_perp_4h(root: Path) -> pd.DataFrame:
    raw = pd.read_csv(root / PANEL / "price_ohlc_binance_BTCUSDT_perp_4h.csv")
    return pd.DataFrame(
        {
            "time": _ms(raw["time"]),
            "exchange": "binance",
            "symbol": "BTC/USDT:USDT",
            "market": "perp",
            "interval": "4h",
            "open": raw["open"].astype(float),
            "high": raw["high"].astype(float),
            "low": raw["low"].astype(float),
            "close": raw["close"].astype(float),
            "volume": float("nan"),
            "quote_volume": raw["volume_usd"].astype(float),
            "currency": "USDT",
            "source": "test",
        }
    )


def btc_long_short(root: Path) -> pd.DataFrame:
    raw = pd.read_csv(root / PANEL / "ls_global_account_binance_BTCUSDT_4h.csv")
    return pd.DataFrame(
        {
            "time": _ms(raw["time"]),
            "exchange": "binance",
            "symbol": "BTC/USDT:USDT",
            "interval": "4h",
            "kind": "global_account",
            "long_fraction": raw["global_account_long_percent"] / 100.0,
            "short_fraction": raw["global_account_short_percent"] / 100.0,
            "ratio": raw["global_account_long_short_ratio"].astype(float),
            "source": "test",
        }
    )


def hyperliquid_daily(root: Path, asset: str) -> pd.DataFrame:
    raw = pd.read_csv(
        root
        / "hyperliquid_stats_daily_gothchico"
        / "daily_notional_liquidated_by_coin_BTC_ETH_SOL_HYPE.csv"
    )
    raw = raw[raw["coin"] == asset]
    return pd.DataFrame(
        {
            "time": pd.to_datetime(raw["date_utc"], utc=True),
            "exchange": "hyperliquid",
            "symbol": asset,
            "interval": "1d",
            "liquidated_side": "both",
            "notional_usd": raw["daily_notional_liquidated_usd"].astype(float),
            "qty": float("nan"),
            "price": float("nan"),
            "coverage": "complete",
            "event_id": "",
            "source": "test",
        }
    ).reset_index(drop=True)
