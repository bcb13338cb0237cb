"""The runner's event ledger for one MUTAG repeat against the analytic workload ledger.

Counts that depend only on the schedule (cycles, skipped reads, vectors, conversions, shift-adds, sense
nodes, ADCs, digital work) must be equal. Two quantities differ by design: the simulated row pulses count
the bits actually set, and the simulated Σ V·I uses the actual conductances; the analytic ledger assumes
one W_I row per plane (one-hot), half the W_H rows pulsed and a mean cell conductance of 6.2 µS.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from paper_shapes import mutag_shape

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import AnalogReadEvents, EventLedger
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.energy.workload import HardwareMapping, esgnn_ledger
from crossbar_sim.esgnn.datasets import load_dataset
from crossbar_sim.esgnn.runner import WorkloadConfig, run_repeat, workload_splits
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import InputConfig
from device_models import RRAMDeviceModel

EXACT_FIELDS = ("geometry", "bit_planes", "vectors", "read_cycles", "skipped_reads", "adc_conversions",
                "shift_adds", "digital_adds", "sense_nodes", "adcs")


@pytest.fixture(scope="module")
def ledgers(datasets_dir: Path) -> tuple[EventLedger, EventLedger]:
    dataset = load_dataset("MUTAG", datasets_dir)
    workload = WorkloadConfig(baseline=False)
    hardware = HardwareConfig(array=ArrayConfig(max_rows=512, max_cols=512),
                              input=InputConfig(mode="bit_serial", bits=4),
                              mapping=MappingConfig(mode="offset"))
    assert hardware.adc.bits == 8
    result = run_repeat(dataset, workload_splits(dataset, workload, 0, datasets_dir), workload,
                        RRAMDeviceModel(), hardware, seed=0, repeat=0)
    return result.ledger, esgnn_ledger(mutag_shape(datasets_dir), HardwareMapping(mapping="offset"))


def _by_array(ledger: EventLedger) -> dict[str, AnalogReadEvents]:
    return {(ev.phase, ev.array): ev for ev in ledger.analog}


def test_schedule_counts_agree(ledgers: tuple[EventLedger, EventLedger]) -> None:
    sim, analytic = (_by_array(led) for led in ledgers)
    assert set(sim) == set(analytic) == {("input_projection", "W_I"), ("recurrence", "W_H")}
    for key, ev in analytic.items():
        for name in EXACT_FIELDS:
            assert getattr(sim[key], name) == getattr(ev, name), (key, name)
        assert sim[key].adc_clipped == 0
    w_h = sim["recurrence", "W_H"]
    assert w_h.vectors == 3371 * 4
    # X_0 = 0: the first step's 4 bit planes of every node are skipped, the three later steps converted
    assert (w_h.skipped_reads, w_h.read_cycles) == (3371 * 4, 3371 * 3 * 4)
    assert w_h.adc_conversions == {8: 3371 * 3 * 4 * 50}
    assert sim["input_projection", "W_I"].skipped_reads == 0


def test_digital_counts_agree_per_phase(ledgers: tuple[EventLedger, EventLedger]) -> None:
    sim, analytic = ledgers
    assert sim.digital == analytic.digital
    assert sim.digital["aggregation", "add"] == 50 * 7442 * 4


def test_row_pulses_follow_the_bits_actually_set(ledgers: tuple[EventLedger, EventLedger]) -> None:
    sim, analytic = (_by_array(led) for led in ledgers)
    rows = {"W_I": 8, "W_H": 50}
    fraction = {a: sim[p, a].row_pulses / (sim[p, a].read_cycles * rows[a]) for p, a in sim}
    # one-hot atom type at code 15, the bias row idle at the minimum (code 0): 1 of 8 rows in every plane
    assert fraction["W_I"] == 1 / 8
    assert sim["input_projection", "W_I"].row_pulses == analytic["input_projection", "W_I"].row_pulses
    # the converted states fill the bit planes about half (the analytic assumption)
    assert fraction["W_H"] == pytest.approx(analytic["recurrence", "W_H"].row_pulses
                                            / analytic["recurrence", "W_H"].read_cycles / 50, rel=0.05)
    for key, ev in sim.items():
        assert ev.cell_reads == ev.row_pulses * 50  # offset mapping: one column per output
        assert analytic[key].cell_reads == analytic[key].row_pulses * 50
        assert ev.driven_cells_V2 == pytest.approx(ev.cell_reads * 0.2**2, rel=1e-12)


def test_cell_power_uses_actual_conductances(ledgers: tuple[EventLedger, EventLedger]) -> None:
    sim = _by_array(ledgers[0])
    mapping = HardwareMapping(mapping="offset")
    for ev in sim.values():
        mean_g = ev.cell_vi_W / (ev.cell_reads * mapping.read_voltage_V**2)
        # the array's own cells: their mean scatters about the population's by ~CV/sqrt(cells), CV ≈ 1;
        # W_I's pulsed rows are the atom rows only (7 of its 8 rows, ~350 cells)
        cells = ev.geometry.tiles * ev.geometry.rows_per_tile * ev.geometry.cols_per_tile
        assert mean_g == pytest.approx(mapping.mean_cell_conductance_S, rel=max(0.06, 4 / cells**0.5))
