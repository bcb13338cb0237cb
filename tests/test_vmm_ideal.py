"""With every non-ideality off, an AnalogMatrix multiplies exactly (to float64 rounding)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from device_models import DriftModel, ParameterError, RRAMDeviceModel

MAPPINGS = [MappingConfig(mode="differential", pair_subtraction="analog"),
            MappingConfig(mode="differential", pair_subtraction="digital"),
            MappingConfig(mode="offset")]


def _ideal(mapping: MappingConfig, max_rows: int = 512, max_cols: int = 512) -> HardwareConfig:
    base = HardwareConfig.ideal(mapping)
    return HardwareConfig(array=ArrayConfig(max_rows=max_rows, max_cols=max_cols), input=base.input,
                          adc=base.adc, read_noise=base.read_noise, mapping=base.mapping)


def _relative_error(y: np.ndarray, w: np.ndarray, x: np.ndarray) -> float:
    """max |y − W x| relative to max|W|·Σ|x| of each column (the offset mode's natural scale)."""
    scale = np.abs(w).max() * np.abs(x).sum(axis=0)
    return float(np.max(np.abs(y - w @ x) / np.where(scale > 0, scale, 1.0)))


@st.composite
def _problem(draw):
    n_out, n_in, batch = (draw(st.integers(1, 9)) for _ in range(3))
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
    w = draw(arrays(np.float64, (n_out, n_in), elements=values))
    x = draw(arrays(np.float64, (n_in, batch), elements=values))
    return w, x, draw(st.integers(1, 4)), draw(st.integers(2, 5)), draw(st.sampled_from(MAPPINGS))


@settings(max_examples=60, deadline=None)
@given(_problem())
def test_ideal_hardware_equals_matrix_product(problem) -> None:
    w, x, max_rows, max_cols, mapping = problem
    m = AnalogMatrix.from_weights(w, _ideal(mapping, max_rows, max_cols), np.random.default_rng(0))
    assert _relative_error(m.weights, w, np.eye(w.shape[1])) < 1e-12
    assert _relative_error(m.matmul(x), w, x) < 1e-12


@pytest.mark.parametrize("mode", ["differential", "offset"])
def test_ideal_random_matrix_equals_its_weights(mode: str, rng: np.random.Generator) -> None:
    hw = _ideal(MappingConfig(mode=mode), max_rows=16, max_cols=10)
    m = AnalogMatrix.random(12, 40, hw, RRAMDeviceModel(), 1e4, rng)
    x = rng.standard_normal((40, 7))
    assert m.shape == (12, 40)
    assert _relative_error(m.matmul(x), m.weights, x) < 1e-12
    np.testing.assert_allclose(m @ x[:, 0], m.matmul(x)[:, 0], rtol=1e-14)
    if mode == "offset":
        assert m.weights.min() >= 0.0
    else:  # zero-mean weights from formed pairs
        assert abs(m.weights.mean()) < 0.1 * m.weights.std()


def test_weights_are_in_siemens_times_scale(rng: np.random.Generator) -> None:
    m = AnalogMatrix.random(5, 6, _ideal(MappingConfig(mode="offset")), RRAMDeviceModel(), 1e4, rng)
    g = m.conductances[0][0]
    np.testing.assert_allclose(m.weights, 1e4 * g.T, rtol=1e-15)


def test_from_weights_uses_g_max(rng: np.random.Generator) -> None:
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    m = AnalogMatrix.from_weights(w, _ideal(MappingConfig(g_max_S=10e-6)), rng)
    g = m.conductances[0][0]  # rows = inputs, columns G+, G- interleaved per output
    assert g.shape == (2, 4)
    np.testing.assert_allclose(g.max(), 10e-6)
    np.testing.assert_allclose(g[1, 1], 10e-6)  # W[0, 1] = -2 on G- of output 0
    assert g.min() == 0.0


def test_input_shape_is_checked(rng: np.random.Generator) -> None:
    m = AnalogMatrix.from_weights(np.ones((2, 3)), HardwareConfig.ideal(), rng)
    with pytest.raises(ParameterError):
        m.matmul(np.ones((4, 2)))
    with pytest.raises(ParameterError, match=r"shape \(4,\)>': must be a 1-D array \(in,\) with in = 3"):
        m @ np.ones(4)
    with pytest.raises(ParameterError, match="non-finite"):
        m @ np.array([1.0, np.nan, 0.0])


def test_drift_applies_to_reads_not_to_weights() -> None:
    device = RRAMDeviceModel(drift=DriftModel(exponent_mean=0.05, exponent_std=0.01))
    hw = HardwareConfig(array=ArrayConfig(), input=InputConfig(mode="ideal"), adc=ADCConfig(bits=None),
                        read_noise=ReadNoiseConfig(relative_sigma=0.0), mapping=MappingConfig(mode="offset"),
                        train_time_s=100.0)
    m = AnalogMatrix.random(6, 8, hw, device, 1e4, np.random.default_rng(3))
    formed = device.form((8, 6), np.random.default_rng(3).spawn(2)[0])
    np.testing.assert_allclose(m.weights, 1e4 * formed.conductance_S.T, rtol=1e-15)
    x = np.random.default_rng(4).standard_normal((8, 3))
    drifted = 1e4 * formed.conductance_at(100.0).T
    assert _relative_error(m.matmul(x), drifted, x) < 1e-12
    assert np.all(drifted <= m.weights) and np.any(drifted < 0.9 * m.weights)
