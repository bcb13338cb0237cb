"""Random draws shared by the device models (every draw comes from the Generator passed in)."""

from __future__ import annotations

import math

import numpy as np


def truncated_normal(mean: float, std: float, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Draw N(mean, std²) truncated to values > 0, by redrawing the non-positive draws.

    ``mean`` must be > 0, so every round accepts at least half of the draws.
    """
    out = rng.normal(mean, std, size=shape)
    bad = out <= 0.0
    while np.any(bad):
        out[bad] = rng.normal(mean, std, size=int(bad.sum()))
        bad = out <= 0.0
    return out


def lognormal_log_params(mean: float, std: float) -> tuple[float, float]:
    """(μ, σ) of log X for a lognormal X with the given mean and standard deviation (mean > 0)."""
    sigma2 = math.log1p((std / mean) ** 2)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def lognormal_moments(mu_log: float, sigma_log: float) -> tuple[float, float]:
    """(mean, std) of X when log X ~ N(mu_log, sigma_log²)."""
    mean = math.exp(mu_log + sigma_log**2 / 2.0)
    return mean, mean * math.sqrt(math.expm1(sigma_log**2))


def resample(samples: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Draw with replacement from ``samples`` (a bootstrap of the measured values)."""
    return rng.choice(np.asarray(samples, dtype=float), size=shape, replace=True)
