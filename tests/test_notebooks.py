"""The notebooks are stored executed with their figures (``make notebooks``), and run again here top to
bottom (nbclient, the current environment's python3 kernel) in a temporary directory, printing the
numbers they are about."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _run(name: str, workdir: Path) -> str:
    """Execute ``notebooks/<name>.ipynb`` in ``workdir``; return its concatenated text output."""
    book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "store it executed: make notebooks"
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in code for o in c.get("outputs", [])), "stored without its figures"
    NotebookClient(book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
                   ).execute()
    return "".join(o.get("text", "") for c in book.cells if c.cell_type == "code" for o in c.outputs)


def _percent(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the notebook output"
    return float(match.group(1))


@pytest.mark.xdist_group("notebooks")
def test_device_what_if(tmp_path: Path, paper_data_dir: Path) -> None:
    text = _run("device_what_if", tmp_path)
    assert "over 400 cells" in text
    assert 3.35 < _percent(r"measured breakdown: ([\d.]+)", text) < 3.50
    assert 40.0 < _percent(r"([\d.]+)% unformed", text) < 62.0
    assert 1.7 < _percent(r"read-to-read spread of formed cells: ([\d.]+)%", text) < 2.3
    assert 85.0 < _percent(r"cell voltage: min ([\d.]+) %", text) < 99.0
    assert "W_H on 8 tiles of at most 32 x 32 cells" in text
    assert {p.name for p in (tmp_path / "device_what_if").iterdir()} == {
        "sparsity_vs_voltage.png", "histogram.png", "drift.png", "ir_drop.png", "tiles.png"}


@pytest.mark.xdist_group("notebooks")
def test_mutag_reproduction(tmp_path: Path, datasets_dir: Path) -> None:
    text = _run("mutag_reproduction", tmp_path)
    assert 80.0 < _percent(r"hardware accuracy: ([\d.]+)%", text) <= 100.0
    assert 80.0 < _percent(r"software baseline \(same weights, float64\): ([\d.]+)%", text) <= 100.0
    assert "GPU / analogue energy:" in text
    assert (tmp_path / "mutag_energy.png").stat().st_size > 0


@pytest.mark.xdist_group("notebooks")
def test_sweep_analysis(tmp_path: Path, datasets_dir: Path) -> None:
    text = _run("sweep_analysis", tmp_path)
    assert "4 finished, 0 failed" in text
    assert "second run: 4 skipped, 0 run" in text
    rows = re.findall(r"^\s*([\d.]+)\s+([\d.]+)%\s+([\d.]+)%$", text, flags=re.M)
    assert [float(r[0]) for r in rows] == [0.0, 0.03, 0.06, 0.10]
    assert all(60.0 < float(r[1]) <= 100.0 for r in rows)
    assert (tmp_path / "accuracy_vs_read_noise.png").stat().st_size > 0
