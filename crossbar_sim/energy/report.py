"""Energy report: analogue system vs GPU for one workload, JSON-friendly, with a text table.

Totals follow the paper: each system's total = its reservoir energy + the same host terms
(pooling, PCIe/HBM transfer, readout) computed by :mod:`crossbar_sim.energy.gpu`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.energy.gpu import GpuEstimate, gpu_estimate
from crossbar_sim.energy.latency import ledger_latency_s
from crossbar_sim.energy.pricing import EnergyBreakdown, price_ledger
from crossbar_sim.energy.technology import Technology
from crossbar_sim.energy.workload import EsgnnShape

#: Components of the paper's Fig. 2g, in plotting order.
FIGURE_COMPONENTS = ("reservoir", "pooling", "transfer", "readout")


@dataclass(frozen=True)
class EnergyReport:
    """One workload priced on the analogue system and on the GPU (joules, seconds, ops)."""

    label: str
    technology: str
    analog: EnergyBreakdown
    gpu: GpuEstimate
    latency_s: dict[str, float]

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
        return {"label": self.label, "technology": self.technology,
                "analog": [list(e) for e in self.analog.entries_J], "gpu": asdict(self.gpu),
                "latency_s": dict(self.latency_s)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnergyReport:
        return cls(label=data["label"], technology=data["technology"],
                   analog=EnergyBreakdown(tuple((p, a, c, float(j)) for p, a, c, j in data["analog"])),
                   gpu=GpuEstimate(**data["gpu"]), latency_s=dict(data["latency_s"]))


def build_report(ledger: EventLedger, shape: EsgnnShape, tech: Technology, label: str | None = None,
                 reservoir_ops_override: float | None = None) -> EnergyReport:
    """Price ``ledger`` (the reservoir of ``shape``) and the GPU baseline of ``shape`` with ``tech``."""
    return EnergyReport(label=label or shape.name, technology=tech.name,
                        analog=price_ledger(ledger, tech.analog),
                        gpu=gpu_estimate(shape, tech.gpu, reservoir_ops_override),
                        latency_s=ledger_latency_s(ledger, tech.analog))


def _eng(x: float, unit: str) -> str:
    for factor, prefix in ((1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p")):
        if abs(x) >= factor:
            return f"{x / factor:8.2f} {prefix}{unit}"
    return f"{x:8.2e} {unit}"


def format_table(report: EnergyReport) -> str:
    """Plain-text table: Fig. 2g components for both systems, analogue breakdown, latency, ratios."""
    lines = [f"{report.label}  [{report.technology}]", f"{'component':<12}{'analogue':>14}{'GPU':>14}"]
    for name, (a, g) in report.figure_components_J().items():
        lines.append(f"{name:<12}{_eng(a, 'J'):>14}{_eng(g, 'J'):>14}")
    lines.append(f"{'total':<12}{_eng(report.analog_total_J, 'J'):>14}{_eng(report.gpu_total_J, 'J'):>14}")
    lines.append(f"GPU / analogue energy: {report.efficiency:.2f}x")
    lines.append("analogue reservoir by component: " + ", ".join(
        f"{c} {_eng(j, 'J').strip()}" for c, j in report.analog.by_component_J.items()))
    lines.append(f"latency: {_eng(report.latency_s['total'], 's').strip()} (analogue "
                 f"{_eng(report.latency_s['analog'], 's').strip()})")
    g = report.gpu
    lines.append(f"ops: reservoir {g.reservoir_ops:.4g}, readout {g.readout_ops:.4g}; backward "
                 f"{g.backward_trainable_ops:.4g} vs readout fit {g.backward_readout_fit_ops:.4g} "
                 f"({-100 * report.backward_reduction:.2f} %)")
    return "\n".join(lines)
