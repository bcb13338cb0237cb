"""Device plots and the temporary demo write real PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from crossbar_sim.demo import main
from crossbar_sim.plots.device import plot_conductance_histogram, plot_conductance_map
from device_models import RRAMDeviceModel


@pytest.mark.parametrize("plot", [plot_conductance_histogram, plot_conductance_map])
def test_plot_writes_a_png(plot, tmp_path: Path) -> None:
    g = RRAMDeviceModel().form((32, 48), np.random.default_rng(0)).conductance_S
    path = plot(g, tmp_path / "sub" / "plot.png")
    assert path == tmp_path / "sub" / "plot.png"
    image = imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 200
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_demo_runs_mutag_and_writes_its_plots(tmp_path: Path, capsys, datasets_dir: Path) -> None:
    out = tmp_path / "demo"
    config = Path(__file__).resolve().parent.parent / "experiments" / "paper" / "mutag.yaml"
    assert main(["--config", str(config), "--out", str(out), "--repeats", "1"]) == 0
    text = capsys.readouterr().out
    assert "single-ended (paper) arrays" in text and "differential pairs" in text
    hardware = float(text.split("single-ended (paper) arrays")[1].split("hardware")[1].split()[0])
    assert 85.0 < hardware <= 100.0
    analog_uJ = float(text.split("analogue ")[1].split()[0])
    assert analog_uJ == pytest.approx(34.44, rel=0.05)
    assert sorted(p.name for p in out.iterdir()) == [
        "conductance_histogram.png", "conductance_map.png", "energy_breakdown.png", "energy_comparison.png"
    ]
