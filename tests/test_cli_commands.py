"""The CLI's happy paths: validate, run, sweep, export, plot, info, help."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from crossbar_sim.cli import main

SWEEP = """runner: toy
experiment:
  noise: {preset: loud}
  read_voltage_mV: 100
sweep:
  name: demo
  repeats: 3
  grid:
    x: {start: 0, stop: 1, num: 3}
    y: [0.0, 1.0]
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_text(SWEEP)
    return tmp_path


def test_validate_counts_points(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "demo.yaml", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"file": "demo.yaml", "name": "demo", "runner": "toy", "points": 18,
                      "axes": ["x", "y"], "repeats": 3, "pairing": "paired", "reference": {"x": 0.0}}
    assert main(["validate", "demo.yaml"]) == 0
    assert "18 point(s)" in (text := capsys.readouterr().out) and "paired design" in text
    assert not (workdir / "results").exists()



def test_validate_tells_sweep_repeats_from_chips_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    """A plain run of an ESGNN file is one sweep point whose run forms experiment.repeats chips."""
    mutag = str(Path(__file__).resolve().parents[1] / "experiments" / "paper" / "mutag.yaml")
    assert main(["validate", mutag, "--set", "experiment.repeats=3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["points"], report["repeats"], report["chips_per_run"]) == (1, 1, [3])
    assert main(["validate", mutag, "--set", "experiment.repeats=3"]) == 0
    assert "sweep repeats: 1; chips per run (experiment.repeats): 3;" in capsys.readouterr().out

def test_run_prints_json_and_writes_result(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "demo.yaml", "--seed", "5", "--json", "--out", "out/run.json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == json.loads((workdir / "out" / "run.json").read_text())
    assert document["seed"] == 5 and document["runner"] == "toy"
    assert document["config"]["read_voltage_V"] == 0.1
    assert document["config"]["noise"] == {"sigma": 0.5, "samples": 8}
    assert document["energy"]["analog_J"] == pytest.approx(0.5e-9)
    assert main(["run", "demo.yaml", "--seed", "5"]) == 0
    text = capsys.readouterr().out
    assert f"{document['accuracy']['mean']:.6g}" in text


def test_sweep_export_plot_round_trip(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "demo.yaml", "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["points"], summary["ok"], summary["failed"]) == (18, 18, 0)
    db = workdir / "results" / "demo.sqlite"
    assert db.is_file()
    assert main(["sweep", "demo.yaml", "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"] == 18
    assert main(["export", str(db), "--csv", "demo.csv"]) == 0
    with open(workdir / "demo.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 18 and {float(r["param.x"]) for r in rows} == {0.0, 0.5, 1.0}
    assert main(["plot", "metric", str(db), "--metric", "accuracy.mean", "--x", "x", "--out", "m.png"]) == 0
    assert main(["plot", "heatmap", str(db), "--metric", "energy.ratio", "--x", "x", "--y", "y",
                 "--out", "h.png"]) == 0
    assert main(["plot", "diff", str(db), "--reference", "x=0.5", "--out", "d.png"]) == 0
    capsys.readouterr()
    assert main(["compare", str(db), "--metric", "energy.analog_J"]) == 0
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line == "energy.analog_J: difference from the reference point (x = 0.0), paired design"
    for name in ("m.png", "h.png", "d.png"):
        assert (workdir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    assert main(["plot", "metric", str(db), "--metric", "accuracy.median", "--x", "x", "--out", "z.png"]) == 2
    assert "--metric = 'accuracy.median': must be one of accuracy.mean" in capsys.readouterr().err
    assert main(["plot", "metric", str(db), "--metric", "accuracy.mean", "--x", "z", "--out", "z.png"]) == 2
    assert "--x = 'z': must be a swept parameter: x, y" in capsys.readouterr().err
    assert not (workdir / "z.png").exists()


def test_info_reports_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {"versions", "data", "numba", "tools"}
    assert info["numba"]["threads"] >= 1
    assert "toy" in info["tools"]["runners"]


def test_help_teaches_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "crossbar-sim sweep" in text and "zip:" in text
    assert main(["sweep", "--help"]) == 0
    assert "--dask ADDRESS|local" in capsys.readouterr().out


def test_plot_energy_needs_an_energy_report(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "demo.yaml", "--out", "run.json"]) == 0
    capsys.readouterr()
    assert main(["plot", "energy", "run.json", "--out", "e.png"]) == 2
    assert "run.json: has no energy report (energy_report)" in capsys.readouterr().err
    (workdir / "broken.json").write_text('{"metrics": {"energy_report": {"label": "x"}}}')
    assert main(["plot", "energy", "broken.json", "--out", "e.png"]) == 2
    assert "broken.json: not a valid energy report (KeyError" in capsys.readouterr().err
    assert not (workdir / "e.png").exists()


def test_plot_arrays_writes_tiles_and_ir_drop_map(tmp_path, capsys, datasets_dir) -> None:
    from pathlib import Path

    config = Path(__file__).resolve().parent.parent / "experiments" / "paper" / "mutag.yaml"
    assert main(["plot", "arrays", str(config), "--out", str(tmp_path / "wh")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wh_ir_drop.png", "wh_tiles.png"]


def _strict_json(text: str) -> object:
    """``text`` parsed as standard JSON: NaN and Infinity (Python's extensions) are refused."""
    def refuse(constant: str) -> None:
        raise AssertionError(f"not standard JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_json_outputs_write_null_for_nan_and_infinity(workdir: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    huge = "runner: toy\nexperiment: {noise: {sigma: 1.0e308}}\nsweep: {repeats: 2, grid: {x: [0.0, 1.0]}}\n"
    (workdir / "huge.yaml").write_text(huge)  # the draws overflow to ±inf: the accuracy is NaN
    assert main(["run", "huge.yaml", "--json", "--out", "run.json"]) == 0
    printed = _strict_json(capsys.readouterr().out)
    assert printed == _strict_json((workdir / "run.json").read_text())
    assert printed["accuracy"] == {"mean": None, "std": None}
    assert main(["sweep", "huge.yaml", "--quiet", "--json"]) == 0
    _strict_json(capsys.readouterr().out)
    assert main(["compare", "results/huge.sqlite", "--metric", "energy.analog_J", "--json"]) == 0
    _strict_json(capsys.readouterr().out)
    assert main(["validate", "huge.yaml", "--json"]) == 0 and main(["keys", "--json"]) == 0
    for line in capsys.readouterr().out.splitlines():
        _strict_json(line)


def test_run_without_baseline_writes_null_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   datasets_dir: Path) -> None:
    config = tmp_path / "mutag.yaml"
    config.write_text("experiment:\n  workload: {dataset: MUTAG, baseline: false, reservoir: {units: 20}}\n")
    out = tmp_path / "result.json"
    assert main(["run", str(config), "--json", "--out", str(out), "--quiet"]) == 0
    printed = _strict_json(capsys.readouterr().out)
    assert printed == _strict_json(out.read_text())
    assert printed["baseline_accuracy"]["mean"] is None and printed["accuracy"]["mean"] > 0.5


def test_tune_data_and_info_json_is_strict(workdir: Path, datasets_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    import shutil
    from types import SimpleNamespace

    from crossbar_sim.study import tune

    class Tuner:  # a search whose scores are not finite (e.g. every fit failed)
        dropped: list[str] = []

        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def run(self) -> SimpleNamespace:
            chosen = {"workload.readout.ridge": float("nan"), "workload.reservoir.poolings": ("sum", "max")}
            return SimpleNamespace(chosen=chosen, best_score=float("nan"), base_score=float("-inf"),
                                   seeds=(100,), evaluations=1, skipped=2, unevaluated={}, wall_s=0.5)

    monkeypatch.setattr(tune, "Tuner", Tuner)
    monkeypatch.setattr(tune, "tuned_document", lambda *args: "experiment: {}\n")
    mutag = Path(__file__).resolve().parent.parent / "experiments" / "paper" / "mutag.yaml"
    assert main(["tune", str(mutag), "--out", "t.yaml", "--quiet", "--json"]) == 0
    printed = _strict_json(capsys.readouterr().out)
    assert printed["validation_accuracy"] is None and printed["input_validation_accuracy"] is None
    assert printed["left_out"] == 2
    assert printed["chosen"] == {"workload.readout.ridge": None,
                                 "workload.reservoir.poolings": ["sum", "max"]}
    shutil.copytree(Path(datasets_dir) / "MUTAG", workdir / "data" / "MUTAG")
    assert main(["data", "list", "--root", "data", "--json"]) == 0
    assert _strict_json(capsys.readouterr().out)["datasets"][0]["graphs"] == 188
    assert main(["info", "--json"]) == 0
    assert _strict_json(capsys.readouterr().out)["numba"]["threads"] >= 1
