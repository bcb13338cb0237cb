"""Energy plots: analogue vs GPU per component (Fig. 2g style) and a phase × component breakdown."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from crossbar_sim.energy.pricing import COMPONENTS
from crossbar_sim.energy.report import FIGURE_COMPONENTS, EnergyReport
from crossbar_sim.plots.figures import save_figure


def plot_energy_comparison(reports: Sequence[EnergyReport], path: str | os.PathLike[str],
                           labels: Sequence[str] | None = None) -> Path:
    """Grouped bars per component (analogue vs GPU) on a log energy axis, GPU op counts on a second
    axis; one panel per report. Returns the PNG path."""
    labels = list(labels) if labels is not None else [r.label for r in reports]
    fig = Figure(figsize=(4.2 * len(reports), 3.6), layout="tight")
    axes = fig.subplots(1, len(reports), squeeze=False)
    x = np.arange(len(FIGURE_COMPONENTS) + 1)
    names = [*FIGURE_COMPONENTS, "total"]
    for ax, rep, label in zip(axes[0], reports, labels, strict=True):
        parts = rep.figure_components_J()
        analog = [parts[c][0] for c in FIGURE_COMPONENTS] + [rep.analog_total_J]
        gpu = [parts[c][1] for c in FIGURE_COMPONENTS] + [rep.gpu_total_J]
        ax.bar(x - 0.2, np.maximum(analog, 1e-15), 0.4, label="RRAM (analogue)", color="tab:red")
        ax.bar(x + 0.2, np.maximum(gpu, 1e-15), 0.4, label="GPU", color="tab:blue")
        ax.set_yscale("log")
        ax.set_ylim(bottom=max(1e-10, 0.3 * min(v for v in analog + gpu if v > 0)))
        ax.set_xticks(x, names, rotation=30)
        ax.set_ylabel("energy (J)")
        ax.set_title(f"{label}: {rep.efficiency:.2f}x")
        ops = [rep.gpu.reservoir_ops, rep.gpu.pooling_ops, 0.0, rep.gpu.readout_ops]
        twin = ax.twinx()
        twin.plot(x[:-1], np.where(np.array(ops) > 0, ops, np.nan), "k^", label="GPU ops")
        twin.set_yscale("log")
        twin.set_ylabel("operations")
        if ax is axes[0][0]:
            handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
            ax.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="lower left")
    return save_figure(fig, path)


def plot_energy_breakdown(report: EnergyReport, path: str | os.PathLike[str]) -> Path:
    """Stacked bars: analogue reservoir energy per phase, split by component. Returns the PNG path."""
    table = report.analog.by_phase_component_J
    phases = list(table)
    fig = Figure(figsize=(5.5, 3.6), layout="tight")
    ax = fig.add_subplot()
    bottom = np.zeros(len(phases))
    for comp in COMPONENTS:
        values = np.array([table[p][comp] for p in phases])
        if values.any():
            ax.bar(phases, values * 1e6, bottom=bottom, label=comp)
            bottom += values * 1e6
    ax.set_ylabel("energy (µJ)")
    ax.set_title(f"{report.label}: analogue reservoir {report.analog.total_J * 1e6:.2f} µJ")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
