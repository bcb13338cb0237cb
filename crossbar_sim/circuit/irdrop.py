"""Exact IR drop of a resistive crossbar with ohmic cells, solved once per programmed array.

Circuit (R rows = word lines driven by the inputs, C columns = bit lines that are sensed):

- Cell (i, j) is a conductance ``G[i, j]`` (siemens) between word-line node (i, j) and bit-line
  node (i, j).
- Word line i is driven from its left end: an ideal source ``V_i`` (volts) connects through
  ``driver_ohm`` to word-line node (i, 0); word-line nodes (i, j) and (i, j+1) are joined by
  ``wordline_segment_ohm``.
- Bit line j is sensed at its bottom end: bit-line node (R-1, j) connects through ``sense_ohm`` to a
  virtual ground at 0 V (the TIA input); bit-line nodes (i, j) and (i+1, j) are joined by
  ``bitline_segment_ohm``. The output of column j is the current flowing into that virtual ground.
- A resistance of 0 is an ideal connection: the nodes are merged (or held at the source potential).

The circuit is linear, so column currents are ``I = V @ G_eff`` for an effective conductance matrix
``G_eff`` (R, C). It is computed by eliminating each word line exactly (a chain, closed form in
O(C^2)), then sweeping down the bit lines with dense C x C Schur complements written so that no
large wire conductance is ever subtracted from another (accurate for any wire resistance): one
Cholesky factorisation per row, applied to all inputs' currents at once. A back substitution through
the kept (packed) factors gives the node voltages for all rows at 1 V, hence ``cell_voltage_fraction``.
The array is mirrored first when C > R so the dense blocks have size min(R, C): the cost is about
2.3 min^3 * max + min^2 * max^2 flops and 4 * min^2 * max bytes. The sweep is compiled with numba and
calls LAPACK without the GIL (:mod:`crossbar_sim.lapack`), so :func:`solve_ir_drop_many` solves the
tiles of a matrix in parallel threads. Node voltages for other inputs come from the sparse nodal solve
of :mod:`crossbar_sim.circuit.nodal`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from crossbar_sim.circuit.lapack import cholesky_lower, cholesky_solve, pack_lower, packed_cholesky_solve
from crossbar_sim.circuit.nodal import NodalSystem
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.common.blas import single_threaded_blas
from device_models.errors import ParameterError, check_array, check_int


def check_conductance(conductance_S: np.ndarray) -> np.ndarray:
    """Return the conductance matrix (S) as a float array: 2-D, non-empty, finite and >= 0."""
    return check_array("conductance_S", conductance_S, ndim=2, nonempty=True, nonnegative=True)


def check_wires(wires: WireParasitics) -> WireParasitics:
    """Return ``wires`` if it is a WireParasitics."""
    if not isinstance(wires, WireParasitics):
        raise ParameterError("wires", wires, "must be a WireParasitics")
    return wires


def check_row_voltages(v_rows: np.ndarray, n_rows: int, batched: bool) -> np.ndarray:
    """Return finite row voltages (V) of shape (R,), or (batch, R) when ``batched``."""
    if batched:
        return check_array("v_rows", v_rows, shape=(None, n_rows), axes=("batch", "R"))
    return check_array("v_rows", v_rows, shape=(n_rows,), axes=("R",))


def _conductance(ohm: float) -> float:
    """Conductance (S) of a resistance; 0 ohm is an ideal connection (inf S)."""
    return np.inf if ohm == 0.0 else 1.0 / ohm


def _series(g_wire: float, g_load: np.ndarray) -> np.ndarray:
    """Conductance (S) of ``g_wire`` in series with ``g_load``; either may be inf (ideal)."""
    if np.isinf(g_wire):
        return g_load
    with np.errstate(invalid="ignore"):
        out = g_wire * g_load / (g_wire + g_load)
    return np.where(np.isinf(g_load), g_wire, out)


def _wordline_elimination(
    conductance_S: np.ndarray, wires: WireParasitics
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-row chain quantities: left/right driving-point conductances and log voltage ratios.

    Returns (lam, rho, log_ratio_cum, v_first) with, for word-line node (i, j) and the bit lines
    grounded: ``lam`` the conductance looking left (towards the driver, S), ``rho`` looking right
    excluding the own cell (S), ``log_ratio_cum[i, j] = log(V_ij / V_i0)`` when driven from the left,
    and ``v_first[i] = V_i0 / V_i``.
    """
    g = conductance_S
    n_rows, n_cols = g.shape
    gw = _conductance(wires.wordline_segment_ohm)
    gd = _conductance(wires.driver_ohm)
    lam = np.empty((n_rows, n_cols))
    rho = np.empty((n_rows, n_cols))
    lam[:, 0] = gd
    for j in range(1, n_cols):
        lam[:, j] = _series(gw, lam[:, j - 1] + g[:, j - 1])
    rho[:, -1] = 0.0
    for j in range(n_cols - 2, -1, -1):
        rho[:, j] = _series(gw, g[:, j + 1] + rho[:, j + 1])
    right = g + rho
    if np.isinf(gw):
        log_ratio = np.zeros_like(g)
    else:
        log_ratio = np.log(gw / (gw + right))
        log_ratio[:, 0] = 0.0
    v_first = 1.0 / (1.0 + right[:, 0] / gd)
    return lam, rho, np.cumsum(log_ratio, axis=1), v_first


@numba.njit(cache=True)
def _add_row_response(delta: np.ndarray, g: np.ndarray, lam: np.ndarray, rho: np.ndarray,
                      logc: np.ndarray) -> None:
    """Symmetrise ``delta`` in place and add K of one word line (cell currents are ``a * V_i - K @ B_i``).

    K is minus the cell conductances times the transfer resistance of the chain between two nodes,
    ``d[min(j, k)] * exp(-|logc_j - logc_k|)``, with ``d`` the driving-point resistance (ohm). While
    ``exp(-logc)`` stays finite the off-diagonal part is the rank-one product ``-u_j * w_k`` (j < k).
    """
    n = g.size
    den = lam + rho + g
    if logc[n - 1] > -600.0:  # logc never increases along the line: exp(-logc) <= e^600
        u = g * np.exp(-logc) / den  # 0 where the driver is ideal (den = inf)
        w = g * np.exp(logc)
    else:
        u = np.zeros(0)
        w = np.zeros(0)
    separable = u.size == n
    for k in range(n):
        for j in range(k):
            if separable:
                coupling = u[j] * w[k]
            else:  # the exponent is <= 0
                coupling = g[j] * g[k] * np.exp(logc[k] - logc[j]) / den[j]
            s = 0.5 * (delta[j, k] + delta[k, j]) - coupling
            delta[j, k] = s
            delta[k, j] = s
        delta[k, k] += g[k] if np.isinf(lam[k]) else g[k] * (lam[k] + rho[k]) / den[k]


def _wordline_voltages(conductance_S: np.ndarray, lam: np.ndarray, rho: np.ndarray,
                       bit_V: np.ndarray) -> np.ndarray:
    """Word-line node voltages (R, C) for unit row voltages and bit-line node voltages ``bit_V`` (R, C).

    Each node is the conductance-weighted mean of its left and right open-circuit (Thevenin) voltages
    and its bit-line node, so no difference of large quantities is formed.
    """
    g = conductance_S
    n_cols = g.shape[1]
    left = np.empty_like(g)  # open-circuit voltage of everything left of the node
    right = np.zeros_like(g)  # ... and right of it (weight rho, 0 at the far end)
    left[:, 0] = 1.0
    with np.errstate(invalid="ignore"):
        for j in range(1, n_cols):
            lj, gj = lam[:, j - 1], g[:, j - 1]
            left[:, j] = np.where(np.isinf(lj), left[:, j - 1],
                                  (lj * left[:, j - 1] + gj * bit_V[:, j - 1]) / (lj + gj))
        for j in range(n_cols - 2, -1, -1):
            gj, rj = g[:, j + 1], rho[:, j + 1]
            den = gj + rj
            right[:, j] = np.where(den > 0, (gj * bit_V[:, j + 1] + rj * right[:, j + 1]) / den, 0.0)
        mean = (lam * left + rho * right + g * bit_V) / (lam + rho + g)
    return np.where(np.isinf(lam), left, mean)


@numba.njit(nogil=True, cache=True)
def _sweep_kernel(g: np.ndarray, lam: np.ndarray, rho: np.ndarray, logc: np.ndarray, inject: np.ndarray,
                  g_below: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(G_eff, bit-line voltages for all rows at 1 V, info): the sweep down the bit lines.

    Block i (one per entry of ``g_below``, the conductance in S of the segment below row i; inf: ideal,
    no transfer) holds the Norton equivalent of rows 0..i seen from the bit-line nodes of row i:
    conductance Delta (C, C), short-circuit currents per unit input (one column per row) and for all rows
    at 1 V. Crossing a segment of conductance g maps both by ``(I + Delta / g)^-1`` (Cholesky); the factors
    are kept, packed, for the back substitution. ``info`` is the first non-zero LAPACK status (then the
    arrays are incomplete), else 0.
    """
    n_rows, n_cols = g.shape
    n_blocks = g_below.size
    # Fortran order: the leading columns [Delta | all-rows current | current per input] are contiguous.
    work = np.zeros((n_cols + 1 + n_rows, n_cols)).T
    matrix = np.zeros((n_cols, n_cols)).T
    factors = np.empty((n_blocks, n_cols * (n_cols + 1) // 2))
    norton = np.zeros((n_rows, n_cols))  # all-rows short-circuit current of each block
    info = 0
    for i in range(n_rows):
        if i < n_blocks:
            _add_row_response(work[:, :n_cols], g[i], lam[i], rho[i], logc[i])
        for j in range(n_cols):
            work[j, n_cols] += inject[i, j]
            work[j, n_cols + 1 + i] = inject[i, j]
            norton[i, j] = work[j, n_cols]
        if i < n_blocks and np.isfinite(g_below[i]):  # cross the segment below this row
            for k in range(n_cols):
                for j in range(k, n_cols):
                    matrix[j, k] = work[j, k] / g_below[i]
                matrix[k, k] += 1.0
            info = cholesky_lower(matrix)  # I + Delta / g is positive definite
            if info == 0:
                info = cholesky_solve(matrix, work, n_cols + 2 + i)
            if info != 0:
                return work[:, n_cols + 1:].T.copy(), np.zeros((n_rows, n_cols)), info
            pack_lower(matrix, factors[i])
    bit_V = np.zeros((n_rows, n_cols))
    below = np.zeros(n_cols)  # bit-line voltages of the next row down (0 V: the virtual grounds)
    for i in range(n_blocks - 1, -1, -1):
        if np.isfinite(g_below[i]):
            below = norton[i] / g_below[i] + below
            info = packed_cholesky_solve(factors[i], below)
            if info != 0:
                break
        bit_V[i] = below
    return work[:, n_cols + 1:].T.copy(), bit_V, info


def _sweep(conductance_S: np.ndarray, wires: WireParasitics) -> tuple[np.ndarray, np.ndarray]:
    """(G_eff, cell voltage fraction), each (R, C): word-line elimination, then the bit-line sweep."""
    g = conductance_S
    n_rows = g.shape[0]
    gb = _conductance(wires.bitline_segment_ohm)
    lam, rho, logc, v_first = _wordline_elimination(g, wires)
    if wires.sense_ohm > 0.0:
        g_below = np.full(n_rows, gb)
        g_below[-1] = 1.0 / wires.sense_ohm
    else:
        g_below = np.full(n_rows - 1, gb)
    inject = g * v_first[:, None] * np.exp(logc)  # short-circuit cell currents per unit row voltage (A/V)
    g_eff, bit_V, info = _sweep_kernel(g, lam, rho, logc, inject, g_below)
    if info != 0:
        raise RuntimeError(f"IR-drop sweep: a Cholesky factorisation failed (LAPACK info {info})")
    return g_eff, _wordline_voltages(g, lam, rho, bit_V) - bit_V


def _solve(g: np.ndarray, wires: WireParasitics) -> tuple[np.ndarray, np.ndarray]:
    """(G_eff, cell voltage fraction) of a checked array; the mirrored array is swept when C > R.

    By reciprocity the mirrored array's G_eff is the mirror image of this one's; driving its inputs
    (this array's bit lines) at 1 V with this array's rows grounded gives the same cell voltages.
    """
    if wires.is_ideal:
        return g.copy(), np.ones_like(g)
    if g.shape[1] > g.shape[0]:
        g_eff, fraction = _sweep(g[::-1, ::-1].T.copy(), wires.mirrored())
        return g_eff[::-1, ::-1].T.copy(), fraction[::-1, ::-1].T.copy()
    return _sweep(g, wires)


def usable_cores() -> int:
    """Number of CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def solve_ir_drop_many(conductances_S: Sequence[np.ndarray], wires: WireParasitics,
                       workers: int | None = None) -> list[IRDropSolution]:
    """Solve several arrays (e.g. the tiles of one matrix) once each, in ``workers`` threads.

    ``workers`` defaults to the usable cores; the results do not depend on it. The sweep runs without
    the GIL and each thread's LAPACK calls are single-threaded (the sweep is a chain of small dependent
    factorisations, where extra BLAS threads only wait for hand-offs).
    """
    arrays = [check_conductance(g) for g in conductances_S]
    wires = check_wires(wires)
    workers = usable_cores() if workers is None else check_int("workers", workers, minimum=1)
    with single_threaded_blas():
        if workers == 1 or len(arrays) < 2:
            results = [_solve(g, wires) for g in arrays]
        else:
            with ThreadPoolExecutor(max_workers=min(workers, len(arrays))) as pool:
                results = list(pool.map(lambda g: _solve(g, wires), arrays))
    return [IRDropSolution(g.copy(), wires, g_eff, fraction)
            for g, (g_eff, fraction) in zip(arrays, results, strict=True)]


def effective_conductance(conductance_S: np.ndarray, wires: WireParasitics) -> np.ndarray:
    """G_eff (R, C, siemens) with column currents ``I = V @ G_eff``; exact for ohmic cells."""
    return solve_ir_drop(conductance_S, wires).effective_conductance_S


@dataclass(frozen=True, eq=False)
class IRDropSolution:
    """IR-drop solution of one programmed array: reads cost one matrix product.

    effective_conductance_S: (R, C) siemens, column currents ``I = V @ G_eff``.
    cell_voltage_fraction: (R, C) cell voltage / applied voltage when all rows share one voltage.
    """

    conductance_S: np.ndarray
    wires: WireParasitics
    effective_conductance_S: np.ndarray
    cell_voltage_fraction: np.ndarray

    def column_currents(self, v_rows: np.ndarray) -> np.ndarray:
        """Column currents (A): (C,) for v_rows (R,) volts, or (batch, C) for (batch, R)."""
        v = np.asarray(v_rows, dtype=float)
        check_row_voltages(v, self.conductance_S.shape[0], batched=v.ndim == 2)
        return v @ self.effective_conductance_S

    def node_voltages(self, v_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact (wordline_V, bitline_V), each (R, C), for one input vector v_rows (R,) volts."""
        v = check_row_voltages(v_rows, self.conductance_S.shape[0], batched=False)
        system = NodalSystem(self.conductance_S, self.wires)
        pot = system.potentials(v[None, :])[0]
        return pot[system.word_index], pot[system.bit_index]

    def cell_voltages(self, v_rows: np.ndarray) -> np.ndarray:
        """Exact cell voltages (batch, R, C) in volts for a batch v_rows (batch, R); a sparse solve."""
        v = check_row_voltages(v_rows, self.conductance_S.shape[0], batched=True)
        system = NodalSystem(self.conductance_S, self.wires)
        pot = system.potentials(v)
        return pot[:, system.word_index] - pot[:, system.bit_index]


def solve_ir_drop(conductance_S: np.ndarray, wires: WireParasitics) -> IRDropSolution:
    """Solve the array once: effective conductance and per-cell voltage fraction."""
    return solve_ir_drop_many([conductance_S], wires, workers=1)[0]
