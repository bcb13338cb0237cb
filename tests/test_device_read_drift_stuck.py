"""Read noise (cycle-to-cycle), power-law drift and stuck cells."""

from __future__ import annotations

import numpy as np
import pytest

from device_models import DriftModel, ReadNoiseModel, RRAMDeviceModel, StuckCellModel


def test_read_noise_moments_multiplicative(rng: np.random.Generator) -> None:
    noise = ReadNoiseModel()
    g = np.array([1e-7, 5e-6, 20e-6])
    reads = np.stack([noise.sample(g, rng) for _ in range(20000)])
    assert reads.shape == (20000, 3)
    np.testing.assert_allclose(reads.mean(axis=0), g, rtol=4 * 0.02 / np.sqrt(20000))
    np.testing.assert_allclose(reads.std(axis=0) / g, 0.02, rtol=0.03)
    np.testing.assert_allclose(noise.std_S(g), 0.02 * g)
    np.testing.assert_array_equal(noise.mean_S(g), g)


def test_read_noise_additive_floor_dominates_small_conductances(rng: np.random.Generator) -> None:
    noise = ReadNoiseModel(relative_sigma=0.02, additive_sigma_S=0.5e-6)
    g = np.array([0.0, 1e-7, 20e-6])
    reads = noise.sample(np.broadcast_to(g, (40000, 3)), rng)
    expected_std = np.sqrt((0.02 * g) ** 2 + 0.5e-6**2)
    np.testing.assert_allclose(noise.std_S(g), expected_std)
    np.testing.assert_allclose(reads.std(axis=0), expected_std, rtol=0.03)
    assert np.abs(reads.mean(axis=0) - g).max() < 4 * expected_std.max() / np.sqrt(40000)


def test_read_noise_is_redrawn_per_read_but_not_the_formed_state(rng: np.random.Generator) -> None:
    fa = RRAMDeviceModel().form((16, 16), rng)
    noise = ReadNoiseModel()
    first, second = noise.sample(fa.conductance_S, rng), noise.sample(fa.conductance_S, rng)
    assert not np.array_equal(first, second)
    assert np.all(np.abs(first / fa.conductance_S - 1) < 0.2)


def test_no_read_noise_returns_the_conductance(rng: np.random.Generator) -> None:
    g = np.linspace(1e-7, 2e-5, 7)
    np.testing.assert_array_equal(ReadNoiseModel(relative_sigma=0.0).sample(g, rng), g)
    quiet = ReadNoiseModel(relative_sigma=0.0, telegraph_relative_amplitude=0.2, telegraph_occupancy=1.0)
    np.testing.assert_array_equal(quiet.sample(g, rng), g)  # a trap that never leaves its state


def test_terms_left_off_draw_nothing() -> None:
    """Without a table or telegraph noise the sampler draws exactly what the plain Gaussian model drew,
    so a seeded read is unchanged by the optional terms' existence."""
    g = np.linspace(1e-7, 2e-5, 7)
    z = np.random.default_rng(8).standard_normal(g.shape)
    np.testing.assert_array_equal(ReadNoiseModel().sample(g, np.random.default_rng(8)), g * (1 + 0.02 * z))


def test_drift_power_law_closed_form(rng: np.random.Generator) -> None:
    drift = DriftModel(exponent_mean=0.05, exponent_std=0.01, reference_time_s=2.0)
    fa = RRAMDeviceModel(drift=drift).form((64, 64), rng)
    nu = fa.drift_exponent
    assert nu[fa.formed].mean() == pytest.approx(0.05, abs=4 * 0.01 / np.sqrt(fa.formed.sum()))
    assert nu[fa.formed].std() == pytest.approx(0.01, rel=0.1)
    np.testing.assert_array_equal(nu[~fa.formed], 0.0)
    np.testing.assert_array_equal(fa.conductance_at(2.0), fa.conductance_S)
    np.testing.assert_array_equal(fa.conductance_at(0.5), fa.conductance_S)
    np.testing.assert_allclose(fa.conductance_at(20.0), fa.conductance_S * 10.0 ** (-nu), rtol=1e-12)
    np.testing.assert_allclose(fa.conductance_at(2e4), fa.conductance_S * 1e4 ** (-nu), rtol=1e-12)
    cell = np.unravel_index(np.argmax(nu), nu.shape)
    assert fa.conductance_at(20.0)[cell] == pytest.approx(fa.conductance_S[cell] / 10 ** nu.max())


def test_drift_is_off_by_default_and_does_not_change_the_formed_state() -> None:
    plain = RRAMDeviceModel().form((32, 32), np.random.default_rng(4))
    np.testing.assert_array_equal(plain.conductance_at(1e6), plain.conductance_S)
    drifting = RRAMDeviceModel(drift=DriftModel(exponent_mean=0.1)).form((32, 32), np.random.default_rng(4))
    np.testing.assert_array_equal(plain.conductance_S, drifting.conductance_S)
    assert drifting.conductance_at(10.0)[drifting.formed] == pytest.approx(
        plain.conductance_S[plain.formed] * 10**-0.1)


def test_stuck_fractions_are_disjoint_and_hold_their_values(rng: np.random.Generator) -> None:
    stuck = StuckCellModel(stuck_unformed_fraction=0.05, stuck_high_fraction=0.02,
                           stuck_high_conductance_S=40e-6)
    fa = RRAMDeviceModel(stuck=stuck).form((256, 256), rng)
    n = fa.formed.size
    for mask, p in ((fa.stuck_unformed, 0.05), (fa.stuck_high, 0.02)):
        assert abs(mask.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    assert not np.any(fa.stuck_unformed & fa.stuck_high)
    np.testing.assert_array_equal(fa.conductance_S[fa.stuck_high], 40e-6)
    assert not np.any(fa.formed[fa.stuck_unformed])
    assert np.all(fa.formed[fa.stuck_high])
    # stuck-unformed cells stay pristine even where the voltage broke other cells down
    assert np.all(fa.conductance_S[fa.stuck_unformed] < 0.2e-6)
    assert np.any(fa.stuck_unformed & (fa.breakdown_voltage_V <= fa.programming_voltage_V))
    np.testing.assert_array_equal(fa.drift_exponent[fa.stuck_high], 0.0)


def test_all_cells_stuck_high(rng: np.random.Generator) -> None:
    fa = RRAMDeviceModel(stuck=StuckCellModel(stuck_high_fraction=1.0)).form((8, 8), rng)
    assert fa.unformed_fraction == 0.0
    np.testing.assert_array_equal(fa.conductance_S, 50e-6)
