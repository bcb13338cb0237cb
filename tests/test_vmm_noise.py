"""Read noise drawn in output space agrees with the per-cell reference (moments and distribution)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.circuit.wires import WireParasitics
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import ReadNoiseConfig

SIGMA_REL, SIGMA_ADD_S = 0.05, 0.5e-6
N_READS = 4000


def _noisy(mapping: MappingConfig, mode: str, array: ArrayConfig | None = None) -> HardwareConfig:
    base = HardwareConfig.ideal(mapping)
    return HardwareConfig(array=array or ArrayConfig(max_rows=4, max_cols=6), input=base.input, adc=base.adc,
                          read_noise=ReadNoiseConfig(SIGMA_REL, SIGMA_ADD_S, mode=mode), mapping=base.mapping)


def _expected_std(m: AnalogMatrix, x: np.ndarray) -> np.ndarray:
    """std of each output for input x: k·sqrt(Σ_i x_i²·Σ_cells(σ_rel²G² + σ_add²)), by hand from the tiles."""
    n_out, n_in = m.shape
    var = np.zeros(n_out)
    k = m.weight_per_S
    for row in m.tiles:
        for t in row:
            s = SIGMA_REL**2 * t.conductance_S**2 + SIGMA_ADD_S**2
            cols = t.out_stop - t.out_start
            s = s.reshape(t.shape[0], cols, -1).sum(axis=2)  # sum the pair's cells
            var[t.out_start:t.out_stop] += x[t.row_start:t.row_stop] ** 2 @ s
    return k * np.sqrt(var)


@pytest.mark.parametrize("mapping", [MappingConfig(pair_subtraction="analog"),
                                     MappingConfig(pair_subtraction="digital"),
                                     MappingConfig(mode="offset")], ids=["analog", "digital", "offset"])
def test_output_noise_matches_per_cell_reference(mapping: MappingConfig) -> None:
    rng = np.random.default_rng(7)
    w = rng.standard_normal((5, 7))
    x = rng.standard_normal(7)
    batch = np.repeat(x[:, None], N_READS, axis=1)
    fast = AnalogMatrix.from_weights(w, _noisy(mapping, "output"), np.random.default_rng(1))
    slow = AnalogMatrix.from_weights(w, _noisy(mapping, "per_cell"), np.random.default_rng(2))
    mean, std = w @ x, _expected_std(fast, x)
    z_scores = []
    for m in (fast, slow):
        y = m.matmul(batch)
        assert np.all(np.abs(y.mean(axis=1) - mean) < 5 * std / np.sqrt(N_READS))
        np.testing.assert_allclose(y.var(axis=1, ddof=1), std**2, rtol=0.15)
        z = ((y - mean[:, None]) / std[:, None]).ravel()
        assert stats.kstest(z, "norm").pvalue > 1e-3
        z_scores.append(z)
    assert stats.ks_2samp(*z_scores).pvalue > 1e-3


def test_ir_drop_noise_fast_and_resolved_reads_agree() -> None:
    """Output mode with IR drop (first-order adjoint weights, :mod:`crossbar_sim.circuit.sensitivity`)
    against per-cell reads that re-solve the noisy network (16 rows × 6 pairs, 200 Ω segments so that
    f >= 0.9, signed inputs): means agree (G_eff is exact) and both stds equal the fast path's; the old
    f²-only weights (no redistribution through the wires) overestimate every std, here by up to 2.3 %."""
    rng = np.random.default_rng(11)
    w = rng.standard_normal((6, 16))
    x = rng.standard_normal(16)
    array = ArrayConfig(max_rows=16, max_cols=12, wires=WireParasitics(200.0, 200.0), ir_drop=True)
    mapping = MappingConfig()
    fast = AnalogMatrix.from_weights(w, _noisy(mapping, "output", array), np.random.default_rng(3))
    slow = AnalogMatrix.from_weights(w, _noisy(mapping, "per_cell", array), np.random.default_rng(4))
    solution = fast.ir_drop_solutions[0]
    g_eff = solution.effective_conductance_S
    volts = 0.2 * x / np.abs(x).max()
    scale = fast.weight_per_S * np.abs(x).max() / 0.2
    mean = scale * (volts @ (g_eff[:, 0::2] - g_eff[:, 1::2]))
    block = fast._shared.forward.blocks[0]
    std = scale * np.sqrt(block.var_S2 @ volts**2)
    s = SIGMA_REL**2 * solution.conductance_S**2 + SIGMA_ADD_S**2
    f2_only = scale * np.sqrt((volts**2 @ (s * solution.cell_voltage_fraction**2)).reshape(6, 2).sum(axis=1))
    assert solution.cell_voltage_fraction.min() < 0.95  # the IR drop is not negligible
    assert np.all(f2_only > std) and np.max(f2_only / std) > 1.015
    batch = np.repeat(x[:, None], N_READS, axis=1)
    for m in (fast, slow):
        y = m.matmul(batch)
        assert np.all(np.abs(y.mean(axis=1) - mean) < 5 * std / np.sqrt(N_READS))
        np.testing.assert_allclose(y.std(axis=1, ddof=1), std, rtol=0.06)


def test_reads_are_reproducible_from_the_seed() -> None:
    w = np.random.default_rng(0).standard_normal((8, 9))
    x = np.random.default_rng(1).standard_normal((9, 3))
    hw = HardwareConfig()
    a = AnalogMatrix.from_weights(w, hw, np.random.default_rng(5))
    b = AnalogMatrix.from_weights(w, hw, np.random.default_rng(5))
    first, second = a.matmul(x), a.matmul(x)
    assert not np.array_equal(first, second)  # fresh noise at every read
    np.testing.assert_array_equal(first, b.matmul(x))
    np.testing.assert_array_equal(second, b.matmul(x))


@pytest.mark.parametrize("mode", ["bit_serial", "dac"])
def test_reads_do_not_depend_on_the_sensing_thread_count(monkeypatch, mode) -> None:
    from crossbar_sim.analog import noisy_read
    from crossbar_sim.periphery.config import InputConfig

    w = np.random.default_rng(0).standard_normal((300, 40))  # 300 channels: 5 noise streams
    x = np.random.default_rng(1).standard_normal((40, 25))
    hw = HardwareConfig(input=InputConfig(mode=mode, bits=4))
    reads = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(noisy_read, "SENSE_THREADS", threads)
        m = AnalogMatrix.from_weights(w, hw, np.random.default_rng(5))
        assert len(m._shared.forward.fast[0][1]) == threads
        reads.append(m.matmul(x))
    np.testing.assert_allclose(reads[1], reads[0], rtol=1e-6, atol=1e-6 * np.abs(reads[0]).max())
    np.testing.assert_allclose(reads[2], reads[0], rtol=1e-6, atol=1e-6 * np.abs(reads[0]).max())


def _read_in_child(queue, w, x) -> None:
    m = AnalogMatrix.from_weights(w, HardwareConfig(), np.random.default_rng(5))
    queue.put(m.matmul(x))


def test_reads_work_in_a_forked_child_after_the_parent_has_read() -> None:
    import multiprocessing

    w = np.random.default_rng(0).standard_normal((200, 30))
    x = np.random.default_rng(1).standard_normal((30, 4))
    parent = AnalogMatrix.from_weights(w, HardwareConfig(), np.random.default_rng(5)).matmul(x)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_in_child, args=(queue, w, x))
    child.start()
    try:
        result = queue.get(timeout=30)  # a child waiting on the parent's pool threads would time out
        child.join(timeout=30)
        assert child.exitcode == 0
    finally:
        child.kill()
    np.testing.assert_array_equal(result, parent)
