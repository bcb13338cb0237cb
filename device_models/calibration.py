"""Estimate a device model from measured breakdown voltages and conductance maps.

Designed for the data of Wang et al., Nat. Mach. Intell. 5, 104 (2023): 400 breakdown voltages of a
20×20 array, and conductance maps in which unformed cells read as 0. What the data cannot tell
(pristine conductance, read noise, drift, stuck cells) is taken from ``base``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np

from device_models.breakdown import BreakdownVoltageModel
from device_models.conductance import FORMED_DISTRIBUTIONS, FormedConductanceModel
from device_models.device import RRAMDeviceModel
from device_models.errors import (
    ParameterError,
    check_choice,
    check_nonnegative,
    check_samples,
)
from device_models.sampling import lognormal_moments


def fit_breakdown(breakdown_voltages_V: np.ndarray,
                  distribution: Literal["normal", "empirical"] = "normal") -> BreakdownVoltageModel:
    """Breakdown model from measured voltages: normal (sample mean, ddof=1 std) or empirical."""
    v = check_samples("breakdown_voltages_V", breakdown_voltages_V)
    check_choice("breakdown_distribution", distribution, ("normal", "empirical"))
    return BreakdownVoltageModel(distribution=distribution, mean_V=float(v.mean()),
                                 std_V=float(v.std(ddof=1)),
                                 samples_V=tuple(v) if distribution == "empirical" else ())


def split_conductance_maps(conductance_maps_S: list[np.ndarray],
                           unformed_threshold_S: float = 1e-6) -> tuple[float, np.ndarray]:
    """(unformed fraction, formed conductances in S) of the pooled maps; cells ≤ threshold are unformed."""
    threshold = check_nonnegative("unformed_threshold_S", unformed_threshold_S)
    if len(conductance_maps_S) == 0:
        raise ParameterError("conductance_maps_S", conductance_maps_S, "needs at least one map")
    pooled = np.concatenate([np.asarray(m, dtype=float).ravel() for m in conductance_maps_S])
    pooled = check_samples("conductance_maps_S", pooled)
    formed = pooled > threshold
    return float(1.0 - formed.mean()), pooled[formed]


def fit_formed(
    formed_S: np.ndarray, distribution: Literal["normal", "lognormal", "empirical"] = "normal"
) -> FormedConductanceModel:
    """Formed-state model from formed-cell conductances (S).

    normal: sample mean and ddof=1 std; lognormal: maximum-likelihood fit of log G, reported as the
    lognormal's mean and std; empirical: the samples themselves (mean/std still filled in).
    """
    g = check_samples("formed_conductance_S", formed_S)
    check_choice("formed_distribution", distribution, FORMED_DISTRIBUTIONS)
    mean_S, std_S = float(g.mean()), float(g.std(ddof=1))
    if distribution == "lognormal":
        if np.any(g <= 0):
            raise ParameterError("formed_conductance_S", f"<min {float(g.min())!r}>",
                                 "must be > 0 for a lognormal fit")
        log_g = np.log(g)
        mean_S, std_S = lognormal_moments(float(log_g.mean()), float(log_g.std(ddof=0)))
    return FormedConductanceModel(distribution=distribution, mean_S=mean_S, std_S=std_S,
                                  samples_S=tuple(g) if distribution == "empirical" else ())


def calibrate_from_measurements(
    breakdown_voltages_V: np.ndarray,
    conductance_maps_S: list[np.ndarray],
    *,
    breakdown_distribution: Literal["normal", "empirical"] = "normal",
    formed_distribution: Literal["normal", "lognormal", "empirical"] = "normal",
    unformed_threshold_S: float = 1e-6,
    base: RRAMDeviceModel | None = None,
) -> RRAMDeviceModel:
    """A device model fitted to measurements.

    The breakdown distribution is fitted to ``breakdown_voltages_V``; the maps (pooled) give the
    unformed fraction (cells ≤ ``unformed_threshold_S``, default 1 µS, between the 0.1 µS pristine
    and the ≈ 12 µS formed levels) and the formed-state distribution. The programming voltage is set
    so that the fitted breakdown model reproduces the measured unformed fraction.
    """
    breakdown = fit_breakdown(breakdown_voltages_V, breakdown_distribution)
    unformed, formed_S = split_conductance_maps(conductance_maps_S, unformed_threshold_S)
    formed = fit_formed(formed_S, formed_distribution)
    model = replace(base or RRAMDeviceModel(), breakdown=breakdown, formed=formed)
    return model.with_unformed_fraction(unformed)
