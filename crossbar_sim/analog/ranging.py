"""ADC ranging: each tile's full-scale current for one read direction (fixed, tile worst case, calibrated).

``"fixed"`` takes the configured current; ``"tile_max"`` the largest |current| any admissible input can
put on one of the tile's channels (:func:`crossbar_sim.periphery.adc.worst_case_current_A` on the
programmed channel conductances); ``"calibrated"`` the configured percentile of |I| over the tile's
noise-free channel currents of every pulse of calibration inputs (with IR drop when on). The ADCs of
the two read directions are different circuits (bit-line and word-line periphery), ranged separately.
"""

from __future__ import annotations

import numpy as np

from crossbar_sim.analog.channels import ChannelBlock
from crossbar_sim.periphery.adc import worst_case_current_A
from crossbar_sim.periphery.config import ADCConfig
from crossbar_sim.periphery.encoders import EncodedInput

MIN_FULL_SCALE_A = 1e-18  # full-scale floor for an all-zero tile (keeps the LSB finite)


def initial_full_scale(blocks: list[ChannelBlock], n_tiles: int, adc: ADCConfig, read_voltage_V: float,
                       signed_inputs: bool) -> np.ndarray | None:
    """(tiles,) full scale in A before any calibration; None for ``"calibrated"`` (not ranged yet)."""
    if adc.range_mode == "fixed":
        return np.full(n_tiles, adc.full_scale_A)
    if adc.range_mode == "calibrated":
        return None
    fs = np.zeros(n_tiles)
    for b in blocks:
        for t in np.unique(b.tile_ids):
            fs[t] = worst_case_current_A(b.nominal_S[b.tile_ids == t].T, read_voltage_V, signed_inputs)
    return np.maximum(fs, MIN_FULL_SCALE_A)


def calibrated_full_scale(blocks: list[ChannelBlock], n_tiles: int, enc: EncodedInput, percentile: float
                          ) -> np.ndarray:
    """(tiles,) the ``percentile`` of |I| (A) over each tile's channel currents for the encoded inputs."""
    fs = np.zeros(n_tiles)
    for b in blocks:
        levels = enc.levels[:, b.drive_start:b.drive_stop, :]
        currents = np.stack([b.mean_S @ lv for lv in levels]) * enc.volts_per_level
        for t in np.unique(b.tile_ids):
            fs[t] = np.percentile(np.abs(currents[:, b.tile_ids == t, :]), percentile)
    return np.maximum(fs, MIN_FULL_SCALE_A)
