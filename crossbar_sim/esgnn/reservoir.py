"""Graph echo state network (Wang et al., Nat. Mach. Intell. 5, 104 (2023)) on batched graphs.

Node states are kept node-major, H with shape (nodes, units), for all graphs of a dataset at once:
every time step pushes every node through the arrays as one batch, and neighbour aggregation is one
sparse product with the block-diagonal adjacency. In the paper's column notation the update is

    X_t = (1 − a)·X_{t−1} + a·tanh(W_I·[U; 1] + (W_H·X_{t−1})·A),

so node j receives (W_H·x_i) from every i with A[i, j] = 1; here that is Z = Aᵀ·(H·W_Hᵀ).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.esgnn.matrices import MatrixOperator
from device_models.errors import ParameterError, check_choice, check_fraction, check_int, check_nonnegative

Pooling = Literal["sum", "mean", "max"]
BiasInput = Literal["digital", "in_vector"]
ReadoutSteps = Literal["last", "all"]

# Digital operations per node and unit of one state update: input quantisation (min, max, scale),
# the leaky mix, adding P_in and the tanh.
_STEP_OPS = (("compare", 2), ("mul", 2), ("add", 1), ("activation", 1), ("mac", 1))


@dataclass(frozen=True)
class ReservoirConfig:
    """Echo state network settings (defaults: the paper's MUTAG settings).

    The constant input b (the bias row of W_I) is applied in one of two ways (``bias_input``):

    - ``digital`` (default): during a vector's read pulses the bias row carries the vector's smallest
      feature value, which the bit-serial encoder maps to code 0, so the row is never pulsed and the
      constant does not set the vector's min–max scale; (b − x_min)·W_I[:, bias] is then added
      digitally from the programmed conductances, exactly as the encoder's own offset correction adds
      x_min·Σ_i W_I[:, i] from them. The hardware needs nothing it does not already store: one more
      column constant per output next to the row sums. Without it a constant of 1 next to features of
      ≈ 1/32 (row-normalised bag of words) leaves every word below half a 4-bit step.
    - ``in_vector``: the bias is one more entry of each input vector (the paper's encoding) and takes
      part in its min–max scaling.

    Attributes:
        units: reservoir size (rows of W_H and of W_I).
        iterations: number of state updates T.
        leak_rate: a in the leaky update.
        poolings: graph readout pooling(s); several are concatenated.
        input_bias: amplitude of the constant input b of every node (the bias row of W_I).
        bias_input: how the constant input reaches the arrays: ``digital`` (its row idle, its
            contribution added from the programmed conductances) or ``in_vector`` (one more entry of
            each input vector, inside its min–max scaling).
        readout_steps: the node states the readout sees: the ``last`` update's (the paper's) or those
            of ``all`` T updates side by side (the same array reads, T times the host features).
    """

    units: int = 50
    iterations: int = 4
    leak_rate: float = 0.2
    poolings: tuple[Pooling, ...] = ("sum",)
    input_bias: float = 1.0
    bias_input: BiasInput = "digital"
    readout_steps: ReadoutSteps = "last"

    def __post_init__(self) -> None:
        check_int("units", self.units, minimum=1)
        check_int("iterations", self.iterations, minimum=0)
        check_fraction("leak_rate", self.leak_rate)
        check_nonnegative("input_bias", self.input_bias)
        check_choice("bias_input", self.bias_input, ("digital", "in_vector"))
        check_choice("readout_steps", self.readout_steps, ("last", "all"))
        if self.readout_steps == "all" and self.iterations == 0:
            raise ParameterError("readout_steps", self.readout_steps, "'all' needs iterations >= 1")
        if not self.poolings:
            raise ParameterError("poolings", self.poolings, "needs at least one of 'sum', 'mean', 'max'")
        for p in self.poolings:
            if p not in ("sum", "mean", "max"):
                raise ParameterError("poolings", self.poolings, "each entry must be 'sum', 'mean' or 'max'")


def _phase(ledger: EventLedger | None, name: str) -> contextlib.AbstractContextManager:
    return ledger.phase(name) if ledger is not None else contextlib.nullcontext()


def project_inputs(features: np.ndarray, w_in: MatrixOperator, config: ReservoirConfig,
                   ledger: EventLedger | None = None) -> np.ndarray:
    """P_in = W_I·[U; b] for node inputs ``features`` (nodes, D), as (nodes, units); see ``bias_input``."""
    nodes = features.shape[0]
    if config.bias_input == "in_vector":
        idle = np.full(nodes, config.input_bias)
    else:
        idle = features.min(axis=1) if features.shape[1] else np.zeros(nodes)
    inputs = np.hstack([features, idle[:, None]])
    projected = w_in.matmul(np.ascontiguousarray(inputs.T)).T
    if ledger is not None:
        ledger.add_digital("compare", 2 * inputs.size)
        ledger.add_digital("mul", inputs.size)
    if config.bias_input == "digital":
        projected += np.outer(config.input_bias - idle, w_in.weights[:, -1])
        if ledger is not None:
            ledger.add_digital("mac", projected.size)
    return projected


def reservoir_steps(
    inputs: np.ndarray,
    aggregation: sp.csr_matrix,
    w_in: MatrixOperator,
    w_rec: MatrixOperator,
    config: ReservoirConfig,
    ledger: EventLedger | None = None,
) -> Iterator[np.ndarray]:
    """The node states H_t (nodes, units) after each of the ``config.iterations`` leaky updates.

    ``inputs`` (nodes, D) are the node features without the bias (W_I has D + 1 columns, the last for
    the bias); ``aggregation`` is the sparse (nodes, nodes) operator applied to W_H·H (Aᵀ for graph
    classification, the normalised adjacency for node tasks).

    Digital work is recorded with the same per-element counts as the analytic workload ledger
    (:func:`crossbar_sim.energy.workload.esgnn_ledger`): per input vector 2 compares (min, max) and one
    scaling multiply per row, and with a ``digital`` bias one mac per unit; per node, unit and step one
    add, one activation, two muls and one mac; aggregation one add per unit per non-zero of a 0/1
    operator (one mac for a weighted one).
    """
    a = config.leak_rate
    nodes, units = inputs.shape[0], config.units
    with _phase(ledger, "input_projection"):
        projected = project_inputs(inputs, w_in, config, ledger)
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
        yield states


def reservoir_states(
    inputs: np.ndarray,
    aggregation: sp.csr_matrix,
    w_in: MatrixOperator,
    w_rec: MatrixOperator,
    config: ReservoirConfig,
    ledger: EventLedger | None = None,
) -> np.ndarray:
    """The states the readout sees: H_T (nodes, units), or every H_t side by side (nodes, units × T)
    with ``readout_steps: all`` (see :func:`reservoir_steps`; X_0 = 0 when there are no updates)."""
    return np.hstack(_read_out(reservoir_steps(inputs, aggregation, w_in, w_rec, config, ledger),
                               np.zeros((inputs.shape[0], config.units)), config, lambda s: s))


def _read_out(steps: Iterator[np.ndarray], initial: np.ndarray, config: ReservoirConfig,
              transform: Callable[[np.ndarray], np.ndarray]) -> list[np.ndarray]:
    """``transform`` of the states the readout sees: of every update's (``readout_steps: all``) as they
    come, else of the last (``initial`` when there are no updates)."""
    states, kept = initial, []
    for states in steps:
        if config.readout_steps == "all":
            kept.append(transform(states))
    return kept or [transform(states)]


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


def graph_embeddings(inputs: np.ndarray, aggregation: sp.csr_matrix, w_in: MatrixOperator,
                     w_rec: MatrixOperator, graph_ptr: np.ndarray, config: ReservoirConfig,
                     ledger: EventLedger | None = None) -> np.ndarray:
    """Embedding e = [ReLU(pooled states); 1] per graph: (graphs, units × poolings [× T] + 1).

    With ``readout_steps: all`` each update's states are pooled as they come (nothing of size
    nodes × units × T is kept). Pooling and the readout run on the host; their energy is the workload's
    shared host term (:mod:`crossbar_sim.energy.gpu`), charged equally to both systems as in the paper.
    """
    pooled = _read_out(reservoir_steps(inputs, aggregation, w_in, w_rec, config, ledger),
                       np.zeros((inputs.shape[0], config.units)), config,
                       lambda s: pool_graphs(s, graph_ptr, config.poolings))
    features = np.maximum(np.hstack(pooled), 0.0)
    return np.hstack([features, np.ones((features.shape[0], 1))])
