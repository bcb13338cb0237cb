"""Forming by dielectric breakdown: sparsity vs programming voltage, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from device_models import BreakdownVoltageModel, RRAMDeviceModel, paper_data


def test_default_forming_of_512x512_leaves_51_percent_unformed() -> None:
    fa = RRAMDeviceModel().form((512, 512), np.random.default_rng(0))
    assert fa.conductance_S.shape == (512, 512)
    assert fa.conductance_S.dtype == np.float64
    assert fa.unformed_fraction == pytest.approx(0.51, abs=0.015)
    assert fa.programming_voltage_V == 3.43
    # formed exactly where the breakdown voltage is reached
    np.testing.assert_array_equal(fa.formed, fa.breakdown_voltage_V <= 3.43)
    assert fa.conductance_S[~fa.formed].mean() == pytest.approx(0.1e-6, rel=0.01)
    assert fa.conductance_S[fa.formed].mean() == pytest.approx(12.3e-6, rel=0.01)


@pytest.mark.parametrize("voltage_V", [3.35, 3.43, 3.50])
def test_predicted_sparsity_matches_measured_breakdown_voltages(paper_data_dir, voltage_V: float) -> None:
    measured = paper_data.breakdown_voltages_V(paper_data_dir)
    empirical_unformed = np.mean(measured > voltage_V)
    predicted = RRAMDeviceModel().breakdown.unformed_fraction(voltage_V)
    assert predicted == pytest.approx(empirical_unformed, abs=0.03)
    empirical_model = BreakdownVoltageModel(distribution="empirical", samples_V=tuple(measured))
    assert empirical_model.unformed_fraction(voltage_V) == empirical_unformed


def test_normal_unformed_fraction_is_the_normal_survival_function() -> None:
    model = BreakdownVoltageModel(mean_V=3.0, std_V=0.2)
    assert model.unformed_fraction(3.0) == pytest.approx(0.5)
    assert model.unformed_fraction(3.2) == pytest.approx(norm.sf(1.0))
    assert model.voltage_for_unformed_fraction(norm.sf(-2.0)) == pytest.approx(2.6)


@given(st.floats(min_value=1e-6, max_value=1 - 1e-6))
def test_normal_voltage_for_fraction_inverts_unformed_fraction(fraction: float) -> None:
    model = BreakdownVoltageModel()
    assert model.unformed_fraction(model.voltage_for_unformed_fraction(fraction)) == pytest.approx(fraction,
                                                                                                   abs=1e-9)


def test_empirical_voltage_for_fraction_picks_the_closest_step() -> None:
    model = BreakdownVoltageModel(distribution="empirical", samples_V=(3.0, 3.1, 3.1, 3.2))
    # steps: below 3.0 -> 1, [3.0, 3.1) -> 0.75, [3.1, 3.2) -> 0.25, >= 3.2 -> 0
    assert model.voltage_for_unformed_fraction(1.0) == pytest.approx(2.95)
    assert model.voltage_for_unformed_fraction(0.7) == pytest.approx(3.05)
    assert model.voltage_for_unformed_fraction(0.3) == pytest.approx(3.15)
    assert model.voltage_for_unformed_fraction(0.0) == pytest.approx(3.25)
    assert model.unformed_fraction(3.1) == 0.25


def test_empirical_breakdown_model_forms_the_measured_sparsity(paper_data_dir) -> None:
    measured = paper_data.breakdown_voltages_V(paper_data_dir)
    breakdown = BreakdownVoltageModel(distribution="empirical", samples_V=tuple(measured))
    model = RRAMDeviceModel(breakdown=breakdown)
    fa = model.form((256, 256), np.random.default_rng(1), programming_voltage_V=3.50)
    assert set(np.unique(fa.breakdown_voltage_V)) <= set(measured)
    n = fa.formed.size
    assert fa.unformed_fraction == pytest.approx(np.mean(measured > 3.50), abs=4 * np.sqrt(0.25 / n))


def test_with_unformed_fraction_sets_the_programming_voltage() -> None:
    model = RRAMDeviceModel().with_unformed_fraction(0.3)
    assert model.programming_voltage_V == pytest.approx(3.433 + 0.114 * norm.isf(0.3))
    fa = model.form((300, 300), np.random.default_rng(2))
    assert fa.unformed_fraction == pytest.approx(0.3, abs=0.01)


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
