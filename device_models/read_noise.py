"""Cycle-to-cycle read noise: redrawn for every read of every cell.

G_read = G·(1 + relative_sigma·ε₁) + additive_sigma_S·ε₂ + table(G)·ε₃ + ΔG·(B − p), with ε₁, ε₂, ε₃
~ N(0, 1) and B ~ Bernoulli(p) independent (table: :mod:`device_models.sigma`).

The last term is random telegraph noise (RTN): one two-level trap per cell whose state is drawn
independently at every read, high with probability p = ``telegraph_occupancy``; the level spacing is
ΔG = telegraph_relative_amplitude·G + telegraph_amplitude_S. The two levels are G − pΔG (low) and
G + (1 − p)ΔG (high): G is the time-averaged conductance (what a long verify read or a measured
conductance map reports), so RTN does not shift the mean. Moments of one read:

    E[G_read] = G,    Var[G_read] = (relative_sigma·G)² + additive_sigma_S² + table(G)² + p(1 − p)ΔG².

The RTN term is not Gaussian: its third central moment is p(1 − p)(1 − 2p)ΔG³ and it takes two values
only. A read drawn in output space (a column's current as one Gaussian with the summed mean and
variance of its cells, from ``std_S``) is exact for the Gaussian terms and right to second order for RTN
(central limit theorem over the column's cells); it misses the skewness and the discreteness of the sum
when few cells carry current (one active cell: two levels), which the per-cell sampler
(:meth:`ReadNoiseModel.sample`) keeps. Reads are not clipped at zero (a sensed current can be negative
when the floor dominates).
Default 2 % multiplicative, as in the simulation code of Wang et al., Nat. Mach. Intell. 5, 104
(2023); no additive floor, no table, no RTN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import check_fields, check_fraction, check_nonnegative
from device_models.sigma import SigmaTable, check_sigma_table, sigma_S, table_sigma_S


@dataclass(frozen=True)
class ReadNoiseModel:
    """Read noise: Gaussian σ(G) plus an optional random-telegraph term.

    Attributes:
        relative_sigma: standard deviation of the multiplicative part, relative to the conductance.
        additive_sigma_S: standard deviation of the additive floor, in siemens.
        sigma_table_S: (G_S, σ_S) points of a tabulated σ(G), linear between points, held at the ends.
        telegraph_relative_amplitude: RTN level spacing relative to the conductance (ΔG/G).
        telegraph_amplitude_S: RTN level spacing independent of the conductance, siemens.
        telegraph_occupancy: probability p that the trap is in its high state at a read.
    """

    relative_sigma: float = 0.02
    additive_sigma_S: float = 0.0
    sigma_table_S: SigmaTable = ()
    telegraph_relative_amplitude: float = 0.0
    telegraph_amplitude_S: float = 0.0
    telegraph_occupancy: float = 0.5

    def __post_init__(self) -> None:
        check_fields(self, relative_sigma=check_nonnegative, additive_sigma_S=check_nonnegative,
                     telegraph_relative_amplitude=check_nonnegative, telegraph_amplitude_S=check_nonnegative,
                     telegraph_occupancy=check_fraction)
        name = type(self).__name__
        table = check_sigma_table(f"{name}.sigma_table_S", self.sigma_table_S)
        object.__setattr__(self, "sigma_table_S", table)

    @property
    def telegraph(self) -> bool:
        """Whether the RTN term has any variance (a non-zero spacing and 0 < p < 1)."""
        spacing = self.telegraph_relative_amplitude > 0.0 or self.telegraph_amplitude_S > 0.0
        return spacing and 0.0 < self.telegraph_occupancy < 1.0

    @property
    def enabled(self) -> bool:
        """Whether a read differs from G at all."""
        return (self.relative_sigma > 0.0 or self.additive_sigma_S > 0.0 or self.telegraph
                or any(s > 0.0 for _, s in self.sigma_table_S))

    def telegraph_spacing_S(self, conductance_S: np.ndarray) -> np.ndarray:
        """ΔG (S) of every cell: telegraph_relative_amplitude·G + telegraph_amplitude_S."""
        g = np.asarray(conductance_S, dtype=float)
        return self.telegraph_relative_amplitude * g + self.telegraph_amplitude_S

    def sample(self, conductance_S: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One noisy read (S) of every cell of ``conductance_S`` (the per-cell reference sampler)."""
        g = np.asarray(conductance_S, dtype=float)
        out = g * (1.0 + self.relative_sigma * rng.standard_normal(g.shape))
        if self.additive_sigma_S > 0.0:
            out += self.additive_sigma_S * rng.standard_normal(g.shape)
        if self.sigma_table_S:
            out += table_sigma_S(g, self.sigma_table_S) * rng.standard_normal(g.shape)
        if self.telegraph:
            p = self.telegraph_occupancy
            high = rng.random(g.shape) < p
            out += self.telegraph_spacing_S(g) * (high - p)
        return out

    def mean_S(self, conductance_S: np.ndarray) -> np.ndarray:
        """Expected read (S): every term is zero-mean, RTN included."""
        return np.asarray(conductance_S, dtype=float).copy()

    def std_S(self, conductance_S: np.ndarray) -> np.ndarray:
        """Total standard deviation of one read (S): the Gaussian σ(G) and the RTN term in quadrature,
        sqrt((relative_sigma·G)² + additive_sigma_S² + table(G)² + p(1 − p)ΔG²)."""
        g = np.asarray(conductance_S, dtype=float)
        gaussian = sigma_S(g, self.relative_sigma, self.additive_sigma_S, self.sigma_table_S)
        if not self.telegraph:
            return gaussian
        p = self.telegraph_occupancy
        return np.sqrt(gaussian**2 + p * (1.0 - p) * self.telegraph_spacing_S(g) ** 2)

