"""Programmed weights: the conductance window [G_off, G_on], the off-state spread and the write-verify error,
against closed forms; drawn once per programming from the matrix's seed, apart from the read noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.mapping.weights import map_weights
from crossbar_sim.periphery.config import ReadNoiseConfig
from crossbar_sim.study.config import ConfigError, load_dataclass
from device_models import ParameterError, ProgrammingModel

N = 40000


def _programmed_hardware(programming: ProgrammingModel, mode: str = "differential",
                         noise: ReadNoiseConfig | None = None) -> HardwareConfig:
    """Ideal periphery, ``programming`` on the mapping (and ``noise`` if given)."""
    ideal = HardwareConfig.ideal()
    return HardwareConfig(array=ideal.array, input=ideal.input, adc=ideal.adc,
                          read_noise=noise or ideal.read_noise,
                          mapping=MappingConfig(mode=mode, programming=programming))


# ----------------------------------------------------------------------------- window
@pytest.mark.parametrize("ratio", [2.0, 20.0, 1000.0])
def test_window_edges_follow_the_on_off_ratio(ratio: float, rng: np.random.Generator) -> None:
    w = rng.standard_normal((6, 9))
    w[0, 0] = 0.0
    config = MappingConfig(g_max_S=25e-6, programming=ProgrammingModel(on_off_ratio=ratio))
    mapped = map_weights(w, config)
    g = np.stack([mapped.g_plus_S, mapped.g_minus_S])
    g_off = 25e-6 / ratio
    assert config.g_off_S == pytest.approx(g_off, rel=1e-15)
    assert g.max() == pytest.approx(25e-6, rel=1e-12) and g.min() == pytest.approx(g_off, rel=1e-12)
    assert g.max() / g.min() == pytest.approx(ratio, rel=1e-12)
    assert mapped.g_plus_S[0, 0] == mapped.g_minus_S[0, 0] == g_off  # a zero weight: both cells off
    np.testing.assert_allclose(mapped.weights, w, atol=1e-12 * np.abs(w).max())
    offset = map_weights(w, MappingConfig(mode="offset", g_max_S=25e-6, programming=config.programming))
    assert offset.g_plus_S.min() == pytest.approx(g_off) and offset.g_plus_S.max() == pytest.approx(25e-6)
    assert np.unravel_index(offset.g_plus_S.argmin(), w.T.shape) == np.unravel_index(w.T.argmin(), w.T.shape)
    np.testing.assert_allclose(offset.weights, w, atol=1e-12 * np.abs(w).max())


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e3), st.floats(-1e3, -1e-6))),
       st.sampled_from(["differential", "offset"]), st.one_of(st.none(), st.floats(1.5, 1e4)))
def test_targets_fill_the_window_and_keep_the_weights(w: np.ndarray, mode: str, ratio: float | None) -> None:
    config = MappingConfig(mode=mode, programming=ProgrammingModel(on_off_ratio=ratio))
    mapped = map_weights(w, config)
    g = mapped.g_plus_S if mapped.g_minus_S is None else np.stack([mapped.g_plus_S, mapped.g_minus_S])
    assert g.min() >= config.g_off_S and g.max() <= config.g_max_S * (1 + 1e-12)
    span = np.abs(w).max() if mode == "differential" else w.max() - min(w.min(), 0.0)
    if span > 0:  # the largest weight (offset: above the smallest of W and 0) on G_on
        assert g.max() == pytest.approx(config.g_max_S, rel=1e-12)
    if mode == "differential" or w.min() <= 0:  # a pair's unused cell, or the offset column's w_min
        assert g.min() == pytest.approx(config.g_off_S, rel=1e-12, abs=1e-30)
    scale = max(np.abs(w).max(), 1e-300)
    np.testing.assert_allclose(mapped.weights, w, rtol=0, atol=1e-12 * scale)
    written = config.programming.program(mapped.g_plus_S, config.g_off_S, np.random.default_rng(0))
    assert np.all(written >= 0.0)


def test_ideal_programming_is_the_old_window_exactly(rng: np.random.Generator) -> None:
    w = rng.standard_normal((4, 5))
    model = ProgrammingModel.ideal()
    assert model.off_conductance_S(20e-6) == 0.0
    targets = map_weights(w, MappingConfig(programming=model))
    np.testing.assert_array_equal(model.program(targets.g_plus_S, 0.0, rng), targets.g_plus_S)
    m = AnalogMatrix.from_weights(w, HardwareConfig.ideal(MappingConfig(mode="offset")), rng)
    np.testing.assert_allclose(m @ np.eye(5), w, atol=1e-12)
    assert HardwareConfig.ideal(MappingConfig()).mapping.programming == model


# ----------------------------------------------------------------------------- the draws
@pytest.mark.parametrize(("model", "sigma_of"), [
    (ProgrammingModel(error_relative_sigma=0.03, error_sigma_S=0.0), lambda t: 0.03 * t),
    (ProgrammingModel(error_sigma_S=0.5e-6), lambda t: np.full_like(t, 0.5e-6)),
    (ProgrammingModel(error_sigma_S=0.0, error_sigma_table_S=((2e-6, 0.2e-6), (20e-6, 0.8e-6))),
     lambda t: 0.2e-6 + (t - 2e-6) * (0.6e-6 / 18e-6)),
], ids=["relative", "absolute", "table"])
def test_write_verify_error_moments(model: ProgrammingModel, sigma_of, rng: np.random.Generator) -> None:
    targets = np.array([2e-6, 8e-6, 20e-6])
    g = model.program(np.broadcast_to(targets, (N, 3)), 1e-6, rng)
    sigma = sigma_of(targets)
    np.testing.assert_allclose(model.error_std_S(targets), sigma, rtol=1e-12)
    assert np.all(np.abs(g.mean(axis=0) - targets) < 5 * sigma / np.sqrt(N))
    np.testing.assert_allclose(g.std(axis=0), sigma, rtol=0.03)
    assert stats.kstest((g[:, 2] - targets[2]) / sigma[2], "norm").pvalue > 1e-3


def test_off_state_is_lognormal_around_g_off(rng: np.random.Generator) -> None:
    model = ProgrammingModel(on_off_ratio=10.0, off_state_spread=0.4, error_sigma_S=0.5e-6)
    g_off = model.off_conductance_S(20e-6)
    g = model.program(np.full(N, g_off), g_off, rng)
    assert g.min() > 0.0
    assert abs(g.mean() - g_off) < 5 * 0.4 * g_off / np.sqrt(N)
    np.testing.assert_allclose(g.std(), 0.4 * g_off, rtol=0.05)
    mu_log, sigma_log = np.log(g).mean(), np.log(g).std()
    assert stats.kstest((np.log(g) - mu_log) / sigma_log, "norm").pvalue > 1e-3
    flat = ProgrammingModel(on_off_ratio=10.0, off_state_spread=0.0).program(np.full(5, g_off), g_off, rng)
    np.testing.assert_array_equal(flat, g_off)  # no spread: every off cell exactly at G_off


def test_a_cell_draws_by_position_whatever_the_targets(rng: np.random.Generator) -> None:
    """One draw per cell whatever the target: changing one weight moves only that cell's conductance."""
    model = ProgrammingModel()
    targets = np.linspace(1e-6, 20e-6, 12).reshape(3, 4)
    changed = targets.copy()
    changed[1, 2] = 5e-6
    a = model.program(targets, 1e-6, np.random.default_rng(3))
    b = model.program(changed, 1e-6, np.random.default_rng(3))
    differs = a != b
    assert differs[1, 2] and differs.sum() == 1


def test_programming_error_propagates_to_the_output_as_its_closed_form() -> None:
    """y_j = k·Σ_i x_i(G⁺_ij − G⁻_ij): over many identical rows (independent programmings of one weight
    row) E[y] = W x and Var[y] = k²·Σ_i x_i²(σ²(t⁺) + σ²(t⁻)), an off cell's σ being the off-state spread."""
    model = ProgrammingModel(on_off_ratio=20.0, off_state_spread=0.3, error_relative_sigma=0.02,
                             error_sigma_S=0.3e-6)
    row = np.array([1.0, -0.5, 0.0, 2.0])
    w = np.tile(row, (N // 4, 1))
    x = np.array([0.3, -1.0, 0.7, 0.5])
    m = AnalogMatrix.from_weights(w, _programmed_hardware(model), np.random.default_rng(9))
    y = m @ x
    targets = map_weights(row[None, :], MappingConfig(programming=model))
    k, g_off = m.weight_per_S, 1e-6

    def var(t: np.ndarray) -> np.ndarray:
        return np.where(t <= g_off, (0.3 * g_off) ** 2, model.error_std_S(t) ** 2)

    expected = k**2 * np.sum(x**2 * (var(targets.g_plus_S[:, 0]) + var(targets.g_minus_S[:, 0])))
    assert abs(y.mean() - row @ x) < 5 * np.sqrt(expected / y.size)
    np.testing.assert_allclose(y.var(ddof=1), expected, rtol=0.05)
    np.testing.assert_allclose(m.weights, w, atol=1e-12)  # the weights are the targets


def test_drawn_once_per_programming_reproducible_and_apart_from_read_noise() -> None:
    w = np.random.default_rng(0).standard_normal((6, 5))
    x = np.random.default_rng(1).standard_normal(5)
    model = ProgrammingModel()

    def tiles(noise: ReadNoiseConfig | None, seed: int) -> AnalogMatrix:
        hardware = _programmed_hardware(model, noise=noise)
        return AnalogMatrix.from_weights(w, hardware, np.random.default_rng(seed))

    quiet = tiles(None, 4)
    first, second = quiet @ x, quiet @ x
    np.testing.assert_array_equal(first, second)  # no read noise: the written array does not change
    assert np.abs(first - w @ x).max() > 1e-3  # ... but it carries its programming error
    same_seed = [tiles(noise, 4).conductances[0][0] for noise in
                 (None, ReadNoiseConfig(0.05), ReadNoiseConfig(0.05, mode="per_cell"),
                  ReadNoiseConfig(telegraph_relative_amplitude=0.1))]
    for g in same_seed[1:]:
        np.testing.assert_array_equal(g, same_seed[0])  # the read noise does not touch the programming
    assert not np.array_equal(tiles(None, 5).conductances[0][0], same_seed[0])
    noisy = tiles(ReadNoiseConfig(0.05), 4)
    reads = np.stack([noisy @ x for _ in range(3)])
    assert not np.array_equal(reads[0], reads[1])  # reads are redrawn; the cells are not
    np.testing.assert_array_equal(noisy.conductances[0][0], same_seed[0])


# ----------------------------------------------------------------------------- config
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"on_off_ratio": 1.0}, "on_off_ratio = 1.0: must be > 1"),
    ({"on_off_ratio": float("inf")}, "on_off_ratio = inf: must be a finite"),
    ({"off_state_spread": -0.1}, "off_state_spread = -0.1: must be >= 0"),
    ({"error_sigma_S": -1e-7}, "error_sigma_S = -1e-07: must be >= 0"),
    ({"error_relative_sigma": float("nan")}, "error_relative_sigma = nan: must be a finite"),
    ({"error_sigma_table_S": ((2e-6, 1e-7), (1e-6, 1e-7))}, "error_sigma_table_S = .*strictly increasing"),
])
def test_bad_programming_parameters_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=f"ProgrammingModel.{message}"):
        ProgrammingModel(**kwargs)


def test_programming_keys_load_in_engineering_units_and_name_the_key() -> None:
    keys = {"on_off_ratio": 50, "error_sigma_nS": 200.0, "error_sigma_table_uS": [[1, 0.1], [20, 0.5]]}
    hw = load_dataclass(HardwareConfig, {"mapping": {"programming": keys}}, "hardware")
    p = hw.mapping.programming
    assert p.on_off_ratio == 50.0 and p.error_sigma_S == pytest.approx(200e-9)
    np.testing.assert_allclose(p.error_sigma_table_S, [[1e-6, 0.1e-6], [20e-6, 0.5e-6]], rtol=1e-12)
    assert hw.mapping.g_off_S == pytest.approx(20e-6 / 50)
    ideal = load_dataclass(HardwareConfig, {"mapping": {"programming": {"on_off_ratio": None}}}, "hardware")
    assert ideal.mapping.g_off_S == 0.0
    with pytest.raises(ConfigError, match=r"hardware.mapping.programming.on_off_ratio = 0.5: must be > 1"):
        load_dataclass(HardwareConfig, {"mapping": {"programming": {"on_off_ratio": 0.5}}}, "hardware")
    with pytest.raises(ParameterError, match="MappingConfig.programming"):
        MappingConfig(programming=0.5)
