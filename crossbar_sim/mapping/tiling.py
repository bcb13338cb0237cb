"""Conductance matrices → tiles of at most max_rows × max_cols cells.

Rows and outputs are split into as few blocks as fit, of near-equal size (``np.array_split``), so a
600-row matrix becomes 300 + 300 rows rather than 512 + 88. Differential pairs take two adjacent
physical columns (G⁺ then G⁻).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossbar_sim.mapping.weights import MappedMatrix
from device_models.errors import ParameterError


@dataclass(frozen=True)
class Tile:
    """One physical array: rows ``row_start:row_stop`` of the inputs, outputs ``out_start:out_stop``.

    conductance_S: (rows, physical columns) siemens; differential pairs interleaved as G⁺, G⁻.
    """

    row_start: int
    row_stop: int
    out_start: int
    out_stop: int
    conductance_S: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.conductance_S.shape


def _blocks(n: int, size: int) -> list[tuple[int, int]]:
    edges = np.cumsum([0] + [len(b) for b in np.array_split(np.arange(n), -(-n // size))])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def tile_matrix(mapped: MappedMatrix, max_rows: int, max_cols: int) -> list[list[Tile]]:
    """Tiles as ``[row block][column block]``; each has at most max_rows × max_cols cells."""
    n_in, n_out = mapped.g_plus_S.shape
    per_col = 1 if mapped.g_minus_S is None else 2
    if max_cols < per_col:
        raise ParameterError("max_cols", max_cols, f"must be >= {per_col} for {mapped.mode} mapping")
    grid = []
    for r0, r1 in _blocks(n_in, max_rows):
        row = []
        for c0, c1 in _blocks(n_out, max_cols // per_col):
            g = mapped.g_plus_S[r0:r1, c0:c1]
            if mapped.g_minus_S is not None:
                pair = np.empty((r1 - r0, 2 * (c1 - c0)))
                pair[:, 0::2] = g
                pair[:, 1::2] = mapped.g_minus_S[r0:r1, c0:c1]
                g = pair
            row.append(Tile(r0, r1, c0, c1, np.ascontiguousarray(g)))
        grid.append(row)
    return grid
