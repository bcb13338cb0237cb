"""GPU baseline: operation counts of the equivalent digital ESGNN and their energy.

Conventions: 1 MAC = 2 ops; an (m×k)·(k×n) product costs 2·m·k·n ops; H = units, F = features,
b = 1 with a bias row, T = steps, N_g = nodes of graph g, N = Σ N_g, E = non-zeros of A, o = outputs,
I = items classified (graphs, or nodes for a node task). Energy = ops × ``GpuTechnology.energy_per_op_J``
and bytes × ``transfer_energy_per_byte_J``.

Aggregation (:data:`AGGREGATIONS`, stated in every report): ``"sparse"`` (default) runs it over the edge
list, as graph libraries do on a GPU (scatter-add or CSR SpMM): H·E adds per step for a 0/1 adjacency,
2·H·E for a weighted one, the same work the analogue system's digital side is charged; ``"dense"``
multiplies by each graph's N_g×N_g adjacency, 2·H·Σ N_g² per step, which grows with graph size
whatever the sparsity (how the paper's own counts come out: with dense aggregation these formulas give
its CORA reservoir count within 4 %, MUTAG 35 % below; its COLLAB count could not be recovered).

Against the paper's tables (Figs. 2g, 3g and the CORA text) these formulas give: pooling (MUTAG exact,
76.51 nJ at 0.4807 pJ/op), readout (MUTAG and COLLAB op counts exact), readout fit (MUTAG −1.2 %,
COLLAB −1.9 %, CORA +0.6 %).
"""

from __future__ import annotations

from dataclasses import dataclass

from crossbar_sim.energy.technology import GpuTechnology
from crossbar_sim.energy.workload import EsgnnShape
from device_models.errors import check_choice

AGGREGATIONS = ("sparse", "dense")


def aggregation_ops(shape: EsgnnShape, aggregation: str) -> int:
    """Ops of one aggregation step over all graphs (see the module docstring)."""
    check_choice("aggregation", aggregation, AGGREGATIONS)
    h = shape.units
    if aggregation == "dense":
        return 2 * h * sum(m * m for m in shape.nodes_per_graph)
    return (2 if shape.node_task else 1) * h * shape.adjacency_entries


def reservoir_ops(shape: EsgnnShape, aggregation: str = "sparse") -> int:
    """Forward reservoir ops: input projection 2·H·(F+b)·N + T·[recurrence 2·H²·N + aggregation
    + element-wise 5·H·N (add P_in, tanh, leaky: 2 mul + 1 add)]."""
    h, n, t = shape.units, shape.nodes, shape.steps
    per_step = 2 * h * h * n + aggregation_ops(shape, aggregation) + 5 * h * n
    return 2 * h * shape.input_rows * n + t * per_step


def pooling_ops(shape: EsgnnShape) -> int:
    """Sum pooling: H·Σ (N_g − 1) adds (zero for a node task)."""
    return 0 if shape.node_task else shape.units * (shape.nodes - shape.graphs)


def readout_ops(shape: EsgnnShape) -> int:
    """Linear readout inference: 2·H·o·I (the paper omits the bias row: MUTAG 18,800, COLLAB 60,000)."""
    return 2 * shape.units * shape.outputs * shape.items


def transfer_bytes(shape: EsgnnShape) -> int:
    """Host transfer: the float32 reservoir embeddings, 4·H·I bytes (one H-vector per item)."""
    return 4 * shape.units * shape.items


def readout_fit_ops(shape: EsgnnShape) -> int:
    """Closed-form ridge fit W = Y Eᵀ (E Eᵀ + λI)⁻¹ on n = ``train_items`` embeddings of d = H + 1:
    E Eᵀ 2·d²·n + Y Eᵀ 2·o·d·n + inverse d³ + product 2·o·d²."""
    d, n, o = shape.units + 1, shape.train_items, shape.outputs
    return 2 * d * d * n + 2 * o * d * n + d**3 + 2 * o * d * d


def trainable_backward_ops(shape: EsgnnShape, aggregation: str = "sparse") -> int:
    """Backward pass of the same network with W_I, W_H and the readout trained by gradient descent.

    Per matrix product, a weight gradient (same ops as forward) for trainable weights and an input
    gradient (same ops) wherever a gradient must flow: W_I weight grad 2·H·(F+b)·N; per step W_H
    weight and input grads 2·(2·H²·N), aggregation input grad (as its forward; A is fixed), element-wise
    derivatives 5·H·N; readout weight and input grads 2·(2·H·o·I); pooling H·N.
    """
    h, n, t = shape.units, shape.nodes, shape.steps
    per_step = 4 * h * h * n + aggregation_ops(shape, aggregation) + 5 * h * n
    return 2 * h * shape.input_rows * n + t * per_step + 2 * readout_ops(shape) + h * n


@dataclass(frozen=True)
class GpuEstimate:
    """GPU-side operation counts (ops), bytes and energies (J) of one workload; ``aggregation`` says how
    the adjacency products were counted (:data:`AGGREGATIONS`)."""

    aggregation: str
    reservoir_ops: float
    pooling_ops: float
    readout_ops: float
    transfer_bytes: float
    reservoir_J: float
    pooling_J: float
    transfer_J: float
    readout_J: float
    backward_trainable_ops: float
    backward_readout_fit_ops: float

    @property
    def shared_J(self) -> float:
        """Pooling + transfer + readout: the host terms charged to both systems, as in the paper."""
        return self.pooling_J + self.transfer_J + self.readout_J

    @property
    def total_J(self) -> float:
        """Reservoir + pooling + transfer + readout."""
        return self.reservoir_J + self.shared_J


def gpu_estimate(shape: EsgnnShape, tech: GpuTechnology, aggregation: str = "sparse") -> GpuEstimate:
    """Price ``shape`` on the GPU with ``aggregation`` (``"sparse"`` or ``"dense"``) adjacency products."""
    res = float(reservoir_ops(shape, aggregation))
    pool, read, nbytes = pooling_ops(shape), readout_ops(shape), transfer_bytes(shape)
    e = tech.energy_per_op_J
    return GpuEstimate(
        aggregation=aggregation, reservoir_ops=res, pooling_ops=pool, readout_ops=read, transfer_bytes=nbytes,
        reservoir_J=res * e, pooling_J=pool * e, transfer_J=nbytes * tech.transfer_energy_per_byte_J,
        readout_J=read * e, backward_trainable_ops=trainable_backward_ops(shape, aggregation),
        backward_readout_fit_ops=readout_fit_ops(shape),
    )
