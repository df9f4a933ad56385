"""validate(): JSON layout, pass/fail against the target table, not-available blocks, inputs.

The scorers are replaced by fakes (``fake_scorers``) returning hand-picked blocks, so these
tests pin the framework, not the models.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _validate_fakes import BTC, ETH, FIRST_BAR, FakeScorers

from liqcascade.data import Store
from liqcascade.errors import InputError, NoDataError
from liqcascade.validate import ValidationResult, validate

START, END = "2025-01-05", "2025-01-25"


def _run(path: Path, **kwargs) -> ValidationResult:
    kwargs.setdefault("start", START)
    kwargs.setdefault("end", END)
    return validate(Store(path), kwargs.pop("symbols", [BTC, ETH]), **kwargs)


def _verdicts(block: dict) -> dict[str, bool | None]:
    return {c["score"]: c["pass"] for c in block["checks"]}


def test_json_layout_one_block_per_symbol_and_area(small_store_path, fake_scorers) -> None:
    doc = _run(small_store_path).to_dict()
    for area in ("stress", "estimator", "liquidations"):
        assert list(doc[area]) == [BTC, ETH]
    assert set(doc["stress"][BTC]) == {
        "available", "n", "mae", "mae_baseline", "spearman", "spearman_ci", "coverage",
        "auc", "auc_vol_baseline", "share_over_10pct", "checks",
    }  # fmt: skip
    assert doc["stress"][BTC]["spearman_ci"] == [0.05, 0.35]
    assert {"start", "end", "shock", "seed", "generated", "store", "targets", "constants"} <= set(
        doc
    )
    assert doc["start"] == "2025-01-05T00:00:00+00:00"
    assert doc["end"] == "2025-01-25T00:00:00+00:00"
    assert doc["shock"] == 0.02
    assert doc["store"]["path"] == str(small_store_path)
    assert doc["store"]["candles_4h"][BTC]["bars"] == 186
    assert len(doc["targets"]) == 10  # the table: 6 stress, 3 estimator, 1 liquidations
    json.dumps(doc, allow_nan=False)  # strict JSON: no NaN


def test_blocks_meeting_every_target_pass(small_store_path, fake_scorers) -> None:
    result = _run(small_store_path)
    summary = result.to_dict()["summary"]
    # 10 targets x 2 symbols
    assert summary == {"met": 20, "missed": 0, "not_judged": 0, "passed": True}


def test_each_target_judged_at_its_bound(small_store_path, fake_scorers: FakeScorers) -> None:
    fake_scorers.blocks["stress"].update(
        mae=0.0121,  # > mae_baseline 0.012: missed
        spearman=0.15,  # >= 0.15: met (bound included)
        spearman_ci=[0.0, 0.3],  # lower bound must be > 0: missed
        coverage=0.91,  # above 0.90: missed
        auc=0.70,  # >= 0.70: met
        share_over_10pct=0.011,  # > 0.01: missed
    )
    fake_scorers.blocks["estimator"].update(
        coverage=0.75,  # inside 0.75-0.85: met
        below_p10=0.15,
        above_p90=0.08,  # |0.15 - 0.08| = 0.07 > 0.05: missed
        median_log_bias=-0.11,  # outside +-0.10: missed
    )
    fake_scorers.blocks["liquidations"].update(within_bounds=0.69)  # < 0.70: missed
    doc = _run(small_store_path, symbols=[BTC]).to_dict()
    assert _verdicts(doc["stress"][BTC]) == {
        "mae": False,
        "spearman": True,
        "spearman_ci": False,
        "coverage": False,
        "auc": True,
        "share_over_10pct": False,
    }
    assert _verdicts(doc["estimator"][BTC]) == {
        "coverage": True,
        "|below_p10 - above_p90|": False,
        "median_log_bias": False,
    }
    assert _verdicts(doc["liquidations"][BTC]) == {"within_bounds": False}
    assert doc["summary"] == {"met": 3, "missed": 7, "not_judged": 0, "passed": False}


def test_baselines_sit_beside_their_scores(small_store_path, fake_scorers) -> None:
    checks = {c["score"]: c for c in _run(small_store_path).to_dict()["stress"][BTC]["checks"]}
    assert checks["mae"]["value"] == 0.010 and checks["mae"]["baseline"] == 0.012
    assert checks["auc"]["value"] == 0.74 and checks["auc"]["baseline"] == 0.76


def test_nan_score_is_null_and_not_judged(small_store_path, fake_scorers) -> None:
    fake_scorers.blocks["stress"]["spearman"] = float("nan")
    doc = _run(small_store_path, symbols=[BTC]).to_dict()
    assert doc["stress"][BTC]["spearman"] is None
    assert _verdicts(doc["stress"][BTC])["spearman"] is None
    assert doc["summary"]["not_judged"] == 1 and doc["summary"]["passed"] is False


def test_share_target_applies_only_to_a_two_percent_shock(small_store_path, fake_scorers) -> None:
    doc = _run(small_store_path, symbols=[BTC], shock=0.03).to_dict()
    row = next(c for c in doc["stress"][BTC]["checks"] if c["score"] == "share_over_10pct")
    assert row["applies"] is False and row["pass"] is None
    assert doc["summary"] == {"met": 9, "missed": 0, "not_judged": 0, "passed": True}


@pytest.mark.parametrize(
    "error", [NotImplementedError("score_stress is being built"), NoDataError("no depth")]
)
def test_unbuilt_or_dataless_scorer_is_not_available(
    small_store_path, fake_scorers: FakeScorers, error: Exception
) -> None:
    fake_scorers.raises["stress"] = error
    doc = _run(small_store_path).to_dict()
    block = doc["stress"][BTC]
    assert block["available"] is False
    assert block["reason"] == str(error)
    assert all(c["pass"] is None for c in block["checks"])
    assert doc["estimator"][BTC]["available"] is True  # the other areas still ran
    assert doc["summary"]["not_judged"] == 12  # 6 stress targets x 2 symbols
    assert doc["summary"]["passed"] is False


def test_programming_errors_are_not_hidden(small_store_path, fake_scorers: FakeScorers) -> None:
    fake_scorers.raises["estimator"] = ZeroDivisionError("bug")
    with pytest.raises(ZeroDivisionError):
        _run(small_store_path)


def test_a_block_missing_a_contract_key_is_an_error(small_store_path, fake_scorers) -> None:
    del fake_scorers.blocks["liquidations"]["within_bounds"]
    with pytest.raises(KeyError, match="within_bounds"):
        _run(small_store_path)


def test_scorers_get_the_window_shock_seed_and_progress(small_store_path, fake_scorers) -> None:
    seen = []
    _run(small_store_path, shock=0.05, seed=3, progress=lambda *a: seen.append(a))
    area, symbol, kwargs = fake_scorers.calls[0]
    assert (area, symbol) == ("stress", BTC)
    assert kwargs["start"] == pd.Timestamp(START, tz="UTC")
    assert kwargs["end"] == pd.Timestamp(END, tz="UTC")
    assert (kwargs["shock"], kwargs["seed"]) == (0.05, 3)
    assert "shock" not in fake_scorers.calls[1][2]  # the estimator takes no shock
    assert ("stress " + BTC, 2, 2) in seen and ("liquidations " + ETH, 1, 2) in seen


def test_window_defaults_to_the_store_history(small_store_path, fake_scorers) -> None:
    result = validate(Store(small_store_path), [BTC])
    assert result.start == FIRST_BAR
    # 186 bars: the last opens 185 x 4h after the first and closes 4h later
    assert result.end == FIRST_BAR + pd.Timedelta(hours=4 * 186)


@pytest.mark.parametrize("shock", [0.0, 1.0, -0.02, 2.0, float("nan")])
def test_shock_must_be_a_fraction_in_0_1(small_store_path, fake_scorers, shock) -> None:
    with pytest.raises(InputError, match="FRACTION"):
        _run(small_store_path, shock=shock)


def test_reversed_dates_are_refused(small_store_path, fake_scorers) -> None:
    with pytest.raises(InputError, match="not after start"):
        _run(small_store_path, start="2025-01-20", end="2025-01-10")


def test_bad_date_and_symbols_are_refused(small_store_path, fake_scorers) -> None:
    with pytest.raises(InputError, match="not a date"):
        _run(small_store_path, start="next tuesday")
    with pytest.raises(InputError, match="no symbol"):
        _run(small_store_path, symbols=[])
    with pytest.raises(InputError, match="ccxt symbol"):
        _run(small_store_path, symbols=["BTCUSDT"])


def test_unknown_symbol_names_what_the_store_holds(small_store_path, fake_scorers) -> None:
    with pytest.raises(NoDataError, match=r"SOL/USDT:USDT.*BTC/USDT:USDT"):
        _run(small_store_path, symbols=["SOL/USDT:USDT"])


def test_detail_stays_out_of_the_json_unless_asked(small_store_path, fake_scorers) -> None:
    fake_scorers.blocks["stress"]["detail"] = {"realized": np.array([0.02, np.nan])}
    result = _run(small_store_path, symbols=[BTC])
    assert "detail" not in result.to_dict()["stress"][BTC]
    assert result.to_dict(detail=True)["stress"][BTC]["detail"] == {"realized": [0.02, None]}


def test_detail_arrays_of_different_lengths_are_an_error(small_store_path, fake_scorers) -> None:
    fake_scorers.blocks["stress"]["detail"] = {"realized": [0.1, 0.2], "predicted": [0.1]}
    with pytest.raises(ValueError, match="differ in length"):
        _run(small_store_path, symbols=[BTC])


def test_result_is_frozen(small_store_path, fake_scorers) -> None:
    result = _run(small_store_path, symbols=[BTC])
    with pytest.raises(AttributeError):
        result.shock = 0.05  # type: ignore[misc]


def test_constants_say_how_this_window_used_them(small_store_path, fake_scorers) -> None:
    constants = {c["name"]: c for c in _run(small_store_path).to_dict()["constants"]}
    prior = constants["HYPERLIQUID_2025_PRIOR"]
    assert prior["known_from"] == "2025-12-15"
    assert prior["use"] == "fallback"  # January 2025 is before the source existed
