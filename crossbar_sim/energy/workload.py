"""Analytic event ledger of ESGNN inference on resistive-memory arrays (no simulation needed).

Hardware schedule (the paper's, Wang et al. 2023): for every node, one read of W_I with the
``features (+ bias)`` input rows, then ``steps`` reads of W_H with ``units`` input rows. Each read is
bit-serial: ``input_bits`` binary pulses, and every physical column of every row tile is converted
once per pulse. Rows are the matrix inputs, columns its outputs; a differential mapping uses two
columns per logical output, an offset (single-ended) mapping one. A matrix larger than a tile is
split into ``ceil(rows / tile_rows) × ceil(cols / tile_cols)`` tiles whose partial sums are added
digitally. Aggregation over A, tanh, the leaky update (and, in the paper, the offset correction)
are digital. Pooling, host transfer and readout are host terms shared with the GPU baseline
(:mod:`crossbar_sim.energy.gpu`) and are not recorded here.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from crossbar_sim.analog.ledger import AnalogReadEvents, EventLedger, TileGeometry
from device_models.errors import (
    ParameterError,
    check_choice,
    check_fraction,
    check_int,
    check_nonnegative,
    check_positive,
)


@dataclass(frozen=True)
class EsgnnShape:
    """Size of an ESGNN workload: what both the analogue ledger and the GPU op counts depend on.

    ``nodes_per_graph`` holds one count per graph (graph task) or a single count (node task);
    ``adjacency_entries`` is the number of non-zeros of A over all graphs (directed entries).
    ``train_items`` is the number of graphs (or nodes) the ridge readout is fitted on.
    """

    name: str
    nodes_per_graph: tuple[int, ...]
    features: int
    units: int = 50
    steps: int = 4
    outputs: int = 1
    adjacency_entries: int = 0
    bias: bool = True
    node_task: bool = False
    train_items: int = 0

    def __post_init__(self) -> None:
        if len(self.nodes_per_graph) == 0:
            raise ParameterError("nodes_per_graph", self.nodes_per_graph, "must hold at least one count")
        for n in self.nodes_per_graph:
            check_int("nodes_per_graph", n, minimum=1)
        for name in ("features", "units", "steps", "outputs"):
            check_int(name, getattr(self, name), minimum=1)
        check_int("adjacency_entries", self.adjacency_entries, minimum=0)
        check_int("train_items", self.train_items, minimum=0)

    @property
    def nodes(self) -> int:
        """Total node count."""
        return sum(self.nodes_per_graph)

    @property
    def graphs(self) -> int:
        """Number of graphs (1 for a node task)."""
        return len(self.nodes_per_graph)

    @property
    def input_rows(self) -> int:
        """Rows of W_I: features plus one bias row if ``bias``."""
        return self.features + int(self.bias)

    @property
    def items(self) -> int:
        """Items classified: graphs (graph task) or nodes (node task)."""
        return self.nodes if self.node_task else self.graphs


@dataclass(frozen=True)
class HardwareMapping:
    """How the matrices sit on arrays and how they are read.

    ``active_row_fraction`` is the expected fraction of rows pulsed per bit plane (0.5 for uniform
    bits); ``mean_cell_conductance_S`` the mean conductance of a cell (formed and unformed), used for
    Σ V·I = V_read² · Σ G over the cells of pulsed rows.
    """

    input_bits: int = 4
    adc_bits: int = 8
    tile_rows: int = 512
    tile_cols: int = 512
    mapping: str = "offset"
    read_voltage_V: float = 0.2
    mean_cell_conductance_S: float = 6.2e-6
    active_row_fraction: float = 0.5

    def __post_init__(self) -> None:
        check_int("input_bits", self.input_bits, minimum=1, maximum=16)
        check_int("adc_bits", self.adc_bits, minimum=0, maximum=24)
        check_int("tile_rows", self.tile_rows, minimum=1)
        check_int("tile_cols", self.tile_cols, minimum=1)
        check_choice("mapping", self.mapping, ("offset", "differential"))
        check_positive("read_voltage_V", self.read_voltage_V)
        check_nonnegative("mean_cell_conductance_S", self.mean_cell_conductance_S)
        check_fraction("active_row_fraction", self.active_row_fraction)

    @property
    def columns_per_output(self) -> int:
        """Physical columns per logical output: 2 for differential pairs, 1 for offset columns."""
        return 2 if self.mapping == "differential" else 1


def matrix_read_events(array: str, phase: str, rows: int, outputs: int, vectors: int,
                       hw: HardwareMapping) -> AnalogReadEvents:
    """Events of ``vectors`` bit-serial reads of a ``rows``-input, ``outputs``-output matrix."""
    cols = outputs * hw.columns_per_output
    row_tiles, col_tiles = math.ceil(rows / hw.tile_rows), math.ceil(cols / hw.tile_cols)
    cycles = vectors * hw.input_bits
    row_pulses = round(cycles * rows * hw.active_row_fraction)
    cell_reads = row_pulses * cols
    conversions = cycles * row_tiles * cols
    post = vectors * (
        (row_tiles - 1) * cols  # partial sums across row tiles
        + outputs * (hw.columns_per_output - 1)  # differential subtraction
        + (outputs if hw.mapping == "offset" else 0)  # offset (min × row sum) added back
    )
    return AnalogReadEvents(
        array=array, phase=phase,
        geometry=TileGeometry(row_tiles * col_tiles, min(rows, hw.tile_rows), min(cols, hw.tile_cols)),
        bit_planes=hw.input_bits, vectors=vectors, read_cycles=cycles, row_pulses=row_pulses,
        dac_conversions=Counter(), cell_reads=cell_reads,
        cell_vi_W=cell_reads * hw.read_voltage_V**2 * hw.mean_cell_conductance_S,
        adc_conversions=Counter({hw.adc_bits: conversions}),
        shift_adds=vectors * row_tiles * cols * (hw.input_bits - 1), digital_adds=post,
    )


def esgnn_ledger(shape: EsgnnShape, hw: HardwareMapping, ledger: EventLedger | None = None) -> EventLedger:
    """Record the events of one inference pass over every node of ``shape`` into a ledger.

    Digital work per node and step: ``units`` adds (P_in + aggregated term), activations, and a
    leaky update x·(1−a) + a·f counted as one mul and one mac per unit. Aggregation: one add per
    unit per non-zero of A for raw 0/1 adjacency (graph task), one mac for the weighted normalised
    adjacency of a node task. Input quantisation per vector: 2 compares (min, max) and 1 mul per row.
    """
    led = EventLedger() if ledger is None else ledger
    n, h, t = shape.nodes, shape.units, shape.steps
    with led.phase("input_projection"):
        led.add_analog(matrix_read_events("W_I", "input_projection", shape.input_rows, h, n, hw))
        led.add_digital("compare", 2 * shape.input_rows * n)
        led.add_digital("mul", shape.input_rows * n)
    with led.phase("recurrence"):
        led.add_analog(matrix_read_events("W_H", "recurrence", h, h, n * t, hw))
        led.add_digital("compare", 2 * h * n * t)
        led.add_digital("mul", 2 * h * n * t)  # input scaling + leaky (1 − a)·x
        led.add_digital("add", h * n * t)
        led.add_digital("activation", h * n * t)
        led.add_digital("mac", h * n * t)
    with led.phase("aggregation"):
        led.add_digital("mac" if shape.node_task else "add", h * shape.adjacency_entries * t)
    return led
