"""Paired differences: each sweep point against a reference point, repeat by repeat, with a t interval.

For every point P and repeat r the difference is ``metric(P, r) − metric(ref(P), r)``, where ref(P) is P
with the reference's axes set to the reference values (by default the first value of the first axis or
zip group, or the sweep's ``reference:``), so in a grid each point is compared at the same values of the
other axes. The mean difference over the n repeats present at both points gets a Student-t 95 %
interval with n − 1 degrees of freedom (none for n = 1). In the paired design both members of a pair
ran on the same seed, hence on the same formed arrays and read-noise streams, and the interval measures
the effect itself rather than the chip-to-chip spread; in the independent design the same formula is
still valid (the pairs are then independent draws) but wider.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossbar_sim.study.config import ConfigError
from crossbar_sim.study.sweep.columns import PARAM, check_metric, is_number
from crossbar_sim.study.sweep.expand import canonical_json, resolve_reference
from crossbar_sim.study.sweep.store import ResultStore


def mean_ci95(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and half-width of the Student-t 95 % confidence interval (df = n − 1; None for n < 2)."""
    from scipy.stats import t

    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return math.nan, None
    mean = float(arr.mean())
    if arr.size < 2:
        return mean, None
    return mean, float(t.ppf(0.975, arr.size - 1) * arr.std(ddof=1) / math.sqrt(arr.size))


@dataclass(frozen=True)
class PointDifference:
    """One point's difference from its reference point.

    Attributes:
        params: the point's swept values; reference: the swept values of the point it is compared with.
        per_repeat: repeat -> difference, for the repeats finished at both points.
        mean: mean difference (NaN without pairs); ci95: t-interval half-width, None for n < 2.
        shared_seeds: every pair ran on one seed (the paired design); False for independent pairs.
    """

    params: dict[str, Any]
    reference: dict[str, Any]
    per_repeat: dict[int, float]
    mean: float
    ci95: float | None
    shared_seeds: bool

    @property
    def n(self) -> int:
        return len(self.per_repeat)

    @property
    def is_reference(self) -> bool:
        return self.params == self.reference


@dataclass(frozen=True)
class PairedComparison:
    """Differences of ``metric`` for every point of a sweep against its reference point."""

    metric: str
    pairing: str
    reference: dict[str, Any]
    axes: tuple[str, ...]
    points: tuple[PointDifference, ...]

    def format(self) -> str:
        """A plain-text table: swept values, n, mean difference and its 95 % interval."""
        ref = ", ".join(f"{k} = {v!r}" for k, v in self.reference.items())
        lines = [f"{self.metric}: difference from the reference point ({ref}), {self.pairing} design"]
        width = max([len(a) for a in self.axes] + [10])
        header = "  ".join(f"{a:>{width}}" for a in self.axes)
        lines.append(f"{header}  {'n':>3}  {'mean diff':>11}  95 % CI")
        for p in self.points:
            values = "  ".join(f"{p.params[a]!r:>{width}}" for a in self.axes)
            if p.is_reference:
                note = "reference"
            elif p.ci95 is None:
                note = "no pairs" if p.n == 0 else "n = 1: no CI"
            else:
                note = f"[{p.mean - p.ci95:+.4g}, {p.mean + p.ci95:+.4g}]"
            if p.n and not p.is_reference and not p.shared_seeds:
                note += " (pairs on different seeds)"
            lines.append(f"{values}  {p.n:>3}  {p.mean:>+11.4g}  {note}")
        return "\n".join(lines)


def _difference(a: float, b: float) -> float:
    """``a - b``, exactly 0 when the two agree to rounding (means of the same values summed apart)."""
    return 0.0 if abs(a - b) <= 1e-12 * max(abs(a), abs(b)) else a - b


def _params(row: Mapping[str, Any], axes: Sequence[str]) -> dict[str, Any]:
    return {a: row.get(PARAM + a) for a in axes}


def paired_differences(db: str | os.PathLike[str], metric: str = "accuracy.mean",
                       reference: Mapping[str, Any] | None = None) -> PairedComparison:
    """Per point of the sweep in ``db``: ``metric`` minus its value at the reference point, per repeat.

    ``reference`` overrides some axes (``{"hardware.adc.bits": 8}``); by default the sweep's
    ``reference:`` or the first value of its first axis (zipped partners follow a zipped key).
    """
    with ResultStore(db, create=False) as store:
        meta = store.meta()
        every = store.table(status=None)
        rows = [r for r in every if r["status"] == "ok"]
    if not rows:
        raise ConfigError.problem(str(db), "no successful points to compare")
    check_metric(metric, rows)
    axes = tuple(meta.get("axes", ()))
    zipped = tuple(meta.get("zipped", ()))
    combos = [_params(r, axes) for r in every]
    where = "--reference" if reference is not None else "sweep.reference"
    if reference is None and meta.get("reference"):
        reference = meta["reference"]
    resolved = resolve_reference(reference, combos, axes, zipped, where)
    by_point: dict[str, dict[int, tuple[float, int]]] = {}
    order: dict[str, dict[str, Any]] = {}
    for row in rows:
        params = _params(row, axes)
        key = canonical_json(params)
        order.setdefault(key, params)
        if is_number(row.get(metric)) and math.isfinite(row[metric]):
            by_point.setdefault(key, {})[row["repeat"]] = (float(row[metric]), row["seed"])
    points = []
    for key, params in order.items():
        ref_params = {**params, **resolved}
        mine, theirs = by_point.get(key, {}), by_point.get(canonical_json(ref_params), {})
        repeats = sorted(set(mine) & set(theirs))
        diffs = {r: _difference(mine[r][0], theirs[r][0]) for r in repeats}
        mean, half = mean_ci95(list(diffs.values()))
        if diffs and abs(mean) <= 1e-12 * max(abs(d) for d in diffs.values()):
            mean = 0.0  # differences that cancel, up to the rounding of their sum
        shared = bool(repeats) and all(mine[r][1] == theirs[r][1] for r in repeats)
        points.append(PointDifference(params, ref_params, diffs, mean, half, shared))
    return PairedComparison(metric, meta.get("pairing", "independent"), resolved, axes, tuple(points))
