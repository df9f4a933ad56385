"""The Coinglass API panel as saved by FelipeODonnell/liquidity-report (one CSV per endpoint).

The file name says which endpoint (and coin / exchange) a file holds; each maps to a dataset:

==========================================  ===============================================
file                                        lands in
==========================================  ===============================================
``price_ohlc_binance_BTCUSDT_perp_4h``      candles binance ``BTC/USDT:USDT`` perp 4h
``oi_allexch_ohlc_4h_<COIN>``               open_interest all ``<COIN>`` 4h margin all (USD)
``oi_by_exchange_4h_<COIN>``                open_interest <venue> ``<COIN>`` point samples
``oi_{stablecoin,coin}_margined_ohlc_4h``   open_interest binance, margin stablecoin|coin
``funding_ohlc_<venue>_<COIN>``             funding <venue> main linear perp, 8h bars
``funding_ohlc_binance_BTCUSDT_legacy``     funding binance ``BTC/USDT:USDT`` 4h bars
``funding_{oi,vol}weighted_ohlc_4h_<COIN>`` funding all ``<COIN>`` weighting oi|volume
``liq_binance_4h_<COIN>``                   liquidations binance ``<COIN>`` 4h, throttled
``liq_by_exchange_24h_snapshots``           liquidations <venue> 24h window, aggregated
``futures_orderbook_depth_<COIN>``          depth all ``<COIN>`` perp ±1 %
``futures_orderbook_depth_binance_<PAIR>``  depth binance perp ±1 %
``spot_orderbook_depth_binance_<COIN>``     depth binance ``<COIN>/USDT`` spot ±1 %
``ls_<kind>_binance_<PAIR>_4h``             long_short binance perp, fractions
``etf_flows_daily_<COIN>``                  etf_flows per fund and TOTAL (USD)
``stablecoin_mcap_daily``                   market_cap per stablecoin (USD)
==========================================  ===============================================

Units: Coinglass funding is PERCENT per interval and long/short shares are percent; both are
divided by 100. The stablecoin-margined OI series is in BASE units (BTC), so it fills
``close_base``; the coin-margined one is USD. Taker buy/sell volume has no dataset yet and is
reported as a warning. Coinglass revises recent bars: the union kept the latest snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data._schema import TIME
from liqcascade.data.importers._base import ImportResult, match_stem, read_head, require_name
from liqcascade.data.importers._csv import LINE, Col, Kind, header_of, read_table
from liqcascade.data.importers._provenance import origin, source_for
from liqcascade.data.importers._tables import divided, stacked, table_of

FORMAT = "coinglass"
DESCRIPTION = "Coinglass API panel CSVs (liquidity-report): OI, funding, liquidations, depth, L/S"

_OHLC = (Col("time", "ms"), Col("open"), Col("high"), Col("low"), Col("close"))
# Venue names as Coinglass prints them -> ccxt exchange ids.
VENUES = {
    "all": "all",
    "gate.io": "gate",
    "gate": "gate",
    "crypto.com": "cryptocom",
    "okex": "okx",
    "huobi": "htx",
}
# The venue's main linear perpetual (what Coinglass' per-venue funding refers to).
_USDC_VENUES = {"hyperliquid": "USDC"}
# Funding period of the quoted rate, hours (Hyperliquid quotes an hourly rate).
_FUNDING_HOURS = {"hyperliquid": 1.0}


def venue_id(name: str) -> str:
    """Coinglass venue name -> lower-case ccxt id (``Gate.io`` -> ``gate``)."""
    key = str(name).strip().lower()
    return VENUES.get(key, key.replace(" ", "").replace(".", ""))


def venue_ids(names: pa.ChunkedArray) -> pa.ChunkedArray:
    """:func:`venue_id` of a text column, computed once per distinct name (not once per row)."""
    uniques = pc.unique(names)
    ids = pa.array([venue_id(name) for name in uniques.to_pylist()], pa.string())
    return pc.take(ids, pc.index_in(names, value_set=uniques))


def perp_symbol(venue: str, coin: str) -> str:
    """The venue's main linear perp in ccxt form: ``BTC/USDT:USDT`` (``BTC/USDC:USDC`` on HL)."""
    quote = _USDC_VENUES.get(venue, "USDT")
    return f"{coin}/{quote}:{quote}"


def latest_snapshot(raw: pa.Table, snapshot: str, ids: list[str], result: ImportResult) -> pa.Table:
    """Keep the latest snapshot folder's row where several folders share one commit time.

    Rows come in (snapshot folder, file line) order; of the rows that share ``ids``, the
    last in that order is kept.
    """
    raw = raw.take(pc.sort_indices(raw, [(snapshot, "ascending"), (LINE, "ascending")]))
    position = pa.array(np.arange(raw.num_rows))
    last = raw.select(ids).append_column("_at", position).group_by(ids, use_threads=False)
    kept = np.sort(last.aggregate([("_at", "max")]).column("_at_max").to_numpy())
    older = raw.num_rows - len(kept)
    if older:
        result.warnings.append(
            f"{older} rows superseded by a later snapshot with the same commit time"
        )
    return raw.take(pa.array(kept))


def _pair_symbol(pair: str) -> str:
    for quote in ("USDT", "USDC", "USD"):
        if pair.endswith(quote):
            return f"{pair[: -len(quote)]}/{quote}:{quote}"
    return pair


# Handlers get the file's columns as an arrow table and add arrow tables: no pandas round
# trip for the many small files of the panel.


def _base(raw: pa.Table, path: Path, **constants: object) -> dict[str, object]:
    return {"time": raw["time"], **constants, **origin(path, raw)}


def _table(raw: pa.Table, columns: dict[str, object]) -> pa.Table:
    return table_of(columns, raw.num_rows)


def _price(path, m, raw, result) -> None:
    frame = _table(
        raw,
        _base(raw, path, exchange="binance", symbol=_pair_symbol(m[1]), market="perp")
        | {
            "interval": "4h",
            "open": raw["open"],
            "high": raw["high"],
            "low": raw["low"],
            "close": raw["close"],
            "quote_volume": raw["volume_usd"],
            "currency": "USDT",
        },
    )
    result.add("candles", frame)


def _oi_all(path, m, raw, result) -> None:
    frame = _table(
        raw,
        _base(raw, path, exchange="all", symbol=m[1], interval="4h", margin="all")
        | {
            "open_usd": raw["open"],
            "high_usd": raw["high"],
            "low_usd": raw["low"],
            "close_usd": raw["close"],
        },
    )
    result.add("open_interest", frame)


def _oi_margin(path, m, raw, result) -> None:
    margin, coin = m[1], m[2]
    frame = _base(raw, path, exchange="binance", symbol=coin, interval="4h", margin=margin)
    if margin == "stablecoin":  # quoted in base units (BTC), not USD
        frame["close_base"] = raw["close"]
    else:
        frame |= {
            "open_usd": raw["open"],
            "high_usd": raw["high"],
            "low_usd": raw["low"],
            "close_usd": raw["close"],
        }
    result.add("open_interest", _table(raw, frame))


def _oi_by_exchange(path, m, raw, result) -> None:
    venues = [c for c in raw.column_names if c not in ("time", LINE, "price")]
    blocks = [((venue_id(venue),), raw[venue]) for venue in venues]
    long = stacked(raw, blocks, labels=["exchange"], value="close_usd")
    frame = _table(
        long,
        {
            "time": long["time"],
            "exchange": long["exchange"],
            "symbol": m[1],
            "interval": None,
            "margin": "all",
            "close_usd": long["close_usd"],
            **origin(path, long),
        },
    )
    result.add("open_interest", frame)


def _funding(path, m, raw, result, *, exchange, symbol, interval, weighting, hours) -> None:
    frame = _table(
        raw,
        _base(raw, path, exchange=exchange, symbol=symbol, interval=interval)
        | {
            "weighting": weighting,
            "rate": divided(raw["close"], 100.0),  # percent -> fraction
            "rate_high": divided(raw["high"], 100.0),
            "rate_low": divided(raw["low"], 100.0),
            "funding_interval_hours": hours,
        },
    )
    result.add("funding", frame)


def _funding_venue(path, m, raw, result) -> None:
    venue, coin = venue_id(m[1]), m[2]
    _funding(
        path,
        m,
        raw,
        result,
        exchange=venue,
        symbol=perp_symbol(venue, coin),
        interval="8h",
        weighting="none",
        hours=_FUNDING_HOURS.get(venue, 8.0),
    )


def _funding_legacy(path, m, raw, result) -> None:
    _funding(
        path,
        m,
        raw,
        result,
        exchange="binance",
        symbol=_pair_symbol(m[1]),
        interval="4h",
        weighting="none",
        hours=8.0,
    )


def _funding_weighted(path, m, raw, result) -> None:
    weighting = {"oi": "oi", "vol": "volume"}[m[1]]
    _funding(
        path,
        m,
        raw,
        result,
        exchange="all",
        symbol=m[2],
        interval="4h",
        weighting=weighting,
        hours=8.0,
    )


def _liq_binance(path, m, raw, result) -> None:
    sides = {"long": "aggregated_long_liquidation_usd", "short": "aggregated_short_liquidation_usd"}
    for side, column in sides.items():
        frame = _table(
            raw,
            _base(raw, path, exchange="binance", symbol=m[1], interval="4h")
            | {
                "liquidated_side": side,
                "notional_usd": raw[column],
                "coverage": "throttled",
                "event_id": "",
            },
        )
        result.add("liquidations", frame)


def _liq_snapshots(path, m, raw, result) -> None:
    raw = latest_snapshot(raw, "snapshot_dir", ["snapshot_commit_time", "coin", "exchange"], result)
    # A rolling 24h total published at the commit time covers [commit - 24h, commit).
    day = pa.scalar(pd.Timedelta(hours=24).value, pa.duration("ns"))
    opened = pc.subtract(raw["snapshot_commit_time"].cast(TIME), day)
    source = pc.binary_join_element_wise(source_for(path), raw["snapshot_dir"], "@")
    for side, column in (("long", "longLiquidation_usd"), ("short", "shortLiquidation_usd")):
        frame = _table(
            raw,
            {
                "time": opened,
                "exchange": venue_ids(raw["exchange"]),
                "symbol": raw["coin"],
                "interval": "24h",
                "liquidated_side": side,
                "notional_usd": raw[column],
                "coverage": "aggregated",
                "event_id": "",
                "source": source,
                LINE: raw[LINE],
            },
        )
        result.add("liquidations", frame.filter(pc.is_valid(raw[column])))


def _depth(path, raw, result, *, exchange, symbol, market, prefix) -> None:
    frame = _table(
        raw,
        _base(raw, path, exchange=exchange, symbol=symbol, market=market)
        | {
            "band": 0.01,
            "bid_usd": raw[f"{prefix}bids_usd"],
            "ask_usd": raw[f"{prefix}asks_usd"],
            "bid_base": raw[f"{prefix}bids_quantity"],
            "ask_base": raw[f"{prefix}asks_quantity"],
        },
    )
    result.add("depth", frame)


def _depth_all(path, m, raw, result) -> None:
    _depth(path, raw, result, exchange="all", symbol=m[1], market="perp", prefix="aggregated_")


def _depth_binance_perp(path, m, raw, result) -> None:
    _depth(
        path, raw, result, exchange="binance", symbol=_pair_symbol(m[1]), market="perp", prefix=""
    )


def _depth_binance_spot(path, m, raw, result) -> None:
    _depth(path, raw, result, exchange="binance", symbol=f"{m[1]}/USDT", market="spot", prefix="")


def _long_short(path, m, raw, result) -> None:
    kind = m[1]
    frame = _table(
        raw,
        _base(raw, path, exchange="binance", symbol=_pair_symbol(m[2]), interval="4h")
        | {
            "kind": kind,
            "long_fraction": divided(raw[f"{kind}_long_percent"], 100.0),
            "short_fraction": divided(raw[f"{kind}_short_percent"], 100.0),
            "ratio": raw[f"{kind}_long_short_ratio"],
        },
    )
    result.add("long_short", frame)


def _etf(path, m, raw, result) -> None:
    skip = ("time", LINE, "total_flow_usd", "price_usd")
    funds = [((c,), raw[c]) for c in raw.column_names if c not in skip]
    total = (("TOTAL",), raw["total_flow_usd"])
    both = stacked(raw, [total, *funds], labels=["fund"], value="usd")
    frame = _table(
        both,
        {
            "time": both["time"],
            "asset": m[1],
            "fund": both["fund"],
            "flow_usd": both["usd"],
            **origin(path, both),
        },
    )
    result.add("etf_flows", frame)


def _stablecoins(path, m, raw, result) -> None:
    coins = [((c,), raw[c]) for c in raw.column_names if c not in ("time", LINE, "btc_price_usd")]
    long = stacked(raw, coins, labels=["asset"], value="usd")
    frame = _table(
        long,
        {
            "time": long["time"],
            "asset": long["asset"],
            "interval": "1d",
            "close": long["usd"],
            **origin(path, long),
        },
    )
    result.add("market_cap", frame)


def _taker(path, m, raw, result) -> None:
    result.warnings.append("taker buy/sell volume has no dataset yet; file not imported")


Handler = Callable[[Path, re.Match[str], pa.Table, ImportResult], None]
# (file-name pattern, columns to read, handler). Extra columns are allowed and ignored.
_ROUTES: tuple[tuple[str, tuple[Col, ...] | str, Handler], ...] = (
    (r"price_ohlc_binance_([A-Z0-9]+)_perp_4h", (*_OHLC, Col("volume_usd")), _price),
    (r"oi_allexch_ohlc_4h_([A-Z0-9]+)", _OHLC, _oi_all),
    (r"oi_(stablecoin|coin)_margined_ohlc_4h_([A-Z0-9]+)", _OHLC, _oi_margin),
    (r"oi_by_exchange_4h_([A-Z0-9]+)", "wide:timestamp", _oi_by_exchange),
    (r"funding_ohlc_binance_([A-Z0-9]+USDT)_legacy", _OHLC, _funding_legacy),
    (r"funding_ohlc_([a-z0-9.]+)_([A-Z0-9]+)", _OHLC, _funding_venue),
    (r"funding_(oi|vol)weighted_ohlc_4h_([A-Z0-9]+)", _OHLC, _funding_weighted),
    (
        r"liq_binance_4h_([A-Z0-9]+)",
        (
            Col("time", "ms"),
            Col("aggregated_long_liquidation_usd"),
            Col("aggregated_short_liquidation_usd"),
        ),
        _liq_binance,
    ),
    (
        r"liq_by_exchange_24h_snapshots",
        (
            Col("snapshot_dir", "str"),
            Col("snapshot_commit_time", "time"),
            Col("coin", "str"),
            Col("exchange", "str"),
            Col("longLiquidation_usd", required=False),
            Col("shortLiquidation_usd", required=False),
        ),
        _liq_snapshots,
    ),
    (
        r"futures_orderbook_depth_([A-Z0-9]+)",
        (
            Col("time", "ms"),
            Col("aggregated_bids_usd"),
            Col("aggregated_bids_quantity"),
            Col("aggregated_asks_usd"),
            Col("aggregated_asks_quantity"),
        ),
        _depth_all,
    ),
    (
        r"futures_orderbook_depth_binance_([A-Z0-9]+)",
        (
            Col("time", "ms"),
            Col("bids_usd"),
            Col("bids_quantity"),
            Col("asks_usd"),
            Col("asks_quantity"),
        ),
        _depth_binance_perp,
    ),
    (
        r"spot_orderbook_depth_binance_([A-Z0-9]+)",
        (
            Col("time", "ms"),
            Col("bids_usd"),
            Col("bids_quantity"),
            Col("asks_usd"),
            Col("asks_quantity"),
        ),
        _depth_binance_spot,
    ),
    (r"ls_(global_account|top_account|top_position)_binance_([A-Z0-9]+)_4h", "ls", _long_short),
    (r"etf_flows_daily_([A-Z0-9]+)", "wide:date_utc", _etf),
    (r"stablecoin_mcap_daily", "wide:date_utc", _stablecoins),
    (r"futures_taker_buy_sell_aggregated_([A-Z0-9]+)", (Col("time", "ms"),), _taker),
)


def _route(path: Path) -> tuple[re.Match[str], tuple[Col, ...] | str, Handler] | None:
    hit = match_stem(path, ((pattern, (columns, handler)) for pattern, columns, handler in _ROUTES))
    return None if hit is None else (hit[0], *hit[1])


def detect(path: Path, head: str) -> bool:
    """True for a Coinglass panel file name with a matching header."""
    route = _route(path)
    if route is None:
        return False
    header = header_of(head)
    match, columns, _ = route
    if columns == "ls":
        return f"{match[1]}_long_percent" in header
    if isinstance(columns, str):
        return columns.removeprefix("wide:") in header
    return all(c.name in header for c in columns)


def _wide_columns(path: Path, time_column: str) -> tuple[Col, ...]:
    header = header_of(read_head(path))
    kind: Kind = "ms" if time_column in ("timestamp", "time") else "time"
    numeric = [c for c in header if c not in (time_column, "time_utc", "_snapshot_dir")]
    return (Col(time_column, kind), *(Col(c, required=False) for c in numeric))


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one Coinglass panel file (the file name selects the endpoint)."""
    match, columns, handler = require_name(
        _route(path),
        path,
        "not a Coinglass panel file name",
        "a name such as liq_binance_4h_BTC.csv or oi_allexch_ohlc_4h_ETH.csv (see docs/data.md)",
    )
    result = ImportResult()
    if columns == "ls":
        k = match[1]
        columns = (
            Col("time", "ms"),
            Col(f"{k}_long_percent"),
            Col(f"{k}_short_percent"),
            Col(f"{k}_long_short_ratio"),
        )
    elif isinstance(columns, str):
        columns = _wide_columns(path, columns.removeprefix("wide:"))
    first = columns[0].name
    raw = read_table(path, columns, result=result, skip_bad=skip_bad)
    if first != "time" and columns[0].kind in ("ms", "time"):
        raw = raw.rename_columns(["time" if c == first else c for c in raw.column_names])
    handler(path, match, raw, result)
    return result
