"""Which lines a read drives and which it senses: every tile as the forward or the reverse read sees it.

Forward read: the inputs drive the word lines (rows) at their driver end and the bit lines (columns)
are sensed into virtual grounds at their sense end. Reverse (transposed) read, as in Sandia CrossSim's
VMM: the inputs drive the bit lines at their sense end (through ``sense_ohm``) and the word lines are
sensed into virtual grounds at their driver end (through ``driver_ohm``). A differential pair's two
columns are driven with +V (G⁺) and −V (G⁻), so each word line sums (G⁺ − G⁻)·V (analogue
subtraction), or, with digital pair subtraction, in two pulses (the G⁺ columns, then the G⁻ columns,
the other column of each pair held at 0 V) whose conversions are subtracted digitally. IR drop: the
network is linear and reciprocal, and in both directions every port (the far end of each driver and
sense resistance) sits at a held potential, so the transfer conductance from column port j to row
port i is the one from row i to column j, and the reverse read's row currents are exactly
V_cols @ G_effᵀ, no solve needed. The state with every port at 1 V carries no current, so by
superposition the cell voltages (bit − word) with every column at 1 V and the rows grounded equal the
forward ones (word − bit) with every row at 1 V: the reverse uniform-drive cell-voltage fraction is
the forward one. :func:`mirrored_solution` packs both as the IR-drop solution of the mirrored array,
whose nodal solve gives the exact cell voltages of a reverse read; a pair's drive patterns (G⁺ columns
at 1 V, the G⁻ at 0 V, and the other way round) take one nodal solve per tile, at the first reverse read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crossbar_sim.circuit.irdrop import IRDropSolution
from crossbar_sim.circuit.nodal import NodalSystem
from crossbar_sim.mapping.tiling import Tile


@dataclass(frozen=True, eq=False)
class OrientedTile:
    """One tile as a read direction sees it; its matrices are (driven lines, sensed lines), physical.

    index: the tile's place in the row-major tile order (its ADC full scale).
    drive_start, drive_stop: the logical lines it drives (forward: inputs; reverse: outputs).
    pair_axis: the axis on which a differential pair's two lines lie interleaved (G⁺, G⁻): 1 forward
        (two sensed columns), 0 reverse (two driven columns); None for offset mapping.
    solution: IR-drop solution of the array as this direction drives it (None without IR drop);
        ``mirrored``: it is the mirrored array's, whose axes run opposite to this view's.
    """

    index: int
    drive_start: int
    drive_stop: int
    conductance_S: np.ndarray
    pair_axis: int | None
    solution: IRDropSolution | None
    mirrored: bool

    def _oriented(self, a: np.ndarray) -> np.ndarray:
        return a[::-1, ::-1] if self.mirrored else a

    @property
    def effective_conductance_S(self) -> np.ndarray:
        """(driven, sensed) S: sensed currents are V_driven @ G_eff (G without IR drop)."""
        return self.conductance_S if self.solution is None else self._oriented(
            self.solution.effective_conductance_S)

    @property
    def cell_voltage_fraction(self) -> np.ndarray | None:
        """(driven, sensed) cell voltage / drive voltage with every driven line at one voltage (None: 1)."""
        return None if self.solution is None else self._oriented(self.solution.cell_voltage_fraction)

    def pair_drive_fractions(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell voltages (driven, sensed) per volt with the G⁺ columns at 1 V and the G⁻ columns at 0 V,
        and the other way round (reverse read of pairs; the rows grounded). With IR drop the first is one
        nodal solve and the second follows by superposition with the uniform drive."""
        n = self.conductance_S.shape[0]
        plus = np.zeros(n)
        plus[0::2] = 1.0
        if self.solution is None:
            return np.broadcast_to(plus[:, None], self.conductance_S.shape), np.broadcast_to(
                1.0 - plus[:, None], self.conductance_S.shape)
        # The nodal system leaves 0 S cells out (half of a programmed pair tile), and SuperLU's minimum-degree
        # ordering of the irregular grid that remains is slow (a 256×256 pair tile: ~100 s instead of 2.5 s);
        # a conductance floor keeps the grid regular and moves the cell voltages by round-off only.
        system = NodalSystem(self.solution.conductance_S, self.solution.wires)
        pot = system.potentials((plus[::-1] if self.mirrored else plus)[None])[0]
        on_plus = self._oriented(pot[system.word_index] - pot[system.bit_index])
        return on_plus, self.cell_voltage_fraction - on_plus


def mirrored_solution(solution: IRDropSolution) -> IRDropSolution:
    """The IR-drop solution of the mirrored array (G[::-1, ::-1]ᵀ: rows are the bit lines, driven from
    the sense end) from the array's own, by reciprocity and superposition (see the module docstring)."""
    def flip(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a[::-1, ::-1].T)

    return IRDropSolution(flip(solution.conductance_S), solution.wires.mirrored(),
                          flip(solution.effective_conductance_S), flip(solution.cell_voltage_fraction))


def forward_tiles(grid: list[list[Tile]], solutions: list[IRDropSolution | None], differential: bool
                  ) -> list[list[OrientedTile]]:
    """The tiles as the forward read sees them, ``[row block][column block]`` (blocks share driven rows)."""
    n_cols = len(grid[0])
    return [[OrientedTile(r * n_cols + c, t.row_start, t.row_stop, t.conductance_S,
                          1 if differential else None, solutions[r * n_cols + c], False)
             for c, t in enumerate(row)] for r, row in enumerate(grid)]


def reverse_tiles(grid: list[list[Tile]], solutions: list[IRDropSolution | None], differential: bool
                  ) -> list[list[OrientedTile]]:
    """The tiles as the reverse read sees them, ``[column block][row block]`` (blocks share driven lines)."""
    n_cols = len(grid[0])

    def view(r: int, c: int) -> OrientedTile:
        t, s = grid[r][c], solutions[r * n_cols + c]
        return OrientedTile(r * n_cols + c, t.out_start, t.out_stop, t.conductance_S.T,
                            0 if differential else None, None if s is None else mirrored_solution(s), True)

    return [[view(r, c) for r in range(len(grid))] for c in range(n_cols)]
