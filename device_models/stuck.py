"""Stuck cells, chosen at forming: stuck unformed (pristine whatever the voltage) or stuck high.

The two sets are disjoint: one uniform draw u per cell puts it in the first set if
u < stuck_unformed_fraction and in the second if that ≤ u < stuck_unformed_fraction + stuck_high_fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import ParameterError, check_fraction, check_positive


@dataclass(frozen=True)
class StuckCellModel:
    """Fractions of stuck cells.

    Attributes:
        stuck_unformed_fraction: probability that a cell never breaks down (keeps its pristine conductance).
        stuck_high_fraction: probability that a cell is stuck at ``stuck_high_conductance_S``.
        stuck_high_conductance_S: conductance of stuck-high cells in siemens (default 50 µS, the
            20 kΩ level at which the paper's forming sweep counts a cell as broken down).
    """

    stuck_unformed_fraction: float = 0.0
    stuck_high_fraction: float = 0.0
    stuck_high_conductance_S: float = 50e-6

    def __post_init__(self) -> None:
        name = type(self).__name__
        low = check_fraction(f"{name}.stuck_unformed_fraction", self.stuck_unformed_fraction)
        high = check_fraction(f"{name}.stuck_high_fraction", self.stuck_high_fraction)
        check_positive(f"{name}.stuck_high_conductance_S", self.stuck_high_conductance_S)
        if low + high > 1.0:
            raise ParameterError(f"{name}.stuck_unformed_fraction + stuck_high_fraction", low + high,
                                 "must be <= 1")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Disjoint boolean masks (stuck_unformed, stuck_high), one entry per cell."""
        u = rng.random(shape)
        stuck_unformed = u < self.stuck_unformed_fraction
        stuck_high = ~stuck_unformed & (u < self.stuck_unformed_fraction + self.stuck_high_fraction)
        return stuck_unformed, stuck_high
