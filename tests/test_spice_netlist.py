"""SPICE export of a crossbar and the ngspice runner."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from crossbar_sim.circuit.irdrop import solve_ir_drop
from crossbar_sim.circuit.spice import run_ngspice, to_spice_netlist
from crossbar_sim.circuit.wires import WireParasitics
from device_models.errors import ParameterError


def _elements(netlist: str, prefix: str) -> list[list[str]]:
    return [line.split() for line in netlist.splitlines() if line.startswith(prefix)]


def test_netlist_has_one_element_per_cell_wire_and_source(rng):
    g = rng.uniform(1e-6, 2e-5, (3, 4))
    net = to_spice_netlist(g, WireParasitics(1.0, 2.0, 3.0, 4.0), np.array([0.1, 0.2, 0.3]), title="t")
    assert net.startswith("* t\n")
    assert len(_elements(net, "rc")) == 12
    assert len(_elements(net, "rw")) == 9 and len(_elements(net, "rb")) == 8
    assert len(_elements(net, "rdrv")) == 3 and len(_elements(net, "rsen")) == 4
    assert len(_elements(net, "vsense")) == 4
    cell = _elements(net, "rc1_2")[0]
    assert cell[1:3] == ["w1_2", "b1_2"] and float(cell[3]) == 1.0 / g[1, 2]


def test_zero_resistances_merge_nodes_instead_of_tiny_resistors():
    net = to_spice_netlist(np.full((2, 3), 1e-6), WireParasitics(0.0, 0.0, 0.0, 0.0), np.array([0.1, 0.2]))
    assert not _elements(net, "rw") and not _elements(net, "rb") and not _elements(net, "rdrv")
    assert _elements(net, "rc1_2")[0][1:3] == ["in1", "s2"]


def test_netlist_rejects_bad_voltages():
    with pytest.raises(ParameterError, match="v_rows"):
        to_spice_netlist(np.full((2, 2), 1e-6), WireParasitics(), np.zeros(3))


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
@pytest.mark.parametrize("wires", [WireParasitics(1.0, 1.0, 0.0, 0.0), WireParasitics(0.0, 25.0, 40.0, 0.0),
                                   WireParasitics(60.0, 0.0, 0.0, 15.0)])
def test_live_ngspice_agrees_with_solver(wires, rng):
    g = rng.uniform(0.1e-6, 20e-6, (7, 9))
    g[rng.random(g.shape) < 0.1] = 100e-6
    v = rng.uniform(0.0, 0.3, 7)
    spice = run_ngspice(to_spice_netlist(g, wires, v))
    ours = solve_ir_drop(g, wires).column_currents(v)
    assert np.max(np.abs(spice - ours)) / np.max(np.abs(spice)) <= 1e-9
