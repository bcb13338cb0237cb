"""Event counts of a read, checked on a tiny case computed by hand."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger, TileGeometry
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from device_models.programming import ProgrammingModel

# 3 outputs × 4 inputs on tiles of at most 2 rows × 4 columns (2 pairs): row blocks {0,1}, {2,3};
# column blocks outputs {0,1} (4 columns), {2} (2 columns): 4 tiles, 6 physical columns per row block.
W = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 1.5, 2.5, 3.5], [4.0, 3.0, 2.0, 1.0]])
# Two 2-bit vectors: q = x (x_min = 0, Δ = 1). a: planes [0,1,0,1], [0,0,1,1]; b: [1,1,1,0], [1,1,1,0].
X = np.array([[0.0, 3.0], [1.0, 3.0], [2.0, 3.0], [3.0, 0.0]])


def _hardware(pair_subtraction: str = "analog", input_config: InputConfig | None = None) -> HardwareConfig:
    return HardwareConfig(array=ArrayConfig(max_rows=2, max_cols=4),
                          input=input_config or InputConfig(mode="bit_serial", bits=2),
                          adc=ADCConfig(bits=8, range_mode="fixed", full_scale_A=1e-12),
                          read_noise=ReadNoiseConfig(relative_sigma=0.0),
                          mapping=MappingConfig(pair_subtraction=pair_subtraction,
                                                programming=ProgrammingModel.ideal()))


def _cell_vi_by_hand(m: AnalogMatrix, read_voltage_V: float) -> float:
    total = 0.0
    for row in m.tiles:
        for tile in row:
            for n in range(X.shape[1]):
                q = X[:, n].astype(int)
                for k in range(2):
                    for i in range(tile.row_start, tile.row_stop):
                        v = read_voltage_V * ((q[i] >> k) & 1)
                        for j in range(tile.shape[1]):
                            total += v * v * tile.conductance_S[i - tile.row_start, j]
    return total


@pytest.mark.parametrize(("subtraction", "channels", "extra_adds"), [("analog", 6, 0), ("digital", 12, 12)])
def test_bit_serial_counts(subtraction: str, channels: int, extra_adds: int,
                           rng: np.random.Generator) -> None:
    ledger = EventLedger()
    m = AnalogMatrix.from_weights(W, _hardware(subtraction), rng, name="W_H", ledger=ledger)
    with ledger.phase("recurrence"):
        m.matmul(X)
    (ev,) = ledger.analog
    assert (ev.array, ev.phase, ev.bit_planes) == ("W_H", "recurrence", 2)
    assert ev.geometry == TileGeometry(tiles=4, rows_per_tile=2, cols_per_tile=4)
    assert (ev.vectors, ev.read_cycles) == (2, 4)
    assert ev.row_pulses == 20  # 5 active row pulses per row block, 2 column tiles each
    assert ev.cell_reads == 60  # 5 active row pulses per row block × 6 columns
    assert ev.driven_cells_V2 == pytest.approx(60 * 0.2**2, rel=1e-12)  # each at V_read
    assert ev.skipped_reads == 0  # every plane of both vectors sets a bit
    assert (ev.sense_nodes, ev.adcs) == (channels, channels)  # one ADC per sense node (columns_per_adc 1)
    assert ev.dac_conversions == Counter()
    assert ev.adc_conversions == Counter({8: 2 * 2 * channels})
    # 1 pA full scale: every conversion of a G+ current (3 channels per row block) clips when a row of
    # the block is driven: 3 pulses (row block 0) + 4 pulses (row block 1); the G- columns carry 0 A.
    assert ev.adc_clipped == 7 * 3
    assert ev.shift_adds == 2 * 1 * channels
    assert ev.digital_adds == 6 + 6 + extra_adds  # partial sums + x_min offsets (+ pair subtractions)
    assert ev.cell_vi_W == pytest.approx(_cell_vi_by_hand(m, 0.2), rel=1e-12)


def test_dac_and_offset_counts(rng: np.random.Generator) -> None:
    ledger = EventLedger()
    hw = _hardware(input_config=InputConfig(mode="dac", bits=4))
    hw = HardwareConfig(array=hw.array, input=hw.input, adc=ADCConfig(bits=None), read_noise=hw.read_noise,
                        mapping=MappingConfig(mode="offset", programming=ProgrammingModel.ideal()))
    w = W - 2.0  # signed: w_min = -1.5 is added digitally
    m = AnalogMatrix.from_weights(w, hw, rng, ledger=ledger)
    m.matmul(X)
    (ev,) = ledger.analog
    assert ev.geometry == TileGeometry(tiles=2, rows_per_tile=2, cols_per_tile=3)  # 3 columns fit in 4
    assert ev.bit_planes == 1
    assert ev.dac_conversions == Counter({4: 2 * 4})  # 2 vectors × 2 rows × 2 tiles
    assert ev.adc_conversions == Counter({0: 2 * 6})
    assert (ev.shift_adds, ev.adc_clipped) == (0, 0)
    assert ev.digital_adds == 2 * 3 + 2 * (3 + 3)  # partial sums + (Σx and w_min·Σx per output)
    assert ev.row_pulses == np.count_nonzero(X) == 6  # each row block feeds 1 tile


def test_cell_power_uses_the_ir_drop_attenuation(rng: np.random.Generator) -> None:
    hw = _hardware()
    wires = WireParasitics(100.0, 100.0)
    with_drop = HardwareConfig(array=ArrayConfig(max_rows=4, max_cols=6, wires=wires, ir_drop=True),
                               input=hw.input, adc=hw.adc, read_noise=hw.read_noise, mapping=hw.mapping)
    ledger = EventLedger()
    m = AnalogMatrix.from_weights(W, with_drop, rng, ledger=ledger)
    m.matmul(X)
    (solution,) = m.ir_drop_solutions
    g, f = solution.conductance_S, solution.cell_voltage_fraction
    expected = unattenuated = 0.0
    for n in range(2):
        q = X[:, n].astype(int)
        for k in range(2):
            volts = 0.2 * ((q >> k) & 1)
            expected += float(np.sum(volts[:, None] ** 2 * g * f**2))
            unattenuated += float(np.sum(volts[:, None] ** 2 * g))
    assert ledger.analog[0].cell_vi_W == pytest.approx(expected, rel=1e-12)
    assert expected < 0.999 * unattenuated
