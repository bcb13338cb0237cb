"""Sparse nodal analysis of a crossbar: exact node voltages for given row voltages.

The same circuit as :mod:`crossbar_sim.circuit.irdrop` (word lines driven from the left through
``driver_ohm``, bit lines sensed at the bottom through ``sense_ohm`` into virtual grounds); 0-ohm
connections are merged into one node. Used for exact cell voltages (the per-cell reference read)
and node-voltage maps; a read itself never needs it. Cells of 0 S (e.g. the idle cell of a programmed
differential pair) are kept at ORDERING_FLOOR_S: dropping them leaves a pattern that SuperLU's
ordering handles ~40× slower (100 s instead of 2.5 s for a 256×256 pair tile), and 1e-30 S changes
no voltage beyond round-off.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from crossbar_sim.circuit.wires import WireParasitics

ORDERING_FLOOR_S = 1e-30  # conductance of 0 S cells in the nodal system (see the module docstring)


class NodalSystem:
    """Sparse nodal equations of the array with 0-ohm connections merged; node order is free nodes
    then the R sources then the C virtual grounds."""

    def __init__(self, conductance_S: np.ndarray, wires: WireParasitics) -> None:
        g = np.maximum(conductance_S, ORDERING_FLOOR_S)
        n_rows, n_cols = g.shape
        n_phys = 2 * n_rows * n_cols
        word = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
        bit = word + n_rows * n_cols
        source = n_phys + np.arange(n_rows)
        ground = n_phys + n_rows + np.arange(n_cols)
        word_label = word.copy()
        if wires.wordline_segment_ohm == 0.0:
            word_label[:] = word[:, :1]
        if wires.driver_ohm == 0.0:
            word_label = np.where(word_label == word[:, :1], source[:, None], word_label)
        bit_label = bit.copy()
        if wires.bitline_segment_ohm == 0.0:
            bit_label[:] = bit[-1:, :]
        if wires.sense_ohm == 0.0:
            bit_label = np.where(bit_label == bit[-1:, :], ground[None, :], bit_label)
        label = np.concatenate([word_label.ravel(), bit_label.ravel(), source, ground])
        ends = [(word.ravel(), bit.ravel(), g.ravel())]
        for ohm, a, b in (
            (wires.wordline_segment_ohm, word[:, :-1], word[:, 1:]),
            (wires.bitline_segment_ohm, bit[:-1, :], bit[1:, :]),
            (wires.driver_ohm, source, word[:, 0]),
            (wires.sense_ohm, bit[-1, :], ground),
        ):
            if ohm > 0.0:
                ends.append((a.ravel(), b.ravel(), np.full(a.size, 1.0 / ohm)))
        a = label[np.concatenate([e[0] for e in ends])]
        b = label[np.concatenate([e[1] for e in ends])]
        cond = np.concatenate([e[2] for e in ends])
        keep = (a != b) & (cond > 0.0)
        a, b, cond = a[keep], b[keep], cond[keep]
        free = np.unique(label[label < n_phys])
        index = np.empty(label.size, dtype=np.int64)
        index[free] = np.arange(free.size)
        index[n_phys:] = free.size + np.arange(n_rows + n_cols)
        a, b = index[a], index[b]
        n = free.size + n_rows + n_cols
        lap = sp.coo_matrix(
            (np.concatenate([cond, cond, -cond, -cond]),
             (np.concatenate([a, b, a, b]), np.concatenate([a, b, b, a]))), shape=(n, n)).tocsr()
        self.n_free = free.size
        self.laplacian = lap  # every node, free then fixed (currents into the fixed nodes)
        self.lap_free = lap[: self.n_free, : self.n_free].tocsc()
        self.lap_coupling = lap[: self.n_free, self.n_free:]
        self.word_index = index[word_label]
        self.bit_index = index[bit_label]
        self.n_cols = n_cols
        self._lu: spla.SuperLU | None = None

    def factor(self) -> spla.SuperLU:
        """The sparse LU factor of the free-node equations, computed at the first call (needs n_free > 0)."""
        if self._lu is None:
            self._lu = spla.splu(self.lap_free, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                 options={"SymmetricMode": True})
        return self._lu

    def potentials(self, v_rows: np.ndarray) -> np.ndarray:
        """Potentials (V) of [free nodes, sources, grounds] for a batch ``v_rows`` (batch, R)."""
        return self.port_potentials(np.hstack([v_rows, np.zeros((v_rows.shape[0], self.n_cols))]))

    def port_potentials(self, fixed: np.ndarray) -> np.ndarray:
        """Potentials (V) of [free nodes, sources, grounds] for a batch of port voltages ``fixed``
        (batch, R + C): the R sources, then the C sense nodes (0 V in a read; driven in adjoint problems)."""
        if self.n_free == 0:
            return fixed
        free = -self.factor().solve(np.asarray(self.lap_coupling @ fixed.T))
        return np.hstack([free.T, fixed])
