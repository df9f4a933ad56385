"""Each fixture file in the real column format imports to the hand-worked rows of its golden."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from liqcascade.data._schema import DATASETS
from liqcascade.data.importers.dumps import DUMP_IMPORTERS

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))
BY_FORMAT = {module.FORMAT: module for module in DUMP_IMPORTERS}


def _value(expected: object, got: object, column: str) -> None:
    if expected is None:
        assert got is None or (isinstance(got, float) and math.isnan(got)), column
    elif column == "time":
        assert pd.Timestamp(got) == pd.Timestamp(expected), column
    elif isinstance(expected, float | int) and not isinstance(expected, bool):
        assert got == pytest.approx(expected, rel=1e-12), column
    else:
        assert got == expected, column


@pytest.mark.golden
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixture_imports_to_golden_rows(case: Path, fixtures: Path) -> None:
    spec = json.loads(case.read_text(encoding="utf-8"))
    module = BY_FORMAT[spec["format"]]
    result = module.read(fixtures / spec["input"], **spec["args"])
    frame = result.frames[spec["dataset"]]
    assert result.bad_rows == []
    expected = spec["expected"]
    assert len(frame) == spec.get("expected_count", len(expected))
    for want in expected:
        rows = frame.loc[frame["time"] == pd.Timestamp(want["time"])]
        for key in ("kind", "band", "event_id", "symbol"):
            if key in want and want[key] is not None and len(rows) > 1:
                rows = rows.loc[rows[key] == want[key]]
        assert len(rows) == 1, want
        row = rows.iloc[0]
        for column, value in want.items():
            _value(value, row[column], column)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_frames_match_the_dataset_schema(case: Path, fixtures: Path) -> None:
    spec = json.loads(case.read_text(encoding="utf-8"))
    result = BY_FORMAT[spec["format"]].read(fixtures / spec["input"], **spec["args"])
    for name, frame in result.frames.items():
        schema = DATASETS[name].schema
        wanted = [f.name for f in schema if f.name != "source"]
        assert list(frame.columns) == wanted
        assert str(frame["time"].dtype) == "datetime64[ns, UTC]"
        pa.Table.from_pandas(frame, schema=pa.schema([schema.field(c) for c in wanted]))


@pytest.mark.parametrize("module", DUMP_IMPORTERS, ids=lambda m: m.FORMAT)
def test_detect_claims_only_its_own_fixtures(module, fixtures: Path) -> None:
    from liqcascade.data.importers._base import read_head

    cases = [json.loads(c.read_text(encoding="utf-8")) for c in CASES]
    for spec in cases:
        path = fixtures / spec["input"]
        assert module.detect(path, read_head(path)) == (spec["format"] == module.FORMAT), path


@pytest.mark.parametrize("folder", ["binance", "tardis", "ccxt"])
def test_fixture_files_match_their_metadata(folder: str, fixtures: Path) -> None:
    import hashlib

    meta = json.loads((fixtures / folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["source"] and meta["license"]
    on_disk = {
        str(p.relative_to(fixtures / folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((fixtures / folder).rglob("*"))
        if p.is_file() and p.name != "metadata.json"
    }
    assert on_disk == meta["sha256"]
