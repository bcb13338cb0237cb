"""Price an event ledger with a technology table: energy by component, phase and array (joules).

Components: ``cell`` (Σ V·I × read pulse width), ``driver_dac`` (driven-line charging, driver input
capacitance per pulse, multi-level DAC conversions), ``adc_tia`` (ADC + the TIA driving its sense node, per
conversion), ``digital`` (shift-adds, post-ADC adds and the ledger's digital ops) and ``transfer`` (bytes
moved); the formulas are :class:`crossbar_sim.energy.technology.AnalogTechnology`'s. Skipped reads cost
nothing. Every joule is booked once under one
(phase, array, component) cell, so every breakdown sums to the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.energy.technology import AnalogTechnology

COMPONENTS = ("cell", "driver_dac", "adc_tia", "digital", "transfer")
DIGITAL_ARRAY = "(digital)"
TRANSFER_ARRAY = "(transfer)"


@dataclass(frozen=True)
class EnergyBreakdown:
    """Energy in joules keyed by (phase, array, component); the views below are sums of it."""

    entries_J: tuple[tuple[str, str, str, float], ...]

    def _sum(self, index: int) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for entry in self.entries_J:
            out[entry[index]] += entry[3]
        return dict(out)

    @property
    def total_J(self) -> float:
        return sum(e[3] for e in self.entries_J)

    @property
    def by_component_J(self) -> dict[str, float]:
        """Energy per component (every name of :data:`COMPONENTS` present, zero if unused)."""
        return {c: self._sum(2).get(c, 0.0) for c in COMPONENTS}

    @property
    def by_phase_J(self) -> dict[str, float]:
        return self._sum(0)

    @property
    def by_array_J(self) -> dict[str, float]:
        return self._sum(1)

    @property
    def by_phase_component_J(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for phase, _, comp, joules in self.entries_J:
            out.setdefault(phase, dict.fromkeys(COMPONENTS, 0.0))[comp] += joules
        return out


def price_ledger(ledger: EventLedger, tech: AnalogTechnology) -> EnergyBreakdown:
    """Energy of every event in ``ledger`` priced with ``tech``."""
    acc: dict[tuple[str, str, str], float] = defaultdict(float)
    for ev in ledger.analog:
        key = (ev.phase, ev.array)
        acc[(*key, "cell")] += ev.cell_vi_W * tech.read_pulse_width_s
        acc[(*key, "driver_dac")] += tech.driver_energy_J(ev.row_pulses, ev.driven_cells_V2) + sum(
            n * tech.dac_energy_J(b) for b, n in ev.dac_conversions.items())
        node_cells = ev.geometry.rows_per_tile * ev.geometry.stacked_tiles  # cells on one sense node
        acc[(*key, "adc_tia")] += sum(n * (tech.adc_energy_J(b) + tech.tia_energy_J(node_cells))
                                      for b, n in ev.adc_conversions.items())
        acc[(*key, "digital")] += (ev.shift_adds * tech.digital_shift_add_J
                                   + ev.digital_adds * tech.digital_add_J)
    for (phase, op), count in ledger.digital.items():
        acc[(phase, DIGITAL_ARRAY, "digital")] += count * tech.digital_energy_J(op)
    for (phase, _), n_bytes in ledger.transfers.items():
        acc[(phase, TRANSFER_ARRAY, "transfer")] += n_bytes * tech.transfer_energy_per_byte_J
    return EnergyBreakdown(tuple((p, a, c, float(j)) for (p, a, c), j in sorted(acc.items())))
