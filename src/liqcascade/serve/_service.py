"""What the dashboard computes: public-API calls, a cache per (inputs, store version), jobs.

The store is opened read-only in spirit: the service only calls readers. One
:class:`liqcascade.data.Store` per thread (its DuckDB connection is not shared across threads).
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from liqcascade._json import jsonable as plain
from liqcascade.data import Store
from liqcascade.serve._params import FEEDBACK_LOOPS

CACHE_SIZE = 64
LEVERAGE_BANDS = ((0.0, 5.0, "≤5x"), (5.0, 10.0, "5-10x"), (10.0, 25.0, "10-25x"),
                  (25.0, 50.0, "25-50x"), (50.0, math.inf, ">50x"))  # fmt: skip


def store_version(path: Path, manifest: int = 0) -> str:
    """A digest of every data file's name, size and modification time (changes on any write).

    ``manifest`` is the store's manifest version (:attr:`liqcascade.data.Store.version`): it
    counts too, as a commit places its data files before it switches the manifest, and rows
    read in between (through the old manifest) would otherwise be remembered under the final
    version and never read again.
    """
    digest = hashlib.sha256(f"manifest|{manifest}\n".encode())
    for file in sorted(path.rglob("*.parquet")):
        try:
            stat = file.stat()
        except FileNotFoundError:  # collected by a writer since the listing: not in any version
            continue
        digest.update(f"{file.relative_to(path)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


@dataclass
class Job:
    """A long computation run in the background; ``done``/``total`` count Monte Carlo blocks."""

    id: str
    total: int
    done: int = 0
    state: str = "running"
    result: Any = None
    error: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def advance(self, n: int) -> None:
        with self.lock:
            self.done = min(self.total, self.done + n)

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            out: dict[str, Any] = {"job": self.id, "state": self.state, "done": self.done,
                                   "total": self.total}  # fmt: skip
            if self.state == "done":
                out["result"] = self.result
            if self.error is not None:
                out["error"] = self.error
            return out


class Service:
    """The dashboard's computations over one store folder, cached per store version."""

    def __init__(
        self, store_path: Path, *, cards: Path | None = None, cluster: str = "serial"
    ) -> None:
        self.store_path = store_path
        self.cards = cards
        # Monte Carlo executor: "serial" by default (the dashboard's path counts are small; a
        # pool of worker processes per request costs more than it saves) or a Dask scheduler
        # address (tcp://host:port).
        self.cluster = cluster
        self._local = threading.local()
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="liqcascade-job")
        self.files_dir = Path(tempfile.mkdtemp(prefix="liqcascade-serve-"))
        self.hits = 0
        self.misses = 0

    # -- plumbing ------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.store_path)
            self._local.store = store
        return store

    def version(self) -> str:
        return store_version(self.store_path, self.store.version)

    def cached(self, name: str, key: tuple, compute: Callable[[], Any]) -> Any:
        """Return ``compute()``, remembered per (name, key, store version)."""
        full = (name, key, self.version())
        with self._cache_lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                self.hits += 1
                return self._cache[full]
        value = compute()
        with self._cache_lock:
            self.misses += 1
            self._cache[full] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def start_job(self, total: int, work: Callable[[Job], Any],
                  on_error: Callable[[BaseException], dict[str, Any]]) -> Job:  # fmt: skip
        """Run ``work(job)`` in the background; poll :meth:`job`."""
        job = Job(id=uuid.uuid4().hex[:12], total=max(1, total))
        self._jobs[job.id] = job

        def run() -> None:
            try:
                result = work(job)
            except Exception as exc:  # reported to the page through the job's error
                with job.lock:
                    job.state, job.error = "error", on_error(exc)
                return
            with job.lock:
                job.state, job.result, job.done = "done", result, job.total

        self._pool.submit(run)
        return job

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the API documents ---------------------------------------------------------------

    def stress(self, symbol: str, asof: pd.Timestamp, shock: float, *, flow_usd: float,
               paths: int | None, feedback: tuple[str, ...], seed: int, detail: bool,
               progress: Callable[[int], None] | None = None) -> dict[str, Any]:  # fmt: skip
        """The ``stress --json`` document (plus ``path`` with ``detail``).

        ``feedback`` names the loops switched on (see ``_params.FEEDBACK_LOOPS``): none or all
        is ``stress(feedback=False/True)``, exactly the CLI; a subset takes the calibrated
        config of ``feedback=True`` and keeps only those loops.
        """
        key = (symbol, asof.isoformat(), shock, flow_usd, paths, feedback, seed, detail)
        return self.cached(
            "stress",
            key,
            lambda: self._stress(
                symbol, asof, shock, flow_usd, paths, feedback, seed, detail, progress
            ),
        )

    def _stress(self, symbol, asof, shock, flow_usd, paths, feedback, seed, detail, progress):
        from liqcascade.sim import Shock, stress

        impulse = Shock(price_move=shock, flow_usd=flow_usd)
        everything = len(feedback) == len(FEEDBACK_LOOPS)
        config = None if everything or not feedback else self.feedback_config(
            symbol, asof, impulse, feedback)  # fmt: skip
        result = stress(self.store, symbol, asof, impulse, paths=paths, feedback=everything,
                        config=config, seed=seed, progress=progress,
                        cluster=self.cluster)  # fmt: skip
        doc = json.loads(json.dumps(result.to_dict(), default=str))
        if detail:
            path = result.cascade.path
            doc["path"] = plain(path.to_dict(orient="list"))
        return plain(doc)

    def feedback_config(self, symbol: str, asof: pd.Timestamp, impulse: Any,
                        loops: tuple[str, ...]) -> Any:  # fmt: skip
        """The cascade config of ``stress(feedback=True)`` with only ``loops`` switched on.

        Calibrated by the public :func:`liqcascade.sim.stress` itself (a central run, no Monte
        Carlo; cached per symbol and as-of), so a subset uses the very values of "all".
        """
        from liqcascade.sim import stress

        def calibrated() -> Any:
            return stress(self.store, symbol, asof, impulse, paths=None, feedback=True,
                          cluster="serial").config  # fmt: skip

        full = self.cached("feedback_config", (symbol, asof.isoformat()), calibrated)
        off = {field: None for loop, field in FEEDBACK_LOOPS.items() if loop not in loops}
        return full.model_copy(update=off)

    def liquidation_map(self, symbol: str, asof: pd.Timestamp, *, detail: bool) -> dict:
        """The ``leverage map --json`` document (plus bars and leverage mix with ``detail``)."""
        return self.cached("map", (symbol, asof.isoformat(), detail),
                           lambda: self._map(symbol, asof, detail))  # fmt: skip

    def _map(self, symbol: str, asof: pd.Timestamp, detail: bool) -> dict[str, Any]:
        from liqcascade.leverage import liquidation_map

        result = liquidation_map(self.store, symbol, asof)
        doc = result.to_dict()
        if detail:
            first = result.grid["time"].min()
            bars = result.bars[result.bars["time"] >= first]
            doc["bars"] = {c: bars[c].tolist() for c in ("time", "open", "high", "low", "close")}
            doc["leverage_mix"] = leverage_mix(result.positions, np.asarray(doc["grid"]["price"]))
        return plain(doc)

    def estimate(self, symbols: list[str], start: pd.Timestamp, end: pd.Timestamp,
                 interval: str) -> dict[str, Any]:  # fmt: skip
        """The ``liquidations estimate --json`` document."""
        key = (tuple(symbols), start.isoformat(), end.isoformat(), interval)
        return self.cached("estimate", key, lambda: self._estimate(symbols, start, end, interval))

    def _estimate(self, symbols, start, end, interval) -> dict[str, Any]:
        from liqcascade.leverage import estimate_liquidations

        frame = estimate_liquidations(self.store, symbols, start, end, interval=interval)
        return estimate_document(frame, several=len(symbols) > 1)

    def report_week(self, asof: str) -> dict[str, Any]:
        """The weekly report's ``report.json`` content."""
        return self.cached("week", (asof,), lambda: self._week(asof))[0]

    def report_week_files(self, asof: str) -> Path:
        """Folder holding report.html/.md/.json for ``asof`` (written outside the store)."""
        return self.cached("week", (asof,), lambda: self._week(asof))[1]

    def _week(self, asof: str) -> tuple[dict[str, Any], Path]:
        from liqcascade.report import weekly_report

        out = self.files_dir / f"week-{asof}-{self.version()}"
        written = weekly_report(self.store, asof, out_dir=out)
        return plain(written.data), out

    def replay_files(self, start: pd.Timestamp, end: pd.Timestamp) -> Path:
        """Folder with the episode replay (episode.html/.json) for ``start``..``end``."""
        key = (start.isoformat(), end.isoformat())
        return self.cached("replay", key, lambda: self._replay(start, end))

    def _replay(self, start: pd.Timestamp, end: pd.Timestamp) -> Path:
        from liqcascade.report import episode_report

        out = self.files_dir / f"replay-{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}-{self.version()}"
        written = episode_report(self.store, start, end, out_dir=out)
        return Path(written.html_path).parent

    def model_cards(self) -> list[Path]:
        """HTML model cards found in the cards folder (validation), newest name first."""
        if self.cards is None or not self.cards.is_dir():
            return []
        return sorted(self.cards.glob("*.html"), reverse=True)

    def overview(self, asset: str, asof: pd.Timestamp) -> dict[str, Any]:
        """Series of the Overview page for ``asset`` as known at ``asof``."""
        from liqcascade.serve._overview import overview

        return self.cached("overview", (asset, asof.isoformat()),
                           lambda: overview(self.store, asset, asof))  # fmt: skip

    def latest_liquidations(self, limit: int) -> dict[str, Any]:
        """The newest ``limit`` liquidation rows in the store and the store version."""
        from liqcascade.serve._overview import latest_liquidations

        return self.cached("live", (limit,), lambda: {
            "version": self.version(), "rows": latest_liquidations(self.store, limit)})  # fmt: skip


def estimate_document(frame: pd.DataFrame, *, several: bool) -> dict[str, Any]:
    """The JSON of ``liquidations estimate --json``: bars and totals with p10/p50/p90."""
    quantiles = ("p10", "p50", "p90")
    bars = []
    for row in frame.to_dict(orient="records"):
        bar: dict[str, Any] = {"time": pd.Timestamp(row["time"]).isoformat()}
        if several:
            bar["symbol"] = row["symbol"]
        bar["reported_long_usd"] = float(row["reported_long_usd"])
        bar["reported_short_usd"] = float(row["reported_short_usd"])
        for side in ("long", "short"):
            bar[f"estimated_{side}_usd"] = {
                q: float(row[f"estimated_{side}_{q}"]) for q in quantiles
            }
        bars.append(bar)
    sums = frame.sum(numeric_only=True)
    total: dict[str, Any] = {
        "reported_long_usd": float(sums.get("reported_long_usd", 0.0)),
        "reported_short_usd": float(sums.get("reported_short_usd", 0.0)),
    }
    for side in ("long", "short"):
        total[f"estimated_{side}_usd"] = {
            q: float(sums.get(f"estimated_{side}_{q}", 0.0)) for q in quantiles
        }
    return {
        "bars": bars,
        "total": total,
        "sources": list(frame.attrs.get("sources", ())),
        "missing": list(frame.attrs.get("missing", ())),
    }


def leverage_mix(positions: pd.DataFrame, prices: np.ndarray) -> dict[str, Any]:
    """Per price bin of the map: USD notional at risk by leverage band (the as-of book).

    Notional is size x liquidation price, as in the map's grid; a position falls in the bin
    whose centre is nearest its liquidation price.
    """
    bands = [label for _, _, label in LEVERAGE_BANDS]
    out = np.zeros((len(prices), len(bands)))
    if len(prices) and not positions.empty:
        half = (prices[1] - prices[0]) / 2.0 if len(prices) > 1 else math.inf
        edges = (prices[:-1] + prices[1:]) / 2.0
        liq = positions["liquidation_price"].to_numpy(dtype=float)
        notional = positions["size"].to_numpy(dtype=float) * liq
        lev = positions["leverage"].to_numpy(dtype=float)
        # positions liquidated outside the grid's price range are not drawn; leave them out
        ok = np.isfinite(liq) & (liq >= prices[0] - half) & (liq <= prices[-1] + half)
        row = np.searchsorted(edges, liq[ok])
        col = np.zeros(int(ok.sum()), dtype=int)
        for k, (lo, hi, _) in enumerate(LEVERAGE_BANDS):
            col[(lev[ok] > lo) & (lev[ok] <= hi)] = k
        np.add.at(out, (row, col), notional[ok])
    return {"bands": bands, "usd": out.tolist()}
