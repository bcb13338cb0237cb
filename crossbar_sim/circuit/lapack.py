"""Cholesky routines of LAPACK callable from numba code that runs without the GIL.

They call scipy's own LAPACK (``scipy.linalg.cython_lapack``) by symbol name, so numba can cache the
compiled callers; unlike ``scipy.linalg.lapack`` they let several threads factorise at once. Every
matrix is Fortran-ordered (column-major) and is overwritten in place; each call returns LAPACK's
``info`` (0 on success, k > 0 when the leading minor of order k is not positive definite).
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numba
import numpy as np
from numba import types
from numba.extending import get_cython_function_address

_LOWER = ord("L")


def _external(name: str, n_args: int) -> types.ExternalFunction:
    """The LAPACK routine ``name`` (all arguments by pointer) as a numba external function."""
    symbol = f"crossbar_sim_{name}"
    llvm.add_symbol(symbol, get_cython_function_address("scipy.linalg.cython_lapack", name))
    return types.ExternalFunction(symbol, types.void(*([types.voidptr] * n_args)))


_dpotrf = _external("dpotrf", 5)  # uplo, n, a, lda, info
_dpotrs = _external("dpotrs", 8)  # uplo, n, nrhs, a, lda, b, ldb, info
_dpptrs = _external("dpptrs", 7)  # uplo, n, nrhs, ap, b, ldb, info


@numba.njit(nogil=True, cache=True)
def cholesky_lower(a: np.ndarray) -> int:
    """Factor the symmetric positive definite (n, n) ``a`` as L Lᵀ; L overwrites its lower triangle."""
    uplo = np.array([_LOWER], dtype=np.uint8)
    n = np.array([a.shape[0]], dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    _dpotrf(uplo.ctypes, n.ctypes, a.ctypes, n.ctypes, info.ctypes)
    return info[0]


@numba.njit(nogil=True, cache=True)
def cholesky_solve(factor: np.ndarray, b: np.ndarray, n_rhs: int) -> int:
    """Overwrite the first ``n_rhs`` columns of ``b`` (n, >= n_rhs) with (L Lᵀ)⁻¹ b.

    ``factor`` holds L in its lower triangle (:func:`cholesky_lower`).
    """
    uplo = np.array([_LOWER], dtype=np.uint8)
    n = np.array([factor.shape[0]], dtype=np.int32)
    nrhs = np.array([n_rhs], dtype=np.int32)
    ldb = np.array([b.shape[0]], dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    _dpotrs(uplo.ctypes, n.ctypes, nrhs.ctypes, factor.ctypes, n.ctypes, b.ctypes, ldb.ctypes, info.ctypes)
    return info[0]


@numba.njit(nogil=True, cache=True)
def pack_lower(factor: np.ndarray, out: np.ndarray) -> None:
    """Copy the lower triangle of ``factor`` (n, n) into ``out`` (n(n+1)/2,), LAPACK packed column order."""
    n = factor.shape[0]
    k = 0
    for j in range(n):
        for i in range(j, n):
            out[k] = factor[i, j]
            k += 1


@numba.njit(nogil=True, cache=True)
def packed_cholesky_solve(packed: np.ndarray, b: np.ndarray) -> int:
    """Overwrite the vector ``b`` (n,) with (L Lᵀ)⁻¹ b; L in packed lower storage (:func:`pack_lower`)."""
    uplo = np.array([_LOWER], dtype=np.uint8)
    n = np.array([b.shape[0]], dtype=np.int32)
    one = np.array([1], dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    _dpptrs(uplo.ctypes, n.ctypes, one.ctypes, packed.ctypes, b.ctypes, n.ctypes, info.ctypes)
    return info[0]
