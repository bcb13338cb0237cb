"""Paired wall-clock timing shared by the benchmark modules, and the BENCH line format.

The machine is shared, so a simulator and its baseline are timed alternately in rounds
(``timed_pairs``): both sides of a round see the same load, and each round gives one ratio. A BENCH
line reports the ratios' median, minimum and interquartile range over the rounds, so a figure taken on
a busy machine shows its spread instead of one lucky (or unlucky) call, next to the best-of-N ratio
(fastest sim / fastest base).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass(frozen=True)
class Pairs:
    """Per-round times (s) of a simulator and its baseline; round i of each was timed back to back."""

    sim_s: tuple[float, ...]
    base_s: tuple[float, ...]

    @property
    def ratios(self) -> np.ndarray:
        """sim / base of each round."""
        return np.asarray(self.sim_s) / np.asarray(self.base_s)

    @property
    def ratio_of_mins(self) -> float:
        """Fastest sim / fastest base (the best-of-N figure; not the smallest per-round ratio)."""
        return min(self.sim_s) / min(self.base_s)

    def scaled(self, sim: float = 1.0, base: float = 1.0) -> Pairs:
        """Times divided by ``sim`` and ``base`` (e.g. per vector when the sides run different batches)."""
        return Pairs(tuple(t / sim for t in self.sim_s), tuple(t / base for t in self.base_s))


def timed_pairs(sim: Callable[[], object], base: Callable[[], object], repeats: int = 7, block: int = 1,
                settle_s: float = 0.0, base_block: int | None = None, warmup: bool = True) -> Pairs:
    """``repeats`` rounds of alternate timing, after one warm-up call of each side (unless not ``warmup``).

    Each round pauses ``settle_s``, times ``base_block`` (default ``block``) consecutive calls of base,
    pauses, then times ``block`` calls of sim; a round's time of each side is its fastest call. The
    pauses and blocks give steady-state times: without them each call also pays for the other side's
    leftovers (OpenBLAS worker threads keep spinning for ~0.1 s after a multithreaded call, taking a
    core from whatever runs next). A large ``base_block`` steadies a baseline much shorter than sim.
    """
    if warmup:
        sim()
        base()
    sim_s, base_s = [], []
    for _ in range(repeats):
        time.sleep(settle_s)
        base_s.append(min(_once(base) for _ in range(block if base_block is None else base_block)))
        time.sleep(settle_s)
        sim_s.append(min(_once(sim) for _ in range(block)))
    return Pairs(tuple(sim_s), tuple(base_s))


def _fmt(x: float) -> str:
    """Three significant digits, without an exponent for ratios up to 10⁶."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def spread(name: str, values: np.ndarray | list[float]) -> str:
    """``<name>_median=… <name>_min=… <name>_iqr=<q1>-<q3>`` over ``values`` (one per round)."""
    v = np.asarray(values, dtype=float)
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    return f"{name}_median={_fmt(median)} {name}_min={_fmt(v.min())} {name}_iqr={_fmt(q1)}-{_fmt(q3)}"


def ratio_fields(pairs: Pairs, name: str = "ratio") -> str:
    """:func:`spread` of the per-round ratios and ``<name>_of_mins`` (:attr:`Pairs.ratio_of_mins`)."""
    return f"{spread(name, pairs.ratios)} {name}_of_mins={_fmt(pairs.ratio_of_mins)}"


def bench_line(name: str, pairs: Pairs, *fields: str, **extra: object) -> str:
    """``BENCH <name> ratio_median=… ratio_min=… ratio_iqr=… ratio_of_mins=… n=<rounds> sim_s=… …``.

    ratio_median, ratio_min and ratio_iqr are over the per-round ratios sim / base; ratio_of_mins is
    the fastest sim / the fastest base. sim_s and base_s are the median times of the rounds, sim_min_s
    and base_min_s the fastest. ``fields`` (preformatted, e.g. :func:`ratio_fields` of another pairing)
    and ``extra`` (key=value) follow.
    """
    tail = "".join(f" {f}" for f in fields) + "".join(f" {k}={v}" for k, v in extra.items())
    return (f"BENCH {name} {ratio_fields(pairs)} n={len(pairs.sim_s)}"
            f" sim_s={np.median(pairs.sim_s):.4g} base_s={np.median(pairs.base_s):.4g}"
            f" sim_min_s={min(pairs.sim_s):.4g} base_min_s={min(pairs.base_s):.4g}{tail}")
