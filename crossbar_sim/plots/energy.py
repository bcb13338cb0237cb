"""Energy plots: analogue vs GPU as stacked per-component bars, the analogue reservoir by phase and
component, and energy against accuracy across sweep points.

Energies are drawn in the unit that suits their size (nJ, µJ or mJ, :func:`energy_unit`); a report priced
with a calibrated technology says what it was calibrated on in its title.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from crossbar_sim.analog.ledger import PHASES
from crossbar_sim.energy.pricing import COMPONENTS
from crossbar_sim.energy.report import EnergyReport
from crossbar_sim.plots.figures import save_figure

DPI = 200
#: reservoir components of the analogue bar (pricing names → legend), then the host terms both bars share
RESERVOIR_PARTS = {"cell": "cells (Σ V·I·t)", "driver_dac": "line drivers / DAC", "adc_tia": "ADC + TIA",
                   "digital": "digital periphery", "transfer": "on-chip transfer"}
HOST_PARTS = {"pooling": "pooling (host)", "transfer": "PCIe / HBM transfer (host)",
              "readout": "readout (host)"}
COLOURS = {"cell": "#fdae61", "driver_dac": "#f46d43", "adc_tia": "#d73027", "digital": "#a50026",
           "gpu": "#4575b4", "pooling": "#bdbdbd", "transfer_host": "#969696", "readout": "#525252"}


def energy_unit(joules: float) -> tuple[float, str]:
    """(factor, unit) to draw ``joules`` with: mJ from 1 mJ, µJ from 1 µJ, else nJ."""
    for factor, unit in ((1e-3, "mJ"), (1e-6, "µJ")):
        if abs(joules) >= factor:
            return factor, unit
    return 1e-9, "nJ"


def format_energy(joules: float) -> str:
    """``joules`` in the unit that suits it (pJ to mJ), three significant digits."""
    for factor, unit in ((1e-3, "mJ"), (1e-6, "µJ"), (1e-9, "nJ")):
        if abs(joules) >= factor:
            return f"{joules / factor:.3g} {unit}"
    return f"{joules / 1e-12:.3g} pJ"


def technology_note(report: EnergyReport) -> str:
    """The technology line of a title: ``CALIBRATED … not a prediction`` for a calibrated report."""
    if report.calibration:
        return f"{report.technology}: CALIBRATED, not a prediction"
    return f"{report.technology}: cited constants, nothing fitted"


def comparison_title(report: EnergyReport, label: str | None = None) -> str:
    """``<label>: GPU / analogue = 2.57×`` over the technology line (:func:`technology_note`)."""
    return f"{label or report.label}: GPU / analogue = {report.efficiency:.3g}×\n{technology_note(report)}"


def _stack(ax, x: float, parts: list[tuple[str, float, str]], scale: float, unit: str, min_label: float
           ) -> float:
    """Draw one stacked bar of (legend label, joules, colour) at ``x``, writing the value on segments taller
    than ``min_label`` (drawing units); returns its top."""
    bottom = 0.0
    for name, joules, colour in parts:
        if joules > 0:
            height = joules / scale
            ax.bar(x, height, 0.6, bottom=bottom, color=colour, label=name, edgecolor="white", linewidth=0.5)
            if height > min_label:
                ax.text(x, bottom + height / 2, f"{height:.3g} {unit}", ha="center", va="center",
                        fontsize=8, color="white")
            bottom += height
    return bottom


def plot_energy_comparison(reports: Sequence[EnergyReport], path: str | os.PathLike[str],
                           labels: Sequence[str] | None = None) -> Path:
    """Per report, two stacked bars: the analogue system (its reservoir by component, then the host terms)
    and the GPU (reservoir, then the same host terms), totals on top, the ratio and the technology in the
    title (what a calibrated technology was calibrated on under the panel). Returns the PNG path."""
    labels = list(labels) if labels is not None else [r.label for r in reports]
    fig = Figure(figsize=(4.8 * len(reports) + 2.6, 4.8), layout="constrained")
    axes = fig.subplots(1, len(reports), squeeze=False)[0]
    for ax, rep, label in zip(axes, reports, labels, strict=True):
        scale, unit = energy_unit(max(rep.analog_total_J, rep.gpu_total_J))
        g = rep.gpu
        host = [(HOST_PARTS["pooling"], g.pooling_J, COLOURS["pooling"]),
                (HOST_PARTS["transfer"], g.transfer_J, COLOURS["transfer_host"]),
                (HOST_PARTS["readout"], g.readout_J, COLOURS["readout"])]
        by_component = rep.analog.by_component_J
        analog = [(RESERVOIR_PARTS[c], by_component[c], COLOURS.get(c, "#fee090")) for c in COMPONENTS]
        gpu_bar = [(f"GPU reservoir ({g.aggregation} aggregation)", g.reservoir_J, COLOURS["gpu"]), *host]
        min_label = 0.07 * max(rep.analog_total_J, rep.gpu_total_J) / scale
        tops = [_stack(ax, 0, analog + host, scale, unit, min_label),
                _stack(ax, 1, gpu_bar, scale, unit, min_label)]
        for x, top, total in zip((0, 1), tops, (rep.analog_total_J, rep.gpu_total_J), strict=True):
            ax.text(x, top, f"{total / scale:.3g} {unit}", ha="center", va="bottom", fontsize=9)
        per_op = g.reservoir_J / g.reservoir_ops * 1e12 if g.reservoir_ops else 0.0
        ax.set_xticks([0, 1], ["RRAM arrays + periphery", f"GPU ({per_op:.3g} pJ/op)"])
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylim(0, max(tops) * 1.15)
        ax.set_ylabel(f"inference energy ({unit})")
        ax.set_title(comparison_title(rep, label), fontsize=9)
        if rep.calibration:
            ax.set_xlabel("\n".join(textwrap.wrap(f"calibrated on {rep.calibration}", 60)), fontsize=7,
                          color="#a50026")
        ax.grid(axis="y", alpha=0.3)
    names: dict[str, object] = {}
    for ax in axes:  # one legend entry per component (the host terms are in both bars)
        for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
            names.setdefault(name, handle)
    fig.legend(names.values(), names.keys(), loc="outside right center", fontsize=8, frameon=False)
    return save_figure(fig, path, dpi=DPI)


def plot_energy_breakdown(report: EnergyReport, path: str | os.PathLike[str]) -> Path:
    """Stacked bars: analogue reservoir energy per phase (in workload order), split by component.
    Returns the PNG path."""
    table = report.analog.by_phase_component_J
    phases = [p for p in PHASES if p in table]
    scale, unit = energy_unit(report.analog.total_J)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    bottom = np.zeros(len(phases))
    for comp in COMPONENTS:
        values = np.array([table[p][comp] for p in phases]) / scale
        if values.any():
            ax.bar([p.replace("_", " ") for p in phases], values, bottom=bottom,
                   label=f"{RESERVOIR_PARTS[comp]}: {format_energy(values.sum() * scale)}",
                   color=COLOURS.get(comp, "#fee090"))
            bottom += values
    ax.set_ylabel(f"energy ({unit})")
    ax.set_title(f"{report.label}: analogue reservoir {report.analog.total_J / scale:.3g} {unit} by phase\n"
                 f"{technology_note(report)}", fontsize=9)
    if report.calibration:
        ax.set_xlabel("\n".join(textwrap.wrap(f"calibrated on {report.calibration}", 80)), fontsize=7,
                      color="#a50026")
    ax.set_ylim(0, bottom.max() * 1.3)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return save_figure(fig, path, dpi=DPI)


def plot_energy_accuracy(points: Sequence[tuple[float, float, str]], path: str | os.PathLike[str],
                         title: str = "energy vs accuracy") -> Path:
    """Scatter of (accuracy as a fraction, energy in J, label) sweep points, each point labelled; a log
    energy axis when the energies span more than a decade. Returns the PNG path."""
    if not points:
        raise ValueError("plot_energy_accuracy needs at least one (accuracy, energy, label) point")
    accuracy = np.array([p[0] for p in points]) * 100
    energy = np.array([p[1] for p in points])
    scale, unit = energy_unit(float(np.median(energy)))
    fig = Figure(figsize=(5.6, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(energy / scale, accuracy, "o", color=COLOURS["adc_tia"])
    for rank, i in enumerate(np.argsort(energy)):  # labels alternately above and below, in energy order
        ax.annotate(points[i][2], (energy[i] / scale, accuracy[i]), textcoords="offset points",
                    xytext=(4, 6 if rank % 2 == 0 else -12), fontsize=8)
    ax.margins(x=0.12, y=0.12)
    if energy.max() > 10 * energy.min() > 0:
        ax.set_xscale("log")
    ax.set_xlabel(f"inference energy ({unit})")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    return save_figure(fig, path, dpi=DPI)
