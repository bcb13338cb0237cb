"""What each ADC sees: the channel matrices of one block of tiles that share their driven lines.

A *channel* is what one ADC converts: a differential pair subtracted in the analogue domain (forward:
the pair's bit lines meet at one sense node, I⁺ − I⁻; reverse: its columns are driven with ±V, so a
word line carries Σ(G⁺ − G⁻)·V), one sensed line of a pair subtracted digitally (forward: each column
has its own ADC; reverse: each word line is converted in the pulse that drives the G⁺ columns and in
the one that drives the G⁻ columns), or one sensed line of an offset-mapped matrix. A block's channels
are its outputs in order, the G⁺ channels before the G⁻ ones when pairs are subtracted digitally.
With analogue tile accumulation (:func:`summed_block`) the blocks' sense nodes are shared: one block
driven by every logical input, each channel the sum of the same channel of every block.
Mean channel current: V @ G_eff (exact for ohmic cells, :mod:`crossbar_sim.circuit.irdrop`) with IR
drop on, else V @ G. Read noise: given the inputs, a channel's current is Gaussian with variance
Σ_i V_i²·Σ_cells Var(G), Var(G) = ``ReadNoiseModel.std_S(G)²``, summed over the cells of its sensed
lines. With IR drop the variance is first order in the noise through the whole network
(:mod:`crossbar_sim.circuit.sensitivity`): a cell's current change is ΔV·U·δG, U its voltage in the
adjoint problem of the channel (its sense nodes driven), which carries the redistribution through the
wires; the weights are Σ_cells Var(G)·V²·U² with the cross terms of ΔV(x)² between driven lines
modelled by ``cross_weight`` ρ (0: signed inputs; ½: bit planes), and the correlation between channels
(forward pairs subtracted digitally: I⁺ and I⁻ share their word lines) left out. Measured error of the
fast noise std against the exact first order at the exact cell voltages of each input (G uniform in
0–20 µS, 20 random inputs, median / max |error|): signed inputs (ρ = 0), 0/1 planes with half the lines
on (ρ = ½), then non-negative inputs uniform in 0–1 (ρ = 0, where the dropped cross terms are largest):
forward 64×128 cells, 1 Ω (f >= 0.90): −0.01 % / 0.3 %, −0.01 % / 0.35 %, +0.9 % / 1.4 %; forward
64×64, 10 Ω (f >= 0.69): −0.1 % / 2.4 %, −0.1 % / 2.3 %, +7.6 % / 12 %; reverse pairs on 64 rows × 64
pairs, 1 Ω, analogue (the ±V drive cancels the cross terms): 0.01 % / 0.2 % for all three, digital
−0.01 % / 0.5 %, −0.04 % / 0.7 %, +1.8 % / 2.9 %; forward 256×512, 1 Ω (f >= 0.33, a 67 % IR-drop
loss): −0.04 % / 0.3 %, +0.06 % / 2.2 %, +7.1 % / 14 %; reverse analogue pairs on 256 rows × 256 pairs,
1 Ω: 0.01 % / 0.5 % for all three. Against Monte Carlo that re-solves every noisy
network (``tests/test_noise_irdrop.py``, 2000 reads, chi-square band with Bonferroni over the outputs)
the variances are indistinguishable at 64×64 / 10 Ω and on a formed 256×256 tile at 1 Ω. Second-order
terms (the noise's own change of the node voltages, in the mean and the variance) are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from crossbar_sim.analog.orientation import OrientedTile
from crossbar_sim.circuit.irdrop import usable_cores
from crossbar_sim.circuit.sensitivity import Pulse, read_noise_weights
from crossbar_sim.common.blas import single_threaded_blas


@dataclass(frozen=True, eq=False)
class ChannelBlock:
    """What the ADCs of one block see: one row per channel, one column per driven logical line.

    drive_start, drive_stop: the logical lines driving the block.
    tile_ids: (channels,) the ADC group of each channel (whose full scale it uses): the row-major tile
        index, or with analogue tile accumulation the column of the tile grid.
    mean_S: (channels, driven) effective conductance of the channel, S (signed for analogue pairs).
    var_S2: (channels, driven) read-noise variance per volt² of each driven line, S²: Σ Var(G)·f²·U².
    nominal_S: (channels, driven) programmed channel conductance, S (ADC ranging).
    power_S: (driven,) Σ G·φ² over the cells one driven logical line feeds (φ: the cell-voltage fraction
        of the uniform drive, 1 without IR drop), S.
    n_tiles: tiles each driven line crosses; sensed_lines: physical sensed lines each driven line crosses.
    """

    drive_start: int
    drive_stop: int
    tile_ids: np.ndarray
    mean_S: np.ndarray
    var_S2: np.ndarray
    nominal_S: np.ndarray
    power_S: np.ndarray
    n_tiles: int
    sensed_lines: int


Group = tuple[np.ndarray, np.ndarray, np.ndarray]  # (mean, var, nominal), each (driven logical, channels)
CellVariance = Callable[[np.ndarray], np.ndarray]  # per-cell read variance (S²) of conductances (S)


def _noise_weights(tile: OrientedTile, port_V: np.ndarray, pulses: list[Pulse], cell_var: np.ndarray,
                   cross_weight: float) -> list[np.ndarray]:
    """Per pulse, the (driven logical, channels) first-order read-noise variances per volt² through the
    wires (:func:`crossbar_sim.circuit.sensitivity.read_noise_weights`), in this view's orientation;
    ``port_V`` (channels, sensed) are the channels' sense-node patterns."""
    if not cell_var.any():
        return [np.zeros((p.drive_V.shape[0], port_V.shape[0])) for p in pulses]
    solution = tile.solution
    if tile.mirrored:  # the solution is the mirrored array's: both physical axes run the other way
        pulses = [Pulse(p.drive_V[:, ::-1], p.fraction[::-1, ::-1], p.owner[::-1]) for p in pulses]
        cell_var, port_V = cell_var[::-1, ::-1], port_V[:, ::-1]
    return read_noise_weights(solution.conductance_S, solution.wires, cell_var, port_V, pulses, cross_weight)


def _tile_channels(tile: OrientedTile, digital: bool, variance: CellVariance | None, cross_weight: float
                   ) -> tuple[list[Group], np.ndarray]:
    """One tile's channel groups (G⁺ then G⁻ when pairs are subtracted digitally) and its (driven logical,)
    power weights Σ G·f² over the pulses and the cells each driven logical line feeds."""
    if tile.pair_axis == 0:
        return _driven_pair_channels(tile, digital, variance, cross_weight)
    g = tile.conductance_S
    g_eff = tile.effective_conductance_S
    fraction = tile.cell_voltage_fraction
    cell_var = np.zeros_like(g) if variance is None else variance(g)
    power = (g if fraction is None else g * fraction**2).sum(axis=1)
    n_driven, n_sensed = g.shape
    analog_pairs = tile.pair_axis == 1 and not digital
    if fraction is None:
        var = cell_var if not analog_pairs else cell_var[:, 0::2] + cell_var[:, 1::2]
    else:  # each channel's sense nodes: one line at 1 V, or a pair's at +1 V and -1 V
        ports = np.eye(n_sensed)
        if analog_pairs:
            ports = ports[0::2] - ports[1::2]
        pulse = Pulse(np.eye(n_driven), fraction, np.arange(n_driven))
        var = _noise_weights(tile, ports, [pulse], cell_var, cross_weight)[0]
    if tile.pair_axis is None:
        return [(g_eff, var, g)], power
    if digital:
        return [(g_eff[:, 0::2], var[:, 0::2], g[:, 0::2]), (g_eff[:, 1::2], var[:, 1::2], g[:, 1::2])], power
    return [(g_eff[:, 0::2] - g_eff[:, 1::2], var, g[:, 0::2] - g[:, 1::2])], power


def _pair_sum(a: np.ndarray) -> np.ndarray:
    return a[0::2] + a[1::2]


def _driven_pair_channels(tile: OrientedTile, digital: bool, variance: CellVariance | None,
                          cross_weight: float) -> tuple[list[Group], np.ndarray]:
    """Reverse read of pairs: one group per pulse, every cell weighted by its voltage in that pulse."""
    g, g_eff = tile.conductance_S, tile.effective_conductance_S
    on_plus, on_minus = tile.pair_drive_fractions()
    n_pairs = g.shape[0] // 2
    plus = np.zeros((n_pairs, g.shape[0]))
    plus[np.arange(n_pairs), 2 * np.arange(n_pairs)] = 1.0
    minus = np.roll(plus, 1, axis=1)  # the G⁻ line of each pair
    # analogue: G⁺ at +V, G⁻ at −V in one pulse; digital: G⁺ then G⁻, the other line at 0 V
    pulses = [(plus, on_plus), (minus, on_minus)] if digital else [(plus - minus, on_plus - on_minus)]
    cell_var = np.zeros_like(g) if variance is None else variance(g)
    if tile.solution is None:
        var = [_pair_sum(cell_var * f**2) for _, f in pulses]
    else:
        owner = np.arange(g.shape[0]) // 2
        var = _noise_weights(tile, np.eye(g.shape[1]), [Pulse(d, f, owner) for d, f in pulses], cell_var,
                             cross_weight)
    power = sum(_pair_sum((g * f**2).sum(axis=1)) for _, f in pulses)
    if digital:
        return [(g_eff[0::2], var[0], g[0::2]), (g_eff[1::2], var[1], g[1::2])], power
    return [(g_eff[0::2] - g_eff[1::2], var[0], g[0::2] - g[1::2])], power


def channel_blocks(grid: list[list[OrientedTile]], digital: bool, variance: CellVariance | None,
                   cross_weight: float) -> list[ChannelBlock]:
    """One :class:`ChannelBlock` per block (row of ``grid``): channels of its tiles, groups outermost.

    ``variance``: the read variance (S²) of a cell of conductance G (S), e.g. ``model.std_S(G)**2``
    of a :class:`device_models.ReadNoiseModel`; None: no read-noise weights (all zero).
    ``cross_weight``: the assumed E[x_i x_j]/E[x_i²] of two driven lines' inputs (IR drop only, see
    :mod:`crossbar_sim.circuit.sensitivity`)."""
    tiles = [t for row in grid for t in row]

    def channels(tile: OrientedTile) -> tuple[list[Group], np.ndarray]:
        return _tile_channels(tile, digital, variance, cross_weight)

    costly = variance is not None and any(t.cell_voltage_fraction is not None for t in tiles)
    workers = min(usable_cores(), len(tiles)) if costly else 1
    if workers > 1:  # read-noise fields through the wires: LAPACK runs without the GIL, a tile per thread
        with single_threaded_blas(), ThreadPoolExecutor(max_workers=workers) as pool:
            by_tile = iter(list(pool.map(channels, tiles)))
    else:
        by_tile = map(channels, tiles)
    blocks = []
    for row in grid:
        groups, powers = zip(*(next(by_tile) for _ in row), strict=True)
        parts = [[groups[i][k] for i in range(len(row))] for k in range(len(groups[0]))]
        ids = np.concatenate([np.full(g[0].shape[1], row[i].index)
                              for part in parts for i, g in enumerate(part)])
        stack = [np.ascontiguousarray(np.hstack([g[m] for part in parts for g in part]).T) for m in range(3)]
        power = sum(powers)
        blocks.append(ChannelBlock(row[0].drive_start, row[0].drive_stop, ids, stack[0], stack[1], stack[2],
                                   power, len(row), sum(t.conductance_S.shape[1] for t in row)))
    return blocks


def summed_block(blocks: list[ChannelBlock], first_row: list[OrientedTile]) -> ChannelBlock:
    """The blocks read with analogue tile accumulation: the sensed lines of the tiles of one column of the
    grid meet at one current-summing node, so each channel is driven by every logical input and its current
    (and read-noise variance) is the sum over the blocks. ``first_row`` is the grid's first row of tiles;
    a channel's ADC group is the grid column of its tile there."""
    column_of = {t.index: c for c, t in enumerate(first_row)}
    first = blocks[0]
    return ChannelBlock(first.drive_start, blocks[-1].drive_stop,
                        np.array([column_of[int(t)] for t in first.tile_ids]),
                        np.hstack([b.mean_S for b in blocks]), np.hstack([b.var_S2 for b in blocks]),
                        np.hstack([b.nominal_S for b in blocks]), np.concatenate([b.power_S for b in blocks]),
                        first.n_tiles, first.sensed_lines)
