"""Read-noise normals: the in-kernel xoshiro256** streams against numba's own ``numpy.random.Generator``.

The shapes of one 512-output read of 1000 vectors: 512 channels × 1000 vectors, one stream per 64
channels (8 streams), float64 normals, float32 means and variances, 8-bit ADC. "xoshiro" is today's path
(:func:`~crossbar_sim.periphery.normals.stream_states` + the ziggurat in
:func:`~crossbar_sim.periphery.sensing.sense_accumulate_noisy`); "generator" is the proposal: one
``numpy.random.Generator`` per stream (PCG64 children of the matrix's Generator, ``rng.spawn``), passed
to a numba kernel as a tuple and drawn from with ``Generator.standard_normal()`` (numba's port of
numpy's 256-layer ziggurat, which calls numpy's PCG64 through a function pointer per 64-bit word). Each
read seeds its streams afresh on both sides (``stream_states`` / ``spawn`` are inside the timed calls);
``_kept`` lines spawn the Generators once and reuse them (no spawn, but each call still unboxes them);
``_sfc64`` lines drive the same children's seeds through SFC64, numpy's fastest bit generator.

- ``normals_kernel_vs_numpy``: the xoshiro fill against numpy's float32 ``standard_normal``.
- ``normals_generator_vs_xoshiro``: raw draws, each side filling a (512, 1000) float64 array
  (``*_Mdraws_s``: median draw rates); ``identical_to_numpy`` checks that the numba Generator draws are
  numpy's own draws of the same children.
- ``normals_generator_vs_numpy_f64``: the numba Generator fill against numpy's C ``standard_normal(out=)``.
- ``sense_noisy_generator_vs_xoshiro``: the noisy sensing kernel, one thread; ``_2threads``: the
  channels split on stream boundaries into two ranges sensed in two threads (as the reads do).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from benchmarks.timing import bench_line, timed_pairs
from crossbar_sim.periphery.normals import fill_standard_normal, stream_states
from crossbar_sim.periphery.sensing import _sense_row, sense_accumulate_noisy

N_CH, N_VEC, PER_STREAM = 512, 1000, 64
N_STREAMS = N_CH // PER_STREAM
REPEATS, BLOCK = 25, 3
_POOL = ThreadPoolExecutor(max_workers=2)


@numba.njit(nogil=True, cache=True)
def fill_standard_normal_generators(generators, rows_per_stream, out):  # pragma: no cover - compiled
    """out[r, n] = generators[r // rows_per_stream].standard_normal(), row-major (as fill_standard_normal)."""
    for r in range(out.shape[0]):
        gen = generators[r // rows_per_stream]
        for n in range(out.shape[1]):
            out[r, n] = gen.standard_normal()


@numba.njit(fastmath=True, nogil=True, cache=True)
def sense_accumulate_noisy_generators(mean_A, var_A2, generators, rows_per_stream, first_stream, stop_stream,
                                      quantise, lsb_A, code_min, code_max, plane_weight, vector_scale,
                                      out):  # pragma: no cover - compiled
    """``sense_accumulate_noisy`` with channel c's normals drawn from ``generators[c // rows_per_stream]``."""
    n_ch, n_vec = mean_A.shape
    z = np.empty(n_vec)
    count = 0
    for c in range(first_stream * rows_per_stream, min(stop_stream * rows_per_stream, n_ch)):
        gen = generators[c // rows_per_stream]
        for n in range(n_vec):
            z[n] = gen.standard_normal()
        count += _sense_row(mean_A[c], var_A2[c], z, True, quantise, lsb_A[c], code_min, code_max,
                            plane_weight, vector_scale, out[c])
    return count


def _spawn(rng: np.random.Generator) -> tuple[np.random.Generator, ...]:
    """The proposal's streams: PCG64 children of ``rng`` (``Generator.spawn``)."""
    return tuple(rng.spawn(N_STREAMS))


def _spawn_sfc64(rng: np.random.Generator) -> tuple[np.random.Generator, ...]:
    """The same children's seeds driving SFC64, numpy's fastest bit generator."""
    return tuple(np.random.Generator(np.random.SFC64(s)) for s in rng.bit_generator.seed_seq.spawn(N_STREAMS))


def _identical_to_numpy(seed: int) -> bool:
    out = np.empty((N_CH, N_VEC))
    fill_standard_normal_generators(_spawn(np.random.default_rng(seed)), PER_STREAM, out)
    ref = np.vstack([g.standard_normal((PER_STREAM, N_VEC)) for g in _spawn(np.random.default_rng(seed))])
    return bool(np.array_equal(out, ref))


def _draw_lines(rng: np.random.Generator) -> list[str]:
    out_x, out_g, out_n = (np.empty((N_CH, N_VEC)) for _ in range(3))

    def xoshiro() -> None:
        fill_standard_normal(stream_states(rng, N_STREAMS), PER_STREAM, out_x)

    def generator(spawn=_spawn) -> None:
        fill_standard_normal_generators(spawn(rng), PER_STREAM, out_g)

    numpy_f32 = timed_pairs(xoshiro, lambda: rng.standard_normal((N_CH, N_VEC), dtype=np.float32),
                            repeats=REPEATS, block=BLOCK)
    versus = timed_pairs(generator, xoshiro, repeats=REPEATS, block=BLOCK)
    sfc64 = timed_pairs(lambda: generator(_spawn_sfc64), xoshiro, repeats=REPEATS, block=BLOCK)
    numpy_f64 = timed_pairs(generator, lambda: rng.standard_normal(out=out_n), repeats=REPEATS, block=BLOCK)
    draws = N_CH * N_VEC / 1e6
    return [
        bench_line("normals_kernel_vs_numpy", numpy_f32),
        bench_line("normals_generator_vs_xoshiro", versus,
                   generator_Mdraws_s=f"{draws / np.median(versus.sim_s):.0f}",
                   xoshiro_Mdraws_s=f"{draws / np.median(versus.base_s):.0f}",
                   identical_to_numpy=_identical_to_numpy(11)),
        bench_line("normals_generator_sfc64_vs_xoshiro", sfc64,
                   generator_Mdraws_s=f"{draws / np.median(sfc64.sim_s):.0f}",
                   xoshiro_Mdraws_s=f"{draws / np.median(sfc64.base_s):.0f}"),
        bench_line("normals_generator_vs_numpy_f64", numpy_f64,
                   numpy_Mdraws_s=f"{draws / np.median(numpy_f64.base_s):.0f}"),
    ]


def _sense_lines(rng: np.random.Generator) -> list[str]:
    mean = rng.standard_normal((N_CH, N_VEC), dtype=np.float32)
    var = rng.random((N_CH, N_VEC), dtype=np.float32) * np.float32(0.01)
    lsb, scale = np.full(N_CH, 0.02), np.ones(N_VEC)
    out_x, out_g = np.zeros((N_CH, N_VEC)), np.zeros((N_CH, N_VEC))
    tail = (True, lsb, -127, 127, 1.0, scale)
    half = N_STREAMS // 2
    kept = _spawn(rng)

    def xoshiro() -> int:
        return sense_accumulate_noisy(mean, var, stream_states(rng, N_STREAMS), PER_STREAM, 0, N_STREAMS,
                                      *tail, out_x)

    def generator(gens: tuple | None = None, spawn=_spawn) -> int:
        gens = spawn(rng) if gens is None else gens
        return sense_accumulate_noisy_generators(mean, var, gens, PER_STREAM, 0, N_STREAMS, *tail, out_g)

    def two_threads(kernel, streams, out: np.ndarray) -> int:
        """The read's split: each range gets its own streams (a state view / a tuple) and rows of out."""
        ranges = ((0, half), (half, N_STREAMS))
        jobs = []
        for a, b in ranges:
            r = slice(a * PER_STREAM, b * PER_STREAM)
            jobs.append(_POOL.submit(kernel, mean[r], var[r], streams[a:b], PER_STREAM, 0, b - a, True,
                                     lsb[r], -127, 127, 1.0, scale, out[r]))
        return sum(job.result() for job in jobs)

    one = timed_pairs(generator, xoshiro, repeats=REPEATS, block=BLOCK)
    kept_one = timed_pairs(lambda: generator(kept), xoshiro, repeats=REPEATS, block=BLOCK)
    sfc64 = timed_pairs(lambda: generator(spawn=_spawn_sfc64), xoshiro, repeats=REPEATS, block=BLOCK)
    two = timed_pairs(lambda: two_threads(sense_accumulate_noisy_generators, _spawn(rng), out_g),
                      lambda: two_threads(sense_accumulate_noisy, stream_states(rng, N_STREAMS), out_x),
                      repeats=REPEATS, block=BLOCK)
    return [bench_line("sense_noisy_generator_vs_xoshiro", one),
            bench_line("sense_noisy_generator_kept_vs_xoshiro", kept_one),
            bench_line("sense_noisy_generator_sfc64_vs_xoshiro", sfc64),
            bench_line("sense_noisy_generator_vs_xoshiro_2threads", two)]


def run() -> list[str]:
    rng = np.random.default_rng(2023)
    return [*_draw_lines(rng), *_sense_lines(rng)]
