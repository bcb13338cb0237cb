"""Calibration from the measured data of Wang et al., Nat. Mach. Intell. 5, 104 (2023)."""

from __future__ import annotations

import numpy as np
import pytest

from device_models import ReadNoiseModel, RRAMDeviceModel, calibrate_from_measurements, paper_data
from device_models.calibration import fit_formed, split_conductance_maps


@pytest.fixture(scope="module")
def measured(paper_data_dir):
    voltages_V = paper_data.breakdown_voltages_V(paper_data_dir)
    return voltages_V, paper_data.measured_conductance_maps_S(paper_data_dir)


def test_calibration_recovers_the_paper_statistics(measured) -> None:
    voltages_V, maps_S = measured
    assert [m.shape for m in maps_S] == [(50, 8), (50, 50)]
    model = calibrate_from_measurements(voltages_V, maps_S)
    assert round(model.breakdown.mean_V, 3) == 3.433
    assert round(model.breakdown.std_V, 3) == 0.114
    assert round(model.formed.mean_S * 1e6, 1) == 12.3
    assert round(model.formed.std_S * 1e6, 1) == 1.8
    assert model.breakdown.unformed_fraction(model.programming_voltage_V) == pytest.approx(0.5069, abs=1e-3)
    assert model.programming_voltage_V == pytest.approx(3.43, abs=0.005)


def test_unformed_fraction_of_the_measured_maps(measured) -> None:
    unformed, formed_S = split_conductance_maps(measured[1])
    assert unformed == pytest.approx(0.50, abs=0.01)
    assert formed_S.size == round((1 - unformed) * (400 + 2500))
    assert formed_S.min() > 1e-6


def test_calibrated_model_forms_arrays_like_the_measured_ones(measured) -> None:
    model = calibrate_from_measurements(*measured)
    fa = model.form((200, 200), np.random.default_rng(5))
    assert fa.unformed_fraction == pytest.approx(0.507, abs=0.01)
    assert fa.conductance_S[fa.formed].mean() == pytest.approx(12.34e-6, rel=0.01)


def test_empirical_and_lognormal_calibration(measured) -> None:
    voltages_V, maps_S = measured
    model = calibrate_from_measurements(voltages_V, maps_S, breakdown_distribution="empirical",
                                        formed_distribution="lognormal")
    assert sorted(model.breakdown.samples_V) == sorted(voltages_V)
    # the measured voltages lie on a 20 mV grid: 3.43 V is the step that leaves 51.25 % unformed
    assert model.programming_voltage_V == pytest.approx(3.43)
    assert model.breakdown.unformed_fraction(model.programming_voltage_V) == 0.5125
    assert model.formed.distribution == "lognormal"
    assert model.formed.mean_S == pytest.approx(12.3e-6, rel=0.01)
    assert model.formed.std_S == pytest.approx(1.8e-6, rel=0.05)


def test_lognormal_fit_recovers_lognormal_parameters(rng: np.random.Generator) -> None:
    g = rng.lognormal(np.log(10e-6), 0.3, size=20000)
    fitted = fit_formed(g, "lognormal")
    assert fitted.mean_S == pytest.approx(10e-6 * np.exp(0.045), rel=0.01)
    assert fitted.std_S == pytest.approx(fitted.mean_S * np.sqrt(np.expm1(0.09)), rel=0.03)


def test_calibration_keeps_what_the_data_cannot_tell(measured) -> None:
    base = RRAMDeviceModel(read_noise=ReadNoiseModel(relative_sigma=0.05))
    model = calibrate_from_measurements(*measured, base=base)
    assert model.read_noise.relative_sigma == 0.05
    assert model.pristine == RRAMDeviceModel().pristine
