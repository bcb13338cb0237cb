"""Standard normal draws inside numba kernels: xoshiro256** streams and a 128-layer ziggurat.

The read-noise kernels need one normal per channel current; drawing them where they are used avoids
writing and re-reading a (channels, batch) array and lets several threads draw at once. Each stream is
four uint64 words seeded from a numpy Generator (:func:`stream_states`), so every draw still flows from
the configured seed, and a stream serves a fixed block of channels, so results do not depend on the
number of threads.

numba (0.56+) also accepts ``numpy.random.Generator`` objects in nopython, nogil code, with draws
identical to numpy's; one spawned Generator per stream would do the same job, but costs 1.3–1.5× as
much in the noisy sensing kernel (each 64-bit word is an indirect call into numpy's bit generator, and
every read spawns and unboxes the Generators): ``python -m benchmarks normals``.

- xoshiro256**: Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47 (2021).
- Ziggurat: Marsaglia & Tsang, "The ziggurat method for generating random variables", J. Stat. Softw.
  5(8) (2000), 128 layers with their constants R = 3.442619855899 and V = 9.91256303526217e-3. Here the
  layer index, the sign and the 53-bit uniform come from disjoint bits of one 64-bit word.
"""

from __future__ import annotations

import numba
import numpy as np

LAYERS = 128
TAIL_START = 3.442619855899  # R: where the base layer's tail begins
LAYER_AREA = 9.91256303526217e-3  # V: area of every layer under exp(-x²/2)
_UNIT = 2.0**-53


def _ziggurat_edges() -> np.ndarray:
    """x[0..LAYERS]: x[0] = V / f(R) (base layer width), x[1] = R, equal-area layers, x[LAYERS] = 0."""
    x = np.empty(LAYERS + 1)
    x[0] = LAYER_AREA / np.exp(-0.5 * TAIL_START**2)
    x[1] = TAIL_START
    for i in range(1, LAYERS - 1):
        x[i + 1] = np.sqrt(-2.0 * np.log(np.exp(-0.5 * x[i] ** 2) + LAYER_AREA / x[i]))
    x[LAYERS] = 0.0
    return x


EDGES = _ziggurat_edges()
DENSITY = np.exp(-0.5 * EDGES**2)  # f(x) = exp(-x²/2) at each edge


def stream_states(rng: np.random.Generator, n_streams: int) -> np.ndarray:
    """(n_streams, 4) uint64 xoshiro256** states drawn from ``rng`` (never all zero)."""
    states = rng.integers(0, 2**64, size=(n_streams, 4), dtype=np.uint64, endpoint=False)
    states[~states.any(axis=1), 0] = 1
    return states


@numba.njit(inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:  # pragma: no cover - compiled
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@numba.njit(inline="always")
def next_u64(s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64) -> tuple:  # pragma: no cover
    """(next 64-bit output, advanced s0..s3) of xoshiro256**; the state travels in registers."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@numba.njit(inline="always")
def _unit(u: np.uint64) -> float:  # pragma: no cover - compiled
    """Uniform in (0, 1] from the top 53 bits of ``u``."""
    return (np.float64(np.int64(u >> np.uint64(11))) + 1.0) * _UNIT


@numba.njit(inline="always")
def standard_normal(s0: np.uint64, s1: np.uint64, s2: np.uint64, s3: np.uint64, edges: np.ndarray,
                    density: np.ndarray) -> tuple:  # pragma: no cover - compiled
    """(one N(0, 1) draw, advanced s0..s3) by the ziggurat (``edges``, ``density`` = EDGES, DENSITY).

    Bits 0–6 pick the layer, bit 7 the sign (applied arithmetically: a branch on it mispredicts half
    the time), bits 11–63 the position in the layer.
    """
    while True:
        u, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
        layer = np.int64(u & np.uint64(LAYERS - 1))
        sign = 1.0 - 2.0 * np.float64(np.int64((u >> np.uint64(7)) & np.uint64(1)))
        x = np.float64(np.int64(u >> np.uint64(11))) * _UNIT * edges[layer]
        if x < edges[layer + 1]:  # inside the layer's rectangle that lies wholly under the curve
            return sign * x, s0, s1, s2, s3
        if layer == 0:  # the tail beyond R
            while True:
                a, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                b, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                tail = -np.log(_unit(a)) / TAIL_START
                if -2.0 * np.log(_unit(b)) > tail * tail:
                    return sign * (TAIL_START + tail), s0, s1, s2, s3
        # the wedge between the layer's two edges
        a, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
        height = density[layer] + _unit(a) * (density[layer + 1] - density[layer])
        if height < np.exp(-0.5 * x * x):
            return sign * x, s0, s1, s2, s3


@numba.njit(cache=True)
def fill_standard_normal(states: np.ndarray, rows_per_stream: int, out: np.ndarray) -> None:
    """out[r, n] ~ N(0, 1), row-major; row r comes from ``states[r // rows_per_stream]`` (advanced in place).

    The same order as the noisy sensing kernel consumes them (its slow twin in the tests).
    """
    n_rows, n_cols = out.shape
    for r in range(n_rows):
        state = states[r // rows_per_stream]
        s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
        for n in range(n_cols):
            out[r, n], s0, s1, s2, s3 = standard_normal(s0, s1, s2, s3, EDGES, DENSITY)
        state[0], state[1], state[2], state[3] = s0, s1, s2, s3
