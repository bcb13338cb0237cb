"""Plots of physical arrays: IR-drop cell-voltage maps, conductance tiles of an AnalogMatrix (PNG, Agg)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.irdrop import check_row_voltages, solve_ir_drop
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.plots.figures import plot_array_map, save_figure

_MICRO = 1e6  # siemens -> microsiemens


def cell_voltage_percent(conductance_S: np.ndarray, wires: WireParasitics,
                         v_rows: np.ndarray | None = None) -> np.ndarray:
    """(R, C) voltage across each cell as a percentage of its row's applied voltage.

    ``v_rows`` None: every row at the same voltage (the solver's ``cell_voltage_fraction``). Otherwise
    the exact node voltages for that input; cells on rows driven at 0 V are NaN (no reference).
    """
    solution = solve_ir_drop(conductance_S, wires)
    if v_rows is None:
        return 100.0 * solution.cell_voltage_fraction
    v = check_row_voltages(v_rows, solution.conductance_S.shape[0], batched=False)
    word_V, bit_V = solution.node_voltages(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = 100.0 * (word_V - bit_V) / v[:, None]
    percent[v == 0.0, :] = np.nan
    return percent


def plot_ir_drop_map(conductance_S: np.ndarray, wires: WireParasitics, path: str | os.PathLike[str],
                     v_rows: np.ndarray | None = None, title: str = "Cell voltage (IR drop)") -> Path:
    """Map of each cell's voltage in % of its applied row voltage (see :func:`cell_voltage_percent`).

    Rows are word lines driven from the left, columns bit lines sensed at the bottom. Returns the PNG path.
    """
    percent = cell_voltage_percent(conductance_S, wires, v_rows)
    return plot_array_map(percent, path, "cell voltage (% of applied)",
                          f"{title}: min {np.nanmin(percent):.2f} %", cmap="magma",
                          xlabel="column (bit line)", ylabel="row (word line)")


def plot_tile_conductances(matrix: AnalogMatrix, path: str | os.PathLike[str],
                           title: str | None = None) -> Path:
    """Conductance maps (µS, one shared colour scale) of every physical tile of ``matrix``, laid out
    as the tile grid ``[row block][column block]``; differential pairs appear as interleaved columns.
    Returns the PNG path."""
    grid = matrix.tiles
    n_rows, n_cols = len(grid), max(len(row) for row in grid)
    g_max = max(float(t.conductance_S.max()) for row in grid for t in row) * _MICRO
    fig = Figure(figsize=(min(2.2 * n_cols + 1.2, 16.0), min(2.0 * n_rows + 0.8, 14.0)), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    image = None
    for r, row in enumerate(grid):
        for c in range(n_cols):
            ax = axes[r][c]
            if c >= len(row):
                ax.set_axis_off()
                continue
            tile = row[c]
            image = ax.imshow(tile.conductance_S * _MICRO, cmap="viridis", vmin=0.0, vmax=g_max,
                              interpolation="nearest", aspect="auto")
            ax.set_title(f"in {tile.row_start}:{tile.row_stop}, out {tile.out_start}:{tile.out_stop}",
                         fontsize=7)
            ax.tick_params(labelsize=6)
    fig.colorbar(image, ax=axes, label="conductance (µS)", shrink=0.9)
    fig.suptitle(title or f"{matrix.name}: {n_rows} x {n_cols} tiles")
    return save_figure(fig, path)
