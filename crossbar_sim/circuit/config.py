"""The physical array a tile is cut from: its size, read voltage and wires (IR drop on or off)."""

from __future__ import annotations

from dataclasses import dataclass, field

from crossbar_sim.circuit.wires import WireParasitics
from device_models.errors import ParameterError, check_int, check_positive


@dataclass(frozen=True)
class ArrayConfig:
    """One physical array and its wires.

    max_rows, max_cols: largest tile in cells (a differential pair takes two columns).
    read_voltage_V: amplitude of a full-scale read pulse, volts.
    wires: wire parasitics; only used when ``ir_drop`` is True.
    ir_drop: solve the resistive network of each tile once and read through its effective conductances.
    """

    max_rows: int = 512
    max_cols: int = 512
    read_voltage_V: float = 0.2
    wires: WireParasitics = field(default_factory=WireParasitics)
    ir_drop: bool = False

    def __post_init__(self) -> None:
        check_int("ArrayConfig.max_rows", self.max_rows, minimum=1)
        check_int("ArrayConfig.max_cols", self.max_cols, minimum=2)
        check_positive("ArrayConfig.read_voltage_V", self.read_voltage_V)
        if not isinstance(self.wires, WireParasitics):
            raise ParameterError("ArrayConfig.wires", self.wires, "must be a WireParasitics")
        if not isinstance(self.ir_drop, bool):
            raise ParameterError("ArrayConfig.ir_drop", self.ir_drop, "must be True or False")
