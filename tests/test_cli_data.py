"""`crossbar-sim data list`: every dataset folder with its size, node inputs and protocols."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crossbar_sim.cli import main


def test_lists_the_shipped_datasets(datasets_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(datasets_dir)
    assert main(["data", "list", "--root", str(root), "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)["datasets"]}
    assert {"MUTAG", "Cora", "PROTEINS", "NCI1", "IMDB-BINARY"} <= set(listed)
    mutag, cora, proteins = listed["MUTAG"], listed["Cora"], listed["PROTEINS"]
    assert (mutag["graphs"], mutag["nodes"], mutag["edges"], mutag["classes"]) == (188, 3371, 3721, 2)
    assert mutag["protocols"][0] == "paper_folds" and "paper_folds.json" in mutag["folds_files"]
    assert (cora["nodes"], cora["edges"], cora["classes"]) == (2708, 5278, 7)
    assert cora["protocols"] == ["complete", "public", "random"]
    assert proteins["node_attributes"] and proteins["node_labels"] and proteins["features"] == 4


def test_a_dropped_in_folder_and_a_broken_one(tmp_path: Path, datasets_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(Path(datasets_dir) / "MUTAG", tmp_path / "MYDATA")
    for path in (tmp_path / "MYDATA").glob("MUTAG_*"):
        path.rename(path.with_name(path.name.replace("MUTAG", "MYDATA")))
    (tmp_path / "MYDATA" / "folds").mkdir()
    (tmp_path / "MYDATA" / "folds" / "train_idx-1.txt").write_text("0\n")
    (tmp_path / "MYDATA" / "folds" / "test_idx-1.txt").write_text("1\n")
    (tmp_path / "BROKEN").mkdir()
    (tmp_path / "BROKEN" / "BROKEN_graph_indicator.txt").write_text("1\n1\n")
    (tmp_path / "notes").mkdir()
    assert main(["data", "list", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "MYDATA (tudataset): 188 graphs, 3371 nodes, 3721 edges, 2 classes" in out
    assert "protocols: stratified_kfold, folds_file; folds_file: folds, paper_folds.json" in out
    assert "BROKEN: unreadable (FileNotFoundError" in out and "notes" not in out
