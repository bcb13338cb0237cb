"""Calibration from the measured data of Wang et al., Nat. Mach. Intell. 5, 104 (2023)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from device_models import (
    BreakdownVoltageModel,
    DriftModel,
    RRAMDeviceModel,
    calibrate_from_measurements,
    paper_data,
)
from device_models.calibration import (
    BREAKDOWN_CANDIDATES,
    BreakdownFit,
    compare_breakdown_fits,
    fit_breakdown,
    fit_formed,
    split_conductance_maps,
)

# the parameters of each family whose defaults are its fit (the two- and three-parameter Weibull
# candidates share the Weibull fields with the default, the exponentiated Weibull)
DEFAULTED = {
    "exponentiated_weibull": ("weibull_scale_V", "weibull_shape", "weibull_threshold_V", "weibull_exponent"),
    "normal": ("mean_V", "std_V"),
    "skew_normal": ("skew_location_V", "skew_scale_V", "skew_shape"),
    "gumbel_min": ("gumbel_location_V", "gumbel_scale_V"),
}


@pytest.fixture(scope="module")
def measured(paper_data_dir):
    voltages_V = paper_data.breakdown_voltages_V(paper_data_dir)
    return voltages_V, paper_data.measured_conductance_maps_S(paper_data_dir)


@pytest.fixture(scope="module")
def fits(measured) -> tuple[BreakdownFit, ...]:
    return compare_breakdown_fits(measured[0])


def test_calibration_recovers_the_default_device(measured) -> None:
    voltages_V, maps_S = measured
    assert [m.shape for m in maps_S] == [(50, 8), (50, 50)]
    model = calibrate_from_measurements(voltages_V, maps_S)
    default = BreakdownVoltageModel()
    assert model.breakdown.distribution == default.distribution == "weibull"
    for name in DEFAULTED["exponentiated_weibull"]:
        assert getattr(model.breakdown, name) == pytest.approx(getattr(default, name), rel=2e-4), name
    assert round(model.formed.mean_S * 1e6, 1) == 12.3
    assert round(model.formed.std_S * 1e6, 1) == 1.8
    assert model.breakdown.unformed_fraction(model.programming_voltage_V) == pytest.approx(0.5069, abs=1e-3)
    assert model.programming_voltage_V == pytest.approx(3.428, abs=0.001)


def test_likelihood_ranks_the_candidates_and_picks_the_default(fits) -> None:
    assert [f.candidate for f in fits] == ["exponentiated_weibull", "weibull_threshold", "skew_normal",
                                           "empirical", "normal", "weibull", "gumbel_min"]  # lowest AIC first
    assert {f.candidate: f.aic for f in fits} == pytest.approx({
        "exponentiated_weibull": 2523.23, "weibull_threshold": 2526.63, "skew_normal": 2531.35,
        "empirical": 2532.37, "normal": 2533.17, "weibull": 2546.55, "gumbel_min": 2553.02}, abs=0.01)
    # largest |cdf error| over the sweep voltages: only the chosen default stays within 0.03
    assert {f.candidate: f.max_cdf_error for f in fits} == pytest.approx({
        "exponentiated_weibull": 0.0209, "weibull_threshold": 0.0324, "skew_normal": 0.0329, "empirical": 0.0,
        "normal": 0.0421, "weibull": 0.0509, "gumbel_min": 0.0556}, abs=2e-4)
    assert sorted(f.candidate for f in fits) == sorted(BREAKDOWN_CANDIDATES)
    best = fits[0]
    assert best.aic == pytest.approx(2 * best.n_parameters - 2 * best.log_likelihood)
    assert best.n_parameters == 4


def test_every_family_defaults_to_its_fit_to_the_measured_cells(fits) -> None:
    default = BreakdownVoltageModel()
    fitted = {f.candidate: f.model for f in fits}
    for candidate, names in DEFAULTED.items():
        for name in names:
            assert getattr(fitted[candidate], name) == pytest.approx(getattr(default, name), rel=2e-4), name


def test_empirical_candidate_has_the_saturated_likelihood(fits, measured) -> None:
    empirical = next(f for f in fits if f.candidate == "empirical")
    _, counts = np.unique(measured[0], return_counts=True)
    assert empirical.log_likelihood == pytest.approx(np.sum(counts * np.log(counts / counts.sum())))
    assert empirical.n_parameters == 28  # 29 sweep steps from 3.14 V to 3.70 V (one, 3.68 V, empty)
    assert all(f.log_likelihood < empirical.log_likelihood for f in fits if f is not empirical)


def test_interval_censoring_removes_the_half_step_bias(measured) -> None:
    voltages_V = measured[0]
    normal = fit_breakdown(voltages_V, "normal")
    # the recorded voltages are the step at which each cell had broken down: half a step (10 mV) high
    assert normal.mean_V == pytest.approx(voltages_V.mean() - 0.01, abs=5e-4)
    assert normal.std_V == pytest.approx(math.sqrt(voltages_V.var() - 0.02**2 / 12), abs=5e-4)  # Sheppard


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
    # the sweep voltage whose measured sparsity is closest to the maps' 50.69 %: 3.42 V leaves 51.25 %
    assert model.programming_voltage_V == 3.42
    assert model.breakdown.unformed_fraction(model.programming_voltage_V) == pytest.approx(0.5125, abs=1e-12)
    assert model.formed.distribution == "lognormal"
    assert model.formed.mean_S == pytest.approx(12.3e-6, rel=0.01)
    assert model.formed.std_S == pytest.approx(1.8e-6, rel=0.05)


def _recorded(model: BreakdownVoltageModel, step_V: float, seed: int, n: int = 20000) -> np.ndarray:
    """Synthetic sweep data: ``n`` cells of ``model``, each recorded at the first sweep step ≥ its voltage."""
    return step_V * np.ceil(model.sample((n,), np.random.default_rng(seed)) / step_V)


@st.composite
def _known_models(draw: st.DrawFn) -> tuple[str, BreakdownVoltageModel, dict[str, dict[str, float]]]:
    """(candidate, true model, pytest.approx tolerance of each fitted parameter)."""
    candidate = draw(st.sampled_from(["normal", "gumbel_min", "weibull", "weibull_threshold"]))
    centre_V, spread_V = draw(st.floats(2.0, 5.0)), draw(st.floats(0.05, 0.3))
    if candidate == "normal":
        model = BreakdownVoltageModel(distribution="normal", mean_V=centre_V, std_V=spread_V)
        return candidate, model, {"mean_V": {"abs": 0.05 * spread_V}, "std_V": {"rel": 0.04}}
    if candidate == "gumbel_min":
        model = BreakdownVoltageModel(distribution="gumbel_min", gumbel_location_V=centre_V,
                                      gumbel_scale_V=spread_V)
        return candidate, model, {"gumbel_location_V": {"abs": 0.05 * spread_V},
                                  "gumbel_scale_V": {"rel": 0.04}}
    if candidate == "weibull":
        model = BreakdownVoltageModel(weibull_scale_V=centre_V, weibull_shape=1.28 * centre_V / spread_V,
                                      weibull_threshold_V=0.0, weibull_exponent=1.0)
        return candidate, model, {"weibull_scale_V": {"rel": 0.01}, "weibull_shape": {"rel": 0.04}}
    shape = draw(st.floats(2.0, 5.0))  # the threshold Weibull of this shape, mean centre_V and std spread_V
    g1, g2 = math.gamma(1 + 1 / shape), math.gamma(1 + 2 / shape)
    scale_V = spread_V / math.sqrt(g2 - g1**2)
    model = BreakdownVoltageModel(weibull_scale_V=scale_V, weibull_shape=shape,
                                  weibull_threshold_V=centre_V - scale_V * g1, weibull_exponent=1.0)
    return candidate, model, {"weibull_scale_V": {"rel": 0.15}, "weibull_shape": {"rel": 0.15},
                              "weibull_threshold_V": {"abs": 0.6 * spread_V}}


def _assert_recovered(fitted: BreakdownVoltageModel, true: BreakdownVoltageModel,
                      tolerances: dict[str, dict[str, float]]) -> None:
    for name, tolerance in tolerances.items():
        assert getattr(fitted, name) == pytest.approx(getattr(true, name), **tolerance), name
    quantiles_V = true.ppf(np.linspace(0.01, 0.99, 99))
    assert np.abs(fitted.cdf(quantiles_V) - true.cdf(quantiles_V)).max() < 0.01


@settings(max_examples=12, deadline=None)
@given(_known_models(), st.sampled_from([0.01, 0.02]), st.integers(0, 2**32 - 1))
def test_interval_censored_fit_recovers_known_parameters(known, step_V: float, seed: int) -> None:
    candidate, true, tolerances = known
    fitted = fit_breakdown(_recorded(true, step_V, seed), candidate, sweep_step_V=step_V)
    assert fitted.distribution == true.distribution
    _assert_recovered(fitted, true, tolerances)


@pytest.mark.parametrize(("candidate", "true", "tolerances"), [
    ("skew_normal", BreakdownVoltageModel(distribution="skew_normal", skew_location_V=3.5, skew_scale_V=0.15,
                                          skew_shape=-2.0),
     {"skew_location_V": {"abs": 0.006}, "skew_scale_V": {"rel": 0.04}, "skew_shape": {"abs": 0.2}}),
    ("exponentiated_weibull", BreakdownVoltageModel(),  # the default: the fit to the paper's cells
     {"weibull_scale_V": {"rel": 0.03}, "weibull_shape": {"rel": 0.1}, "weibull_threshold_V": {"abs": 0.012},
      "weibull_exponent": {"rel": 0.2}}),
])
def test_three_and_four_parameter_fits_recover_known_parameters(
        candidate: str, true: BreakdownVoltageModel, tolerances: dict[str, dict[str, float]]) -> None:
    _assert_recovered(fit_breakdown(_recorded(true, 0.02, 3), candidate), true, tolerances)


def test_lognormal_fit_recovers_lognormal_parameters(rng: np.random.Generator) -> None:
    g = rng.lognormal(np.log(10e-6), 0.3, size=20000)
    fitted = fit_formed(g, "lognormal")
    assert fitted.mean_S == pytest.approx(10e-6 * np.exp(0.045), rel=0.01)
    assert fitted.std_S == pytest.approx(fitted.mean_S * np.sqrt(np.expm1(0.09)), rel=0.03)


def test_calibration_keeps_what_the_data_cannot_tell(measured) -> None:
    base = RRAMDeviceModel(drift=DriftModel(exponent_mean=0.05))
    model = calibrate_from_measurements(*measured, base=base)
    assert model.drift.exponent_mean == 0.05
    assert model.pristine == RRAMDeviceModel().pristine
