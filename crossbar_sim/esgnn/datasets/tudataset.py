"""Reader of the TUDataset text format (``NAME/NAME_*.txt`` or ``.txt.gz``) into a GraphDataset."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from crossbar_sim.esgnn.datasets.containers import GraphDataset, encode_labels
from crossbar_sim.esgnn.datasets.errors import DatasetError, DatasetNotFound
from crossbar_sim.esgnn.datasets.manifest import DEFAULT_LIMITS, DatasetLimits, check_cap, dataset_folder
from crossbar_sim.esgnn.datasets.textparse import is_regular_file, read_float_table, read_int_table


def tu_file(folder: Path, name: str, part: str, required: bool = True) -> Path | None:
    """``folder/NAME_part.txt``, else its ``.txt.gz``; None (or FileNotFoundError if required) if neither."""
    plain = folder / f"{name}_{part}.txt"
    for path in (plain, plain.with_name(plain.name + ".gz")):
        if is_regular_file(path):
            return path
    if required:
        raise FileNotFoundError(f"{plain}: missing (nor is there a .gz); the TUDataset folder needs it")
    return None


def _graph_pointer(indicator: np.ndarray, path: Path) -> np.ndarray:
    """Graph offsets from the 1-based, grouped and increasing graph id of each node."""
    if indicator.size == 0:
        raise DatasetError(f"{path}: empty; expected one graph id per node")
    if indicator[0] != 1:
        raise DatasetError(f"{path}, line 1: graph id {indicator[0]}; expected the first graph id to be 1")
    step = np.diff(indicator)
    bad = np.flatnonzero((step < 0) | (step > 1))
    if bad.size:
        k = int(bad[0])
        raise DatasetError(
            f"{path}, line {k + 2}: graph id {indicator[k + 1]} follows {indicator[k]}; expected the nodes "
            "grouped by graph with graph ids 1, 2, ... in increasing order and no graph without nodes")
    starts = np.flatnonzero(np.concatenate([[1], step]))
    return np.concatenate([starts, [indicator.size]]).astype(np.int64)


def _check_length(table: np.ndarray, expected: int, path: Path, what: str) -> None:
    if table.shape[0] != expected:
        raise DatasetError(f"{path}: {table.shape[0]} lines; expected {expected} ({what})")


def _check_features(path: Path, n: int, columns: int, limits: DatasetLimits) -> None:
    check_cap(path, "node feature columns", columns, limits, "max_features")
    check_cap(path, "node feature entries (nodes x columns)", n * columns, limits, "max_feature_entries")


def _one_hot(values: np.ndarray, path: Path, limits: DatasetLimits) -> np.ndarray:
    """One-hot columns per label column; column j of a block stands for label ``min + j``."""
    widths = [int(column.max()) - int(column.min()) + 1 for column in values.T]
    _check_features(path, values.shape[0], sum(widths), limits)
    blocks = []
    for column, width in zip(values.T, widths, strict=True):
        block = np.zeros((column.size, width))
        block[np.arange(column.size), column - column.min()] = 1.0
        blocks.append(block)
    return np.hstack(blocks)


def _adjacency(
    pairs: np.ndarray, graph_of_node: np.ndarray, path: Path
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Deduplicated 0/1 CSR adjacency from 1-based (row, col) lines, and the line kept for each entry."""
    n = graph_of_node.size
    if pairs.size and (pairs.min() < 1 or pairs.max() > n):
        k = int(np.flatnonzero((pairs < 1).any(axis=1) | (pairs > n).any(axis=1))[0])
        raise DatasetError(f"{path}, line {k + 1}: node ids {pairs[k].tolist()}; expected ids in 1..{n}")
    rows, cols = pairs[:, 0] - 1, pairs[:, 1] - 1
    cross = np.flatnonzero(graph_of_node[rows] != graph_of_node[cols])
    if cross.size:
        k = int(cross[0])
        raise DatasetError(f"{path}, line {k + 1}: edge {pairs[k].tolist()} joins graphs "
                           f"{graph_of_node[rows[k]] + 1} and {graph_of_node[cols[k]] + 1}; "
                           "expected edges within one graph")
    key = rows * n + cols
    if key.size < 2 or bool(np.all(key[1:] > key[:-1])):
        kept = np.arange(key.size)
    else:
        order = np.argsort(key, kind="stable")
        first = np.concatenate([[True], key[order][1:] != key[order][:-1]])
        kept = order[first]
    rows, cols = rows[kept], cols[kept]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    adjacency = sp.csr_matrix((np.ones(kept.size), cols, indptr), shape=(n, n))
    return adjacency, kept


def load_tudataset(
    name: str, root: str | os.PathLike[str] | None = None, limits: DatasetLimits = DEFAULT_LIMITS
) -> GraphDataset:
    """Read TU dataset ``name`` from ``root/NAME/`` (root: ``crossbar_sim.common.data_paths.data_root``).

    Duplicated adjacency lines are merged (the first line's edge label is kept), self-loops are kept,
    graph labels are remapped to 0..K-1. Node features are the one-hot node labels followed by the node
    attributes; a constant column of ones when the dataset has neither. Edge attributes are not read.
    ``name`` must pass ``check_dataset_name``; files beyond ``limits`` are refused before they are read
    into arrays. Every malformed file raises DatasetError naming the file (and line).
    """
    folder = dataset_folder(name, root)
    if not folder.is_dir():
        raise DatasetNotFound(name, folder)
    indicator_path = tu_file(folder, name, "graph_indicator")
    graph_ptr = _graph_pointer(read_int_table(indicator_path, limits, "max_nodes", 1)[:, 0], indicator_path)
    n, n_graphs = int(graph_ptr[-1]), graph_ptr.size - 1

    labels_path = tu_file(folder, name, "graph_labels")
    raw_labels = read_int_table(labels_path, limits, "max_nodes", 1)[:, 0]
    _check_length(raw_labels, n_graphs, labels_path, f"one per graph of {indicator_path.name}")
    labels, label_values = encode_labels(raw_labels)

    a_path = tu_file(folder, name, "A")
    pairs = read_int_table(a_path, limits, "max_edges", 2)
    graph_of_node = np.repeat(np.arange(n_graphs), np.diff(graph_ptr))
    adjacency, kept = _adjacency(pairs, graph_of_node, a_path)

    edge_labels = None
    edge_path = tu_file(folder, name, "edge_labels", required=False)
    if edge_path is not None:
        table = read_int_table(edge_path, limits, "max_edges")
        _check_length(table, pairs.shape[0], edge_path, f"one per line of {a_path.name}")
        edge_labels = table[kept, 0] if table.shape[1] == 1 else table[kept]

    features = []
    node_labels = None
    node_path = tu_file(folder, name, "node_labels", required=False)
    if node_path is not None:
        table = read_int_table(node_path, limits, "max_nodes")
        _check_length(table, n, node_path, f"one per line of {indicator_path.name}")
        node_labels = table[:, 0] if table.shape[1] == 1 else table
        features.append(_one_hot(table, node_path, limits))
    attr_path = tu_file(folder, name, "node_attributes", required=False)
    if attr_path is not None:
        table = read_float_table(attr_path, limits)
        _check_length(table, n, attr_path, f"one per line of {indicator_path.name}")
        features.append(table)
        _check_features(attr_path, n, sum(f.shape[1] for f in features), limits)
    node_features = np.hstack(features) if features else np.ones((n, 1))
    return GraphDataset(name=name, adjacency=adjacency, node_features=node_features, graph_ptr=graph_ptr,
                        labels=labels, label_values=label_values, node_labels=node_labels,
                        edge_labels=edge_labels)
