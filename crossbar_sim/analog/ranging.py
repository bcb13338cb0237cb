"""ADC ranging: each ADC group's full-scale current for one read direction (fixed, worst case, calibrated).

An ADC group is one tile's channels, or with analogue tile accumulation one column block's summed channels
(so the range covers the sum). ``"fixed"`` takes the configured current; ``"tile_max"`` the largest
|current| any admissible input can put on one of the group's channels
(:func:`crossbar_sim.periphery.adc.worst_case_current_A` on the programmed channel conductances);
``"calibrated"`` the configured percentile of |I| over the group's noise-free channel currents of every
pulse of calibration inputs (with IR drop when on); a group the calibration inputs leave without any
current (e.g. an array whose inputs are always zero) keeps the worst-case range rather than an
unphysical zero. The ADCs of the two read directions are different circuits (bit-line and word-line
periphery), ranged separately.
"""

from __future__ import annotations

import numpy as np

from crossbar_sim.analog.channels import ChannelBlock
from crossbar_sim.periphery.adc import worst_case_current_A
from crossbar_sim.periphery.config import ADCConfig
from crossbar_sim.periphery.encoders import EncodedInput

MIN_FULL_SCALE_A = 1e-18  # full-scale floor for an all-zero group (keeps the LSB finite)


def initial_full_scale(blocks: list[ChannelBlock], n_groups: int, adc: ADCConfig, read_voltage_V: float,
                       signed_inputs: bool) -> np.ndarray | None:
    """(groups,) full scale in A before any calibration; None for ``"calibrated"`` (not ranged yet)."""
    if adc.range_mode == "fixed":
        return np.full(n_groups, adc.full_scale_A)
    if adc.range_mode == "calibrated":
        return None
    return worst_case_full_scale(blocks, n_groups, read_voltage_V, signed_inputs)


def worst_case_full_scale(blocks: list[ChannelBlock], n_groups: int, read_voltage_V: float,
                          signed_inputs: bool) -> np.ndarray:
    """(groups,) the largest |current| (A) any admissible input puts on one of each group's channels."""
    fs = np.zeros(n_groups)
    for b in blocks:
        for t in np.unique(b.tile_ids):
            fs[t] = worst_case_current_A(b.nominal_S[b.tile_ids == t].T, read_voltage_V, signed_inputs)
    return np.maximum(fs, MIN_FULL_SCALE_A)


def calibrated_full_scale(blocks: list[ChannelBlock], n_groups: int, enc: EncodedInput, percentile: float,
                          worst_case_A: np.ndarray) -> np.ndarray:
    """(groups,) the ``percentile`` of |I| (A) over each ADC group's channel currents for the inputs; a
    group without any current keeps ``worst_case_A`` (its worst-case range)."""
    fs = np.zeros(n_groups)
    for b in blocks:
        levels = enc.levels[:, b.drive_start:b.drive_stop, :]
        currents = np.stack([b.mean_S @ lv for lv in levels]) * enc.volts_per_level
        for t in np.unique(b.tile_ids):
            fs[t] = np.percentile(np.abs(currents[:, b.tile_ids == t, :]), percentile)
    return np.where(fs > 0.0, fs, worst_case_A)
