"""`crossbar-sim tune`: successive halving on validation items only, the tuned file it writes, and the
proof that no test label reaches a selection (the result is unchanged when they are all changed)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from crossbar_sim.cli import main
from crossbar_sim.cli.common import read_file
from crossbar_sim.study.config import ConfigError
from crossbar_sim.study.tune import Tuner, TuneSpace, load_space

SMALL = {"workload.reservoir.units": (6, 12), "workload.reservoir.iterations": (1, 2),
         "workload.readout.kind": ("ridge", "logistic"), "workload.readout.ridge": (0.01, 1.0, 100.0)}


def _write(path: Path, experiment: dict) -> Path:
    path.write_text(yaml.safe_dump({"experiment": experiment}), encoding="utf-8")
    return path


def _mutag(tmp_path: Path, datasets_dir: Path, **workload) -> Path:
    return _write(tmp_path / "mutag.yaml", {"data_root": str(datasets_dir), "repeats": 1,
                                           "workload": {"dataset": "MUTAG", **workload}})


def test_tune_writes_a_runnable_file_that_bases_its_input(tmp_path: Path, datasets_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = _mutag(tmp_path, datasets_dir, reservoir={"units": 10})
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump({"space": {k: list(v) for k, v in SMALL.items()}, "budget": 4,
                                     "seeds": [100, 101, 102], "eta": 2}))
    out = tmp_path / "sub" / "tuned.yaml"
    out.parent.mkdir()
    assert main(["tune", str(config), "--space", str(space), "--out", str(out), "--quiet", "--json",
                 "--set", "experiment.name=tuned-mutag"]) == 0
    summary = json.loads(capsys.readouterr().out)
    text = out.read_text()
    document = yaml.safe_load(text)
    assert document["base"] == "../mutag.yaml"
    assert document["experiment"]["name"] == "tuned-mutag"
    reservoir = document["experiment"]["workload"]["reservoir"]
    assert reservoir["units"] in (6, 12, 10) and "ridge" in document["experiment"]["workload"]["readout"]
    for needle in ("# Tuned by crossbar-sim", "tuning seeds 100, 101, 102", "test items unused",
                   f"chosen {summary['validation_accuracy']:.4f}", "sha256"):
        assert needle in text
    assert summary["validation_accuracy"] >= summary["input_validation_accuracy"]
    assert main(["validate", str(out)]) == 0
    assert main(["run", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["config"]["name"] == "tuned-mutag"


def test_successive_halving_spends_seeds_on_the_survivors(tmp_path: Path, datasets_dir: Path) -> None:
    file = read_file(str(_mutag(tmp_path, datasets_dir)))
    tuner = Tuner(file, TuneSpace(SMALL, budget=4, seeds=(100, 101, 102), eta=2))
    result = tuner.run()
    # rung 0: 4 configurations × 1 seed; rung 1: the best 2 on a second seed; the best 1 on the third;
    # then the input's own settings on every seed, unless they are that best one
    base_won = result.chosen["workload.reservoir.units"] == 50
    assert result.evaluations == 4 + 2 + 1 + (0 if base_won else 2)
    assert result.best_score >= result.base_score
    assert set(result.chosen) == set(SMALL)
    assert result.ranking[0][0] == result.best_score



def test_values_no_kept_draw_holds_are_reported(tmp_path: Path, datasets_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A value every draw of which is refused (here: more readout features than max_features) is named in
    the summary and in the tuned file, not silently missing from the search."""
    config = _mutag(tmp_path, datasets_dir, reservoir={"units": 6, "iterations": 1})
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump({"space": {"workload.reservoir.units": [6, 8, 40],
                                               "workload.readout.ridge": [0.1, 1.0]},
                                     "budget": 3, "seeds": [100], "max_features": 30}))
    out = tmp_path / "tuned.yaml"
    assert main(["tune", str(config), "--space", str(space), "--out", str(out), "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unevaluated"] == {"workload.reservoir.units": [40]}
    assert "never evaluated (no kept draw held it): workload.reservoir.units: [40]" in out.read_text()
    assert main(["tune", str(config), "--space", str(space), "--out", str(out), "--quiet"]) == 0
    assert "never evaluated: workload.reservoir.units = 40" in capsys.readouterr().out


def test_a_set_on_a_space_key_holds_it(tmp_path: Path, datasets_dir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    config = _mutag(tmp_path, datasets_dir, reservoir={"units": 6, "iterations": 1})
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump({"space": {"hardware.mapping.mode": ["offset", "differential"],
                                               "workload.reservoir.units": [6, 8]},
                                     "budget": 3, "seeds": [100]}))
    out = tmp_path / "tuned.yaml"
    assert main(["tune", str(config), "--space", str(space), "--out", str(out), "--json",
                 "--set", "experiment.hardware.mapping.mode=differential"]) == 0
    captured = capsys.readouterr()
    assert "held at their --set values (not searched): hardware.mapping.mode" in captured.err
    assert "hardware.mapping.mode" not in json.loads(captured.out)["chosen"]
    text = out.read_text()
    assert "#     hardware.mapping.mode" not in text  # the provenance lists the axes searched
    assert yaml.safe_load(text)["experiment"]["hardware"]["mapping"]["mode"] == "differential"
    assert main(["tune", str(config), "--space", str(space), "--out", str(out), "--set",
                 "hardware.mapping.mode=offset", "--set", "workload.reservoir.units=8"]) == 2
    assert "holds every key of space" in capsys.readouterr().err

def _node_file(tmp_path: Path, datasets_dir: Path) -> Path:
    return _write(tmp_path / "cora.yaml", {"data_root": str(datasets_dir), "workload": {
        "dataset": "Cora", "protocol": "complete", "reservoir": {"units": 16, "iterations": 2}}})


def _same_result_with_test_labels_changed(tuner: Tuner, test: np.ndarray) -> None:
    honest = tuner.run()
    labels = tuner.dataset.labels.copy()
    classes = labels.max() + 1
    labels[test] = (labels[test] + 1) % classes
    tuner.dataset = dataclasses.replace(tuner.dataset, labels=labels)
    other = tuner.run()
    assert other.chosen == honest.chosen and other.best_score == honest.best_score
    assert other.ranking == honest.ranking


def test_node_tuning_never_sees_test_labels(tmp_path: Path, datasets_dir: Path) -> None:
    file = read_file(str(_node_file(tmp_path, datasets_dir)))
    space = TuneSpace({"workload.weights.input_scale_per_S": (10000.0, 40000.0),
                       "workload.readout.ridge": (0.1, 10.0)}, budget=2, seeds=(100,))
    tuner = Tuner(file, space)
    split = tuner.dataset.split("complete")
    _same_result_with_test_labels_changed(tuner, split["test"])


def test_graph_tuning_never_sees_test_labels(tmp_path: Path, datasets_dir: Path) -> None:
    shutil.copytree(datasets_dir / "MUTAG", tmp_path / "data" / "MUTAG")
    test = np.arange(0, 188, 3)
    (tmp_path / "data" / "MUTAG" / "one.json").write_text(json.dumps([test.tolist()]))
    config = _write(tmp_path / "one.yaml", {"data_root": str(tmp_path / "data"), "workload": {
        "dataset": "MUTAG", "protocol": "folds_file", "folds_file": "one.json", "reservoir": {"units": 8}}})
    tuner = Tuner(read_file(str(config)), TuneSpace(SMALL, budget=3, seeds=(100, 101), eta=2))
    _same_result_with_test_labels_changed(tuner, test)


def test_space_errors_name_the_key(tmp_path: Path, datasets_dir: Path) -> None:
    file = read_file(str(_mutag(tmp_path, datasets_dir)))
    base = file.base_config()
    with pytest.raises(ConfigError, match="space.workload.validation_fraction.*has no effect.*nested"):
        Tuner(file, TuneSpace({"workload.validation_fraction": (0.1, 0.2)}))
    with pytest.raises(ConfigError, match="space.workload.reservoir.unitz"):
        TuneSpace({"workload.reservoir.unitz": (1,)})
    with pytest.raises(ConfigError, match="non-empty list"):
        TuneSpace({"workload.reservoir.units": ()})
    with pytest.raises(ConfigError, match="seeds"):
        TuneSpace(SMALL, seeds=(1, 1))
    bad = tmp_path / "bad.yaml"
    bad.write_text("space: {workload.reservoir.units: [4]}\nbudgett: 3\n")
    with pytest.raises(ConfigError, match="budgett: unknown key"):
        load_space(str(bad), base)
    with pytest.raises(ConfigError, match="neither a preset"):
        load_space("nope", base)
    assert load_space("auto", base).name == "graph"
    assert main(["tune", str(tmp_path / "mutag.yaml"), "--out", str(tmp_path / "t.yaml"),
                 "--seeds", "1-x"]) == 2


def test_hardware_tuning_scores_the_arrays(tmp_path: Path, datasets_dir: Path) -> None:
    """--hardware reads the embeddings through the configured hardware (4-bit inputs, 8-bit ADC, noise)."""
    file = read_file(str(_write(tmp_path / "hw.yaml", {"data_root": str(datasets_dir), "workload": {
        "dataset": "MUTAG", "reservoir": {"units": 8}},
        "hardware": {"input": {"mode": "bit_serial", "bits": 2}, "adc": {"bits": 4}}})))
    space = TuneSpace({"workload.readout.ridge": (1e-3, 1.0)}, budget=1, seeds=(100,))
    software, hardware = (Tuner(file, space, hardware=h).score(file.base_config(), 100)
                          for h in (False, True))
    assert software.shape == hardware.shape == (1, 1, 2)
    assert not np.array_equal(software, hardware)
