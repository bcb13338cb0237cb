"""The RRAM device model: one configuration tree that forms arrays of cells.

Forming (Wang et al., Nat. Mach. Intell. 5, 104 (2023)): a single programming voltage is applied to
every cell; cells whose breakdown voltage is at or below it break down and take a random formed-state
conductance, the others stay pristine. Each effect draws from its own child of the Generator passed
in, so switching one effect on (e.g. drift) does not change the draws of another, and raising the
programming voltage only adds formed cells to those formed at a lower voltage (same seed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from device_models.breakdown import BreakdownVoltageModel
from device_models.conductance import FormedConductanceModel, PristineConductanceModel
from device_models.drift import DriftModel
from device_models.errors import ParameterError, check_int, check_positive
from device_models.formed_array import FormedArray
from device_models.stuck import StuckCellModel


@dataclass(frozen=True)
class RRAMDeviceModel:
    """Every parameter of the formed cell population, as a frozen tree of dataclasses.

    Cycle-to-cycle read noise is not here: it is drawn by the reads, with the sigmas of
    ``HardwareConfig.read_noise`` (one key per quantity; :class:`ReadNoiseModel` is its sampler).
    Nor is the write-verify programming of given weights (``HardwareConfig.mapping.programming``,
    a :class:`device_models.programming.ProgrammingModel`): forming writes no target.

    Attributes:
        breakdown: breakdown-voltage distribution (sets which cells form).
        formed: formed-state conductance distribution.
        pristine: conductance of unformed cells.
        drift: power-law conductance drift.
        stuck: stuck-cell fractions.
        programming_voltage_V: forming voltage in volts (default 3.43 V, the paper's, which leaves ≈ 50 %
            unformed under the default breakdown model).
    """

    breakdown: BreakdownVoltageModel = field(default_factory=BreakdownVoltageModel)
    formed: FormedConductanceModel = field(default_factory=FormedConductanceModel)
    pristine: PristineConductanceModel = field(default_factory=PristineConductanceModel)
    drift: DriftModel = field(default_factory=DriftModel)
    stuck: StuckCellModel = field(default_factory=StuckCellModel)
    programming_voltage_V: float = 3.43

    def __post_init__(self) -> None:
        name = type(self).__name__
        for attr, cls in (("breakdown", BreakdownVoltageModel), ("formed", FormedConductanceModel),
                          ("pristine", PristineConductanceModel), ("drift", DriftModel),
                          ("stuck", StuckCellModel)):
            if not isinstance(getattr(self, attr), cls):
                raise ParameterError(f"{name}.{attr}", getattr(self, attr), f"must be a {cls.__name__}")
        check_positive(f"{name}.programming_voltage_V", self.programming_voltage_V)

    def form(self, shape: tuple[int, int], rng: np.random.Generator,
             programming_voltage_V: float | None = None) -> FormedArray:
        """Form an array of ``shape`` cells at ``programming_voltage_V`` (None: the model's voltage).

        Draws come from ``rng.spawn(5)`` children (one per effect): ``rng``'s own stream is not
        advanced, but each call spawns new children, so two calls with one ``rng`` differ.
        """
        if len(shape) != 2:
            raise ParameterError("shape", shape, "must be (rows, cols)")
        shape = (check_int("shape[0]", shape[0], minimum=1), check_int("shape[1]", shape[1], minimum=1))
        voltage_V = self.programming_voltage_V if programming_voltage_V is None else programming_voltage_V
        voltage_V = check_positive("programming_voltage_V", voltage_V)
        bd_rng, formed_rng, pristine_rng, drift_rng, stuck_rng = rng.spawn(5)

        breakdown_V = self.breakdown.sample(shape, bd_rng)
        stuck_unformed, stuck_high = self.stuck.sample(shape, stuck_rng)
        broke_down = (breakdown_V <= voltage_V) & ~stuck_unformed
        conductance_S = np.where(broke_down, self.formed.sample(shape, formed_rng),
                                 self.pristine.sample(shape, pristine_rng))
        conductance_S[stuck_high] = self.stuck.stuck_high_conductance_S
        drifting = broke_down & ~stuck_high
        exponent = np.where(drifting, self.drift.sample_exponent(shape, drift_rng), 0.0)
        return FormedArray(conductance_S=conductance_S, formed=broke_down | stuck_high,
                           breakdown_voltage_V=breakdown_V, drift_exponent=exponent,
                           stuck_unformed=stuck_unformed, stuck_high=stuck_high,
                           programming_voltage_V=voltage_V, drift=self.drift)

    def with_unformed_fraction(self, fraction: float) -> RRAMDeviceModel:
        """A copy whose programming voltage leaves ``fraction`` of the cells unformed (before stuck cells)."""
        return replace(self, programming_voltage_V=self.breakdown.voltage_for_unformed_fraction(fraction))
