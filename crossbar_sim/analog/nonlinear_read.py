"""Reads through non-ohmic cells (I = G·f(V), :mod:`device_models.cell_iv`).

Without IR drop every cell of a driven line sees exactly the line's voltage, so the read is
Σ_i G_ij·f(V_i): the drive levels u become f(u·V_level)/V_level (:func:`cell_drive`) and the rest of the
read is unchanged; the read-noise variance, Σ Var(G)·V², becomes Σ Var(G)·f(V)², which the noisy read
builds from the squares of the same transformed levels. 0/1 bit-serial pulses at V_read are left exactly
as they are (f(0) = 0, f(V_read) = V_read), and ohmic cells leave every level untouched.

With IR drop the network has no effective conductance: every pulse of every input vector is solved by
Newton's method (:mod:`crossbar_sim.circuit.nonlinear`) for the exact cell voltages U (:func:`cell_voltages`),
the channel currents are Σ G·f(U) and the read-noise variance Σ Var(G)·f(U)²: the first-order noise of each
cell at its noise-free operating point, without the change of node voltages the noise itself causes and
without its spread through the wires (both second order for wires far more conductive than the cells).
The output-space noise draws one standard normal per channel and vector from the read's noise Generator; the
per-cell reference mode draws every cell per pulse and vector instead (:meth:`ReadNoiseModel.sample`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from crossbar_sim.analog.channels import ChannelBlock
from crossbar_sim.analog.orientation import OrientedTile
from crossbar_sim.circuit.nonlinear import NonlinearCrossbar
from crossbar_sim.periphery.encoders import EncodedInput
from crossbar_sim.periphery.sensing import sense_accumulate
from device_models.cell_iv import CellIV
from device_models.read_noise import ReadNoiseModel

CHUNK_CELLS = 1 << 21  # cell voltages (vectors × cells of a tile) held at once: 16 MB per array


def cell_drive(enc: EncodedInput, cell: CellIV) -> EncodedInput:
    """``enc`` with levels f(u·V_level)/V_level: what the cells conduct without IR drop (enc if ohmic)."""
    if cell.is_ohmic:
        return enc
    volts = enc.levels.astype(np.float64) * enc.volts_per_level
    levels = (cell.f(volts) / enc.volts_per_level).astype(enc.levels.dtype)
    return dataclasses.replace(enc, levels=levels)


def cell_voltages(tile: OrientedTile, volts: np.ndarray, cell: CellIV) -> np.ndarray:
    """Exact cell voltages (batch, driven, sensed), V, of an IR-drop tile for drives (batch, driven), V."""
    solution = tile.solution
    if solution is None:
        raise ValueError("cell_voltages needs a tile with IR drop (tile.solution is None)")
    array = NonlinearCrossbar(solution.conductance_S, solution.wires, cell)
    if not tile.mirrored:
        return array.cell_voltages(volts)
    return array.cell_voltages(np.ascontiguousarray(volts[:, ::-1]))[:, ::-1, ::-1]


def _drive_patterns(tile: OrientedTile, volts: np.ndarray, digital: bool) -> list[np.ndarray]:
    """Physical drive voltages (batch, driven lines) of each pulse for logical voltages (batch, driven)."""
    if tile.pair_axis != 0:
        return [volts]
    zeros = np.zeros_like(volts)
    pairs = [(volts, zeros), (zeros, volts)] if digital else [(volts, -volts)]
    return [np.stack(p, axis=2).reshape(volts.shape[0], -1) for p in pairs]


def _channels(tile: OrientedTile, sensed: np.ndarray, digital: bool, variance: bool) -> list[np.ndarray]:
    """Channel rows of one pulse from sensed-line rows (sensed, batch); variances add over a pair."""
    if tile.pair_axis != 1:
        return [sensed]
    if digital:
        return [sensed[0::2], sensed[1::2]]
    return [sensed[0::2] + sensed[1::2] if variance else sensed[0::2] - sensed[1::2]]


def block_currents(rows: list[list[OrientedTile]], volts: np.ndarray, drive_start: int, digital: bool,
                   cell: CellIV, noise: ReadNoiseModel | None, per_cell_rng: np.random.Generator | None
                   ) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`_block_currents` in chunks of input vectors of at most CHUNK_CELLS cell voltages per tile."""
    cells = max(t.conductance_S.size for row in rows for t in row)
    step = max(1, CHUNK_CELLS // cells)
    parts = [_block_currents(rows, volts[:, k:k + step], drive_start, digital, cell, noise, per_cell_rng)
             for k in range(0, max(volts.shape[1], 1), step)]
    return (np.hstack([m for m, _, _ in parts]), np.hstack([v for _, v, _ in parts]),
            sum(w for _, _, w in parts))


def _block_currents(rows: list[list[OrientedTile]], volts: np.ndarray, drive_start: int, digital: bool,
                    cell: CellIV, noise: ReadNoiseModel | None, per_cell_rng: np.random.Generator | None
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """(mean, variance) of the channel currents (channels, batch), A and A², of a block for logical drive
    voltages ``volts`` (driven, batch) of its lines from ``drive_start`` on, channels ordered as in
    :func:`crossbar_sim.analog.channels.channel_blocks`; ``rows`` are summed (analogue tile accumulation);
    and the power Σ G·U·f(U) (W) of the noise-free cells at their solved voltages U, summed over the batch.
    With ``per_cell_rng`` every cell is drawn per vector (the mean is then that draw's current and the
    variance 0); ``noise`` None: no noise."""
    total_mean: np.ndarray | float = 0.0
    total_var: np.ndarray | float = 0.0
    power_W = 0.0
    for row in rows:
        means, variances = [], []
        for tile in row:
            lines = slice(tile.drive_start - drive_start, tile.drive_stop - drive_start)
            local = np.ascontiguousarray(volts[lines].T)
            g = tile.conductance_S
            var_S2 = None if noise is None or per_cell_rng is not None else noise.std_S(g) ** 2
            tile_means, tile_vars = [], []
            for drive in _drive_patterns(tile, local, digital):
                volts_cell = cell_voltages(tile, drive, cell)  # (batch, driven, sensed)
                conducted = cell.f(volts_cell)
                power_W += float(np.einsum("ij,nij->", g, volts_cell * conducted))
                if per_cell_rng is not None:
                    mean = np.stack([(noise.sample(g, per_cell_rng) * c).sum(axis=0) for c in conducted],
                                    axis=1)
                else:
                    mean = np.einsum("ij,nij->jn", g, conducted)
                var = (np.zeros_like(mean) if var_S2 is None
                       else np.einsum("ij,nij->jn", var_S2, conducted * conducted))
                tile_means += _channels(tile, mean, digital, variance=False)
                tile_vars += _channels(tile, var, digital, variance=True)
            means.append(tile_means)
            variances.append(tile_vars)
        total_mean = total_mean + np.vstack([m[k] for k in range(len(means[0])) for m in means])
        total_var = total_var + np.vstack([v[k] for k in range(len(variances[0])) for v in variances])
    return np.asarray(total_mean), np.asarray(total_var), power_W


def read_newton(rows: list[list[OrientedTile]], levels: np.ndarray, drive_start: int, enc: EncodedInput,
                digital: bool, cell: CellIV, noise: ReadNoiseModel | None, per_cell: bool, sense_args: tuple,
                acc: np.ndarray, rng: np.random.Generator, noise_rng: np.random.Generator
                ) -> tuple[int, float]:
    """Read every plane of ``levels`` (planes, driven, batch) on one block with Newton-solved cell voltages,
    convert and accumulate into ``acc``; ``sense_args`` = (quantise, lsb_A, code_min, code_max,
    vector_scale). ``rng`` draws the per-cell reference's cells, ``noise_rng`` the output-space normals.
    Returns the clipped conversions and the cells' power Σ G·U·f(U) summed over pulses and vectors, W."""
    quantise, lsb, code_min, code_max, vector_scale = sense_args
    clipped = 0
    power_W = 0.0
    for k, lv in enumerate(levels):
        cells_rng = rng if per_cell and noise is not None else None
        mean, var, pulse_W = block_currents(rows, lv.astype(np.float64) * enc.volts_per_level, drive_start,
                                            digital, cell, noise, cells_rng)
        power_W += pulse_W
        noisy = noise is not None and not per_cell
        z = noise_rng.standard_normal(mean.shape) if noisy else mean[:0]
        clipped += sense_accumulate(mean, var, z, noisy, quantise, lsb, code_min, code_max,
                                    float(enc.plane_weights[k]), vector_scale, acc)
    return clipped, power_W


def calibrated_newton_full_scale(block_rows: list[list[list[OrientedTile]]], blocks: list[ChannelBlock],
                                 enc: EncodedInput, digital: bool, cell: CellIV, n_groups: int,
                                 percentile: float, worst_case_A: np.ndarray) -> np.ndarray:
    """(groups,) the ``percentile`` of |I| (A) over each ADC group's Newton-solved, noise-free channel
    currents of every pulse of ``enc``, as :func:`crossbar_sim.analog.ranging.calibrated_full_scale`."""
    fs = np.zeros(n_groups)
    for rows, b in zip(block_rows, blocks, strict=True):
        levels = enc.levels[:, b.drive_start:b.drive_stop, :].astype(np.float64) * enc.volts_per_level
        currents = np.stack([block_currents(rows, lv, b.drive_start, digital, cell, None, None)[0]
                             for lv in levels])
        for t in np.unique(b.tile_ids):
            fs[t] = np.percentile(np.abs(currents[:, b.tile_ids == t, :]), percentile)
    return np.where(fs > 0.0, fs, worst_case_A)
