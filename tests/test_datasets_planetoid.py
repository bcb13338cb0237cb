"""Planetoid reader: real Cora statistics and splits, CiteSeer-style gaps, and the restricted unpickler."""

from __future__ import annotations

import os
import pickle
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from crossbar_sim.esgnn.datasets import DatasetError, NodeDataset, load_dataset, load_planetoid
from crossbar_sim.esgnn.datasets.containers import UNLABELLED
from crossbar_sim.esgnn.datasets.planetoid import load_restricted_pickle
from device_models.errors import ParameterError


def test_cora_matches_readme_statistics(datasets_dir: Path) -> None:
    data = load_planetoid("Cora", datasets_dir)
    a = data.adjacency
    assert data.num_nodes == 2708 and a.shape == (2708, 2708)
    assert a.nnz == 10_556 and (a != a.T).nnz == 0 and a.diagonal().sum() == 0
    assert set(np.unique(a.data)) == {1.0}
    assert data.features.shape == (2708, 1433) and set(np.unique(data.features.data)) == {1.0}
    assert data.features.nnz == 49_216
    assert data.num_classes == 7
    assert np.bincount(data.labels).tolist() == [351, 217, 418, 818, 426, 298, 180]
    public = data.split("public")
    assert [public[k].size for k in ("train", "val", "test")] == [140, 500, 1000]
    assert public["val"][[0, -1]].tolist() == [140, 639]
    assert public["test"][[0, -1]].tolist() == [1708, 2707]
    assert np.bincount(data.labels[public["train"]]).tolist() == [20] * 7
    complete = data.split("complete")
    assert [complete[k][[0, -1]].tolist() for k in ("train", "val", "test")] == [[0, 1707], [1708, 2207],
                                                                                 [2208, 2707]]
    assert isinstance(load_dataset("cora", datasets_dir), NodeDataset)
    with pytest.raises(ParameterError, match="split = 'random'"):
        data.split("random")


def test_cora_test_rows_follow_test_index(datasets_dir: Path) -> None:
    data = load_planetoid("Cora", datasets_dir)
    with open(datasets_dir / "Cora" / "ind.cora.test.index") as f:
        first_test_id = int(f.readline())
    assert first_test_id == 2692
    tx = load_restricted_pickle(datasets_dir / "Cora" / "ind.cora.tx")
    assert isinstance(tx, sp.csr_matrix) and tx.dtype == np.float64 and tx.shape == (1000, 1433)
    assert (data.features[first_test_id] != tx[0]).nnz == 0


def _dump(path: Path, obj: object) -> None:
    path.write_bytes(pickle.dumps(obj, protocol=4))


def _write_toy_citeseer(root: Path) -> None:
    """allx = nodes 0..3 (x = 0..1), test nodes 4, 6, 7 listed as 7, 4, 6: node 5 is isolated and unlisted."""
    folder = root / "CiteSeer"
    folder.mkdir()
    eye = np.eye(3, dtype=np.int32)
    allx = sp.csr_matrix(np.arange(8, dtype=np.float32).reshape(4, 2))
    _dump(folder / "ind.citeseer.x", allx[:2])
    _dump(folder / "ind.citeseer.y", eye[[0, 1]])
    _dump(folder / "ind.citeseer.allx", allx)
    _dump(folder / "ind.citeseer.ally", eye[[0, 1, 2, 1]])
    tx = np.array([[70, 71], [40, 41], [60, 61]], dtype=np.float32)
    _dump(folder / "ind.citeseer.tx", sp.csr_matrix(tx))
    _dump(folder / "ind.citeseer.ty", eye[[2, 1, 1]])
    graph = defaultdict(list, {0: [1, 1, 0], 1: [0], 2: [7], 4: [6]})
    _dump(folder / "ind.citeseer.graph", graph)
    (folder / "ind.citeseer.test.index").write_text("7\n4\n6\n")


def test_isolated_test_nodes_are_unlabelled_and_in_no_split(tmp_path: Path) -> None:
    _write_toy_citeseer(tmp_path)
    data = load_planetoid("citeseer", tmp_path)
    assert data.name == "CiteSeer" and data.num_nodes == 8
    assert data.features.toarray()[4:].tolist() == [[40, 41], [0, 0], [60, 61], [70, 71]]
    assert data.labels.tolist() == [0, 1, 2, 1, 1, UNLABELLED, 1, 2]  # node 5 has no label, not class 0
    assert data.labelled.tolist() == [True] * 5 + [False] + [True] * 2
    assert data.num_classes == 3
    public, complete = data.split("public"), data.split("complete")
    assert {k: v.tolist() for k, v in public.items()} == {"train": [0, 1], "val": [2, 3, 4, 6, 7],
                                                          "test": [4, 6, 7]}
    assert {k: v.tolist() for k, v in complete.items()} == {"train": [0, 1, 2, 3], "val": [4, 6, 7],
                                                            "test": []}
    edges = sorted(zip(*data.adjacency.nonzero(), strict=True))
    assert [tuple(map(int, e)) for e in edges] == [(0, 1), (1, 0), (2, 7), (4, 6), (6, 4), (7, 2)]


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch exploited",))


def test_malicious_pickle_is_refused_without_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_toy_citeseer(tmp_path)
    _dump(tmp_path / "CiteSeer" / "ind.citeseer.graph", {0: _Exploit()})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetError, match=r"ind\.citeseer\.graph: the pickle names (posix|nt|os)\.system"):
        load_planetoid("CiteSeer", tmp_path)
    assert not (tmp_path / "exploited").exists()


def test_wrong_contents_are_reported(tmp_path: Path, datasets_dir: Path) -> None:
    shutil.copytree(datasets_dir / "Cora", tmp_path / "Cora")
    path = tmp_path / "Cora" / "ind.cora.ty"
    _dump(path, [1, 2, 3])
    with pytest.raises(DatasetError, match=r"ind\.cora\.ty: holds list; expected a one-hot label array"):
        load_planetoid("Cora", tmp_path)
    path.write_bytes(b"\x80\x02garbage")
    with pytest.raises(DatasetError, match=r"ind\.cora\.ty: not a readable Planetoid pickle"):
        load_planetoid("Cora", tmp_path)
    shutil.copy(datasets_dir / "Cora" / "ind.cora.ty", path)
    (tmp_path / "Cora" / "ind.cora.test.index").write_text("2692\n")
    with pytest.raises(DatasetError, match=r"ind\.cora\.test\.index: 1 ids; expected 1000"):
        load_planetoid("Cora", tmp_path)


def test_unknown_planetoid_name() -> None:
    with pytest.raises(ParameterError, match="name = 'Reddit'"):
        load_planetoid("Reddit")
