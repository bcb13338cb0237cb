"""Analogue VMM benchmarks: every ratio is simulator time / a baseline timed alternately in the same run.

Baseline for the VMM lines: a numpy float32 matmul of the same logical shape (512×512 @ 512×1000).
The IR-drop lines use one physical 256×256 array (256 inputs × 128 differential outputs).
The per-cell reference runs on fewer vectors; its times are per vector (``per=vector``).
The VMM ratios are steady-state (blocks of three calls of each side after a 0.2 s pause, see
``timed_pairs``); ``interleaved_ratio`` alternates single calls, so each read starts while the
baseline's BLAS worker threads still spin, competing with the reads' own threads on a 2-core machine.
Every ratio is printed as its median, minimum and interquartile range over the rounds (``n``) and as
the fastest sim / the fastest base (``*_of_mins``).
The in-kernel normals are benchmarked in ``bench_normals``.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.timing import bench_line, ratio_fields, timed_pairs
from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.circuit.config import ArrayConfig
from crossbar_sim.periphery.config import ADCConfig, InputConfig, ReadNoiseConfig
from crossbar_sim.periphery.sensing import sense_accumulate, sense_accumulate_numpy

N_VECTORS = 1000
PER_CELL_VECTORS = 10


def _noisy(input_config: InputConfig, **array: object) -> HardwareConfig:
    return HardwareConfig(array=ArrayConfig(**array), input=input_config, adc=ADCConfig(bits=8),
                          read_noise=ReadNoiseConfig(relative_sigma=0.02))


def _matmul_baseline(rng: np.random.Generator, n: int, vectors: int):
    """The baseline: a float32 numpy matmul (n, n) @ (n, vectors)."""
    w = rng.standard_normal((n, n)).astype(np.float32)
    x = rng.standard_normal((n, vectors)).astype(np.float32)
    return lambda: w @ x


def _vmm(name: str, input_config: InputConfig, rng: np.random.Generator) -> str:
    w = rng.standard_normal((512, 512))
    x = rng.standard_normal((512, N_VECTORS))
    m = AnalogMatrix.from_weights(w, _noisy(input_config), rng)
    baseline = _matmul_baseline(rng, 512, N_VECTORS)
    steady = timed_pairs(lambda: m.matmul(x), baseline, repeats=10, block=3, settle_s=0.2)
    interleaved = timed_pairs(lambda: m.matmul(x), baseline, repeats=10)
    return bench_line(name, steady, ratio_fields(interleaved, "interleaved_ratio"))


def _irdrop(rng: np.random.Generator) -> list[str]:
    w = rng.standard_normal((128, 256))
    x = rng.standard_normal((256, N_VECTORS))
    dac = InputConfig(mode="dac", bits=8)
    start = time.perf_counter()
    m_ir = AnalogMatrix.from_weights(w, _noisy(dac, ir_drop=True), rng)
    setup = time.perf_counter() - start
    m_plain = AnalogMatrix.from_weights(w, _noisy(dac), rng)
    pairs = timed_pairs(lambda: m_ir.matmul(x), lambda: m_plain.matmul(x), repeats=9)
    return [bench_line("irdrop_read_256", pairs), f"BENCH irdrop_setup_256 seconds={setup:.3g}"]


def _per_cell(rng: np.random.Generator) -> str:
    w = rng.standard_normal((512, 512))
    x = rng.standard_normal((512, PER_CELL_VECTORS))
    hw = HardwareConfig(input=InputConfig(mode="dac", bits=8), adc=ADCConfig(bits=8),
                        read_noise=ReadNoiseConfig(relative_sigma=0.02, mode="per_cell"))
    m = AnalogMatrix.from_weights(w, hw, rng)
    pairs = timed_pairs(lambda: m.matmul(x), _matmul_baseline(rng, 512, N_VECTORS), repeats=5, base_block=3)
    per_vector = pairs.scaled(sim=PER_CELL_VECTORS, base=N_VECTORS)
    return bench_line("vmm_percell_reference", per_vector, per="vector", vectors=PER_CELL_VECTORS)


def _kernel(rng: np.random.Generator) -> str:
    """The fused numba sensing kernel against its numpy twin on a 512×1000 plane."""
    shape = (512, N_VECTORS)
    mean = rng.standard_normal(shape, dtype=np.float32)
    var = rng.random(shape, dtype=np.float32) * np.float32(0.01)
    z = rng.standard_normal(shape, dtype=np.float32)
    lsb, scale, out = np.full(512, 0.02), np.ones(N_VECTORS), np.zeros(shape)
    args = (mean, var, z, True, True, lsb, -127, 127, 1.0, scale, out)
    pairs = timed_pairs(lambda: sense_accumulate(*args), lambda: sense_accumulate_numpy(*args))
    return bench_line("sense_kernel_numba_vs_numpy", pairs)


def run() -> list[str]:
    rng = np.random.default_rng(2023)
    return [
        _vmm("vmm_noisy_8b", InputConfig(mode="dac", bits=8), rng),
        _vmm("vmm_bitserial_4b", InputConfig(mode="bit_serial", bits=4), rng),
        *_irdrop(rng),
        _per_cell(rng),
        _kernel(rng),
    ]
