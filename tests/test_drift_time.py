"""Time as a variable: characterise and train at one time, read at others; global drift compensation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.analog.compensation import COMPENSATION_PHASE, reference_input
from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.esgnn.reservoir import ReservoirConfig
from crossbar_sim.esgnn.runner import WorkloadConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from crossbar_sim.study.config import ConfigError, load_dataclass
from crossbar_sim.study.experiment import ExperimentConfig, inactive_keys, run_experiment
from device_models import DriftModel, ParameterError, RRAMDeviceModel

T0_S = 2.0  # the drift law's reference time in these tests
SCALE = 1e4  # weight per siemens


def _hardware(input_mode: str = "ideal", **kw) -> HardwareConfig:
    """Noise-free, ideal ADC, no IR drop, offset mapping (W = k·G, every cell a weight)."""
    fields = {"array": ArrayConfig(ir_drop=False), "input": InputConfig(mode=input_mode),
              "adc": ADCConfig(bits=None), "read_noise": ReadNoiseConfig(relative_sigma=0.0),
              "mapping": MappingConfig(mode="offset"), **kw}
    return HardwareConfig(**fields)


def _device(mean: float = 0.05, std: float = 0.01, voltage_V: float = 3.43) -> RRAMDeviceModel:
    return RRAMDeviceModel(drift=DriftModel(exponent_mean=mean, exponent_std=std, reference_time_s=T0_S),
                           programming_voltage_V=voltage_V)


def _formed(device: RRAMDeviceModel, shape: tuple[int, int], seed: int):
    """The cells AnalogMatrix.random(…, default_rng(seed)) forms (its first spawned child)."""
    return device.form(shape, np.random.default_rng(seed).spawn(2)[0])


def _bit_serial_inputs(n_in: int, batch: int, seed: int) -> np.ndarray:
    """Inputs a 4-bit bit-serial encoder represents exactly (x = x_min + Δ·q, q in 0..15, both ends used)."""
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 16, (n_in, batch)).astype(float)
    q[0], q[1] = 0.0, 15.0
    return 0.3 + 0.05 * q


def test_reads_follow_the_drift_law_at_each_time() -> None:
    """Train-time and later reads are k·G(t0)·(t/t0)^−ν with the ν each cell drew at forming."""
    device, hw = _device(), _hardware(train_time_s=10.0)
    m = AnalogMatrix.random(5, 7, hw, device, SCALE, np.random.default_rng(3))
    formed = _formed(device, (7, 5), 3)
    x = np.random.default_rng(4).standard_normal((7, 3))
    for time_s, matrix in ((10.0, m), (1e3, m.at_time(1e3, np.random.default_rng(5))),
                           (1e6, m.at_time(1e6, np.random.default_rng(6)))):
        closed_form = SCALE * (formed.conductance_S * (time_s / T0_S) ** -formed.drift_exponent).T
        np.testing.assert_allclose(matrix.matmul(x), closed_form @ x, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(matrix.weights, SCALE * formed.conductance_S.T)  # as formed
    early = m.at_time(10.0, np.random.default_rng(7)).conductances[0][0]
    late = m.at_time(1e8, np.random.default_rng(8)).conductances[0][0]
    nu = np.log(early / late) / np.log(1e8 / 10.0)  # the same cells drift coherently across times
    np.testing.assert_allclose(nu, formed.drift_exponent, atol=1e-12)
    assert np.any(formed.drift_exponent == 0.0) and np.any(formed.drift_exponent > 0.0)  # unformed stay


def test_a_later_read_re_solves_the_ir_drop_of_the_drifted_cells() -> None:
    """With IR drop on, a read at t equals an array characterised at t (ideal inputs: no offset term)."""
    hw = _hardware(array=ArrayConfig(ir_drop=True), train_time_s=10.0)
    device = _device()
    m = AnalogMatrix.random(8, 12, hw, device, SCALE, np.random.default_rng(3))
    later = m.at_time(1e6, np.random.default_rng(4))
    fresh = AnalogMatrix.random(8, 12, replace(hw, train_time_s=1e6), device, SCALE, np.random.default_rng(3))
    x = np.abs(np.random.default_rng(5).standard_normal((12, 4)))
    np.testing.assert_allclose(later.matmul(x), fresh.matmul(x), rtol=1e-12)
    assert not np.allclose(later.matmul(x), m.matmul(x), rtol=1e-2)
    [solution] = later.ir_drop_solutions
    np.testing.assert_array_equal(solution.conductance_S, later.conductances[0][0])  # solved on G(t)
    # decayed cells draw less current: less drop on the wires, every cell sees more of the drive
    assert np.all(solution.cell_voltage_fraction >= m.ir_drop_solutions[0].cell_voltage_fraction)


def test_at_time_refuses_times_before_training_and_programmed_arrays() -> None:
    m = AnalogMatrix.random(3, 4, _hardware(train_time_s=10.0), _device(), SCALE, np.random.default_rng(0))
    with pytest.raises(ParameterError, match=r"time_s.*must be >= hardware.train_time_s = 10.0"):
        m.at_time(5.0, np.random.default_rng(1))
    programmed = AnalogMatrix.from_weights(np.eye(3), HardwareConfig.ideal(), np.random.default_rng(0))
    with pytest.raises(ParameterError, match="only arrays formed by AnalogMatrix.random drift"):
        programmed.at_time(10.0, np.random.default_rng(1))


def test_the_offset_correction_uses_the_row_sums_measured_at_train_time() -> None:
    """Bit-serial reads: y(t) = r·W_train·(x − x_min) + x_min·W_train·1 under a uniform drift r."""
    device = _device(std=0.0, voltage_V=10.0)  # every cell formed, one ν
    hw = _hardware("bit_serial", train_time_s=10.0)
    m = AnalogMatrix.random(6, 9, hw, device, SCALE, np.random.default_rng(2))
    x = _bit_serial_inputs(9, 4, 3)
    w_train = SCALE * _formed(device, (9, 6), 2).conductance_at(10.0).T
    np.testing.assert_allclose(m.matmul(x), w_train @ x, rtol=1e-12)
    r = (1e5 / 10.0) ** -0.05
    x_min = x.min(axis=0)
    expected = r * w_train @ (x - x_min) + np.outer(w_train.sum(axis=1), x_min)
    np.testing.assert_allclose(m.at_time(1e5, np.random.default_rng(4)).matmul(x), expected, rtol=1e-12)
    assert not np.allclose(expected, r * w_train @ x, rtol=1e-3)  # the offset term really is stale


def test_adc_ranges_stay_the_characterised_ones() -> None:
    device = _device()
    for adc in (ADCConfig(bits=8, range_mode="tile_max"), ADCConfig(bits=8, range_mode="calibrated")):
        hw = _hardware("bit_serial", adc=adc, train_time_s=10.0)
        m = AnalogMatrix.random(6, 9, hw, device, SCALE, np.random.default_rng(2))
        if adc.range_mode == "calibrated":
            m.calibrate(_bit_serial_inputs(9, 16, 5))
            m.T.calibrate(np.ones((6, 3)))
        later = m.at_time(1e6, np.random.default_rng(3))
        np.testing.assert_array_equal(later.adc_full_scale_A, m.adc_full_scale_A)
        np.testing.assert_array_equal(later.T.adc_full_scale_A, m.T.adc_full_scale_A)
        fresh = AnalogMatrix.random(6, 9, replace(hw, train_time_s=1e6), device, SCALE,
                                    np.random.default_rng(2))
        if adc.range_mode == "tile_max":  # a re-ranged array would have a smaller full scale
            assert np.all(fresh.adc_full_scale_A < 0.9 * m.adc_full_scale_A)


@pytest.mark.parametrize("input_mode", ["ideal", "bit_serial", "dac"])
def test_global_compensation_undoes_a_uniform_drift_exactly(input_mode: str) -> None:
    device = _device(std=0.0, voltage_V=10.0)
    hw = _hardware(input_mode, train_time_s=10.0, drift_compensation="global")
    m = AnalogMatrix.random(6, 9, hw, device, SCALE, np.random.default_rng(2))
    x = _bit_serial_inputs(9, 4, 3)
    at_train = m.matmul(x)
    later = m.at_time(1e7, np.random.default_rng(4))
    np.testing.assert_allclose(later.matmul(x), at_train, rtol=1e-12)
    np.testing.assert_allclose(x[:6].T @ later, x[:6].T @ m, rtol=1e-12)  # the reverse read too
    plain = AnalogMatrix.random(6, 9, replace(hw, drift_compensation="none"), device, SCALE,
                                np.random.default_rng(2))
    assert not np.allclose(plain.at_time(1e7, np.random.default_rng(4)).matmul(x), at_train, rtol=1e-2)


@settings(max_examples=25, deadline=None)
@given(nu=st.floats(0.0, 0.2), decades=st.floats(0.0, 9.0),
       mapping=st.sampled_from(["offset", "differential"]))
def test_compensation_is_exact_for_any_uniform_drift(nu: float, decades: float, mapping: str) -> None:
    device = _device(mean=nu, std=0.0, voltage_V=10.0)
    hw = _hardware("bit_serial", mapping=MappingConfig(mode=mapping), train_time_s=10.0,
                   drift_compensation="global")
    m = AnalogMatrix.random(4, 5, hw, device, SCALE, np.random.default_rng(1))
    x = _bit_serial_inputs(5, 3, 2)
    later = m.at_time(10.0 * 10.0**decades, np.random.default_rng(3))
    np.testing.assert_allclose(later.matmul(x), m.matmul(x), rtol=1e-10, atol=1e-12)


def test_global_compensation_leaves_a_residual_with_a_spread_of_exponents() -> None:
    """ν = 0.05 ± 0.005: one gain undoes the mean decay (r ≈ 0.50 at 10⁷ s), not the cells' spread."""
    x = np.abs(np.random.default_rng(3).standard_normal((60, 8)))
    errors = {}
    for compensation in ("none", "global"):
        hw = _hardware(train_time_s=10.0, drift_compensation=compensation)
        device = _device(std=0.005, voltage_V=10.0)
        m = AnalogMatrix.random(40, 60, hw, device, SCALE, np.random.default_rng(2))
        y0 = m.matmul(x)
        y = m.at_time(1e7, np.random.default_rng(4)).matmul(x)
        errors[compensation] = float(np.abs(y - y0).max() / np.abs(y0).max())
    assert errors["none"] > 0.4 and 1e-3 < errors["global"] < 0.1 * errors["none"]


def test_the_ledger_counts_the_reference_reads_and_the_multiplies() -> None:
    hw = _hardware("bit_serial", train_time_s=10.0, drift_compensation="global")
    m = AnalogMatrix.random(6, 9, hw, _device(), SCALE, np.random.default_rng(2))
    m.matmul(np.ones((9, 1)) + np.arange(9)[:, None])  # a train-time read: no compensation, no multiply
    ledger = EventLedger()
    later = m.at_time(1e6, np.random.default_rng(3), ledger)
    [reference] = ledger.analog
    assert (reference.phase, reference.array, reference.vectors) == (COMPENSATION_PHASE, "W", 1)
    assert reference.read_cycles == 4 and reference.row_pulses == 8 * 4  # 4 planes, 8 of 9 rows driven
    assert ledger.digital == {}
    with ledger.phase("recurrence"):
        later.matmul(_bit_serial_inputs(9, 5, 1))
    assert ledger.digital == {("recurrence", "mul"): 6 * 5}
    again = EventLedger()
    m.at_time(1e6, np.random.default_rng(3), again)  # the train-time reference is read once, unrecorded
    assert [e.vectors for e in again.analog] == [1]


def test_reference_input_and_bad_config_values() -> None:
    np.testing.assert_array_equal(reference_input(3)[:, 0], [0.0, 1.0, 1.0])
    with pytest.raises(ParameterError, match="n_in"):
        reference_input(1)
    assert HardwareConfig(train_time_s=1.0, inference_times_s=5.0).inference_times_s == (5.0,)
    assert HardwareConfig(train_time_s=3.0).test_read_times_s == (3.0,)
    with pytest.raises(ParameterError, match=r"inference_times_s.*must be >= train_time_s = 10.0"):
        HardwareConfig(train_time_s=10.0, inference_times_s=(1.0, 20.0))
    with pytest.raises(ParameterError, match="inference_times_s.*must be increasing"):
        HardwareConfig(inference_times_s=(20.0, 20.0))
    with pytest.raises(ParameterError, match="drift_compensation"):
        HardwareConfig(drift_compensation="local")
    with pytest.raises(ConfigError, match="experiment.hardware.inference_times_s"):
        load_dataclass(ExperimentConfig, {"hardware": {"inference_times_s": "soon"}}, "experiment")


def test_time_keys_are_inactive_where_nothing_drifts() -> None:
    off = inactive_keys(ExperimentConfig())
    assert {"hardware.train_time_s", "hardware.inference_times_s", "hardware.drift_compensation"} <= set(off)
    drifting = ExperimentConfig(device=_device())
    early = inactive_keys(replace(drifting, hardware=HardwareConfig(inference_times_s=(1.0,))))
    assert "device.drift.exponent_mean" in early and "hardware.drift_compensation" in early
    later = inactive_keys(replace(drifting, hardware=HardwareConfig(train_time_s=1.0, inference_times_s=1e3)))
    assert not {"device.drift.exponent_mean", "hardware.drift_compensation", "hardware.train_time_s"} & set(
        later)


@pytest.fixture(scope="module")
def drift_config(datasets_dir: Path) -> ExperimentConfig:
    """MUTAG on a small reservoir with drift, offset arrays as in the paper."""
    workload = WorkloadConfig(reservoir=ReservoirConfig(units=16, iterations=2), baseline=False)
    hardware = HardwareConfig(mapping=MappingConfig(mode="offset"), train_time_s=1.0,
                              inference_times_s=(1.0, 1e4), drift_compensation="global")
    return ExperimentConfig(device=_device(), hardware=hardware, workload=workload,
                            data_root=str(datasets_dir))


def test_accuracy_per_inference_time_is_reproducible(drift_config: ExperimentConfig) -> None:
    metrics = run_experiment(drift_config, seed=3)
    by_time = metrics["accuracy_by_time"]
    assert by_time["time_s"] == [1.0, 1e4] and metrics["accuracy"]["mean"] == by_time["mean"][0]
    assert by_time["mean"][0] != by_time["mean"][1]
    again = run_experiment(drift_config, seed=3)
    assert again["accuracy_by_time"] == by_time and again["energy"] == metrics["energy"]
    # a time's numbers do not depend on the other times read; the ledger is the first time's pass
    later_only = replace(drift_config.hardware, inference_times_s=1e4)
    alone = run_experiment(replace(drift_config, hardware=later_only), seed=3)
    assert alone["accuracy"]["mean"] == by_time["mean"][1]

    def compensation_J(m: dict) -> float:
        entries = m["energy_report"]["analog"]
        return sum(joules for phase, _, _, joules in entries if phase == COMPENSATION_PHASE)

    assert compensation_J(alone) > 0.0 and compensation_J(metrics) == 0.0  # first read at 1 s: none
