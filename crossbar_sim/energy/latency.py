"""Latency of a ledger under a simple serial schedule (seconds).

Schedule assumed:
- analogue records run one after another (a later read depends on the earlier one);
- within a record, the performed ``read_cycles`` run in sequence (skipped reads take no time); one cycle
  of a tile is the read pulse followed by ``min(cols_per_tile, columns_per_adc)`` sequential SAR
  conversions of ``bits × adc_time_per_bit_s`` each (the columns sharing one ADC are multiplexed; the
  ADCs of a tile convert in parallel); the record's tiles run in ``ceil(tiles / parallel_tiles)``
  sequential waves (tiles summed on one sense node are read together);
- digital operations (ledger ops, shift-adds, post-ADC adds) run at ``digital_throughput_ops_per_s``
  and transfers at ``transfer_bandwidth_B_per_s``, neither overlapping the analogue reads.
"""

from __future__ import annotations

import math

from crossbar_sim.analog.ledger import AnalogReadEvents, EventLedger
from crossbar_sim.energy.technology import AnalogTechnology


def record_latency_s(ev: AnalogReadEvents, tech: AnalogTechnology) -> float:
    """Analogue time of one record: cycles × cycle time × sequential tile waves."""
    g = ev.geometry
    waves = math.ceil(g.tiles / tech.parallel_tiles)
    bits = max(ev.adc_conversions, default=0)
    return ev.read_cycles * tech.read_cycle_s(g.cols_per_tile, g.columns_per_adc, bits) * waves


def ledger_latency_s(ledger: EventLedger, tech: AnalogTechnology) -> dict[str, float]:
    """Latency parts ``analog``, ``digital``, ``transfer`` and their sum ``total`` in seconds."""
    analog = sum(record_latency_s(ev, tech) for ev in ledger.analog)
    ops = sum(ledger.digital.values()) + sum(ev.shift_adds + ev.digital_adds for ev in ledger.analog)
    digital = ops / tech.digital_throughput_ops_per_s
    transfer = sum(ledger.transfers.values()) / tech.transfer_bandwidth_B_per_s
    return {"analog": analog, "digital": digital, "transfer": transfer,
            "total": analog + digital + transfer}
