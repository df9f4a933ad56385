"""Helpers for the validate tests: the bundled sample cut at a time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from liqcascade.data import DATASETS, Store, sample_files
from liqcascade.data._frames import to_frame


def cut_sample_store(root: Path, before: str, names: tuple[str, ...]) -> Store:
    """A store holding only the sample rows of ``names`` with ``time < before``."""
    cutoff = pd.Timestamp(before, tz="UTC")
    store = Store(root)
    files = sample_files()
    for name in names:
        frame = to_frame(DATASETS[name], pq.read_table(files[name]))
        store.write(name, frame[frame["time"] < cutoff])
    return store
