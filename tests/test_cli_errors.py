"""Bad input: one line on stderr naming the problem, exit code 2, no traceback, no output files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crossbar_sim.cli import main

REPO = Path(__file__).resolve().parent.parent

GOOD_SWEEP = """runner: toy
experiment:
  x: 0.1
sweep:
  grid:
    x: [0.0, 0.5]
"""

# (file text, extra argv, expected fragment of the error line)
CASES = {
    "yaml-syntax": ("experiment: {x: 1\n", [], "s.yaml:2:1: YAML syntax error"),
    "yaml-indent": ("experiment:\n  x: 1\n y: 2\n", [], "s.yaml:3:2: YAML syntax error"),
    "yaml-duplicate": (
        "runner: toy\nexperiment: {}\nexperiment: {}\n",
        [], "s.yaml:3: key 'experiment' appears twice",
    ),
    "yaml-python-tag": ("experiment: !!python/object:os.system {}\n", [], "YAML syntax error"),
    "top-level-list": ("- 1\n- 2\n", [], "must be a YAML mapping at the top level (it is a list)"),
    "empty-file": ("", [], "(it is empty)"),
    "unknown-top-key": (
        "runner: toy\nexperimnt: {}\n",
        [], "experimnt: unknown top-level key (did you mean 'experiment'?)",
    ),
    "missing-experiment": ("runner: toy\n", [], "experiment: required top-level section is missing"),
    "unknown-runner": ("runner: toyy\nexperiment: {}\n", [], "runner = 'toyy': must be one of"),
    "runner-not-string": ("runner: 3\nexperiment: {}\n", [], "runner = 3: must be a string"),
    "experiment-scalar": ("runner: toy\nexperiment: 5\n", [], "experiment = 5: must be a mapping"),
    "unknown-key": (
        "runner: toy\nexperiment: {xx: 1}\n",
        [], "experiment.xx: unknown key in ToyConfig (did you mean 'x'?)",
    ),
    "nested-unknown-key": (
        "runner: toy\nexperiment: {noise: {sigam: 1}}\n",
        [], "experiment.noise.sigam: unknown key in ToyNoise (did you mean 'sigma'?)",
    ),
    "string-for-float": (
        "runner: toy\nexperiment: {x: abc}\n",
        [], "experiment.x = 'abc': must be a finite number",
    ),
    "bool-for-float": (
        "runner: toy\nexperiment: {x: true}\n",
        [], "experiment.x = True: must be a finite number",
    ),
    "nan": ("runner: toy\nexperiment: {x: .nan}\n", [], "experiment.x = nan: must be a finite number"),
    "inf": ("runner: toy\nexperiment: {y: -.inf}\n", [], "experiment.y = -inf: must be a finite number"),
    "negative-sigma": (
        "runner: toy\nexperiment: {noise: {sigma: -1}}\n",
        [], "experiment.noise.sigma = -1.0: must be >= 0",
    ),
    "too-few-samples": (
        "runner: toy\nexperiment: {noise: {samples: 1}}\n",
        [], "experiment.noise.samples = 1: must be an integer >= 2",
    ),
    "float-for-int": (
        "runner: toy\nexperiment: {noise: {samples: 2.5}}\n",
        [], "experiment.noise.samples = 2.5: must be an integer",
    ),
    "bad-literal": (
        "runner: toy\nexperiment: {shape: cube}\n",
        [], "experiment.shape = 'cube': must be one of 'bump', 'ridge'",
    ),
    "unknown-preset": (
        "runner: toy\nexperiment: {noise: {preset: quite}}\n",
        [], "experiment.noise.preset = 'quite': must be one of loud, quiet (did you mean 'quiet'?)",
    ),
    "negative-unit-value": (
        "runner: toy\nexperiment: {read_voltage_mV: -5}\n",
        [], "experiment.read_voltage_mV = -5: must be > 0 (in SI: read_voltage_V = -0.005)",
    ),
    "unit-and-si-twice": (
        "runner: toy\nexperiment: {read_voltage_V: 0.1, read_voltage_mV: 5}\n",
        [], "experiment.read_voltage_mV: sets read_voltage_V again",
    ),
    "unit-on-string": ("runner: toy\nexperiment: {shape_mV: 1}\n", [], "experiment.shape_mV: unknown key"),
    "sweep-scalar": ("runner: toy\nexperiment: {}\nsweep: 3\n", [], "sweep = 3: must be a mapping"),
    "empty-axis": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: []}}\n",
        [], "sweep.grid.x = []: an axis needs at least one value",
    ),
    "unknown-sweep-path": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {noise.sigam: [1]}}\n",
        [], "sweep.grid.noise.sigam: not an experiment key",
    ),
    "sweep-into-value": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x.y: [1]}}\n",
        [], "sweep.grid.x.y: not an experiment key",
    ),
    "zip-unequal": (
        "runner: toy\nexperiment: {}\nsweep: {zip: {x: [1, 2], y: [1]}}\n",
        [], "sweep.zip: zipped axes must have equal lengths (got x: 2, y: 1)",
    ),
    "range-num-zero": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: {start: 0, stop: 1, num: 0}}}\n",
        [], "sweep.grid.x.num = 0: must be an integer >= 1",
    ),
    "range-missing-num": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: {start: 0, stop: 1}}}\n",
        [], "sweep.grid.x.num: required key is missing",
    ),
    "range-unknown-key": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: {start: 0, end: 1, num: 2}}}\n",
        [], "sweep.grid.x.end: unknown key in RangeSpec",
    ),
    "log-range-from-zero": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: {start: 0, stop: 1, num: 3, log: true}}}\n",
        [], "sweep.grid.x.start = 0.0: a log range needs start > 0",
    ),
    "range-nan": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: {start: .nan, stop: 1, num: 3}}}\n",
        [], "sweep.grid.x.start = nan: must be a finite number",
    ),
    "repeats-zero": (
        "runner: toy\nexperiment: {}\nsweep: {repeats: 0}\n",
        [], "sweep.repeats = 0: must be an integer >= 1",
    ),
    "seed-negative": (
        "runner: toy\nexperiment: {}\nsweep: {seed: -3}\n",
        [], "sweep.seed = -3: must be an integer >= 0",
    ),
    "sweep-value-type": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {x: [0.1, abc]}}\n",
        [], "experiment.x = 'abc': must be a finite number (in sweep point x='abc')",
    ),
    "sweep-value-nan": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {y: [.nan]}}\n",
        [], "experiment.y = nan: must be a finite number",
    ),
    "sweep-value-out-of-range": (
        "runner: toy\nexperiment: {}\nsweep: {grid: {noise.sigma: [0.1, -0.1]}}\n",
        [], "experiment.noise.sigma = -0.1: must be >= 0",
    ),
    "unknown-sweep-key": (
        "runner: toy\nexperiment: {}\nsweep: {grdi: {}}\n",
        [], "sweep.grdi: unknown key in SweepSpec (did you mean 'grid'?)",
    ),
    "bad-sweep-name": (
        "runner: toy\nexperiment: {}\nsweep: {name: ../escape}\n",
        [], "sweep.name = '../escape': must be letters",
    ),
    "duplicate-point": ("runner: toy\nexperiment: {}\nsweep: {grid: {x: [1, 1]}}\n", [], "appears twice"),
    "cli-seed-negative": (GOOD_SWEEP, ["--seed", "-1"], "--seed = -1: must be an integer >= 0"),
    "cli-workers-zero": (GOOD_SWEEP, ["--workers", "0"], "--workers = 0: must be an integer >= 1"),
    "cli-workers-text": (GOOD_SWEEP, ["--workers", "two"], "argument --workers: invalid int value: 'two'"),
}


def _files(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def _assert_one_line_error(err: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("crossbar-sim"), err
    assert fragment in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["sweep", "validate"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_gives_one_line_and_exit_2(case: str, command: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    text, extra, fragment = CASES[case]
    if command == "validate" and "--workers" in extra:
        pytest.skip("validate has no --workers")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(text)
    before = _files(tmp_path)
    code, err = _run([command, "s.yaml", *extra], capsys)
    assert code == 2
    _assert_one_line_error(err, fragment)
    assert _files(tmp_path) == before


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["sweep", "missing.yaml"], "missing.yaml: file not found"),
        (["run", "missing.yaml", "--out", "r.json"], "missing.yaml: file not found"),
        (["validate", "."], ".: is a directory"),
        (["run", "bad.yaml", "--json", "--out", "r.json"], "experiment.x = 'abc': must be a finite number"),
        (["run", "good.yaml", "--seed", "-4", "--out", "r.json"], "--seed = -4: must be an integer >= 0"),
        (["export", "missing.sqlite", "--csv", "out.csv"], "missing.sqlite: results database not found"),
        (["export", "good.yaml", "--csv", "out.csv"], "good.yaml: not a results database"),
        (["plot", "metric", "missing.sqlite", "--metric", "a", "--x", "x"], "results database not found"),
        (["plot", "energy", "missing.json"], "missing.json: result file not found"),
        (["plot", "energy", "good.yaml"], "good.yaml: not a JSON result"),
        (["sweep", "good.yaml", "--db", "good.yaml"], "good.yaml: not a results database"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["sweep"], "the following arguments are required: FILE"),
        (["export", "x.sqlite"], "the following arguments are required: --csv/--out"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(argv: list[str], fragment: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(GOOD_SWEEP)
    (tmp_path / "bad.yaml").write_text("runner: toy\nexperiment: {x: abc}\n")
    before = _files(tmp_path)
    code, err = _run(argv, capsys)
    assert code == 2
    _assert_one_line_error(err, fragment)
    assert _files(tmp_path) == before


@pytest.mark.parametrize(
    ("prefix", "case"),
    [([sys.executable, "-m", "crossbar_sim"], "yaml-syntax"),
     ([str(Path(sys.executable).with_name("crossbar-sim"))], "nested-unknown-key")],
)
def test_errors_through_a_real_process(prefix: list[str], case: str, tmp_path: Path) -> None:
    text, _, fragment = CASES[case]
    (tmp_path / "s.yaml").write_text(text)
    before = _files(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    proc = subprocess.run([*prefix, "sweep", "s.yaml"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    _assert_one_line_error(proc.stderr, fragment)
    assert _files(tmp_path) == before
