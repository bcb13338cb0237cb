"""Running a sweep plan: serially, in local processes, or on Dask; results written by this process only.

Local worker processes die with the sweep's process: each watches a pipe whose only write end this
process holds, and exits when it reads end-of-file, which the kernel delivers however this process
ends (SIGKILL included). The forkserver they were forked from then exits too, as Python's forkserver
stops once no process holds its lifeline, so a pipeline reading the sweep's output is never held open.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tqdm import tqdm

from crossbar_sim.study.config import ConfigError
from crossbar_sim.study.sweep.expand import SweepPlan, SweepPoint
from crossbar_sim.study.sweep.store import ResultStore

Outcome = tuple[dict | None, float, str | None]  # metrics, wall time in seconds, error text
Task = tuple[int, SweepPoint]


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep run did: points in the plan, skipped as already done, finished now, failed now."""

    total: int
    skipped: int
    ok: int
    failed: int
    first_error: str | None
    db: Path


def run_point(run_fn: Callable[[Any, int], Mapping], config: Any, seed: int) -> Outcome:
    """Run one point, catching its exception so that a failing point never stops a sweep."""
    start = time.perf_counter()
    try:
        metrics = run_fn(config, seed)
        if not isinstance(metrics, Mapping):
            raise TypeError(f"the experiment returned {type(metrics).__name__}, not a mapping of metrics")
        return dict(metrics), time.perf_counter() - start, None
    except Exception as exc:  # noqa: BLE001 - recorded as the point's failure
        return None, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"


def _serial(tasks: Sequence[Task], run_fn: Callable) -> Iterator[tuple[int, Outcome]]:
    for index, point in tasks:
        yield index, run_point(run_fn, point.config, point.seed)


PARENT_GONE_EXIT = 70  # exit status of a worker whose sweep process has gone


def _exit_when_closed(lifeline: Connection) -> None:
    """Block until ``lifeline``'s write end is closed everywhere, then end this process at once."""
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(PARENT_GONE_EXIT)


def _die_with_parent(lifeline: Connection) -> None:
    """Worker initializer: a daemon thread ends the worker when the sweep's process is gone."""
    threading.Thread(target=_exit_when_closed, args=(lifeline,), name="sweep-lifeline", daemon=True).start()


def _processes(tasks: Sequence[Task], run_fn: Callable, workers: int) -> Iterator[tuple[int, Outcome]]:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([run_fn.__module__])  # import the experiment once, fork workers
    else:
        context = multiprocessing.get_context("spawn")
    lifeline, keep_alive = context.Pipe(duplex=False)  # only this process ever holds keep_alive
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_die_with_parent,
                               initargs=(lifeline,))
    try:
        futures = {pool.submit(run_point, run_fn, p.config, p.seed): i for i, p in tasks}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker process died
                outcome = (None, 0.0, f"worker process failed: {type(exc).__name__}: {exc}")
            yield futures[future], outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        keep_alive.close()
        lifeline.close()


def _dask_client(address: str, workers: int, processes: bool) -> Any:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--dask", address, "needs dask[distributed] installed") from None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                               dashboard_address=None, silence_logs=logging.ERROR)
        return Client(cluster)
    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError("--dask", address, f"cannot connect to a Dask scheduler ({exc})") from None


def _dask(tasks: Sequence[Task], run_fn: Callable, client: Any) -> Iterator[tuple[int, Outcome]]:
    from distributed import as_completed as dask_completed

    futures = {client.submit(run_point, run_fn, p.config, p.seed, pure=False,
                             key=f"point-{p.point_id}-{p.config_hash}"): i for i, p in tasks}
    try:
        for future in dask_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - the task was lost with its worker
                outcome = (None, 0.0, f"dask task failed: {type(exc).__name__}: {exc}")
            yield futures[future], outcome
    finally:
        client.cancel(list(futures))


def _close_client(client: Any, local: bool) -> None:
    cluster = client.cluster
    client.close()
    if local and cluster is not None:
        cluster.close()


def check_workers(workers: Any) -> None:
    """Refuse a worker count that is not an integer from 1 to 4 per CPU core (at least 8): each local
    worker is a process."""
    most = max(8, 4 * (os.cpu_count() or 1))
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= most:
        raise ConfigError("--workers", workers, f"must be an integer from 1 to {most} (4 per CPU core, "
                                                "at least 8)")


def run_sweep(plan: SweepPlan, db: str | os.PathLike[str], *, workers: int = 1, dask: str | None = None,
              dask_processes: bool = True, quiet: bool = False, append: bool = False) -> SweepSummary:
    """Run every unfinished point of ``plan``, appending one row per point to the database ``db``.

    ``workers > 1`` uses local processes; ``dask`` is a scheduler address or ``"local"`` (a
    LocalCluster of ``workers`` workers, processes unless ``dask_processes`` is false). The database
    is only created once the execution backend is ready. A database holding points of another sweep
    definition is refused unless ``append`` (see :meth:`ResultStore.write_plan_meta`).
    """
    check_workers(workers)
    client = None if dask is None else _dask_client(dask, workers, dask_processes)
    try:
        return _run(plan, Path(db), workers, client, quiet, append)
    finally:
        if client is not None:
            _close_client(client, dask == "local")


def _run(plan: SweepPlan, db: Path, workers: int, client: Any, quiet: bool, append: bool) -> SweepSummary:
    with ResultStore(db) as store:
        store.write_plan_meta(plan, append=append)
        done = store.finished()
        tasks = [(i, p) for i, p in enumerate(plan.points) if (p.point_id, p.config_hash) not in done]
        skipped = len(plan.points) - len(tasks)
        run_fn = plan.runner.run
        if client is not None:
            outcomes = _dask(tasks, run_fn, client)
        elif workers > 1 and len(tasks) > 1:
            outcomes = _processes(tasks, run_fn, min(workers, len(tasks)))
        else:
            outcomes = _serial(tasks, run_fn)
        ok = failed = 0
        first_error = None
        bar = tqdm(total=len(plan.points), initial=skipped, desc=plan.name, unit="pt", file=sys.stderr,
                   disable=quiet or not sys.stderr.isatty(), dynamic_ncols=True)
        try:
            for index, (metrics, wall_s, error) in outcomes:
                store.record(index, plan.points[index], metrics, wall_s, error)
                if error is None:
                    ok += 1
                else:
                    failed += 1
                    first_error = first_error or error
                    bar.set_postfix(failed=failed)
                bar.update()
        finally:
            bar.close()
            outcomes.close()
    return SweepSummary(len(plan.points), skipped, ok, failed, first_error, db)
