"""Cycle-to-cycle read noise: redrawn for every read of every cell.

G_read = G·(1 + relative_sigma·ε₁) + additive_sigma_S·ε₂ with ε₁, ε₂ ~ N(0, 1) independent, so
E[G_read] = G and Var[G_read] = (relative_sigma·G)² + additive_sigma_S². Reads are not clipped at
zero (a sensed current can be negative when the floor dominates). Default 2 % multiplicative, as in
the simulation code of Wang et al., Nat. Mach. Intell. 5, 104 (2023); no additive floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import check_fields, check_nonnegative


@dataclass(frozen=True)
class ReadNoiseModel:
    """Gaussian read noise.

    Attributes:
        relative_sigma: standard deviation of the multiplicative part, relative to the conductance.
        additive_sigma_S: standard deviation of the additive floor, in siemens.
    """

    relative_sigma: float = 0.02
    additive_sigma_S: float = 0.0

    def __post_init__(self) -> None:
        check_fields(self, relative_sigma=check_nonnegative, additive_sigma_S=check_nonnegative)

    def sample(self, conductance_S: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One noisy read (S) of every cell of ``conductance_S`` (the per-cell reference sampler)."""
        g = np.asarray(conductance_S, dtype=float)
        out = g * (1.0 + self.relative_sigma * rng.standard_normal(g.shape))
        if self.additive_sigma_S > 0.0:
            out += self.additive_sigma_S * rng.standard_normal(g.shape)
        return out

    def mean_S(self, conductance_S: np.ndarray) -> np.ndarray:
        """Expected read (S): the noise is zero-mean."""
        return np.asarray(conductance_S, dtype=float).copy()

    def std_S(self, conductance_S: np.ndarray) -> np.ndarray:
        """Standard deviation of a read (S): sqrt((relative_sigma·G)² + additive_sigma_S²)."""
        g = np.asarray(conductance_S, dtype=float)
        return np.hypot(self.relative_sigma * g, self.additive_sigma_S)
