"""Configuration of the circuits at the array's edges: input encoding (bit-serial pulses or a DAC),
column sensing (TIA and ADC) and the read noise seen at the sense node.

Defaults follow Wang et al., Nat. Mach. Intell. 5, 104 (2023) where the paper says something
(4-bit bit-serial inputs, 2 % multiplicative read noise); where it is silent: an 8-bit ADC ranged on
the tile's worst-case column current.

Read noise lives here, not in the device model: the hardware config is the single source of the
sigma used by reads (its defaults equal :class:`device_models.ReadNoiseModel`'s, the per-cell sampler).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from device_models.errors import (
    ParameterError,
    check_choice,
    check_int,
    check_positive,
)
from device_models.read_noise import ReadNoiseModel

INPUT_MODES = ("ideal", "bit_serial", "dac")
ADC_RANGE_MODES = ("fixed", "tile_max", "calibrated")
TILE_ACCUMULATIONS = ("digital", "analog")
NOISE_MODES = ("output", "per_cell")


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
    """Column sensing: TIA then ADC, one conversion per sense node per read pulse.

    bits: resolution, or None for an ideal (unquantised, unclipped) read. A channel that can carry
        both signs (a pair subtracted in the analogue domain, or signed input voltages) uses a
        symmetric mid-tread ADC with codes −(2^(bits−1)−1)..2^(bits−1)−1; otherwise codes 0..2^bits−1.
    range_mode: full-scale current: ``"fixed"`` (``full_scale_A``), ``"tile_max"`` (worst-case current
        of the ADC's channels over all admissible inputs), ``"calibrated"`` (``percentile`` of |I| over
        the ADC's channels on calibration inputs, see ``AnalogMatrix.calibrate``).
    full_scale_A: full-scale current in amperes for ``"fixed"``.
    percentile: percentile (0, 100] of the calibration currents used as full scale.
    tile_accumulation: how the partial sums of a matrix taller than one tile (several row tiles on the
        same outputs) are combined: ``"digital"``: each row tile's columns are converted and the codes
        added digitally; ``"analog"``: the bit lines of the row tiles of one column block meet at one
        current-summing node (a shared virtual ground), so one conversion sees the summed current and its
        range covers the sum (one ADC per column block instead of per tile, quantised once).
    columns_per_adc: sense nodes (columns) multiplexed onto one ADC (count, >= 1): each read pulse takes
        ``columns_per_adc`` sequential conversions per ADC; energy per conversion is unchanged, ADC area
        divides by it and the read cycle grows with it.
    skip_zero_reads: the controller skips a read pulse (a bit plane, or a DAC pass, of one input vector)
        whose driven lines are all at 0 V: no pulse, no conversion. Its contribution is exactly zero
        (no current, no read noise), so only the event counts change.
    """

    bits: int | None = 8
    range_mode: Literal["fixed", "tile_max", "calibrated"] = "tile_max"
    full_scale_A: float = 100e-6
    percentile: float = 99.9
    tile_accumulation: Literal["digital", "analog"] = "digital"
    columns_per_adc: int = 1
    skip_zero_reads: bool = True

    def __post_init__(self) -> None:
        if self.bits is not None:
            check_int("ADCConfig.bits", self.bits, minimum=2, maximum=24)
        check_choice("ADCConfig.range_mode", self.range_mode, ADC_RANGE_MODES)
        check_positive("ADCConfig.full_scale_A", self.full_scale_A)
        if not 0.0 < check_positive("ADCConfig.percentile", self.percentile) <= 100.0:
            raise ParameterError("ADCConfig.percentile", self.percentile, "must lie in (0, 100]")
        check_choice("ADCConfig.tile_accumulation", self.tile_accumulation, TILE_ACCUMULATIONS)
        check_int("ADCConfig.columns_per_adc", self.columns_per_adc, minimum=1)
        if not isinstance(self.skip_zero_reads, bool):
            raise ParameterError("ADCConfig.skip_zero_reads", self.skip_zero_reads, "must be true or false")


@dataclass(frozen=True)
class ReadNoiseConfig:
    """Cycle-to-cycle read noise, redrawn per read pulse and per cell (moments in
    :mod:`device_models.read_noise`: every term is zero-mean, so E[G_read] = G).

    relative_sigma: multiplicative sigma relative to G (0.02 as in the paper's code).
    additive_sigma_S: additive floor, siemens.
    sigma_table_S: (G_S, sigma_S) points of a tabulated sigma(G), linear between points, held at the
        ends; adds in quadrature to relative_sigma and additive_sigma_S (set those to 0 to use it alone).
    telegraph_relative_amplitude: random telegraph noise, level spacing ΔG relative to G (one two-level trap
        per cell, its state drawn independently at every read; the levels are G − pΔG and G + (1 − p)ΔG).
    telegraph_amplitude_S: random telegraph noise, level spacing independent of G, siemens (adds to the
        relative spacing).
    telegraph_occupancy: probability p of the trap's high state at a read (variance p(1 − p)ΔG²).
    mode: ``"output"``: the column-current distribution drawn in output space as a Gaussian with the exact
        mean and variance (fast; exact for the Gaussian terms, for RTN right to second order by the central
        limit theorem over a column's cells); ``"per_cell"``: every cell's conductance drawn per read, then
        multiplied (slow reference).
    """

    relative_sigma: float = 0.02
    additive_sigma_S: float = 0.0
    mode: Literal["output", "per_cell"] = "output"
    sigma_table_S: tuple[tuple[float, float], ...] = ()
    telegraph_relative_amplitude: float = 0.0
    telegraph_amplitude_S: float = 0.0
    telegraph_occupancy: float = 0.5

    def __post_init__(self) -> None:
        check_choice("ReadNoiseConfig.mode", self.mode, NOISE_MODES)
        try:
            model = self.model()  # validates every parameter
        except ParameterError as exc:
            raise ParameterError(exc.name.replace("ReadNoiseModel.", "ReadNoiseConfig."), exc.value,
                                 exc.allowed) from None
        object.__setattr__(self, "sigma_table_S", model.sigma_table_S)

    @property
    def enabled(self) -> bool:
        """Whether reads are noisy at all."""
        return self.model().enabled

    def model(self) -> ReadNoiseModel:
        """The device-layer noise model with these parameters: the per-cell sampler, and the per-read
        ``std_S(G)`` the output-space read uses."""
        return ReadNoiseModel(self.relative_sigma, self.additive_sigma_S, self.sigma_table_S,
                              self.telegraph_relative_amplitude, self.telegraph_amplitude_S,
                              self.telegraph_occupancy)
