"""Plots of a formed array's conductances (µS on the axes), written as PNG with the Agg backend."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from crossbar_sim.plots.figures import plot_array_map, save_figure

_MICRO = 1e6  # siemens -> microsiemens


def plot_conductance_histogram(conductance_S: np.ndarray, path: str | os.PathLike[str], bins: int = 100,
                               title: str = "Cell conductance", log_counts: bool = True) -> Path:
    """Histogram of every cell's conductance (given in S, shown in µS); returns the PNG path.

    ``log_counts`` puts the counts on a log axis so the pristine peak near 0 µS and the formed
    distribution are both visible.
    """
    g_uS = np.asarray(conductance_S, dtype=float).ravel() * _MICRO
    fig = Figure(figsize=(5.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.hist(g_uS, bins=bins, color="tab:blue")
    ax.set_xlabel("conductance (µS)")
    ax.set_ylabel("cells")
    if log_counts:
        ax.set_yscale("log")
    ax.set_title(title)
    return save_figure(fig, path)


def plot_conductance_map(conductance_S: np.ndarray, path: str | os.PathLike[str],
                         title: str = "Conductance map") -> Path:
    """Colour map of a 2-D conductance array (given in S, colour bar in µS); returns the PNG path."""
    return plot_array_map(np.asarray(conductance_S, dtype=float) * _MICRO, path, "conductance (µS)", title)
