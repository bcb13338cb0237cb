"""Signed matrices onto conductance pairs or offset columns, and onto tiles."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.mapping.tiling import tile_matrix
from crossbar_sim.mapping.weights import map_conductances, map_weights
from device_models import ParameterError, ProgrammingModel


def test_differential_mapping(rng: np.random.Generator) -> None:
    w = rng.standard_normal((5, 7))
    config = MappingConfig(g_max_S=25e-6)  # default window: G_off = g_max_S / on_off_ratio
    g_off = 25e-6 / config.programming.on_off_ratio
    mapped = map_weights(w, config)
    assert mapped.g_plus_S.shape == (7, 5)  # (in, out)
    assert np.max(np.maximum(mapped.g_plus_S, mapped.g_minus_S)) == pytest.approx(25e-6)
    assert np.all(np.minimum(mapped.g_plus_S, mapped.g_minus_S) == g_off)  # one cell of each pair is off
    np.testing.assert_allclose(mapped.weights, w, rtol=1e-12, atol=1e-12)
    assert mapped.weight_per_S == pytest.approx(np.abs(w).max() / (25e-6 - g_off))
    ideal = map_weights(w, MappingConfig(g_max_S=25e-6, programming=ProgrammingModel.ideal()))
    assert np.all(np.minimum(ideal.g_plus_S, ideal.g_minus_S) == 0.0)
    np.testing.assert_allclose(ideal.weights, w, rtol=1e-14, atol=1e-15)


def test_offset_mapping_shifts_by_the_minimum(rng: np.random.Generator) -> None:
    w = rng.standard_normal((4, 3))
    config = MappingConfig(mode="offset", g_max_S=10e-6)
    mapped = map_weights(w, config)
    assert mapped.g_minus_S is None and mapped.mode == "offset"
    # w_min on G_off, max W on G_on: W = k·G + w_min − k·G_off
    assert mapped.g_plus_S.min() == pytest.approx(config.g_off_S)
    assert mapped.g_plus_S.max() == pytest.approx(10e-6)
    assert mapped.weight_per_S == pytest.approx((w.max() - w.min()) / (10e-6 - config.g_off_S))
    assert mapped.weight_offset == pytest.approx(w.min() - mapped.weight_per_S * config.g_off_S)
    np.testing.assert_allclose(mapped.weights, w, atol=1e-12)
    ideal = map_weights(w, MappingConfig(mode="offset", g_max_S=10e-6, programming=ProgrammingModel.ideal()))
    assert ideal.weight_offset == pytest.approx(w.min()) and ideal.g_plus_S.min() == 0.0
    nonneg = map_weights(np.abs(w), MappingConfig(mode="offset", programming=ProgrammingModel.ideal()))
    assert nonneg.weight_offset == 0.0  # non-negative weights need no offset on the ideal window


def test_zero_matrix_maps_to_the_off_state() -> None:
    mapped = map_weights(np.zeros((2, 2)), MappingConfig())
    assert np.all(mapped.g_plus_S == MappingConfig().g_off_S) and np.all(mapped.weights == 0)
    ideal = map_weights(np.zeros((2, 2)), MappingConfig(programming=ProgrammingModel.ideal()))
    assert np.all(ideal.g_plus_S == 0) and np.all(ideal.weights == 0)


def test_map_conductances_checks_its_inputs() -> None:
    with pytest.raises(ParameterError):
        map_conductances(-np.ones((2, 2)), None, 1.0)
    with pytest.raises(ParameterError):
        map_conductances(np.ones((2, 2)), np.ones((2, 3)), 1.0)
    with pytest.raises(ParameterError):
        map_conductances(np.ones((2, 2)), None, 0.0)
    with pytest.raises(ParameterError):
        map_weights(np.array([[np.nan]]), MappingConfig())


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 16), st.integers(2, 16), st.booleans())
def test_tiles_cover_every_cell_once(n_out: int, n_in: int, max_rows: int, max_cols: int,
                                     paired: bool) -> None:
    g = np.arange(n_in * n_out, dtype=float).reshape(n_in, n_out) + 1.0
    mapped = map_conductances(g, 1000.0 + g if paired else None, 1.0)
    grid = tile_matrix(mapped, max_rows, max_cols)
    seen = np.zeros((n_in, n_out), dtype=int)
    rows = [row[0].row_stop - row[0].row_start for row in grid]
    assert len(grid) == -(-n_in // max_rows) and max(rows) - min(rows) <= 1  # fewest, balanced blocks
    for row in grid:
        for t in row:
            assert t.shape[0] <= max_rows and t.shape[1] <= max_cols
            block = t.conductance_S[:, 0::2] if paired else t.conductance_S
            np.testing.assert_array_equal(block, g[t.row_start:t.row_stop, t.out_start:t.out_stop])
            if paired:
                np.testing.assert_array_equal(t.conductance_S[:, 1::2], 1000.0 + block)
            seen[t.row_start:t.row_stop, t.out_start:t.out_stop] += 1
    assert np.all(seen == 1)


def test_pairs_need_two_columns() -> None:
    with pytest.raises(ParameterError):
        tile_matrix(map_weights(np.ones((2, 2)), MappingConfig()), 4, 1)
