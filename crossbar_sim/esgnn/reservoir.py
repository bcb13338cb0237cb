"""Graph echo state network (Wang et al., Nat. Mach. Intell. 5, 104 (2023)) on batched graphs.

Node states are kept node-major, H with shape (nodes, units), for all graphs of a dataset at once:
every time step pushes every node through the arrays as one batch, and neighbour aggregation is one
sparse product with the block-diagonal adjacency. In the paper's column notation the update is

    X_t = (1 − a)·X_{t−1} + a·tanh(W_I·[U; 1] + (W_H·X_{t−1})·A),

so node j receives (W_H·x_i) from every i with A[i, j] = 1; here that is Z = Aᵀ·(H·W_Hᵀ).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.esgnn.matrices import MatrixOperator
from device_models.errors import ParameterError, check_fraction, check_int, check_nonnegative

Pooling = Literal["sum", "mean", "max"]

# Digital operations per node and unit of one state update: input quantisation (min, max, scale),
# the leaky mix, adding P_in and the tanh.
_STEP_OPS = (("compare", 2), ("mul", 2), ("add", 1), ("activation", 1), ("mac", 1))


@dataclass(frozen=True)
class ReservoirConfig:
    """Echo state network settings (defaults: the paper's MUTAG settings).

    Attributes:
        units: reservoir size (rows of W_H and of W_I).
        iterations: number of state updates T.
        leak_rate: a in the leaky update.
        poolings: graph readout pooling(s); several are concatenated.
        input_bias: amplitude of the constant input appended to every node's features (the bias row of W_I).
    """

    units: int = 50
    iterations: int = 4
    leak_rate: float = 0.2
    poolings: tuple[Pooling, ...] = ("sum",)
    input_bias: float = 1.0

    def __post_init__(self) -> None:
        check_int("units", self.units, minimum=1)
        check_int("iterations", self.iterations, minimum=0)
        check_fraction("leak_rate", self.leak_rate)
        check_nonnegative("input_bias", self.input_bias)
        if not self.poolings:
            raise ParameterError("poolings", self.poolings, "needs at least one of 'sum', 'mean', 'max'")
        for p in self.poolings:
            if p not in ("sum", "mean", "max"):
                raise ParameterError("poolings", self.poolings, "each entry must be 'sum', 'mean' or 'max'")


def _phase(ledger: EventLedger | None, name: str) -> contextlib.AbstractContextManager:
    return ledger.phase(name) if ledger is not None else contextlib.nullcontext()


def with_bias(features: np.ndarray, bias: float) -> np.ndarray:
    """Append the constant bias input as a last column: (nodes, D) → (nodes, D + 1)."""
    return np.hstack([features, np.full((features.shape[0], 1), bias)])


def reservoir_states(
    inputs: np.ndarray,
    aggregation: sp.csr_matrix,
    w_in: MatrixOperator,
    w_rec: MatrixOperator,
    config: ReservoirConfig,
    ledger: EventLedger | None = None,
) -> np.ndarray:
    """Final node states H_T (nodes, units) after ``config.iterations`` leaky updates.

    ``inputs`` (nodes, D_in) already holds the bias column; ``aggregation`` is the sparse (nodes, nodes)
    operator applied to W_H·H (Aᵀ for graph classification, the normalised adjacency for node tasks).

    Digital work is recorded with the same per-element counts as the analytic workload ledger
    (:func:`crossbar_sim.energy.workload.esgnn_ledger`): per input vector 2 compares (min, max) and one
    scaling multiply per row; per node, unit and step one add, one activation, two muls and one mac;
    aggregation one add per unit per non-zero of a 0/1 operator (one mac for a weighted one).
    """
    a = config.leak_rate
    nodes, units = inputs.shape[0], config.units
    with _phase(ledger, "input_projection"):
        projected = w_in.matmul(np.ascontiguousarray(inputs.T)).T
        if ledger is not None:
            ledger.add_digital("compare", 2 * inputs.size)
            ledger.add_digital("mul", inputs.size)
    weighted = aggregation.nnz > 0 and not np.all(aggregation.data == 1.0)
    states = np.zeros((nodes, units))
    for _ in range(config.iterations):
        with _phase(ledger, "recurrence"):
            recurrent = w_rec.matmul(np.ascontiguousarray(states.T)).T
            if ledger is not None:
                for op, per_element in _STEP_OPS:
                    ledger.add_digital(op, per_element * nodes * units)
        with _phase(ledger, "aggregation"):
            recurrent = aggregation @ recurrent
            if ledger is not None:
                ledger.add_digital("mac" if weighted else "add", aggregation.nnz * units)
        states = (1.0 - a) * states + a * np.tanh(projected + recurrent)
    return states


def pool_graphs(states: np.ndarray, graph_ptr: np.ndarray, poolings: tuple[Pooling, ...]) -> np.ndarray:
    """Pool node states per graph: (nodes, units) → (graphs, units × len(poolings)); empty graphs give 0."""
    counts = np.diff(graph_ptr)
    starts = graph_ptr[:-1]
    nonempty = counts > 0
    out = []
    for pooling in poolings:
        pooled = np.zeros((counts.size, states.shape[1]))
        if states.shape[0]:
            if pooling == "max":
                pooled[nonempty] = np.maximum.reduceat(states, starts[nonempty], axis=0)
            else:
                pooled[nonempty] = np.add.reduceat(states, starts[nonempty], axis=0)
                if pooling == "mean":
                    pooled[nonempty] /= counts[nonempty, None]
        out.append(pooled)
    return np.hstack(out)


def graph_embeddings(states: np.ndarray, graph_ptr: np.ndarray, config: ReservoirConfig) -> np.ndarray:
    """Embedding e = [ReLU(pooled states); 1] per graph, shape (graphs, units × poolings + 1).

    Pooling and the readout run on the host; their energy is the workload's shared host term
    (:mod:`crossbar_sim.energy.gpu`), charged equally to both systems as in the paper.
    """
    pooled = np.maximum(pool_graphs(states, graph_ptr, config.poolings), 0.0)
    return np.hstack([pooled, np.ones((pooled.shape[0], 1))])
