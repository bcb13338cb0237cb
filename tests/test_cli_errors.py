"""Bad input: one line on stderr naming the problem, exit code 2, no traceback, no output files."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from crossbar_sim.cli import main
from crossbar_sim.esgnn.datasets.errors import DatasetError, DownloadError
from crossbar_sim.study.config import ConfigError
from device_models.errors import ParameterError

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
    "cli-workers-zero": (GOOD_SWEEP, ["--workers", "0"], "--workers = 0: must be an integer from 1 to "),
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


@pytest.mark.parametrize(("error", "fragment"), [
    (ConfigError("a.b", 3, "must be 4"), "a.b = 3: must be 4"),
    (ParameterError("bits", -1, "must be >= 1"), "bits = -1: must be >= 1"),
    (DatasetError("MUTAG_A.txt, line 3: expected two ids"), "error: MUTAG_A.txt, line 3: expected two ids"),
    (DownloadError("https://example.org/x.zip: could not connect (refused)"), "x.zip: could not connect"),
    (sqlite3.DatabaseError("database disk image is malformed"),
     "results database: database disk image is malformed"),
    (sqlite3.OperationalError("database or disk is full"), "results database: database or disk is full"),
    (OSError(errno.ENOSPC, "No space left on device", "out.csv"), "out.csv: No space left on device"),
    (OSError(errno.EXDEV, "Invalid cross-device link", ".r.tmp", None, "r.csv"),
     ".r.tmp -> r.csv: Invalid cross-device link"),
    (PermissionError(errno.EACCES, "Permission denied"), "error: Permission denied"),
    (OSError("the device went away"), "error: the device went away"),
    (OSError(), "error: OSError"),
    (UnicodeDecodeError("utf-8", b"ab\xff", 2, 3, "invalid start byte"),
     "cannot decode text as utf-8 (byte 2: invalid start byte)"),
    (MemoryError(), "out of memory; make the experiment smaller"),
    (ConfigError.problem("p.yaml", "two\nlines\r\n"), "p.yaml: two lines"),
])
def test_every_expected_error_class_is_one_line_and_exit_2(error: BaseException, fragment: str,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from crossbar_sim.cli import experiments

    def fail(args: object) -> int:
        raise error

    monkeypatch.setattr(experiments, "_cmd_validate", fail)
    code, err = _run(["validate", "whatever.yaml"], capsys)
    assert code == 2
    _assert_one_line_error(err, fragment)


def test_running_out_of_memory_in_a_run_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import toy_runner

    def allocate(seconds: float) -> None:
        np.ones(2**40)  # numpy cannot allocate 8 TB

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(toy_runner, "_busy", allocate)
    (tmp_path / "s.yaml").write_text("runner: toy\nexperiment: {x: 1.0}\n")
    code, err = _run(["run", "s.yaml", "--out", "r.json"], capsys)
    assert code == 2
    _assert_one_line_error(err, "out of memory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


@pytest.mark.parametrize("command", ["validate", "run", "sweep"])
def test_a_toy_sample_count_that_would_allocate_without_bound_is_refused(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(f"runner: toy\nexperiment: {{noise: {{samples: {2**40}}}}}\n")
    code, err = _run([command, "s.yaml"], capsys)
    assert code == 2
    _assert_one_line_error(err, f"experiment.noise.samples = {2**40}: must be an integer <= 1000000")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


# ------------------------------------------------------------------ the memory estimate

MUTAG = str(REPO / "experiments" / "paper" / "mutag.yaml")


@pytest.mark.parametrize("command", ["validate", "run", "sweep"])
def test_a_run_too_large_for_memory_is_refused_at_once(command: str, datasets_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CROSSBAR_SIM_MEMORY_LIMIT_GB", raising=False)
    assert main(["validate", MUTAG]) == 0  # imports and caches warm: what is timed is the check
    capsys.readouterr()
    start = time.perf_counter()
    code, err = _run([command, MUTAG, "--set", "workload.reservoir.units=200000"], capsys)
    assert time.perf_counter() - start < 0.5
    assert code == 2
    _assert_one_line_error(err, "experiment.workload.reservoir.units = 200000: the run needs about ")
    pattern = (r"needs about [\d,.]+ GB of memory, more than the limit of [\d.]+ GB \(80 % of the [\d.]+ GB "
               r"of physical memory; \$CROSSBAR_SIM_MEMORY_LIMIT_GB sets it\): reservoir arrays [\d,]+ GB "
               r"\(driven by workload.reservoir.units, hardware.mapping.mode\)")
    assert re.search(pattern, err), err
    assert list(tmp_path.iterdir()) == []


def test_the_memory_limit_comes_from_the_environment(datasets_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CROSSBAR_SIM_MEMORY_LIMIT_GB", "0.2")
    code, err = _run(["validate", MUTAG, "--set", "workload.reservoir.units=400"], capsys)
    assert code == 2
    _assert_one_line_error(err, "experiment.workload.reservoir.units = 400: the run needs about ")
    assert re.search(r"needs about [\d.]+ MB of memory, more than the limit of 200 MB "
                     r"\(\$CROSSBAR_SIM_MEMORY_LIMIT_GB\): ADC calibration currents [\d.]+ MB \(driven by "
                     r"workload.reservoir.units, hardware.input.bits", err), err
    monkeypatch.setenv("CROSSBAR_SIM_MEMORY_LIMIT_GB", "1")
    assert main(["validate", MUTAG, "--set", "workload.reservoir.units=400"]) == 0
    for bad in ("lots", "-1", "nan", "0"):
        monkeypatch.setenv("CROSSBAR_SIM_MEMORY_LIMIT_GB", bad)
        code, err = _run(["validate", MUTAG], capsys)
        assert code == 2
        _assert_one_line_error(err, f"_LIMIT_GB = '{bad}': must be a number of gigabytes > 0")


def test_the_memory_check_counts_every_local_worker(datasets_dir: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from crossbar_sim.study.config import read_experiment_file
    from crossbar_sim.study.preflight import dataset_shape, estimate_memory

    monkeypatch.chdir(tmp_path)
    config = read_experiment_file(MUTAG).base_config()
    one_run = estimate_memory(config, dataset_shape(datasets_dir / "MUTAG")).total_bytes
    monkeypatch.setenv("CROSSBAR_SIM_MEMORY_LIMIT_GB", f"{2.5 * one_run / 1e9:.6f}")  # room for two runs
    sweep = [MUTAG, "--set", "sweep.repeats=4", "--quiet"]
    assert main(["validate", *sweep[:3]]) == 0  # one run fits
    capsys.readouterr()
    for argv in (["--workers", "3"], ["--workers", "3", "--dask", "local"]):
        code, err = _run(["sweep", *sweep, *argv], capsys)
        assert code == 2
        _assert_one_line_error(err, "experiment.workload.reservoir.units = 50: the run needs about ")
        assert re.search(r"needs about [\d.]+ MB of memory, 3 workers at once about [\d.]+ MB \(fewer "
                         r"--workers use less\), more than the limit of", err), err
        assert f"{3 * one_run / 1e6:.3g} MB" in err
    assert list(tmp_path.iterdir()) == []
    from crossbar_sim.cli.experiments import _plan

    assert len(_plan(MUTAG, None, ["sweep.repeats=4"], 2).points) == 4  # two runs at once fit
    assert len(_plan(MUTAG, None, ["sweep.repeats=1"], 3).points) == 1  # one point: one run at once


def test_the_memory_estimate_matches_its_calibration(datasets_dir: Path) -> None:
    from crossbar_sim.esgnn.datasets.manifest import dataset_folder
    from crossbar_sim.study.config import read_experiment_file
    from crossbar_sim.study.preflight import CALIBRATION, dataset_shape, estimate_memory

    for path, sets, measured_mb in CALIBRATION:
        overrides = [f"experiment.{s}" for s in sets] + ["experiment.repeats=1"]
        config = read_experiment_file(REPO / path, overrides).base_config()
        shape = dataset_shape(dataset_folder(config.workload.dataset, config.data_root))
        estimate = estimate_memory(config, shape).total_bytes / 1e6
        assert estimate == pytest.approx(measured_mb, rel=0.10), (path, sets)


# ------------------------------------------------------------------ tune: hostile spaces and flags

SPACE = "space: {workload.reservoir.units: [5, 6]}\n"


@pytest.mark.parametrize(("space", "flags", "fragment"), [
    (SPACE + "budget: lots\n", [], "budget = 'lots': must be an integer >= 1 and <= 10,000"),
    (SPACE + "budget: 1.5\n", [], "budget = 1.5: must be an integer >= 1"),
    (SPACE + "budget: true\n", [], "budget = True: must be an integer >= 1"),
    (SPACE + "seeds: [a, b]\n", [], "seeds = ['a', 'b']: must be 1 to 1000 distinct integers >= 0"),
    (SPACE + "seeds: [true]\n", [], "seeds = [True]: must be 1 to 1000 distinct integers >= 0"),
    (SPACE + "max_features: x\n", [], "max_features = 'x': must be an integer >= 2"),
    (SPACE + "eta: [2]\n", [], "eta = [2]: must be an integer >= 2"),
    ("space: {workload.reservoir.units: [-5, abc]}\n", [],
     "space.workload.reservoir.units = -5: must be an integer >= 1"),
    ("space: {workload.readout.ridge: [0.1, abc]}\n", [], "space.workload.readout.ridge = 'abc': "),
    (SPACE, ["--budget", str(10**9)], "budget = 1000000000: must be an integer >= 1 and <= 10,000"),
    (SPACE, ["--seeds", "0-100000000000"], "--seeds = '0-100000000000': must be integers or ranges, e.g. "
                                           "100,101 or 100-104, at most 1000 seeds"),
    (SPACE, ["--seeds", "1-600,700-1200"], "at most 1000 seeds"),
    (SPACE, ["--seeds", ""], "--seeds = '': must be integers or ranges"),
    (SPACE, ["--seeds", "5-3"], "seeds = []: must be 1 to 1000 distinct integers >= 0"),
    (SPACE, ["--out", "."], "--out = '.': is a directory; name the file to write"),
])
def test_tune_refuses_hostile_spaces_and_flags_in_one_line(space: str, flags: list[str], fragment: str,
                                                           datasets_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "space.yaml").write_text(space)
    start = time.perf_counter()
    code, err = _run(["tune", MUTAG, "--space", "space.yaml", "--out", "t.yaml", "--quiet", *flags], capsys)
    assert code == 2 and time.perf_counter() - start < 10
    _assert_one_line_error(err, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["space.yaml"]


def test_tune_refuses_other_runners(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "toy.yaml").write_text("runner: toy\nexperiment: {x: 0.1}\n")
    code, err = _run(["tune", "toy.yaml", "--out", "t.yaml"], capsys)
    assert code == 2
    _assert_one_line_error(err, "toy.yaml: runner = 'toy': tune searches ESGNN experiments only")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["toy.yaml"]


@pytest.mark.parametrize("where", ["file", "--set"])
def test_an_integer_too_long_for_python_is_one_line(where: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    digits = "9" * 5000  # Python refuses to read a decimal of over 4300 digits (ValueError)
    x = digits if where == "file" else "0.1"
    (tmp_path / "s.yaml").write_text(f"runner: toy\nexperiment:\n  x: {x}\n")
    sets = ["--set", f"experiment.x={digits}"] if where == "--set" else []
    code, err = _run(["validate", "s.yaml", *sets], capsys)
    assert code == 2
    fragment = "s.yaml:3: an integer" if where == "file" else "s.yaml: --set experiment.x:1: an integer"
    _assert_one_line_error(err, f"{fragment} of 5,000 characters; at most 1,000 are read")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("argv", [
    ["run", "s.yaml", "--out", "special"],
    ["export", "r.sqlite", "--csv", "special"],
    ["plot", "metric", "r.sqlite", "--metric", "accuracy.mean", "--out", "special"],
    ["plot", "diff", "r.sqlite", "--out", "special"],
])
def test_an_output_that_is_a_fifo_is_refused_not_replaced(argv: list[str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import stat

    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text("runner: toy\nexperiment: {x: 0.1}\nsweep: {grid: {x: [0.0, 1.0]}}\n")
    assert main(["sweep", "s.yaml", "--quiet", "--db", "r.sqlite"]) == 0
    capsys.readouterr()
    os.mkfifo(tmp_path / "special")  # as /dev/full would be: renaming over it replaces the node
    before = sorted(p.name for p in tmp_path.iterdir())
    code, err = _run(argv, capsys)
    assert code == 2
    _assert_one_line_error(err, "special: exists and is not a regular file (a device, FIFO or socket?)")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "special").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(("content", "fragment"), [
    ("[" * 100_000 + "]" * 100_000, "r.json: not a JSON result (nested too deeply)"),
    ('{"energy_report": NaN}', "r.json: not a valid energy report (TypeError: an energy report is a JSON "
                               "object, not float)"),
    ("[1, 2]", "r.json: not a valid energy report (TypeError: an energy report is a JSON object, not int)"),
    ('{"metrics": {"energy_report": ["x"]}}', "is a JSON object, not str"),
    (" " * (64 << 20) + "{}", "r.json: is larger than 67,108,864 bytes"),
])
def test_plot_energy_refuses_hostile_json_in_one_line(content: str, fragment: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.json").write_text(content)
    code, err = _run(["plot", "energy", "r.json", "--out", "e.png"], capsys)
    assert code == 2
    _assert_one_line_error(err, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


@pytest.mark.parametrize(("argv", "fragment"), [
    (["plot", "heatmap", "r.sqlite", "--metric", "accuracy.mean", "--x", "x", "--y", "x", "--out", "h.png"],
     "--y = 'x': must be another swept parameter than --x"),
    (["data", "list", "--root", "nope"], "--root = 'nope': is not a folder"),
    (["data", "list", "--root", "s.yaml"], "--root = 's.yaml': is not a folder"),
    (["sweep", "s.yaml", "--workers", str(10**6), "--dask", "local"],
     "--workers = 1000000: must be an integer from 1 to "),
])
def test_arguments_that_cannot_mean_anything_are_refused(argv: list[str], fragment: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text("runner: toy\nexperiment: {x: 0.1}\nsweep: {grid: {x: [0.0, 1.0]}}\n")
    assert main(["sweep", "s.yaml", "--quiet", "--db", "r.sqlite"]) == 0
    capsys.readouterr()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, err = _run(argv, capsys)
    assert code == 2
    _assert_one_line_error(err, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
