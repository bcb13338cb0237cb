"""Sweep throughput: the same toy sweep (each point ~0.2 s of numpy work) serially and on 2 processes.

The two are run alternately ROUNDS times; the speedup (serial / parallel time of a round) is printed as
its median, minimum and interquartile range, the times as medians.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.timing import spread
from crossbar_sim.study.config import RUNNERS_ENV, parse_experiment_document
from crossbar_sim.study.sweep import expand_sweep, run_sweep

TESTS = Path(__file__).resolve().parent.parent / "tests"  # the toy runner is a test plugin

POINTS = 24
WORK_S = 0.2
ROUNDS = 3


def _timed_sweep(db: Path, workers: int) -> float:
    document = {"runner": "toy", "experiment": {"work_s": WORK_S},
                "sweep": {"grid": {"x": {"start": 0.0, "stop": 1.0, "num": POINTS}}}}
    plan = expand_sweep(parse_experiment_document(document, "bench_sweep"))
    start = time.perf_counter()
    summary = run_sweep(plan, db, workers=workers, quiet=True)
    elapsed = time.perf_counter() - start
    if summary.ok != POINTS:
        raise RuntimeError(f"benchmark sweep finished {summary.ok} of {POINTS} points")
    return elapsed


def run() -> list[str]:
    """One BENCH line: wall time of a serial and a 2-process sweep (process start-up included)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    os.environ[RUNNERS_ENV] = "toy=toy_runner"
    serial, parallel = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(ROUNDS):
            serial.append(_timed_sweep(Path(tmp) / f"serial{i}.sqlite", workers=1))
            parallel.append(_timed_sweep(Path(tmp) / f"parallel{i}.sqlite", workers=2))
    speedup = np.asarray(serial) / np.asarray(parallel)
    return [f"BENCH sweep_2proc {spread('speedup', speedup)} n={ROUNDS} serial_s={np.median(serial):.2f}"
            f" parallel_s={np.median(parallel):.2f}"]


if __name__ == "__main__":
    print("\n".join(run()))
