"""Non-linear cells (I = G·f(V)): the compact form, the Newton IR-drop solve against a dense twin and
ngspice, and reads through them (DAC levels transformed without IR drop, Newton with it)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mna_reference import column_currents_reference

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.analog.nonlinear_read import cell_drive
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.circuit.irdrop import solve_ir_drop
from crossbar_sim.circuit.nonlinear import NonlinearCrossbar
from crossbar_sim.circuit.spice import NONLINEAR_OPTIONS, run_ngspice, to_spice_netlist
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from crossbar_sim.periphery.encoders import encode_inputs
from crossbar_sim.study.config import ConfigError, load_dataclass
from crossbar_sim.study.experiment import ExperimentConfig, inactive_keys
from device_models.cell_iv import CellIV
from device_models.errors import ParameterError

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "ngspice_nonlinear").glob("*.npz"))
WIRE_KEYS = ("wordline_segment_ohm", "bitline_segment_ohm", "driver_ohm", "sense_ohm")
resistance = st.one_of(st.just(0.0), st.floats(0.1, 500.0))


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ------------------------------------------------------------------ the compact form
@settings(max_examples=80, deadline=None)
@given(volts=st.floats(-1.0, 1.0), v0=st.floats(0.01, 2.0), read=st.floats(0.05, 0.5))
def test_sinh_cell_is_odd_increasing_and_calibrated_at_the_read_voltage(volts, v0, read):
    cell = CellIV("sinh", read, v0)
    assert cell.f(np.array(read)) == read and cell.f(np.array(-read)) == -read and cell.f(np.array(0.0)) == 0
    assert cell.f(np.array(-volts)) == -cell.f(np.array(volts))
    assert cell.slope(np.array(volts)) > 0.0
    h = 1e-6
    fd = (cell.f(np.array(volts + h)) - cell.f(np.array(volts - h))) / (2 * h)
    assert fd == pytest.approx(cell.slope(np.array(volts)), rel=1e-6)


def test_inverse_undoes_f(rng):
    volts = rng.uniform(-0.4, 0.4, 50)
    for cell in (CellIV(), CellIV("sinh", 0.2, 0.03), CellIV("sinh", 0.3, 1.0)):
        np.testing.assert_allclose(cell.inverse(cell.f(volts)), volts, rtol=1e-13, atol=1e-16)


def test_sinh_cell_closed_form_and_ohmic_limit():
    cell = CellIV("sinh", 0.2, 0.1)
    # f(0.1) = 0.2·sinh(1)/sinh(2): a cell at half the read voltage carries 32.6 % of its read current
    sinh1, sinh2 = 1.1752011936438014, 3.626860407847019
    assert float(cell.f(np.array(0.1))) == pytest.approx(0.2 * sinh1 / sinh2, rel=1e-15)
    volts = np.linspace(-0.3, 0.3, 13)
    np.testing.assert_array_equal(CellIV().f(volts), volts)
    np.testing.assert_allclose(CellIV("sinh", 0.2, 1e3).f(volts), volts, rtol=1e-7)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"form": "tanh"}, "CellIV.form"),
    ({"characteristic_voltage_V": 0.0}, "CellIV.characteristic_voltage_V"),
    ({"characteristic_voltage_V": 1e-4}, "CellIV.characteristic_voltage_V"),  # sinh(2000) overflows
    ({"read_voltage_V": -0.2}, "CellIV.read_voltage_V"),
])
def test_cell_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        CellIV(**{"form": "sinh", **kwargs})


def test_array_config_validates_the_cell_keys():
    assert ArrayConfig().cell == CellIV("ohmic", 0.2, 0.25)
    array = ArrayConfig(cell_iv="sinh", cell_iv_voltage_V=0.1, read_voltage_V=0.3)
    assert array.cell == CellIV("sinh", 0.3, 0.1)
    with pytest.raises(ParameterError, match=r"ArrayConfig.cell_iv = 'exp'"):
        ArrayConfig(cell_iv="exp")
    with pytest.raises(ParameterError, match=r"ArrayConfig.cell_iv_voltage_V = -0.1: must be > 0"):
        ArrayConfig(cell_iv_voltage_V=-0.1)
    with pytest.raises(ParameterError, match=r"cell_iv_voltage_V = 0.005: must be >= read_voltage_V/20"):
        ArrayConfig(cell_iv="sinh", cell_iv_voltage_V=0.005)
    assert ArrayConfig(read_voltage_V=20.0).cell.f(np.array(1.0)) == 1.0  # an ohmic cell takes any V0
    with pytest.raises(ConfigError, match="hardware.array.cell_iv"):
        load_dataclass(ExperimentConfig, {"hardware": {"array": {"cell_iv": "linear"}}}, "experiment")
    array = {"cell_iv": "sinh", "cell_iv_voltage_mV": 80}
    config = load_dataclass(ExperimentConfig, {"hardware": {"array": array}})
    assert config.hardware.array.cell == CellIV("sinh", 0.2, 0.08)


def test_inactive_cell_keys_are_declared():
    def inactive(**array):
        hw = {"array": array, "input": {"mode": "bit_serial"}}
        return inactive_keys(load_dataclass(ExperimentConfig, {"hardware": hw}))

    assert "hardware.array.cell_iv_voltage_V" in inactive(cell_iv="ohmic", ir_drop=True)
    assert "hardware.array.cell_iv" in inactive(cell_iv="sinh", ir_drop=False)
    active = inactive(cell_iv="sinh", ir_drop=True)
    assert "hardware.array.cell_iv" not in active and "hardware.array.cell_iv_voltage_V" not in active


# ------------------------------------------------------------------ the Newton solve
def dense_newton_reference(g: np.ndarray, wires: WireParasitics, cell: CellIV, v: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Column currents (A) and cell voltages word − bit (V) by Newton's method on the full nodal equations
    (every word and bit node an unknown), dense Jacobian, positive wire resistances only: slow and
    obviously correct."""
    n_rows, n_cols = g.shape
    n = n_rows * n_cols
    word = np.arange(n).reshape(n_rows, n_cols)
    bit = word + n
    lap = np.zeros((2 * n, 2 * n))
    inject = np.zeros(2 * n)

    def stamp(a: int, b: int | None, cond: float, fixed_V: float = 0.0) -> None:
        lap[a, a] += cond
        if b is None:
            inject[a] += cond * fixed_V
        else:
            lap[b, b] += cond
            lap[a, b] -= cond
            lap[b, a] -= cond

    for i in range(n_rows):
        stamp(word[i, 0], None, 1.0 / wires.driver_ohm, v[i])
        for j in range(n_cols - 1):
            stamp(word[i, j], word[i, j + 1], 1.0 / wires.wordline_segment_ohm)
    for j in range(n_cols):
        stamp(bit[-1, j], None, 1.0 / wires.sense_ohm)
        for i in range(n_rows - 1):
            stamp(bit[i, j], bit[i + 1, j], 1.0 / wires.bitline_segment_ohm)
    phi = np.concatenate([np.repeat(v, n_cols), np.zeros(n)])
    for _ in range(100):
        u = (phi[:n] - phi[n:]).reshape(n_rows, n_cols)
        cur = (g * cell.f(u)).ravel()
        residual = lap @ phi - inject + np.concatenate([cur, -cur])
        d = np.diag((g * cell.slope(u)).ravel())
        jac = lap + np.block([[d, -d], [-d, d]])
        step = np.linalg.solve(jac, -residual)
        phi += step
        if np.max(np.abs(step)) <= 1e-15 * np.max(np.abs(v)):
            break
    return phi[bit[-1]] / wires.sense_ohm, (phi[:n] - phi[n:]).reshape(n_rows, n_cols)


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 4), cols=st.integers(1, 4), rw=st.floats(0.1, 300.0), rb=st.floats(0.1, 300.0),
       rd=st.floats(0.1, 300.0), rs=st.floats(0.1, 300.0), v0=st.floats(0.03, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_newton_matches_the_dense_nodal_twin(rows, cols, rw, rb, rd, rs, v0, seed):
    rng = np.random.default_rng(seed)
    g = 10.0 ** rng.uniform(-7, -3.5, (rows, cols))
    v = rng.uniform(-0.25, 0.25, rows)
    wires, cell = WireParasitics(rw, rb, rd, rs), CellIV("sinh", 0.2, v0)
    got = NonlinearCrossbar(g, wires, cell).column_currents(v[None])[0]
    assert rel_err(got, dense_newton_reference(g, wires, cell, v)[0]) <= 1e-10


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 6), cols=st.integers(1, 6), rw=resistance, rb=resistance, rd=resistance,
       rs=resistance, seed=st.integers(0, 2**32 - 1))
def test_ohmic_newton_is_the_linear_solve(rows, cols, rw, rb, rd, rs, seed):
    rng = np.random.default_rng(seed)
    g = 10.0 ** rng.uniform(-7, -4, (rows, cols))
    g[rng.random((rows, cols)) < 0.1] = 0.0
    g[0, 0] = 1e-5
    v = rng.uniform(-0.3, 0.3, (3, rows))
    wires = WireParasitics(rw, rb, rd, rs)
    array = NonlinearCrossbar(g, wires, CellIV())
    exact = solve_ir_drop(g, wires)
    np.testing.assert_allclose(array.cell_voltages(v), exact.cell_voltages(v), rtol=0, atol=1e-12)
    for k in range(3):
        assert rel_err(array.column_currents(v)[k], column_currents_reference(g, wires, v[k])) <= 1e-10


@pytest.mark.parametrize("wires", [WireParasitics(), WireParasitics(80.0, 60.0),
                                   WireParasitics(0.0, 5.0, 30.0, 0.0),
                                   WireParasitics(3.0, 0.0, 0.0, 200.0)])
def test_jacobian_matches_finite_differences_and_newton_converges(wires, rng):
    g = rng.uniform(1e-7, 1e-4, (9, 11))
    g[0, 3] = 0.0
    v = rng.uniform(-0.2, 0.2, (2, 9))
    array = NonlinearCrossbar(g, wires, CellIV("sinh", 0.2, 0.06))
    u = array.cell_voltages(v)
    currents = g * array.cell.f(u)
    assert np.max(np.abs(array.residual(currents, v))) <= 1e-12 * np.max(np.abs(v))
    direction = rng.normal(size=u.shape) * g * 0.01
    h = 1e-4
    fd = (array.residual(currents + h * direction, v) - array.residual(currents - h * direction, v)) / (2 * h)
    assert rel_err(array.jacobian_product(currents, direction), fd) <= 1e-6
    z = rng.normal(size=u.shape)  # Z is symmetric (the CG solve relies on it)
    assert float(np.sum(z * array.wire_drop(direction))) == pytest.approx(
        float(np.sum(direction * array.wire_drop(z))), rel=1e-12)


@pytest.mark.parametrize(("v0", "ohm"), [(0.05, 100.0), (0.25, 1000.0), (0.01, 100.0)])
def test_newton_converges_across_the_documented_range(v0, ohm, rng):
    """128×128, 10 % unformed (0 S) cells, DAC inputs: the line search on the co-content keeps Newton safe."""
    g = rng.uniform(1e-6, 100e-6, (128, 128))
    g[rng.random(g.shape) < 0.1] = 0.0
    v = rng.integers(-15, 16, (4, 128)) * (0.2 / 15)
    array = NonlinearCrossbar(g, WireParasitics(ohm, ohm, ohm, ohm), CellIV("sinh", 0.2, v0))
    u = array.cell_voltages(v)  # converged to 1e-12 on its currents; rebuilt from u, round-off adds ~1e-11
    assert np.max(np.abs(array.residual(g * array.cell.f(u), v))) <= 1e-10 * np.max(np.abs(v))


def test_ideal_wires_give_sum_of_g_f_v_exactly(rng):
    g = rng.uniform(1e-7, 1e-4, (5, 6))
    v = rng.uniform(-0.2, 0.2, (4, 5))
    cell = CellIV("sinh", 0.2, 0.1)
    got = NonlinearCrossbar(g, WireParasitics(0.0, 0.0), cell).column_currents(v)
    np.testing.assert_allclose(got, cell.f(v) @ g, rtol=1e-14)


def test_ir_drop_with_sinh_cells_loses_more_than_proportionally(rng):
    """Cells that see less than V_read conduct less than G·V under sinh: the read falls below ohmic."""
    g = rng.uniform(10e-6, 100e-6, (32, 32))
    v = np.full((1, 32), 0.2)
    wires = WireParasitics(5.0, 5.0)
    ohmic = NonlinearCrossbar(g, wires, CellIV()).column_currents(v)
    sinh = NonlinearCrossbar(g, wires, CellIV("sinh", 0.2, 0.1)).column_currents(v)
    assert np.all(sinh < ohmic) and np.all(ohmic < v @ g)


# ------------------------------------------------------------------ ngspice
def _fixture(path: Path) -> tuple[np.ndarray, WireParasitics, CellIV, np.ndarray, np.ndarray]:
    data = np.load(path)
    wires = WireParasitics(*(float(data[k]) for k in WIRE_KEYS))
    cell = CellIV("sinh", float(data["read_voltage_V"]), float(data["characteristic_voltage_V"]))
    return data["conductance_S"], wires, cell, data["v_rows"], data["column_currents_A"]


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_newton_matches_stored_ngspice_results(path):
    g, wires, cell, v, spice = _fixture(path)
    got = NonlinearCrossbar(g, wires, cell).column_currents(v[None])[0]
    assert rel_err(got, spice) <= 1e-9
    ohmic = NonlinearCrossbar(g, wires, CellIV()).column_currents(v[None])[0]
    assert rel_err(ohmic, spice) > 1e-3  # the non-linearity matters in every fixture


def test_nonlinear_fixtures_cover_shapes_wires_and_multilevel_inputs():
    cases = [_fixture(p) for p in FIXTURES]
    assert len(cases) >= 5
    assert len({g.shape for g, *_ in cases}) >= 5
    assert len({c.characteristic_voltage_V for _, _, c, _, _ in cases}) >= 4
    levels = [np.unique(np.round(np.abs(v) / 0.2, 12)).size for *_, v, _ in cases]
    assert max(levels) > 3 and any(np.any(v < 0) for *_, v, _ in cases)


def test_netlist_uses_behavioural_sources_for_nonlinear_cells(rng):
    g = rng.uniform(1e-6, 2e-5, (2, 3))
    cell = CellIV("sinh", 0.2, 0.1)
    net = to_spice_netlist(g, WireParasitics(1.0, 2.0), np.array([0.1, 0.2]), cell=cell)
    cells = [line for line in net.splitlines() if line.startswith("bc")]
    assert len(cells) == 6 and not any(line.startswith("rc") for line in net.splitlines())
    assert NONLINEAR_OPTIONS in net.splitlines()
    assert cells[0] == (f"bc0_0 in0 b0_0 I = {g[0, 0]:.17g}*0.20000000000000001*"  # ideal driver: in0 = w0_0
                        "sinh(V(in0,b0_0)/0.10000000000000001)/sinh(0.20000000000000001/0.10000000000000001)")
    ohmic = to_spice_netlist(g, WireParasitics(1.0, 2.0), np.array([0.1, 0.2]))
    assert ohmic == to_spice_netlist(g, WireParasitics(1.0, 2.0), np.array([0.1, 0.2]), cell=CellIV())
    assert ".options" not in ohmic
    with pytest.raises(ParameterError, match="cell"):
        to_spice_netlist(g, WireParasitics(), np.array([0.1, 0.2]), cell="sinh")


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
@pytest.mark.parametrize(("wires", "v0"), [(WireParasitics(1.0, 1.0), 0.25),
                                           (WireParasitics(0.0, 25.0, 40.0, 0.0), 0.05),
                                           (WireParasitics(60.0, 0.0, 0.0, 15.0), 0.1)])
def test_live_ngspice_agrees_with_newton(wires, v0, rng):
    g = rng.uniform(0.1e-6, 20e-6, (7, 9))
    g[rng.random(g.shape) < 0.1] = 100e-6
    v = rng.integers(-7, 8, 7) * (0.2 / 7)  # 4-bit signed DAC levels
    cell = CellIV("sinh", 0.2, v0)
    spice = run_ngspice(to_spice_netlist(g, wires, v, cell=cell))
    assert rel_err(NonlinearCrossbar(g, wires, cell).column_currents(v[None])[0], spice) <= 1e-9


# ------------------------------------------------------------------ reads
def _hardware(mode: str = "offset", inputs: str = "ideal", ir_drop: bool = False, cell_iv: str = "sinh",
              v0: float = 0.1, **changes) -> HardwareConfig:
    base = HardwareConfig.ideal(MappingConfig(mode=mode))
    array = ArrayConfig(max_rows=12, max_cols=10, ir_drop=ir_drop, cell_iv=cell_iv, cell_iv_voltage_V=v0,
                        wires=WireParasitics(20.0, 20.0))
    return dataclasses.replace(base, array=array, input=InputConfig(mode=inputs, bits=5), **changes)


@pytest.mark.parametrize("mode", ["offset", "differential"])
def test_read_without_ir_drop_is_w_times_f_of_the_drive(mode, rng):
    weights = rng.normal(size=(7, 9))
    x = rng.uniform(-1.0, 1.0, (9, 4))
    hw = _hardware(mode)
    matrix = AnalogMatrix.from_weights(weights, hw, rng)
    got = matrix @ x
    span = np.abs(x).max(axis=0)
    x_cells = hw.array.cell.f(0.2 * x / span) / 0.2 * span  # what the cells conduct, in input units
    offset = matrix._shared.mapped.weight_offset  # offset mapping: w_min·Σx is added digitally
    expected = (weights - offset) @ x_cells + offset * x.sum(axis=0)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(got).max())
    assert rel_err(got, weights @ x) > 0.05


def test_bit_serial_pulses_without_ir_drop_are_unchanged_bit_for_bit(rng):
    weights = rng.normal(size=(6, 8))
    x = rng.uniform(0.0, 1.0, (8, 5))
    noisy = {"read_noise": ReadNoiseConfig(relative_sigma=0.05), "adc": ADCConfig(bits=6)}
    reads = [AnalogMatrix.from_weights(weights, _hardware("differential", "bit_serial", cell_iv=iv, **noisy),
                                       np.random.default_rng(4)) @ x for iv in ("ohmic", "sinh")]
    np.testing.assert_array_equal(reads[0], reads[1])
    enc = encode_inputs(x, InputConfig(), 0.2)
    assert cell_drive(enc, CellIV("sinh", 0.2, 0.05)).levels.tobytes() == enc.levels.tobytes()
    assert cell_drive(enc, CellIV()) is enc


def test_bit_serial_pulses_under_ir_drop_see_the_non_linearity(rng):
    """Under IR drop the cells see less than V_read, where a sinh cell conducts less than G·V."""
    weights = rng.uniform(0.0, 1.0, (10, 12))
    x = rng.uniform(0.0, 1.0, (12, 6))
    reads = [AnalogMatrix.from_weights(weights, _hardware("offset", "bit_serial", ir_drop=True, cell_iv=iv),
                                       np.random.default_rng(4)) @ x for iv in ("ohmic", "sinh")]
    loss = (reads[0] - reads[1]) / np.abs(reads[0]).max()
    assert np.all(loss > 0) and 1e-4 < loss.max() < 0.2


@pytest.mark.parametrize(("mode", "pairs", "accumulation"), [
    ("offset", "analog", "digital"), ("differential", "analog", "digital"),
    ("differential", "digital", "digital"),
    ("differential", "analog", "analog"),
])
def test_newton_read_of_a_nearly_ohmic_cell_is_the_ohmic_ir_drop_read(mode, pairs, accumulation, rng):
    """V0 = 1000 V makes f(V) = V to 1e-8: the Newton read path (tiles, pairs, reverse reads, analogue
    accumulation) must then give the G_eff read."""
    weights = rng.normal(size=(14, 17))
    x, xr = rng.uniform(-1.0, 1.0, (17, 3)), rng.uniform(-1.0, 1.0, (2, 14))
    reads = []
    for iv in ("ohmic", "sinh"):
        hw = _hardware(mode, "dac", ir_drop=True, cell_iv=iv, v0=1e3,
                       mapping=MappingConfig(mode=mode, pair_subtraction=pairs),
                       adc=ADCConfig(bits=None, tile_accumulation=accumulation))
        matrix = AnalogMatrix.from_weights(weights, hw, np.random.default_rng(2))
        reads.append((matrix @ x, xr @ matrix))
    for ohmic, newton in zip(reads[0], reads[1], strict=True):
        assert rel_err(newton, ohmic) <= 1e-6
    hw = _hardware(mode, "dac", ir_drop=True, v0=0.05,
                   mapping=MappingConfig(mode=mode, pair_subtraction=pairs),
                   adc=ADCConfig(bits=None, tile_accumulation=accumulation))
    strong = AnalogMatrix.from_weights(weights, hw, np.random.default_rng(2))
    assert rel_err(strong @ x, reads[0][0]) > 0.05


def test_newton_read_is_the_solver_on_one_tile(rng):
    weights = rng.uniform(0.0, 1.0, (8, 10))
    x = rng.uniform(0.0, 1.0, (10, 3))
    hw = _hardware("offset", "ideal", ir_drop=True, v0=0.08)
    matrix = AnalogMatrix.from_weights(weights, hw, rng)
    (tile,) = matrix.conductances[0]
    span = x.max(axis=0)
    currents = NonlinearCrossbar(tile, hw.array.wires, hw.array.cell).column_currents((0.2 * x / span).T)
    offset = matrix._shared.mapped.weight_offset
    expected = matrix.weight_per_S * currents.T * span / 0.2 + offset * x.sum(axis=0)
    np.testing.assert_allclose(matrix @ x, expected, rtol=1e-10)


def test_newton_read_noise_matches_the_per_cell_reference():
    """Output-space noise with Newton cell voltages vs every cell drawn per read: same mean and spread."""
    rng = np.random.default_rng(8)
    weights = rng.uniform(0.0, 1.0, (6, 10))
    x = np.repeat(rng.uniform(0.0, 1.0, (10, 1)), 1500, axis=1)
    stats = []
    for mode in ("output", "per_cell"):
        hw = _hardware("offset", "dac", ir_drop=True, v0=0.08,
                       read_noise=ReadNoiseConfig(relative_sigma=0.05, mode=mode))
        y = AnalogMatrix.from_weights(weights, hw, np.random.default_rng(3)) @ x
        stats.append((y.mean(axis=1), y.std(axis=1)))
    (m_out, s_out), (m_cell, s_cell) = stats
    np.testing.assert_allclose(m_out, m_cell, rtol=0, atol=5 * s_cell.max() / np.sqrt(1500))
    np.testing.assert_allclose(s_out, s_cell, rtol=0.1)
    assert np.all(s_out > 0)


# ------------------------------------------------------------------ the cells' power in the ledger
def _ledger_cell_power(hw: HardwareConfig, weights: np.ndarray, x: np.ndarray) -> tuple[float, AnalogMatrix]:
    ledger = EventLedger()
    matrix = AnalogMatrix.from_weights(weights, hw, np.random.default_rng(3), ledger=ledger)
    matrix @ x
    (events,) = ledger.analog
    return events.cell_vi_W, matrix


def test_cell_power_without_ir_drop_is_v_times_g_f_of_v(rng):
    """DAC levels below V_read: a sinh cell carries G·f(V) < G·V, and the ledger prices V·G·f(V)."""
    weights = rng.uniform(0.0, 1.0, (7, 9))
    x = rng.uniform(0.0, 1.0, (9, 4))
    hw = _hardware("offset", "dac")
    power, matrix = _ledger_cell_power(hw, weights, x)
    (tile,) = matrix.conductances[0]
    enc = encode_inputs(x, hw.input, 0.2)
    volts = enc.levels[0] * enc.volts_per_level  # (inputs, vectors)
    expected = float(np.sum(volts * hw.array.cell.f(volts) * tile.sum(axis=1)[:, None]))
    assert power == pytest.approx(expected, rel=1e-6)  # float32 levels
    ohmic = float(np.sum(volts**2 * tile.sum(axis=1)[:, None]))
    assert power < 0.9 * ohmic


def test_cell_power_under_ir_drop_uses_the_newton_cell_voltages(rng):
    """Sinh cells under IR drop: Σ G·U·f(U) with U from the dense nodal twin, for a DAC and bit-serial."""
    weights = rng.uniform(0.0, 1.0, (5, 6))
    x = rng.uniform(0.0, 1.0, (6, 3))
    for inputs in ("dac", "bit_serial"):
        hw = _hardware("offset", inputs, ir_drop=True, v0=0.08)
        wires = WireParasitics(20.0, 20.0, 5.0, 5.0)  # the dense twin needs driver and sense resistances
        hw = dataclasses.replace(hw, array=dataclasses.replace(hw.array, wires=wires))
        power, matrix = _ledger_cell_power(hw, weights, x)
        (tile,) = matrix.conductances[0]
        enc = encode_inputs(x, hw.input, 0.2)
        expected = 0.0
        for plane in enc.levels:
            for v in (plane * enc.volts_per_level).T:
                _, u = dense_newton_reference(tile, hw.array.wires, hw.array.cell, v)
                expected += float(np.sum(tile * u * hw.array.cell.f(u)))
        assert power == pytest.approx(expected, rel=1e-6)
