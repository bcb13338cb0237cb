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
drop on, else V @ G. Read noise: given the inputs, a channel's current is exactly Gaussian with
variance Σ_i V_i²·Σ_cells (σ_rel²G² + σ_add²), summed over the cells of its sensed lines; with IR drop
the cell voltage is approximated as V_i·f_ij, f the cell voltage per volt when every logical input of
the pulse is at one voltage (forward: every row; reverse: every column, or for pairs the pulse's own
pattern, G⁺ at +1 V and G⁻ at −1 V or one of them at 1 V), so the variance weights are
(σ_rel²G² + σ_add²)·f². This ignores the change of node voltages caused by the noise itself (second
order). Measured error of the approximate noise std against exact cell voltages (G uniform in 0–20 µS,
1 Ω segments, 20 random inputs, median / max), non-negative inputs then signed ones: forward 64×128
cells (f >= 0.90) 0.3 % / 0.6 %, 1.2 % / 1.8 %; forward 256×512 (f >= 0.33, a 65 % IR-drop loss) 2.8 % /
7 %, 10 % / 20 %; reverse pairs on 64 rows × 64 pairs, analogue 0.01 % / 0.1 %, 0.03 % / 0.5 %, digital
0.6 % / 1.0 %, 2.4 % / 3.5 %; on 256 × 256 pairs, analogue 0.01 % / 0.2 %, 0.05 % / 0.9 %, digital 4.9 % /
7.4 %, 16 % / 22 %. Relative to the signal this is < 0.4 % at 2 % read noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossbar_sim.analog.orientation import OrientedTile


@dataclass(frozen=True, eq=False)
class ChannelBlock:
    """What the ADCs of one block see: one row per channel, one column per driven logical line.

    drive_start, drive_stop: the logical lines driving the block.
    tile_ids: (channels,) the ADC group of each channel (whose full scale it uses): the row-major tile
        index, or with analogue tile accumulation the column of the tile grid.
    mean_S: (channels, driven) effective conductance of the channel, S (signed for analogue pairs).
    var_S2: (channels, driven) variance weights (σ_rel²G² + σ_add²)·f², S².
    nominal_S: (channels, driven) programmed channel conductance, S (ADC ranging).
    power_S: (driven,) Σ G·f² over the cells one driven logical line feeds, S.
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


def _tile_channels(tile: OrientedTile, digital: bool, rel2: float, add2: float
                   ) -> tuple[list[Group], np.ndarray]:
    """One tile's channel groups (G⁺ then G⁻ when pairs are subtracted digitally) and its (driven logical,)
    power weights Σ G·f² over the pulses and the cells each driven logical line feeds."""
    if tile.pair_axis == 0:
        return _driven_pair_channels(tile, digital, rel2, add2)
    g = tile.conductance_S
    g_eff = tile.effective_conductance_S
    fraction = tile.cell_voltage_fraction
    f2 = 1.0 if fraction is None else fraction**2
    var = (rel2 * g**2 + add2) * f2
    power = (g if fraction is None else g * fraction**2).sum(axis=1)
    if tile.pair_axis is None:
        return [(g_eff, var, g)], power
    plus, minus = (g_eff[:, 0::2], var[:, 0::2], g[:, 0::2]), (g_eff[:, 1::2], var[:, 1::2], g[:, 1::2])
    if digital:
        return [plus, minus], power
    return [(plus[0] - minus[0], plus[1] + minus[1], plus[2] - minus[2])], power


def _pair_sum(a: np.ndarray) -> np.ndarray:
    return a[0::2] + a[1::2]


def _driven_pair_channels(tile: OrientedTile, digital: bool, rel2: float, add2: float
                          ) -> tuple[list[Group], np.ndarray]:
    """Reverse read of pairs: one group per pulse, every cell of a sensed line weighted by its voltage."""
    g, g_eff = tile.conductance_S, tile.effective_conductance_S
    on_plus, on_minus = tile.pair_drive_fractions()
    pulses = [on_plus, on_minus] if digital else [on_plus - on_minus]  # analogue: G⁺ at +V, G⁻ at −V
    weight = rel2 * g**2 + add2
    var = [_pair_sum(weight * f**2) for f in pulses]
    power = sum(_pair_sum((g * f**2).sum(axis=1)) for f in pulses)
    if digital:
        return [(g_eff[0::2], var[0], g[0::2]), (g_eff[1::2], var[1], g[1::2])], power
    return [(g_eff[0::2] - g_eff[1::2], var[0], g[0::2] - g[1::2])], power


def channel_blocks(grid: list[list[OrientedTile]], digital: bool, rel2: float, add2: float
                   ) -> list[ChannelBlock]:
    """One :class:`ChannelBlock` per block (row of ``grid``): channels of its tiles, groups outermost."""
    blocks = []
    for row in grid:
        groups, powers = zip(*(_tile_channels(t, digital, rel2, add2) for t in row), strict=True)
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
