"""Input encoders, the ADC, its ranges, and the fused sensing kernel against its numpy twin."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.adc import adc_code_range, worst_case_current_A
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from crossbar_sim.periphery.encoders import encode_bit_serial, encode_dac, encode_ideal
from crossbar_sim.periphery.sensing import sense_accumulate, sense_accumulate_numpy
from device_models import ParameterError

_batches = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)),
                  elements=st.floats(-100, 100, allow_nan=False, allow_subnormal=False))


@settings(max_examples=50, deadline=None)
@given(_batches, st.integers(1, 8))
def test_bit_serial_reconstructs_within_half_a_step(x: np.ndarray, bits: int) -> None:
    enc = encode_bit_serial(x, bits, 0.2, np.float32)
    assert enc.levels.shape == (bits, *x.shape) and enc.binary and enc.volts_per_level == 0.2
    assert set(np.unique(enc.levels)) <= {0.0, 1.0}
    np.testing.assert_allclose(enc.offset, x.min(axis=0))
    step = (x.max(axis=0) - x.min(axis=0)) / (2**bits - 1)
    assert np.all(np.abs(enc.decoded() - x) <= step / 2 * (1 + 1e-9) + 1e-12)


def test_bit_serial_planes_by_hand() -> None:
    enc = encode_bit_serial(np.array([[1.0], [2.0], [4.0]]), 2, 0.2, np.float64)  # Δ = 1, q = 0, 1, 3
    np.testing.assert_array_equal(enc.levels[:, :, 0], [[0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(enc.plane_weights, [1, 2])
    assert enc.scale[0] == 1.0 and enc.offset[0] == 1.0


@settings(max_examples=50, deadline=None)
@given(_batches, st.integers(2, 10))
def test_dac_levels_are_symmetric(x: np.ndarray, bits: int) -> None:
    enc = encode_dac(x, bits, 0.2, np.float32)
    top = 2 ** (bits - 1) - 1
    assert enc.planes == 1 and enc.dac_bits == bits
    assert np.all(np.abs(enc.levels) <= top) and np.all(enc.levels == np.rint(enc.levels))
    assert enc.volts_per_level == pytest.approx(0.2 / top)
    span = np.abs(x).max(axis=0)
    assert np.all(np.abs(enc.decoded() - x) <= span / top / 2 * (1 + 1e-6) + 1e-12)
    np.testing.assert_array_equal(encode_dac(-x, bits, 0.2, np.float32).levels, -enc.levels)


def test_ideal_encoding_is_exact(rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 3))
    enc = encode_ideal(x, 0.2, np.float64)
    np.testing.assert_allclose(enc.decoded(), x, rtol=1e-15)
    assert np.abs(enc.levels).max() == 1.0 and enc.dac_bits == 0


@pytest.mark.parametrize("sense", [sense_accumulate, sense_accumulate_numpy], ids=["kernel", "numpy"])
def test_adc_quantisation_by_hand(sense) -> None:
    assert adc_code_range(3, bipolar=True) == (-3, 3)
    assert adc_code_range(3, bipolar=False) == (0, 7)
    current = np.array([[0.0, 1.49, 1.5, 3.4, 3.6, -3.6, -0.2]])
    out = np.zeros_like(current)
    clipped = sense(current, current, current, False, True, np.array([1.0]), -3, 3, 1.0,
                    np.ones(current.shape[1]), out)
    np.testing.assert_array_equal(out, [[0, 1, 2, 3, 3, -3, 0]])  # codes round half up
    assert clipped == 2  # 3.6 and -3.6 round outside ±3


@pytest.mark.parametrize(("noisy", "quantise", "n_vec"),
                         [(True, True, 53), (True, False, 52), (False, True, 53)])
def test_fused_kernel_equals_numpy_twin(noisy: bool, quantise: bool, n_vec: int,
                                        rng: np.random.Generator) -> None:
    shape = (37, n_vec)
    mean = rng.standard_normal(shape, dtype=np.float32)
    var = rng.random(shape, dtype=np.float32) * np.float32(0.1)
    z = rng.standard_normal(shape, dtype=np.float32)
    lsb, scale = rng.uniform(0.01, 0.05, shape[0]), rng.uniform(0.5, 2, shape[1])
    outs = [np.full(shape, 0.25), np.full(shape, 0.25)]
    counts = [f(mean, var, z, noisy, quantise, lsb, -31, 31, 2.0, scale, out)
              for f, out in zip((sense_accumulate, sense_accumulate_numpy), outs, strict=True)]
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12, atol=1e-12)
    assert counts[0] == counts[1] and (counts[0] > 0) == quantise


def test_worst_case_current() -> None:
    g = np.array([[1.0, -2.0], [3.0, 1.0]]) * 1e-6  # (rows, channels)
    assert worst_case_current_A(g, 0.2, signed_inputs=True) == pytest.approx(0.2 * 4e-6)
    assert worst_case_current_A(g, 0.2, signed_inputs=False) == pytest.approx(0.2 * 4e-6)
    assert worst_case_current_A(g[:, 1:], 0.2, signed_inputs=False) == pytest.approx(0.2 * 2e-6)


def _hw(adc: ADCConfig, input_config: InputConfig, mapping: MappingConfig | None = None) -> HardwareConfig:
    return HardwareConfig(array=ArrayConfig(max_rows=8, max_cols=8), input=input_config, adc=adc,
                          read_noise=ReadNoiseConfig(relative_sigma=0.0),
                          mapping=HardwareConfig.ideal(mapping).mapping)  # ideal programming


@pytest.mark.parametrize("mapping", [MappingConfig(), MappingConfig(pair_subtraction="digital"),
                                     MappingConfig(mode="offset")], ids=["analog", "digital", "offset"])
def test_quantised_read_equals_slow_twin(mapping: MappingConfig, rng: np.random.Generator) -> None:
    """Noise-free bit-serial read with a 5-bit ADC against a loop over planes and columns."""
    w, x = rng.standard_normal((3, 5)), rng.standard_normal((5, 4))
    m = AnalogMatrix.from_weights(w, _hw(ADCConfig(bits=5), InputConfig("bit_serial", 3), mapping), rng)
    (tile,) = m.tiles[0]
    g, k, fs = tile.conductance_S, m.weight_per_S, m.adc_full_scale_A[0]
    columns = [g] if mapping.mode == "offset" else [g[:, 0::2], g[:, 1::2]]
    bipolar = mapping.mode == "differential" and mapping.pair_subtraction == "analog"
    lo, hi = adc_code_range(5, bipolar)
    expected = np.zeros((3, 4))
    for n in range(4):
        x_min = x[:, n].min()
        delta = (x[:, n].max() - x_min) / 7
        q = np.rint((x[:, n] - x_min) / delta).astype(int)
        for bit in range(3):
            volts = 0.2 * ((q >> bit) & 1)
            currents = [volts @ c for c in columns]
            if bipolar:
                currents = [currents[0] - currents[1]]
            codes = [np.clip(np.floor(i / (fs / hi) + 0.5), lo, hi) for i in currents]
            signed = codes[0] - codes[1] if len(codes) == 2 else codes[0]
            expected[:, n] += k * delta * 2**bit * signed * (fs / hi) / 0.2
        expected[:, n] += x_min * m.weights.sum(axis=1) if mapping.mode == "differential" else 0.0
    if mapping.mode == "offset":
        expected += x.min(axis=0) * (m.weights - m.weights.min()).sum(axis=1)[:, None]
        expected += w.min() * x.sum(axis=0)
    np.testing.assert_allclose(m.matmul(x), expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_adc_ranges(rng: np.random.Generator) -> None:
    w, x = rng.standard_normal((4, 6)), rng.standard_normal((6, 50))
    dac = InputConfig("dac", 6)
    tile_max = AnalogMatrix.from_weights(w, _hw(ADCConfig(bits=6), dac), rng, ledger=None)
    assert tile_max.adc_full_scale_A[0] == pytest.approx(0.2 * np.abs(tile_max.conductances[0][0]).sum(axis=0)
                                                         .reshape(4, 2).sum(axis=1).max(), rel=1e-12)
    fixed_adc = ADCConfig(bits=6, range_mode="fixed", full_scale_A=1e-6)
    fixed = AnalogMatrix.from_weights(w, _hw(fixed_adc, dac), rng)
    np.testing.assert_allclose(fixed.adc_full_scale_A, [1e-6])
    calibrated_adc = ADCConfig(bits=6, range_mode="calibrated", percentile=50)
    calibrated = AnalogMatrix.from_weights(w, _hw(calibrated_adc, dac), rng)
    with pytest.raises(RuntimeError):
        calibrated.matmul(x)
    fs = calibrated.calibrate(x)
    assert 0 < fs[0] < tile_max.adc_full_scale_A[0]
    for m, clipping in ((tile_max, False), (calibrated, True)):
        ledger = EventLedger()
        m.ledger = ledger
        m.matmul(x)
        assert (ledger.analog[0].adc_clipped > 0) == clipping
    # about half the |currents| lie above the median: about half the conversions clip
    assert 0.3 < ledger.analog[0].adc_clipped / (4 * 50) < 0.7


def test_config_validation() -> None:
    with pytest.raises(ParameterError, match="ADCConfig.bits"):
        ADCConfig(bits=1)
    with pytest.raises(ParameterError, match="InputConfig.mode"):
        InputConfig(mode="pwm")
    with pytest.raises(ParameterError, match="InputConfig.bits"):
        InputConfig(mode="dac", bits=1)
    with pytest.raises(ParameterError, match="percentile"):
        ADCConfig(percentile=120.0)
    with pytest.raises(ParameterError, match="ArrayConfig.ir_drop"):
        ArrayConfig(ir_drop=1)
    with pytest.raises(ParameterError, match="ReadNoiseConfig.relative_sigma"):
        ReadNoiseConfig(relative_sigma=-0.1)
    with pytest.raises(ParameterError, match="HardwareConfig.adc"):
        HardwareConfig(adc=InputConfig())


def test_calibration_without_current_keeps_the_worst_case_range(rng: np.random.Generator) -> None:
    """All-zero calibration inputs leave no current: the range falls back to the worst case, not 1e-18 A."""
    w = rng.standard_normal((4, 6))
    calibrated = AnalogMatrix.from_weights(w, _hw(ADCConfig(bits=8, range_mode="calibrated"),
                                                  InputConfig("bit_serial", 4)), rng)
    worst = AnalogMatrix.from_weights(w, _hw(ADCConfig(bits=8, range_mode="tile_max"),
                                             InputConfig("bit_serial", 4)), rng)
    np.testing.assert_allclose(calibrated.calibrate(np.zeros((6, 10))), worst.adc_full_scale_A, rtol=1e-12)
