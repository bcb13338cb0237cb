"""Every protocol has inner validation items, selection never sees a test label, and continuous node
attributes are standardised on each split's training graphs only."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from crossbar_sim.esgnn.datasets import graphs_from_adjacency, load_dataset
from crossbar_sim.esgnn.runner import WorkloadConfig, workload_splits
from crossbar_sim.esgnn.tasks import ReadoutConfig, continuous_columns, graph_node_inputs, score_split

GRAPH_PROTOCOLS = [("MUTAG", {"protocol": "paper_folds"}), ("MUTAG", {"protocol": "stratified_kfold"}),
                   ("MUTAG", {"protocol": "folds_file", "folds_file": "paper_folds.json"}),
                   ("COLLAB", {"protocol": "folds_file", "folds_file": "dgcnn_format/10fold_idx"})]
NODE_PROTOCOLS = [{"protocol": "complete"}, {"protocol": "public"}, {"protocol": "random", "folds": 3}]


@pytest.mark.parametrize(("name", "keys"), GRAPH_PROTOCOLS, ids=lambda v: str(v))
def test_graph_protocols_hold_validation_inside_training(datasets_dir: Path, name: str, keys: dict) -> None:
    if name == "COLLAB":  # the fold files only: no need to load 5000 graphs
        dataset = graphs_from_adjacency([np.zeros((1, 1))] * 5000, np.arange(5000) % 3, name="COLLAB")
    else:
        dataset = load_dataset(name, datasets_dir)
    workload = WorkloadConfig(dataset=name, **keys)
    splits = workload_splits(dataset, workload, 7, datasets_dir)
    assert len(splits) == 10
    for s in splits:
        assert s.val.size > 0 and np.all(np.isin(s.val, s.train)) and not np.isin(s.test, s.train).any()
        assert s.fit.size + s.val.size == s.train.size
    if keys["protocol"] != "paper_folds":
        share = np.mean([s.val.size / s.train.size for s in splits])
        assert share == pytest.approx(0.1, abs=0.01)
        for s in splits:  # stratified: the classes keep their shares in the validation items
            shares = np.bincount(dataset.labels[s.val], minlength=3) / s.val.size
            overall = np.bincount(dataset.labels[s.train], minlength=3) / s.train.size
            assert np.max(np.abs(shares - overall)) < 0.06
    again = workload_splits(dataset, workload, 7, datasets_dir)
    assert all(np.array_equal(a.val, b.val) for a, b in zip(splits, again, strict=True))


@pytest.mark.parametrize("keys", NODE_PROTOCOLS, ids=lambda k: k["protocol"])
def test_node_protocols_keep_validation_apart(datasets_dir: Path, keys: dict) -> None:
    cora = load_dataset("Cora", datasets_dir)
    splits = workload_splits(cora, WorkloadConfig(dataset="Cora", **keys), 0, datasets_dir)
    for s in splits:
        parts = np.concatenate([s.train, s.val, s.test])
        assert np.unique(parts).size == parts.size and np.all(cora.labelled[parts])
        np.testing.assert_array_equal(s.fit, s.train)
    if keys["protocol"] == "random":
        assert len(splits) == 3 and not np.array_equal(splits[0].test, splits[1].test)
        assert all(np.bincount(cora.labels[s.train]).tolist() == [20] * 7 for s in splits)


def _shuffled_test_labels(labels: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Every test item moved to the next class: nothing a selection could use is left of its labels."""
    out = labels.copy()
    out[test] = (labels[test] + 1) % (labels.max() + 1)
    return out


def test_penalty_choice_ignores_test_labels(datasets_dir: Path) -> None:
    mutag = load_dataset("MUTAG", datasets_dir)
    rng = np.random.default_rng(1)
    features = np.hstack([mutag.node_features[mutag.graph_ptr[:-1]] + rng.normal(0, 1, (188, 7)),
                          rng.normal(0, 1, (188, 20)), np.ones((188, 1))])
    readout = ReadoutConfig(ridge_candidates=(1e-3, 1e-1, 1.0, 10.0, 100.0))
    splits = workload_splits(mutag, WorkloadConfig(protocol="stratified_kfold"), 3)
    for kind in ("ridge", "logistic"):
        chosen = dataclasses.replace(readout, kind=kind)
        for s in splits[:3]:
            honest = score_split(features, mutag.labels, s, 2, chosen)
            other = score_split(features, _shuffled_test_labels(mutag.labels, s.test), s, 2, chosen)
            assert honest.penalty == other.penalty
            assert honest.accuracy + other.accuracy == pytest.approx(1.0)  # same predictions, labels swapped


def test_attributes_standardised_on_training_graphs_only(datasets_dir: Path) -> None:
    proteins = load_dataset("PROTEINS", datasets_dir)
    continuous = continuous_columns(proteins.node_features)
    assert continuous.tolist() == [False, False, False, True]  # 3 one-hot labels, 1 attribute
    train = np.arange(0, 1113, 2)
    inputs = graph_node_inputs(proteins, "standardize", train)
    nodes = np.concatenate([np.arange(proteins.graph_ptr[g], proteins.graph_ptr[g + 1]) for g in train])
    assert inputs[nodes, 3].mean() == pytest.approx(0.0, abs=1e-12)
    assert inputs[nodes, 3].std() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_array_equal(inputs[:, :3], proteins.node_features[:, :3])
    other = graph_node_inputs(proteins, "standardize", np.arange(1, 1113, 2))
    assert not np.allclose(other[:, 3], inputs[:, 3])  # the statistics come from the training graphs
    # changing the attributes of graphs outside the training set leaves the statistics alone
    changed = proteins.node_features.copy()
    outside = np.setdiff1d(np.arange(proteins.num_nodes), nodes)
    changed[outside, 3] *= 7.0
    modified = dataclasses.replace(proteins, node_features=changed)
    np.testing.assert_allclose(graph_node_inputs(modified, "standardize", train)[nodes], inputs[nodes])
    assert graph_node_inputs(proteins, "drop", None).shape[1] == 3
    assert graph_node_inputs(proteins, "raw", None) is proteins.node_features


def test_folds_file_protocol_runs(tmp_path: Path, datasets_dir: Path) -> None:
    from crossbar_sim.study.experiment import ExperimentConfig, run_experiment

    shutil.copytree(datasets_dir / "MUTAG", tmp_path / "MUTAG")
    (tmp_path / "MUTAG" / "halves.json").write_text("[[" + ",".join(map(str, range(0, 188, 2))) + "]]")
    config = ExperimentConfig(workload=WorkloadConfig(protocol="folds_file", folds_file="halves.json"),
                              data_root=str(tmp_path))
    metrics = run_experiment(config, 0)
    assert len(metrics["split_accuracies"][0]) == 1 and metrics["accuracy"]["mean"] > 0.6
