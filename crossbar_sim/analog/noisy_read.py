"""The fast noisy read: a block's channels sensed in parallel threads, read noise drawn in output space.

Standard normals are drawn inside the sensing kernel (:func:`crossbar_sim.periphery.sensing.
sense_accumulate_noisy`) from xoshiro256** streams, one per CHANNELS_PER_STREAM channels, seeded from
the matrix's Generator at every read (:mod:`crossbar_sim.periphery.normals`). A block's channels are
split into SENSE_THREADS ranges on stream boundaries and read in the threads of a module-wide pool, each
multiplying with single-threaded BLAS (idle BLAS threads would spin against the sensing kernels), so the
numbers do not depend on the thread count. A forked child gets a pool of its own.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from crossbar_sim.analog.channels import ChannelBlock
from crossbar_sim.common.blas import single_threaded_blas
from crossbar_sim.periphery.encoders import EncodedInput
from crossbar_sim.periphery.normals import stream_states
from crossbar_sim.periphery.sensing import sense_accumulate_noisy

CHANNELS_PER_STREAM = 64  # read-noise normals: one xoshiro256** stream per block of 64 channels
SENSE_THREADS = 2  # blocks of channels are sensed in this many threads (results do not depend on it)
_POOL = ThreadPoolExecutor(max_workers=SENSE_THREADS)


def _new_pool_after_fork() -> None:
    """A forked child inherits the pool but not its threads: give it a pool of its own."""
    global _POOL
    _POOL = ThreadPoolExecutor(max_workers=SENSE_THREADS)


os.register_at_fork(after_in_child=_new_pool_after_fork)


@dataclass(frozen=True, eq=False)
class ChannelRange:
    """Channels [start, stop) of a block, read by one thread, and their per-level matrices.

    start is a multiple of CHANNELS_PER_STREAM, so the range owns whole noise streams (``streams``).
    mean: A per level, var: A² per level², stacked: [mean; var] for 0/1 planes; each (channels, driven).
    """

    start: int
    stop: int
    mean: np.ndarray
    var: np.ndarray
    stacked: np.ndarray

    @property
    def streams(self) -> slice:
        return slice(self.start // CHANNELS_PER_STREAM, -(-self.stop // CHANNELS_PER_STREAM))


def split_channels(block: ChannelBlock, volts_per_level: float, dtype: type
                   ) -> tuple[np.ndarray, list[ChannelRange]]:
    """Per-level mean matrix (A per level, channels × driven) in the read precision ``dtype``, and the
    channels split into SENSE_THREADS ranges on stream boundaries with views of it and of the variances."""
    mean = np.ascontiguousarray(block.mean_S * volts_per_level, dtype=dtype)
    var = np.ascontiguousarray(block.var_S2 * volts_per_level**2, dtype=dtype)
    n_ch = mean.shape[0]
    n_streams = -(-n_ch // CHANNELS_PER_STREAM)
    edges = np.unique(np.linspace(0, n_streams, SENSE_THREADS + 1).astype(int)) * CHANNELS_PER_STREAM
    bounds = np.minimum(edges, n_ch)
    return mean, [ChannelRange(int(a), int(b), mean[a:b], var[a:b], np.vstack([mean[a:b], var[a:b]]))
                  for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _read_range(r: ChannelRange, levels: np.ndarray, squares: np.ndarray | None, states: np.ndarray,
                plane_weights: np.ndarray, quantise: bool, lsb_A: np.ndarray, code_min: int, code_max: int,
                vector_scale: np.ndarray, acc: np.ndarray) -> int:
    """Read every plane of ``levels`` (planes, driven, batch) on the channels of ``r`` with read noise,
    convert and accumulate into ``acc``; ``squares`` are the levels squared (None for 0/1 planes),
    ``states`` the (planes, streams, 4) xoshiro states of the block. Returns the clipped conversions."""
    n = r.stop - r.start
    out = acc[r.start:r.stop]
    count = 0
    for k in range(levels.shape[0]):
        if squares is None:  # 0/1 levels: the variance product reuses the plane (u² = u)
            both = r.stacked @ levels[k]
            mean, var = both[:n], both[n:]
        else:
            mean, var = r.mean @ levels[k], r.var @ squares[k]
        streams = states[k, r.streams]  # a contiguous (streams, 4) view, advanced in place
        count += sense_accumulate_noisy(mean, var, streams, CHANNELS_PER_STREAM, 0, len(streams), quantise,
                                        lsb_A[r.start:r.stop], code_min, code_max, float(plane_weights[k]),
                                        vector_scale, out)
    return count


def read_noisy(ranges: list[ChannelRange], levels: np.ndarray, enc: EncodedInput, quantise: bool,
               lsb_A: np.ndarray, code_min: int, code_max: int, vector_scale: np.ndarray, acc: np.ndarray,
               rng: np.random.Generator) -> int:
    """Read all planes of one block with read noise seeded from ``rng``, its channel ranges in parallel
    threads; accumulates into ``acc`` (channels, batch) and returns the clipped conversions."""
    planes, n_streams = levels.shape[0], ranges[-1].streams.stop
    states = stream_states(rng, planes * n_streams).reshape(planes, n_streams, 4)
    squares = None if enc.binary else levels * levels
    args = (levels, squares, states, enc.plane_weights, quantise, lsb_A, code_min, code_max, vector_scale,
            acc)
    if len(ranges) == 1:
        return _read_range(ranges[0], *args)
    with single_threaded_blas():
        jobs = [_POOL.submit(_read_range, r, *args) for r in ranges]
        return sum(job.result() for job in jobs)
