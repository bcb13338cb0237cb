"""Forming by dielectric breakdown: breakdown statistics, sparsity vs programming voltage, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from device_models import BreakdownVoltageModel, RRAMDeviceModel, paper_data
from device_models.breakdown import sweep_cdf


def weibull(scale_V: float, shape: float, threshold_V: float = 0.0,
            exponent: float = 1.0) -> BreakdownVoltageModel:
    return BreakdownVoltageModel(weibull_scale_V=scale_V, weibull_shape=shape,
                                 weibull_threshold_V=threshold_V, weibull_exponent=exponent)


def skew_normal(location_V: float, scale_V: float, shape: float) -> BreakdownVoltageModel:
    return BreakdownVoltageModel(distribution="skew_normal", skew_location_V=location_V, skew_scale_V=scale_V,
                                 skew_shape=shape)


# (model, the same distribution in scipy.stats)
FAMILIES = [
    (weibull(3.5, 30.0), stats.weibull_min(30.0, scale=3.5)),
    (weibull(0.5, 4.5, threshold_V=3.0), stats.weibull_min(4.5, loc=3.0, scale=0.5)),
    (weibull(0.43, 5.5, threshold_V=3.1, exponent=0.43), stats.exponweib(0.43, 5.5, loc=3.1, scale=0.43)),
    (BreakdownVoltageModel(distribution="normal", mean_V=3.4, std_V=0.11), stats.norm(3.4, 0.11)),
    (skew_normal(3.5, 0.15, -1.6), stats.skewnorm(-1.6, loc=3.5, scale=0.15)),
    (skew_normal(3.3, 0.1, 4.0), stats.skewnorm(4.0, loc=3.3, scale=0.1)),
    (BreakdownVoltageModel(distribution="gumbel_min", gumbel_location_V=3.48, gumbel_scale_V=0.1),
     stats.gumbel_l(loc=3.48, scale=0.1)),
]
FAMILY_IDS = ["weibull", "weibull_threshold", "exponentiated_weibull", "normal", "skew_normal_left",
              "skew_normal_right", "gumbel_min"]


@pytest.fixture(scope="module")
def measured(paper_data_dir) -> np.ndarray:
    return paper_data.breakdown_voltages_V(paper_data_dir)


@pytest.mark.parametrize(("model", "reference"), FAMILIES, ids=FAMILY_IDS)
def test_cdf_and_ppf_match_scipy(model: BreakdownVoltageModel, reference) -> None:
    voltages_V = np.linspace(2.8, 4.0, 121)
    np.testing.assert_allclose(model.cdf(voltages_V), reference.cdf(voltages_V), rtol=1e-9, atol=1e-12)
    fractions = np.array([1e-6, 0.001, 0.05, 0.3, 0.5, 0.7, 0.95, 0.999, 1 - 1e-6])
    np.testing.assert_allclose(model.ppf(fractions), reference.ppf(fractions), rtol=1e-7)
    np.testing.assert_allclose(model.cdf(model.ppf(fractions)), fractions, rtol=1e-9, atol=1e-12)
    for f in (0.2, 0.51):
        assert model.unformed_fraction(model.voltage_for_unformed_fraction(f)) == pytest.approx(f, abs=1e-12)
        assert model.voltage_for_unformed_fraction(f) == pytest.approx(reference.isf(f), rel=1e-7)


@pytest.mark.parametrize(("model", "reference"), FAMILIES, ids=FAMILY_IDS)
def test_samples_follow_the_distribution(model: BreakdownVoltageModel, reference) -> None:
    draws = model.sample((100, 200), np.random.default_rng(4))
    assert draws.shape == (100, 200) and np.all(np.isfinite(draws))
    assert stats.kstest(draws.ravel(), reference.cdf).pvalue > 1e-3
    assert draws.mean() == pytest.approx(reference.mean(), abs=5 * reference.std() / math.sqrt(draws.size))


def test_closed_forms() -> None:
    e = math.e
    exponentiated = weibull(0.4, 5.0, threshold_V=3.0, exponent=0.5)
    assert exponentiated.cdf(3.4) == pytest.approx((1 - 1 / e) ** 0.5)
    assert exponentiated.cdf(3.0) == 0.0 and exponentiated.cdf(2.0) == 0.0  # none at or below the threshold
    assert exponentiated.ppf(0.0) == 3.0 and exponentiated.ppf(1.0) == math.inf
    assert exponentiated.ppf(0.3) == pytest.approx(3.0 + 0.4 * (-math.log(1 - 0.3**2)) ** 0.2)
    assert weibull(3.5, 30.0).unformed_fraction(3.4) == pytest.approx(math.exp(-((3.4 / 3.5) ** 30)))
    gumbel = BreakdownVoltageModel(distribution="gumbel_min", gumbel_location_V=3.5, gumbel_scale_V=0.1)
    assert gumbel.cdf(3.5) == pytest.approx(1 - 1 / e)
    assert gumbel.cdf(3.6) == pytest.approx(1 - math.exp(-e))
    assert gumbel.ppf(0.5) == pytest.approx(3.5 + 0.1 * math.log(math.log(2)))
    # ln of a Weibull variable is a Gumbel-min of location ln η and scale 1/β
    assert gumbel.cdf(3.3) == pytest.approx(weibull(math.exp(3.5), 10.0).cdf(math.exp(3.3)))
    skew = skew_normal(3.5, 0.15, -1.6)
    assert skew.cdf(3.5) == pytest.approx(0.5 - math.atan(-1.6) / math.pi)
    assert skew.ppf(0.0) == -math.inf and skew.ppf(1.0) == math.inf
    symmetric = skew_normal(3.4, 0.1, 0.0)
    normal = BreakdownVoltageModel(distribution="normal", mean_V=3.4, std_V=0.1)
    np.testing.assert_allclose(symmetric.cdf([3.2, 3.45]), normal.cdf([3.2, 3.45]), rtol=1e-12)
    assert normal.unformed_fraction(3.5) == pytest.approx(stats.norm.sf(1.0))
    assert normal.voltage_for_unformed_fraction(stats.norm.sf(-2.0)) == pytest.approx(3.2)


@given(st.floats(min_value=1e-6, max_value=1 - 1e-6))
def test_default_voltage_for_fraction_inverts_unformed_fraction(fraction: float) -> None:
    model = BreakdownVoltageModel()
    assert model.unformed_fraction(model.voltage_for_unformed_fraction(fraction)) == pytest.approx(fraction,
                                                                                                   abs=1e-9)


def test_default_is_the_fit_to_the_measured_cells_within_003_at_every_sweep_voltage(measured) -> None:
    sweep_V, formed = sweep_cdf(measured, 0.02)
    np.testing.assert_allclose(sweep_V, np.round(np.arange(3.12, 3.705, 0.02), 2))  # 3.12 V: nothing formed
    model = RRAMDeviceModel().breakdown
    assert model.distribution == "weibull"
    errors = np.abs(model.cdf(sweep_V) - formed)
    assert errors.max() <= 0.03, dict(zip(sweep_V[errors > 0.03], errors[errors > 0.03], strict=True))
    # at 3.43 V, between the 3.42 V and 3.44 V steps, the data allow 44.75 % to 51.25 % unformed
    assert 0.4475 < model.unformed_fraction(3.43) < 0.5125
    assert model.unformed_fraction(3.43) == pytest.approx(0.5007, abs=1e-4)
    # the old default, the normal of the rounded-up voltages, misses by 0.040 (at 3.28 V)
    old = BreakdownVoltageModel(distribution="normal", mean_V=3.433, std_V=0.114)
    assert np.abs(old.cdf(sweep_V) - formed).max() > 0.039


def test_default_forming_of_512x512_leaves_half_unformed() -> None:
    model = RRAMDeviceModel()
    fa = model.form((512, 512), np.random.default_rng(0))
    assert fa.conductance_S.shape == (512, 512)
    assert fa.conductance_S.dtype == np.float64
    assert fa.programming_voltage_V == 3.43
    expected = model.breakdown.unformed_fraction(3.43)
    assert fa.unformed_fraction == pytest.approx(expected, abs=4 * math.sqrt(0.25 / fa.formed.size))
    # formed exactly where the breakdown voltage is reached
    np.testing.assert_array_equal(fa.formed, fa.breakdown_voltage_V <= 3.43)
    assert fa.breakdown_voltage_V.min() > model.breakdown.weibull_threshold_V
    assert fa.conductance_S[~fa.formed].mean() == pytest.approx(0.1e-6, rel=0.01)
    assert fa.conductance_S[fa.formed].mean() == pytest.approx(12.3e-6, rel=0.01)


def test_empirical_cdf_is_exact_at_the_sweep_voltages_and_linear_between(measured) -> None:
    empirical = BreakdownVoltageModel(distribution="empirical", samples_V=tuple(measured))
    for step_V in np.round(np.arange(3.12, 3.705, 0.02), 2):
        measured_unformed = np.mean(measured > step_V + 1e-9)
        assert empirical.unformed_fraction(step_V) == pytest.approx(measured_unformed, abs=1e-12)
    # a cell recorded at 3.44 V broke down in (3.42, 3.44] V: half of those have formed at 3.43 V
    assert empirical.unformed_fraction(3.43) == pytest.approx(0.48)
    assert empirical.unformed_fraction(3.0) == 1.0 and empirical.unformed_fraction(3.8) == 0.0


def test_empirical_voltage_for_fraction_returns_the_closest_sweep_voltage() -> None:
    model = BreakdownVoltageModel(distribution="empirical", samples_V=(3.0, 3.1, 3.1, 3.2), sweep_step_V=0.1)
    # sweep voltages 2.9, 3.0, 3.1, 3.2 V leave 1, 0.75, 0.25, 0 unformed
    assert model.voltage_for_unformed_fraction(1.0) == 2.9
    assert model.voltage_for_unformed_fraction(0.7) == 3.0
    assert model.voltage_for_unformed_fraction(0.3) == 3.1
    assert model.voltage_for_unformed_fraction(0.0) == 3.2
    assert model.voltage_for_unformed_fraction(0.5) == 3.0  # a tie: the lower voltage
    np.testing.assert_array_equal(model.ppf([0.0, 0.26, 1.0]), [2.9, 3.0, 3.2])
    assert model.unformed_fraction(3.1) == 0.25
    assert model.unformed_fraction(3.05) == pytest.approx(0.5)


def test_empirical_voltage_for_the_measured_sparsity_is_a_sweep_step(measured) -> None:
    model = BreakdownVoltageModel(distribution="empirical", samples_V=tuple(measured))
    assert model.voltage_for_unformed_fraction(0.5069) == 3.42  # 51.25 % unformed; 3.44 V leaves 44.75 %
    assert model.voltage_for_unformed_fraction(0.3) == 3.5  # 29.25 %


def test_empirical_breakdown_model_forms_the_measured_sparsity(measured) -> None:
    breakdown = BreakdownVoltageModel(distribution="empirical", samples_V=tuple(measured))
    model = RRAMDeviceModel(breakdown=breakdown)
    fa = model.form((256, 256), np.random.default_rng(1), programming_voltage_V=3.50)
    v = fa.breakdown_voltage_V
    levels = np.unique(measured)
    recorded = levels[np.searchsorted(levels, v)]  # each draw lies within the step of a recorded voltage
    assert np.all((recorded - 0.02 < v) & (v <= recorded))
    assert fa.unformed_fraction == pytest.approx(np.mean(measured > 3.50), abs=4 * np.sqrt(0.25 / v.size))


def test_with_unformed_fraction_sets_the_programming_voltage() -> None:
    model = RRAMDeviceModel().with_unformed_fraction(0.3)
    b = model.breakdown
    closed_form = b.weibull_threshold_V + b.weibull_scale_V * (
        -math.log(1 - 0.7 ** (1 / b.weibull_exponent))) ** (1 / b.weibull_shape)
    assert model.programming_voltage_V == pytest.approx(closed_form)
    fa = model.form((300, 300), np.random.default_rng(2))
    assert fa.unformed_fraction == pytest.approx(0.3, abs=0.01)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(3.2, 3.6))
def test_forming_at_any_voltage_matches_the_expected_sparsity(seed: int, voltage_V: float) -> None:
    model = RRAMDeviceModel()
    fa = model.form((200, 200), np.random.default_rng(seed), programming_voltage_V=voltage_V)
    assert fa.unformed_fraction == pytest.approx(model.breakdown.unformed_fraction(voltage_V),
                                                 abs=5 * math.sqrt(0.25 / fa.formed.size))


def test_same_seed_reproduces_and_different_seeds_differ() -> None:
    model = RRAMDeviceModel()
    a = model.form((64, 64), np.random.default_rng(7))
    b = model.form((64, 64), np.random.default_rng(7))
    c = model.form((64, 64), np.random.default_rng(8))
    for name in ("conductance_S", "formed", "breakdown_voltage_V", "drift_exponent"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.conductance_S, c.conductance_S)
    assert not np.array_equal(a.formed, c.formed)


def test_higher_voltage_only_adds_formed_cells_with_same_seed() -> None:
    model = RRAMDeviceModel()
    low = model.form((128, 128), np.random.default_rng(3), programming_voltage_V=3.35)
    high = model.form((128, 128), np.random.default_rng(3), programming_voltage_V=3.50)
    assert np.all(high.formed[low.formed])
    assert high.formed.sum() > low.formed.sum()
    np.testing.assert_array_equal(low.conductance_S[low.formed], high.conductance_S[low.formed])


def test_formed_array_is_read_only() -> None:
    fa = RRAMDeviceModel().form((4, 4), np.random.default_rng(0))
    with pytest.raises(ValueError):
        fa.conductance_S[0, 0] = 1.0


def test_two_forms_from_one_generator_differ() -> None:
    rng = np.random.default_rng(9)
    model = RRAMDeviceModel()
    assert not np.array_equal(model.form((8, 8), rng).conductance_S, model.form((8, 8), rng).conductance_S)
