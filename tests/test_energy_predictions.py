"""Predictions with the default (uncalibrated) technology, each against a hand computation done here.

Every row counts the events of the paper's workload by hand from its shape (reads, skipped reads,
conversions, row pulses, digital operations; GPU operations) and prices them with the constants of the
``cited-40nm`` preset, independently of the ledger and pricing code; the paper's totals are printed next
to the prediction, never asserted. ``pytest tests/test_energy_predictions.py -s`` prints the rows and the
Markdown table of the README.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import pytest
from paper_shapes import collab_shape, cora_shape, mutag_shape

from crossbar_sim.energy import (
    EnergyReport,
    EsgnnShape,
    HardwareMapping,
    build_report,
    esgnn_ledger,
    load_technology,
)

TECH = load_technology("cited-40nm")
#: (analogue, GPU) totals in joules, Wang et al. 2023 (Figs. 2g, 3g and the CORA text)
PAPER_TOTALS_J = {"MUTAG": (34.44e-6, 74.32e-6), "COLLAB": (234.59e-6, 8.31e-3),
                  "CORA": (599.47e-6, 24.20e-3)}
TILE, BITS, ADC_BITS, V_READ, G_MEAN = 512, 4, 8, 0.2, 6.2e-6


def _matrix_J(rows: int, outputs: int, vectors: int, zero_vectors: int, pulsed_rows: float,
              differential: bool, analog_sum: bool) -> float:
    """Energy of the bit-serial reads of one matrix (pairs subtracted in the analogue domain), by hand."""
    a = TECH.analog
    c_cell = a.wire_capacitance_F_per_m * a.feature_size_m * math.sqrt(a.cell_area_F2)
    cols = outputs * (2 if differential else 1)
    row_tiles, col_tiles = -(-rows // TILE), -(-cols // TILE)
    blocks = 1 if analog_sum else row_tiles  # sets of sense nodes, one node per output each
    performed = vectors - zero_vectors
    cycles = performed * BITS
    conversions = cycles * blocks * outputs
    node_cells = min(rows, TILE) * (row_tiles if analog_sum else 1)
    adc = a.adc_walden_fom_J_per_step * 2 ** (ADC_BITS - a.adc_enob_loss_bits)
    tia = (node_cells * c_cell + a.adc_input_capacitance_F) * a.supply_voltage_V**2
    pulses = round(cycles * pulsed_rows)  # logical row pulses; each crosses every column tile
    cell_reads = pulses * cols
    cell = cell_reads * V_READ**2 * G_MEAN * a.read_pulse_width_s
    driver = (pulses * col_tiles * a.driver_input_capacitance_F * a.supply_voltage_V**2
              + cell_reads * V_READ**2 * c_cell)
    shift_adds = performed * (BITS - 1) * blocks * outputs
    post_adds = vectors * outputs * blocks  # partial sums across blocks + the x_min offset
    return (cell + driver + conversions * (adc + tia) + shift_adds * a.digital_shift_add_J
            + post_adds * a.digital_add_J)


def _by_hand(shape: EsgnnShape, zero_inputs: int, input_rows_pulsed: float, differential: bool,
             analog_sum: bool) -> tuple[float, float]:
    """(analogue, GPU) totals of ``shape`` by hand: the reservoir reads and digital work, the GPU ops."""
    a, g = TECH.analog, TECH.gpu
    h, n, t, f1, e = shape.units, shape.nodes, shape.steps, shape.features + 1, shape.adjacency_entries
    reads = (_matrix_J(f1, h, n, zero_inputs, input_rows_pulsed, differential, analog_sum)
             + _matrix_J(h, h, n * t, n, h / 2, differential, analog_sum))  # X_0 = 0: n reads skipped
    digital = (2 * (f1 * n + h * n * t) * a.digital_compare_J + (f1 * n + 2 * h * n * t) * a.digital_mul_J
               + (h * n + h * n * t) * a.digital_mac_J
               + h * n * t * (a.digital_add_J + a.digital_activation_J))
    aggregation_ops = h * e * (2 if shape.node_task else 1)  # per step and non-zero: an add (0/1 A) or a mac
    digital += (h * e * t * a.digital_mac_J) if shape.node_task else (h * e * t * a.digital_add_J)
    items = n if shape.node_task else shape.graphs
    pooling = 0 if shape.node_task else h * (n - shape.graphs) * g.energy_per_op_J
    host = (pooling + 2 * h * shape.outputs * items * g.energy_per_op_J
            + 4 * h * items * g.transfer_energy_per_byte_J)
    gpu_ops = 2 * h * f1 * n + t * (2 * h * h * n + aggregation_ops + 5 * h * n)
    return reads + digital + host, gpu_ops * g.energy_per_op_J + host


def _row(name: str, report: EnergyReport, dense_gpu_J: float, key: str) -> str:
    paper_a, paper_g = PAPER_TOTALS_J[key]
    return (f"| {name} | {_uj(report.analog_total_J)} | {_uj(report.gpu_total_J)} ({report.efficiency:.2f}×) "
            f"| {_uj(dense_gpu_J)} ({dense_gpu_J / report.analog_total_J:.2f}×) "
            f"| {report.latency_s['analog'] * 1e3:.2f} ms | {report.area_m2['total'] * 1e6:.2f} mm² "
            f"| {_uj(paper_a)} / {_uj(paper_g)} ({paper_g / paper_a:.2f}×) |")


def _uj(joules: float) -> str:
    return f"{joules * 1e3:.2f} mJ" if joules >= 1e-3 else f"{joules * 1e6:.2f} µJ"


CASES = {
    "mutag": ("MUTAG, 188 graphs", "MUTAG", mutag_shape, HardwareMapping(), 0, False),
    "collab": ("COLLAB, the paper's 200 graphs", "COLLAB", collab_shape, HardwareMapping(), None, False),
    "cora": ("CORA, 1000 units, pairs, row tiles added digitally", "CORA", cora_shape,
             HardwareMapping(mapping="differential"), 0, False),
    "cora_analog": ("CORA, the same, row tiles summed on shared bit lines", "CORA", cora_shape,
                    HardwareMapping(mapping="differential", tile_accumulation="analog"), 0, True),
}


@functools.cache
def _predict(case: str, datasets_dir: Path) -> tuple[EnergyReport, float, tuple[float, float]]:
    """The report (sparse GPU aggregation), the dense GPU total and the hand count of ``case``."""
    _, _, make, hw, zero_inputs, analog_sum = CASES[case]
    shape = make(datasets_dir)
    zeros = shape.nodes if zero_inputs is None else zero_inputs
    pulsed = (shape.features + 1) / 2 if shape.input_active_rows is None else shape.input_active_rows
    hand = _by_hand(shape, zeros, pulsed, hw.mapping == "differential", analog_sum)
    ledger = esgnn_ledger(shape, hw)
    dense = build_report(ledger, shape, TECH, gpu_aggregation="dense").gpu_total_J
    return build_report(ledger, shape, TECH), dense, hand


@pytest.mark.parametrize("case", list(CASES))
def test_prediction_row_against_the_hand_count(case: str, datasets_dir: Path, capsys) -> None:
    report, dense, (analog, gpu) = _predict(case, datasets_dir)
    assert report.calibration == ""
    assert report.gpu.aggregation == "sparse"
    assert report.analog_total_J == pytest.approx(analog, rel=1e-9)
    assert report.gpu_total_J == pytest.approx(gpu, rel=1e-12)
    with capsys.disabled():
        print("\n" + _row(CASES[case][0], report, dense, CASES[case][1]))


def test_the_readme_table(datasets_dir: Path, capsys) -> None:
    lines = ["| workload (cited-40nm, 512×512 tiles, 4-bit inputs, 8-bit ADC) | analogue | GPU, sparse "
             "aggregation (ratio) | GPU, dense aggregation (ratio) | analogue latency | area "
             "| paper analogue / GPU (ratio) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [_row(CASES[c][0], *_predict(c, datasets_dir)[:2], CASES[c][1]) for c in CASES]
    assert len(lines) == 2 + len(CASES)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
