"""Sweep throughput: the same toy sweep (each point ~0.2 s of numpy work) serially and on 2 processes."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from crossbar_sim.study.config import RUNNERS_ENV, parse_experiment_document
from crossbar_sim.study.sweep import expand_sweep, run_sweep

TESTS = Path(__file__).resolve().parent.parent / "tests"  # the toy runner is a test plugin

POINTS = 24
WORK_S = 0.2


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
    with tempfile.TemporaryDirectory() as tmp:
        serial = _timed_sweep(Path(tmp) / "serial.sqlite", workers=1)
        parallel = _timed_sweep(Path(tmp) / "parallel.sqlite", workers=2)
    speedup = serial / parallel
    return [f"BENCH sweep_2proc speedup={speedup:.2f} serial_s={serial:.2f} parallel_s={parallel:.2f}"]


if __name__ == "__main__":
    print("\n".join(run()))
