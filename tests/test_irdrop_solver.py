"""Exact IR-drop solver: slow reference twin, closed forms, physical sanity, ngspice fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mna_reference import column_currents_reference

from crossbar_sim.circuit.irdrop import (
    _add_row_response,
    effective_conductance,
    solve_ir_drop,
    solve_ir_drop_many,
)
from crossbar_sim.circuit.wires import WireParasitics
from device_models.errors import ParameterError

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "ngspice").glob("*.npz"))

resistance = st.one_of(st.just(0.0), st.floats(0.1, 1000.0))


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 5), cols=st.integers(1, 5),
    rw=resistance, rb=resistance, rd=resistance, rs=resistance,
    seed=st.integers(0, 2**32 - 1),
)
def test_fast_path_matches_dense_mna_reference(rows, cols, rw, rb, rd, rs, seed):
    rng = np.random.default_rng(seed)
    g = 10.0 ** rng.uniform(-7, -4, (rows, cols))
    g[rng.random((rows, cols)) < 0.1] = 0.0
    g[0, 0] = 1e-5
    v = rng.uniform(0.01, 0.3, rows)
    wires = WireParasitics(rw, rb, rd, rs)
    ref = column_currents_reference(g, wires, v)
    sol = solve_ir_drop(g, wires)
    assert rel_err(sol.column_currents(v), ref) <= 1e-10
    # Sparse nodal path: the cell currents of a column add up to the column current.
    cell_v = sol.cell_voltages(v[None, :])[0]
    assert rel_err((g * cell_v).sum(axis=0), ref) <= 1e-10
    # The sweep's back substitution gives the same cell voltages for all rows at 1 V.
    uniform = sol.cell_voltages(np.ones((1, rows)))[0]
    np.testing.assert_allclose(sol.cell_voltage_fraction, uniform, rtol=0, atol=1e-10)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (5, 9), (9, 5)])
def test_ideal_wires_give_v_at_g_exactly(shape, rng):
    g = rng.uniform(0.1e-6, 20e-6, shape)
    v = rng.uniform(0, 0.3, (3, shape[0]))
    sol = solve_ir_drop(g, WireParasitics(0.0, 0.0, 0.0, 0.0))
    np.testing.assert_array_equal(sol.column_currents(v), v @ g)
    np.testing.assert_array_equal(sol.cell_voltage_fraction, np.ones(shape))


def test_single_cell_with_driver_and_sense_is_a_series_circuit():
    wires = WireParasitics(wordline_segment_ohm=3.0, bitline_segment_ohm=4.0, driver_ohm=1e3, sense_ohm=2e3)
    current = solve_ir_drop(np.array([[1e-4]]), wires).column_currents(np.array([0.2]))
    assert current[0] == pytest.approx(0.2 / (1e3 + 1e4 + 2e3), rel=1e-13)


def test_two_cell_ladder_with_ideal_bit_lines():
    g0, g1, r_seg, r_drv, volts = 2e-5, 5e-5, 300.0, 700.0, 0.25
    wires = WireParasitics(wordline_segment_ohm=r_seg, bitline_segment_ohm=0.0, driver_ohm=r_drv)
    far = g1 / (1 + r_seg * g1)  # cell 1 in series with one segment
    v0 = volts / (1 + r_drv * (g0 + far))
    expected = np.array([g0 * v0, far * v0])
    got = solve_ir_drop(np.array([[g0, g1]]), wires).column_currents(np.array([volts]))
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_currents_fall_as_wire_resistance_rises(rng):
    g = rng.uniform(0.1e-6, 20e-6, (12, 10))
    v = rng.uniform(0, 0.3, 12)
    currents = [solve_ir_drop(g, WireParasitics(r, r, 2 * r, 2 * r)).column_currents(v)
                for r in (0.0, 1.0, 10.0, 100.0)]
    assert np.all(np.diff(np.array(currents), axis=0) < 0)


def test_high_wire_resistance_stays_exact(rng):
    g = np.full((8, 8), 100e-6)
    wires = WireParasitics(wordline_segment_ohm=100.0, bitline_segment_ohm=100.0)
    v = rng.uniform(0, 0.3, 8)
    ref = column_currents_reference(g, wires, v)
    assert rel_err(solve_ir_drop(g, wires).column_currents(v), ref) <= 1e-12
    assert np.max(np.abs(v @ g - ref)) / np.max(ref) > 0.1  # the drop is large, not a rounding effect


def test_node_and_cell_voltages_stay_within_the_drive(rng):
    g = rng.uniform(0.1e-6, 100e-6, (10, 13))
    wires = WireParasitics(5.0, 7.0, 50.0, 30.0)
    sol = solve_ir_drop(g, wires)
    frac = sol.cell_voltage_fraction
    assert np.all((frac > 0) & (frac < 1))
    v = rng.uniform(0, 0.3, 10)
    word, bit = sol.node_voltages(v)
    assert np.all((word >= 0) & (word <= v.max())) and np.all((bit >= 0) & (bit <= v.max()))
    np.testing.assert_allclose(sol.cell_voltages(v[None, :])[0], word - bit, rtol=0, atol=1e-15)
    uniform = np.full(10, 0.2)
    np.testing.assert_allclose(sol.cell_voltages(uniform[None, :])[0], 0.2 * frac, rtol=1e-10)


def test_wide_and_tall_arrays_use_reciprocity_consistently(rng):
    g = rng.uniform(0.1e-6, 20e-6, (4, 9))
    wires = WireParasitics(2.0, 3.0, 10.0, 20.0)
    g_eff = effective_conductance(g, wires)
    for v in np.eye(4):
        np.testing.assert_allclose(v @ g_eff, column_currents_reference(g, wires, v), rtol=1e-10)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_matches_stored_ngspice_results(path):
    data = np.load(path)
    wires = WireParasitics(*(float(data[k]) for k in
                             ("wordline_segment_ohm", "bitline_segment_ohm", "driver_ohm", "sense_ohm")))
    got = solve_ir_drop(data["conductance_S"], wires).column_currents(data["v_rows"])
    assert rel_err(got, data["column_currents_A"]) <= 1e-6


def test_fixture_set_covers_the_required_geometries():
    shapes = {np.load(p)["conductance_S"].shape for p in FIXTURES}
    assert len(FIXTURES) >= 5 and (1, 32) in shapes and (32, 1) in shapes


@pytest.mark.parametrize(
    "conductance",
    [np.array([1e-6, 2e-6]), np.array([[1e-6, -1e-9]]), np.array([[np.nan]]), np.zeros((0, 3))],
)
def test_invalid_conductance_raises(conductance):
    with pytest.raises(ParameterError, match="conductance_S"):
        solve_ir_drop(conductance, WireParasitics())


def test_invalid_voltages_and_wires_raise():
    sol = solve_ir_drop(np.full((3, 2), 1e-6), WireParasitics())
    with pytest.raises(ParameterError, match="v_rows"):
        sol.column_currents(np.zeros(2))
    with pytest.raises(ParameterError, match="v_rows"):
        sol.node_voltages(np.array([0.1, np.inf, 0.0]))
    with pytest.raises(ParameterError, match="wires"):
        solve_ir_drop(np.full((3, 2), 1e-6), {"driver_ohm": 1.0})
    with pytest.raises(ParameterError, match="sense_ohm"):
        WireParasitics(sense_ohm=-1.0)
    with pytest.raises(ParameterError, match="wordline_segment_ohm"):
        WireParasitics(wordline_segment_ohm=float("inf"))
    assert WireParasitics(0.0, 0.0).is_ideal and not WireParasitics().is_ideal


def test_many_arrays_in_threads_equal_one_by_one(rng):
    wires = WireParasitics(2.0, 1.5, 10.0, 5.0)
    arrays = [rng.uniform(0, 5e-5, shape) for shape in ((40, 30), (30, 40), (1, 9), (25, 25), (12, 3))]
    serial = solve_ir_drop_many(arrays, wires, workers=1)
    threaded = solve_ir_drop_many(arrays, wires, workers=3)
    for g, a, b in zip(arrays, serial, threaded, strict=True):
        single = solve_ir_drop(g, wires)
        np.testing.assert_array_equal(a.effective_conductance_S, b.effective_conductance_S)
        np.testing.assert_array_equal(a.cell_voltage_fraction, b.cell_voltage_fraction)
        np.testing.assert_array_equal(a.effective_conductance_S, single.effective_conductance_S)


def test_many_arrays_rejects_a_bad_worker_count(rng):
    with pytest.raises(ParameterError, match="workers"):
        solve_ir_drop_many([rng.uniform(0, 1e-5, (3, 3))], WireParasitics(), workers=0)


@pytest.mark.parametrize("depth", [1.0, 5.0, 900.0])  # the last takes the exp(logc_k - logc_j) branch
def test_row_response_kernel_matches_the_transfer_formula(rng, depth):
    n = 20
    g = rng.uniform(1e-6, 1e-4, n)
    lam, rho = rng.uniform(1e-3, 1.0, n), rng.uniform(1e-3, 1.0, n)
    logc = -np.sort(rng.uniform(0.0, depth, n))
    logc[0] = 0.0
    start = rng.normal(size=(n, n))
    delta = np.asfortranarray(start.copy())
    _add_row_response(delta, g, lam, rho, logc)
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lo, hi = np.minimum(j, k), np.maximum(j, k)
    coupling = g[:, None] * g[None, :] * np.exp(logc[hi] - logc[lo]) / (lam + rho + g)[lo]
    expected = 0.5 * (start + start.T) - coupling
    expected[np.diag_indices(n)] = np.diag(start) + g * (lam + rho) / (lam + rho + g)
    np.testing.assert_allclose(delta, expected, rtol=1e-12, atol=1e-300)
