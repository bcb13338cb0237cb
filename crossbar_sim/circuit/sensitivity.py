"""Read noise through the wires, exact to first order: the adjoint of the array's nodal equations.

The array is linear and reciprocal (the circuit of :mod:`crossbar_sim.circuit.irdrop`). A cell read at
G + δG changes the nodal matrix by δG·e·eᵀ (e: its word node minus its bit node), so the current into
sense node k changes by δI_k = ΔV(x)·U^k·δG to first order: the cell's voltage (word − bit) in the read
times its voltage in the adjoint problem, sense node k at 1 V and every other port at 0 V. U^k carries
the redistribution through the wires (a cell that reads high draws more current, raises the drop on its
lines and lowers the current of the other cells there); a channel Σ_k c_k I_k (a pair subtracted in the
analogue domain: c = +1, −1) has the adjoint field Σ_k c_k U^k, the sense nodes driven at c. With
independent cells, Var(I_c | x) = Σ_cells Var(G)·ΔV(x)²·(U^c)².

The fast read needs a (channels, driven) matrix W with Var ≈ Σ_i x_i²·W_i, so the cross terms of
ΔV(x)² = (Σ_i x_i F^i)² (F^i the cell voltages per volt of input i alone) are modelled, not computed:
W = (1 − ρ)·B + ρ·A with B_i = Σ Var(G)(F^i)²U² (cross terms dropped: exact for one driven line, and
in expectation for independent zero-mean inputs) and A_i = Σ_{cells on line i} Var(G)·f²·U² (f the
cell voltage per volt with every line at one voltage: exact when all inputs are equal). ρ is the
assumed E[x_i x_j]/E[x_i²] of two driven lines (0: signed inputs; ½: bit planes with half the lines on).

The fields come from a block sweep down the bit lines (the Norton equivalents of
:func:`crossbar_sim.circuit.irdrop._sweep_kernel`, each word line eliminated exactly) and a back
substitution up them for all excitations at once, row by row, with checkpoints every √R rows (memory
O(√R·C²), twice the sweep's work); the array is mirrored first when C > R so the blocks are min(R, C)².
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from crossbar_sim.circuit.irdrop import (
    _add_row_response,
    _conductance,
    _wordline_elimination,
    _wordline_voltages,
)
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.common.blas import single_threaded_blas
from device_models.errors import ParameterError, check_array, check_fraction


@dataclass(frozen=True, eq=False)
class Pulse:
    """One read pulse: how its logical inputs drive the physical rows.

    drive_V: (inputs, R) physical row voltages per volt of each logical input.
    fraction: (R, C) cell voltage per volt with every logical input at 1 V.
    owner: (R,) the logical input whose cells a physical row holds (the A weights attribute a cell's
        voltage to it).
    """

    drive_V: np.ndarray
    fraction: np.ndarray
    owner: np.ndarray


def _line_fields(g: np.ndarray, wires: WireParasitics, drive_V: np.ndarray, port_V: np.ndarray
                 ) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (r, cell voltages word − bit (n, C) of row r) from the last row up, for n excitations: the
    sources at ``drive_V`` (n, R) and the sense nodes at ``port_V`` (n, C), both at once."""
    n_rows, n_cols = g.shape
    lam, rho, logc, v_first = _wordline_elimination(g, wires)
    inject = g * v_first[:, None] * np.exp(logc)  # short-circuit cell currents per unit row voltage
    unit_word = _wordline_voltages(g, lam, rho, np.zeros_like(g))  # row at 1 V, bit lines at 0 V
    below = np.full(n_rows, _conductance(wires.bitline_segment_ohm))  # to the next row's bit nodes
    below[-1] = _conductance(wires.sense_ohm)  # the last row's: to the sense nodes
    sourced = np.flatnonzero(drive_V.any(axis=1))  # excitations with a source: they have Norton currents
    first = np.argmax(drive_V[sourced] != 0, axis=1)  # ... from their first driven row on: zero above it
    order = np.argsort(first, kind="stable")
    sourced, first = sourced[order], first[order]
    active = n_cols + np.searchsorted(first, np.arange(n_rows), side="right")  # state columns not all zero
    eye = np.eye(n_cols)

    def add_row(state: np.ndarray, r: int) -> None:  # state: [Δ | Norton currents of the sourced]
        _add_row_response(state[:, :n_cols], g[r], lam[r], rho[r], logc[r])
        state[:, n_cols:active[r]] += inject[r][:, None] * drive_V[sourced[:active[r] - n_cols], r][None, :]

    def step(state: np.ndarray, r: int) -> tuple[tuple | None, np.ndarray]:
        """The factor of I + Δ/g below row r (None: ideal), and the state after adding row r + 1 (the
        Norton currents of excitations not yet sourced stay zero and are not solved for)."""
        factor = None
        if np.isfinite(below[r]):
            factor = cho_factor(eye + state[:, :n_cols] / below[r], lower=True, check_finite=False)
            solved = np.zeros_like(state)
            solved[:, :active[r]] = cho_solve(factor, state[:, :active[r]], check_finite=False)
            state = solved
        else:
            state = state.copy()
        if r + 1 < n_rows:
            add_row(state, r + 1)
        return factor, state

    stride = max(1, math.isqrt(n_rows))
    state = np.zeros((n_cols, n_cols + sourced.size))
    add_row(state, 0)
    checkpoints = {0: state}
    for r in range(n_rows - 1):
        state = step(state, r)[1]
        if (r + 1) % stride == 0:
            checkpoints[r + 1] = state
    bit = port_V.T.copy()  # the potentials below the last row: the sense nodes
    for start in sorted(checkpoints, reverse=True):
        stop = min(start + stride, n_rows)
        records = []
        state = checkpoints.pop(start)
        for r in range(start, stop):
            factor, next_state = step(state, r)
            records.append((factor, state[:, n_cols:]))
            state = next_state
        n_exc = drive_V.shape[0]
        bits = np.empty((n_cols, stop - start, n_exc))  # column-major (rows, excitations) × C operands:
        for r in range(stop - 1, start - 1, -1):        # the word-line recursion steps along the columns
            factor, norton = records.pop()
            if factor is not None:
                bit[:, sourced] += norton / below[r]
                bit = cho_solve(factor, bit, check_finite=False)
            bits[:, r - start] = bit
        lines = slice(start, stop)
        flat = bits.reshape(n_cols, -1).T
        word = _wordline_voltages(*(np.repeat(a[lines].T, n_exc, axis=1).T for a in (g, lam, rho)), flat)
        word = word.T.reshape(bits.shape)
        word += (drive_V[:, start:stop] - 1.0).T[None] * unit_word[start:stop].T[:, :, None]
        for r in range(stop - 1, start - 1, -1):
            yield r, (word[:, r - start] - bits[:, r - start]).T


def read_noise_weights(conductance_S: np.ndarray, wires: WireParasitics, cell_variance_S2: np.ndarray,
                       port_V: np.ndarray, pulses: list[Pulse], cross_weight: float) -> list[np.ndarray]:
    """Per pulse, the (logical inputs, channels) matrix W: each channel's first-order read-noise variance
    per volt² of each input (module docstring: ``cross_weight`` is ρ).

    cell_variance_S2: (R, C) variance of each cell's read. port_V: (channels, C) each channel's pattern of
    sense-node voltages (one line at 1 V; an analogue pair at +1 V and −1 V).
    """
    g = check_array("conductance_S", conductance_S, ndim=2, nonempty=True, nonnegative=True)
    n_rows, n_cols = g.shape
    var = check_array("cell_variance_S2", cell_variance_S2, shape=g.shape, axes=("R", "C"), nonnegative=True)
    ports = check_array("port_V", port_V, shape=(None, n_cols), axes=("channels", "C"))
    rho_x = check_fraction("cross_weight", cross_weight)
    for p in pulses:
        check_array("Pulse.drive_V", p.drive_V, shape=(None, n_rows), axes=("inputs", "R"))
        check_array("Pulse.fraction", p.fraction, shape=g.shape, axes=("R", "C"))
        if np.shape(p.owner) != (n_rows,) or p.owner.min() < 0 or p.owner.max() >= p.drive_V.shape[0]:
            raise ParameterError("Pulse.owner", p.owner, f"must be ({n_rows},) input indices")
    n_in = [p.drive_V.shape[0] for p in pulses]
    bounds = np.cumsum([0, *n_in])
    n_drive, n_ch = bounds[-1], ports.shape[0]
    drives = np.vstack([*(p.drive_V for p in pulses), np.zeros((n_ch, n_rows))])
    sense = np.vstack([np.zeros((n_drive, n_cols)), ports])
    mirror = n_cols > n_rows  # sweep the mirrored array (rows: this one's bit lines) so blocks are min(R, C)²
    if mirror:
        lines = _line_fields(np.ascontiguousarray(g[::-1, ::-1].T), wires.mirrored(), sense[:, ::-1],
                             drives[:, ::-1])
    else:
        lines = _line_fields(g, wires, drives, sense)
    by_cell = [np.zeros((n_rows, n_ch)) for _ in pulses]  # A before attributing rows to inputs
    cross_free = [np.zeros((k, n_ch)) for k in n_in]  # B
    with single_threaded_blas():  # a chain of small factorisations: extra BLAS threads only wait
        for line, cells in lines:
            rows, cols = (np.arange(n_rows)[::-1], np.full(n_rows, n_cols - 1 - line)) if mirror else (
                np.full(n_cols, line), np.arange(n_cols))
            weighted = var[rows, cols] * cells[n_drive:] ** 2  # (channels, cells of the line)
            for q, p in enumerate(pulses):
                cross_free[q] += cells[bounds[q]:bounds[q + 1]] ** 2 @ weighted.T
                own = (weighted * p.fraction[rows, cols] ** 2).T
                if mirror:
                    by_cell[q][rows] += own
                else:
                    by_cell[q][line] += own.sum(axis=0)
    out = []
    for q, p in enumerate(pulses):
        attribute = np.zeros((n_in[q], n_rows))
        attribute[p.owner, np.arange(n_rows)] = 1.0
        out.append((1.0 - rho_x) * cross_free[q] + rho_x * attribute @ by_cell[q])
    return out
