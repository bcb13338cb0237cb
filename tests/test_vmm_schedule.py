"""What the schedule converts: skipped all-zero reads, analogue or digital row-tile sums, ADC sharing.

Each read is checked against a numpy computation of the same hardware done here: bit-serial planes of the
encoder, column currents V·u @ G, the ADC's rounding and clipping applied either per row tile (digital
accumulation) or once to the currents summed over the row tiles (analogue accumulation).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger, TileGeometry
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from crossbar_sim.periphery.encoders import encode_bit_serial
from device_models.programming import ProgrammingModel

# 3 outputs × 5 inputs, single-ended, on tiles of at most 2 rows × 4 columns: row tiles {0,1}, {2,3}, {4};
# the 3 columns fit one column tile. Non-negative, so w_min = 0 and G = W / k.
W = np.array([[1.0, 2.0, 3.0, 4.0, 0.5], [0.5, 1.5, 2.5, 3.5, 2.0], [4.0, 3.0, 2.0, 1.0, 0.0]])
# Three 2-bit vectors; the second is constant (all-zero planes: skipped).
X = np.array([[0.0, 2.0, 3.0], [1.0, 2.0, 0.0], [2.0, 2.0, 1.0], [3.0, 2.0, 2.0], [1.0, 2.0, 3.0]])
V_READ = 0.2


def _hardware(accumulation: str, bits: int | None = None, full_scale_A: float = 1e-12, skip: bool = True,
              columns_per_adc: int = 1, input_mode: str = "bit_serial",
              noise: ReadNoiseConfig | None = None) -> HardwareConfig:
    adc = ADCConfig(bits=bits, range_mode="fixed", full_scale_A=full_scale_A, tile_accumulation=accumulation,
                    skip_zero_reads=skip, columns_per_adc=columns_per_adc)
    return HardwareConfig(array=ArrayConfig(max_rows=2, max_cols=4, read_voltage_V=V_READ),
                          input=InputConfig(mode=input_mode, bits=2), adc=adc,
                          read_noise=noise or ReadNoiseConfig(relative_sigma=0.0),
                          mapping=MappingConfig(mode="offset", programming=ProgrammingModel.ideal()))


def _by_hand(m: AnalogMatrix, bits: int, full_scale_A: float, summed: bool) -> np.ndarray:
    """W @ X through 2-bit planes, an ADC of ``bits`` (codes 0..2^bits−1, half up) per row tile or once."""
    g = np.vstack([row[0] for row in m.conductances])  # (in, out): the row tiles stacked
    enc = encode_bit_serial(X, 2, V_READ, np.float64)
    lsb, top = full_scale_A / (2**bits - 1), 2**bits - 1
    starts = [row[0].row_start for row in m.tiles] + [X.shape[0]]
    y = np.zeros((3, X.shape[1]))
    for k in range(2):
        volts = V_READ * enc.levels[k]  # (in, batch)
        parts = [volts[a:b].T @ g[a:b] for a, b in zip(starts[:-1], starts[1:], strict=True)]
        for current in ([sum(parts)] if summed else parts):
            code = np.clip(np.floor(current / lsb + 0.5), 0, top)
            y += (m.weight_per_S * enc.scale / V_READ * 2**k)[None, :] * (code * lsb).T
    return y + enc.offset[None, :] * W.sum(axis=1)[:, None]


@pytest.mark.parametrize("accumulation", ["digital", "analog"])
def test_ideal_adc_reads_w_x_either_way(accumulation: str, rng: np.random.Generator) -> None:
    for mode in ("bit_serial", "ideal"):
        m = AnalogMatrix.from_weights(W, _hardware(accumulation, input_mode=mode), rng)
        expected = W @ X if mode == "ideal" else W @ encode_bit_serial(X, 2, V_READ, np.float64).decoded()
        np.testing.assert_allclose(m @ X, expected, rtol=1e-12, atol=1e-12)
        # the transpose on 2 row tiles × 2 column tiles, read from the bit lines: the column blocks sum
        y_rev = X.T @ AnalogMatrix.from_weights(W.T, _hardware(accumulation, input_mode=mode), rng)
        np.testing.assert_allclose(y_rev, expected.T, rtol=1e-12, atol=1e-12)


def test_finite_adc_quantises_each_tile_or_the_sum_once(rng: np.random.Generator) -> None:
    full_scale = 3e-5  # a coarse 3-bit ADC: the two schedules round differently
    digital = AnalogMatrix.from_weights(W, _hardware("digital", 3, full_scale), rng)
    analog = AnalogMatrix.from_weights(W, _hardware("analog", 3, full_scale), rng)
    y_digital, y_analog = digital @ X, analog @ X
    np.testing.assert_allclose(y_digital, _by_hand(digital, 3, full_scale, summed=False), rtol=1e-9)
    np.testing.assert_allclose(y_analog, _by_hand(analog, 3, full_scale, summed=True), rtol=1e-9)
    assert np.abs(y_digital - y_analog).max() > 1e-3 * np.abs(W @ X).max()


def test_analog_accumulation_ranges_the_summed_current(rng: np.random.Generator) -> None:
    hw = _hardware("analog", 8)
    tile_max = HardwareConfig(array=hw.array, input=hw.input, read_noise=hw.read_noise, mapping=hw.mapping,
                              adc=ADCConfig(bits=8, range_mode="tile_max", tile_accumulation="analog"))
    m = AnalogMatrix.from_weights(W, tile_max, rng)
    g = np.vstack([row[0] for row in m.conductances])
    np.testing.assert_allclose(m.adc_full_scale_A, [V_READ * g.sum(axis=0).max()], rtol=1e-12)
    per_tile = AnalogMatrix.from_weights(W, HardwareConfig(
        array=hw.array, input=hw.input, read_noise=hw.read_noise, mapping=hw.mapping,
        adc=ADCConfig(bits=8, range_mode="tile_max")), rng)
    np.testing.assert_allclose(per_tile.adc_full_scale_A,
                               [V_READ * row[0].sum(axis=0).max() for row in per_tile.conductances])


@pytest.mark.parametrize(("accumulation", "blocks", "stacked"), [("digital", 3, 1), ("analog", 1, 3)])
def test_ledger_of_each_schedule(accumulation: str, blocks: int, stacked: int,
                                 rng: np.random.Generator) -> None:
    ledger = EventLedger()
    m = AnalogMatrix.from_weights(W, _hardware(accumulation, 8, 1e-5), rng, ledger=ledger)
    m.matmul(X)
    (ev,) = ledger.analog
    assert ev.geometry == TileGeometry(3, 2, 3, stacked_tiles=stacked)
    # vectors 1 and 3 set both bits somewhere, vector 2 is constant: 2 planes skipped
    assert (ev.read_cycles, ev.skipped_reads) == (4, 2)
    assert ev.adc_conversions == Counter({8: 4 * blocks * 3})
    assert ev.shift_adds == 2 * 1 * blocks * 3
    assert ev.digital_adds == 3 * 3 * (blocks - 1) + 3 * 3  # partial sums + x_min offsets
    assert (ev.sense_nodes, ev.adcs) == (blocks * 3, blocks * 3)
    # row pulses: the set bits of the pulsed rows, one tile each; each row crosses 3 cells
    enc = encode_bit_serial(X, 2, V_READ, np.float64)
    set_bits = int(enc.levels.sum())
    assert ev.row_pulses == set_bits and ev.cell_reads == 3 * set_bits
    assert ev.driven_cells_V2 == pytest.approx(3 * set_bits * V_READ**2, rel=1e-12)


def test_skipping_changes_counts_only(rng: np.random.Generator) -> None:
    noise = ReadNoiseConfig(relative_sigma=0.02)
    outputs, records = [], []
    for skip in (True, False):
        ledger = EventLedger()
        m = AnalogMatrix.from_weights(W, _hardware("digital", 8, 1e-5, skip=skip, noise=noise),
                                      np.random.default_rng(7), ledger=ledger)
        outputs.append(m @ X)
        records.append(ledger.analog[0])
    np.testing.assert_array_equal(outputs[0], outputs[1])
    on, off = records
    assert (on.skipped_reads, off.skipped_reads) == (2, 0)
    assert (on.read_cycles, off.read_cycles) == (4, 6)
    assert sum(on.adc_conversions.values()) * 6 == sum(off.adc_conversions.values()) * 4
    assert (on.row_pulses, on.cell_vi_W) == (off.row_pulses, off.cell_vi_W)  # the zero planes pulse no row
    ledger = EventLedger()
    AnalogMatrix.from_weights(W, _hardware("digital"), rng, ledger=ledger) @ np.zeros((5, 2))
    assert (ledger.analog[0].read_cycles, ledger.analog[0].adc_conversions) == (0, Counter({0: 0}))


def test_dac_pass_of_a_zero_vector_is_skipped(rng: np.random.Generator) -> None:
    ledger = EventLedger()
    hw = _hardware("digital", input_mode="dac")
    m = AnalogMatrix.from_weights(W, HardwareConfig(array=hw.array, input=InputConfig("dac", 4), adc=hw.adc,
                                                    read_noise=hw.read_noise, mapping=hw.mapping),
                                  rng, ledger=ledger)
    m.matmul(np.column_stack([X[:, 0], np.zeros(5)]))
    (ev,) = ledger.analog
    assert (ev.read_cycles, ev.skipped_reads) == (1, 1)
    assert ev.dac_conversions == Counter({4: 5})  # one pass of 5 driven rows (one column tile)


@pytest.mark.parametrize(("columns_per_adc", "adcs"), [(1, 9), (2, 6), (4, 3)])
def test_adc_sharing_keeps_conversions_and_divides_adcs(columns_per_adc: int, adcs: int,
                                                        rng: np.random.Generator) -> None:
    ledger = EventLedger()
    m = AnalogMatrix.from_weights(W, _hardware("digital", 8, 1e-5, columns_per_adc=columns_per_adc),
                                  rng, ledger=ledger)
    shared = m @ X
    alone = AnalogMatrix.from_weights(W, _hardware("digital", 8, 1e-5), rng) @ X
    np.testing.assert_array_equal(shared, alone)
    (ev,) = ledger.analog
    assert ev.geometry.columns_per_adc == columns_per_adc
    assert ev.adc_conversions == Counter({8: 4 * 3 * 3})
    assert ev.adcs == adcs  # 3 tiles × ceil(3 columns / k)


def test_per_cell_reference_reads_the_summed_tiles(rng: np.random.Generator) -> None:
    noise = ReadNoiseConfig(relative_sigma=1e-9, mode="per_cell")
    m = AnalogMatrix.from_weights(W, _hardware("analog", input_mode="ideal", noise=noise), rng)
    np.testing.assert_allclose(m @ X, W @ X, rtol=1e-6)
