"""Every experiment file shipped under experiments/ validates through the CLI (all sweep points built), and
every tune space under experiments/spaces/ names real keys with candidate values."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossbar_sim.cli import main
from crossbar_sim.study.experiment import ExperimentConfig
from crossbar_sim.study.tune import load_space

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
SPACES = EXPERIMENTS / "spaces"
FILES = sorted(p for p in EXPERIMENTS.rglob("*.yaml") if SPACES not in p.parents)
SWEEPS = {"read_noise", "adc_bits", "wire_resistance", "forming_voltage", "array_size", "drift"}


def test_what_if_sweeps_are_present() -> None:
    assert SWEEPS <= {p.stem for p in (EXPERIMENTS / "sweeps").glob("*.yaml")}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(EXPERIMENTS)) for p in FILES])
def test_experiment_file_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {path}: ")


@pytest.mark.parametrize("path", sorted(SPACES.glob("*.yaml")), ids=lambda p: p.name)
def test_tune_space_loads(path: Path) -> None:
    space = load_space(str(path), ExperimentConfig())
    assert space.axes and space.budget >= 1 and 0 not in space.seeds  # seed 0 is the reported one
