"""Fused numba kernels: the sensing chain (noise, ADC quantisation and clipping, shift-and-add) and
the input quantisers.

``sense_accumulate`` takes its standard normals ``z`` from the caller; ``sense_accumulate_noisy`` draws
them in place from xoshiro256** streams seeded by the caller's Generator
(:mod:`crossbar_sim.periphery.normals`), one stream per fixed block of channels, and runs without the
GIL so blocks of channels can be sensed in parallel threads. ``sense_accumulate_numpy`` is the
computation in numpy, the slow twin in the tests (the benchmark compares it with the kernel).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from crossbar_sim.periphery.normals import DENSITY, EDGES, standard_normal


@numba.njit(inline="always")
def _sense_row(mean_A, var_A2, z, noisy, quantise, lsb_A, code_min, code_max, plane_weight, vector_scale,
               out):  # pragma: no cover - compiled
    """One channel's conversions: out[n] += plane_weight·vector_scale[n]·ADC(mean + sqrt(var)·z); returns
    the clipped ones. var and z are only read when ``noisy``; lsb_A is a scalar here."""
    inv = 1.0 / lsb_A
    count = 0
    for n in range(mean_A.size):
        current = np.float64(mean_A[n])
        if noisy:
            current += math.sqrt(max(np.float64(var_A2[n]), 0.0)) * z[n]
        if quantise:
            code = math.floor(current * inv + 0.5)
            if code > code_max:
                code = code_max
                count += 1
            elif code < code_min:
                code = code_min
                count += 1
            current = code * lsb_A
        out[n] += plane_weight * vector_scale[n] * current
    return count


@numba.njit(fastmath=True, cache=True)
def sense_accumulate(mean_A, var_A2, z, noisy, quantise, lsb_A, code_min, code_max,
                     plane_weight, vector_scale, out):  # pragma: no cover - compiled
    """out[c, n] += plane_weight·vector_scale[n]·ADC(mean + sqrt(var)·z); returns clipped conversions.

    mean_A, var_A2, z: (channels, batch); var and z are only read when ``noisy``. lsb_A: (channels,)
    amperes per code, used when ``quantise`` (codes round half up, clipped to [code_min, code_max]).
    """
    clipped = 0
    for c in range(mean_A.shape[0]):
        if noisy:
            clipped += _sense_row(mean_A[c], var_A2[c], z[c], True, quantise, lsb_A[c], code_min, code_max,
                                  plane_weight, vector_scale, out[c])
        else:
            clipped += _sense_row(mean_A[c], mean_A[c], mean_A[c], False, quantise, lsb_A[c], code_min,
                                  code_max, plane_weight, vector_scale, out[c])
    return clipped


@numba.njit(fastmath=True, nogil=True, cache=True)
def sense_accumulate_noisy(mean_A, var_A2, states, rows_per_stream, first_stream, stop_stream, quantise,
                           lsb_A, code_min, code_max, plane_weight, vector_scale, out):  # pragma: no cover
    """:func:`sense_accumulate` with read noise, z drawn here: channel c takes its normals, in vector order,
    from ``states[c // rows_per_stream]``. Senses the channels of streams [first_stream, stop_stream);
    returns their clipped conversions.
    """
    n_ch, n_vec = mean_A.shape
    z = np.empty(n_vec)  # one channel's normals, drawn first so the sensing loop vectorises
    count = 0
    for c in range(first_stream * rows_per_stream, min(stop_stream * rows_per_stream, n_ch)):
        state = states[c // rows_per_stream]
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
        for n in range(n_vec):
            z[n], s0, s1, s2, s3 = standard_normal(s0, s1, s2, s3, EDGES, DENSITY)
        state[0], state[1], state[2], state[3] = s0, s1, s2, s3
        count += _sense_row(mean_A[c], var_A2[c], z, True, quantise, lsb_A[c], code_min, code_max,
                            plane_weight, vector_scale, out[c])
    return count


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
