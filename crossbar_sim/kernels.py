"""Fused numba kernels: the sensing chain (noise, ADC quantisation and clipping, shift-and-add) and
the input quantisers.

The kernels draw no random numbers: the standard normals ``z`` come from the caller's Generator.
``sense_accumulate_numpy`` is the same computation in numpy (the benchmark compares the two; the
kernel is kept because it is faster, see ``benchmarks/bench_vmm.py``). Drawing uint64 words with the
Generator and turning them into normals in the kernel (Box–Muller) was measured slower than numpy's
float32 ziggurat (log, sqrt, sin, cos per pair) and dropped. The kernels are single-threaded:
run right after a BLAS call, ``parallel=True`` versions competed with BLAS's spinning threads and
were slower in the same-run A/B (vmm_noisy_8b 7.0 vs 6.3 baselines, vmm_bitserial_4b 25.4 vs 18.3).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(fastmath=True, cache=True)
def sense_accumulate(mean_A, var_A2, z, noisy, quantise, lsb_A, code_min, code_max,
                     plane_weight, vector_scale, out):  # pragma: no cover - compiled
    """out[c, n] += plane_weight·vector_scale[n]·ADC(mean + sqrt(var)·z); returns clipped conversions.

    mean_A, var_A2, z: (channels, batch); var and z are only read when ``noisy``. lsb_A: (channels,)
    amperes per code, used when ``quantise`` (codes round half up, clipped to [code_min, code_max]).
    """
    n_ch, n_vec = mean_A.shape
    clipped = np.zeros(n_ch, np.int64)
    for c in range(n_ch):
        lsb = lsb_A[c]
        inv = 1.0 / lsb
        count = 0
        for n in range(n_vec):
            current = np.float64(mean_A[c, n])
            if noisy:
                current += math.sqrt(max(np.float64(var_A2[c, n]), 0.0)) * z[c, n]
            if quantise:
                code = math.floor(current * inv + 0.5)
                if code > code_max:
                    code = code_max
                    count += 1
                elif code < code_min:
                    code = code_min
                    count += 1
                current = code * lsb
            out[c, n] += plane_weight * vector_scale[n] * current
        clipped[c] = count
    return clipped.sum()


def sense_accumulate_numpy(mean_A, var_A2, z, noisy, quantise, lsb_A, code_min, code_max,
                           plane_weight, vector_scale, out) -> int:
    """The numpy twin of :func:`sense_accumulate` (same arguments, same result)."""
    current = mean_A.astype(np.float64)
    if noisy:
        current += np.sqrt(np.maximum(var_A2.astype(np.float64), 0.0)) * z
    clipped = 0
    if quantise:
        code = np.floor(current / lsb_A[:, None] + 0.5)
        clipped = int(np.count_nonzero((code < code_min) | (code > code_max)))
        current = np.clip(code, code_min, code_max) * lsb_A[:, None]
    out += plane_weight * vector_scale[None, :] * current
    return clipped


@numba.njit(cache=True)
def quantise_levels(x, offset, step, code_min, code_max, out):  # pragma: no cover - compiled
    """out[i, n] = clip(rint((x[i, n] − offset[n]) / step[n]), code_min, code_max) (round half even)."""
    n_rows, n_vec = x.shape
    for i in range(n_rows):
        for n in range(n_vec):
            out[i, n] = min(max(np.rint((x[i, n] - offset[n]) / step[n]), code_min), code_max)


@numba.njit(cache=True)
def bit_planes(x, offset, step, bits, out):  # pragma: no cover - compiled
    """out[k, i, n] = bit k of q = clip(rint((x[i, n] − offset[n]) / step[n]), 0, 2^bits − 1)."""
    n_rows, n_vec = x.shape
    top = 2**bits - 1
    for i in range(n_rows):
        for n in range(n_vec):
            q = np.int64(min(max(np.rint((x[i, n] - offset[n]) / step[n]), 0), top))
            for k in range(bits):
                out[k, i, n] = (q >> k) & 1
