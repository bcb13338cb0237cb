"""TUDataset reader: real MUTAG (and COLLAB, slow) statistics, format variants and malformed files."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pytest

from crossbar_sim.esgnn.datasets import DatasetError, load_dataset, load_tudataset
from device_models.errors import ParameterError


def undirected_edges(adjacency) -> int:
    loops = int(adjacency.diagonal().sum())
    return (adjacency.nnz - loops) // 2 + loops


def write_tu(root: Path, name: str, files: dict[str, str], gz: tuple[str, ...] = ()) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for part, text in files.items():
        path = folder / f"{name}_{part}.txt"
        if part in gz:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(text.encode()))
        else:
            path.write_text(text)
    return folder


# Two graphs: a triangle 1-2-3 (graph label 5) and an edge 4-5 with a self-loop on 5 (graph label 2).
TOY = {
    "A": "1, 2\n2, 1\n2,3\n3,2\n1 ,3\n3, 1\n4, 5\n5, 4\n5, 5\n2, 1\n",
    "graph_indicator": "1\n1\n1\n2\n2\n",
    "graph_labels": "5\n2\n",
}


def test_mutag_matches_readme_statistics(datasets_dir: Path) -> None:
    data = load_tudataset("MUTAG", datasets_dir)
    assert (data.num_graphs, data.num_nodes, data.num_classes) == (188, 3371, 2)
    assert undirected_edges(data.adjacency) == 3721
    assert (data.adjacency != data.adjacency.T).nnz == 0
    assert data.adjacency.diagonal().sum() == 0
    assert set(np.unique(data.adjacency.data)) == {1.0}
    assert data.label_values.tolist() == [-1, 1]
    assert np.bincount(data.labels).tolist() == [63, 125]
    assert data.node_features.shape == (3371, 7)
    assert np.array_equal(data.node_features.argmax(axis=1), data.node_labels)
    assert np.all(data.node_features.sum(axis=1) == 1.0)
    assert data.node_features[:, 0].sum() == 2395  # carbon
    assert data.edge_labels.shape == (7442,)
    assert np.bincount(data.edge_labels).tolist() == [4708, 2008, 724, 2]
    assert data.graph_ptr[:3].tolist() == [0, 17, 30]
    assert abs(data.num_nodes / data.num_graphs - 17.93) < 0.005
    assert load_dataset("MUTAG", datasets_dir).num_graphs == 188


def test_mutag_graph_adjacency_and_subset(datasets_dir: Path) -> None:
    data = load_tudataset("MUTAG", datasets_dir)
    g1 = data.graph_adjacency(1)
    assert g1.shape == (13, 13) and g1.nnz == 28
    picked = data.subset([1, 0, 1])
    assert picked.num_graphs == 3 and picked.graph_ptr.tolist() == [0, 13, 30, 43]
    assert (picked.graph_adjacency(0) != g1).nnz == 0 and (picked.graph_adjacency(2) != g1).nnz == 0
    assert (picked.graph_adjacency(1) != data.graph_adjacency(0)).nnz == 0
    assert picked.adjacency[:13, 13:].nnz == 0  # the repeated graph is a separate block
    assert picked.labels.tolist() == data.labels[[1, 0, 1]].tolist()
    assert np.array_equal(picked.node_features[:13], data.node_features[17:30])
    entries = slice(data.adjacency.indptr[17], data.adjacency.indptr[30])
    assert np.array_equal(picked.edge_labels[:28], data.edge_labels[entries])
    with pytest.raises(ParameterError, match="graph = 188"):
        data.graph_adjacency(188)
    with pytest.raises(ParameterError, match="indices"):
        data.subset([0, 200])


@pytest.mark.slow
def test_collab_full_load_matches_readme(datasets_dir: Path) -> None:
    start = time.perf_counter()
    data = load_tudataset("COLLAB", datasets_dir)
    elapsed = time.perf_counter() - start
    assert (data.num_graphs, data.num_nodes) == (5000, 372_474)
    assert int(data.adjacency.diagonal().sum()) == 2837
    assert undirected_edges(data.adjacency) == 12_288_916
    assert (data.adjacency != data.adjacency.T).nnz == 0
    assert np.bincount(data.labels).tolist() == [2600, 775, 1625]
    assert data.label_values.tolist() == [0, 1, 2]
    assert data.node_features.shape == (372_474, 1) and np.all(data.node_features == 1.0)
    assert data.node_labels is None and data.edge_labels is None
    assert elapsed < 60.0, f"COLLAB took {elapsed:.1f} s"


def test_toy_format_variants(tmp_path: Path) -> None:
    write_tu(tmp_path, "TOY", {**TOY, "node_labels": "3\n4\n3\n6\n6\n"}, gz=("A",))
    data = load_tudataset("TOY", tmp_path)
    assert data.graph_ptr.tolist() == [0, 3, 5]
    assert data.label_values.tolist() == [2, 5] and data.labels.tolist() == [1, 0]
    dense = data.adjacency.toarray()
    expected = np.zeros((5, 5))
    for r, c in [(0, 1), (1, 0), (1, 2), (2, 1), (0, 2), (2, 0), (3, 4), (4, 3), (4, 4)]:
        expected[r, c] = 1.0
    assert np.array_equal(dense, expected)  # the duplicated "2, 1" is merged, the self-loop kept
    # One-hot columns stand for labels 3, 4, 5, 6 (offset by the minimum).
    assert data.node_features.argmax(axis=1).tolist() == [0, 1, 0, 3, 3]
    assert data.node_features.shape == (5, 4) and np.all(data.node_features.sum(axis=1) == 1.0)


def test_toy_edge_labels_and_attributes(tmp_path: Path) -> None:
    files = {**TOY, "edge_labels": "0\n0\n1\n1\n2\n2\n3\n3\n4\n9\n",
             "node_attributes": "0.5, 1\n2,3\n4,5\n6,7\n8,9.25\n"}
    write_tu(tmp_path, "TOY", files, gz=("node_attributes",))
    data = load_tudataset("TOY", tmp_path)
    a = data.adjacency
    label_of = {(r, int(a.indices[k])): int(data.edge_labels[k])
                for r in range(5) for k in range(a.indptr[r], a.indptr[r + 1])}
    assert label_of[(1, 0)] == 0  # the first of the duplicated lines wins
    assert label_of[(0, 2)] == 2 and label_of[(4, 4)] == 4
    assert data.node_features.shape == (5, 2) and data.node_features[4].tolist() == [8.0, 9.25]
    assert data.subset([1]).edge_labels.tolist() == [3, 3, 4]


def test_constant_feature_without_node_labels(tmp_path: Path) -> None:
    write_tu(tmp_path, "TOY", TOY)
    data = load_tudataset("TOY", tmp_path)
    assert data.node_features.tolist() == [[1.0]] * 5 and data.node_labels is None


@pytest.mark.parametrize(
    ("part", "text", "message"),
    [
        ("A", "1, 2\n2, x\n", r"TOY_A\.txt, line 2: '2, x' is not a line of comma-separated integers"),
        ("A", "1, 2\n2\n", r"TOY_A\.txt, line 2: '2' does not have the expected 2 column"),
        ("A", "1, 2\n2, 1.5\n", r"TOY_A\.txt, line 2"),
        ("A", "1, 2\n\n2, 1\n", r"TOY_A\.txt, line 2: '' is empty"),
        ("A", "1, 2\n2, 9\n", r"TOY_A\.txt, line 2: node ids \[2, 9\]; expected ids in 1..5"),
        ("A", "1, 2\n3, 4\n", r"TOY_A\.txt, line 2: edge \[3, 4\] joins graphs 1 and 2"),
        ("graph_indicator", "1\n1\n2\n1\n2\n", r"line 4: graph id 1 follows 2"),
        ("graph_indicator", "1\n1\n1\n3\n3\n", r"line 4: graph id 3 follows 1"),
        ("graph_indicator", "2\n2\n2\n3\n3\n", r"line 1: graph id 2"),
        ("graph_labels", "5\n2\n1\n", r"TOY_graph_labels\.txt: 3 lines; expected 2"),
        ("node_labels", "1\n2\n3\n4\n", r"TOY_node_labels\.txt: 4 lines; expected 5"),
        ("edge_labels", "0\n0\n", r"TOY_edge_labels\.txt: 2 lines; expected 10"),
        ("node_attributes", "1,2\n3,4\n5\n6,7\n8,9\n", r"line 3: '5' has 1 values; expected 2"),
        ("node_attributes", "1,2\n3,4\n5,a\n6,7\n8,9\n", r"line 3: '5,a' is not a line of comma-separated"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path: Path, part: str, text: str, message: str) -> None:
    write_tu(tmp_path, "TOY", {**TOY, part: text})
    with pytest.raises(DatasetError, match=message):
        load_tudataset("TOY", tmp_path)


def test_truncated_gzip_is_reported(tmp_path: Path) -> None:
    folder = write_tu(tmp_path, "TOY", TOY, gz=("A",))
    path = folder / "TOY_A.txt.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DatasetError, match=r"TOY_A\.txt\.gz: not a complete gzip file"):
        load_tudataset("TOY", tmp_path)


def test_truncated_last_line_is_reported(tmp_path: Path) -> None:
    write_tu(tmp_path, "TOY", {**TOY, "A": TOY["A"].rstrip("\n")[:-2]})
    with pytest.raises(DatasetError, match=r"TOY_A\.txt, line 10: '2,' is not a line"):
        load_tudataset("TOY", tmp_path)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such dataset folder"):
        load_tudataset("NOPE", tmp_path)
    write_tu(tmp_path, "TOY", {k: v for k, v in TOY.items() if k != "graph_labels"})
    with pytest.raises(FileNotFoundError, match=r"TOY_graph_labels\.txt: missing"):
        load_tudataset("TOY", tmp_path)
