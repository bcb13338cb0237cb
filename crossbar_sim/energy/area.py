"""Silicon area of the analogue system that ran a ledger, by component (m²).

Counted from each matrix's geometry and periphery as recorded in the ledger (one record per matrix and
read direction; a matrix read in several phases is counted once):

- ``cells``: tiles × rows × columns per tile (every tile at the size of the largest) × ``cell_area_F2``·F²,
  once per matrix (its reverse read, ``<name>.T``, uses the same cells);
- ``adc``: the recorded ADCs × ``adc_area_per_step_um2 · 2^ENOB`` (ADC sharing divides their number);
- ``tia``: one TIA per sense node;
- ``driver_dac``: one driver per driven line of every tile, plus a 2^bits-unit capacitive DAC per driver
  when the inputs are multi-level;
- ``digital``: one shift-and-add accumulator per ADC. The digital core running aggregation, activations
  and the leaky update is not included (like pooling and the readout it is charged to the host).
"""

from __future__ import annotations

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.energy.technology import AnalogTechnology

AREA_COMPONENTS = ("cells", "adc", "tia", "driver_dac", "digital")
UM2 = 1e-12  # m² per µm²


def ledger_area_m2(ledger: EventLedger, tech: AnalogTechnology) -> dict[str, float]:
    """Area per component of :data:`AREA_COMPONENTS` and their ``total``, in m²."""
    cells: dict[str, float] = {}
    periphery: dict[str, dict[str, float]] = {}
    cell_m2 = tech.cell_area_F2 * tech.feature_size_m**2
    for ev in ledger.analog:
        g = ev.geometry
        cells[ev.array.removesuffix(".T")] = g.tiles * g.rows_per_tile * g.cols_per_tile * cell_m2
        bits = max(ev.adc_conversions, default=0)
        drivers = g.tiles * g.rows_per_tile
        dac_bits = max(ev.dac_conversions, default=None)
        dac_steps = 0.0 if dac_bits is None else 2.0 ** tech.priced_bits(dac_bits)
        dac = drivers * dac_steps * tech.dac_area_per_step_um2
        periphery[ev.array] = {
            "adc": ev.adcs * tech.adc_area_per_step_um2 * 2.0 ** tech.enob(bits) * UM2,
            "tia": ev.sense_nodes * tech.tia_area_um2 * UM2,
            "driver_dac": (drivers * tech.driver_area_um2 + dac) * UM2,
            "digital": ev.adcs * tech.accumulator_area_um2 * UM2,
        }
    out = {"cells": sum(cells.values())}
    out |= {c: sum(p[c] for p in periphery.values()) for c in AREA_COMPONENTS[1:]}
    out["total"] = sum(out.values())
    return out
