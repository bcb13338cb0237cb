"""Hardware configuration of the analogue vector-matrix multiply: a frozen tree of small dataclasses.

Defaults follow Wang et al., Nat. Mach. Intell. 5, 104 (2023) where the paper says something:
4-bit bit-serial inputs, 2 % multiplicative read noise, 512×512 arrays. Where it is silent:
read voltage 0.2 V, 8-bit ADC ranged on the tile's worst-case column current, differential pairs
subtracted in the analogue domain before one ADC, g_max 20 µS (above the ≈ 12.3 ± 1.8 µS formed
state), IR drop off (it needs a one-off nodal solve per tile), no drift.

Read noise lives here, not in the device model: the hardware config is the single source of the
sigma used by reads (its defaults equal :class:`device_models.ReadNoiseModel`'s). Use
:meth:`ReadNoiseConfig.from_model` to copy a device model's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from crossbar_sim.wires import WireParasitics
from device_models.errors import (
    ParameterError,
    check_choice,
    check_int,
    check_nonnegative,
    check_positive,
)
from device_models.read_noise import ReadNoiseModel

INPUT_MODES = ("ideal", "bit_serial", "dac")
ADC_RANGE_MODES = ("fixed", "tile_max", "calibrated")
NOISE_MODES = ("output", "per_cell")
MAPPING_MODES = ("differential", "offset")
PAIR_SUBTRACTIONS = ("analog", "digital")


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


@dataclass(frozen=True)
class InputConfig:
    """How input vectors become row voltages.

    mode: ``"ideal"``: V = V_read·x/max|x| per vector, unquantised; ``"bit_serial"``: per-vector
        min–max scaling to integers 0..2^bits−1 applied as ``bits`` binary 0/V_read pulses, with the
        x_min offset added digitally; ``"dac"``: one pass of a signed, symmetric multi-level DAC with
        2^bits−1 levels q·V_read/(2^(bits−1)−1), q = −(2^(bits−1)−1)..(2^(bits−1)−1), scaled by max|x|
        per vector (a non-negative input uses only half the codes).
    bits: input resolution (bit_serial: >= 1; dac: >= 2; ignored for ideal).
    """

    mode: Literal["ideal", "bit_serial", "dac"] = "bit_serial"
    bits: int = 4

    def __post_init__(self) -> None:
        check_choice("InputConfig.mode", self.mode, INPUT_MODES)
        check_int("InputConfig.bits", self.bits, minimum=2 if self.mode == "dac" else 1, maximum=24)


@dataclass(frozen=True)
class ADCConfig:
    """Column sensing: TIA then ADC, one conversion per sensed column per read pulse.

    bits: resolution, or None for an ideal (unquantised, unclipped) read. A channel that can carry
        both signs (a pair subtracted in the analogue domain, or signed input voltages) uses a
        symmetric mid-tread ADC with codes −(2^(bits−1)−1)..2^(bits−1)−1; otherwise codes 0..2^bits−1.
    range_mode: full-scale current: ``"fixed"`` (``full_scale_A``), ``"tile_max"`` (worst-case column
        current of the tile over all admissible inputs), ``"calibrated"`` (``percentile`` of |I| over
        the tile's columns on calibration inputs, see ``AnalogMatrix.calibrate``).
    full_scale_A: full-scale current in amperes for ``"fixed"``.
    percentile: percentile (0, 100] of the calibration currents used as full scale.
    tia_gain_ohm: transimpedance gain, ohms: the ADC input voltage is I·tia_gain_ohm.
    """

    bits: int | None = 8
    range_mode: Literal["fixed", "tile_max", "calibrated"] = "tile_max"
    full_scale_A: float = 100e-6
    percentile: float = 99.9
    tia_gain_ohm: float = 10e3

    def __post_init__(self) -> None:
        if self.bits is not None:
            check_int("ADCConfig.bits", self.bits, minimum=2, maximum=24)
        check_choice("ADCConfig.range_mode", self.range_mode, ADC_RANGE_MODES)
        check_positive("ADCConfig.full_scale_A", self.full_scale_A)
        if not 0.0 < check_positive("ADCConfig.percentile", self.percentile) <= 100.0:
            raise ParameterError("ADCConfig.percentile", self.percentile, "must lie in (0, 100]")
        check_positive("ADCConfig.tia_gain_ohm", self.tia_gain_ohm)


@dataclass(frozen=True)
class ReadNoiseConfig:
    """Cycle-to-cycle read noise, redrawn per read pulse and per cell.

    relative_sigma: multiplicative sigma relative to G (0.02 as in the paper's code).
    additive_sigma_S: additive floor, siemens.
    mode: ``"output"``: the exact Gaussian column-current distribution drawn in output space (fast);
        ``"per_cell"``: every cell's conductance drawn per read, then multiplied (slow reference).
    """

    relative_sigma: float = 0.02
    additive_sigma_S: float = 0.0
    mode: Literal["output", "per_cell"] = "output"

    def __post_init__(self) -> None:
        check_nonnegative("ReadNoiseConfig.relative_sigma", self.relative_sigma)
        check_nonnegative("ReadNoiseConfig.additive_sigma_S", self.additive_sigma_S)
        check_choice("ReadNoiseConfig.mode", self.mode, NOISE_MODES)

    @property
    def enabled(self) -> bool:
        return self.relative_sigma > 0.0 or self.additive_sigma_S > 0.0

    @classmethod
    def from_model(cls, model: ReadNoiseModel, mode: Literal["output", "per_cell"] = "output"
                   ) -> ReadNoiseConfig:
        """The read noise of a device model."""
        return cls(model.relative_sigma, model.additive_sigma_S, mode)

    def model(self) -> ReadNoiseModel:
        """The device-layer sampler with these sigmas (used by the per-cell mode)."""
        return ReadNoiseModel(self.relative_sigma, self.additive_sigma_S)


@dataclass(frozen=True)
class MappingConfig:
    """Logical signed matrix → conductances.

    mode: ``"differential"``: W = k(G⁺ − G⁻); ``"offset"``: single-ended W = k·G + w_min with the
        w_min·Σx term added digitally (w_min = min(W, 0)).
    pair_subtraction: ``"analog"``: the pair's bit lines meet at one sense node (I⁺ − I⁻, one ADC);
        ``"digital"``: each column has its own ADC and the codes are subtracted digitally.
    g_max_S: largest programmed conductance, siemens (``from_weights``: max|W| maps to it).
    """

    mode: Literal["differential", "offset"] = "differential"
    pair_subtraction: Literal["analog", "digital"] = "analog"
    g_max_S: float = 20e-6

    def __post_init__(self) -> None:
        check_choice("MappingConfig.mode", self.mode, MAPPING_MODES)
        check_choice("MappingConfig.pair_subtraction", self.pair_subtraction, PAIR_SUBTRACTIONS)
        check_positive("MappingConfig.g_max_S", self.g_max_S)


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
