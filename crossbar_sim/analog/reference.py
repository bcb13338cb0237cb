"""The per-cell reference read, the slow twin of the output-space noise: every cell drawn at every pulse.

Each pulse and each vector draws every cell's conductance with the device-layer sampler
(:meth:`device_models.ReadNoiseModel.sample`) and multiplies in float64; with IR drop every read
re-solves the whole network with its own cell conductances (:class:`crossbar_sim.circuit.perturbed.
PerturbedArray`, to 1e-10 relative), so the redistribution of the noise currents through the wires is
exact to every order. A reverse read of a pair subtracted digitally is two pulses (G⁺ columns driven,
then G⁻ columns), each with fresh draws.
"""

from __future__ import annotations

import weakref

import numpy as np

from crossbar_sim.analog.orientation import OrientedTile
from crossbar_sim.circuit.irdrop import IRDropSolution
from crossbar_sim.circuit.perturbed import PerturbedArray
from device_models.read_noise import ReadNoiseModel

READ_CHUNK_VALUES = 1 << 22  # noisy cell conductances held at once (32 MB)
_ARRAYS: weakref.WeakKeyDictionary[IRDropSolution, PerturbedArray] = weakref.WeakKeyDictionary()


def _perturbed(solution: IRDropSolution) -> PerturbedArray:
    """The array of ``solution`` with its noise-free nodal factor, built once per programmed tile."""
    if solution not in _ARRAYS:
        _ARRAYS[solution] = PerturbedArray(solution.conductance_S, solution.wires)
    return _ARRAYS[solution]


def _noisy_sensed(tile: OrientedTile, drive: np.ndarray, sampler: ReadNoiseModel, rng: np.random.Generator
                  ) -> np.ndarray:
    """Sensed-line currents (sensed, batch) of reads with drive voltages (driven, batch), every read's cells
    drawn afresh; with IR drop each read's network is solved exactly."""
    g = tile.conductance_S
    n_vec = drive.shape[1]
    if tile.solution is None:
        return np.stack([drive[:, n] @ sampler.sample(g, rng) for n in range(n_vec)], axis=1)
    array = _perturbed(tile.solution)
    out = np.empty((g.shape[1], n_vec))
    chunk = max(1, READ_CHUNK_VALUES // g.size)
    for start in range(0, n_vec, chunk):
        stop = min(start + chunk, n_vec)
        read = np.stack([sampler.sample(g, rng) for _ in range(start, stop)])
        volts = drive[:, start:stop].T
        if tile.mirrored:  # the solution is the mirrored array's: both axes run the other way
            out[::-1, start:stop] = array.sensed_currents(volts[:, ::-1], read[:, ::-1, ::-1]).T
        else:
            out[:, start:stop] = array.sensed_currents(volts, read).T
    return out


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
            tile_groups += _channels(tile, _noisy_sensed(tile, drive, sampler, rng), digital)
        groups.append(tile_groups)
    return np.vstack([g[k] for k in range(len(groups[0])) for g in groups])
