"""AnalogMatrix speaks numpy: ``M @ x``, ``x @ M`` (the reverse read), ``M.T`` and a scipy LinearOperator.

With ideal periphery every product equals numpy's; the reverse read with IR drop equals an independent
dense nodal solve of the array driven from its bit lines; its read noise has the variance the model
claims; its ADCs, ledger records and input checks work like the forward read's.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import scipy.sparse.linalg as spla
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger, TileGeometry
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.circuit.irdrop import solve_ir_drop
from crossbar_sim.circuit.nodal import NodalSystem
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.adc import adc_code_range
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from device_models import ParameterError

MAPPINGS = [MappingConfig(mode="differential", pair_subtraction="analog"),
            MappingConfig(mode="differential", pair_subtraction="digital"),
            MappingConfig(mode="offset")]
MAPPING_IDS = ["analog", "digital", "offset"]


def _hw(mapping: MappingConfig, max_rows: int = 512, max_cols: int = 512, *,
        wires: WireParasitics | None = None, input_config: InputConfig | None = None,
        adc: ADCConfig | None = None, noise: ReadNoiseConfig | None = None) -> HardwareConfig:
    """Ideal periphery unless told otherwise; IR drop on when ``wires`` are given."""
    array = ArrayConfig(max_rows=max_rows, max_cols=max_cols, wires=wires or WireParasitics(),
                        ir_drop=wires is not None)
    return HardwareConfig(array=array, input=input_config or InputConfig(mode="ideal"),
                          adc=adc or ADCConfig(bits=None), read_noise=noise or ReadNoiseConfig(0.0, 0.0),
                          mapping=HardwareConfig.ideal(mapping).mapping)  # ideal programming


def _relative_error(y: np.ndarray, expected: np.ndarray, w: np.ndarray, x: np.ndarray, axis: int) -> float:
    """max |y − expected| relative to max|W|·Σ|x| of each input vector (vectors along the other axis)."""
    scale = np.abs(w).max() * np.abs(x).sum(axis=axis)
    scale = np.where(scale > 0, scale, 1.0)
    error = np.abs(y - expected)
    return float(np.max(error / (scale if axis == 0 or x.ndim == 1 else scale[:, None])))


# ----------------------------------------------------------------------------- ideal hardware = numpy
@st.composite
def _problem(draw):
    n_out, n_in, batch = draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 4))
    values = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
    w = draw(arrays(np.float64, (n_out, n_in), elements=values))
    x = draw(arrays(np.float64, (n_in, batch), elements=values))  # forward inputs, one per column
    r = draw(arrays(np.float64, (batch, n_out), elements=values))  # reverse inputs, one per row
    return w, x, r, draw(st.integers(1, 4)), draw(st.integers(2, 5)), draw(st.sampled_from(MAPPINGS))


@settings(max_examples=40, deadline=None)
@given(_problem())
def test_every_product_equals_numpy_on_ideal_hardware(problem) -> None:
    w, x, r, max_rows, max_cols, mapping = problem
    m = AnalogMatrix.from_weights(w, _hw(mapping, max_rows, max_cols), np.random.default_rng(0))
    forward = [(m @ x, w @ x, x, 0), (m @ x[:, 0], w @ x[:, 0], x[:, 0], 0), (m.T.T @ x, w @ x, x, 0)]
    reverse = [(r @ m, r @ w, r, 1), (r[0] @ m, r[0] @ w, r[0], 0), (m.T @ r.T, w.T @ r.T, r.T, 0),
               (m.T @ r[0], w.T @ r[0], r[0], 0), (x.T @ m.T, x.T @ w.T, x.T, 1)]
    for y, expected, inputs, axis in forward + reverse:
        assert y.shape == expected.shape
        assert _relative_error(y, expected, w, inputs, axis) < 1e-12
    op = m.as_linear_operator()
    assert op.shape == w.shape
    for y, expected, inputs in ((op.matvec(x[:, 0]), w @ x[:, 0], x[:, 0]), (op.matmat(x), w @ x, x),
                                (op.rmatvec(r[0]), w.T @ r[0], r[0]), (op.rmatmat(r.T), w.T @ r.T, r.T),
                                (op.T @ r.T, w.T @ r.T, r.T)):
        assert _relative_error(y, expected, w, inputs, 0) < 1e-12


def test_the_transpose_shares_tiles_rng_and_ledger(rng: np.random.Generator) -> None:
    w = rng.standard_normal((3, 5))
    ledger = EventLedger()
    m = AnalogMatrix.from_weights(w, _hw(MappingConfig()), rng, name="W_H", ledger=ledger)
    t = m.T
    assert (m.shape, t.shape, m.ndim, t.ndim) == ((3, 5), (5, 3), 2, 2)
    assert m.dtype == t.dtype == np.float64
    np.testing.assert_array_equal(t.weights, m.weights.T)
    assert t.T is m and m.T is t
    assert t.tiles[0][0].conductance_S is m.tiles[0][0].conductance_S
    assert (m.name, t.name, t.T.name) == ("W_H", "W_H.T", "W_H")
    assert t.ledger is ledger
    m.ledger = other = EventLedger()
    assert t.ledger is other
    t @ np.ones(3)
    m @ np.ones(5)
    np.ones(3) @ m
    assert sorted((ev.array, ev.vectors) for ev in other.analog) == [("W_H", 1), ("W_H.T", 2)]
    # ndarray @ AnalogMatrix defers to the matrix (numpy does not try to treat it as an array)
    np.testing.assert_allclose(np.ones((2, 3)) @ m, np.ones((2, 3)) @ w, rtol=1e-12)
    np.testing.assert_allclose([1.0, 2.0, 3.0] @ m, np.array([1.0, 2.0, 3.0]) @ w, rtol=1e-12)


def test_lsqr_through_the_linear_operator_solves_least_squares(rng: np.random.Generator) -> None:
    w = rng.standard_normal((12, 5))
    b = rng.standard_normal(12)
    m = AnalogMatrix.from_weights(w, _hw(MappingConfig(), max_rows=3, max_cols=4), rng)
    solution = spla.lsqr(m.as_linear_operator(), b, atol=1e-14, btol=1e-14)[0]
    np.testing.assert_allclose(solution, np.linalg.lstsq(w, b, rcond=None)[0], rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------------------- IR drop, reverse direction
def _held_port_solve(g: np.ndarray, wires: WireParasitics, v_rows: np.ndarray, v_cols: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense nodal solve of one array with every port held: row ports at the driver end of the word lines
    (through driver_ohm), column ports at the sense end of the bit lines (through sense_ohm).

    Returns (currents flowing out of the array into the row ports (R,), into the column ports (C,), cell
    voltages word − bit (R, C)). 0-ohm connections merge nodes. Independent of the package's solvers.
    """
    n_rows, n_cols = g.shape
    word = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    bit = word + n_rows * n_cols
    row_port = 2 * n_rows * n_cols + np.arange(n_rows)
    col_port = row_port[-1] + 1 + np.arange(n_cols)
    n = col_port[-1] + 1
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    resistors = [(word[i, j], bit[i, j], g[i, j]) for i in range(n_rows) for j in range(n_cols)]

    def connect(a: int, b: int, ohm: float) -> None:
        if ohm == 0.0:
            parent[find(a)] = find(b)
        else:
            resistors.append((a, b, 1.0 / ohm))

    for i in range(n_rows):
        connect(row_port[i], word[i, 0], wires.driver_ohm)
        for j in range(n_cols - 1):
            connect(word[i, j], word[i, j + 1], wires.wordline_segment_ohm)
    for j in range(n_cols):
        connect(col_port[j], bit[-1, j], wires.sense_ohm)
        for i in range(n_rows - 1):
            connect(bit[i, j], bit[i + 1, j], wires.bitline_segment_ohm)
    root = np.array([find(a) for a in range(n)])
    lap = np.zeros((n, n))
    for a, b, cond in resistors:
        a, b = root[a], root[b]
        lap[a, a] += cond
        lap[b, b] += cond
        lap[a, b] -= cond
        lap[b, a] -= cond
    v = np.zeros(n)
    held = np.concatenate([root[row_port], root[col_port]])
    v[held] = np.concatenate([v_rows, v_cols])
    free = np.setdiff1d(np.unique(root), held)
    if free.size:
        v[free] = np.linalg.solve(lap[np.ix_(free, free)], -lap[np.ix_(free, held)] @ v[held])
    absorbed = -(lap @ v)
    return absorbed[root[row_port]], absorbed[root[col_port]], v[root[word]] - v[root[bit]]


def _pair_drives(volts: np.ndarray, mapping: MappingConfig) -> list[tuple[float, np.ndarray]]:
    """(sign of the pulse's digital combination, physical column voltages) of a reverse read's pulses."""
    if mapping.mode == "offset":
        return [(1.0, volts)]
    zeros = np.zeros_like(volts)
    pairs = [(1.0, volts, -volts)] if mapping.pair_subtraction == "analog" else [(1.0, volts, zeros),
                                                                                 (-1.0, zeros, volts)]
    return [(sign, np.stack([a, b], axis=1).ravel()) for sign, a, b in pairs]


_resistance = st.one_of(st.just(0.0), st.floats(0.1, 100.0))


@settings(max_examples=25, deadline=None)
@given(n_out=st.integers(1, 4), n_in=st.integers(1, 5), max_rows=st.integers(1, 3),
       max_cols=st.integers(2, 4),
       wires=st.builds(WireParasitics, _resistance, _resistance, _resistance, _resistance),
       mapping=st.sampled_from(MAPPINGS), seed=st.integers(0, 2**32 - 1))
def test_reverse_read_with_ir_drop_equals_a_dense_nodal_solve(n_out, n_in, max_rows, max_cols, wires, mapping,
                                                              seed) -> None:
    """x @ M drives the bit lines at their sense end, the word lines are sensed at their driver end."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((n_out, n_in))
    x = rng.standard_normal(n_out)
    v = rng.standard_normal(n_in)
    m = AnalogMatrix.from_weights(w, _hw(mapping, max_rows, max_cols, wires=wires), rng)
    k = m.weight_per_S
    expected = np.zeros(n_in)
    expected_forward = np.zeros(n_out)
    for row in m.tiles:
        for tile in row:
            g = tile.conductance_S
            for sign, drive in _pair_drives(x[tile.out_start:tile.out_stop], mapping):
                rows, _, _ = _held_port_solve(g, wires, np.zeros(g.shape[0]), drive)
                expected[tile.row_start:tile.row_stop] += sign * k * rows
            _, cols, _ = _held_port_solve(g, wires, v[tile.row_start:tile.row_stop], np.zeros(g.shape[1]))
            combined = cols if mapping.mode == "offset" else cols[0::2] - cols[1::2]
            expected_forward[tile.out_start:tile.out_stop] += k * combined
    if mapping.mode == "offset":
        expected += min(w.min(), 0.0) * x.sum()
        expected_forward += min(w.min(), 0.0) * v.sum()
    scale = k * 20e-6 * np.abs(x).sum()
    np.testing.assert_allclose(x @ m, expected, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(m @ v, expected_forward, rtol=0, atol=1e-9 * k * 20e-6 * np.abs(v).sum())


def test_mirrored_array_solve_confirms_reciprocity_and_superposition(rng: np.random.Generator) -> None:
    """Solving the mirrored array (bit lines driven from the sense end) gives G_effᵀ and the forward f."""
    for shape in ((5, 8), (8, 5)):
        g = rng.uniform(0, 20e-6, shape)
        wires = WireParasitics(30.0, 20.0, 50.0, 70.0)
        own = solve_ir_drop(g, wires)
        mirror = solve_ir_drop(g[::-1, ::-1].T.copy(), wires.mirrored())
        np.testing.assert_allclose(mirror.effective_conductance_S[::-1, ::-1].T, own.effective_conductance_S,
                                   rtol=1e-10, atol=1e-12 * g.max())
        np.testing.assert_allclose(mirror.cell_voltage_fraction[::-1, ::-1].T, own.cell_voltage_fraction,
                                   rtol=1e-10)
        # and independently: a nodal solve of the mirrored array with every bit line at 1 V
        system = NodalSystem(mirror.conductance_S, mirror.wires)
        pot = system.potentials(np.ones((1, shape[1])))[0]
        cells = (pot[system.word_index] - pot[system.bit_index])[::-1, ::-1].T
        np.testing.assert_allclose(cells, own.cell_voltage_fraction, rtol=1e-10)
        _, _, dense = _held_port_solve(g, wires, np.zeros(shape[0]), np.ones(shape[1]))
        np.testing.assert_allclose(-dense, own.cell_voltage_fraction, rtol=1e-9)


# ----------------------------------------------------------------------------- reverse read noise
SIGMA_REL, SIGMA_ADD_S = 0.05, 0.5e-6
N_READS = 4000


def _reverse_expected_std(m: AnalogMatrix, x: np.ndarray) -> np.ndarray:
    """std of each output of x @ M: k·sqrt(Σ_j x_j²·Σ_cells of pair j on row i (σ_rel²G² + σ_add²))."""
    var = np.zeros(m.shape[1])
    for row in m.tiles:
        for t in row:
            s = SIGMA_REL**2 * t.conductance_S**2 + SIGMA_ADD_S**2
            s = s.reshape(t.shape[0], t.out_stop - t.out_start, -1).sum(axis=2)
            var[t.row_start:t.row_stop] += s @ x[t.out_start:t.out_stop] ** 2
    return m.weight_per_S * np.sqrt(var)


@pytest.mark.parametrize("mapping", MAPPINGS, ids=MAPPING_IDS)
def test_reverse_noise_has_the_model_variance_and_matches_per_cell(mapping: MappingConfig) -> None:
    rng = np.random.default_rng(7)
    w = rng.standard_normal((7, 5))
    x = rng.standard_normal(7)
    batch = np.repeat(x[None, :], N_READS, axis=0)
    reads = []
    for mode, seed in (("output", 1), ("per_cell", 2)):
        hw = _hw(mapping, 4, 6, noise=ReadNoiseConfig(SIGMA_REL, SIGMA_ADD_S, mode=mode))
        m = AnalogMatrix.from_weights(w, hw, np.random.default_rng(seed))
        mean, std = x @ w, _reverse_expected_std(m, x)
        y = batch @ m
        assert np.all(np.abs(y.mean(axis=0) - mean) < 5 * std / np.sqrt(N_READS))
        np.testing.assert_allclose(y.var(axis=0, ddof=1), std**2, rtol=0.15)
        z = ((y - mean) / std).ravel()
        assert stats.kstest(z, "norm").pvalue > 1e-3
        reads.append(z)
    assert stats.ks_2samp(*reads).pvalue > 1e-3


@pytest.mark.parametrize("mapping", MAPPINGS, ids=MAPPING_IDS)
def test_reverse_noise_with_ir_drop_uses_each_pulse_drive_pattern(mapping: MappingConfig) -> None:
    """Variance weights with f of the pulse's drive (pairs: G⁺ at +1 V, G⁻ at −1 V; or one of them at 1 V),
    against per-cell reads at the exact cell voltages; both from the dense nodal solve above."""
    rng = np.random.default_rng(11)
    w = rng.standard_normal((6, 12))
    x = rng.standard_normal(6)
    wires = WireParasitics(100.0, 100.0, 20.0, 20.0)
    fast = AnalogMatrix.from_weights(w, _hw(mapping, 16, 12, wires=wires, noise=ReadNoiseConfig(
        SIGMA_REL, SIGMA_ADD_S)), np.random.default_rng(3))
    slow = AnalogMatrix.from_weights(w, _hw(mapping, 16, 12, wires=wires, noise=ReadNoiseConfig(
        SIGMA_REL, SIGMA_ADD_S, mode="per_cell")), np.random.default_rng(4))
    (tile,), k = fast.tiles[0], fast.weight_per_S
    g = tile.conductance_S
    s = SIGMA_REL**2 * g**2 + SIGMA_ADD_S**2
    per = 1 if mapping.mode == "offset" else 2
    exact = approx = np.zeros(12)
    mean = np.zeros(12)
    pulses = zip(_pair_drives(x, mapping), _pair_drives(np.ones(6), mapping), strict=True)
    for (sign, drive), (_, unit) in pulses:
        rows, _, cells = _held_port_solve(g, wires, np.zeros(12), drive)
        _, _, unit_cells = _held_port_solve(g, wires, np.zeros(12), unit)
        mean = mean + sign * k * rows
        exact = exact + k**2 * (s * cells**2).sum(axis=1)
        approx = approx + k**2 * (s * (np.repeat(x, per)[None, :] * unit_cells) ** 2).sum(axis=1)
    if mapping.mode == "offset":
        mean += min(w.min(), 0.0) * x.sum()
    exact, approx = np.sqrt(exact), np.sqrt(approx)
    assert np.max(np.abs(approx / exact - 1)) < 0.05
    batch = np.repeat(x[None, :], N_READS, axis=0)
    for m, std in ((fast, approx), (slow, exact)):
        y = batch @ m
        assert np.all(np.abs(y.mean(axis=0) - mean) < 5 * std / np.sqrt(N_READS))
        np.testing.assert_allclose(y.std(axis=0, ddof=1), std, rtol=0.08)


def test_reverse_and_forward_reads_draw_from_one_seeded_stream() -> None:
    w = np.random.default_rng(0).standard_normal((8, 9))
    hw = HardwareConfig(array=ArrayConfig(max_rows=4, max_cols=6))
    a, b, c = (AnalogMatrix.from_weights(w, hw, np.random.default_rng(5)) for _ in range(3))
    x, r = np.random.default_rng(1).standard_normal((9, 3)), np.random.default_rng(2).standard_normal((3, 8))
    first, after = r @ a, a @ x
    assert not np.array_equal(r @ a, first)  # fresh noise at every read
    np.testing.assert_array_equal((b.T @ r.T).T, first)  # M.T @ x is x @ M, draw for draw
    np.testing.assert_array_equal(b @ x, after)
    assert not np.array_equal(c @ x, after)  # the reverse read advanced the shared stream


# ----------------------------------------------------------------------------- reverse ADC and ledger
@pytest.mark.parametrize("mapping", MAPPINGS, ids=MAPPING_IDS)
def test_quantised_reverse_read_equals_slow_twin(mapping: MappingConfig, rng: np.random.Generator) -> None:
    """Noise-free bit-serial reverse read with a 5-bit ADC against a loop over planes and word lines."""
    w, x = rng.standard_normal((3, 5)), rng.standard_normal((4, 3))
    hw = _hw(mapping, 8, 8, input_config=InputConfig("bit_serial", 3), adc=ADCConfig(bits=5))
    m = AnalogMatrix.from_weights(w, hw, rng)
    (tile,) = m.tiles[0]
    g, k = tile.conductance_S, m.weight_per_S
    columns = [g] if mapping.mode == "offset" else [g[:, 0::2], g[:, 1::2]]
    bipolar = mapping.mode == "differential" and mapping.pair_subtraction == "analog"
    channels = [columns[0] - columns[1]] if bipolar else columns
    fs = 0.2 * max(max(np.maximum(c, 0).sum(axis=1).max(), np.maximum(-c, 0).sum(axis=1).max())
                   for c in channels)
    np.testing.assert_allclose(m.T.adc_full_scale_A, [fs], rtol=1e-12)
    lo, hi = adc_code_range(5, bipolar)
    lsb = fs / hi
    expected = np.zeros((4, 5))
    for n in range(4):
        x_min = x[n].min()
        delta = (x[n].max() - x_min) / 7
        q = np.rint((x[n] - x_min) / delta).astype(int)
        for bit in range(3):
            volts = 0.2 * ((q >> bit) & 1)
            codes = [np.clip(np.floor(c @ volts / lsb + 0.5), lo, hi) for c in channels]
            signed = codes[0] - codes[1] if len(codes) == 2 else codes[0]
            expected[n] += k * delta * 2**bit * signed * lsb / 0.2
        expected[n] += x_min * (m.weights - min(w.min(), 0.0) * (mapping.mode == "offset")).sum(axis=0)
    if mapping.mode == "offset":
        expected += min(w.min(), 0.0) * x.sum(axis=1)[:, None]
    np.testing.assert_allclose(x @ m, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_reverse_adc_ranges_are_their_own(rng: np.random.Generator) -> None:
    w, x = rng.standard_normal((4, 6)), rng.standard_normal((4, 50))
    hw = _hw(MappingConfig(), 8, 8, input_config=InputConfig("dac", 6),
             adc=ADCConfig(bits=6, range_mode="calibrated", percentile=50))
    m = AnalogMatrix.from_weights(w, hw, rng)
    m.calibrate(rng.standard_normal((6, 50)))
    with pytest.raises(RuntimeError, match=r"W\.T: ADC range_mode 'calibrated' needs calibrate"):
        x.T @ m
    fs = m.T.calibrate(x)
    assert not np.array_equal(fs, m.adc_full_scale_A)
    ledger = EventLedger()
    m.ledger = ledger
    x.T @ m
    # about half the |currents| lie above the median: about half the conversions clip
    assert 0.3 < ledger.analog[0].adc_clipped / (6 * 50) < 0.7
    fixed = AnalogMatrix.from_weights(w, _hw(MappingConfig(), adc=ADCConfig(bits=6, range_mode="fixed",
                                                                            full_scale_A=1e-6)), rng)
    np.testing.assert_allclose(fixed.T.adc_full_scale_A, [1e-6])


# Same matrix as tests/test_vmm_ledger.py: 3 outputs × 4 inputs on tiles of at most 2 rows × 4 columns: row
# blocks {0,1}, {2,3}; column blocks outputs {0,1} (4 columns), {2} (2 columns). The reverse read's blocks
# are the column blocks, each driving its columns in both row tiles and sensing all 4 word lines.
W = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 1.5, 2.5, 3.5], [4.0, 3.0, 2.0, 1.0]])
# Two 2-bit vectors over the outputs with q = x: a: planes [0,1,1], [0,0,1]; b: [1,0,0], [1,0,1].
X_REVERSE = np.array([[0.0, 1.0, 3.0], [3.0, 0.0, 2.0]])


@pytest.mark.parametrize(("subtraction", "pulses", "channels", "extra_adds"),
                         [("analog", 1, 8, 0), ("digital", 2, 16, 16)])
def test_reverse_read_counts(subtraction: str, pulses: int, channels: int, extra_adds: int,
                             rng: np.random.Generator) -> None:
    ledger = EventLedger()
    hw = _hw(MappingConfig(pair_subtraction=subtraction), 2, 4, input_config=InputConfig("bit_serial", 2),
             adc=ADCConfig(bits=8, range_mode="fixed", full_scale_A=1e-12))
    m = AnalogMatrix.from_weights(W, hw, rng, name="W_H", ledger=ledger)
    with ledger.phase("readout"):
        X_REVERSE @ m
    (ev,) = ledger.analog
    assert (ev.array, ev.phase, ev.bit_planes) == ("W_H.T", "readout", 2 * pulses)
    assert ev.geometry == TileGeometry(tiles=4, rows_per_tile=4, cols_per_tile=2)  # 4 driven, 2 sensed
    assert (ev.vectors, ev.read_cycles) == (2, 4 * pulses)
    # non-zero levels: 3 per column block; each drives both columns of its pair in both row tiles
    assert ev.row_pulses == 6 * 2 * 2
    assert ev.cell_reads == 6 * 2 * 4  # ... and each column reaches 2 + 2 word lines
    assert ev.dac_conversions == Counter()
    assert ev.adc_conversions == Counter({8: 2 * 2 * channels})
    assert ev.shift_adds == 2 * 1 * channels
    assert ev.digital_adds == 2 * 4 + 2 * 4 + extra_adds  # partial sums + x_min offsets (+ pair subtractions)
    total = 0.0
    for n in range(2):
        q = X_REVERSE[n].astype(int)
        for bit in range(2):
            v = 0.2 * ((q >> bit) & 1)
            total += sum(float(np.sum(v[t.out_start:t.out_stop].repeat(2)[None, :] ** 2 * t.conductance_S))
                         for row in m.tiles for t in row)
    assert ev.cell_vi_W == pytest.approx(total, rel=1e-12)


def test_reverse_dac_and_offset_counts(rng: np.random.Generator) -> None:
    ledger = EventLedger()
    hw = _hw(MappingConfig(mode="offset"), 2, 4, input_config=InputConfig("dac", 4))
    m = AnalogMatrix.from_weights(W - 2.0, hw, rng, ledger=ledger)
    X_REVERSE @ m
    (ev,) = ledger.analog
    assert ev.geometry == TileGeometry(tiles=2, rows_per_tile=3, cols_per_tile=2)
    assert ev.dac_conversions == Counter({4: 2 * 6})  # 2 vectors × 3 columns × 2 row tiles
    assert ev.adc_conversions == Counter({0: 2 * 4})
    assert ev.digital_adds == 2 * (3 - 1 + 4)  # Σx and w_min·Σx per output; one block: no partial sums


@pytest.mark.parametrize("subtraction", ["analog", "digital"])
def test_reverse_cell_power_with_ir_drop_is_exact_for_a_uniform_input(subtraction: str,
                                                                       rng: np.random.Generator) -> None:
    """All inputs equal: the drive is the pulse's own pattern, so Σ G·V_cell² uses exact cell voltages."""
    wires = WireParasitics(100.0, 100.0, 10.0, 10.0)
    mapping = MappingConfig(pair_subtraction=subtraction)
    ledger = EventLedger()
    hw = _hw(mapping, 4, 6, wires=wires, input_config=InputConfig("dac", 4))
    m = AnalogMatrix.from_weights(W, hw, rng, ledger=ledger)
    np.full(3, 2.0) @ m
    expected = unattenuated = 0.0
    for row in m.tiles:
        for t in row:
            g = t.conductance_S
            for _, drive in _pair_drives(np.full(t.out_stop - t.out_start, 0.2), mapping):
                _, _, cells = _held_port_solve(g, wires, np.zeros(g.shape[0]), drive)
                expected += float(np.sum(g * cells**2))
                unattenuated += float(np.sum(g * drive[None, :] ** 2))
    assert ledger.analog[0].cell_vi_W == pytest.approx(expected, rel=1e-9)
    assert expected < 0.999 * unattenuated


# ----------------------------------------------------------------------------- bad input
def test_bad_inputs_name_the_argument_shape_and_what_is_allowed(rng: np.random.Generator) -> None:
    m = AnalogMatrix.from_weights(np.ones((2, 3)), _hw(MappingConfig()), rng)
    first = r"x = '<array of shape \(2,\)>': must be a 1-D array \(in,\) with in = 3"
    cases = [(lambda: m @ np.ones(2), first),
             (lambda: m @ np.ones((3, 1, 1)), r"1, 1\)>': must be a 2-D array \(in, batch\) with in = 3"),
             (lambda: np.ones(3) @ m, r"shape \(3,\)>': must be a 1-D array \(out,\) with out = 2"),
             (lambda: np.ones((3, 3)) @ m, r"\(3, 3\)>': must be a 2-D array \(batch, out\) with out = 2"),
             (lambda: m.T @ np.ones(3), r"\(in,\) with in = 2"),
             (lambda: m.matmul(np.ones(3)), r"\(in, batch\) with in = 3"),
             (lambda: m.T.calibrate(np.ones((3, 2))), r"\(in, batch\) with in = 2"),
             (lambda: np.array([1.0, np.inf]) @ m, "non-finite"),
             (lambda: m @ np.array([[np.nan], [0.0], [1.0]]), "non-finite"),
             (lambda: m @ "abc", "must be an array or sequence of real numbers")]
    for call, message in cases:
        with pytest.raises(ParameterError, match=message) as info:
            call()
        assert info.value.name == "x"
