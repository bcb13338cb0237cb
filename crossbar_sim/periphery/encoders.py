"""Circuits at the array's edges: input encoders (bit-serial pulses, multi-level DAC) and the ADC.

An encoded batch is a stack of planes of *levels* u (one plane per read pulse); plane k drives the
rows with V = u·volts_per_level, and the logical input is recovered digitally as
x ≈ offset + scale·Σ_k plane_weight_k·u_k. So a column current I_k gives the logical product as
y = scale·Σ_k plane_weight_k·I_k/volts_per_level (times the weight scale) + offset·(row sums of W).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from crossbar_sim.periphery.config import InputConfig
from device_models.errors import check_array


@dataclass(frozen=True)
class EncodedInput:
    """A batch of input vectors as read pulses.

    levels: (planes, in, batch) drive levels u (bit-serial: 0/1; DAC: integer codes; ideal: x/max|x|).
    volts_per_level: row voltage per unit level, volts.
    plane_weights: (planes,) digital weight of each plane (2^k for bit-serial).
    scale: (batch,) logical input per unit level.
    offset: (batch,) logical offset added back digitally (bit-serial x_min, else 0).
    binary: levels are 0/1, so V² = V·V_read (the variance product reuses the plane).
    dac_bits: DAC resolution for the ledger (None for binary pulses, 0 for ideal voltages).
    """

    levels: np.ndarray
    volts_per_level: float
    plane_weights: np.ndarray
    scale: np.ndarray
    offset: np.ndarray
    binary: bool
    dac_bits: int | None

    @property
    def planes(self) -> int:
        return self.levels.shape[0]

    def decoded(self) -> np.ndarray:
        """(in, batch) the input values the hardware actually represents."""
        total = np.tensordot(self.plane_weights, self.levels.astype(np.float64), axes=1)
        return self.offset + self.scale * total


def _check_batch(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x as a finite float64 (in, batch) array with at least one row, and its per-vector min and max."""
    x = check_array("x", x, ndim=2, axes=("in", "batch"), nonempty=(0,))
    return x, x.min(axis=0), x.max(axis=0)


def encode_inputs(x: np.ndarray, config: InputConfig, read_voltage_V: float,
                  dtype: type = np.float32) -> EncodedInput:
    """Encode a batch x (in, batch) as read pulses according to ``config``."""
    if config.mode == "bit_serial":
        return encode_bit_serial(x, config.bits, read_voltage_V, dtype)
    if config.mode == "dac":
        return encode_dac(x, config.bits, read_voltage_V, dtype)
    return encode_ideal(x, read_voltage_V, dtype)


def volts_per_level(config: InputConfig, read_voltage_V: float) -> float:
    """Row voltage (V) per unit drive level: V_read, or V_read/(2^(bits−1)−1) for the DAC."""
    return read_voltage_V / (2 ** (config.bits - 1) - 1) if config.mode == "dac" else read_voltage_V


def encode_bit_serial(x: np.ndarray, bits: int, read_voltage_V: float, dtype: type) -> EncodedInput:
    """Per-vector min–max scaling to q = 0..2^bits−1, x ≈ x_min + Δ·q, one 0/V_read plane per bit."""
    x, x_min, x_max = _check_batch(x)
    top = 2**bits - 1
    delta = (x_max - x_min) / top
    levels = np.empty((bits, *x.shape), dtype=dtype)
    bit_planes(x, x_min, np.where(delta > 0, delta, 1.0), bits, levels)
    return EncodedInput(levels, read_voltage_V, 2.0 ** np.arange(bits), delta, x_min, True, None)


def encode_dac(x: np.ndarray, bits: int, read_voltage_V: float, dtype: type) -> EncodedInput:
    """One pass of a symmetric signed DAC: q = round(x/max|x|·L), L = 2^(bits−1)−1, V = q·V_read/L."""
    x, x_min, x_max = _check_batch(x)
    top = 2 ** (bits - 1) - 1
    span = np.maximum(x_max, -x_min)  # max |x| per vector
    q = np.empty((1, *x.shape), dtype=dtype)
    zeros = np.zeros(x.shape[1])
    quantise_levels(x, zeros, np.where(span > 0, span, 1.0) / top, -top, top, q[0])
    return EncodedInput(q, read_voltage_V / top, np.ones(1), span / top, zeros, False, bits)


def encode_ideal(x: np.ndarray, read_voltage_V: float, dtype: type) -> EncodedInput:
    """Unquantised voltages V = V_read·x/max|x| (one pass)."""
    x, x_min, x_max = _check_batch(x)
    span = np.maximum(x_max, -x_min)  # max |x| per vector
    safe = np.where(span > 0, span, 1.0)
    zeros = np.zeros(x.shape[1])
    return EncodedInput((x / safe).astype(dtype)[None], read_voltage_V, np.ones(1), span, zeros, False, 0)


@numba.njit(cache=True)
def quantise_levels(x, offset, step, code_min, code_max, out):  # pragma: no cover - compiled
    """out[i, n] = clip(rint((x[i, n] − offset[n]) / step[n]), code_min, code_max) (round half even)."""
    n_rows, n_vec = x.shape
    for i in range(n_rows):
        for n in range(n_vec):
            out[i, n] = min(max(np.rint((x[i, n] - offset[n]) / step[n]), code_min), code_max)


@numba.njit(cache=True)
def bit_planes(x, offset, step, bits, out):  # pragma: no cover - compiled
    """out[k, i, n] = bit k of q = clip(rint((x[i, n] − offset[n]) / step[n]), 0, 2^bits − 1)."""
    n_rows, n_vec = x.shape
    top = 2**bits - 1
    for i in range(n_rows):
        for n in range(n_vec):
            q = np.int64(min(max(np.rint((x[i, n] - offset[n]) / step[n]), 0), top))
            for k in range(bits):
                out[k, i, n] = (q >> k) & 1
