"""Read noise under IR drop: the first-order adjoint weights against sparse nodal solves, finite differences
and brute-force Monte Carlo that re-solves the whole noisy network at every read."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from crossbar_sim.analog.direction import ReadDirection
from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.circuit.irdrop import solve_ir_drop
from crossbar_sim.circuit.nodal import NodalSystem
from crossbar_sim.circuit.perturbed import PerturbedArray
from crossbar_sim.circuit.sensitivity import Pulse, _line_fields, read_noise_weights
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ReadNoiseConfig
from device_models.device import RRAMDeviceModel

WIRES = [WireParasitics(10, 10), WireParasitics(10, 10, 5, 7), WireParasitics(0, 10), WireParasitics(10, 0),
         WireParasitics(0, 0, 3, 0), WireParasitics(0, 0, 0, 4), WireParasitics(0, 0, 0, 0),
         WireParasitics(3, 5, 0, 2)]


def _sparse_fields(g: np.ndarray, wires: WireParasitics, drive_V: np.ndarray, port_V: np.ndarray
                   ) -> np.ndarray:
    """Cell voltages word − bit (n, R, C), sparse nodal solve: sources at drive_V, sense nodes at port_V."""
    system = NodalSystem(g, wires)
    pot = system.port_potentials(np.hstack([drive_V, port_V]))
    return pot[:, system.word_index] - pot[:, system.bit_index]


@pytest.mark.parametrize("shape", [(7, 5), (5, 7)])
@pytest.mark.parametrize("wires", WIRES, ids=str)
def test_block_sweep_fields_equal_the_sparse_nodal_solve(shape: tuple[int, int],
                                                         wires: WireParasitics) -> None:
    rng = np.random.default_rng(0)
    g = rng.uniform(0, 20e-6, shape)
    g[1, 2] = 0.0
    drive, port = rng.standard_normal((4, shape[0])), rng.standard_normal((4, shape[1]))
    expected = _sparse_fields(g, wires, drive, port)
    got = np.full_like(expected, np.nan)
    for r, cells in _line_fields(g, wires, drive, port):
        got[:, r] = cells
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("shape", [(9, 6), (6, 9)])  # the second is swept mirrored
def test_read_noise_weights_equal_their_definition(shape: tuple[int, int]) -> None:
    """W = (1 − ρ)·Σ Var·(F^p)²·U² + ρ·Σ_{cells of p's rows} Var·f²·U², summed by hand from sparse fields;
    pulses of reverse-read pairs (G⁺ at +1 V, G⁻ at −1 V; logical input p owns rows 2p and 2p + 1)."""
    rng = np.random.default_rng(1)
    n_rows, n_cols = shape
    g = rng.uniform(0, 20e-6, shape)
    wires = WireParasitics(10, 20, 3, 0)
    var = (0.03 * g) ** 2 + 1e-14
    ports = np.eye(n_cols)[:4] - np.eye(n_cols)[1:5]
    u2 = _sparse_fields(g, wires, np.zeros((len(ports), n_rows)), ports) ** 2
    n_pairs = n_rows // 2
    drive = np.zeros((n_pairs, n_rows))
    drive[np.arange(n_pairs), 2 * np.arange(n_pairs)] = 1.0
    drive[np.arange(n_pairs), 2 * np.arange(n_pairs) + 1] = -1.0
    owner = np.minimum(np.arange(n_rows) // 2, n_pairs - 1)
    fraction = _sparse_fields(g, wires, drive.sum(axis=0)[None], np.zeros((1, n_cols)))[0]
    f2 = _sparse_fields(g, wires, drive, np.zeros((n_pairs, n_cols))) ** 2
    cross_free = np.einsum("pij,kij->pk", f2 * var, u2)
    by_row = np.einsum("ij,kij->ik", var * fraction**2, u2)
    own = np.stack([by_row[owner == p].sum(axis=0) for p in range(n_pairs)])
    got = read_noise_weights(g, wires, var, ports, [Pulse(drive, fraction, owner)], 0.3)[0]
    np.testing.assert_allclose(got, 0.7 * cross_free + 0.3 * own, rtol=1e-10)


def test_ideal_wires_give_the_plain_column_variances() -> None:
    g = np.random.default_rng(2).uniform(0, 20e-6, (6, 8))
    var = (0.02 * g) ** 2
    for rho in (0.0, 0.5, 1.0):
        got = read_noise_weights(g, WireParasitics(0, 0), var, np.eye(8), [Pulse(np.eye(6), np.ones_like(g),
                                                                                 np.arange(6))], rho)[0]
        np.testing.assert_allclose(got, var, rtol=1e-12)


def test_sensitivity_is_the_derivative_of_the_exactly_solved_currents() -> None:
    """∂I_k/∂G_ij = ΔV_ij(x)·U^k_ij against central differences of the re-solved network."""
    rng = np.random.default_rng(3)
    g = rng.uniform(1e-6, 20e-6, (6, 5))
    wires = WireParasitics(30, 20, 5, 7)
    x = rng.standard_normal(6)
    array = PerturbedArray(g, wires)
    dv = _sparse_fields(g, wires, x[None], np.zeros((1, 5)))[0]
    u = -_sparse_fields(g, wires, np.zeros((5, 6)), np.eye(5))
    step = 1e-3 * g
    for i, j in [(0, 0), (2, 3), (5, 4), (4, 1)]:
        up, down = g.copy(), g.copy()
        up[i, j] += step[i, j]
        down[i, j] -= step[i, j]
        diff = (array.sensed_currents(x[None], up[None]) - array.sensed_currents(x[None], down[None]))[0]
        np.testing.assert_allclose(diff / (2 * step[i, j]), dv[i, j] * u[:, i, j], rtol=1e-6,
                                   atol=1e-9 * abs(dv[i, j]))


def test_perturbed_solve_is_exact_and_reports_non_convergence() -> None:
    rng = np.random.default_rng(4)
    g = rng.uniform(0, 20e-6, (8, 6))
    wires = WireParasitics(20, 20)
    array = PerturbedArray(g, wires)
    v = rng.standard_normal((3, 8))
    np.testing.assert_allclose(array.sensed_currents(v, np.broadcast_to(g, (3, 8, 6))),
                               v @ solve_ir_drop(g, wires).effective_conductance_S, rtol=1e-12)
    noisy = g * (1 + 0.3 * rng.standard_normal((3, 8, 6)))
    exact = np.stack([v[n] @ solve_ir_drop(np.abs(noisy[n]), wires).effective_conductance_S
                      for n in range(3)])
    np.testing.assert_allclose(array.sensed_currents(v, np.abs(noisy)), exact, rtol=1e-9)
    with pytest.raises(RuntimeError, match="after 2 iterations"):
        array.sensed_currents(v, np.abs(noisy), max_iterations=2)


def test_cross_weight_half_is_unbiased_on_half_filled_bit_planes() -> None:
    """The modelled cross terms, against exact first order at the exact cell voltages of each input
    (64×64, 10 Ω segments, f down to 0.68): ρ = 0 for signed inputs, ρ = ½ for 0/1 planes."""
    rng = np.random.default_rng(5)
    g = rng.uniform(0, 20e-6, (64, 64))
    wires = WireParasitics(10, 10)
    var = (0.02 * g) ** 2
    fraction = solve_ir_drop(g, wires).cell_voltage_fraction
    u2 = _sparse_fields(g, wires, np.zeros((64, 64)), np.eye(64)) ** 2
    pulse = Pulse(np.eye(64), fraction, np.arange(64))
    for rho, x in ((0.0, rng.uniform(-1, 1, (20, 64))), (0.5, (rng.random((20, 64)) < 0.5) * 1.0)):
        dv2 = _sparse_fields(g, wires, x, np.zeros((20, 64))) ** 2
        exact = np.einsum("bij,kij->bk", dv2 * var, u2)
        ratio = np.sqrt(x**2 @ read_noise_weights(g, wires, var, np.eye(64), [pulse], rho)[0] / exact)
        assert abs(np.median(ratio) - 1) < 0.005
        assert np.abs(ratio - 1).max() < 0.04


# Monte Carlo: the fast output-space read against per-cell reads that re-solve the noisy network.

def _hardware(array: ArrayConfig, mapping: MappingConfig, mode: str) -> HardwareConfig:
    base = HardwareConfig.ideal(mapping)
    return HardwareConfig(array=array, input=base.input, adc=base.adc, mapping=base.mapping,
                          read_noise=ReadNoiseConfig(0.05, 0.2e-6, mode=mode))


def _predicted_std(direction: ReadDirection, x: np.ndarray, weight_per_S: float) -> np.ndarray:
    """std of each output that the fast read draws for input x (ideal input encoding: full scale 0.2 V)."""
    volts = 0.2 * x / np.abs(x).max()
    var = sum(b.var_S2 @ volts[b.drive_start:b.drive_stop] ** 2 for b in direction.blocks)
    if direction.digital_pairs:
        var = var[:direction.n_out] + var[direction.n_out:]
    return weight_per_S * np.abs(x).max() / 0.2 * np.sqrt(var)


def _variance_band(reads: int, outputs: int, alpha: float = 1e-3) -> tuple[float, float]:
    """Bounds on sample variance / true variance: chi-square, two-sided, Bonferroni over the outputs."""
    q = alpha / (2 * outputs)
    return stats.chi2.ppf(q, reads - 1) / (reads - 1), stats.chi2.ppf(1 - q, reads - 1) / (reads - 1)


def _monte_carlo_ratio(fast: AnalogMatrix, slow: AnalogMatrix, x: np.ndarray, reads: int, reverse: bool
                       ) -> np.ndarray:
    """Sample variance of the re-solved reads / the fast path's variance, per output."""
    m_fast, m_slow = (fast.T, slow.T) if reverse else (fast, slow)
    predicted = _predicted_std(m_fast._direction, x, fast.weight_per_S)
    y = m_slow.matmul(np.repeat(x[:, None], reads, axis=1))
    return y.var(axis=1, ddof=1) / predicted**2


@pytest.mark.parametrize("pairs, reverse", [("analog", False), ("digital", True)])
def test_fast_noise_matches_resolved_monte_carlo_small(pairs: str, reverse: bool) -> None:
    """12 rows × 6 pairs, 400 Ω segments (f down to 0.85), 2000 reads, signed inputs."""
    rng = np.random.default_rng(6)
    w = rng.standard_normal((6, 12))
    array = ArrayConfig(max_rows=12, max_cols=12, wires=WireParasitics(400, 400), ir_drop=True)
    mapping = MappingConfig(pair_subtraction=pairs)
    fast = AnalogMatrix.from_weights(w, _hardware(array, mapping, "output"), np.random.default_rng(1))
    slow = AnalogMatrix.from_weights(w, _hardware(array, mapping, "per_cell"), np.random.default_rng(2))
    assert fast.ir_drop_solutions[0].cell_voltage_fraction.min() < 0.9
    x = rng.uniform(-1, 1, 6 if reverse else 12)
    ratio = _monte_carlo_ratio(fast, slow, x, 2000, reverse)
    lo, hi = _variance_band(2000, ratio.size)
    assert np.all((lo < ratio) & (ratio < hi)), (ratio, lo, hi)


@pytest.mark.slow
@pytest.mark.parametrize("pairs, reverse", [("analog", False), ("digital", False), ("analog", True),
                                            ("digital", True)])
def test_fast_noise_matches_resolved_monte_carlo_64(pairs: str, reverse: bool) -> None:
    """64 rows × 32 pairs, G uniform in 0–20 µS mapped from random weights, 10 Ω segments, 2000 reads."""
    rng = np.random.default_rng(7)
    w = rng.standard_normal((32, 64))
    array = ArrayConfig(max_rows=64, max_cols=64, wires=WireParasitics(10, 10), ir_drop=True)
    mapping = MappingConfig(pair_subtraction=pairs)
    fast = AnalogMatrix.from_weights(w, _hardware(array, mapping, "output"), np.random.default_rng(1))
    slow = AnalogMatrix.from_weights(w, _hardware(array, mapping, "per_cell"), np.random.default_rng(2))
    x = rng.uniform(-1, 1, 32 if reverse else 64)
    ratio = _monte_carlo_ratio(fast, slow, x, 2000, reverse)
    lo, hi = _variance_band(2000, ratio.size)
    assert np.all((lo < ratio) & (ratio < hi)), (ratio.min(), ratio.max(), lo, hi)


@pytest.mark.slow
def test_fast_noise_matches_resolved_monte_carlo_formed_256() -> None:
    """A 256×256 formed tile (paper-default device, 256 inputs × 128 pairs), 1 Ω segments, 2000 reads."""
    array = ArrayConfig(max_rows=256, max_cols=256, wires=WireParasitics(1, 1), ir_drop=True)
    mapping = MappingConfig()
    made = [AnalogMatrix.random(128, 256, _hardware(array, mapping, mode), RRAMDeviceModel(), 1e4,
                                np.random.default_rng(8)) for mode in ("output", "per_cell")]
    x = np.random.default_rng(9).uniform(-1, 1, 256)
    ratio = _monte_carlo_ratio(*made, x, 2000, False)
    lo, hi = _variance_band(2000, ratio.size)
    assert np.all((lo < ratio) & (ratio < hi)), (ratio.min(), ratio.max(), lo, hi)


@pytest.mark.parametrize("shape", [(9, 6), (5, 13)])
def test_fields_of_excitations_sourced_late_or_never_equal_the_sparse_nodal_solve(
        shape: tuple[int, int]) -> None:
    """The sweep skips the Norton columns of excitations not yet sourced: drives whose first non-zero row
    is the last, the middle, the first, and none at all must still give the exact fields."""
    rng = np.random.default_rng(5)
    g = rng.uniform(0, 20e-6, shape)
    wires = WireParasitics(2.0, 3.0, 1.0, 1.5)
    n_rows = shape[0]
    drive = np.zeros((4, n_rows))
    drive[0, -1], drive[1, n_rows // 2:], drive[2, 0] = 1.0, 0.5, -1.0  # drive[3]: no source
    port = rng.standard_normal((4, shape[1]))
    expected = _sparse_fields(g, wires, drive, port)
    got = np.full_like(expected, np.nan)
    for r, cells in _line_fields(g, wires, drive, port):
        got[:, r] = cells
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_tile_threads_leave_the_channel_blocks_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    import crossbar_sim.analog.channels as channels

    rng = np.random.default_rng(6)
    hw = HardwareConfig(array=ArrayConfig(ir_drop=True, max_rows=8, max_cols=8),
                        read_noise=ReadNoiseConfig(relative_sigma=0.02))
    w, x = rng.normal(size=(10, 20)), rng.normal(size=(20, 3))
    reads = []
    for cores in (1, 3):
        monkeypatch.setattr(channels, "usable_cores", lambda c=cores: c)
        reads.append(AnalogMatrix.from_weights(w, hw, np.random.default_rng(1)) @ x)
    np.testing.assert_array_equal(reads[0], reads[1])
