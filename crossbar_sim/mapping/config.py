"""How a logical signed matrix is put on conductances: differential pairs or offset columns, programmed
into the conductance window [G_off, g_max_S] with the write-verify error of :class:`ProgrammingModel`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from device_models.errors import ParameterError, check_choice, check_positive
from device_models.programming import ProgrammingModel

MAPPING_MODES = ("differential", "offset")
PAIR_SUBTRACTIONS = ("analog", "digital")


@dataclass(frozen=True)
class MappingConfig:
    """Logical signed matrix → conductances.

    mode: ``"differential"``: W = k(G⁺ − G⁻); ``"offset"``: single-ended W = k·G + w_min with the
        w_min·Σx term added digitally (w_min = min(W, 0)).
    pair_subtraction: ``"analog"``: the pair's bit lines meet at one sense node (I⁺ − I⁻, one ADC);
        ``"digital"``: each column has its own ADC and the codes are subtracted digitally.
    g_max_S: largest programmed conductance G_on, siemens (``from_weights``: max|W| maps to it).
    programming: the window's off state and the write-verify error of programmed weights
        (``ProgrammingModel.ideal()``: window [0, g_max_S], no error).
    """

    mode: Literal["differential", "offset"] = "differential"
    pair_subtraction: Literal["analog", "digital"] = "analog"
    g_max_S: float = 20e-6
    programming: ProgrammingModel = field(default_factory=ProgrammingModel)

    def __post_init__(self) -> None:
        check_choice("MappingConfig.mode", self.mode, MAPPING_MODES)
        check_choice("MappingConfig.pair_subtraction", self.pair_subtraction, PAIR_SUBTRACTIONS)
        check_positive("MappingConfig.g_max_S", self.g_max_S)
        if not isinstance(self.programming, ProgrammingModel):
            raise ParameterError("MappingConfig.programming", self.programming, "must be a ProgrammingModel")

    @property
    def g_off_S(self) -> float:
        """G_off, the bottom of the programming window, siemens."""
        return self.programming.off_conductance_S(self.g_max_S)
