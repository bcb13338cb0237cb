"""One-off IR-drop solve (``solve_ir_drop``): G_eff and the cell voltage fractions of one physical array.

Arrays: 256×256 and 256×512 (the tile of a 256-input × 256-output differential matrix), conductances
uniform in [1, 100] µS, default wires (1 Ω segments, ideal driver and sense). Each ratio is solve time /
the baseline, ``numpy.linalg.solve`` of a dense 512×512 system (one right-hand side) with BLAS limited
to one thread, as inside the solver (default threading makes this short call vary tenfold on a loaded
machine). They are timed alternately in the same run; each round times one solve and the fastest of 30
baseline calls, since the baseline is short. Ratios: median, minimum and interquartile range over the
rounds; seconds is the median solve time.

Newton read (``irdrop_newton_read_256x256``): the exact non-linear read (:mod:`crossbar_sim.circuit.
nonlinear`) of a batch of 16 input vectors (5-bit signed DAC levels at V_read = 0.2 V) on the 256×256 array
of sinh cells (V0 = 0.25 V), the same wires; the ratio is its time over the ohmic G_eff read of the same
batch, ``V @ G_eff`` with one-thread BLAS, which is also numpy BLAS of that shape (fastest of 30 calls per
round). seconds_per_vector is the median Newton time per input vector.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.timing import bench_line, ratio_fields, timed_pairs
from crossbar_sim.circuit.irdrop import solve_ir_drop
from crossbar_sim.circuit.nonlinear import NonlinearCrossbar
from crossbar_sim.circuit.wires import WireParasitics
from device_models.cell_iv import CellIV

BASE_N = 512
NEWTON_BATCH = 16


def _setup(rng: np.random.Generator, shape: tuple[int, int], repeats: int, warmup: bool) -> str:
    g = rng.uniform(1e-6, 100e-6, shape)
    a = rng.standard_normal((BASE_N, BASE_N)) + BASE_N * np.eye(BASE_N)
    b = rng.standard_normal(BASE_N)

    def baseline() -> np.ndarray:
        with threadpool_limits(limits=1, user_api="blas"):
            return np.linalg.solve(a, b)

    pairs = timed_pairs(lambda: solve_ir_drop(g, WireParasitics()), baseline, repeats=repeats, base_block=30,
                        warmup=warmup)
    name = "irdrop_setup_{}x{}".format(*shape)
    base_name = f"numpy_solve_{BASE_N}x{BASE_N}_1thread"
    return (f"BENCH {name} seconds={np.median(pairs.sim_s):.3g} {ratio_fields(pairs)} n={repeats}"
            f" base={base_name} base_s={np.median(pairs.base_s):.3g} seconds_min={min(pairs.sim_s):.3g}")


def _newton_read(rng: np.random.Generator, shape: tuple[int, int], repeats: int) -> str:
    g = rng.uniform(1e-6, 100e-6, shape)
    wires = WireParasitics()
    g_eff = solve_ir_drop(g, wires).effective_conductance_S
    v = rng.integers(-15, 16, (NEWTON_BATCH, shape[0])) * (0.2 / 15)
    array = NonlinearCrossbar(g, wires, CellIV("sinh", 0.2, 0.25))

    def baseline() -> np.ndarray:
        with threadpool_limits(limits=1, user_api="blas"):
            return v @ g_eff

    pairs = timed_pairs(lambda: array.column_currents(v), baseline, repeats=repeats, base_block=30)
    name = "irdrop_newton_read_{}x{}".format(*shape)
    return bench_line(name, pairs, base=f"ohmic_geff_read_{NEWTON_BATCH}x{shape[0]}x{shape[1]}_1thread",
                      vectors=NEWTON_BATCH, seconds_per_vector=f"{np.median(pairs.sim_s) / NEWTON_BATCH:.3g}")


def run() -> list[str]:
    rng = np.random.default_rng(2023)
    # the first shape's warm-up call compiles the solver for both
    return [_setup(rng, (256, 256), repeats=5, warmup=True), _setup(rng, (256, 512), repeats=3, warmup=False),
            _newton_read(rng, (256, 256), repeats=5)]
