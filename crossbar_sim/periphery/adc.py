"""The ADC after each sensed channel: code ranges, conversion with clipping, and worst-case ranging."""

from __future__ import annotations

import numpy as np


def adc_code_range(bits: int, bipolar: bool) -> tuple[int, int]:
    """(lowest, highest) code: symmetric mid-tread when bipolar, else 0..2^bits−1."""
    if bipolar:
        top = 2 ** (bits - 1) - 1
        return -top, top
    return 0, 2**bits - 1


def adc_convert(current_A: np.ndarray, lsb_A: np.ndarray, code_min: int, code_max: int
                ) -> tuple[np.ndarray, int]:
    """Quantise currents (channels, batch) with per-channel LSB (A): (quantised currents A, clipped count).

    Codes are round-half-up of I/LSB; a conversion is clipped when that code lies outside the range.
    """
    lsb = np.asarray(lsb_A, dtype=np.float64)[:, None]
    code = np.floor(np.asarray(current_A, dtype=np.float64) / lsb + 0.5)
    clipped = int(np.count_nonzero((code < code_min) | (code > code_max)))
    return np.clip(code, code_min, code_max) * lsb, clipped


def worst_case_current_A(channel_conductance_S: np.ndarray, read_voltage_V: float, signed_inputs: bool
                         ) -> float:
    """Largest |column current| (A) of channels (rows, channels) over inputs with |V| <= V_read.

    A channel's conductance is signed for an analogue-subtracted pair (G⁺ − G⁻). With non-negative
    inputs the extreme currents are V_read·Σ max(G, 0) and V_read·Σ max(−G, 0); with signed inputs
    V_read·Σ|G|.
    """
    g = np.asarray(channel_conductance_S, dtype=np.float64)
    if signed_inputs:
        worst = np.abs(g).sum(axis=0)
    else:
        worst = np.maximum(np.maximum(g, 0).sum(axis=0), np.maximum(-g, 0).sum(axis=0))
    return float(read_voltage_V * worst.max(initial=0.0))
