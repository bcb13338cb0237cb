"""Paper folds, stratified k-fold, and datasets built from networkx graphs or sparse matrices."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from crossbar_sim.esgnn.datasets import (
    DatasetError,
    graphs_from_adjacency,
    graphs_from_networkx,
    load_paper_folds,
    load_tudataset,
    stratified_kfold,
)
from device_models.errors import ParameterError


def test_paper_folds_match_readme(datasets_dir: Path) -> None:
    folds = load_paper_folds(datasets_dir)
    assert len(folds) == 10
    for fold in folds:
        assert fold["train"].dtype == np.int64 and fold["train"].size == 169 and fold["test"].size == 19
        assert np.array_equal(np.sort(np.concatenate([fold["train"], fold["test"]])), np.arange(188))
        assert len(fold["nested_train"]) == 10 and len(fold["nested_val"]) == 10
        for inner_train, inner_val in zip(fold["nested_train"], fold["nested_val"], strict=True):
            assert (inner_train.size, inner_val.size) == (152, 17)
            assert np.array_equal(np.sort(np.concatenate([inner_train, inner_val])), np.sort(fold["train"]))
    assert np.unique(np.concatenate([f["test"] for f in folds])).size == 130


def test_paper_folds_malformed(tmp_path: Path) -> None:
    (tmp_path / "MUTAG").mkdir()
    path = tmp_path / "MUTAG" / "paper_folds.json"
    path.write_text(json.dumps([{"fold": 1, "train": [0, 1], "test": [1]}]))
    with pytest.raises(DatasetError, match="fold entry 0: train and test do not partition 0..2"):
        load_paper_folds(tmp_path)
    path.write_text("[{\n")
    with pytest.raises(DatasetError, match="paper_folds.json, line 2: not valid JSON"):
        load_paper_folds(tmp_path)


def test_stratified_kfold_balances_classes(datasets_dir: Path) -> None:
    labels = load_tudataset("MUTAG", datasets_dir).labels
    folds = stratified_kfold(labels, 10, np.random.default_rng(7))
    tests = [test for _, test in folds]
    assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(188))
    assert sorted({t.size for t in tests}) == [18, 19]
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0 and train.size + test.size == 188
        counts = np.bincount(labels[test], minlength=2)
        assert 6 <= counts[0] <= 7 and 12 <= counts[1] <= 13  # 63 and 125 spread over 10 folds
    again = stratified_kfold(labels, 10, np.random.default_rng(7))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    other = stratified_kfold(labels, 10, np.random.default_rng(8))
    assert not np.array_equal(folds[0][1], other[0][1])


def test_stratified_kfold_rejects_bad_arguments() -> None:
    with pytest.raises(ParameterError, match="k = 1"):
        stratified_kfold(np.zeros(5), 1, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="k = 6"):
        stratified_kfold(np.zeros(5), 6, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="rng"):
        stratified_kfold(np.zeros(5), 2, np.random.RandomState(0))


def test_graphs_from_networkx() -> None:
    path = nx.path_graph(3)
    for v in path.nodes:
        path.nodes[v]["x"] = [v, 1.0]
    star = nx.Graph([("a", "b"), ("a", "c"), ("a", "a")])
    for v in star.nodes:
        star.nodes[v]["x"] = [0.5, 0.0]
    data = graphs_from_networkx([path, star], ["pos", "neg"], feature_key="x")
    assert data.graph_ptr.tolist() == [0, 3, 6]
    assert data.labels.tolist() == [1, 0] and data.label_values.tolist() == ["neg", "pos"]
    assert data.graph_adjacency(0).toarray().tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    assert data.graph_adjacency(1).toarray().tolist() == [[1, 1, 1], [1, 0, 0], [1, 0, 0]]
    assert data.node_features[:3].tolist() == [[0, 1], [1, 1], [2, 1]]
    directed = graphs_from_networkx([nx.DiGraph([(0, 1)])], [0])
    assert directed.adjacency.toarray().tolist() == [[0, 1], [0, 0]]
    assert directed.node_features.tolist() == [[1.0], [1.0]]
    with pytest.raises(ParameterError, match="graph 0 node 0 has no such attribute"):
        graphs_from_networkx([nx.path_graph(2)], [0], feature_key="x")


def test_graphs_from_adjacency() -> None:
    blocks = [sp.csr_matrix(np.array([[0, 2.5], [2.5, 0]])), np.zeros((1, 1))]
    data = graphs_from_adjacency(blocks, [3, 3], node_features=np.arange(6.0).reshape(3, 2))
    assert data.adjacency.toarray().tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    assert data.num_classes == 1 and data.num_nodes == 3
    per_graph = graphs_from_adjacency(blocks, [0, 1], node_features=[np.ones((2, 1)), np.zeros((1, 1))])
    assert per_graph.node_features.ravel().tolist() == [1, 1, 0]
    with pytest.raises(ParameterError, match="labels"):
        graphs_from_adjacency(blocks, [0])
    with pytest.raises(ParameterError, match=r"adjacencies\[0\]\.shape"):
        graphs_from_adjacency([np.zeros((2, 3))], [0])
    with pytest.raises(ParameterError, match=r"node_features\.shape"):
        graphs_from_adjacency(blocks, [0, 1], node_features=np.ones((2, 1)))
    with pytest.raises(ParameterError, match="must be finite; node 2 holds NaN or infinity"):
        graphs_from_adjacency(blocks, [0, 1], node_features=np.array([[0.0], [1.0], [np.nan]]))
