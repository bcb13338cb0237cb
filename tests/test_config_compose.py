"""Composition of experiment files: ``base:`` inheritance and ``--set`` overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossbar_sim.cli import main
from crossbar_sim.study.config import ConfigError, read_experiment_file
from crossbar_sim.study.config.experiment import apply_overrides


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_base_is_inherited_then_overridden(tmp_path: Path) -> None:
    _write(tmp_path / "common" / "base.yaml",
           "experiment:\n  repeats: 3\n  hardware:\n"
           "    adc: {bits: 6, range_mode: calibrated, percentile: 99.0}\n"
           "sweep:\n  grid: {hardware.adc.bits: [4, 5]}\n")
    child = _write(tmp_path / "what_if" / "child.yaml",
                   "base: ../common/base.yaml\nexperiment:\n  hardware:\n    adc: {bits: 8}\n")
    file = read_experiment_file(child)
    config = file.base_config()
    assert config.repeats == 3  # inherited
    assert config.hardware.adc.bits == 8  # overridden
    assert config.hardware.adc.percentile == 99.0  # a sibling key of the override survives
    assert file.sweep == {"grid": {"hardware.adc.bits": [4, 5]}}  # the base's sweep is kept when not given


def test_base_chain_and_unit_spelling(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", "experiment:\n  hardware:\n    array: {read_voltage_V: 0.2}\n")
    _write(tmp_path / "b.yaml", "base: a.yaml\nexperiment:\n  hardware:\n    array: {read_voltage_mV: 150}\n")
    c = _write(tmp_path / "c.yaml", "base: b.yaml\nexperiment: {repeats: 2}\nsweep: {repeats: 4}\n")
    config = read_experiment_file(c).base_config()
    assert config.hardware.array.read_voltage_V == pytest.approx(0.15)  # the mV key replaces the V key
    assert config.repeats == 2


@pytest.mark.parametrize(("files", "fragment"), [
    ({"a.yaml": "base: b.yaml\nexperiment: {}\n", "b.yaml": "base: a.yaml\nexperiment: {}\n"}, "cycle"),
    ({"a.yaml": "base: a.yaml\nexperiment: {}\n"}, "cycle"),
    ({"a.yaml": "base: missing.yaml\nexperiment: {}\n"}, "missing.yaml: file not found"),
    ({"a.yaml": "base: 3\nexperiment: {}\n"}, "must be the path of an experiment file"),
])
def test_bad_base_is_one_clear_error(tmp_path: Path, files: dict[str, str], fragment: str) -> None:
    for name, text in files.items():
        _write(tmp_path / name, text)
    with pytest.raises(ConfigError, match=fragment):
        read_experiment_file(tmp_path / "a.yaml")


def test_overrides_are_yaml_typed_and_reach_every_section() -> None:
    doc = {"experiment": {"hardware": {"adc": {"bits": 8}}}, "sweep": {"repeats": 1}}
    out = apply_overrides(doc, ["experiment.repeats=2", "hardware.adc.bits=6", "sweep.repeats=5",
                                "hardware.array.read_voltage_mV=150",
                                "workload.readout.ridge_candidates=[1, 2]"])
    assert out["experiment"]["repeats"] == 2
    assert out["experiment"]["hardware"]["adc"]["bits"] == 6
    assert out["experiment"]["hardware"]["array"] == {"read_voltage_mV": 150}
    assert out["experiment"]["workload"]["readout"]["ridge_candidates"] == [1, 2]
    assert out["sweep"]["repeats"] == 5
    assert doc["experiment"]["hardware"]["adc"]["bits"] == 8  # the input is not modified


@pytest.mark.parametrize(("item", "fragment"), [
    ("hardware.adc.bits", "must read KEY.PATH=VALUE"),
    ("=3", "must read KEY.PATH=VALUE"),
    ("base=x.yaml", "cannot change base"),
    ("hardware.adc.bits=[1, 2", "YAML syntax error"),
])
def test_bad_override_is_one_clear_error(item: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        apply_overrides({"experiment": {}}, [item])


def test_cli_set_on_run_and_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "toy.yaml", "runner: toy\nexperiment: {x: 0.1}\nsweep:\n  grid: {y: [0.0, 1.0]}\n")
    assert main(["run", "toy.yaml", "--set", "x=0.7", "--set", "experiment.noise.sigma=0.0", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["config"]["x"] == 0.7 and document["config"]["noise"]["sigma"] == 0.0
    assert main(["validate", "toy.yaml", "--set", "sweep.repeats=3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["points"] == 6
    assert main(["validate", "toy.yaml", "--set", "experiment.nope=1"]) == 2
    assert "experiment.nope: unknown key" in capsys.readouterr().err
