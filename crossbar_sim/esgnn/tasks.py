"""ESGNN tasks: graph classification (MUTAG, COLLAB) and node classification (Cora) with their protocols.

A task embeds the whole dataset once per set of arrays (the reservoir is fixed, so every split reuses the
same embeddings, exactly as hardware would embed each graph once), then fits one ridge readout per split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.esgnn.matrices import MatrixOperator
from crossbar_sim.esgnn.readout import RidgeReadout, select_ridge
from crossbar_sim.esgnn.reservoir import ReservoirConfig, graph_embeddings, reservoir_states, with_bias
from device_models.errors import ParameterError, check_int, check_nonnegative

Protocol = Literal["paper_folds", "stratified_kfold", "complete", "public"]


@dataclass(frozen=True)
class ReadoutConfig:
    """Ridge readout: a fixed ``ridge`` or, when ``ridge_candidates`` is set, the best on validation data.

    Graph tasks select on an inner split of each training fold (the paper's nested splits for MUTAG);
    node tasks select on the dataset's validation nodes.

    Attributes:
        ridge: L2 penalty λ of the closed-form ridge readout (used when ``ridge_candidates`` is empty).
        ridge_candidates: λ values to choose from on validation data; empty uses ``ridge``.
        standardize: scale each embedding feature to zero mean and unit variance on the training items.
        readout_hops: node tasks: the readout sees Â^hops·ReLU(H) (Â with self-loops, symmetric
            normalisation); 0 reads H itself.
    """

    ridge: float = 1e-3
    ridge_candidates: tuple[float, ...] = ()
    standardize: bool = False
    readout_hops: int = 1

    def __post_init__(self) -> None:
        check_nonnegative("ridge", self.ridge)
        for value in self.ridge_candidates:
            check_nonnegative("ridge_candidates", value)
        check_int("readout_hops", self.readout_hops, minimum=0)


@dataclass(frozen=True)
class Split:
    """Index arrays of one split.

    ``val`` (optional) holds validation indices used only to select the ridge value: selection fits on
    ``train`` minus ``val`` and scores on ``val``; the final fit uses all of ``train`` (for node tasks
    ``val`` is disjoint from ``train``).
    """

    train: np.ndarray
    test: np.ndarray
    val: np.ndarray | None = None


@dataclass
class TaskResult:
    """Accuracies of one set of arrays over all splits of a protocol."""

    split_accuracies: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.split_accuracies))


def _fit_and_score(
    embeddings: np.ndarray, labels: np.ndarray, split: Split, num_classes: int, readout: ReadoutConfig
) -> float:
    ridge = readout.ridge
    if readout.ridge_candidates and split.val is not None:
        fit_on = np.setdiff1d(split.train, split.val)
        ridge = select_ridge(
            embeddings[fit_on], labels[fit_on], embeddings[split.val], labels[split.val],
            num_classes, readout.ridge_candidates, readout.standardize,
        )
    model = RidgeReadout(ridge, readout.standardize)
    model.fit(embeddings[split.train], labels[split.train], num_classes)
    return float(np.mean(model.predict(embeddings[split.test]) == labels[split.test]))


def evaluate_splits(
    embeddings: np.ndarray,
    labels: np.ndarray,
    splits: Sequence[Split],
    num_classes: int,
    readout: ReadoutConfig,
) -> TaskResult:
    """Fit a readout per split and return the test accuracies (the readout runs on the host)."""
    return TaskResult([_fit_and_score(embeddings, labels, s, num_classes, readout) for s in splits])


def graph_states_and_embeddings(
    dataset, w_in: MatrixOperator, w_rec: MatrixOperator, config: ReservoirConfig,
    ledger: EventLedger | None = None,
) -> np.ndarray:
    """Embeddings (graphs, features) of every graph of a GraphDataset through the given matrices."""
    inputs = with_bias(dataset.node_features, config.input_bias)
    aggregation = sp.csr_matrix(dataset.adjacency.T)
    states = reservoir_states(inputs, aggregation, w_in, w_rec, config, ledger)
    return graph_embeddings(states, dataset.graph_ptr, config)


def normalized_adjacency(adjacency: sp.spmatrix, self_loops: bool) -> sp.csr_matrix:
    """D^−½ (A [+ I]) D^−½; isolated nodes keep a zero row (no self-loop) or their self-loop."""
    a = sp.csr_matrix(adjacency, dtype=np.float64)
    if self_loops:
        a = a + sp.identity(a.shape[0], format="csr")
    degree = np.asarray(a.sum(axis=1)).ravel()
    inv_sqrt = np.zeros_like(degree)
    inv_sqrt[degree > 0] = degree[degree > 0] ** -0.5
    d = sp.diags(inv_sqrt)
    return sp.csr_matrix(d @ a @ d)


def node_features_for_readout(
    dataset, w_in: MatrixOperator, w_rec: MatrixOperator, config: ReservoirConfig, readout: ReadoutConfig,
    ledger: EventLedger | None = None,
) -> np.ndarray:
    """Readout features [Â_selfloop^hops · ReLU(H_T); 1] for every node of a NodeDataset.

    The reservoir aggregates with the symmetrically normalised adjacency without self-loops (the paper's
    node-classification reservoir); the readout propagates once more with self-loops, a closed-form
    stand-in for the paper's gradient-trained graph-convolution readout.
    """
    features = sp.csr_matrix(dataset.features, dtype=np.float64)
    row_sums = np.asarray(features.sum(axis=1)).ravel()
    row_sums[row_sums == 0] = 1.0
    normalised = np.asarray((sp.diags(1.0 / row_sums) @ features).todense())
    inputs = with_bias(normalised, config.input_bias)
    states = reservoir_states(
        inputs, normalized_adjacency(dataset.adjacency, self_loops=False), w_in, w_rec, config, ledger
    )
    hidden = np.maximum(states, 0.0)
    propagate = normalized_adjacency(dataset.adjacency, self_loops=True)
    for _ in range(readout.readout_hops):
        hidden = propagate @ hidden
    return np.hstack([hidden, np.ones((hidden.shape[0], 1))])


def graph_splits(dataset, protocol: Protocol, folds: int, rng: np.random.Generator, root=None) -> list[Split]:
    """The train/test splits of a graph-classification protocol."""
    from crossbar_sim.esgnn.datasets import load_paper_folds, stratified_kfold

    if protocol == "paper_folds":
        if dataset.name.upper() != "MUTAG":
            raise ParameterError("protocol", protocol, "'paper_folds' exists only for MUTAG")
        return [
            Split(train=np.asarray(fold["train"]), test=np.asarray(fold["test"]),
                  val=np.asarray(fold["nested_val"][0]) if fold.get("nested_val") else None)
            for fold in load_paper_folds(root)
        ]
    if protocol == "stratified_kfold":
        check_int("folds", folds, minimum=2)
        return [Split(train=np.asarray(tr), test=np.asarray(te))
                for tr, te in stratified_kfold(dataset.labels, folds, rng)]
    raise ParameterError("protocol", protocol, "graph datasets take 'paper_folds' or 'stratified_kfold'")


def node_split(dataset, protocol: Protocol) -> Split:
    """The split of a node-classification protocol ('complete' or 'public')."""
    if protocol not in ("complete", "public"):
        raise ParameterError("protocol", protocol, "node datasets take 'complete' or 'public'")
    parts = dataset.split(protocol)
    return Split(
        train=np.asarray(parts["train"]), test=np.asarray(parts["test"]), val=np.asarray(parts["val"])
    )
