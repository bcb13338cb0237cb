"""Running a sweep plan: serially, in local processes, or on Dask; results written by this process only."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
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


def _processes(tasks: Sequence[Task], run_fn: Callable, workers: int) -> Iterator[tuple[int, Outcome]]:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([run_fn.__module__])  # import the experiment once, fork workers
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
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


def run_sweep(plan: SweepPlan, db: str | os.PathLike[str], *, workers: int = 1, dask: str | None = None,
              dask_processes: bool = True, quiet: bool = False) -> SweepSummary:
    """Run every unfinished point of ``plan``, appending one row per point to the database ``db``.

    ``workers > 1`` uses local processes; ``dask`` is a scheduler address or ``"local"`` (a
    LocalCluster of ``workers`` workers, processes unless ``dask_processes`` is false). The database
    is only created once the execution backend is ready.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError("--workers", workers, "must be an integer >= 1")
    client = None if dask is None else _dask_client(dask, workers, dask_processes)
    try:
        return _run(plan, Path(db), workers, client, quiet)
    finally:
        if client is not None:
            _close_client(client, dask == "local")


def _run(plan: SweepPlan, db: Path, workers: int, client: Any, quiet: bool) -> SweepSummary:
    with ResultStore(db) as store:
        store.write_plan_meta(plan)
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
