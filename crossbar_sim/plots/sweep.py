"""Plots of sweep results for talks: a metric against a swept parameter, paired differences, heatmaps.

Axes carry human names and units (:mod:`crossbar_sim.plots.quantities`): accuracies in percent, SI
quantities with an engineering prefix (µJ, mJ, kΩ; no offsets), integer ticks for integer axes, and a
log axis when a positive axis spans two decades or more. The title says what was run (dataset, sweep,
seeds per point, seed design). Curves are the mean over seeds with a Student-t 95 % band whose n is in
the legend (no band claimed for a single seed) and, for up to 10 seeds, each seed's values (lines when
the seeds are shared by every point, i.e. the paired design); an accuracy comes with its software
baseline. Zipped axes are one series. PNGs are written at :data:`DPI`, plus SVG or PDF when the output
path ends that way.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter, ScalarFormatter

from crossbar_sim.plots.figures import save_figure
from crossbar_sim.plots.quantities import quantity
from crossbar_sim.study.config import ConfigError
from crossbar_sim.study.sweep.columns import PARAM, check_metric, is_number
from crossbar_sim.study.sweep.compare import mean_ci95, paired_differences
from crossbar_sim.study.sweep.expand import canonical_json
from crossbar_sim.study.sweep.store import ResultStore

DPI = 200
_FIGSIZE = (6.4, 4.8)
_DESIGN = {"paired": "paired design: every point on the same chips",
           "independent": "independent design: new chips at every point"}
_MAX_SEEDS_SHOWN = 10  # seeds drawn one by one up to this many

Series = dict[Any, dict[int, float]]  # x value -> repeat -> value


def _load(db: str | os.PathLike[str], metric: str, params: Sequence[str | None]) -> tuple[dict, list[dict]]:
    """The sweep's meta and its successful flat rows; checks the metric and the swept parameters."""
    with ResultStore(db, create=False) as store:
        meta = store.meta()
        rows = store.table()
    if not rows:
        raise ConfigError.problem(str(db), "no successful points to plot")
    swept = sorted({k.removeprefix(PARAM) for r in rows for k in r if k.startswith(PARAM)})
    for flag, name in zip(("--x", "--y"), params, strict=False):
        if name is not None and name not in swept:
            allowed = ", ".join(swept) or "(none swept)"
            raise ConfigError(flag, name, "must be a swept parameter: " + allowed)
    check_metric(metric, rows)
    return meta, rows


def _default_x(meta: Mapping, rows: list[dict]) -> str:
    """The sweep's first axis (the first zipped key when there are zipped axes)."""
    axes = meta.get("axes") or sorted(k.removeprefix(PARAM) for k in rows[0] if k.startswith(PARAM))
    if not axes:
        raise ConfigError.problem("--x", "the sweep has no swept parameter to plot against")
    return axes[0]


def _title(meta: Mapping, rows: list[dict], what: str) -> str:
    """``MUTAG · sweep name: what`` over ``3 seeds per point, paired design: ...``."""
    workload = (meta.get("config") or {}).get("workload")  # any JSON value in a foreign database
    dataset = workload.get("dataset") if isinstance(workload, Mapping) else None
    per_point = set(Counter(canonical_json({k: v for k, v in r.items() if k.startswith(PARAM)})
                            for r in rows).values())
    n = f"{min(per_point)}–{max(per_point)}" if len(per_point) > 1 else str(max(per_point))
    pairing = meta.get("pairing", "independent")
    head = " · ".join(str(p) for p in (dataset, meta.get("name")) if p)
    return f"{head}: {what}\n{n} seed{'' if n == '1' else 's'} per point, {_DESIGN.get(pairing, pairing)}"


def _lower_first(label: str) -> str:
    """``Read noise σ/G`` → ``read noise σ/G`` inside a sentence; acronyms (``ADC ...``, ``W_H``) kept."""
    return label if len(label) > 1 and not label[1].islower() else label[:1].lower() + label[1:]


def _value_text(key: str, value: Any) -> str:
    """``hardware.adc.bits``, 6 as ``ADC resolution = 6 bits``."""
    q = quantity(key)
    return f"{q.label} = {q.text(value)}"


def _splitting(rows: list[dict], x: str) -> list[str]:
    """Swept keys other than ``x`` that take several values at one x: one series per setting of them
    (zipped partners and constants do not split the points)."""
    at_x: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        for key, value in row.items():
            if key.startswith(PARAM) and key != PARAM + x:
                at_x[key.removeprefix(PARAM)][repr(row[PARAM + x])].add(repr(value))
    return sorted(k for k, by_x in at_x.items() if any(len(v) > 1 for v in by_x.values()))


def _partners(meta: Mapping, x: str) -> list[str]:
    """The keys zipped with ``x``."""
    zipped = list(meta.get("zipped") or [])
    return [k for k in zipped if k != x] if x in zipped else []


def _log_scale(values: Sequence[float]) -> bool:
    """A log axis for positive values spanning two decades, or one decade when they are spaced more
    evenly in log than in linear (array sizes 16 ... 512)."""
    if min(values) <= 0:
        return False
    ratio = max(values) / min(values)
    if ratio >= 100 or ratio < 10 or len(values) < 3:
        return ratio >= 100

    def spread(gaps: np.ndarray) -> float:
        return float(np.std(gaps) / np.mean(gaps))

    ordered = np.sort(np.asarray(values, dtype=float))
    return spread(np.diff(np.log(ordered))) < spread(np.diff(ordered))


def _x_axis(ax: Axes, x: str, xs: list[Any], partners: list[str], rows: list[dict]) -> list[float]:
    """Scale, label and ticks of the x axis; returns the plotted position of each of ``xs``."""
    q = quantity(x)
    if not all(is_number(v) for v in xs):
        ax.set_xticks(range(len(xs)), [str(v) for v in xs])
        ax.set_xlabel(q.label)
        return list(range(len(xs)))
    log = _log_scale(xs)
    label, factor = q.scaled(xs, prefix=not log)
    if partners:
        same = all(r[PARAM + p] == r[PARAM + x] for r in rows for p in partners)
        names = ", ".join(_lower_first(quantity(p).label) for p in partners)
        label += f"\nzipped with {names}" + (", same values" if same else "")
    ax.set_xlabel(label)
    positions = [v * factor for v in xs]
    where = np.log(positions) if log else np.asarray(positions)
    if log:
        ax.set_xscale("log")
    else:
        ax.xaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    if all(isinstance(v, int) for v in xs):
        span = float(where.max() - where.min())
        if len(xs) <= 12 and (span == 0 or np.diff(np.sort(where)).min() >= span / 14):
            ax.xaxis.set_major_locator(FixedLocator(positions))  # every value, when they do not crowd
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        elif not log:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return positions


def _y_axis(ax: Axes, metric: str, values: list[float], difference: bool = False) -> float:
    """Label, scale and ticks of the y axis; returns the factor from stored values. A positive SI
    quantity spanning two decades or more gets a log axis; a difference of percentages is in points."""
    q = quantity(metric)
    finite = [v for v in values if np.isfinite(v)]
    label, factor = q.scaled(finite)
    if difference:
        label = "Δ " + (f"{q.label} (percentage points)" if q.unit == "%" else label)
    ax.set_ylabel(label)
    if not difference and q.si and finite and min(finite) > 0 and max(finite) / min(finite) >= 100:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        return factor
    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)
    if finite and q.unit != "%" and all(float(v).is_integer() for v in finite):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts (tiles)
    return factor


def _percent_limits(ax: Axes, metric: str, values: list[float]) -> None:
    """A fraction shown in percent stays within 0-100 % (a t band of few seeds can reach past it); one
    that is zero everywhere is shown as 0 on a 0-1 % axis rather than around a symmetric ±0.05."""
    q = quantity(metric)
    if q.unit != "%" or q.scale != 100.0:
        return
    if values and not np.any(values):
        ax.set_ylim(-0.05, 1.0)
        return
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, -0.5), min(high, 100.5))


def _value_key(value: Any) -> tuple[int, Any]:
    return (0, value) if is_number(value) else (1, str(value))


def _sorted_x(values: Any) -> list[Any]:
    return sorted(values, key=_value_key)


def _series(rows: list[dict], metric: str, x: str, split: list[str]) -> dict[str, Series]:
    """Series label (the other swept values) -> x value -> repeat -> the metric's finite value, the
    series in the order of their swept values."""
    groups: dict[tuple, tuple[str, Series]] = {}
    for row in rows:
        value = row.get(metric)
        if is_number(value) and np.isfinite(value):
            key = tuple(_value_key(row[PARAM + k]) for k in split)
            label = ", ".join(_value_text(k, row[PARAM + k]) for k in split)
            series = groups.setdefault(key, (label, defaultdict(dict)))[1]
            series[row[PARAM + x]][row["repeat"]] = float(value)
    return dict(groups[k] for k in sorted(groups))


def _n_text(stats: Sequence[tuple[float, float | None]], ns: Sequence[int],
            what: str = "mean ± 95 % CI") -> str:
    """Legend text saying what the band is and its n (no CI claimed for a single seed)."""
    lo, hi = min(ns), max(ns)
    n = f"{lo}–{hi}" if lo != hi else str(hi)
    if hi < 2:
        return "single seed, no CI"
    if all(h <= 1e-9 * abs(m) for m, h in stats if h is not None):
        return "identical in both seeds" if n == "2" else f"identical in all {n} seeds"
    return f"{what}, n = {n} seeds" + ("" if lo >= 2 else " (no CI where n = 1)")


def _curve(by_x: Series, where: Mapping[Any, float],
           factor: float) -> tuple[list, np.ndarray, np.ndarray, str]:
    """Positions, means, 95 % half-widths (NaN without a CI) and the legend's n text of one series."""
    keys = _sorted_x(by_x)
    stats = [mean_ci95(list(by_x[k].values())) for k in keys]
    mean = np.array([m for m, _ in stats]) * factor
    half = np.array([np.nan if h is None else h for _, h in stats]) * factor
    return [where[k] for k in keys], mean, half, _n_text(stats, [len(by_x[k]) for k in keys])


def _draw_series(ax: Axes, by_x: Series, where: Mapping[Any, float], factor: float, colour: str, label: str,
                 paired: bool, shift: float | None) -> None:
    """One series: its mean with a 95 % band and each seed's values (thin lines when the seeds are
    shared by every point, the paired design: one line per chip; dots otherwise). With ``shift`` (one
    of several series) error bars offset by ``shift`` instead, so that the series stay readable."""
    px, mean, half, text = _curve(by_x, where, factor)
    name = f"{label}: {text}" if label else text
    if shift is not None:
        positions = np.asarray(px) * (1.0 + shift) if ax.get_xscale() == "log" else np.asarray(px) + shift
        ax.errorbar(positions, mean, yerr=np.nan_to_num(half), fmt="o-", color=colour, ms=4.5, lw=1.4,
                    capsize=3, label=name, zorder=3)
        return
    ax.plot(px, mean, "o-", color=colour, ms=4.5, lw=1.6, label=name, zorder=3)
    if not np.nan_to_num(half).any():
        return
    ax.fill_between(px, mean - half, mean + half, color=colour, alpha=0.18, lw=0, zorder=1)
    repeats = sorted({r for values in by_x.values() for r in values})
    if len(repeats) <= _MAX_SEEDS_SHOWN:
        seed_label = "each seed (the same chips at every point)" if paired else "each seed"
        for r in repeats:
            sx, sy = zip(*[(where[k], by_x[k][r] * factor) for k in _sorted_x(by_x) if r in by_x[k]],
                         strict=True)
            ax.plot(sx, sy, ls="-" if paired else "none", marker=None if paired else ".", color=colour,
                    lw=0.7, ms=4, alpha=0.45, zorder=2, label=seed_label if r == repeats[0] else None)


def _offset(ax: Axes, where: Mapping[Any, float], index: int, count: int) -> float:
    """Sideways offset of series ``index`` of ``count`` sharing the x values (a factor on a log axis)."""
    step = 0.012 if ax.get_xscale() == "log" else 0.012 * (max(where.values()) - min(where.values()) or 1.0)
    return (index - (count - 1) / 2) * step


def _draw_baseline(ax: Axes, base: Mapping[str, Series], where: Mapping[Any, float], factor: float,
                   many: bool) -> None:
    """The software baseline: one horizontal line (± band) when it is the same at every point (the
    paired design), else a dashed line per series."""
    means = [np.mean(list(v.values())) for g in base.values() for v in g.values()]
    if np.ptp(means) < 1e-12:
        values = list(next(iter(next(iter(base.values())).values())).values())
        mean, half = mean_ci95(values)
        text = _n_text([(mean, half)], [len(values)])
        ax.axhline(mean * factor, color="0.2", ls="--", lw=1.2, label=f"Software baseline: {text}", zorder=2)
        if half:
            low, high = (mean - half) * factor, (mean + half) * factor
            ax.axhspan(low, high, color="0.5", alpha=0.12, lw=0, zorder=0)
        return
    for i, (label, by_x) in enumerate(base.items()):
        colour = f"C{i % 10}" if many else "0.35"
        px, mean, half, text = _curve(by_x, where, factor)
        name = f"{label}: software baseline" if label else "Software baseline"
        ax.plot(px, mean, "s--", color=colour, ms=3, lw=1.1, label=f"{name}: {text}", zorder=2)
        if np.nan_to_num(half).any():
            ax.fill_between(px, mean - half, mean + half, color=colour, alpha=0.08, lw=0, zorder=0)


def plot_metric(db: str | os.PathLike[str], metric: str, x: str | None, out: str | os.PathLike[str]) -> Path:
    """``metric`` against swept parameter ``x`` (None: the sweep's first axis), mean and 95 % band over
    seeds, one series per setting of the other swept parameters; an accuracy with its software baseline
    (``baseline_<metric>``). Returns ``out``."""
    meta, rows = _load(db, metric, [x])
    x = x or _default_x(meta, rows)
    split = _splitting(rows, x)
    groups = _series(rows, metric, x, split)
    base = "baseline_" + metric if metric.startswith("accuracy.") else None
    base_groups = _series(rows, base, x, split) if base else {}
    xs = _sorted_x({v for g in groups.values() for v in g})
    fig = Figure(figsize=_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    where = dict(zip(xs, _x_axis(ax, x, xs, _partners(meta, x), rows), strict=True))
    values = [v for g in (*groups.values(), *base_groups.values()) for s in g.values() for v in s.values()]
    factor = _y_axis(ax, metric, values)
    if base_groups:
        _draw_baseline(ax, base_groups, where, factor, many=len(groups) > 1)
    paired = meta.get("pairing") == "paired"
    for i, (label, by_x) in enumerate(groups.items()):
        shift = _offset(ax, where, i, len(groups)) if len(groups) > 1 else None
        name = label or ("Hardware" if base_groups else "")
        _draw_series(ax, by_x, where, factor, f"C{i % 10}", name, paired, shift)
    _percent_limits(ax, metric, values)
    ax.grid(alpha=0.3)
    fig.legend(fontsize="small", loc="outside lower center", frameon=False)
    ax.set_title(_title(meta, rows, f"{quantity(metric).label} vs {_lower_first(quantity(x).label)}"),
                 fontsize=9.5)
    return save_figure(fig, out, dpi=DPI)


def plot_difference(db: str | os.PathLike[str], out: str | os.PathLike[str], metric: str = "accuracy.mean",
                    x: str | None = None, reference: Mapping[str, Any] | None = None) -> Path:
    """Difference of ``metric`` from the reference point (see
    :func:`crossbar_sim.study.sweep.paired_differences`) against ``x`` (None: the first axis): mean and
    t 95 % interval over seeds as error bars, each seed's difference as a dot. Returns ``out``."""
    meta, rows = _load(db, metric, [x])
    comparison = paired_differences(db, metric, reference)
    x = x or _default_x(meta, rows)
    split = [k for k in _splitting(rows, x) if k not in comparison.reference]
    ordered = sorted(comparison.points, key=lambda p: tuple(_value_key(p.params[k]) for k in split))
    groups: dict[str, list] = defaultdict(list)
    for p in ordered:
        groups[", ".join(_value_text(k, p.params[k]) for k in split)].append(p)
    xs = _sorted_x({p.params[x] for p in comparison.points})
    fig = Figure(figsize=_FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    where = dict(zip(xs, _x_axis(ax, x, xs, _partners(meta, x), rows), strict=True))
    diffs = [v for p in comparison.points for v in p.per_repeat.values()]
    factor = _y_axis(ax, metric, diffs, difference=True)
    ax.axhline(0.0, color="0.2", lw=1.0, zorder=1)
    paired = comparison.pairing == "paired" and all(p.shared_seeds for p in comparison.points if p.n)
    kind = "paired t" if paired else "t, independent chips"
    for i, (label, points) in enumerate(groups.items()):
        colour = f"C{i % 10}"
        points = sorted(points, key=lambda p: xs.index(p.params[x]))
        shift = _offset(ax, where, i, len(groups))  # side by side when several series share an x
        px = np.array([where[p.params[x]] for p in points])
        px = px * (1.0 + shift) if ax.get_xscale() == "log" else px + shift
        mean = np.array([p.mean for p in points]) * factor
        half = np.array([np.nan if p.ci95 is None else p.ci95 for p in points]) * factor
        compared = [p for p in points if not p.is_reference]
        text = _n_text([(p.mean, p.ci95) for p in compared], [p.n for p in compared] or [0],
                       f"mean ± 95 % CI ({kind})")
        ax.errorbar(px, mean, yerr=np.nan_to_num(half), fmt="o-", color=colour, ms=4.5, lw=1.4, capsize=3,
                    label=f"{label}: {text}" if label else text, zorder=3)
        shown = [(p, position) for p, position in zip(points, px, strict=True)
                 if 1 < p.n <= _MAX_SEEDS_SHOWN and not p.is_reference]
        for j, (p, position) in enumerate(shown):
            seeds = np.array(list(p.per_repeat.values())) * factor
            ax.plot([position] * p.n, seeds, ".", color=colour, ms=4, alpha=0.45, zorder=2,
                    label="each seed's difference" if i == j == 0 else None)
        refs = [j for j, p in enumerate(points) if p.is_reference]
        ax.plot(px[refs], mean[refs], "o", ms=9, mfc="none", mec=colour, mew=1.4, zorder=3)
    reference_text = ", ".join(_value_text(k, v) for k, v in comparison.reference.items())
    ax.grid(alpha=0.3)
    fig.legend(fontsize="small", loc="outside lower center", frameon=False,
               title=f"reference (circled): {reference_text}", title_fontsize="small")
    what = f"change in {_lower_first(quantity(metric).label)} from the reference"
    ax.set_title(_title(meta, rows, what), fontsize=9.5)
    return save_figure(fig, out, dpi=DPI)


def plot_heatmap(db: str | os.PathLike[str], metric: str, x: str, y: str,
                 out: str | os.PathLike[str]) -> Path:
    """Mean of ``metric`` over seeds (and other parameters) on the grid of swept ``x`` and ``y``, each
    cell labelled with its value when the grid is small. Returns ``out``."""
    meta, rows = _load(db, metric, [x, y])
    cells: dict[tuple[Any, Any], list[float]] = defaultdict(list)
    for row in rows:
        value = row.get(metric)
        if is_number(value) and np.isfinite(value):
            cells[(row[PARAM + x], row[PARAM + y])].append(float(value))
    xs = _sorted_x({k[0] for k in cells})
    ys = _sorted_x({k[1] for k in cells})
    grid = np.full((len(ys), len(xs)), np.nan)
    for (vx, vy), values in cells.items():
        grid[ys.index(vy), xs.index(vx)] = np.mean(values)
    label, factor = quantity(metric).scaled(grid[np.isfinite(grid)].tolist())
    grid = grid * factor
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    for key, values, set_ticks, set_label in ((x, xs, ax.set_xticks, ax.set_xlabel),
                                              (y, ys, ax.set_yticks, ax.set_ylabel)):
        q = quantity(key)
        numbers = all(is_number(v) for v in values)
        axis_label, f = q.scaled(values) if numbers else (q.label, 1.0)
        set_ticks(range(len(values)), [f"{v * f:.3g}" if numbers else str(v) for v in values])
        set_label(axis_label)
    if grid.size <= 144 and np.isfinite(grid).any():
        middle = np.nanmean(grid)
        top = np.nanmax(np.abs(grid))
        decimals = max(0, 2 - int(np.floor(np.log10(top)))) if top > 0 else 0  # 3 digits on the largest
        for (r, c), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(c, r, f"{value:.{decimals}f}", ha="center", va="center", fontsize=8,
                        color="black" if value > middle else "white")
    fig.colorbar(image, ax=ax, label=f"{label}, mean over seeds")
    ax.set_title(_title(meta, rows, quantity(metric).label), fontsize=9.5)
    return save_figure(fig, out, dpi=DPI)
