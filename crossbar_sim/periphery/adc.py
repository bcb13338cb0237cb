"""The ADC after each sensed channel: code ranges and worst-case ranging (conversion and clipping happen in
the sensing kernels of :mod:`crossbar_sim.periphery.sensing`)."""

from __future__ import annotations

import numpy as np


def adc_code_range(bits: int, bipolar: bool) -> tuple[int, int]:
    """(lowest, highest) code: symmetric mid-tread when bipolar, else 0..2^bits−1."""
    if bipolar:
        top = 2 ** (bits - 1) - 1
        return -top, top
    return 0, 2**bits - 1


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
