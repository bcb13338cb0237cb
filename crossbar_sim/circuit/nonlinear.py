"""Exact IR drop of a crossbar of non-linear cells (I = G·f(V)): Newton's method on the cell currents.

The circuit is the one of :mod:`crossbar_sim.circuit.irdrop`. Its wires form one tree per word line
(rooted at the row source) and one per bit line (rooted at the virtual ground), so given the cell
currents c (R, C) the node potentials follow in closed form: word-line node (i, j) sits at
``V_i − drop_w`` with ``drop_w[i, j] = driver·Σ_k c[i, k] + segment·Σ_{m=1..j} Σ_{k>=m} c[i, k]`` (the
current through each segment is the sum of the cell currents beyond it), and bit-line node (i, j) at
``sense·Σ_k c[k, j] + segment·Σ_{m=i..R-2} Σ_{k<=m} c[k, j]``. Both are a symmetric positive
semi-definite resistance operator Z applied to c (prefix sums, O(R·C)), so the cell voltages are
``u = V − Z·c`` and the cell currents c solve

    F(c) = g⁻¹(c) + Z·c − V = 0,   g(u) = G ∘ f(u),

one equation per cell (0 S cells carry c = 0 and drop out). F is the gradient of the strictly convex
co-content Φ(c) = Σ ∫₀^c g⁻¹ + ½ cᵀZc − Vᵀc, so Newton's method with a backtracking (Armijo) line search
on Φ converges from any start; its Jacobian is ``D⁻¹ + Z`` with ``D = dc/du = G ∘ f'(u)``. A step solves
``(I + S Z S)·y = −S·F``, ``δc = S·y``, ``S = D^½``: symmetric positive definite with eigenvalues in
[1, 1 + ‖Z‖·max D], by conjugate gradients (few iterations when the IR drop is a small fraction of the
drive), stopped at a relative residual ``min(0.01, ‖F‖∞/max|V|)`` (inexact Newton, quadratic). The start is
the currents without IR drop, G·f(V_i), capped at |V_i/V0| = START_LIMIT. Converged when
‖F‖∞ <= rtol·max|V| (volts) for every input vector (rtol 1e-12); the voltages returned are V − Z·c.
Ohmic cells give the linear solution of :mod:`crossbar_sim.circuit.irdrop` (to round-off).

The solve is one compiled kernel per block of input vectors (:func:`_newton_kernel`, run without the GIL
in parallel threads); the numpy methods ``residual`` (F) and ``jacobian_product`` state the same equations
for the tests. Cost: O(R·C) per CG step, a few CG steps per Newton step
and 3–6 Newton steps per vector at V0 = 0.25 V (``python -m benchmarks irdrop``). Validated range
(``ArrayConfig`` refuses V0 < V_read/20): converged to 1e-12 on 32×32 and 128×128 arrays with 10 % 0 S
cells, 1–1000 Ω wires, V0 = 0.01–0.25 V at V_read = 0.2 V and DAC inputs |V| <= V_read, and on 32×32 and
64×48 with inputs up to 1.5·V_read at V0 = 0.01 and 0.05 V; at V0 = 0.005 V with such inputs (cell currents
spanning e^60) 100 Newton steps are not enough, and RuntimeError names the residual reached. Φ's
decrease is lost in round-off once ‖F‖∞ < 1e-4·max|V|; from there a step is taken when it lowers ‖F‖∞.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from crossbar_sim.circuit.irdrop import check_conductance, check_row_voltages, check_wires, usable_cores
from crossbar_sim.circuit.wires import WireParasitics
from device_models.cell_iv import CellIV
from device_models.errors import ParameterError, check_positive

NEWTON_RTOL = 1e-12  # default convergence: ‖H‖∞ <= NEWTON_RTOL·max|V| per input vector
MAX_NEWTON_STEPS = 100
MAX_CG_STEPS = 500
MAX_BACKTRACKS = 40  # step halvings of the line search (the last trial is taken regardless)
START_LIMIT = 20.0  # the first guess (currents without IR drop) is capped at |u/V0| = 20 (CG conditioning)
VECTORS_PER_TASK = 64  # input vectors per thread task


@numba.njit(cache=True, nogil=True, inline="always")
def _z_one(c, segment_w, segment_b, driver, sense, above, rise, out):  # pragma: no cover - compiled
    """out = Z·c for one vector's cell currents c (R, C); ``above`` (R, C), ``rise`` (C,) are scratch."""
    n_rows, n_cols = c.shape
    for i in range(n_rows):
        beyond = 0.0
        for j in range(n_cols - 1, -1, -1):
            beyond += c[i, j]
            out[i, j] = beyond
        drop = driver * out[i, 0]
        out[i, 0] = drop
        for j in range(1, n_cols):
            drop += segment_w * out[i, j]
            out[i, j] = drop
    for j in range(n_cols):
        above[0, j] = c[0, j]
    for i in range(1, n_rows):
        for j in range(n_cols):
            above[i, j] = above[i - 1, j] + c[i, j]
    for j in range(n_cols):
        rise[j] = sense * above[n_rows - 1, j]
    for i in range(n_rows - 1, -1, -1):
        for j in range(n_cols):
            out[i, j] += rise[j]
            if i > 0:
                rise[j] += segment_b * above[i - 1, j]


@numba.njit(cache=True, nogil=True)
def _wire_drop(c, segment_w, segment_b, driver, sense, out):  # pragma: no cover - compiled
    """out[n] = Z·c[n] for each vector n of c (batch, R, C): the formulas of the module docstring."""
    n_rows, n_cols = c.shape[1], c.shape[2]
    above = np.empty((n_rows, n_cols))
    rise = np.empty(n_cols)
    for n in range(c.shape[0]):
        _z_one(c[n], segment_w, segment_b, driver, sense, above, rise, out[n])


@numba.njit(cache=True, nogil=True, inline="always")
def _evaluate(c, v_row, a, wires, sinh_cell, v0, above, rise, zc, grad, s):  # pragma: no cover - compiled
    """At cell currents c of one vector: zc = Z·c, grad = ∇Φ = g⁻¹(c) + Z·c − V (volts, 0 on 0 S cells),
    s = sqrt(dc/du); returns (Φ, ‖grad‖∞). ``a``: G·f_scale (sinh) or G (ohmic), S or A."""
    n_rows, n_cols = a.shape
    _z_one(c, wires[0], wires[1], wires[2], wires[3], above, rise, zc)
    phi = 0.0
    largest = 0.0
    for i in range(n_rows):
        for j in range(n_cols):
            aij = a[i, j]
            cij = c[i, j]
            if aij > 0.0:
                if sinh_cell:  # u = v0·asinh(c/a), asinh(x) = log1p(x + x²/(1 + sqrt(1 + x²))) for x >= 0
                    x = abs(cij) / aij
                    q = np.sqrt(1.0 + x * x)
                    asinh = np.log1p(x + x * x / (1.0 + q))
                    u = v0 * asinh if cij >= 0.0 else -v0 * asinh
                    phi += v0 * aij * (x * asinh - q + 1.0)
                    s[i, j] = np.sqrt(aij * q / v0)
                else:
                    u = cij / aij
                    phi += 0.5 * cij * u
                    s[i, j] = np.sqrt(aij)
                grad[i, j] = u + zc[i, j] - v_row[i]
            else:
                grad[i, j] = 0.0
                s[i, j] = 0.0
            phi += cij * (0.5 * zc[i, j] - v_row[i])
            largest = max(largest, abs(grad[i, j]))
    return phi, largest


@numba.njit(cache=True, nogil=True)
def _newton_kernel(a, v, wires, sinh_cell, v0, rtol, out):  # pragma: no cover - compiled
    """Cell voltages out (batch, R, C) for row voltages v (batch, R): Newton steps on the cell currents with
    CG and a backtracking line search on the co-content Φ (module docstring). ``a``: G·f_scale for a sinh
    cell (c = a·sinh(u/v0)), G for an ohmic one; wires: (segment_w, segment_b, driver, sense) ohm.
    Returns the worst relative residual of the vectors that did not converge (0.0 when all did)."""
    n_rows, n_cols = a.shape
    rw, rb, rd, rs = wires
    above = np.empty((n_rows, n_cols))
    rise = np.empty(n_cols)
    c = np.empty((n_rows, n_cols))
    zc = np.empty((n_rows, n_cols))
    grad = np.empty((n_rows, n_cols))
    s = np.empty((n_rows, n_cols))
    x = np.empty((n_rows, n_cols))
    r = np.empty((n_rows, n_cols))
    p = np.empty((n_rows, n_cols))
    ap = np.empty((n_rows, n_cols))
    tmp = np.empty((n_rows, n_cols))
    c_try = np.empty((n_rows, n_cols))
    zc_try = np.empty((n_rows, n_cols))
    grad_try = np.empty((n_rows, n_cols))
    s_try = np.empty((n_rows, n_cols))
    worst = 0.0
    for n in range(v.shape[0]):
        scale = 0.0
        for i in range(n_rows):
            scale = max(scale, abs(v[n, i]))
            for j in range(n_cols):  # start from the currents without IR drop (bounded against overflow)
                if sinh_cell:
                    c[i, j] = a[i, j] * np.sinh(min(max(v[n, i] / v0, -START_LIMIT), START_LIMIT))
                else:
                    c[i, j] = a[i, j] * v[n, i]
        scale = scale if scale > 0.0 else 1.0
        phi, largest = _evaluate(c, v[n], a, wires, sinh_cell, v0, above, rise, zc, grad, s)
        error = largest / scale
        for _ in range(MAX_NEWTON_STEPS):
            if error <= rtol:
                break
            # CG on (I + S Z S) y = -S grad, to a relative residual min(0.01, error); δc = S y
            rr = 0.0
            for i in range(n_rows):
                for j in range(n_cols):
                    x[i, j] = 0.0
                    r[i, j] = -s[i, j] * grad[i, j]
                    p[i, j] = r[i, j]
                    rr += r[i, j] * r[i, j]
            target = min(1e-4, error * error) * rr
            for _ in range(MAX_CG_STEPS):
                if rr <= target:
                    break
                for i in range(n_rows):
                    for j in range(n_cols):
                        tmp[i, j] = s[i, j] * p[i, j]
                _z_one(tmp, rw, rb, rd, rs, above, rise, ap)
                pap = 0.0
                for i in range(n_rows):
                    for j in range(n_cols):
                        ap[i, j] = p[i, j] + s[i, j] * ap[i, j]
                        pap += p[i, j] * ap[i, j]
                alpha = rr / pap
                rr_new = 0.0
                for i in range(n_rows):
                    for j in range(n_cols):
                        x[i, j] += alpha * p[i, j]
                        r[i, j] -= alpha * ap[i, j]
                        rr_new += r[i, j] * r[i, j]
                beta = rr_new / rr
                rr = rr_new
                for i in range(n_rows):
                    for j in range(n_cols):
                        p[i, j] = r[i, j] + beta * p[i, j]
            slope = 0.0  # ∇Φ·δc < 0: a descent direction of the convex Φ
            for i in range(n_rows):
                for j in range(n_cols):
                    tmp[i, j] = s[i, j] * x[i, j]
                    slope += grad[i, j] * tmp[i, j]
            t = 1.0
            for _ in range(MAX_BACKTRACKS):
                for i in range(n_rows):
                    for j in range(n_cols):
                        c_try[i, j] = c[i, j] + t * tmp[i, j]
                phi_try, largest = _evaluate(c_try, v[n], a, wires, sinh_cell, v0, above, rise, zc_try,
                                             grad_try, s_try)
                # Φ's decrease is lost in round-off near the solution, where full steps converge anyway
                if phi_try <= phi + 1e-4 * t * slope or (error < 1e-4 and largest <= error * scale):
                    break
                t *= 0.5
            c[:] = c_try
            zc[:] = zc_try
            grad[:] = grad_try
            s[:] = s_try
            phi = phi_try
            error = largest / scale
        for i in range(n_rows):
            for j in range(n_cols):
                out[n, i, j] = v[n, i] - zc[i, j]  # word − bit potential: exact also on 0 S cells
        if error > rtol:
            worst = max(worst, error)
    return worst


@dataclass(frozen=True, eq=False)
class NonlinearCrossbar:
    """A crossbar of cells ``conductance_S`` (R, C) with I = G·f(V) of ``cell``, and its wires."""

    conductance_S: np.ndarray
    wires: WireParasitics
    cell: CellIV

    def __post_init__(self) -> None:
        object.__setattr__(self, "conductance_S", check_conductance(self.conductance_S))
        check_wires(self.wires)
        if not isinstance(self.cell, CellIV):
            raise ParameterError("cell", self.cell, "must be a device_models.cell_iv.CellIV")

    def wire_drop(self, currents_A: np.ndarray) -> np.ndarray:
        """Z·c (batch, R, C) volts: word-line drop plus bit-line rise at each cell for cell currents c."""
        w = self.wires
        out = np.empty_like(currents_A)
        _wire_drop(np.ascontiguousarray(currents_A, dtype=np.float64), w.wordline_segment_ohm,
                   w.bitline_segment_ohm, w.driver_ohm, w.sense_ohm, out)
        return out

    def residual(self, currents_A: np.ndarray, v_rows: np.ndarray) -> np.ndarray:
        """F(c) = g⁻¹(c) + Z·c − V (batch, R, C) volts for cell currents c and row voltages (batch, R);
        0 on 0 S cells (their current is 0)."""
        g = self.conductance_S
        with np.errstate(divide="ignore", invalid="ignore"):
            inverse = np.where(g > 0.0, self.cell.inverse(currents_A / g), 0.0)
        drive = np.where(g > 0.0, v_rows[:, :, None], 0.0)
        return inverse + np.where(g > 0.0, self.wire_drop(currents_A), 0.0) - drive

    def jacobian_product(self, currents_A: np.ndarray, delta_A: np.ndarray) -> np.ndarray:
        """The derivative of :meth:`residual` at c along δ: δ/D + Z·δ, D = G ∘ f'(g⁻¹(c)) (0 S cells: 0)."""
        g = self.conductance_S
        with np.errstate(divide="ignore", invalid="ignore"):
            d = g * self.cell.slope(np.where(g > 0.0, self.cell.inverse(currents_A / g), 0.0))
            own = np.where(g > 0.0, delta_A / d, 0.0)
        return own + np.where(g > 0.0, self.wire_drop(delta_A), 0.0)

    def cell_voltages(self, v_rows: np.ndarray, rtol: float = NEWTON_RTOL) -> np.ndarray:
        """Exact cell voltages (batch, R, C), word − bit line, for row voltages v_rows (batch, R).

        Each distinct input vector is solved once (bit-serial planes and one-hot inputs repeat), in parallel
        threads (the compiled kernel runs without the GIL)."""
        v = check_row_voltages(v_rows, self.conductance_S.shape[0], batched=True)
        check_positive("rtol", rtol)
        n_rows, n_cols = self.conductance_S.shape
        if self.wires.is_ideal:
            return np.broadcast_to(v[:, :, None], (v.shape[0], n_rows, n_cols)).copy()
        distinct, inverse = np.unique(v, axis=0, return_inverse=True)
        if distinct.shape[0] < v.shape[0]:
            return self._solve(distinct, rtol)[inverse.reshape(-1)]
        return self._solve(np.ascontiguousarray(v), rtol)

    def _solve(self, v: np.ndarray, rtol: float) -> np.ndarray:
        n_rows, n_cols = self.conductance_S.shape
        out = np.empty((v.shape[0], n_rows, n_cols))
        w, cell = self.wires, self.cell
        wires = (w.wordline_segment_ohm, w.bitline_segment_ohm, w.driver_ohm, w.sense_ohm)
        a = np.ascontiguousarray(self.conductance_S)
        if not cell.is_ohmic:
            a = a * (cell.read_voltage_V / np.sinh(cell.read_voltage_V / cell.characteristic_voltage_V))

        def solve(start: int) -> float:
            stop = start + VECTORS_PER_TASK
            return _newton_kernel(a, v[start:stop], wires, not cell.is_ohmic, cell.characteristic_voltage_V,
                                  rtol, out[start:stop])

        starts = range(0, v.shape[0], VECTORS_PER_TASK)
        workers = min(usable_cores(), len(starts))
        if workers < 2:
            worst = max((solve(k) for k in starts), default=0.0)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                worst = max(pool.map(solve, starts))
        if worst > 0.0:
            raise RuntimeError(f"non-linear IR drop: Newton did not converge in {MAX_NEWTON_STEPS} steps "
                               f"(worst relative residual {worst:.3g}, wanted <= {rtol:.3g})")
        return out

    def column_currents(self, v_rows: np.ndarray, rtol: float = NEWTON_RTOL) -> np.ndarray:
        """Column currents (batch, C) A into the virtual grounds for row voltages v_rows (batch, R)."""
        return (self.conductance_S * self.cell.f(self.cell_voltages(v_rows, rtol))).sum(axis=1)
