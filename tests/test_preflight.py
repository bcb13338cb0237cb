"""`validate` catches what `run` would refuse, before any work: technology, dataset folder, folds."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossbar_sim.cli import main

MUTAG = str(Path(__file__).resolve().parent.parent / "experiments" / "paper" / "mutag.yaml")


@pytest.mark.parametrize(("sets", "fragment"), [
    (["energy.technology=nope"], "experiment.energy.technology = 'nope': is not a technology preset"),
    (["workload.protocol=stratified_kfold", "workload.folds=500"],
     "experiment.workload.folds = 500: must be at most the 188 graphs of MUTAG"),
    (["workload.dataset=NOPE", "workload.protocol=stratified_kfold"],
     "dataset 'NOPE': "),
    (["workload.dataset=../etc", "workload.protocol=stratified_kfold"], "dataset = '../etc'"),
])
@pytest.mark.parametrize("command", ["validate", "run", "sweep"])
def test_refused_before_work(command: str, sets: list[str], fragment: str, datasets_dir: Path,
                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    args = [command, MUTAG, *(a for s in sets for a in ("--set", s))]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # no results folder, no database


def test_missing_dataset_names_folder_variable_and_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CROSSBAR_SIM_DATA", str(tmp_path))
    assert main(["validate", MUTAG]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'MUTAG'}: no such dataset folder" in err
    assert "$CROSSBAR_SIM_DATA" in err and "crossbar-sim data download MUTAG" in err
    monkeypatch.delenv("CROSSBAR_SIM_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["run", MUTAG]) == 2
    assert "searched the download cache, as $CROSSBAR_SIM_DATA is unset" in capsys.readouterr().err


def test_the_profiling_pass_keeps_samples_not_whole_batches() -> None:
    """What the estimate's "inputs kept by the profiling pass" term counts: sampled columns, copied."""
    import gc
    import weakref

    import numpy as np

    from crossbar_sim.esgnn.matrices import ProfilingMatrix
    from crossbar_sim.study.preflight import _sampled_columns

    matrix = ProfilingMatrix(np.eye(3), max_columns=8)
    batch = np.random.default_rng(0).random((3, 100))  # owns its data (a reshape would be a view)
    expected = batch[:, ::12].copy()
    matrix.matmul(batch)
    alive = weakref.ref(batch)
    del batch
    gc.collect()
    assert alive() is None  # a view of the batch would keep all 100 columns alive
    assert np.array_equal(matrix.profile(), expected)
    assert (_sampled_columns(43471), _sampled_columns(3371)) == (4348, 3371)  # PROTEINS: every 10th node
