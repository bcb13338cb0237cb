"""SPICE netlist export of a crossbar array (circuit as in ``crossbar_sim.irdrop``) and an ngspice runner.

Node names: ``w<i>_<j>`` word line, ``b<i>_<j>`` bit line, ``in<i>`` row source, ``s<j>`` sense
terminal. A 0-ohm connection merges its nodes (the merged node keeps one name). Each column ends in a
0 V source ``vsense<j>`` to ground whose branch current is the column current.

Ohmic cells are resistors ``rc<i>_<j>``; non-ohmic cells (:class:`device_models.cell_iv.CellIV`) are
behavioural current sources ``bc<i>_<j>`` with ``I = G*Vr*sinh(V(w,b)/V0)/sinh(Vr/V0)``, and the netlist
then tightens ngspice's Newton convergence tests (defaults reltol 1e-3, abstol 1e-12 A, vntol 1e-6 V) to
NONLINEAR_OPTIONS, so the operating point is converged far below 1e-9 relative.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from crossbar_sim.circuit.irdrop import check_conductance, check_row_voltages, check_wires
from crossbar_sim.circuit.wires import WireParasitics
from device_models.cell_iv import CellIV
from device_models.errors import ParameterError

#: ngspice options for non-linear cells: relative and absolute (A, V) convergence tolerances, no gmin
NONLINEAR_OPTIONS = ".options reltol=1e-13 abstol=1e-24 vntol=1e-16 gmin=0 itl1=500"


def _word_node(i: int, j: int, wires: WireParasitics) -> str:
    j = 0 if wires.wordline_segment_ohm == 0.0 else j
    if j == 0 and wires.driver_ohm == 0.0:
        return f"in{i}"
    return f"w{i}_{j}"


def _bit_node(i: int, j: int, n_rows: int, wires: WireParasitics) -> str:
    i = n_rows - 1 if wires.bitline_segment_ohm == 0.0 else i
    if i == n_rows - 1 and wires.sense_ohm == 0.0:
        return f"s{j}"
    return f"b{i}_{j}"


def _cell_element(i: int, j: int, w: str, b: str, g: float, cell: CellIV) -> str:
    if cell.is_ohmic:
        return f"rc{i}_{j} {w} {b} {1.0 / g:.17g}"
    vr, v0 = f"{cell.read_voltage_V:.17g}", f"{cell.characteristic_voltage_V:.17g}"
    return f"bc{i}_{j} {w} {b} I = {g:.17g}*{vr}*sinh(V({w},{b})/{v0})/sinh({vr}/{v0})"


def to_spice_netlist(
    conductance_S: np.ndarray, wires: WireParasitics, v_rows: np.ndarray, title: str = "crossbar IR drop",
    cell: CellIV | None = None,
) -> str:
    """Netlist of the array, its wires and row sources; values written with 17 significant digits.

    ``cell``: the cells' read I–V (default ohmic)."""
    g = check_conductance(conductance_S)
    wires = check_wires(wires)
    cell = CellIV() if cell is None else cell
    if not isinstance(cell, CellIV):
        raise ParameterError("cell", cell, "must be a device_models.cell_iv.CellIV or None")
    n_rows, n_cols = g.shape
    v = check_row_voltages(v_rows, n_rows, batched=False)
    lines = [f"* {title}"]
    if not cell.is_ohmic:
        lines.append(NONLINEAR_OPTIONS)
    for i in range(n_rows):
        lines.append(f"vin{i} in{i} 0 dc {v[i]:.17g}")
        if wires.driver_ohm > 0.0:
            lines.append(f"rdrv{i} in{i} w{i}_0 {wires.driver_ohm:.17g}")
    for i in range(n_rows):
        for j in range(n_cols):
            if g[i, j] > 0.0:
                w, b = _word_node(i, j, wires), _bit_node(i, j, n_rows, wires)
                lines.append(_cell_element(i, j, w, b, float(g[i, j]), cell))
            if wires.wordline_segment_ohm > 0.0 and j + 1 < n_cols:
                a, b = _word_node(i, j, wires), _word_node(i, j + 1, wires)
                lines.append(f"rw{i}_{j} {a} {b} {wires.wordline_segment_ohm:.17g}")
            if wires.bitline_segment_ohm > 0.0 and i + 1 < n_rows:
                a, b = _bit_node(i, j, n_rows, wires), _bit_node(i + 1, j, n_rows, wires)
                lines.append(f"rb{i}_{j} {a} {b} {wires.bitline_segment_ohm:.17g}")
    for j in range(n_cols):
        if wires.sense_ohm > 0.0:
            lines.append(f"rsen{j} b{n_rows - 1}_{j} s{j} {wires.sense_ohm:.17g}")
        lines.append(f"vsense{j} s{j} 0 dc 0")
    return "\n".join(lines) + "\n"


def _read_binary_raw(path: Path) -> dict[str, float]:
    """Vectors of a one-point real binary raw file written by ngspice."""
    data = path.read_bytes()
    marker = data.index(b"Binary:\n") + len(b"Binary:\n")
    header = data[:marker].decode("ascii", errors="replace").splitlines()
    start = next(k for k, line in enumerate(header) if line.startswith("Variables:")) + 1
    n_vars = int(next(line for line in header if line.startswith("No. Variables:")).split(":")[1])
    names = [header[start + k].split()[1].lower() for k in range(n_vars)]
    values = np.frombuffer(data[marker: marker + 8 * n_vars], dtype="<f8")
    return dict(zip(names, values.tolist(), strict=True))


def run_ngspice(netlist: str, n_cols: int | None = None, timeout_s: float = 600.0) -> np.ndarray:
    """Column currents (A) of a netlist from ``to_spice_netlist``: ngspice ``-b`` operating point.

    Results are read from a binary raw file (full double precision). ``n_cols`` defaults to the
    number of ``vsense`` sources. Raises RuntimeError if ngspice is missing or fails.
    """
    exe = shutil.which("ngspice")
    if exe is None:
        raise RuntimeError("ngspice is not installed (needed to run SPICE netlists)")
    if n_cols is None:
        n_cols = sum(1 for line in netlist.splitlines() if line.startswith("vsense"))
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "op.raw"
        control = f".control\nset filetype=binary\nop\nwrite {raw} all\nquit\n.endc\n.end\n"
        deck = Path(tmp) / "deck.cir"
        deck.write_text(netlist + control)
        proc = subprocess.run([exe, "-b", str(deck)], capture_output=True, text=True, timeout=timeout_s,
                              cwd=tmp)
        if proc.returncode != 0 or not raw.exists():
            raise RuntimeError(f"ngspice failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        vectors = _read_binary_raw(raw)
    return np.array([vectors[f"i(vsense{j})"] for j in range(n_cols)])
