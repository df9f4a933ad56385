"""A fuzzer per importer: a valid seed file with hostile edits either imports cleanly (every
stored value within its dataset's declared ranges) or fails with one clear line — never a
traceback from deep inside — and a failed import leaves the store as it was (issue 16).

Seeds: a few lines of each real source file (``tests/data/fuzz_seeds/<format>/``, cut from the
shared collection, names kept: importers read meaning from them) and the dump fixtures.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqcascade.data import Store, import_paths
from liqcascade.data._ranges import problems
from liqcascade.data._schema import DATASETS
from liqcascade.data.importers import IMPORTERS
from liqcascade.errors import LiqcascadeError

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SEEDS: dict[str, Path] = {
    p.parent.name: p for p in sorted((HERE / "fuzz_seeds").glob("*/*")) if p.is_file()
}
SEEDS |= {
    "binance-klines": FIXTURES / "binance" / "BTCUSDT-4h-2025-09.csv",
    "binance-bookdepth": FIXTURES / "binance" / "BTCUSDT-bookDepth-2025-09-22.csv",
    "binance-funding": FIXTURES / "binance" / "BTCUSDT-fundingRate-2025-09.csv",
    "binance-metrics": FIXTURES / "binance" / "BTCUSDT-metrics-2025-10-07.csv",
    "binance-liquidations": FIXTURES / "binance" / "BTCUSD_PERP-liquidationSnapshot-2024-10-14.csv",
    "tardis-liquidations": FIXTURES / "tardis" / "bybit_liquidations_2025-09-22_BTCUSDT.csv",
    **{
        f"{venue}-ws": FIXTURES / "ws" / f"{venue}-documented.jsonl"
        for venue in ("binance", "bybit", "hyperliquid", "okx")
    },
}

HOSTILE = [
    "", "inf", "-inf", "1e400", "-1", "0", "-0", "nan", "NaN", "abc", "1e-400", "9" * 40,
    "2099-01-01", "1970-01-01", "0000-00-00", "\r", '"', '"a,b"', "１２", "\x00", " 1 ", "1,5",
    "1731441600", "17314416000000000", "None", "-1e308", "TRUE",
]  # fmt: skip


def edit(text: str, data: st.DataObject) -> str:
    """One to three hostile edits of ``text``: a field replaced, a line dropped, doubled or
    blanked, the file cut short."""
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        if not lines:
            break
        action = data.draw(
            st.sampled_from(["field", "field", "field", "drop", "dup", "blank", "cut"])
        )
        i = data.draw(st.integers(0, len(lines) - 1))
        if action == "field":
            fields = lines[i].split(",")
            j = data.draw(st.integers(0, len(fields) - 1))
            fields[j] = data.draw(st.sampled_from(HOSTILE))
            lines[i] = ",".join(fields)
        elif action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "blank":
            lines.insert(i, "")
        else:
            cut = "\n".join(lines)
            return cut[: data.draw(st.integers(0, len(cut)))]
    return "\n".join(lines) + "\n"


def tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def seed_store(root: Path) -> Store:
    store = Store(root)
    store.write(
        "sentiment",
        pd.DataFrame(
            {"time": pd.to_datetime(["2025-09-22"], utc=True), "index": "x", "value": [1.0]}
        ),
        source="seed",
    )
    return store


def test_every_importer_has_a_seed() -> None:
    assert set(SEEDS) == {m.FORMAT for m in IMPORTERS}


# Seeds that cannot import offline as they are (the hostile edits still must fail cleanly).
NEEDS_NETWORK = {"okx-ws"}  # contract values (ctVal) come from OKX


@pytest.mark.parametrize("fmt", sorted(set(SEEDS) - NEEDS_NETWORK))
def test_the_unedited_seed_imports(fmt: str, tmp_path: Path) -> None:
    summary = import_paths(Store(tmp_path / "s"), fmt, [SEEDS[fmt]])
    assert sum(s.added for s in summary.totals.values()) > 0


@pytest.mark.parametrize("fmt", sorted(SEEDS))
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_hostile_edit_is_a_clear_error_or_a_clean_import(fmt: str, data: st.DataObject) -> None:
    seed = SEEDS[fmt]
    text = edit(seed.read_text(encoding="utf-8"), data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in" / seed.name
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8", newline="")
        store = seed_store(Path(tmp) / "store")
        before = tree(store.path)
        try:
            import_paths(store, fmt, [path], skip_bad=data.draw(st.booleans()))
        except LiqcascadeError as exc:
            assert "\n" not in str(exc).strip(), str(exc)
            assert tree(store.path) == before  # nothing of a failed import is written
            return
        for name in store.datasets():
            table = store.read(name)
            ds = DATASETS[name]
            arrow = pa.Table.from_pandas(table, schema=ds.schema, preserve_index=False)
            assert problems(ds, arrow) == [], (name, table)
