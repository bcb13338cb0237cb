"""The in-memory dataset types: many small graphs (GraphDataset) and one large graph (NodeDataset)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from device_models.errors import ParameterError

#: Validation nodes after the labelled training nodes in the splits of Planetoid datasets.
PLANETOID_VAL_SIZE = 500
#: The label of a node without one (a Planetoid test-range id that ``test.index`` omits, or an all-zero
#: one-hot row): such nodes are in the graph but in no split, so they are never trained on or scored.
UNLABELLED = -1


def encode_labels(raw: Sequence | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class indices 0..K-1 of ``raw`` labels, and the raw value of each class (sorted)."""
    values, labels = np.unique(np.asarray(raw), return_inverse=True)
    return labels.astype(np.int64).ravel(), values


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + l) for s, l in zip(starts, lengths)])`` without a Python loop."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class GraphDataset:
    """Many small graphs stored as one block-diagonal adjacency (graph classification).

    ``edge_labels`` (if present) is aligned with the stored entries of ``adjacency``: entry ``k``
    (row ``r`` with ``indptr[r] <= k < indptr[r+1]``, column ``indices[k]``) has label ``edge_labels[k]``.
    """

    name: str
    adjacency: sp.csr_matrix
    node_features: np.ndarray
    graph_ptr: np.ndarray
    labels: np.ndarray
    label_values: np.ndarray
    node_labels: np.ndarray | None = None
    edge_labels: np.ndarray | None = None

    def __post_init__(self) -> None:
        ptr = self.graph_ptr
        n = self.adjacency.shape[0]
        if ptr.ndim != 1 or ptr.size < 1 or ptr[0] != 0 or ptr[-1] != n or np.any(np.diff(ptr) < 0):
            raise ParameterError("graph_ptr", ptr, f"must rise from 0 to the node count {n}")
        if self.adjacency.shape != (n, n) or self.node_features.shape[0] != n:
            raise ParameterError("node_features.shape", self.node_features.shape,
                                 f"must have {n} rows, one per adjacency row")
        if self.labels.shape != (ptr.size - 1,):
            raise ParameterError("labels.shape", self.labels.shape, f"must be ({ptr.size - 1},)")
        if self.labels.size and (self.labels.min() < 0 or self.labels.max() >= self.label_values.size):
            raise ParameterError("labels", self.labels, f"must lie in 0..{self.label_values.size - 1}")
        if self.edge_labels is not None and self.edge_labels.shape[0] != self.adjacency.nnz:
            raise ParameterError("edge_labels.shape", self.edge_labels.shape,
                                 f"must have {self.adjacency.nnz} rows, one per adjacency entry")

    @property
    def num_graphs(self) -> int:
        return int(self.graph_ptr.size - 1)

    @property
    def num_classes(self) -> int:
        return int(self.label_values.size)

    @property
    def num_nodes(self) -> int:
        return int(self.graph_ptr[-1])

    def _check_graph(self, g: int) -> int:
        if isinstance(g, bool) or not isinstance(g, (int, np.integer)) or not 0 <= g < self.num_graphs:
            raise ParameterError("graph", g, f"must be an integer in 0..{self.num_graphs - 1}")
        return int(g)

    def graph_adjacency(self, g: int) -> sp.csr_matrix:
        """The (n_g, n_g) adjacency of graph ``g``."""
        g = self._check_graph(g)
        lo, hi = int(self.graph_ptr[g]), int(self.graph_ptr[g + 1])
        return sp.csr_matrix(self.adjacency[lo:hi][:, lo:hi])

    def subset(self, indices: Sequence[int] | np.ndarray) -> GraphDataset:
        """The graphs ``indices`` in that order (repeats allowed: a repeated graph is copied)."""
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
            raise ParameterError("indices", indices, "must be a 1-D sequence of graph indices")
        idx = idx.astype(np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_graphs):
            raise ParameterError("indices", indices, f"must lie in 0..{self.num_graphs - 1}")
        ptr, a = self.graph_ptr, self.adjacency
        sizes = ptr[idx + 1] - ptr[idx]
        new_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        nodes = concat_ranges(ptr[idx], sizes)
        # Entries of a graph's rows are contiguous in CSR, and its columns stay inside the graph.
        entry_start, entry_stop = a.indptr[ptr[idx]], a.indptr[ptr[idx + 1]]
        entries = concat_ranges(entry_start, entry_stop - entry_start)
        row_counts = np.diff(a.indptr)[nodes]
        col_shift = np.repeat(new_ptr[:-1] - ptr[idx], entry_stop - entry_start)
        indptr = np.concatenate([[0], np.cumsum(row_counts)]).astype(a.indptr.dtype)
        indices_out = (a.indices[entries] + col_shift).astype(a.indices.dtype)
        n = int(new_ptr[-1])
        adjacency = sp.csr_matrix((a.data[entries], indices_out, indptr), shape=(n, n))
        return GraphDataset(
            name=self.name,
            adjacency=adjacency,
            node_features=self.node_features[nodes],
            graph_ptr=new_ptr,
            labels=self.labels[idx],
            label_values=self.label_values,
            node_labels=None if self.node_labels is None else self.node_labels[nodes],
            edge_labels=None if self.edge_labels is None else self.edge_labels[entries],
        )


@dataclass(frozen=True, eq=False)
class NodeDataset:
    """One graph whose nodes are classified (Planetoid layout).

    ``num_labelled`` is the number of labelled training nodes (rows of ``y``), ``num_non_test`` the
    number of rows of ``allx``, and ``test_index`` the sorted ids listed in ``test.index``. ``labels``
    holds a class index 0..K-1 per node, or ``UNLABELLED`` (-1) for a node without a label.
    """

    name: str
    adjacency: sp.csr_matrix
    features: sp.csr_matrix
    labels: np.ndarray
    test_index: np.ndarray
    num_labelled: int
    num_non_test: int

    @property
    def num_nodes(self) -> int:
        return int(self.labels.size)

    @property
    def num_classes(self) -> int:
        return int(self.labels.max()) + 1 if self.labels.size else 0

    @property
    def labelled(self) -> np.ndarray:
        """Boolean mask of the nodes that have a label (``labels != UNLABELLED``)."""
        return self.labels != UNLABELLED

    def split(self, name: str) -> dict[str, np.ndarray]:
        """Index arrays ``train``, ``val``, ``test`` of a named split; unlabelled nodes are left out.

        ``"public"`` (Kipf & Welling 2017): train = the first ``num_labelled`` nodes, val = the next
        500, test = ``test.index``. ``"complete"`` (the ESGNN paper, Cora: 0..1707 / 1708..2207 /
        2208..2707): train = all ``num_non_test`` nodes of ``allx``, val = the next 500, test = the rest.
        """
        n = self.num_nodes
        if name == "public":
            first = self.num_labelled
            parts = {"train": np.arange(first), "val": np.arange(first, min(first + PLANETOID_VAL_SIZE, n)),
                     "test": self.test_index.copy()}
        elif name == "complete":
            first = self.num_non_test
            parts = {"train": np.arange(first), "val": np.arange(first, min(first + PLANETOID_VAL_SIZE, n)),
                     "test": np.arange(min(first + PLANETOID_VAL_SIZE, n), n)}
        else:
            raise ParameterError("split", name, "must be 'public' or 'complete'")
        labelled = self.labelled
        return {key: ids[labelled[ids]] for key, ids in parts.items()}
