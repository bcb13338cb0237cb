"""Shared figure helpers: PNG output with the Agg backend and the array heat map."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Write ``fig`` as a PNG at ``path`` (parent folders created); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(out, format="png", dpi=dpi)
    return out


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
    return save_figure(fig, path, dpi=150)
