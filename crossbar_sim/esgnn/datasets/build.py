"""GraphDatasets built in memory from networkx graphs or scipy sparse adjacency matrices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from crossbar_sim.esgnn.datasets.containers import GraphDataset, encode_labels
from device_models.errors import ParameterError


def graphs_from_adjacency(
    adjacencies: Sequence[Any],
    labels: Sequence | np.ndarray,
    node_features: Sequence[np.ndarray] | np.ndarray | None = None,
    name: str = "custom",
) -> GraphDataset:
    """A GraphDataset of square adjacency matrices (any non-zero entry becomes an edge of weight 1).

    ``node_features`` is one (n_g, D) array per graph, or one stacked (n_total, D) array of finite values;
    by default a constant column of ones. ``labels`` holds a raw class label per graph, remapped to 0..K-1.
    """
    blocks = []
    for g, a in enumerate(adjacencies):
        m = sp.csr_matrix(a, dtype=np.float64)
        if m.shape[0] != m.shape[1]:
            raise ParameterError(f"adjacencies[{g}].shape", m.shape, "must be square")
        m.data = (m.data != 0).astype(np.float64)
        m.eliminate_zeros()
        m.sort_indices()
        blocks.append(m)
    raw = np.asarray(labels)
    if raw.shape != (len(blocks),):
        raise ParameterError("labels", labels, f"must hold one label per graph ({len(blocks)})")
    sizes = np.array([b.shape[0] for b in blocks], dtype=np.int64)
    graph_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n = int(graph_ptr[-1])
    adjacency = sp.csr_matrix(sp.block_diag(blocks, format="csr")) if blocks else sp.csr_matrix((0, 0))
    if node_features is None:
        features = np.ones((n, 1))
    elif isinstance(node_features, np.ndarray):
        features = np.asarray(node_features, dtype=np.float64)
    else:
        features = np.vstack([np.asarray(f, dtype=np.float64).reshape(s, -1)
                              for f, s in zip(node_features, sizes, strict=True)])
    if features.ndim != 2 or features.shape[0] != n:
        raise ParameterError("node_features.shape", features.shape, f"must be ({n}, D), one row per node")
    if not np.all(np.isfinite(features)):
        row = int(np.flatnonzero(~np.isfinite(features).all(axis=1))[0])
        raise ParameterError("node_features", features[row].tolist(),
                             f"must be finite; node {row} holds NaN or infinity")
    encoded, values = encode_labels(raw)
    return GraphDataset(name=name, adjacency=adjacency, node_features=features, graph_ptr=graph_ptr,
                        labels=encoded, label_values=values)


def graphs_from_networkx(
    graphs: Sequence[Any],
    labels: Sequence | np.ndarray,
    feature_key: str | None = None,
    name: str = "networkx",
) -> GraphDataset:
    """A GraphDataset of networkx graphs, nodes in ``G.nodes`` order (directed graphs stay directed).

    ``feature_key`` names a node attribute holding each node's feature (scalar or vector).
    """
    adjacencies, features = [], []
    for g, graph in enumerate(graphs):
        nodes = list(graph.nodes)
        index = {v: i for i, v in enumerate(nodes)}
        pairs = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64).reshape(-1, 2)
        if not graph.is_directed():
            pairs = np.vstack([pairs, pairs[:, ::-1]])
        adjacencies.append(sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                                         shape=(len(nodes), len(nodes))))
        if feature_key is not None:
            missing = [v for v in nodes if feature_key not in graph.nodes[v]]
            if missing:
                raise ParameterError("feature_key", feature_key,
                                     f"graph {g} node {missing[0]!r} has no such attribute")
            features.append(np.array([np.atleast_1d(graph.nodes[v][feature_key]) for v in nodes],
                                     dtype=np.float64).reshape(len(nodes), -1))
    return graphs_from_adjacency(adjacencies, labels, features if feature_key is not None else None, name)
