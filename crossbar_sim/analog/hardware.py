"""Hardware configuration of the analogue vector-matrix multiply: one frozen tree of the layers' configs.

Defaults follow Wang et al., Nat. Mach. Intell. 5, 104 (2023) where the paper says something:
4-bit bit-serial inputs, 2 % multiplicative read noise, 512×512 arrays. Where it is silent:
read voltage 0.2 V, 8-bit ADC ranged on the tile's worst-case column current, differential pairs
subtracted in the analogue domain before one ADC, g_max 20 µS (above the ≈ 12.3 ± 1.8 µS formed
state), IR drop off (it needs a one-off nodal solve per tile), no drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from device_models.errors import ParameterError, check_choice, check_nonnegative
from device_models.programming import ProgrammingModel

DRIFT_COMPENSATIONS = ("none", "global")


@dataclass(frozen=True)
class HardwareConfig:
    """Everything between a logical matrix product and the physical arrays.

    Times are seconds after forming and apply to matrices formed by ``AnalogMatrix.random`` (their
    device's drift law; a read at or before the law's reference time t0 sees the formed conductance).

    train_time_s: when the system is characterised and the readout's training embeddings are read: the
        ADC ranges, the row sums of the bit-serial offset correction and the compensation's reference
        read are all measured at this time, once (:meth:`AnalogMatrix.at_time`).
    inference_times_s: when the test embeddings are read (one number or an increasing list, each
        >= train_time_s); empty reads them at train_time_s, with the training embeddings.
    drift_compensation: ``none``, or ``global``: a reference read of a known input at train_time_s and
        at each inference time; their ratio rescales the matrix's converted outputs
        (:mod:`crossbar_sim.analog.compensation`).
    """

    array: ArrayConfig = field(default_factory=ArrayConfig)
    input: InputConfig = field(default_factory=InputConfig)
    adc: ADCConfig = field(default_factory=ADCConfig)
    read_noise: ReadNoiseConfig = field(default_factory=ReadNoiseConfig)
    mapping: MappingConfig = field(default_factory=MappingConfig)
    train_time_s: float = 0.0
    inference_times_s: tuple[float, ...] | float = ()
    drift_compensation: Literal["none", "global"] = "none"

    def __post_init__(self) -> None:
        for attr, cls in (("array", ArrayConfig), ("input", InputConfig), ("adc", ADCConfig),
                          ("read_noise", ReadNoiseConfig), ("mapping", MappingConfig)):
            if not isinstance(getattr(self, attr), cls):
                raise ParameterError(f"HardwareConfig.{attr}", getattr(self, attr),
                                     f"must be a {cls.__name__}")
        check_nonnegative("HardwareConfig.train_time_s", self.train_time_s)
        times = self.inference_times_s
        times = (times,) if isinstance(times, (int, float)) else tuple(times)
        for t in times:
            check_nonnegative("HardwareConfig.inference_times_s", t)
        if any(t < self.train_time_s for t in times):
            raise ParameterError("HardwareConfig.inference_times_s", list(times),
                                 f"must be >= train_time_s = {self.train_time_s} (the readout is trained "
                                 "first)")
        if any(b <= a for a, b in zip(times, times[1:], strict=False)):
            raise ParameterError("HardwareConfig.inference_times_s", list(times), "must be increasing")
        object.__setattr__(self, "inference_times_s", tuple(float(t) for t in times))
        check_choice("HardwareConfig.drift_compensation", self.drift_compensation, DRIFT_COMPENSATIONS)

    @property
    def test_read_times_s(self) -> tuple[float, ...]:
        """The times the test embeddings are read: ``inference_times_s``, or ``(train_time_s,)``."""
        return self.inference_times_s or (self.train_time_s,)

    @classmethod
    def ideal(cls, mapping: MappingConfig | None = None) -> HardwareConfig:
        """Every non-ideality off: unquantised inputs and ADC, no noise, no IR drop, no drift, and ideal
        programming (``mapping``'s mode, subtraction and g_max_S with ``ProgrammingModel.ideal()``)."""
        return cls(array=ArrayConfig(ir_drop=False), input=InputConfig(mode="ideal"),
                   adc=ADCConfig(bits=None),
                   read_noise=ReadNoiseConfig(relative_sigma=0.0, additive_sigma_S=0.0),
                   mapping=replace(mapping or MappingConfig(), programming=ProgrammingModel.ideal()))
