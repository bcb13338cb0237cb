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


def test_demo_prints_statistics_and_writes_both_pngs(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["--out", str(out), "--size", "64"]) == 0
    text = capsys.readouterr().out
    assert "unformed fraction:" in text and "µS" in text and "3.430 V" in text
    unformed = float(text.split("unformed fraction:")[1].split()[0])
    assert unformed == pytest.approx(0.51, abs=0.05)
    assert sorted(p.name for p in out.iterdir()) == ["conductance_histogram.png", "conductance_map.png"]
