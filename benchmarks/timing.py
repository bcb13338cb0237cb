"""Best-of-N wall-clock timing shared by the benchmark modules.

The machine is shared, so a simulator and its baseline are timed alternately (``best_of_pair``): both
see the same load, and the best of each is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], object], repeats: int = 5) -> float:
    """Smallest wall time (s) of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    return min(_once(fn) for _ in range(repeats))


def best_of_pair(sim: Callable[[], object], base: Callable[[], object],
                 repeats: int = 7, block: int = 1, settle_s: float = 0.0) -> tuple[float, float]:
    """(best sim time, best base time) in seconds, timed alternately after one warm-up call of each.

    Each round pauses ``settle_s``, times ``block`` consecutive calls of base, pauses, then times
    ``block`` calls of sim. The pauses and blocks give steady-state times: without them each call
    also pays for the other side's leftovers (OpenBLAS worker threads keep spinning for ~0.1 s after a
    multithreaded call, taking a core from whatever runs next).
    """
    sim()
    base()
    sim_s = base_s = float("inf")
    for _ in range(repeats):
        time.sleep(settle_s)
        for _ in range(block):
            base_s = min(base_s, _once(base))
        time.sleep(settle_s)
        for _ in range(block):
            sim_s = min(sim_s, _once(sim))
    return sim_s, base_s


def bench_line(name: str, sim_s: float, base_s: float, **extra: object) -> str:
    """``BENCH <name> ratio=<sim/base> sim_s=<t> base_s=<t> [key=value ...]``."""
    tail = "".join(f" {k}={v}" for k, v in extra.items())
    return f"BENCH {name} ratio={sim_s / base_s:.2f} sim_s={sim_s:.4g} base_s={base_s:.4g}{tail}"
