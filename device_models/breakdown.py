"""Forming by dielectric breakdown: per-cell breakdown voltage and the sparsity it implies.

A cell breaks down (forms) when the programming voltage reaches its breakdown voltage, so the
unformed fraction at a programming voltage V is P(V_bd > V). Defaults: 3.433 ± 0.114 V, the 400
breakdown voltages of the 20×20 array of Wang et al., Nat. Mach. Intell. 5, 104 (2023), Ext. Fig. 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import ndtr, ndtri

from device_models.errors import (
    ParameterError,
    check_choice,
    check_finite,
    check_fraction,
    check_positive,
    check_sample_tuple,
)
from device_models.sampling import resample

_NAME = "BreakdownVoltageModel"
BREAKDOWN_DISTRIBUTIONS = ("normal", "empirical")


@dataclass(frozen=True)
class BreakdownVoltageModel:
    """Distribution of the per-cell breakdown voltage.

    Attributes:
        distribution: ``"normal"`` uses ``mean_V`` and ``std_V``; ``"empirical"`` resamples
            ``samples_V`` (e.g. the measured voltages, which were recorded on a 20 mV sweep grid).
        mean_V: mean breakdown voltage in volts (normal).
        std_V: standard deviation in volts (normal).
        samples_V: measured breakdown voltages in volts (empirical; at least 2).
    """

    distribution: Literal["normal", "empirical"] = "normal"
    mean_V: float = 3.433
    std_V: float = 0.114
    samples_V: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        check_choice(f"{_NAME}.distribution", self.distribution, BREAKDOWN_DISTRIBUTIONS)
        check_positive(f"{_NAME}.mean_V", self.mean_V)
        check_positive(f"{_NAME}.std_V", self.std_V)
        samples = check_sample_tuple(f"{_NAME}.samples_V", self.samples_V, positive=True,
                                     required=self.distribution == "empirical", minimum_distinct=2)
        object.__setattr__(self, "samples_V", samples)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw one breakdown voltage (V) per cell."""
        if self.distribution == "empirical":
            return resample(np.asarray(self.samples_V), shape, rng)
        return rng.normal(self.mean_V, self.std_V, size=shape)

    def unformed_fraction(self, voltage_V: float) -> float:
        """Expected fraction of cells left unformed at programming voltage ``voltage_V``: P(V_bd > V)."""
        v = check_finite("voltage_V", voltage_V)
        if self.distribution == "empirical":
            return float(np.mean(np.asarray(self.samples_V) > v))
        return float(ndtr(-(v - self.mean_V) / self.std_V))  # normal survival function

    def voltage_for_unformed_fraction(self, fraction: float) -> float:
        """Programming voltage (V) that leaves ``fraction`` of the cells unformed.

        Normal: the inverse survival function; the fraction must lie in (0, 1). Empirical: the
        sample cdf is a staircase, so this returns the midpoint of the step whose unformed fraction
        is closest to ``fraction`` (any voltage on that step gives the same fraction).
        """
        f = check_fraction("fraction", fraction)
        if self.distribution == "normal":
            if not 0.0 < f < 1.0:
                raise ParameterError("fraction", fraction,
                                     "must lie in (0, 1) for a normal breakdown distribution")
            return float(self.mean_V - self.std_V * ndtri(f))  # inverse survival function
        samples = np.asarray(self.samples_V)
        levels = np.unique(samples)
        gaps = np.diff(levels)
        edges = np.concatenate([[levels[0] - gaps[0]], levels, [levels[-1] + gaps[-1]]])
        voltages = (edges[:-1] + edges[1:]) / 2.0  # one voltage per step of the staircase
        fractions = np.mean(samples[None, :] > voltages[:, None], axis=1)
        return float(voltages[np.argmin(np.abs(fractions - f))])
