"""Paper folds, fold files, stratified k-fold and validation subsets, random node splits, and datasets
built from networkx graphs or sparse matrices."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from crossbar_sim.esgnn.datasets import (
    DatasetError,
    graphs_from_adjacency,
    graphs_from_networkx,
    load_folds_file,
    load_paper_folds,
    load_tudataset,
    stratified_kfold,
)
from crossbar_sim.esgnn.datasets.splits import random_node_split, stratified_subset
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


def _mutag_copy(tmp_path: Path, datasets_dir: Path) -> Path:
    folder = tmp_path / "MUTAG"
    shutil.copytree(datasets_dir / "MUTAG", folder)
    return folder


def test_dgcnn_fold_folder_loads(datasets_dir: Path) -> None:
    folds = load_folds_file("COLLAB", "dgcnn_format/10fold_idx", 5000, datasets_dir)
    assert len(folds) == 10
    for train, test in folds:
        assert (train.size, test.size) == (4500, 500)
        assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(5000))
    assert np.unique(np.concatenate([test for _, test in folds])).size == 5000
    assert folds[0][1][:3].tolist() == [2411, 3126, 172]  # the file's order is kept


def test_json_folds_as_test_lists_or_objects(tmp_path: Path, datasets_dir: Path) -> None:
    folder = _mutag_copy(tmp_path, datasets_dir)
    (folder / "two.json").write_text(json.dumps([list(range(0, 94)), list(range(94, 188))]))
    folds = load_folds_file("MUTAG", "two.json", 188, tmp_path)
    assert [t.size for _, t in folds] == [94, 94]
    np.testing.assert_array_equal(folds[0][0], np.arange(94, 188))
    paper = load_folds_file("MUTAG", "paper_folds.json", 188, tmp_path)  # {train, test} objects
    np.testing.assert_array_equal(paper[3][1], load_paper_folds(tmp_path)[3]["test"])


@pytest.mark.parametrize(("content", "message"), [
    ([[0, 1], [1, 200]], r"fold entry 1: test id 200 outside 0..187"),
    ([[0, 0, 1]], r"fold entry 0: test ids repeat"),
    ([{"train": [0, 1], "test": [1, 2]}], "fold entry 0: train and test share ids"),
    ([[0, 1.5]], r"fold entry 0: 'test' is not a list of integer ids"),
    ({"test": [0]}, "expected a non-empty list"),
])
def test_json_folds_malformed(tmp_path: Path, datasets_dir: Path, content, message: str) -> None:
    folder = _mutag_copy(tmp_path, datasets_dir)
    (folder / "bad.json").write_text(json.dumps(content))
    with pytest.raises(DatasetError, match=message):
        load_folds_file("MUTAG", "bad.json", 188, tmp_path)


def test_fold_files_stay_inside_the_dataset_folder(tmp_path: Path, datasets_dir: Path) -> None:
    _mutag_copy(tmp_path, datasets_dir)
    (tmp_path / "outside.json").write_text("[[0]]")
    with pytest.raises(DatasetError, match="must lie inside the dataset folder"):
        load_folds_file("MUTAG", "../outside.json", 188, tmp_path)
    with pytest.raises(FileNotFoundError, match="no such folds file"):
        load_folds_file("MUTAG", "missing.json", 188, tmp_path)
    (tmp_path / "MUTAG" / "folds").mkdir()
    (tmp_path / "MUTAG" / "folds" / "train_idx-1.txt").write_text("0\n1\n")
    with pytest.raises(DatasetError, match="test_idx-1.txt: missing"):
        load_folds_file("MUTAG", "folds", 188, tmp_path)


def test_stratified_subset_keeps_class_shares() -> None:
    labels = np.array([0] * 60 + [1] * 30 + [2] * 1)
    items = np.arange(91)
    subset = stratified_subset(labels, items, 0.1, np.random.default_rng(0))
    assert np.bincount(labels[subset], minlength=3).tolist() == [6, 3, 0]  # a lone item stays in training
    again = stratified_subset(labels, items, 0.1, np.random.default_rng(0))
    np.testing.assert_array_equal(subset, again)
    assert not np.array_equal(subset, stratified_subset(labels, items, 0.1, np.random.default_rng(1)))
    part = stratified_subset(labels, items[::2], 0.5, np.random.default_rng(0))
    assert set(part) <= set(items[::2])


def test_random_node_split_uses_labelled_nodes_only() -> None:
    labels = np.array([0] * 50 + [1] * 50 + [-1] * 20)
    split = random_node_split(labels, 5, 20, 30, np.random.default_rng(3))
    assert np.bincount(labels[split["train"]]).tolist() == [5, 5]
    assert (split["val"].size, split["test"].size) == (20, 30)
    every = np.concatenate(list(split.values()))
    assert np.unique(every).size == every.size and np.all(labels[every] >= 0)
    with pytest.raises(ParameterError, match="val_size"):
        random_node_split(labels, 5, 80, 30, np.random.default_rng(3))
