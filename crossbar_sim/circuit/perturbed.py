"""Exact sensed currents of an array whose cells read at perturbed conductances (one network per read).

The slow, exact twin of the first-order read noise (:mod:`crossbar_sim.circuit.sensitivity`): each read
re-solves the full nodal system with its own cell conductances. The noise-free free-node matrix Y₀ is
factored once (SuperLU); a read with cell changes ΔG solves (Y₀ + ΔY)·v = b by the fixed-point iteration
v ← v₀ − Y₀⁻¹·ΔY·v (v₀ the noise-free solution), which contracts by about the relative size of ΔG
(2 % noise: ~1e-2 per step), all reads of a batch at once. It stops when an iteration changes the sensed
currents by ≤ ``tol`` relative to the largest of them (the remaining error is smaller still, the
iteration contracting), and raises if that takes more than ``max_iterations`` (the perturbation is then
too large for the noise-free factor).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from crossbar_sim.circuit.nodal import ORDERING_FLOOR_S, NodalSystem
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.common.blas import single_threaded_blas
from device_models.errors import check_array, check_int


class PerturbedArray:
    """The array ``conductance_S`` (R, C) with ``wires``, read with every cell perturbed."""

    def __init__(self, conductance_S: np.ndarray, wires: WireParasitics) -> None:
        g = check_array("conductance_S", conductance_S, ndim=2, nonempty=True, nonnegative=True)
        self.system = NodalSystem(g, wires)
        self.nominal_S = np.maximum(g, ORDERING_FLOOR_S)  # the cells as the nodal matrix holds them
        s = self.system
        cells = np.arange(g.size)
        # incidence of each cell: +1 at its word-line node, -1 at its bit-line node
        self.incidence = sp.csr_matrix(
            (np.concatenate([np.ones(g.size), -np.ones(g.size)]),
             (np.concatenate([s.word_index.ravel(), s.bit_index.ravel()]), np.concatenate([cells, cells]))),
            shape=(s.laplacian.shape[0], g.size))
        self.ground_rows = s.laplacian[s.laplacian.shape[0] - s.n_cols:]

    def sensed_currents(self, v_rows: np.ndarray, read_S: np.ndarray, tol: float = 1e-10,
                        max_iterations: int = 100) -> np.ndarray:
        """Currents (batch, C) A into the sense nodes for row voltages ``v_rows`` (batch, R) with the cells
        at ``read_S`` (batch, R, C) siemens in each read."""
        s = self.system
        n_rows, n_cols = self.nominal_S.shape
        v = check_array("v_rows", v_rows, shape=(None, n_rows), axes=("batch", "R"))
        read = check_array("read_S", read_S, shape=(v.shape[0], n_rows, n_cols), axes=("batch", "R", "C"))
        check_int("max_iterations", max_iterations, minimum=1)
        delta = (read - self.nominal_S).reshape(v.shape[0], -1).T  # (cells, batch)
        fixed = np.hstack([v, np.zeros((v.shape[0], n_cols))]).T  # (R + C, batch)
        pot = np.vstack([np.zeros((s.n_free, v.shape[0])), fixed])

        def extra(p: np.ndarray) -> np.ndarray:  # ΔY·p: the cells' extra currents out of each node
            return self.incidence @ (delta * (self.incidence.T @ p))

        def sensed(p: np.ndarray, cells: np.ndarray) -> np.ndarray:
            return -(self.ground_rows @ p + cells[-n_cols:])

        current = sensed(pot, extra(pot))
        if s.n_free:
            with single_threaded_blas():  # SuperLU's triangular solves: extra BLAS threads only contend
                base = -s.factor().solve(np.asarray(s.lap_coupling @ fixed))
                pot[:s.n_free] = base
                for _ in range(max_iterations):
                    cells = extra(pot)
                    previous, current = current, sensed(pot, cells)
                    if np.abs(current - previous).max() <= tol * np.abs(current).max():
                        break
                    pot[:s.n_free] = base - s.factor().solve(cells[:s.n_free])
                else:
                    raise RuntimeError(f"perturbed nodal solve: sensed currents still change by more than "
                                       f"{tol:g} relative after {max_iterations} iterations (cell "
                                       "perturbations too large)")
        return current.T
