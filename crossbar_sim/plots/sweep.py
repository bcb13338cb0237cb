"""Plots of sweep results: a metric against a swept parameter (mean ± 95 % interval over seeds), heatmaps."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from crossbar_sim.plots.figures import save_figure
from crossbar_sim.study.config import ConfigError
from crossbar_sim.study.sweep.store import ResultStore, flatten


def mean_ci95(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of the Student-t 95 % confidence interval (0 for a single value)."""
    from scipy.stats import t

    n = values.size
    mean = float(values.mean())
    if n < 2:
        return mean, 0.0
    return mean, float(t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))


def _table(db: str | os.PathLike[str], metric: str, params: list[str]) -> list[tuple[dict, float]]:
    """``(params, metric value)`` of every successful point; checks the names exist."""
    with ResultStore(db, create=False) as store:
        rows = store.rows()
    if not rows:
        raise ConfigError.problem(str(db), "no successful points to plot")
    swept = sorted({k for r in rows for k in r["params"]})
    for flag, name in zip(("--x", "--y")[: len(params)], params, strict=True):
        if name not in swept:
            allowed = ", ".join(swept) or "(none swept)"
            raise ConfigError(flag, name, "must be a swept parameter: " + allowed)
    table = []
    for r in rows:
        flat = flatten(r["metrics"])
        if metric not in flat:
            numeric = sorted(k for k, v in flat.items() if isinstance(v, (int, float)))
            raise ConfigError("--metric", metric, "must be one of " + ", ".join(numeric))
        table.append((r["params"], float(flat[metric])))
    return table


def _key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, (int, float)) else (1, str(value))


def plot_metric(db: str | os.PathLike[str], metric: str, x: str, out: str | os.PathLike[str]) -> Path:
    """``metric`` against swept parameter ``x``: one line per setting of the other swept parameters."""
    table = _table(db, metric, [x])
    # Parameters that take one value per x (zipped with x, or fixed) do not split the points into lines.
    values_at_x: dict[str, dict[Any, set]] = defaultdict(lambda: defaultdict(set))
    for params, _ in table:
        for k, v in params.items():
            values_at_x[k][repr(params[x])].add(repr(v))
    splitting = {k for k, by_x in values_at_x.items() if k != x and any(len(v) > 1 for v in by_x.values())}
    groups: dict[str, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for params, value in table:
        label = ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k in splitting)
        groups[label][params[x]].append(value)
    fig = Figure(figsize=(6, 4), layout="tight")
    ax = fig.add_subplot()
    numeric = all(isinstance(v, (int, float)) for g in groups.values() for v in g)
    for label, by_x in sorted(groups.items()):
        xs = sorted(by_x, key=_key)
        stats = [mean_ci95(np.asarray(by_x[v])) for v in xs]
        positions = xs if numeric else list(range(len(xs)))
        ax.errorbar(positions, [m for m, _ in stats], yerr=[h for _, h in stats], marker="o", capsize=3,
                    label=label or None)
        if not numeric:
            ax.set_xticks(positions, [str(v) for v in xs])
    all_x = [v for g in groups.values() for v in g]
    if numeric and min(all_x) > 0 and max(all_x) / min(all_x) >= 100:
        ax.set_xscale("log")  # two decades or more: a log axis
    ax.set_xlabel(x)
    ax.set_ylabel(f"{metric} (mean ± 95 % CI)")
    if any(groups):
        ax.legend(fontsize="small")
    return save_figure(fig, out)


def plot_heatmap(db: str | os.PathLike[str], metric: str, x: str, y: str,
                 out: str | os.PathLike[str]) -> Path:
    """Mean of ``metric`` over repeats (and other parameters) on the grid of swept ``x`` and ``y``."""
    cells: dict[tuple[Any, Any], list[float]] = defaultdict(list)
    for params, value in _table(db, metric, [x, y]):
        cells[(params[x], params[y])].append(value)
    xs = sorted({k[0] for k in cells}, key=_key)
    ys = sorted({k[1] for k in cells}, key=_key)
    grid = np.full((len(ys), len(xs)), np.nan)
    for (vx, vy), values in cells.items():
        grid[ys.index(vy), xs.index(vx)] = np.mean(values)
    fig = Figure(figsize=(6, 4.5), layout="tight")
    ax = fig.add_subplot()
    image = ax.imshow(grid, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(image, ax=ax, label=f"{metric} (mean)")
    return save_figure(fig, out)

