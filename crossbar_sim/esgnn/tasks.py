"""ESGNN tasks: graph classification (TU datasets) and node classification (Planetoid) with their protocols.

Every protocol yields :class:`Split` objects with an inner validation set: the readout's penalty (and,
in :mod:`crossbar_sim.study.tune`, every other choice) is picked on ``val`` after fitting on ``fit``,
then the readout is refitted on ``train`` and scored once on ``test``. Test items are never used before
that last step. Graph protocols draw a stratified validation subset of each training fold (the paper's
first nested split for MUTAG's ``paper_folds``); node protocols use the dataset's validation nodes.

A task embeds the whole dataset once per set of arrays and read time (the reservoir is fixed, so every
split reuses the same embeddings, exactly as hardware would embed each graph once), unless the node inputs
depend on the split: continuous node attributes standardised on each split's training items are embedded
per split. The readout may be fitted on embeddings read at one time and scored on the test items read at
another (``test_features``: drift between training and inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.common.seeding import stream
from crossbar_sim.esgnn.matrices import MatrixOperator
from crossbar_sim.esgnn.readout import (
    READOUT_KINDS,
    ReadoutKind,
    readout_path,
    select_penalty,
    validation_accuracies,
)
from crossbar_sim.esgnn.reservoir import ReservoirConfig, graph_embeddings, reservoir_states
from device_models.errors import ParameterError, check_choice, check_int, check_nonnegative

Protocol = Literal["paper_folds", "stratified_kfold", "folds_file", "complete", "public", "random"]
GRAPH_PROTOCOLS = ("paper_folds", "stratified_kfold", "folds_file")
NODE_PROTOCOLS = ("complete", "public", "random")
Attributes = Literal["standardize", "raw", "drop"]


@dataclass(frozen=True)
class ReadoutConfig:
    """The trained readout: ridge regression or multinomial logistic regression on the embeddings.

    The penalty is ``ridge``, or, when ``ridge_candidates`` is set, the candidate with the best accuracy
    on each split's validation items (fitted on the split's fitting items; the test items are not seen).

    Attributes:
        kind: ``ridge`` (closed form, the paper's) or ``logistic`` (multinomial, L2, fitted with L-BFGS).
        ridge: L2 penalty λ of the readout (used when ``ridge_candidates`` is empty).
        ridge_candidates: λ values to choose from on each split's validation items; empty uses ``ridge``.
        standardize: scale each embedding feature to zero mean and unit variance on the fitting items.
        readout_hops: node tasks: the readout sees Â^hops·ReLU(H) (Â with self-loops, symmetric
            normalisation); 0 reads H itself.
    """

    kind: ReadoutKind = "ridge"
    ridge: float = 1e-3
    ridge_candidates: tuple[float, ...] = ()
    standardize: bool = False
    readout_hops: int = 1

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, READOUT_KINDS)
        check_nonnegative("ridge", self.ridge)
        for value in self.ridge_candidates:
            check_nonnegative("ridge_candidates", value)
        check_int("readout_hops", self.readout_hops, minimum=0)

    @property
    def penalties(self) -> tuple[float, ...]:
        """The penalties to choose from (one: nothing to choose)."""
        return tuple(self.ridge_candidates) or (self.ridge,)


@dataclass(frozen=True)
class Split:
    """Index arrays of one split.

    Selection fits on ``fit`` and scores on ``val``; the final readout is fitted on ``train`` and scored
    on ``test``. Graph protocols hold ``val`` inside ``train`` (``fit`` = ``train`` minus ``val``); node
    protocols keep the validation nodes apart (``fit`` = ``train``).
    """

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    @property
    def fit(self) -> np.ndarray:
        return np.setdiff1d(self.train, self.val, assume_unique=True)


@dataclass(frozen=True)
class SplitScore:
    """One split's test accuracy and the penalty chosen on its validation items."""

    accuracy: float
    penalty: float


def score_split(features: np.ndarray, labels: np.ndarray, split: Split, num_classes: int,
                readout: ReadoutConfig, test_features: np.ndarray | None = None) -> SplitScore:
    """Choose the penalty on ``split.val`` (if there is a choice), refit on ``train``, score ``test``.

    Selection and fit use ``features`` (read at training time); ``test`` is scored on ``test_features``
    (the same items read at inference time; default ``features``).
    """
    test_features = features if test_features is None else test_features
    penalties = readout.penalties
    penalty = penalties[0]
    if len(penalties) > 1:
        path = readout_path(readout.kind, features[split.fit], labels[split.fit], num_classes,
                            readout.standardize)
        accuracies = validation_accuracies(path, features[split.val], labels[split.val], penalties)
        penalty = select_penalty(accuracies, penalties)
    final = readout_path(readout.kind, features[split.train], labels[split.train], num_classes,
                         readout.standardize)
    predicted = np.argmax(final.decisions(test_features[split.test], [penalty])[0], axis=1)
    return SplitScore(float(np.mean(predicted == labels[split.test])), penalty)


def evaluate_splits(features: np.ndarray, labels: np.ndarray, splits: Sequence[Split], num_classes: int,
                    readout: ReadoutConfig, test_features: np.ndarray | None = None) -> list[float]:
    """Test accuracy of every split (the readout runs on the host; see :func:`score_split`)."""
    return [score_split(features, labels, s, num_classes, readout, test_features).accuracy for s in splits]


# ----------------------------------------------------------------------------------------- node inputs
def continuous_columns(features: np.ndarray) -> np.ndarray:
    """Boolean mask of the feature columns that are continuous attributes (anything but 0/1 indicators).

    One-hot node labels (and the constant column of a dataset without node features) hold only 0 and 1
    and are left as they are; a column with any other value is a continuous attribute.
    """
    return ~np.all((features == 0.0) | (features == 1.0), axis=0)


def inputs_depend_on_split(dataset, attributes: Attributes) -> bool:
    """Whether the reservoir inputs are computed per split (attributes standardised on training items)."""
    return (attributes == "standardize" and not is_node_dataset(dataset)
            and bool(continuous_columns(dataset.node_features).any()))


def is_node_dataset(dataset) -> bool:
    """Node classification datasets carry one graph with per-node labels and named splits."""
    return hasattr(dataset, "split") and not hasattr(dataset, "graph_ptr")


def graph_node_inputs(dataset, attributes: Attributes, train_graphs: np.ndarray | None) -> np.ndarray:
    """(nodes, D) reservoir inputs of a GraphDataset, the bias not included.

    Indicator columns (one-hot labels) pass unchanged; continuous attributes are ``raw`` (as stored),
    dropped, or standardised with the mean and standard deviation over the nodes of ``train_graphs``
    (a constant attribute is only centred). A dataset left without columns gets a constant input.
    """
    features = dataset.node_features
    continuous = continuous_columns(features)
    if attributes == "raw" or not continuous.any():
        return features
    if attributes == "drop":
        kept = features[:, ~continuous]
        return kept if kept.shape[1] else np.ones((features.shape[0], 1))
    if train_graphs is None:
        raise ParameterError("train_graphs", None, "standardised attributes need the training graphs")
    ptr = dataset.graph_ptr
    nodes = np.concatenate([np.arange(ptr[g], ptr[g + 1]) for g in np.asarray(train_graphs)])
    values = features[nodes][:, continuous]
    std = values.std(axis=0)
    out = features.copy()
    out[:, continuous] = (features[:, continuous] - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return out


def row_normalised_features(dataset) -> np.ndarray:
    """(nodes, D) bag-of-words rows of a NodeDataset scaled to sum 1 (all-zero rows stay zero)."""
    features = sp.csr_matrix(dataset.features, dtype=np.float64)
    row_sums = np.asarray(features.sum(axis=1)).ravel()
    row_sums[row_sums == 0] = 1.0
    return np.asarray((sp.diags(1.0 / row_sums) @ features).todense())


# ------------------------------------------------------------------------------------------ embeddings
def graph_states_and_embeddings(
    dataset, w_in: MatrixOperator, w_rec: MatrixOperator, config: ReservoirConfig,
    ledger: EventLedger | None = None, inputs: np.ndarray | None = None,
) -> np.ndarray:
    """Embeddings (graphs, features) of every graph of a GraphDataset through the given matrices.

    ``inputs`` (nodes, D) are the node inputs without the bias (default: the stored node features).
    """
    features = dataset.node_features if inputs is None else inputs
    return graph_embeddings(features, sp.csr_matrix(dataset.adjacency.T), w_in, w_rec, dataset.graph_ptr,
                            config, ledger)


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
    node-classification reservoir) on row-normalised features; the readout propagates once more with
    self-loops, a closed-form stand-in for the paper's gradient-trained graph-convolution readout.
    """
    states = reservoir_states(row_normalised_features(dataset),
                              normalized_adjacency(dataset.adjacency, self_loops=False), w_in, w_rec, config,
                              ledger)
    hidden = np.maximum(states, 0.0)
    propagate = normalized_adjacency(dataset.adjacency, self_loops=True)
    for _ in range(readout.readout_hops):
        hidden = propagate @ hidden
    return np.hstack([hidden, np.ones((hidden.shape[0], 1))])


# -------------------------------------------------------------------------------------------- protocols
@dataclass(frozen=True)
class SplitPlan:
    """How to split a dataset: the protocol and its settings (documented in
    :class:`crossbar_sim.esgnn.runner.WorkloadConfig`, which extends it)."""

    protocol: Protocol = "paper_folds"
    folds: int = 10
    folds_file: str | None = None
    validation_fraction: float = 0.1
    train_per_class: int = 20
    val_size: int = 500
    test_size: int = 1000


def _with_validation(labels: np.ndarray, pairs: Sequence[tuple[np.ndarray, np.ndarray]], fraction: float,
                     seed: int) -> list[Split]:
    """Splits of (train, test) pairs, each with a stratified validation subset of its training items."""
    from crossbar_sim.esgnn.datasets.splits import stratified_subset

    return [Split(train=np.sort(train), val=stratified_subset(labels, train, fraction,
                                                               stream(seed, "validation", k)),
                  test=np.sort(test))
            for k, (train, test) in enumerate(pairs)]


def graph_splits(dataset, plan: SplitPlan, seed: int, root=None) -> list[Split]:
    """The splits of a graph-classification protocol, each with its inner validation subset.

    Stratified folds come from the stream ``(seed, "splits")`` and each fold's validation subset from
    ``(seed, "validation", fold)``, so they are fixed for an experiment seed and shared by its repeats.
    """
    from crossbar_sim.esgnn.datasets import load_folds_file, load_paper_folds, stratified_kfold

    if plan.protocol == "paper_folds":
        if dataset.name.upper() != "MUTAG":
            raise ParameterError("protocol", plan.protocol, "'paper_folds' exists only for MUTAG")
        return [Split(train=np.sort(fold["train"]), val=np.sort(fold["nested_val"][0]), test=fold["test"])
                for fold in load_paper_folds(root)]
    if plan.protocol == "stratified_kfold":
        check_int("folds", plan.folds, minimum=2)
        pairs = stratified_kfold(dataset.labels, plan.folds, stream(seed, "splits"))
    elif plan.protocol == "folds_file":
        if plan.folds_file is None:
            raise ParameterError("folds_file", None, "protocol 'folds_file' needs workload.folds_file")
        pairs = load_folds_file(dataset.name, plan.folds_file, dataset.num_graphs, root)
    else:
        raise ParameterError("protocol", plan.protocol, f"graph datasets take {', '.join(GRAPH_PROTOCOLS)}")
    return _with_validation(dataset.labels, pairs, plan.validation_fraction, seed)


def node_splits(dataset, plan: SplitPlan, seed: int) -> list[Split]:
    """The split(s) of a node-classification protocol; unlabelled nodes are in none of them.

    ``complete`` and ``public`` are the dataset's fixed splits; ``random`` draws ``folds`` splits of
    ``train_per_class`` training nodes per class, ``val_size`` validation and ``test_size`` test nodes
    from the stream ``(seed, "splits", k)``.
    """
    from crossbar_sim.esgnn.datasets.splits import random_node_split

    if plan.protocol in ("complete", "public"):
        parts = [dataset.split(plan.protocol)]
    elif plan.protocol == "random":
        parts = [random_node_split(dataset.labels, plan.train_per_class, plan.val_size, plan.test_size,
                                   stream(seed, "splits", k)) for k in range(plan.folds)]
    else:
        raise ParameterError("protocol", plan.protocol, f"node datasets take {', '.join(NODE_PROTOCOLS)}")
    return [Split(train=np.asarray(p["train"]), val=np.asarray(p["val"]), test=np.asarray(p["test"]))
            for p in parts]
