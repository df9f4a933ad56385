"""The Coinglass options panel (liquidity-report snapshots) -> the long-format ``options`` dataset.

===============================================  ==============================================
file                                             metrics (unit)
===============================================  ==============================================
``deribit_putcall_oi_by_expiry_snapshots_<C>``   per expiry: ``call_oi``/``put_oi`` (base),
                                                 ``call_oi_notional_usd``/``put_oi_notional_usd``,
                                                 ``call_oi_market_value_usd``/``put_...`` (usd),
                                                 ``max_pain_price`` (usd); time = snapshot
``options_oi_volume_by_exchange_snapshots_<C>``  per venue: ``open_interest`` (base),
                                                 ``open_interest_usd``, ``volume_24h_usd`` (usd),
                                                 ``oi_market_share``, ``open_interest_change_24h``,
                                                 ``volume_change_24h`` (fraction; were percent)
``options_oi_by_exchange_4h_<C>``                ``open_interest_usd`` per venue, interval 4h
``options_volume_by_exchange_daily_<C>``         ``volume_usd`` per venue, interval 1d
===============================================  ==============================================

Snapshot rows are stamped with the snapshot's commit time (UTC) and a null interval. Deribit
expiries (``yymmdd``) expire at 08:00 UTC. Coinglass may stamp a daily volume at the day's END;
the rows are kept as published (see docs/data.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from liqcascade.data.importers._base import ImportResult, match_stem, read_head, require_name
from liqcascade.data.importers._csv import LINE, Col, header_of, read_csv
from liqcascade.data.importers._provenance import source_for
from liqcascade.data.importers.coinglass import latest_snapshot, venue_ids

FORMAT = "coinglass-options"
DESCRIPTION = "Coinglass options panel CSVs: put/call OI per expiry, OI and volume per venue"

_SNAP = (Col("_snapshot_dir", "str"), Col("_snapshot_commit_time", "time"))
# metric columns -> (metric, unit, scale to the stored unit); each file's columns follow
_EXPIRY_METRICS = {
    "call_open_interest": ("call_oi", "base", 1.0),
    "put_open_interest": ("put_oi", "base", 1.0),
    "call_open_interest_notional": ("call_oi_notional_usd", "usd", 1.0),
    "put_open_interest_notional": ("put_oi_notional_usd", "usd", 1.0),
    "call_open_interest_market_value": ("call_oi_market_value_usd", "usd", 1.0),
    "put_open_interest_market_value": ("put_oi_market_value_usd", "usd", 1.0),
    "max_pain_price": ("max_pain_price", "usd", 1.0),
}
_VENUE_METRICS = {
    "open_interest": ("open_interest", "base", 1.0),
    "open_interest_usd": ("open_interest_usd", "usd", 1.0),
    "volume_usd_24h": ("volume_24h_usd", "usd", 1.0),
    "oi_market_share": ("oi_market_share", "fraction", 0.01),
    "open_interest_change_24h": ("open_interest_change_24h", "fraction", 0.01),
    "volume_change_percent_24h": ("volume_change_24h", "fraction", 0.01),
}
_EXPIRY = (
    *_SNAP,
    Col("expiry_yymmdd", "str"),
    *(Col(column, required=False) for column in _EXPIRY_METRICS),
)
_VENUE_SNAP = (
    *_SNAP,
    Col("exchange_name", "str"),
    *(Col(column, required=False) for column in _VENUE_METRICS),
)
# the first column each file kind must have (the 4h/daily tables start with ``timestamp``)
_FIRST_COLUMN = {"expiry": "expiry_yymmdd", "venue_snapshot": "exchange_name"}
_ROUTES = {
    r"deribit_putcall_oi_by_expiry_snapshots_([A-Z0-9]+)": "expiry",
    r"options_oi_volume_by_exchange_snapshots_([A-Z0-9]+)": "venue_snapshot",
    r"options_oi_by_exchange_4h_([A-Z0-9]+)": "oi_4h",
    r"options_volume_by_exchange_daily_([A-Z0-9]+)": "volume_1d",
}


def _route(path: Path) -> tuple[str, str] | None:
    hit = match_stem(path, _ROUTES.items())
    return None if hit is None else (hit[1], hit[0][1])


def detect(path: Path, head: str) -> bool:
    """True for a Coinglass options panel file name with a matching header."""
    route = _route(path)
    return route is not None and _FIRST_COLUMN.get(route[0], "timestamp") in header_of(head)


def _long(
    raw: pd.DataFrame, metrics: dict[str, tuple[str, str, float]], ids: list[str]
) -> pd.DataFrame:
    parts = []
    for column, (metric, unit, scale) in metrics.items():
        part = raw[[*ids, LINE]].copy()
        part["metric"] = metric
        part["unit"] = unit
        part["value"] = raw[column] * scale
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    return out.dropna(subset=["value"])


def _expiry_time(text: pd.Series) -> pd.Series:
    # Deribit options expire at 08:00 UTC on the expiry date.
    return pd.to_datetime(text, format="%y%m%d", utc=True) + pd.Timedelta(hours=8)


def read(
    path: Path, *, symbol: str | None = None, kind: str | None = None, skip_bad: bool = False
) -> ImportResult:
    """Read one Coinglass options panel file into ``options``."""
    what, asset = require_name(
        _route(path),
        path,
        "not a Coinglass options file name",
        "e.g. deribit_putcall_oi_by_expiry_snapshots_BTC.csv",
    )
    result = ImportResult()
    source = source_for(path)
    if what == "expiry":
        raw = read_csv(path, _EXPIRY, result=result, skip_bad=skip_bad)
        raw = latest_snapshot(
            raw, "_snapshot_dir", ["_snapshot_commit_time", "expiry_yymmdd"], result
        )
        raw["expiry"] = _expiry_time(raw["expiry_yymmdd"])
        raw["time"] = raw["_snapshot_commit_time"]
        long = _long(raw, _EXPIRY_METRICS, ["time", "expiry"])
        long["exchange"] = "deribit"
        long["interval"] = None
    elif what == "venue_snapshot":
        raw = read_csv(path, _VENUE_SNAP, result=result, skip_bad=skip_bad)
        raw = latest_snapshot(
            raw, "_snapshot_dir", ["_snapshot_commit_time", "exchange_name"], result
        )
        raw["time"] = raw["_snapshot_commit_time"]
        raw["exchange"] = venue_ids(raw["exchange_name"])
        long = _long(raw, _VENUE_METRICS, ["time", "exchange"])
        long["expiry"] = pd.NaT
        long["interval"] = None
    else:
        header = header_of(read_head(path))
        venues = [c for c in header if c not in ("time_utc", "timestamp", "price", "_snapshot_dir")]
        columns = (Col("timestamp", "ms"), *(Col(v, required=False) for v in venues))
        raw = read_csv(path, columns, result=result, skip_bad=skip_bad)
        raw = raw.rename(columns={"timestamp": "time"})
        melted = raw.melt(id_vars=["time", LINE], value_vars=venues, var_name="venue")
        long = melted.dropna(subset=["value"]).copy()
        long["exchange"] = venue_ids(long["venue"])
        long["metric"] = "open_interest_usd" if what == "oi_4h" else "volume_usd"
        long["unit"] = "usd"
        long["interval"] = "4h" if what == "oi_4h" else "1d"
        long["expiry"] = pd.NaT
    frame = pd.DataFrame(
        {
            "time": long["time"],
            "exchange": long["exchange"],
            "asset": asset,
            "expiry": long["expiry"],
            "metric": long["metric"],
            "interval": long["interval"],
            "value": long["value"],
            "unit": long["unit"],
            "source": source,
            LINE: long[LINE],
        }
    )
    result.add("options", frame)
    return result
