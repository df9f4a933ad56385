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
import pyarrow as pa
import pyarrow.compute as pc

from liqcascade.data._schema import TIME
from liqcascade.data.importers._base import ImportResult, match_stem, read_head, require_name
from liqcascade.data.importers._csv import LINE, Col, header_of, read_table
from liqcascade.data.importers._provenance import origin
from liqcascade.data.importers._tables import multiplied, stacked, table_of
from liqcascade.data.importers.coinglass import latest_snapshot, venue_id, venue_ids

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


def _long(raw: pa.Table, metrics: dict[str, tuple[str, str, float]], ids: list[str]) -> pa.Table:
    """One row per (row of ``raw``, metric) with a value, metric by metric (scaled)."""
    blocks = [
        ((metric, unit), multiplied(raw[column], scale))
        for column, (metric, unit, scale) in metrics.items()
    ]
    return stacked(raw, blocks, labels=["metric", "unit"], value="value", keep=[*ids, LINE])


_YYMMDD = r"^[0-9]{6}$"


def _expiry_time(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Deribit options expire at 08:00 UTC on the expiry date (``yymmdd``)."""
    eight = pa.scalar(pd.Timedelta(hours=8).value, pa.duration("ns"))
    if pc.all(pc.match_substring_regex(text, _YYMMDD)).as_py():
        try:
            days = pc.strptime(text, format="%y%m%d", unit="ns")
        except pa.ArrowInvalid:  # not a date: pandas raises its own error below
            days = None
        # arrow rolls 250229 over to March 1st; pandas refuses it: only exact dates pass
        if days is not None and pc.all(pc.equal(pc.strftime(days, "%y%m%d"), text)).as_py():
            return pc.add(pc.cast(days, TIME), eight)
    times = pd.to_datetime(text.to_pandas(), format="%y%m%d", utc=True)
    return pc.add(pc.cast(pa.array(times), TIME), eight)


def _repeat(value: object, table: pa.Table) -> pa.ChunkedArray:
    return table_of({"_": value}, table.num_rows).column(0)


def _with(table: pa.Table, **columns: object) -> pa.Table:
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


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
    if what == "expiry":
        raw = read_table(path, _EXPIRY, result=result, skip_bad=skip_bad)
        raw = latest_snapshot(
            raw, "_snapshot_dir", ["_snapshot_commit_time", "expiry_yymmdd"], result
        )
        raw = _with(
            raw, expiry=_expiry_time(raw["expiry_yymmdd"]), time=raw["_snapshot_commit_time"]
        )
        long = _long(raw, _EXPIRY_METRICS, ["time", "expiry"])
        long = _with(long, exchange=_repeat("deribit", long), interval=_repeat(None, long))
    elif what == "venue_snapshot":
        raw = read_table(path, _VENUE_SNAP, result=result, skip_bad=skip_bad)
        raw = latest_snapshot(
            raw, "_snapshot_dir", ["_snapshot_commit_time", "exchange_name"], result
        )
        raw = _with(
            raw, time=raw["_snapshot_commit_time"], exchange=venue_ids(raw["exchange_name"])
        )
        long = _long(raw, _VENUE_METRICS, ["time", "exchange"])
        long = _with(long, expiry=_repeat(None, long), interval=_repeat(None, long))
    else:
        header = header_of(read_head(path))
        venues = [c for c in header if c not in ("time_utc", "timestamp", "price", "_snapshot_dir")]
        columns = (Col("timestamp", "ms"), *(Col(v, required=False) for v in venues))
        raw = read_table(path, columns, result=result, skip_bad=skip_bad)
        raw = raw.rename_columns(["time" if c == "timestamp" else c for c in raw.column_names])
        metric = "open_interest_usd" if what == "oi_4h" else "volume_usd"
        blocks = [((venue_id(v), metric, "usd"), raw[v]) for v in venues]
        long = stacked(raw, blocks, labels=["exchange", "metric", "unit"], value="value")
        interval = "4h" if what == "oi_4h" else "1d"
        long = _with(long, interval=_repeat(interval, long), expiry=_repeat(None, long))
    frame = table_of(
        {
            "time": long["time"],
            "exchange": long["exchange"],
            "asset": asset,
            "expiry": long["expiry"],
            "metric": long["metric"],
            "interval": long["interval"],
            "value": long["value"],
            "unit": long["unit"],
            **origin(path, long),
        },
        long.num_rows,
    )
    result.add("options", frame)
    return result
