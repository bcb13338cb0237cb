"""Formed-state and pristine conductance distributions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from device_models import FormedConductanceModel, PristineConductanceModel, RRAMDeviceModel
from device_models.sampling import lognormal_log_params, lognormal_moments


def test_truncated_normal_follows_the_truncated_distribution(rng: np.random.Generator) -> None:
    # mean = std: truncation at 0 removes 16 % of the normal, so a plain normal would fail the test
    mean_S, std_S = 2e-6, 2e-6
    g = FormedConductanceModel(mean_S=mean_S, std_S=std_S).sample((20000,), rng)
    assert g.min() > 0
    truncated = stats.truncnorm(a=-mean_S / std_S, b=np.inf, loc=mean_S, scale=std_S)
    assert stats.kstest(g, truncated.cdf).pvalue > 1e-3
    assert stats.kstest(g, stats.norm(mean_S, std_S).cdf).pvalue < 1e-6


def test_default_formed_conductance_follows_normal_12_3_1_8_uS(rng: np.random.Generator) -> None:
    g = FormedConductanceModel().sample((20000,), rng)
    truncated = stats.truncnorm(a=-12.3 / 1.8, b=np.inf, loc=12.3e-6, scale=1.8e-6)
    assert stats.kstest(g, truncated.cdf).pvalue > 1e-3
    assert g.mean() == pytest.approx(12.3e-6, rel=0.005)
    assert g.std() == pytest.approx(1.8e-6, rel=0.02)


def test_lognormal_has_the_configured_mean_and_std(rng: np.random.Generator) -> None:
    mean_S, std_S = 12.3e-6, 6e-6
    g = FormedConductanceModel(distribution="lognormal", mean_S=mean_S, std_S=std_S).sample((40000,), rng)
    mu_log, sigma_log = lognormal_log_params(mean_S, std_S)
    assert stats.kstest(g, stats.lognorm(s=sigma_log, scale=np.exp(mu_log)).cdf).pvalue > 1e-3
    assert stats.kstest(g, stats.norm(mean_S, std_S).cdf).pvalue < 1e-6
    assert g.mean() == pytest.approx(mean_S, rel=0.01)
    assert g.std() == pytest.approx(std_S, rel=0.03)
    assert lognormal_moments(mu_log, sigma_log) == pytest.approx((mean_S, std_S))


def test_empirical_resampling_reproduces_the_sample(rng: np.random.Generator) -> None:
    samples = (10e-6, 12e-6, 12e-6, 15e-6)
    g = FormedConductanceModel(distribution="empirical", samples_S=samples).sample((40000,), rng)
    values, counts = np.unique(g, return_counts=True)
    np.testing.assert_array_equal(values, [10e-6, 12e-6, 15e-6])
    expected = np.array([0.25, 0.5, 0.25])
    tolerance = 4 * np.sqrt(expected * (1 - expected) / g.size)
    np.testing.assert_array_less(np.abs(counts / g.size - expected), tolerance)


def test_pristine_cells_keep_0_1_uS_with_10_percent_spread(rng: np.random.Generator) -> None:
    g = PristineConductanceModel().sample((20000,), rng)
    assert g.mean() == pytest.approx(0.1e-6, rel=0.005)
    assert g.std() / g.mean() == pytest.approx(0.1, rel=0.03)


def test_formed_cells_of_an_array_follow_the_formed_model(rng: np.random.Generator) -> None:
    model = RRAMDeviceModel(formed=FormedConductanceModel(distribution="lognormal", mean_S=10e-6, std_S=3e-6))
    fa = model.form((200, 200), rng)
    mu_log, sigma_log = lognormal_log_params(10e-6, 3e-6)
    g = fa.conductance_S[fa.formed]
    assert stats.kstest(g, stats.lognorm(s=sigma_log, scale=np.exp(mu_log)).cdf).pvalue > 1e-3
    assert np.all(fa.conductance_S[~fa.formed] < 0.2e-6)
