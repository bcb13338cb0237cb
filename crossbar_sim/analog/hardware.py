"""Hardware configuration of the analogue vector-matrix multiply: one frozen tree of the layers' configs.

Defaults follow Wang et al., Nat. Mach. Intell. 5, 104 (2023) where the paper says something:
4-bit bit-serial inputs, 2 % multiplicative read noise, 512×512 arrays. Where it is silent:
read voltage 0.2 V, 8-bit ADC ranged on the tile's worst-case column current, differential pairs
subtracted in the analogue domain before one ADC, g_max 20 µS (above the ≈ 12.3 ± 1.8 µS formed
state), IR drop off (it needs a one-off nodal solve per tile), no drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from device_models.errors import ParameterError, check_nonnegative


@dataclass(frozen=True)
class HardwareConfig:
    """Everything between a logical matrix product and the physical arrays.

    drift_time_s: time of the reads after forming, seconds; applies to matrices formed by
        ``AnalogMatrix.random`` (their device drift law); 0 = read at the reference time.
    """

    array: ArrayConfig = field(default_factory=ArrayConfig)
    input: InputConfig = field(default_factory=InputConfig)
    adc: ADCConfig = field(default_factory=ADCConfig)
    read_noise: ReadNoiseConfig = field(default_factory=ReadNoiseConfig)
    mapping: MappingConfig = field(default_factory=MappingConfig)
    drift_time_s: float = 0.0

    def __post_init__(self) -> None:
        for attr, cls in (("array", ArrayConfig), ("input", InputConfig), ("adc", ADCConfig),
                          ("read_noise", ReadNoiseConfig), ("mapping", MappingConfig)):
            if not isinstance(getattr(self, attr), cls):
                raise ParameterError(f"HardwareConfig.{attr}", getattr(self, attr),
                                     f"must be a {cls.__name__}")
        check_nonnegative("HardwareConfig.drift_time_s", self.drift_time_s)

    @classmethod
    def ideal(cls, mapping: MappingConfig | None = None) -> HardwareConfig:
        """Every non-ideality off: unquantised inputs and ADC, no noise, no IR drop, no drift."""
        return cls(array=ArrayConfig(ir_drop=False), input=InputConfig(mode="ideal"),
                   adc=ADCConfig(bits=None),
                   read_noise=ReadNoiseConfig(relative_sigma=0.0, additive_sigma_S=0.0),
                   mapping=mapping or MappingConfig(), drift_time_s=0.0)
