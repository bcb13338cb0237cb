"""In-kernel normal draws: xoshiro256** reference outputs, the ziggurat against N(0, 1), and the fused
noisy sensing kernel against its numpy twin fed with the same draws."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import stats

from crossbar_sim.periphery.normals import (
    DENSITY,
    EDGES,
    LAYER_AREA,
    TAIL_START,
    fill_standard_normal,
    next_u64,
    stream_states,
)
from crossbar_sim.periphery.sensing import sense_accumulate_noisy, sense_accumulate_numpy


@numba.njit
def _outputs(state: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, np.uint64)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(n):
        out[i], s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    return out


def test_xoshiro_matches_the_reference_implementation():
    # first outputs of the authors' xoshiro256starstar.c from the state {1, 2, 3, 4}
    got = _outputs(np.array([1, 2, 3, 4], dtype=np.uint64), 4)
    np.testing.assert_array_equal(got, np.array([11520, 0, 1509978240, 1215971899390074240], dtype=np.uint64))


def test_ziggurat_layers_have_equal_areas():
    widths = EDGES[1:-1]
    areas = widths * (DENSITY[2:] - DENSITY[1:-1])  # layers 1..127
    np.testing.assert_allclose(areas, LAYER_AREA, rtol=1e-8)
    # the base layer: rectangle up to R plus the tail beyond it
    tail = np.sqrt(np.pi / 2) * 2 * stats.norm.sf(TAIL_START)
    assert TAIL_START * DENSITY[1] + tail == pytest.approx(LAYER_AREA, rel=1e-9)


def test_draws_are_standard_normal():
    out = np.empty((8, 250_000))
    fill_standard_normal(stream_states(np.random.default_rng(3), 8), 1, out)
    z = out.ravel()
    n = z.size
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.var() - 1) < 4 * np.sqrt(2 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    beyond = np.mean(np.abs(z) > TAIL_START)  # the tail algorithm's share
    p = 2 * stats.norm.sf(TAIL_START)
    assert abs(beyond - p) < 4 * np.sqrt(p / n)
    bins = np.array([0, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, TAIL_START, 4, np.inf])
    expected = n * np.diff(2 * stats.norm.cdf(bins) - 1)
    assert stats.chisquare(np.histogram(np.abs(z), bins)[0], expected).pvalue > 1e-3


def test_streams_are_independent_of_each_other_and_seeded():
    a, b = np.empty((2, 1000)), np.empty((2, 1000))
    fill_standard_normal(stream_states(np.random.default_rng(5), 2), 1, a)
    fill_standard_normal(stream_states(np.random.default_rng(5), 2), 1, b)
    np.testing.assert_array_equal(a, b)
    assert abs(np.corrcoef(a)[0, 1]) < 0.1


@pytest.mark.parametrize("quantise", [False, True])
def test_fused_noisy_kernel_equals_numpy_twin_with_the_same_draws(rng, quantise):
    n_ch, n_vec, per_stream = 150, 37, 64
    mean = rng.normal(size=(n_ch, n_vec)).astype(np.float32)
    var = (rng.random((n_ch, n_vec)) * 0.04).astype(np.float32)
    lsb, scale = rng.uniform(0.01, 0.03, n_ch), rng.uniform(0.5, 2.0, n_vec)
    states = stream_states(rng, 3)
    z = np.empty((n_ch, n_vec))
    fill_standard_normal(states.copy(), per_stream, z)
    fast, slow = np.zeros((n_ch, n_vec)), np.zeros((n_ch, n_vec))
    args = (quantise, lsb, -100, 100, 2.0, scale)
    clipped_fast = sense_accumulate_noisy(mean, var, states, per_stream, 0, 3, *args, fast)
    clipped_slow = sense_accumulate_numpy(mean, var, z, True, *args, slow)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)
    assert clipped_fast == clipped_slow


def test_fused_noisy_kernel_split_on_stream_boundaries_equals_one_call(rng):
    # the reads sense ranges of whole streams in parallel threads: any split must give the same numbers
    n_ch, n_vec, per_stream = 150, 37, 64
    mean = rng.normal(size=(n_ch, n_vec)).astype(np.float32)
    var = (rng.random((n_ch, n_vec)) * 0.04).astype(np.float32)
    lsb, scale = rng.uniform(0.01, 0.03, n_ch), rng.uniform(0.5, 2.0, n_vec)
    states = stream_states(rng, 3)
    args = (True, lsb, -100, 100, 2.0, scale)
    whole, split = np.zeros((n_ch, n_vec)), np.zeros((n_ch, n_vec))
    clipped_whole = sense_accumulate_noisy(mean, var, states.copy(), per_stream, 0, 3, *args, whole)
    split_states = states.copy()
    clipped_split = sum(sense_accumulate_noisy(mean, var, split_states, per_stream, a, b, *args, split)
                        for a, b in ((2, 3), (0, 1), (1, 2)))
    np.testing.assert_array_equal(whole, split)
    assert clipped_whole == clipped_split
