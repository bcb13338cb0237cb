"""The per-cell reference read, the slow twin of the output-space noise: every cell drawn at every pulse.

Each pulse and each vector draws every cell's conductance with the device-layer sampler
(:meth:`device_models.ReadNoiseModel.sample`) and multiplies in float64; with IR drop the currents
are Σ G_read·V_cell with the exact cell voltages of the noise-free network (a sparse nodal solve of
the array as the read drives it), so it ignores only the change of node voltages caused by the noise
itself. A reverse read of a pair subtracted digitally is two pulses (G⁺ columns driven, then G⁻
columns), each with fresh draws.
"""

from __future__ import annotations

import numpy as np

from crossbar_sim.analog.orientation import OrientedTile
from device_models.read_noise import ReadNoiseModel


def _drive_patterns(tile: OrientedTile, volts: np.ndarray, digital: bool) -> list[np.ndarray]:
    """Physical drive voltages (driven lines, batch) of each pulse for logical voltages (driven, batch)."""
    if tile.pair_axis != 0:
        return [volts]
    zeros = np.zeros_like(volts)
    pairs = [(volts, zeros), (zeros, volts)] if digital else [(volts, -volts)]
    return [np.stack(p, axis=1).reshape(2 * volts.shape[0], -1) for p in pairs]


def _channels(tile: OrientedTile, phys: np.ndarray, digital: bool) -> list[np.ndarray]:
    """The channel currents of one pulse from its sensed-line currents (sensed lines, batch)."""
    if tile.pair_axis != 1:
        return [phys]
    return [phys[0::2], phys[1::2]] if digital else [phys[0::2] - phys[1::2]]


def per_cell_currents(row: list[OrientedTile], volts: np.ndarray, digital: bool, sampler: ReadNoiseModel,
                      rng: np.random.Generator) -> np.ndarray:
    """Channel currents (channels, batch) A of the block of tiles ``row`` for logical drive voltages
    ``volts`` (driven, batch), channels ordered as in :func:`crossbar_sim.analog.channels.channel_blocks`."""
    groups: list[list[np.ndarray]] = []
    for tile in row:
        tile_groups = []
        for drive in _drive_patterns(tile, volts, digital):
            cell_v = tile.cell_voltages(drive.T)  # (batch, driven, sensed) or None
            phys = np.empty((tile.conductance_S.shape[1], drive.shape[1]))
            for n in range(drive.shape[1]):
                g_read = sampler.sample(tile.conductance_S, rng)
                phys[:, n] = drive[:, n] @ g_read if cell_v is None else np.sum(cell_v[n] * g_read, axis=0)
            tile_groups += _channels(tile, phys, digital)
        groups.append(tile_groups)
    return np.vstack([g[k] for k in range(len(groups[0])) for g in groups])
