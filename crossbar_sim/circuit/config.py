"""The physical array a tile is cut from: its size, read voltage, cell read I–V and wires (IR drop on/off)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from crossbar_sim.circuit.wires import WireParasitics
from device_models.cell_iv import CELL_IV_FORMS, CellIV
from device_models.errors import ParameterError, check_choice, check_int, check_positive

MAX_READ_OVER_V0 = 20.0  # V_read/V0 at most: f(V_read/2) >= e^-10·f(V_read), where Newton is validated


@dataclass(frozen=True)
class ArrayConfig:
    """One physical array and its wires.

    max_rows, max_cols: largest tile in cells (a differential pair takes two columns).
    read_voltage_V: amplitude of a full-scale read pulse, volts.
    wires: wire parasitics; only used when ``ir_drop`` is True.
    ir_drop: solve the resistive network of each tile once and read through its effective conductances
        (ohmic cells), or solve each read's non-linear network by Newton's method (non-ohmic cells).
    cell_iv: read I–V of the cells, I = G·f(V) with f(V_read) = V_read: 'ohmic' (f(V) = V) or 'sinh'
        (f(V) = V_read·sinh(V/V0)/sinh(V_read/V0), device_models.cell_iv); it matters away from V_read
        (multi-level DAC or ideal inputs, cells below V_read under IR drop).
    cell_iv_voltage_V: characteristic voltage V0 of the 'sinh' cell (smaller: more non-linear; assumed
        default, no measured I–V of the paper's cells), at least read_voltage_V/20.
    """

    max_rows: int = 512
    max_cols: int = 512
    read_voltage_V: float = 0.2
    wires: WireParasitics = field(default_factory=WireParasitics)
    ir_drop: bool = False
    cell_iv: Literal["ohmic", "sinh"] = "ohmic"
    cell_iv_voltage_V: float = 0.25

    def __post_init__(self) -> None:
        check_int("ArrayConfig.max_rows", self.max_rows, minimum=1)
        check_int("ArrayConfig.max_cols", self.max_cols, minimum=2)
        check_positive("ArrayConfig.read_voltage_V", self.read_voltage_V)
        if not isinstance(self.wires, WireParasitics):
            raise ParameterError("ArrayConfig.wires", self.wires, "must be a WireParasitics")
        if not isinstance(self.ir_drop, bool):
            raise ParameterError("ArrayConfig.ir_drop", self.ir_drop, "must be True or False")
        check_choice("ArrayConfig.cell_iv", self.cell_iv, CELL_IV_FORMS)
        check_positive("ArrayConfig.cell_iv_voltage_V", self.cell_iv_voltage_V)
        if self.cell_iv == "sinh" and self.read_voltage_V / self.cell_iv_voltage_V > MAX_READ_OVER_V0:
            raise ParameterError("ArrayConfig.cell_iv_voltage_V", self.cell_iv_voltage_V,
                                 f"must be >= read_voltage_V/{MAX_READ_OVER_V0:.0f} = "
                                 f"{self.read_voltage_V / MAX_READ_OVER_V0:.3g} V (the range the non-linear "
                                 "IR-drop solve is validated for, crossbar_sim.circuit.nonlinear)")

    @property
    def cell(self) -> CellIV:
        """The cells' read I–V."""
        return CellIV(self.cell_iv, self.read_voltage_V, self.cell_iv_voltage_V)
