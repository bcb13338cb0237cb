"""Logical signed matrix → non-negative conductances → tiles of at most max_rows × max_cols cells.

Orientation: a logical matrix W is (out, in); on the array inputs drive rows (word lines) and
outputs are sensed on columns (bit lines), so conductance matrices here are (in, out).

- Differential: W = k·(G⁺ − G⁻), k = ``weight_per_S`` (weight units per siemens). ``from_weights``
  puts the positive part on G⁺ and the negative part on G⁻ (the other cell at 0 S) with max|W| at
  g_max_S. A pair takes two adjacent physical columns (G⁺ then G⁻).
- Offset (single-ended, as in Wang et al. 2023): W = k·G + w_min with G >= 0 and w_min = min(W, 0);
  the w_min·Σx term is added digitally.

Tiling: rows and outputs are split into as few blocks as fit, of near-equal size (``np.array_split``),
so a 600-row matrix becomes 300 + 300 rows rather than 512 + 88.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from crossbar_sim.hardware import MappingConfig
from device_models.errors import ParameterError


@dataclass(frozen=True)
class MappedMatrix:
    """A logical matrix as conductances (siemens, (in, out)).

    g_plus_S: G⁺ (differential) or G (offset).
    g_minus_S: G⁻ (differential) or None (offset).
    weight_per_S: k, logical weight per siemens.
    weight_offset: w_min added to every weight (offset mode; 0 for differential).
    """

    g_plus_S: np.ndarray
    g_minus_S: np.ndarray | None
    weight_per_S: float
    weight_offset: float = 0.0

    @property
    def mode(self) -> Literal["differential", "offset"]:
        return "offset" if self.g_minus_S is None else "differential"

    @property
    def analog_weights(self) -> np.ndarray:
        """(out, in) the part of W computed in the analogue domain: k(G⁺ − G⁻) or k·G."""
        g = self.g_plus_S if self.g_minus_S is None else self.g_plus_S - self.g_minus_S
        return self.weight_per_S * g.T

    @property
    def weights(self) -> np.ndarray:
        """(out, in) the logical matrix W."""
        return self.analog_weights + self.weight_offset

    def with_conductances(self, g_plus_S: np.ndarray, g_minus_S: np.ndarray | None) -> MappedMatrix:
        """The same mapping with other (e.g. drifted) conductances."""
        return MappedMatrix(g_plus_S, g_minus_S, self.weight_per_S, self.weight_offset)


def _check_matrix(name: str, w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1:
        raise ParameterError(name, f"<array of shape {w.shape}>", "must be a non-empty 2-D array")
    if not np.all(np.isfinite(w)):
        raise ParameterError(name, "<array with non-finite entries>", "every entry must be finite")
    return w


def map_weights(weights: np.ndarray, config: MappingConfig) -> MappedMatrix:
    """Program a signed logical matrix (out, in) onto conductances with the largest at g_max_S."""
    w = _check_matrix("weights", weights).T
    if config.mode == "differential":
        span = float(np.max(np.abs(w)))
        k = span / config.g_max_S if span > 0 else 1.0 / config.g_max_S
        return MappedMatrix(np.maximum(w, 0.0) / k, np.maximum(-w, 0.0) / k, k)
    w_min = min(float(w.min()), 0.0)
    span = float(w.max()) - w_min
    k = span / config.g_max_S if span > 0 else 1.0 / config.g_max_S
    return MappedMatrix((w - w_min) / k, None, k, w_min)


def map_conductances(g_plus_S: np.ndarray, g_minus_S: np.ndarray | None, weight_per_S: float) -> MappedMatrix:
    """Conductances (in, out) that define the weights themselves: W = k(G⁺ − G⁻) or W = k·G."""
    g_plus = _check_matrix("g_plus_S", g_plus_S)
    if np.any(g_plus < 0):
        raise ParameterError("g_plus_S", "<array with negative entries>", "conductances must be >= 0")
    if g_minus_S is not None:
        g_minus = _check_matrix("g_minus_S", g_minus_S)
        if g_minus.shape != g_plus.shape or np.any(g_minus < 0):
            raise ParameterError("g_minus_S", f"<array of shape {g_minus.shape}>",
                                 f"must be >= 0 with the shape of g_plus_S {g_plus.shape}")
        g_minus_S = g_minus
    if not np.isfinite(weight_per_S) or weight_per_S <= 0:
        raise ParameterError("weight_per_S", weight_per_S, "must be finite and > 0")
    return MappedMatrix(g_plus, g_minus_S, float(weight_per_S))


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
