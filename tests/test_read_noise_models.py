"""Conductance-dependent read noise: a tabulated σ(G) and random telegraph noise (RTN), each against its
closed-form moments, and the output-space fast read against the per-cell reference with RTN on."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ReadNoiseConfig
from crossbar_sim.study.config import ConfigError, load_dataclass
from device_models import ParameterError, ReadNoiseModel
from device_models.sigma import check_sigma_table, sigma_S, table_sigma_S

TABLE_S = ((1e-6, 0.1e-6), (10e-6, 0.4e-6), (20e-6, 0.6e-6))
N = 40000


def _sample_many(model: ReadNoiseModel, g: np.ndarray, rng: np.random.Generator, n: int = N) -> np.ndarray:
    return model.sample(np.broadcast_to(g, (n, g.size)), rng)


# ----------------------------------------------------------------------------- σ(G) table
def test_table_interpolates_linearly_and_holds_the_ends() -> None:
    g = np.array([0.0, 1e-6, 5.5e-6, 10e-6, 15e-6, 20e-6, 40e-6])
    expected = np.array([0.1, 0.1, 0.25, 0.4, 0.5, 0.6, 0.6]) * 1e-6
    np.testing.assert_allclose(table_sigma_S(g, TABLE_S), expected, rtol=1e-12)
    np.testing.assert_array_equal(table_sigma_S(g, ()), np.zeros_like(g))
    np.testing.assert_allclose(table_sigma_S(g, ((3e-6, 0.2e-6),)), 0.2e-6)  # one point: a constant
    np.testing.assert_allclose(sigma_S(g, 0.02, 0.3e-6, TABLE_S),
                               np.sqrt((0.02 * g) ** 2 + 0.3e-6**2 + expected**2), rtol=1e-12)


@pytest.mark.parametrize(("table", "message"), [
    (((2e-6, 0.1e-6), (1e-6, 0.1e-6)), "strictly increasing"),
    (((1e-6, 0.1e-6), (1e-6, 0.2e-6)), "strictly increasing"),
    (((1e-6, -0.1e-6),), ">= 0"),
    (((np.nan, 0.1e-6),), "finite"),
    (((1e-6, 0.1e-6, 3.0),), "pairs"),
    ((1e-6, 2e-6), "pairs"),
])
def test_bad_tables_are_refused_with_the_rule(table: object, message: str) -> None:
    with pytest.raises(ParameterError, match=f"sigma_table_S = .*{message}"):
        check_sigma_table("ReadNoiseModel.sigma_table_S", table)
    with pytest.raises(ParameterError, match="ReadNoiseConfig.sigma_table_S"):
        ReadNoiseConfig(sigma_table_S=table)


def test_table_noise_moments(rng: np.random.Generator) -> None:
    model = ReadNoiseModel(relative_sigma=0.0, sigma_table_S=TABLE_S)
    g = np.array([0.5e-6, 5.5e-6, 20e-6])
    reads = _sample_many(model, g, rng)
    sigma = np.array([0.1, 0.25, 0.6]) * 1e-6
    np.testing.assert_allclose(model.std_S(g), sigma, rtol=1e-12)
    assert np.all(np.abs(reads.mean(axis=0) - g) < 5 * sigma / np.sqrt(N))
    np.testing.assert_allclose(reads.std(axis=0), sigma, rtol=0.03)
    assert stats.kstest(((reads - g) / sigma)[:, 1], "norm").pvalue > 1e-3


# ----------------------------------------------------------------------------- random telegraph noise
@pytest.mark.parametrize(("relative", "absolute_S", "p"),
                         [(0.1, 0.0, 0.3), (0.0, 0.5e-6, 0.5), (0.05, 0.2e-6, 0.9)])
def test_telegraph_noise_is_two_valued_with_its_moments(relative: float, absolute_S: float, p: float,
                                                        rng: np.random.Generator) -> None:
    model = ReadNoiseModel(relative_sigma=0.0, telegraph_relative_amplitude=relative,
                           telegraph_amplitude_S=absolute_S, telegraph_occupancy=p)
    g = np.array([2e-6, 12e-6])
    spacing = relative * g + absolute_S
    reads = _sample_many(model, g, rng)
    low, high = g - p * spacing, g + (1 - p) * spacing
    is_high = np.isclose(reads, high, rtol=0, atol=1e-18)
    assert np.all(is_high | np.isclose(reads, low, rtol=0, atol=1e-18))  # the two levels only
    occupancy_tol = 5 * np.sqrt(p * (1 - p) / N)
    assert np.all(np.abs(is_high.mean(axis=0) - p) < occupancy_tol)
    var = p * (1 - p) * spacing**2
    np.testing.assert_allclose(model.std_S(g), np.sqrt(var), rtol=1e-12)
    np.testing.assert_array_equal(model.mean_S(g), g)  # the levels straddle G: no mean shift
    assert np.all(np.abs(reads.mean(axis=0) - g) < 5 * np.sqrt(var / N))
    np.testing.assert_allclose(reads.var(axis=0), var, rtol=0.05)
    third = np.mean((reads - g) ** 3, axis=0) / spacing**3  # skewed unless p = 1/2: not Gaussian
    np.testing.assert_allclose(third, p * (1 - p) * (1 - 2 * p), atol=0.015)


def test_every_term_adds_in_variance(rng: np.random.Generator) -> None:
    model = ReadNoiseModel(relative_sigma=0.02, additive_sigma_S=0.2e-6, sigma_table_S=TABLE_S,
                           telegraph_relative_amplitude=0.08, telegraph_occupancy=0.2)
    g = np.array([1e-6, 10e-6, 20e-6])
    table = np.array([0.1, 0.4, 0.6]) * 1e-6
    var = (0.02 * g) ** 2 + 0.2e-6**2 + table**2 + 0.2 * 0.8 * (0.08 * g) ** 2
    np.testing.assert_allclose(model.std_S(g) ** 2, var, rtol=1e-12)
    reads = _sample_many(model, g, rng)
    np.testing.assert_allclose(reads.var(axis=0), var, rtol=0.04)
    assert np.all(np.abs(reads.mean(axis=0) - g) < 5 * np.sqrt(var / N))


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 1000), st.floats(0.0, 0.5), st.floats(0.0, 1e-6), st.floats(1e-7, 5e-5))
def test_telegraph_variance_is_symmetric_in_the_occupancy(permille: int, relative: float, absolute_S: float,
                                                          g_S: float) -> None:
    """p(1 − p)ΔG²: the same for p and 1 − p, zero at p = 0 or 1, largest at p = 1/2."""
    def std(q: float) -> float:
        return float(ReadNoiseModel(0.0, 0.0, (), relative, absolute_S, q).std_S(np.array([g_S]))[0])

    p, spacing = permille / 1000, relative * g_S + absolute_S
    assert std(p) == pytest.approx(std((1000 - permille) / 1000), rel=1e-9, abs=1e-30)
    assert std(p) == pytest.approx(np.sqrt(p * (1 - p)) * spacing, rel=1e-12, abs=1e-30)
    assert std(p) <= std(0.5) * (1 + 1e-12)
    assert std(0.0) == 0.0 and std(1.0) == 0.0


def test_enabled_only_when_some_term_has_variance() -> None:
    assert not ReadNoiseModel(relative_sigma=0.0).enabled
    assert not ReadNoiseModel(relative_sigma=0.0, sigma_table_S=((1e-6, 0.0),)).enabled
    assert ReadNoiseModel(relative_sigma=0.0, sigma_table_S=((1e-6, 1e-9),)).enabled
    for p in (0.0, 1.0):  # the trap never (or always) changes state: no telegraph noise
        assert not ReadNoiseModel(0.0, telegraph_relative_amplitude=0.1, telegraph_occupancy=p).enabled
    assert ReadNoiseConfig(relative_sigma=0.0, telegraph_amplitude_S=1e-7).enabled
    assert not HardwareConfig.ideal().read_noise.enabled


@pytest.mark.parametrize(("key", "value", "message"), [
    ("telegraph_occupancy", 1.5, r"\[0, 1\]"), ("telegraph_relative_amplitude", -0.1, ">= 0"),
    ("telegraph_amplitude_S", float("nan"), "finite"),
])
def test_bad_telegraph_parameters_are_refused(key: str, value: float, message: str) -> None:
    with pytest.raises(ParameterError, match=f"ReadNoiseConfig.{key} = .*{message}"):
        ReadNoiseConfig(**{key: value})


def test_yaml_keys_in_engineering_units() -> None:
    hw = load_dataclass(HardwareConfig, {"read_noise": {"sigma_table_uS": [[1, 0.1], [10, 0.4]],
                                                        "telegraph_amplitude_nS": 50.0,
                                                        "telegraph_occupancy": 0.25}}, "hardware")
    np.testing.assert_allclose(hw.read_noise.sigma_table_S, [[1e-6, 0.1e-6], [10e-6, 0.4e-6]], rtol=1e-12)
    assert hw.read_noise.telegraph_amplitude_S == pytest.approx(50e-9)
    with pytest.raises(ConfigError, match=r"hardware.read_noise.sigma_table_uS = .*strictly increasing"):
        load_dataclass(HardwareConfig, {"read_noise": {"sigma_table_uS": [[2, 0.1], [1, 0.4]]}}, "hardware")


# ----------------------------------------------------------------------------- output space vs per cell
RTN = {"relative_sigma": 0.01, "sigma_table_S": TABLE_S, "telegraph_relative_amplitude": 0.1,
       "telegraph_occupancy": 0.2}
N_READS = 4000


def _hardware(mapping: MappingConfig, mode: str) -> HardwareConfig:
    base = HardwareConfig.ideal(mapping)
    return HardwareConfig(array=ArrayConfig(max_rows=4, max_cols=6), input=base.input, adc=base.adc,
                          read_noise=ReadNoiseConfig(mode=mode, **RTN), mapping=base.mapping)


def _expected_var(m: AnalogMatrix, x: np.ndarray) -> np.ndarray:
    """Var of each output: k²·Σ_i x_i²·Σ_cells Var(G_read), from the tiles by hand."""
    model = ReadNoiseModel(**RTN)
    var = np.zeros(m.shape[0])
    for row in m.tiles:
        for t in row:
            cell = model.std_S(t.conductance_S) ** 2
            cols = t.out_stop - t.out_start
            cell = cell.reshape(t.shape[0], cols, -1).sum(axis=2)  # a pair's two cells
            var[t.out_start:t.out_stop] += x[t.row_start:t.row_stop] ** 2 @ cell
    return m.weight_per_S**2 * var


@pytest.mark.parametrize("mapping", [MappingConfig(), MappingConfig(pair_subtraction="digital"),
                                     MappingConfig(mode="offset")], ids=["analog", "digital", "offset"])
def test_output_read_matches_the_per_cell_reference_with_telegraph_noise(mapping: MappingConfig) -> None:
    """Mean and variance of the fast read (a Gaussian with the per-read variance of every term, RTN
    included) agree with the per-cell reference (two-level traps drawn cell by cell) and the closed form."""
    rng = np.random.default_rng(21)
    w = rng.standard_normal((5, 7))
    x = rng.standard_normal(7)
    batch = np.repeat(x[:, None], N_READS, axis=1)
    fast = AnalogMatrix.from_weights(w, _hardware(mapping, "output"), np.random.default_rng(1))
    slow = AnalogMatrix.from_weights(w, _hardware(mapping, "per_cell"), np.random.default_rng(2))
    mean, var = w @ x, _expected_var(fast, x)
    variances = []
    for m in (fast, slow):
        y = m.matmul(batch)
        assert np.all(np.abs(y.mean(axis=1) - mean) < 5 * np.sqrt(var / N_READS))
        np.testing.assert_allclose(y.var(axis=1, ddof=1), var, rtol=0.15)
        variances.append(y.var(axis=1, ddof=1))
    np.testing.assert_allclose(*variances, rtol=0.2)


def test_the_fast_read_is_gaussian_where_few_cells_are_read() -> None:
    """What the output-space read does not capture: one cell read alone keeps its two RTN levels in the
    per-cell reference, while the fast read draws a Gaussian with the same mean and variance."""
    ideal = HardwareConfig.ideal(MappingConfig(mode="offset"))
    hw = {mode: HardwareConfig(array=ArrayConfig(max_rows=4, max_cols=6), input=ideal.input, adc=ideal.adc,
                               mapping=ideal.mapping,
                               read_noise=ReadNoiseConfig(0.0, telegraph_relative_amplitude=0.2, mode=mode))
          for mode in ("output", "per_cell")}
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.repeat(np.array([[0.0], [1.0]]), 2000, axis=1)  # one active input: one cell per output
    fast = AnalogMatrix.from_weights(w, hw["output"], np.random.default_rng(5)).matmul(x)
    slow = AnalogMatrix.from_weights(w, hw["per_cell"], np.random.default_rng(6)).matmul(x)
    assert all(np.unique(np.round(row, 9)).size == 2 for row in slow)  # two levels
    assert all(np.unique(row).size > 1000 for row in fast)
    np.testing.assert_allclose(fast.var(axis=1), slow.var(axis=1), rtol=0.15)
