"""Conductance drift: power law G(t) = G(t0)·(t/t0)^(−ν), with ν drawn per device at forming.

Default ν = 0 ± 0 (drift off): the ESGNN paper (Wang et al., Nat. Mach. Intell. 5, 104 (2023))
reports no drift data. Times at or before t0 return G(t0): the formed conductance is the value
read at t0 and the law only describes what happens after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import check_fields, check_finite, check_nonnegative, check_positive


@dataclass(frozen=True)
class DriftModel:
    """Power-law drift.

    Attributes:
        exponent_mean: mean drift exponent ν (dimensionless; > 0 means the conductance decays).
        exponent_std: device-to-device standard deviation of ν.
        reference_time_s: t0 in seconds, the time at which the formed conductance is defined.
    """

    exponent_mean: float = 0.0
    exponent_std: float = 0.0
    reference_time_s: float = 1.0

    def __post_init__(self) -> None:
        check_fields(self, exponent_mean=check_finite, exponent_std=check_nonnegative,
                     reference_time_s=check_positive)

    def sample_exponent(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw one drift exponent ν per cell."""
        return self.exponent_mean + self.exponent_std * rng.standard_normal(shape)

    def apply(self, conductance_S: np.ndarray, exponent: np.ndarray, time_s: float) -> np.ndarray:
        """Conductance (S) at ``time_s`` seconds of cells whose conductance at t0 is ``conductance_S``."""
        t = check_nonnegative("time_s", time_s)
        ratio = max(t / self.reference_time_s, 1.0)
        return np.asarray(conductance_S, dtype=float) * ratio ** (-np.asarray(exponent, dtype=float))
