"""Outputs default to results/ in the working folder, never beside the input in the source tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossbar_sim.cli import main

REPO = Path(__file__).resolve().parent.parent


def test_plot_arrays_defaults_to_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, datasets_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in (REPO / "experiments" / "paper").iterdir())
    assert main(["plot", "arrays", str(REPO / "experiments" / "paper" / "mutag.yaml")]) == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["mutag_W_H_ir_drop.png",
                                                                          "mutag_W_H_tiles.png"]
    assert sorted(p.name for p in (REPO / "experiments" / "paper").iterdir()) == before
    assert "results/mutag_W_H_tiles.png" in capsys.readouterr().out
