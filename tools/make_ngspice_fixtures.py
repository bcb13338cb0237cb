"""Write ngspice reference column currents for a few crossbar geometries to tests/fixtures/ngspice/.

Run from the repository root: ``.venv/bin/python tools/make_ngspice_fixtures.py`` (needs ngspice).
Each case is one .npz holding conductance_S, the four wire resistances (ohm), v_rows (V) and
ngspice's column_currents_A.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from crossbar_sim.circuit.spice import run_ngspice, to_spice_netlist
from crossbar_sim.circuit.wires import WireParasitics

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ngspice"

CASES: dict[str, tuple[tuple[int, int], WireParasitics]] = {
    "square_16x16": ((16, 16), WireParasitics()),
    "row_1x32": ((1, 32), WireParasitics(wordline_segment_ohm=2.0)),
    "column_32x1": ((32, 1), WireParasitics(bitline_segment_ohm=2.0)),
    "wide_8x24": ((8, 24), WireParasitics(wordline_segment_ohm=1.5, bitline_segment_ohm=0.5)),
    "tall_24x8": ((24, 8), WireParasitics(wordline_segment_ohm=0.5, bitline_segment_ohm=1.5)),
    "high_wire_12x12": ((12, 12), WireParasitics(wordline_segment_ohm=80.0, bitline_segment_ohm=60.0)),
    "driver_sense_10x14": ((10, 14), WireParasitics(driver_ohm=150.0, sense_ohm=40.0)),
    "ideal_bitlines_9x7": ((9, 7), WireParasitics(wordline_segment_ohm=5.0, bitline_segment_ohm=0.0,
                                                  driver_ohm=20.0, sense_ohm=10.0)),
}


def random_conductance_S(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Cells uniform in 0.1-20 uS, with a few unformed (1 nS) and strongly formed (100 uS) cells."""
    g = rng.uniform(0.1e-6, 20e-6, shape)
    mix = rng.random(shape)
    g[mix < 0.05] = 1e-9
    g[mix > 0.95] = 100e-6
    return g


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (name, (shape, wires)) in enumerate(CASES.items()):
        rng = np.random.default_rng(1000 + seed)
        g = random_conductance_S(rng, shape)
        v = rng.uniform(0.0, 0.3, shape[0])
        currents = run_ngspice(to_spice_netlist(g, wires, v, title=name), n_cols=shape[1])
        np.savez_compressed(OUT / f"{name}.npz", conductance_S=g, v_rows=v, column_currents_A=currents,
                            **{k: np.float64(x) for k, x in asdict(wires).items()})
        print(f"{name}: {shape}, max |I| = {np.max(np.abs(currents)):.4g} A")


if __name__ == "__main__":
    main()
