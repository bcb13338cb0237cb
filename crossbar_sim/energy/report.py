"""Energy report: analogue system vs GPU for one workload, JSON-friendly, with a text table.

Totals follow the paper: each system's total = its reservoir energy + the same host terms
(pooling, PCIe/HBM transfer, readout) computed by :mod:`crossbar_sim.energy.gpu`. A report priced with a
calibrated technology carries what it was calibrated on (``calibration``), and shows it wherever it
prints a number; ``area_m2`` is the analogue system's silicon area by component
(:mod:`crossbar_sim.energy.area`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.energy.area import ledger_area_m2
from crossbar_sim.energy.gpu import GpuEstimate, gpu_estimate
from crossbar_sim.energy.latency import ledger_latency_s
from crossbar_sim.energy.pricing import EnergyBreakdown, price_ledger
from crossbar_sim.energy.technology import Technology
from crossbar_sim.energy.workload import EsgnnShape

#: Components of the paper's Fig. 2g, in plotting order.
FIGURE_COMPONENTS = ("reservoir", "pooling", "transfer", "readout")


@dataclass(frozen=True)
class EnergyReport:
    """One workload priced on the analogue system and on the GPU (joules, seconds, ops, m²).

    ``calibration`` is what the technology's fitted constants were calibrated on ("" when none was).
    """

    label: str
    technology: str
    analog: EnergyBreakdown
    gpu: GpuEstimate
    latency_s: dict[str, float]
    area_m2: dict[str, float]
    calibration: str = ""

    @property
    def technology_label(self) -> str:
        """The technology's name, with ``(calibrated on …)`` when it was calibrated."""
        if not self.calibration:
            return self.technology
        return f"{self.technology} (calibrated on {self.calibration})"

    @property
    def analog_total_J(self) -> float:
        """Analogue reservoir (priced ledger) + shared host terms."""
        return self.analog.total_J + self.gpu.shared_J

    @property
    def gpu_total_J(self) -> float:
        return self.gpu.total_J

    @property
    def efficiency(self) -> float:
        """GPU energy / analogue energy (the paper's 2.16× for MUTAG)."""
        return self.gpu_total_J / self.analog_total_J

    @property
    def backward_reduction(self) -> float:
        """1 − readout-fit ops / trainable-model backward ops (the paper's −99.35 % for MUTAG)."""
        return 1.0 - self.gpu.backward_readout_fit_ops / self.gpu.backward_trainable_ops

    def figure_components_J(self) -> dict[str, tuple[float, float]]:
        """(analogue, GPU) energy per Fig. 2g component."""
        g = self.gpu
        return {"reservoir": (self.analog.total_J, g.reservoir_J), "pooling": (g.pooling_J, g.pooling_J),
                "transfer": (g.transfer_J, g.transfer_J), "readout": (g.readout_J, g.readout_J)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: energies in J, latencies in s, area in mm² (flat keys ``<component>_mm2``)."""
        return {"label": self.label, "technology": self.technology, "calibration": self.calibration,
                "analog": [list(e) for e in self.analog.entries_J], "gpu": asdict(self.gpu),
                "latency_s": dict(self.latency_s),
                "area": {f"{name}_mm2": m2 * 1e6 for name, m2 in self.area_m2.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnergyReport:
        """The report of :meth:`to_dict` (reports written before ``aggregation`` existed counted dense)."""
        area = {name.removesuffix("_mm2"): mm2 * 1e-6 for name, mm2 in data.get("area", {}).items()}
        return cls(label=data["label"], technology=data["technology"],
                   analog=EnergyBreakdown(tuple((p, a, c, float(j)) for p, a, c, j in data["analog"])),
                   gpu=GpuEstimate(**{"aggregation": "dense", **data["gpu"]}),
                   latency_s=dict(data["latency_s"]), area_m2=area, calibration=data.get("calibration", ""))


def build_report(ledger: EventLedger, shape: EsgnnShape, tech: Technology, label: str | None = None,
                 gpu_aggregation: str = "sparse") -> EnergyReport:
    """Price ``ledger`` (the reservoir of ``shape``) with ``tech``, and the GPU baseline of ``shape`` with
    ``gpu_aggregation`` adjacency products (``"sparse"`` or ``"dense"``)."""
    return EnergyReport(label=label or shape.name, technology=tech.name,
                        analog=price_ledger(ledger, tech.analog),
                        gpu=gpu_estimate(shape, tech.gpu, gpu_aggregation),
                        latency_s=ledger_latency_s(ledger, tech.analog),
                        area_m2=ledger_area_m2(ledger, tech.analog), calibration=tech.calibration)


def _eng(x: float, unit: str) -> str:
    if x == 0:
        return f"{0:8d} {unit}"
    for factor, prefix in ((1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")):
        if abs(x) >= factor:
            return f"{x / factor:8.2f} {prefix}{unit}"
    return f"{x:8.2e} {unit}"


def format_table(report: EnergyReport) -> str:
    """Plain-text table: Fig. 2g components for both systems, analogue breakdown, latency, area, ratios."""
    lines = [f"{report.label}  [{report.technology_label}]",
             f"{'component':<12}{'analogue':>14}{'GPU':>14}"]
    for name, (a, g) in report.figure_components_J().items():
        lines.append(f"{name:<12}{_eng(a, 'J'):>14}{_eng(g, 'J'):>14}")
    lines.append(f"{'total':<12}{_eng(report.analog_total_J, 'J'):>14}{_eng(report.gpu_total_J, 'J'):>14}")
    ratio = f"GPU / analogue energy: {report.efficiency:.2f}x"
    lines.append(ratio + (" (calibrated, not a prediction)" if report.calibration else ""))
    lines.append("analogue reservoir by component: " + ", ".join(
        f"{c} {_eng(j, 'J').strip()}" for c, j in report.analog.by_component_J.items()))
    lines.append(f"latency: {_eng(report.latency_s['total'], 's').strip()} (analogue "
                 f"{_eng(report.latency_s['analog'], 's').strip()})")
    if report.area_m2:
        parts = ", ".join(f"{c} {m2 * 1e6:.4g}" for c, m2 in report.area_m2.items() if c != "total")
        lines.append(f"area: {report.area_m2['total'] * 1e6:.4g} mm² ({parts})")
    g = report.gpu
    lines.append(f"GPU ops ({g.aggregation} aggregation): reservoir {g.reservoir_ops:.4g}, readout "
                 f"{g.readout_ops:.4g}; backward {g.backward_trainable_ops:.4g} vs readout fit "
                 f"{g.backward_readout_fit_ops:.4g} ({-100 * report.backward_reduction:.2f} %)")
    return "\n".join(lines)
