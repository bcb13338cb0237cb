"""LAPACK Cholesky routines called from numba: agree with numpy, report failures, run in parallel threads."""

from __future__ import annotations

import numpy as np
import pytest

from crossbar_sim.circuit.lapack import cholesky_lower, cholesky_solve, pack_lower, packed_cholesky_solve


def spd(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.normal(size=(n, n))
    return np.asfortranarray(x @ x.T + n * np.eye(n))


@pytest.mark.parametrize("n", [1, 7, 64])
def test_factor_and_solves_match_numpy(rng, n):
    a = spd(rng, n)
    factor = a.copy(order="F")
    assert cholesky_lower(factor) == 0
    np.testing.assert_allclose(np.tril(factor), np.linalg.cholesky(a), rtol=1e-12, atol=1e-12)
    b = np.asfortranarray(rng.normal(size=(n, n + 5)))
    x = b.copy(order="F")
    assert cholesky_solve(factor, x, 3) == 0
    np.testing.assert_allclose(x[:, :3], np.linalg.solve(a, b[:, :3]), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(x[:, 3:], b[:, 3:])  # columns past n_rhs untouched
    packed = np.empty(n * (n + 1) // 2)
    pack_lower(factor, packed)
    v = b[:, 0].copy()
    assert packed_cholesky_solve(packed, v) == 0
    np.testing.assert_allclose(v, np.linalg.solve(a, b[:, 0]), rtol=1e-10, atol=1e-12)


def test_indefinite_matrix_reports_its_failing_minor():
    a = np.asfortranarray(np.diag([1.0, 2.0, -1.0, 4.0]))
    assert cholesky_lower(a) == 3
