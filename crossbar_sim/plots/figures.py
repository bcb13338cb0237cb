"""Shared figure helpers: every figure is a ``matplotlib.figure.Figure`` drawn by the Agg canvas (no
pyplot state, no global backend switch) and written as a PNG through the package's atomic writer (plus
SVG or PDF when the path asks for it)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from crossbar_sim.common.atomic import atomic_output

DPI = 150  # the default resolution of the PNGs the package writes
VECTOR_FORMATS = (".svg", ".pdf")  # suffixes of ``path`` that are written in that format


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = DPI) -> Path:
    """Write ``fig`` as a PNG at ``path`` (parent folders created; the file appears only when complete).

    A ``path`` ending in ``.svg`` or ``.pdf`` is written in that format, with the PNG beside it under
    the same stem. Returns ``path``.
    """
    FigureCanvasAgg(fig)
    path = Path(path)
    targets = [(path, "png")]
    if path.suffix.lower() in VECTOR_FORMATS:
        targets = [(path, path.suffix.lower()[1:]), (path.with_suffix(".png"), "png")]
    for target, fmt in targets:
        with atomic_output(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi)
    return path


def plot_array_map(values: np.ndarray, path: str | os.PathLike[str], colorbar_label: str, title: str,
                   cmap: str = "viridis", xlabel: str = "column", ylabel: str = "row") -> Path:
    """Heat map of one value per cell of a 2-D array (row 0 at the top); returns the PNG path."""
    fig = Figure(figsize=(5.4, 4.6), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap=cmap, interpolation="nearest", aspect="auto")
    fig.colorbar(image, ax=ax, label=colorbar_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return save_figure(fig, path)
