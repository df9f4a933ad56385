"""No-look-ahead harness for walk-forward scorers: later data must change no earlier score.

Usage from any test (the scorers' own tests included)::

    from _lookahead import assert_no_lookahead

    def test_score_stress_sees_no_future(sample_store_path, tmp_path):
        assert_no_lookahead(score_stress, Store(sample_store_path), "BTC/USDT:USDT",
                            "2025-03-01", start="2025-02-20", tmp_path=tmp_path, shock=0.02)

It builds two stores from ``store``: one truncated at ``cutoff`` (every dataset's rows with
``time < cutoff``), and a copy of that one with every later row appended back. The scorer runs
on both over the same window ``[start, end)`` (``end`` defaults to ``cutoff``); the blocks,
``detail`` included, must be equal, NaN equal to NaN. A scorer whose model reads data after a
bar's open (or whose realized side reads rows after ``end``) fails.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade.data import Store


def _utc(value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def split_store(store: Store, cutoff: object, root: Path) -> tuple[Store, Store]:
    """Return (truncated at ``cutoff``, truncated + every later row appended) under ``root``."""
    t = _utc(cutoff)
    early = Store(root / "truncated")
    for name in store.datasets():
        rows = store.read(name, end=t)
        if not rows.empty:
            early.write(name, rows)
    shutil.copytree(early.path, root / "appended")
    late = Store(root / "appended")
    for name in store.datasets():
        rows = store.read(name, start=t)
        if not rows.empty:
            late.write(name, rows)
    return early, late


def _normalized(value: Any) -> Any:
    # Comparable form: arrays to lists, NaN to a marker (NaN != NaN otherwise), times to text.
    if isinstance(value, Mapping):
        return {str(k): _normalized(v) for k, v in value.items()}
    if isinstance(value, np.ndarray | pd.Series | pd.Index | list | tuple):
        return [_normalized(v) for v in list(value)]
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, float | np.floating):
        return "nan" if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{where}.{key}: only in one run")
            else:
                out.extend(_differences(a[key], b[key], f"{where}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return (
            [f"{where}[{diffs[0]}]: {a[diffs[0]]!r} != {b[diffs[0]]!r} ({len(diffs)} differ)"]
            if diffs
            else []
        )
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def assert_no_lookahead(
    scorer: Callable[..., Mapping[str, Any]],
    store: Store,
    symbol: str,
    cutoff: object,
    *,
    start: object,
    tmp_path: Path,
    end: object = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Assert that appending rows from ``cutoff`` on changes no score of bars before it.

    Parameters
    ----------
    scorer
        ``score_stress``, ``score_estimator``, ``score_liquidations`` or any function with
        their signature ``(store, symbol, *, start, end, **kwargs) -> block``.
    store
        The full store (not modified).
    symbol
        The symbol scored.
    cutoff
        Rows with ``time >= cutoff`` are withheld from the first run.
    start, end
        The scored window; ``end`` defaults to ``cutoff`` and must not be after it.
    tmp_path
        Where the two stores are built.
    kwargs
        Passed to the scorer (``shock``, ``seed``...).

    Returns
    -------
    dict
        The block scored on the truncated store (to check it scored something).
    """
    t_end = _utc(end if end is not None else cutoff)
    assert t_end <= _utc(cutoff), "end must not be after cutoff"
    early, late = split_store(store, cutoff, tmp_path)
    window = {"start": _utc(start), "end": t_end, **kwargs}
    before = _normalized(scorer(early, symbol, **window))
    after = _normalized(scorer(late, symbol, **window))
    diffs = _differences(before, after)
    assert not diffs, "later rows changed earlier scores (look-ahead): " + "; ".join(diffs[:5])
    return before
