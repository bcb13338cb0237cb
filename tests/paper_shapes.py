"""Workload shapes of the paper's three datasets, counted from the dataset files (sizes only)."""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

import numpy as np

from crossbar_sim.common.data_paths import data_root
from crossbar_sim.energy.workload import EsgnnShape

#: Graphs the paper's COLLAB runs used: ``np.random.seed(1); randint(0, 5000, 200)`` in
#: ``utility/graph_cls_data_proc.py`` of wangsc1912/ESGNN (with repeats: 194 distinct graphs).
COLLAB_SUBSET_SEED, COLLAB_SUBSET_SIZE = 1, 200


def _read_ints(path: Path) -> np.ndarray:
    """All integers of a TU text file (plain or ``.gz``), commas treated as spaces."""
    gz = path.with_name(path.name + ".gz")
    data = gzip.open(gz).read() if not path.exists() and gz.exists() else path.read_bytes()
    return np.fromstring(data.replace(b",", b" "), dtype=np.int64, sep=" ")


def tu_graph_sizes(name: str, root: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-graph node counts and directed adjacency entries of TU dataset ``name``."""
    folder = data_root(root) / name
    graph_of_node = _read_ints(folder / f"{name}_graph_indicator.txt") - 1
    pairs = _read_ints(folder / f"{name}_A.txt").reshape(-1, 2) - 1
    n_nodes = len(graph_of_node)
    keys = pairs[:, 0] * n_nodes + pairs[:, 1]
    if not np.all(keys[1:] > keys[:-1]):  # unsorted: sort so repeated lines can be dropped
        keys = np.sort(keys)
    rows = keys[np.r_[True, keys[1:] != keys[:-1]]] // n_nodes
    n_graphs = int(graph_of_node.max()) + 1
    nodes = np.bincount(graph_of_node, minlength=n_graphs)
    entries = np.bincount(graph_of_node[rows], minlength=n_graphs)
    return nodes, entries


def mutag_shape(root: str | os.PathLike[str] | None = None) -> EsgnnShape:
    """MUTAG as in the paper: 188 graphs, 7 one-hot features + bias, 50 units, T = 4, ±1 output,
    readout fitted on the 169 training graphs of a split. With the bias applied digitally (its row idle at
    the vector's minimum, 0) each input vector has one row at code 15: one row pulsed per bit plane."""
    nodes, entries = tu_graph_sizes("MUTAG", root)
    return EsgnnShape("MUTAG", tuple(int(n) for n in nodes), features=7, units=50, steps=4, outputs=1,
                      adjacency_entries=int(entries.sum()), train_items=169, input_active_rows=1.0)


def collab_shape(root: str | os.PathLike[str] | None = None, subset: bool = True) -> EsgnnShape:
    """COLLAB: constant node feature + bias, 50 units, T = 4, 3 one-hot outputs; by default the
    paper's 200-graph subset (assumes the paper's .mat keeps the TU graph order), readout fitted on
    9/10 of the graphs. The constant feature with the bias row idle at it makes every input vector constant:
    all-zero bit planes, so every W_I read is skipped (the projection is the digital offset alone)."""
    nodes, entries = tu_graph_sizes("COLLAB", root)
    if subset:
        idx = np.random.RandomState(COLLAB_SUBSET_SEED).randint(0, len(nodes), COLLAB_SUBSET_SIZE)
        nodes, entries = nodes[idx], entries[idx]
    return EsgnnShape("COLLAB" + (" (200-graph subset)" if subset else ""), tuple(int(n) for n in nodes),
                      features=1, units=50, steps=4, outputs=3, adjacency_entries=int(entries.sum()),
                      train_items=len(nodes) * 9 // 10, zero_input_nodes=int(nodes.sum()))


def cora_words(root: str | os.PathLike[str] | None = None) -> np.ndarray:
    """Words (non-zero bag-of-words features) of each of the 2708 CORA nodes (``allx`` then ``tx``)."""
    counts = []
    for part in ("allx", "tx"):
        with open(data_root(root) / "Cora" / f"ind.cora.{part}", "rb") as f:
            counts.append(np.diff(pickle.load(f, encoding="latin1").tocsr().indptr))
    return np.concatenate(counts)


def cora_shape(root: str | os.PathLike[str] | None = None) -> EsgnnShape:
    """CORA node classification: 2708 nodes, 1433 features + bias, 1000 units, T = 2, 7 classes;
    aggregation over A + I (normalised); readout fitted on the 2208 train + validation nodes. A node's
    row-normalised words are all equal, so all are at code 15: its words pulse in every bit plane."""
    words = cora_words(root)
    with open(data_root(root) / "Cora" / "ind.cora.graph", "rb") as f:
        graph = pickle.load(f, encoding="latin1")
    pairs = {(int(a), int(b)) for a, nbrs in graph.items() for b in nbrs if int(a) != int(b)}
    pairs |= {(b, a) for a, b in pairs}
    n = 2708
    return EsgnnShape("CORA", (n,), features=1433, units=1000, steps=2, outputs=7,
                      adjacency_entries=len(pairs) + n, node_task=True, train_items=2208,
                      input_active_rows=float(words.mean()), zero_input_nodes=int(np.sum(words == 0)))
