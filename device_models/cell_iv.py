"""Read I–V of one cell: I = G·f(V), with f calibrated so that f(V_read) = V_read.

G keeps its meaning as the conductance measured at the read voltage (a cell read at V_read carries
exactly G·V_read), and the shape of f says how the current changes away from it.

- ``"ohmic"``: f(V) = V.
- ``"sinh"``: f(V) = V_read·sinh(V/V0)/sinh(V_read/V0), the voltage dependence of the
  Stanford/ASU filamentary RRAM compact model I = I0·exp(−g/g0)·sinh(V/V0) (as summarised in
  D. Panda, P. P. Sahu and T. Y. Tseng, "A collective study on modeling and simulation of resistive
  random access memory", Nanoscale Res. Lett. 13, 8 (2018), Table 3), with the gap factor folded into G.
  V0 is the characteristic voltage: the smaller it is, the stronger the non-linearity; V0 → ∞ is ohmic.
  The default V0 = 0.25 V is an assumption (no measured I–V of the paper's cells is available).

f is odd (reverse reads and signed DAC inputs) and increasing, f'(V) > 0, so the nodal equations of a
crossbar of such cells have one solution (:mod:`crossbar_sim.circuit.nonlinear`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from device_models.errors import ParameterError, check_choice, check_positive

CELL_IV_FORMS = ("ohmic", "sinh")
MAX_SINH_ARGUMENT = 700.0  # V_read/V0 above this overflows sinh (float64 overflows near 710)


@dataclass(frozen=True)
class CellIV:
    """The compact form f of a cell's read current I = G·f(V) (see the module docstring).

    form: ``"ohmic"`` or ``"sinh"``.
    read_voltage_V: V_read, where f(V_read) = V_read.
    characteristic_voltage_V: V0 of the sinh form (unused by ``"ohmic"``).
    """

    form: Literal["ohmic", "sinh"] = "ohmic"
    read_voltage_V: float = 0.2
    characteristic_voltage_V: float = 0.25

    def __post_init__(self) -> None:
        check_choice("CellIV.form", self.form, CELL_IV_FORMS)
        check_positive("CellIV.read_voltage_V", self.read_voltage_V)
        check_positive("CellIV.characteristic_voltage_V", self.characteristic_voltage_V)
        if self.form == "sinh" and self.read_voltage_V / self.characteristic_voltage_V > MAX_SINH_ARGUMENT:
            raise ParameterError("CellIV.characteristic_voltage_V", self.characteristic_voltage_V,
                                 f"must be >= read_voltage_V/{MAX_SINH_ARGUMENT:.0f} (sinh overflows below)")

    @property
    def is_ohmic(self) -> bool:
        return self.form == "ohmic"

    def _scale(self) -> float:
        """V_read / sinh(V_read/V0), volts."""
        return self.read_voltage_V / np.sinh(self.read_voltage_V / self.characteristic_voltage_V)

    def f(self, volts: np.ndarray) -> np.ndarray:
        """f(V) in volts (the current per siemens of G); exactly ±V_read at ±V_read and 0 at 0."""
        v = np.asarray(volts, dtype=float)
        if self.is_ohmic:
            return v.copy()
        x_read = self.read_voltage_V / self.characteristic_voltage_V
        return self.read_voltage_V * (np.sinh(v / self.characteristic_voltage_V) / np.sinh(x_read))

    def inverse(self, f_V: np.ndarray) -> np.ndarray:
        """f⁻¹: the voltage (V) at which a cell carries G·f_V (f_V in volts, the current per siemens of G)."""
        y = np.asarray(f_V, dtype=float)
        if self.is_ohmic:
            return y.copy()
        return self.characteristic_voltage_V * np.arcsinh(y / self._scale())

    def slope(self, volts: np.ndarray) -> np.ndarray:
        """f'(V), dimensionless (> 0): the cell's small-signal conductance is G·f'(V)."""
        v = np.asarray(volts, dtype=float)
        if self.is_ohmic:
            return np.ones_like(v)
        return self._scale() / self.characteristic_voltage_V * np.cosh(v / self.characteristic_voltage_V)
