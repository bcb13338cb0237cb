"""Every experiment file shipped under experiments/ validates through the CLI (all sweep points built)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossbar_sim.cli import main

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"
FILES = sorted(EXPERIMENTS.rglob("*.yaml"))
SWEEPS = {"read_noise", "adc_bits", "wire_resistance", "forming_voltage", "array_size", "drift"}


def test_what_if_sweeps_are_present() -> None:
    assert SWEEPS <= {p.stem for p in (EXPERIMENTS / "sweeps").glob("*.yaml")}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(EXPERIMENTS)) for p in FILES])
def test_experiment_file_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {path}: ")
