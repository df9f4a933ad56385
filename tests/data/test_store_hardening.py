"""Nothing doubled, nothing miscounted: round trips, series listing, net import summaries
(issue 16, cases 1, 7 and 11)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from liqcascade.cli import app
from liqcascade.data import Store, import_paths
from liqcascade.data._overview import overview

runner = CliRunner()


def aggregates() -> pd.DataFrame:
    """Two Coinglass-style 4h liquidation sums (``event_id`` empty: not single events)."""
    return pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-22 00:00", "2025-09-22 00:00"], utc=True),
            "exchange": "binance",
            "symbol": "BTC",
            "interval": "4h",
            "liquidated_side": ["long", "short"],
            "notional_usd": [393e6, 12e6],
            "coverage": "throttled",
            "event_id": "",
        }
    )


# -- case 1: show --csv, then import it back, adds nothing ------------------------------------


def test_show_csv_then_import_auto_changes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "store"
    Store(root).write("liquidations", aggregates(), source="coinglass")
    shown = runner.invoke(app, ["data", "show", "liquidations", "--csv", "--store", str(root)])
    assert shown.exit_code == 0, shown.output
    csv = tmp_path / "liquidations.csv"
    csv.write_text(shown.output)
    summary = import_paths(Store(root), "auto", [csv]).totals["liquidations"]
    assert (summary.added, summary.replaced, summary.unchanged) == (0, 0, 2)
    stored = Store(root).liquidations("BTC")
    assert stored["notional_usd"].sum() == 393e6 + 12e6  # not doubled
    assert stored["event_id"].tolist() == ["", ""]


def test_a_null_event_id_is_stored_as_empty_text(store: Store) -> None:
    frame = aggregates().assign(event_id=None)
    store.write("liquidations", frame, source="t")
    again = store.write("liquidations", aggregates(), source="t")
    assert (again.added, again.unchanged) == (0, 2)
    assert store.liquidations("BTC")["event_id"].tolist() == ["", ""]


# -- case 7: data list groups events into series -----------------------------------------------


def test_data_list_shows_one_series_per_side_not_per_event(store: Store) -> None:
    n = 500
    events = pd.DataFrame(
        {
            "time": pd.date_range("2025-09-22", periods=n, freq="1s", tz="UTC"),
            "exchange": "binance",
            "symbol": "BTC/USDT:USDT",
            "liquidated_side": ["long", "short"] * (n // 2),
            "notional_usd": 1000.0,
            "coverage": "throttled",
            "event_id": [str(i) for i in range(n)],
        }
    )
    store.write("liquidations", events, source="t")
    table = overview(store, "liquidations")
    assert len(table) == 2  # (binance, BTC/USDT:USDT, no interval) x (long, short)
    assert table["rows"].tolist() == [250, 250]


# -- case 11: a re-import that changes nothing says so -----------------------------------------


def flows(value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-09-22", "2025-09-23"], utc=True),
            "asset": "BTC",
            "fund": "TOTAL",
            "flow_usd": [value, value + 1],
        }
    )


def test_overlapping_files_of_a_reimport_report_no_replacement(tmp_path: Path) -> None:
    # two sources of the same key in one import: the later file wins, as stored already
    first, second = tmp_path / "a_first.csv", tmp_path / "b_second.csv"
    flows(-363.1e6).to_csv(first, index=False)
    flows(-76.0e6).to_csv(second, index=False)
    store = Store(tmp_path / "store")
    import_paths(store, "records", [first, second])
    before = sorted(p.name for p in store.path.rglob("*.parquet"))
    again = import_paths(store, "records", [first, second]).totals["etf_flows"]
    assert (again.added, again.replaced, again.unchanged) == (0, 0, 2)
    assert sorted(p.name for p in store.path.rglob("*.parquet")) == before  # nothing written
    assert store.etf_flows("BTC")["flow_usd"].tolist() == [-76.0e6, -76.0e6 + 1]
