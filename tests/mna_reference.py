"""Dense modified nodal analysis of a crossbar: an independent, obviously correct, slow solver for tests."""

from __future__ import annotations

import numpy as np

from crossbar_sim.circuit.irdrop import check_conductance, check_row_voltages, check_wires
from crossbar_sim.circuit.wires import WireParasitics


def column_currents_reference(
    conductance_S: np.ndarray, wires: WireParasitics, v_rows: np.ndarray
) -> np.ndarray:
    """Column currents (A) by dense modified nodal analysis; slow, for small arrays in tests.

    Every resistance is a conductance stamp, every 0-ohm connection and every sense connection is a
    0 V source whose branch current is an unknown; the sources V_i are voltage sources.
    """
    g = check_conductance(conductance_S)
    wires = check_wires(wires)
    n_rows, n_cols = g.shape
    v = check_row_voltages(v_rows, n_rows, batched=False)
    nodes: dict[str, int] = {}

    def node(name: str) -> int:
        return nodes.setdefault(name, len(nodes))

    resistors: list[tuple[int, int, float]] = []
    sources: list[tuple[int, int, float]] = []  # (plus node, minus node or -1 for ground, volts)

    def connect(p: str, q: str | None, ohm: float) -> None:
        a, b = node(p), (-1 if q is None else node(q))
        if ohm == 0.0:
            sources.append((a, b, 0.0))
        else:
            resistors.append((a, b, 1.0 / ohm))

    for i in range(n_rows):
        sources.append((node(f"in{i}"), -1, v[i]))
        connect(f"in{i}", f"w{i}_0", wires.driver_ohm)
        for j in range(n_cols):
            resistors.append((node(f"w{i}_{j}"), node(f"b{i}_{j}"), g[i, j]))
            if j + 1 < n_cols:
                connect(f"w{i}_{j}", f"w{i}_{j + 1}", wires.wordline_segment_ohm)
            if i + 1 < n_rows:
                connect(f"b{i}_{j}", f"b{i + 1}_{j}", wires.bitline_segment_ohm)
    sense = []
    for j in range(n_cols):
        if wires.sense_ohm == 0.0:
            sense.append(len(sources))
            sources.append((node(f"b{n_rows - 1}_{j}"), -1, 0.0))
        else:
            connect(f"b{n_rows - 1}_{j}", f"s{j}", wires.sense_ohm)
            sense.append(len(sources))
            sources.append((node(f"s{j}"), -1, 0.0))
    n = len(nodes)
    mna = np.zeros((n + len(sources), n + len(sources)))
    rhs = np.zeros(n + len(sources))
    for a, b, cond in resistors:
        mna[a, a] += cond
        if b >= 0:
            mna[b, b] += cond
            mna[a, b] -= cond
            mna[b, a] -= cond
    for k, (a, b, volts) in enumerate(sources):
        mna[a, n + k] += 1.0
        mna[n + k, a] += 1.0
        if b >= 0:
            mna[b, n + k] -= 1.0
            mna[n + k, b] -= 1.0
        rhs[n + k] = volts
    x = np.linalg.solve(mna, rhs)
    return x[n + np.array(sense)]
