"""Monte Carlo: seeds decide the paths, not the executor; degenerate priors reproduce simulate."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import liqcascade
from liqcascade.errors import InputError
from liqcascade.sim import (
    Book,
    DaskExecutor,
    MonteCarloPriors,
    ProcessExecutor,
    SerialExecutor,
    Shock,
    monte_carlo,
    simulate,
)
from liqcascade.sim._executors import executor_for


def _positions(n: int = 300, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lev = rng.uniform(3, 60, n)
    entry = 100 * (1 + rng.normal(0, 0.02, n))
    size = rng.lognormal(0, 1, n) * 100
    return pd.DataFrame(
        {
            "venue": "toy",
            "symbol": "BTC/USDT:USDT",
            "side": np.where(rng.random(n) < 0.6, "long", "short"),
            "size": size,
            "entry_price": entry,
            "collateral": size * entry / lev,
            "margin_mode": "isolated",
        }
    )


POSITIONS = _positions()
BOOK = Book.parametric(100.0, 2e5, insurance_fund_usd=1e3)
PRIORS = MonteCarloPriors(shock=Shock(price_move=-0.03), shock_sd=0.02, block_size=7)


# Held by this process while workers start: a forked worker would inherit it locked.
_HELD = threading.Lock()


def _can_take_the_lock(payload: object, block: int) -> bool:
    return _HELD.acquire(timeout=1.0)


def test_worker_processes_do_not_inherit_this_process_state() -> None:
    # Workers forked from a process that runs threads crashed in a test run under load (a
    # segfault in the child's first garbage collection): a fork copies memory another thread
    # may be changing, as this held lock stands for. Workers start clean instead.
    with _HELD:
        took = ProcessExecutor(2).run(_can_take_the_lock, None, [0, 1])
    assert took == [True, True]


_UNGUARDED_SCRIPT = """
from liqcascade.sim import Book, MonteCarloPriors, ProcessExecutor, Shock, monte_carlo
from test_sim_montecarlo import POSITIONS
priors = MonteCarloPriors(shock=Shock(price_move=-0.03), block_size=5)
monte_carlo(POSITIONS, Book.parametric(100.0, 2e5), paths=10, priors=priors,
            executor=ProcessExecutor(2))
"""


def test_a_script_without_the_main_guard_is_told_how_to_fix_it(tmp_path: Path) -> None:
    # Workers import the script that starts them; without the guard each would start the run
    # again and Python stops them. The error the caller sees must say what to do.
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED_SCRIPT)
    paths = [str(Path(liqcascade.__file__).parents[1]), str(Path(__file__).parent)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode != 0
    assert "BrokenProcessPool: a Monte Carlo worker process ended" in run.stderr
    assert 'under `if __name__ == "__main__":`' in run.stderr


def test_same_seed_same_paths_serial_and_processes() -> None:
    a = monte_carlo(POSITIONS, BOOK, paths=45, priors=PRIORS, seed=11, executor=SerialExecutor())
    b = monte_carlo(POSITIONS, BOOK, paths=45, priors=PRIORS, seed=11, executor=ProcessExecutor(2))
    pd.testing.assert_frame_equal(a.paths, b.paths)
    assert len(a.paths) == 45


@pytest.mark.integration
@pytest.mark.parametrize("n_workers", [1, 2, 3])
def test_same_seed_same_paths_on_a_dask_local_cluster(n_workers: int) -> None:
    a = monte_carlo(POSITIONS, BOOK, paths=30, priors=PRIORS, seed=5, executor=SerialExecutor())
    dask = DaskExecutor(n_workers=n_workers, processes=False)
    b = monte_carlo(POSITIONS, BOOK, paths=30, priors=PRIORS, seed=5, executor=dask)
    pd.testing.assert_frame_equal(a.paths, b.paths)


def test_different_seeds_draw_different_shocks() -> None:
    a = monte_carlo(POSITIONS, BOOK, paths=10, priors=PRIORS, seed=1, executor=SerialExecutor())
    b = monte_carlo(POSITIONS, BOOK, paths=10, priors=PRIORS, seed=2, executor=SerialExecutor())
    assert not np.allclose(a.paths["price_move"], b.paths["price_move"])


def test_degenerate_priors_reproduce_simulate() -> None:
    priors = MonteCarloPriors(
        shock=Shock(price_move=-0.04), shock_sd=0.0, depth_sigma=0.0, leverage_sigma=0.0
    )
    mc = monte_carlo(POSITIONS, BOOK, paths=3, priors=priors, seed=0, executor=SerialExecutor())
    one = simulate(POSITIONS, BOOK, -0.04)
    assert mc.paths["trough_price"].tolist() == [one.trough_price] * 3
    assert mc.paths["liquidated_long_usd"].tolist() == [one.liquidated_long_usd] * 3
    assert mc.paths["adl_usd"].tolist() == pytest.approx([one.adl_usd] * 3)
    assert mc.paths["rounds"].tolist() == [one.rounds] * 3


def test_quantiles_are_ordered_and_json_ready() -> None:
    mc = monte_carlo(POSITIONS, BOOK, paths=40, priors=PRIORS, seed=9, executor=SerialExecutor())
    out = mc.to_dict()
    q = out["quantiles"]["trough_price"]
    assert q["p01"] <= q["p05"] <= q["p50"] <= q["p95"] <= q["p99"]
    assert out["trough_price"] == q["p50"]
    assert set(out) >= {"start_price", "liquidated_long_usd", "adl_usd", "quantiles"}


def test_progress_reports_every_block() -> None:
    seen: list[int] = []
    monte_carlo(POSITIONS, BOOK, paths=15, priors=PRIORS, seed=1, executor=SerialExecutor(),
                progress=seen.append)  # fmt: skip
    assert sum(seen) == 3  # blocks of 7: 7 + 7 + 1


def test_bad_paths_and_cluster_are_explained() -> None:
    with pytest.raises(InputError, match="paths"):
        monte_carlo(POSITIONS, BOOK, paths=0)
    with pytest.raises(InputError, match="scheduler address"):
        executor_for("localhost:8786")
    assert isinstance(executor_for(None), ProcessExecutor)
    assert isinstance(executor_for("tcp://10.0.0.1:8786"), DaskExecutor)


def test_leverage_prior_scales_each_margin_distance() -> None:
    from liqcascade.sim._positions import prepare_positions

    priors = MonteCarloPriors(
        shock=Shock(price_move=-0.04), shock_sd=0.0, depth_sigma=0.0, leverage_sigma=0.5
    )
    mc = monte_carlo(POSITIONS, BOOK, paths=2, priors=priors, seed=3, executor=SerialExecutor())
    pos = prepare_positions(POSITIONS, maintenance_margin_rate=0.004)
    for path in mc.paths.itertuples():
        f = path.margin_factor
        # a position with margin factor f liquidates at entry + f (liq - entry)
        scaled = POSITIONS.assign(
            liquidation_price=pos.entry + f * (pos.liquidation - pos.entry),
            bankruptcy_price=pos.entry + f * (pos.bankruptcy - pos.entry),
        )
        one = simulate(scaled, BOOK, -0.04)
        assert path.trough_price == pytest.approx(one.trough_price, rel=1e-12)
        assert path.liquidated_long_usd == pytest.approx(one.liquidated_long_usd, rel=1e-12)
        assert path.insurance_fund_used_usd == pytest.approx(one.insurance_fund_used_usd, rel=1e-9)


@pytest.mark.integration
def test_cluster_address_connects_to_a_running_scheduler() -> None:
    from distributed import LocalCluster

    a = monte_carlo(POSITIONS, BOOK, paths=14, priors=PRIORS, seed=2, executor=SerialExecutor())
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        executor = executor_for(cluster.scheduler_address)  # the --cluster ADDR path
        assert isinstance(executor, DaskExecutor)
        b = monte_carlo(POSITIONS, BOOK, paths=14, priors=PRIORS, seed=2, executor=executor)
    pd.testing.assert_frame_equal(a.paths, b.paths)
