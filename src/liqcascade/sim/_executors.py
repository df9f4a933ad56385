"""Executors: run Monte Carlo blocks serially, on local processes, or on a Dask cluster.

One interface, ``run(task, payload, blocks, progress=None) -> list`` in block order. The
payload (position book, market, config) is shipped to each worker once; each block carries its
own ``SeedSequence`` child, so results never depend on which executor or how many workers ran
them. Dask is imported only inside :class:`DaskExecutor`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from liqcascade.errors import InputError, MissingExtraError

Task = Callable[[Any, Any], Any]
Progress = Callable[[int], None]


class Executor(Protocol):
    """Runs ``task(payload, block)`` for every block and returns results in block order."""

    def run(
        self, task: Task, payload: Any, blocks: Sequence[Any], progress: Progress | None = None
    ) -> list[Any]: ...


class SerialExecutor:
    """Run every block in this process (tests, debugging, tiny runs)."""

    def run(
        self, task: Task, payload: Any, blocks: Sequence[Any], progress: Progress | None = None
    ) -> list[Any]:
        out = []
        for block in blocks:
            out.append(task(payload, block))
            if progress is not None:
                progress(1)
        return out


_INSTALLED: dict[str, Any] = {}


def _install(payload: Any) -> None:
    _INSTALLED["payload"] = payload


def _run_installed(task: Task, block: Any) -> Any:
    return task(_INSTALLED["payload"], block)


def _start_context() -> BaseContext:
    """How worker processes start: from a fork server, never by forking this process.

    A fork copies only the calling thread of a process that may run others (numba's thread
    pool, DuckDB, pyarrow, a web server, pytest-xdist's channel); the child can then crash or
    hang on state another thread was changing (seen: a segmentation fault in the child's first
    garbage collection, in a test run under load). The fork server is one clean process that
    imports the package once; workers fork from it. Linux has it (Python 3.14 makes it the
    default there); elsewhere the platform's default (spawn) is already safe.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["liqcascade.sim"])
    return context


class ProcessExecutor:
    """Run blocks on local processes (``concurrent.futures``); the default executor.

    ``max_workers`` defaults to the CPU count. The payload is installed once per worker by the
    pool initializer instead of being pickled with every block. Workers start from a fork
    server (Linux) or are spawned, so a script that runs Monte Carlo on local processes needs
    the usual ``if __name__ == "__main__":`` guard (Python's multiprocessing rule).
    """

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is not None and max_workers < 1:
            raise InputError(f"max_workers must be >= 1, got {max_workers}")
        self.max_workers = max_workers or os.cpu_count() or 1

    def run(
        self, task: Task, payload: Any, blocks: Sequence[Any], progress: Progress | None = None
    ) -> list[Any]:
        if self.max_workers == 1 or len(blocks) <= 1:
            return SerialExecutor().run(task, payload, blocks, progress)
        results: list[Any] = [None] * len(blocks)
        with ProcessPoolExecutor(
            max_workers=min(self.max_workers, len(blocks)),
            mp_context=_start_context(),
            initializer=_install,
            initargs=(payload,),
        ) as pool:
            futures = {pool.submit(_run_installed, task, b): i for i, b in enumerate(blocks)}
            try:
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if progress is not None:
                        progress(1)
            except BrokenProcessPool as exc:
                raise BrokenProcessPool(_BROKEN) from exc
        return results


_BROKEN = (
    "a Monte Carlo worker process ended before returning its result. Run from a script, the "
    'call must sit under `if __name__ == "__main__":` (each worker imports the script that '
    "starts it, and would start the run again); otherwise a worker crashed or ran out of "
    "memory: executor=SerialExecutor() runs the same paths in this process"
)


def local_cluster(n_workers: int, *, processes: bool = True) -> Any:
    """A Dask ``LocalCluster`` of single-threaded workers, sized for Monte Carlo blocks.

    Dask starts worker processes with ``MALLOC_TRIM_THRESHOLD_=65536``, which pins glibc's
    allocation thresholds: every array of more than 128 kB is then mapped fresh and its pages
    faulted in again, for every path (about 1.5x the CPU time of the same block in a plain
    process). The cluster started here leaves glibc's own adaptive thresholds, like the
    serial and local-process executors have.
    """
    import dask
    from distributed import LocalCluster

    settings = {
        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
        "distributed.worker.profile.enabled": False,
    }
    with dask.config.set(settings):
        return LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        )


class DaskExecutor:
    """Run blocks on Dask distributed: a scheduler address, a client, or a new LocalCluster.

    Parameters
    ----------
    address
        ``tcp://host:port`` of a running scheduler; ``None`` starts a ``LocalCluster``.
    n_workers
        Workers of the LocalCluster (default: CPU count).
    processes
        LocalCluster with worker processes (True) or threads in this process (False, light).
    client
        An existing ``distributed.Client`` to use as is.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int | None = None,
        processes: bool = True,
        client: Any = None,
    ) -> None:
        self.address = address
        self.n_workers = n_workers or os.cpu_count() or 1
        self.processes = processes
        self.client = client

    def _connect(self) -> tuple[Any, list[Any]]:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is a core dependency
            raise MissingExtraError("dask[distributed]", "dask") from exc
        if self.client is not None:
            return self.client, []
        if self.address is not None:
            try:
                client = Client(self.address, timeout="10s")
            except OSError as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler at {self.address!r} ({exc}); expected "
                    "tcp://host:port of a running `dask scheduler`"
                ) from exc
            return client, [client]
        cluster = local_cluster(self.n_workers, processes=self.processes)
        client = Client(cluster)
        return client, [client, cluster]

    def run(
        self, task: Task, payload: Any, blocks: Sequence[Any], progress: Progress | None = None
    ) -> list[Any]:
        from distributed import as_completed as dask_completed

        client, owned = self._connect()
        try:
            shipped = client.scatter(payload, broadcast=True)
            futures = client.map(task, [shipped] * len(blocks), list(blocks), pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            results: list[Any] = [None] * len(blocks)
            for fut in dask_completed(futures):
                results[index[fut.key]] = fut.result()
                if progress is not None:
                    progress(1)
            return results
        finally:
            for thing in owned:
                thing.close()


def executor_for(cluster: str | None, *, workers: int | None = None) -> Executor:
    """Pick an executor: None/"local", "serial", "dask" (a LocalCluster) or an address."""
    if cluster is None or cluster == "local":
        return ProcessExecutor(workers)
    if cluster == "serial":
        return SerialExecutor()
    if cluster == "dask":
        return DaskExecutor(n_workers=workers)
    if "://" not in cluster:
        raise InputError(
            f"cluster {cluster!r} is not understood; expected 'local', 'serial', 'dask' "
            "(a LocalCluster) or a scheduler address like tcp://host:8786"
        )
    return DaskExecutor(cluster)


__all__ = ["DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor", "executor_for"]
