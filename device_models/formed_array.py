"""A population of cells after forming: the device-to-device state, drawn once (arrays are read-only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.drift import DriftModel


@dataclass(frozen=True, eq=False)
class FormedArray:
    """The per-cell state of a formed array.

    Attributes:
        conductance_S: conductance in siemens at the drift reference time t0 (formed cells: formed-state
            draw; unformed cells: pristine draw; stuck cells: their stuck value).
        formed: True where the cell conducts as a formed cell (broke down, or stuck high).
        breakdown_voltage_V: breakdown voltage drawn for each cell, in volts.
        drift_exponent: drift exponent ν per cell (0 for unformed and stuck cells).
        stuck_unformed: True where the cell is stuck in the pristine state.
        stuck_high: True where the cell is stuck at the high conductance.
        programming_voltage_V: the forming voltage applied, in volts.
        drift: the drift law used by :meth:`conductance_at`.
    """

    conductance_S: np.ndarray
    formed: np.ndarray
    breakdown_voltage_V: np.ndarray
    drift_exponent: np.ndarray
    stuck_unformed: np.ndarray
    stuck_high: np.ndarray
    programming_voltage_V: float
    drift: DriftModel

    def __post_init__(self) -> None:
        for name in ("conductance_S", "formed", "breakdown_voltage_V", "drift_exponent",
                     "stuck_unformed", "stuck_high"):
            getattr(self, name).setflags(write=False)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.conductance_S.shape

    @property
    def unformed_fraction(self) -> float:
        """Fraction of cells that are not formed."""
        return float(1.0 - np.mean(self.formed))

    def conductance_at(self, time_s: float) -> np.ndarray:
        """Drifted conductance (S) at ``time_s`` seconds after forming."""
        return self.drift.apply(self.conductance_S, self.drift_exponent, time_s)
