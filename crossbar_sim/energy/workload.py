"""Analytic event ledger of ESGNN inference on resistive-memory arrays (no simulation needed).

Hardware schedule (the paper's, Wang et al. 2023): for every node, one read of W_I with the
``features (+ bias)`` input rows, then ``steps`` reads of W_H with ``units`` input rows. Each read is
bit-serial: ``input_bits`` binary pulses, and every sense node is converted once per pulse. Rows are
the matrix inputs, columns its outputs; a differential mapping uses two columns per logical output
(one sense node per pair when the pair is subtracted in the analogue domain, two when digitally), an
offset (single-ended) mapping one. A matrix larger than a tile is split into
``ceil(rows / tile_rows) × ceil(cols / tile_cols)`` tiles; the partial sums of its row tiles are
converted per tile and added digitally, or (``tile_accumulation="analog"``) summed on shared sense
nodes and converted once. With ``skip_zero_reads`` the reads of an all-zero input vector are skipped:
the first W_H read of every node (X_0 = 0) and the W_I read of every node in ``zero_input_nodes``.
Aggregation over A, tanh, the leaky update, the offset corrections and a digital bias are digital.
Pooling, host transfer and readout are host terms shared with the GPU baseline
(:mod:`crossbar_sim.energy.gpu`) and are not recorded here. The counts equal those of a simulated run
(:mod:`crossbar_sim.analog.events`) except the row pulses and Σ V·I, which follow the actual bits and
conductances there and the averages ``input_active_rows`` / ``active_row_fraction`` and
``mean_cell_conductance_S`` here.
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
    ``digital_bias``: the bias row of W_I stays idle and its contribution is added digitally (one mac per
    unit and node), as ``ReservoirConfig.bias_input = "digital"``; ``input_active_rows`` is the mean
    number of W_I rows pulsed per bit plane (None: ``HardwareMapping.active_row_fraction`` of the rows);
    ``zero_input_nodes`` the nodes whose input vector is constant, so encodes to all-zero planes.
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
    digital_bias: bool = True
    input_active_rows: float | None = None
    zero_input_nodes: int = 0

    def __post_init__(self) -> None:
        if len(self.nodes_per_graph) == 0:
            raise ParameterError("nodes_per_graph", self.nodes_per_graph, "must hold at least one count")
        for n in self.nodes_per_graph:
            check_int("nodes_per_graph", n, minimum=1)
        for name in ("features", "units", "steps", "outputs"):
            check_int(name, getattr(self, name), minimum=1)
        check_int("adjacency_entries", self.adjacency_entries, minimum=0)
        check_int("train_items", self.train_items, minimum=0)
        check_int("zero_input_nodes", self.zero_input_nodes, minimum=0, maximum=self.nodes)
        if self.input_active_rows is not None and not 0 <= self.input_active_rows <= self.input_rows:
            raise ParameterError("input_active_rows", self.input_active_rows,
                                 f"must lie in [0, {self.input_rows}] (the rows of W_I)")

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
    """How the matrices sit on arrays and how they are read (the analytic twin of ``HardwareConfig``).

    ``active_row_fraction`` is the expected fraction of W_H rows pulsed per bit plane (0.5 for uniform
    bits); ``mean_cell_conductance_S`` the mean conductance of a cell (formed and unformed), used for
    Σ V·I = V_read² · Σ G over the cells of pulsed rows. ``pair_subtraction``, ``tile_accumulation``,
    ``columns_per_adc`` and ``skip_zero_reads`` are as in ``MappingConfig`` and ``ADCConfig``.
    """

    input_bits: int = 4
    adc_bits: int = 8
    tile_rows: int = 512
    tile_cols: int = 512
    mapping: str = "offset"
    pair_subtraction: str = "analog"
    read_voltage_V: float = 0.2
    mean_cell_conductance_S: float = 6.2e-6
    active_row_fraction: float = 0.5
    tile_accumulation: str = "digital"
    columns_per_adc: int = 1
    skip_zero_reads: bool = True

    def __post_init__(self) -> None:
        check_int("input_bits", self.input_bits, minimum=1, maximum=16)
        check_int("adc_bits", self.adc_bits, minimum=0, maximum=24)
        check_int("tile_rows", self.tile_rows, minimum=1)
        check_int("tile_cols", self.tile_cols, minimum=2)
        check_choice("mapping", self.mapping, ("offset", "differential"))
        check_choice("pair_subtraction", self.pair_subtraction, ("analog", "digital"))
        check_positive("read_voltage_V", self.read_voltage_V)
        check_nonnegative("mean_cell_conductance_S", self.mean_cell_conductance_S)
        check_fraction("active_row_fraction", self.active_row_fraction)
        check_choice("tile_accumulation", self.tile_accumulation, ("digital", "analog"))
        check_int("columns_per_adc", self.columns_per_adc, minimum=1)

    @property
    def columns_per_output(self) -> int:
        """Physical columns per logical output: 2 for differential pairs, 1 for offset columns."""
        return 2 if self.mapping == "differential" else 1

    @property
    def digital_pairs(self) -> bool:
        """Each column of a pair has its own sense node (the pair is subtracted after the ADC)."""
        return self.mapping == "differential" and self.pair_subtraction == "digital"


def matrix_read_events(array: str, phase: str, rows: int, outputs: int, vectors: int, hw: HardwareMapping,
                       zero_vectors: int = 0, active_rows: float | None = None) -> AnalogReadEvents:
    """Events of ``vectors`` bit-serial reads of a ``rows``-input, ``outputs``-output matrix, of which
    ``zero_vectors`` are all-zero; ``active_rows`` rows pulse per plane (None: the hardware's fraction)."""
    per = hw.columns_per_output
    cols = outputs * per
    row_tiles, col_tiles = math.ceil(rows / hw.tile_rows), math.ceil(cols / hw.tile_cols)
    stacked = row_tiles if hw.tile_accumulation == "analog" else 1
    blocks = row_tiles // stacked  # sets of sense nodes, each converting every output
    performed = vectors - zero_vectors if hw.skip_zero_reads else vectors
    cycles = performed * hw.input_bits
    pulsed = rows * hw.active_row_fraction if active_rows is None else active_rows
    logical_pulses = round(cycles * pulsed)
    cell_reads = logical_pulses * cols
    channels = outputs * (2 if hw.digital_pairs else 1)  # sense nodes per block
    widths = [min(hw.tile_cols, cols - c) for c in range(0, cols, hw.tile_cols)]  # columns per column tile
    nodes_per_tile = [w if hw.digital_pairs or per == 1 else w // 2 for w in widths]
    adcs = blocks * sum(-(-n // hw.columns_per_adc) for n in nodes_per_tile)
    post = vectors * outputs * ((blocks - 1) + (blocks if hw.digital_pairs else 0) + 1)
    return AnalogReadEvents(
        array=array, phase=phase,
        geometry=TileGeometry(row_tiles * col_tiles, min(rows, hw.tile_rows), min(cols, hw.tile_cols),
                              stacked, hw.columns_per_adc),
        bit_planes=hw.input_bits, vectors=vectors, read_cycles=cycles,
        skipped_reads=(vectors - performed) * hw.input_bits, row_pulses=logical_pulses * col_tiles,
        dac_conversions=Counter(), cell_reads=cell_reads, driven_cells_V2=cell_reads * hw.read_voltage_V**2,
        cell_vi_W=cell_reads * hw.read_voltage_V**2 * hw.mean_cell_conductance_S,
        adc_conversions=Counter({hw.adc_bits: cycles * blocks * channels}),
        shift_adds=performed * blocks * channels * (hw.input_bits - 1), digital_adds=post,
        sense_nodes=blocks * channels, adcs=adcs,
    )


def esgnn_ledger(shape: EsgnnShape, hw: HardwareMapping, ledger: EventLedger | None = None) -> EventLedger:
    """Record the events of one inference pass over every node of ``shape`` into a ledger.

    Digital work per node and step: ``units`` adds (P_in + aggregated term), activations, and a
    leaky update x·(1−a) + a·f counted as one mul and one mac per unit. Aggregation: one add per
    unit per non-zero of A for raw 0/1 adjacency (graph task), one mac for the weighted normalised
    adjacency of a node task. Input quantisation per vector: 2 compares (min, max) and 1 mul per row;
    a digital bias one mac per unit and node. The first W_H read of every node sees X_0 = 0.
    """
    led = EventLedger() if ledger is None else ledger
    n, h, t = shape.nodes, shape.units, shape.steps
    with led.phase("input_projection"):
        led.add_analog(matrix_read_events("W_I", "input_projection", shape.input_rows, h, n, hw,
                                          shape.zero_input_nodes, shape.input_active_rows))
        led.add_digital("compare", 2 * shape.input_rows * n)
        led.add_digital("mul", shape.input_rows * n)
        if shape.digital_bias:
            led.add_digital("mac", h * n)
    with led.phase("recurrence"):
        led.add_analog(matrix_read_events("W_H", "recurrence", h, h, n * t, hw, n if t else 0))
        led.add_digital("compare", 2 * h * n * t)
        led.add_digital("mul", 2 * h * n * t)  # input scaling + leaky (1 − a)·x
        led.add_digital("add", h * n * t)
        led.add_digital("activation", h * n * t)
        led.add_digital("mac", h * n * t)
    with led.phase("aggregation"):
        led.add_digital("mac" if shape.node_task else "add", h * shape.adjacency_entries * t)
    return led
