"""Write ngspice reference column currents for a few crossbar geometries to tests/fixtures/ngspice/
(ohmic cells) and tests/fixtures/ngspice_nonlinear/ (sinh cells, behavioural sources).

Run from the repository root: ``.venv/bin/python tools/make_ngspice_fixtures.py [ohmic|nonlinear]``
(needs ngspice; both sets by default). Each case is one .npz holding conductance_S, the four wire
resistances (ohm), v_rows (V) and ngspice's column_currents_A; a non-linear case adds read_voltage_V
and characteristic_voltage_V (V0) of its cells.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from crossbar_sim.circuit.spice import run_ngspice, to_spice_netlist
from crossbar_sim.circuit.wires import WireParasitics
from device_models.cell_iv import CellIV

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ngspice"
OUT_NONLINEAR = OUT.parent / "ngspice_nonlinear"
READ_V = 0.2

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


#: name: (shape, wires, V0 in volts, inputs): "uniform" in [0, 0.3] V, "bit_serial" 0/V_read pulses,
#: "dac<bits>" signed multi-level DAC codes q·V_read/(2^(bits-1) - 1), "signed" uniform in ±V_read
NONLINEAR_CASES: dict[str, tuple[tuple[int, int], WireParasitics, float, str]] = {
    "sinh_square_16x16": ((16, 16), WireParasitics(), 0.25, "uniform"),
    "sinh_row_1x32": ((1, 32), WireParasitics(wordline_segment_ohm=2.0), 0.1, "uniform"),
    "sinh_column_32x1": ((32, 1), WireParasitics(bitline_segment_ohm=2.0), 0.1, "dac4"),
    "sinh_high_wire_12x12": ((12, 12), WireParasitics(wordline_segment_ohm=80.0, bitline_segment_ohm=60.0),
                             0.05, "dac6"),
    "sinh_driver_sense_10x14": ((10, 14), WireParasitics(driver_ohm=150.0, sense_ohm=40.0), 0.2,
                                "bit_serial"),
    "sinh_ideal_bitlines_9x7": ((9, 7), WireParasitics(wordline_segment_ohm=5.0, bitline_segment_ohm=0.0,
                                                       driver_ohm=20.0, sense_ohm=10.0), 0.08, "signed"),
    "sinh_wide_8x24": ((8, 24), WireParasitics(wordline_segment_ohm=1.5, bitline_segment_ohm=0.5), 0.15,
                       "dac3"),
}


def row_voltages(rng: np.random.Generator, n_rows: int, inputs: str) -> np.ndarray:
    """Row voltages (V) of one input vector of the kind ``inputs`` (see NONLINEAR_CASES)."""
    if inputs == "uniform":
        return rng.uniform(0.0, 0.3, n_rows)
    if inputs == "signed":
        return rng.uniform(-READ_V, READ_V, n_rows)
    if inputs == "bit_serial":
        return READ_V * (rng.random(n_rows) < 0.5)
    top = 2 ** (int(inputs.removeprefix("dac")) - 1) - 1
    return rng.integers(-top, top + 1, n_rows) * (READ_V / top)


def random_conductance_S(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Cells uniform in 0.1-20 uS, with a few unformed (1 nS) and strongly formed (100 uS) cells."""
    g = rng.uniform(0.1e-6, 20e-6, shape)
    mix = rng.random(shape)
    g[mix < 0.05] = 1e-9
    g[mix > 0.95] = 100e-6
    return g


def write_ohmic() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for seed, (name, (shape, wires)) in enumerate(CASES.items()):
        rng = np.random.default_rng(1000 + seed)
        g = random_conductance_S(rng, shape)
        v = rng.uniform(0.0, 0.3, shape[0])
        currents = run_ngspice(to_spice_netlist(g, wires, v, title=name), n_cols=shape[1])
        np.savez_compressed(OUT / f"{name}.npz", conductance_S=g, v_rows=v, column_currents_A=currents,
                            **{k: np.float64(x) for k, x in asdict(wires).items()})
        print(f"{name}: {shape}, max |I| = {np.max(np.abs(currents)):.4g} A")


def write_nonlinear() -> None:
    OUT_NONLINEAR.mkdir(parents=True, exist_ok=True)
    for seed, (name, (shape, wires, v0, inputs)) in enumerate(NONLINEAR_CASES.items()):
        rng = np.random.default_rng(2000 + seed)
        g = random_conductance_S(rng, shape)
        v = row_voltages(rng, shape[0], inputs)
        cell = CellIV("sinh", READ_V, v0)
        currents = run_ngspice(to_spice_netlist(g, wires, v, title=name, cell=cell), n_cols=shape[1])
        np.savez_compressed(OUT_NONLINEAR / f"{name}.npz", conductance_S=g, v_rows=v,
                            column_currents_A=currents, read_voltage_V=np.float64(READ_V),
                            characteristic_voltage_V=np.float64(v0),
                            **{k: np.float64(x) for k, x in asdict(wires).items()})
        print(f"{name}: {shape}, V0 = {v0} V, {inputs}, max |I| = {np.max(np.abs(currents)):.4g} A")


def main(which: str = "all") -> None:
    if which not in ("all", "ohmic", "nonlinear"):
        raise SystemExit(f"usage: make_ngspice_fixtures.py [ohmic|nonlinear] (got {which!r})")
    if which in ("all", "ohmic"):
        write_ohmic()
    if which in ("all", "nonlinear"):
        write_nonlinear()


if __name__ == "__main__":
    main(*sys.argv[1:2])
