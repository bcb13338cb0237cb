"""Sweep results as data: flat numeric columns, the seed design in the store, paired differences, plots."""

from __future__ import annotations

import csv
import math
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import imread
from scipy.stats import t as student_t

from crossbar_sim.energy.pricing import COMPONENTS
from crossbar_sim.study.config import ConfigError, parse_experiment_document, read_experiment_file
from crossbar_sim.study.sweep import (
    ResultStore,
    expand_sweep,
    export_csv,
    flatten_columns,
    mean_ci95,
    paired_differences,
    run_sweep,
)

REPORT = {
    "label": "demo", "technology": "generic",
    "analog": [["recurrence", "W_H", "adc_tia", 2e-6], ["recurrence", "W_H", "cell", 1e-7],
               ["input_projection", "W_I", "adc_tia", 5e-7], ["recurrence", "(digital)", "digital", 3e-6]],
    "gpu": {"reservoir_ops": 1e8, "pooling_ops": 10, "readout_ops": 20, "transfer_bytes": 30,
            "reservoir_J": 4e-5, "pooling_J": 1e-8, "transfer_J": 1e-7, "readout_J": 1e-9,
            "backward_trainable_ops": 1e9, "backward_readout_fit_ops": 1e6},
    "latency_s": {"analog": 1e-3, "digital": 1e-4, "transfer": 0.0, "total": 1.1e-3},
}


def toy_plan(tmp_path: Path, sweep: dict, experiment: dict | None = None, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"runner": "toy", "experiment": experiment or {}, "sweep": sweep}))
    return expand_sweep(read_experiment_file(path))


# ------------------------------------------------------------------ flat columns


def test_nested_metrics_become_flat_numeric_columns() -> None:
    flat = flatten_columns({"accuracy": {"mean": np.float64(0.9), "per_repeat": [0.8, 1.0]},
                            "split_accuracies": [[0.5, 0.75]], "arrays": {"tiles": {"W_H": 2}, "ok": True},
                            "energy_report": REPORT, "note": None, "shape": (3, "x")})
    assert flat["accuracy.mean"] == 0.9 and type(flat["accuracy.mean"]) is float
    assert flat["accuracy.per_repeat.1"] == 1.0 and flat["split_accuracies.0.1"] == 0.75
    assert flat["arrays.tiles.W_H"] == 2 and flat["arrays.ok"] is True and flat["note"] is None
    assert flat["shape.0"] == 3 and flat["shape.1"] == "x"
    prefix = "energy_report.analog."
    assert flat[prefix + "by_component.adc_tia_J"] == pytest.approx(2.5e-6)
    assert {f"{prefix}by_component.{c}_J" for c in COMPONENTS} <= set(flat)  # unused components are 0
    assert flat[prefix + "by_component.transfer_J"] == 0.0
    assert flat[prefix + "by_phase.recurrence_J"] == pytest.approx(5.1e-6)
    assert flat[prefix + "by_array.W_I_J"] == pytest.approx(5e-7)
    assert flat[prefix + "entries.recurrence.W_H.cell_J"] == 1e-7
    assert flat[prefix + "total_J"] == pytest.approx(5.6e-6)
    assert flat["energy_report.gpu.reservoir_J"] == 4e-5 and flat["energy_report.latency_s.total"] == 1.1e-3
    assert flat["energy_report.label"] == "demo"
    assert not any(isinstance(v, (list, dict, tuple)) for v in flat.values())


def _store_with_report(tmp_path: Path) -> Path:
    plan = toy_plan(tmp_path, {"repeats": 2, "grid": {"x": [0.0, 1.0]}})
    db = tmp_path / "r.sqlite"
    with ResultStore(db) as store:
        store.write_plan_meta(plan)
        for index, point in enumerate(plan.points):
            metrics = {"accuracy": {"mean": 0.5 + 0.1 * point.repeat + point.overrides["x"] / 10,
                                    "per_repeat": [0.5]},
                       "baseline_accuracy": {"mean": 0.7}, "energy_report": REPORT, "latency_s": 1e-3,
                       "split_accuracies": [[0.5, 0.5]]}
            store.record(index, point, metrics, 0.1)
    return db


def test_store_table_csv_and_dataframe_hold_every_number_as_a_column(tmp_path: Path) -> None:
    db = _store_with_report(tmp_path)
    with ResultStore(db, create=False) as store:
        table = store.table()
        frame = store.to_dataframe()
    column = "energy_report.analog.by_component.adc_tia_J"
    assert len(table) == 4 and table[0]["param.x"] == 0.0 and table[0][column] == pytest.approx(2.5e-6)
    assert frame[column].dtype == np.float64 and frame["split_accuracies.0.1"].tolist() == [0.5] * 4
    assert list(frame.columns[:7]) == ["point_id", "point_index", "status", "repeat", "seed", "config_hash",
                                       "param.x"]
    assert list(frame.columns[-4:]) == ["run_wall_s", "error", "version", "timestamp"]
    assert export_csv(db, tmp_path / "r.csv") == 4
    with open(tmp_path / "r.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(frame.columns)
    assert float(rows[0][column]) == pytest.approx(2.5e-6)  # a number, not a Python repr
    assert not any(value.startswith(("[", "{")) for row in rows for value in row.values())


def test_to_dataframe_names_the_pandas_extra_when_pandas_is_missing(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store_with_report(tmp_path)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with ResultStore(db, create=False) as store, pytest.raises(ImportError, match=r"crossbar-sim\[pandas\]"):
        store.to_dataframe()


# ------------------------------------------------------------------ the seed design in the store


@pytest.mark.parametrize("pairing", ["paired", "independent"])
def test_resume_skips_finished_points_in_both_designs(tmp_path: Path, pairing: str) -> None:
    marker = tmp_path / "fail-now"
    marker.touch()
    plan = toy_plan(tmp_path, {"pairing": pairing, "repeats": 2,
                               "grid": {"x": [0.0, 0.5], "fail_if_exists": [None, str(marker)]}})
    db = tmp_path / "r.sqlite"
    first = run_sweep(plan, db, quiet=True)
    assert (first.ok, first.failed) == (4, 4)
    marker.unlink()
    second = run_sweep(plan, db, quiet=True)
    assert (second.skipped, second.ok, second.failed) == (4, 4, 0)
    assert run_sweep(plan, db, quiet=True).skipped == 8
    with ResultStore(db, create=False) as store:
        assert store.meta()["pairing"] == pairing
        seeds = {(r["repeat"], r["seed"]) for r in store.rows()}
    assert len(seeds) == (2 if pairing == "paired" else 8)


def test_a_database_of_the_other_design_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    run_sweep(toy_plan(tmp_path, {"grid": {"x": [0.0, 1.0]}}), db, quiet=True)
    independent = toy_plan(tmp_path, {"pairing": "independent", "grid": {"x": [0.0, 1.0]}})
    with pytest.raises(ConfigError, match="holds 2 point.*pairing: paired; set sweep.pairing: paired"):
        run_sweep(independent, db, quiet=True)
    with sqlite3.connect(db) as conn:  # a database from before pairing existed: its points are independent
        conn.execute("DELETE FROM meta WHERE key = 'pairing'")
    assert run_sweep(independent, db, quiet=True).ok == 2
    with pytest.raises(ConfigError, match="pairing: independent"):
        run_sweep(toy_plan(tmp_path, {"grid": {"x": [0.0, 1.0]}}), db, quiet=True)


def test_the_plan_meta_describes_the_sweep(tmp_path: Path) -> None:
    sweep = {"name": "m", "zip": {"x": [0.0, 1.0], "y": [2.0, 3.0]}, "reference": {"y": 3.0}}
    plan = toy_plan(tmp_path, sweep, {"read_voltage_mV": 100})
    db = tmp_path / "r.sqlite"
    run_sweep(plan, db, quiet=True)
    with ResultStore(db, create=False) as store:
        meta = store.meta()
    assert meta["pairing"] == "paired" and meta["zipped"] == ["x", "y"] and meta["axes"] == ["x", "y"]
    assert meta["reference"] == {"x": 1.0, "y": 3.0}
    assert meta["config"]["read_voltage_V"] == 0.1 and meta["config"]["x"] == 0.0  # the first point's


# ------------------------------------------------------------------ paired differences


def test_mean_ci95_is_the_student_t_interval() -> None:
    values = [0.1, 0.3, 0.2, 0.6]
    mean, half = mean_ci95(values)
    assert mean == pytest.approx(0.3)
    assert half == pytest.approx(student_t.ppf(0.975, 3) * np.std(values, ddof=1) / 2)
    assert mean_ci95([0.4]) == (0.4, None)
    assert math.isnan(mean_ci95([])[0])


def _toy_differences(tmp_path: Path, pairing: str, repeats: int = 4):
    plan = toy_plan(tmp_path, {"pairing": pairing, "repeats": repeats, "seed": 5,
                               "grid": {"x": [0.3, 0.0, 1.0], "y": [-0.1, 0.5]}},
                    {"noise": {"sigma": 0.2}}, name=f"{pairing}.yaml")
    db = tmp_path / f"{pairing}.sqlite"
    run_sweep(plan, db, quiet=True)
    return db, paired_differences(db)


def test_paired_differences_remove_the_shared_noise(tmp_path: Path) -> None:
    _, paired = _toy_differences(tmp_path, "paired")
    db, independent = _toy_differences(tmp_path, "independent")
    assert paired.reference == {"x": 0.3} and paired.pairing == "paired"
    assert len(paired.points) == 6  # every (x, y), each compared at its own y

    def clean(x: float, y: float) -> float:  # the toy's noise-free score
        return math.exp(-((x - 0.3) ** 2 + (y + 0.1) ** 2))

    for p in paired.points:
        assert p.reference == {"x": 0.3, "y": p.params["y"]} and p.n == 4 and p.shared_seeds
        expected = clean(p.params["x"], p.params["y"]) - clean(0.3, p.params["y"])
        assert p.mean == pytest.approx(expected, abs=1e-12)  # the same draws at every point cancel
        assert p.ci95 == pytest.approx(0.0, abs=1e-12)
    with ResultStore(db, create=False) as store:
        rows = {(r["param.x"], r["param.y"], r["repeat"]): r["accuracy.mean"] for r in store.table()}
    for p in independent.points:
        assert p.is_reference or (not p.shared_seeds and p.ci95 > 1e-3)
        x, y = p.params["x"], p.params["y"]
        diffs = [rows[(x, y, r)] - rows[(0.3, y, r)] for r in range(4)]
        assert list(p.per_repeat.values()) == pytest.approx(diffs)
        assert (p.mean, p.ci95) == pytest.approx(mean_ci95(diffs) if not p.is_reference else (0.0, 0.0))
    lines = paired.format().splitlines()
    assert lines[0] == "accuracy.mean: difference from the reference point (x = 0.3), paired design"
    assert sum(line.endswith("reference") for line in lines) == 2 and "[" in lines[4]


def test_references_single_seeds_and_bad_references(tmp_path: Path) -> None:
    plan = toy_plan(tmp_path, {"zip": {"x": [0.0, 0.5], "read_voltage_V": [0.1, 0.2]},
                               "grid": {"y": [0.0, 1.0]}})
    db = tmp_path / "r.sqlite"
    run_sweep(plan, db, quiet=True)
    by_y = paired_differences(db, "energy.analog_J", reference={"y": 1.0})
    assert by_y.reference == {"y": 1.0}
    assert all(p.n == 1 and p.ci95 is None for p in by_y.points)
    assert "n = 1: no CI" in by_y.format()
    zipped = paired_differences(db, "energy.analog_J", reference={"read_voltage_V": 0.2})
    assert zipped.reference == {"x": 0.5, "read_voltage_V": 0.2}
    assert zipped.points[0].mean == pytest.approx(1e-9 * (0.5 - 1.25), rel=1e-9)
    with pytest.raises(ConfigError, match=r"--reference.x = 0.7: is not a swept value \(swept: 0.0, 0.5\)"):
        paired_differences(db, reference={"x": 0.7})
    with pytest.raises(ConfigError, match="--reference.z = 1: must be a swept key: read_voltage_V, x, y"):
        paired_differences(db, reference={"z": 1})
    with pytest.raises(ConfigError, match="--metric = 'accuracy.meen': must be one of accuracy.mean"):
        paired_differences(db, "accuracy.meen")


# ------------------------------------------------------------------ plots


def test_plot_metric_draws_every_numeric_column_and_rejects_the_rest(tmp_path: Path) -> None:
    from crossbar_sim.plots.sweep import plot_metric

    db = _store_with_report(tmp_path)
    with ResultStore(db, create=False) as store:
        columns = [c for c in store.to_dataframe().select_dtypes("number").columns
                   if c not in ("point_index", "repeat", "seed", "run_wall_s") and not c.startswith("param.")]
    assert "energy_report.analog.by_component.adc_tia_J" in columns and len(columns) > 30
    for i, column in enumerate(columns):
        assert plot_metric(db, column, "x", tmp_path / f"m{i}.png").is_file()
    for metric, message in [
        ("energy_report.analog", "--metric = 'energy_report.analog': is a group of 15 columns, not one; "
                                 "pick one such as energy_report.analog.by_array.(digital)_J"),
        ("energy_report.label", "--metric = 'energy_report.label': is text, not a number"),
        ("energy_report.analog.by_component.adc_J",
         "must be one of energy_report.analog.by_component.adc_tia_J"),
        ("adc_tia", "must be one of energy_report.analog.by_component.adc_tia_J"),
    ]:
        with pytest.raises(ConfigError) as info:
            plot_metric(db, metric, "x", tmp_path / "bad.png")
        assert str(info.value).startswith(message) or message in str(info.value)
        assert "\n" not in str(info.value)
    assert not (tmp_path / "bad.png").exists()


def test_plots_write_high_resolution_png_and_vector_copies(tmp_path: Path) -> None:
    from crossbar_sim.plots.sweep import plot_difference, plot_heatmap, plot_metric

    plan = toy_plan(tmp_path, {"repeats": 3, "grid": {"x": [0.0, 0.5, 1.0], "y": [0.0, 1.0]}})
    db = tmp_path / "r.sqlite"
    run_sweep(plan, db, quiet=True)
    out = plot_metric(db, "accuracy.mean", None, tmp_path / "m.svg")
    assert out == tmp_path / "m.svg" and out.read_text().lstrip().startswith("<?xml")
    assert imread(tmp_path / "m.png").shape[:2] == (960, 1280)  # 6.4 x 4.8 in at 200 dpi
    assert plot_difference(db, tmp_path / "d.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "d.png").is_file()
    assert plot_heatmap(db, "energy.analog_J", "x", "y", tmp_path / "h.png").is_file()


def test_axes_follow_the_swept_values() -> None:
    from crossbar_sim.plots.sweep import _splitting, _x_axis

    def axis(key: str, values: list, rows: list | None = None, partners: list | None = None) -> Axes:
        ax = Figure().add_subplot()
        _x_axis(ax, key, values, partners or [], rows or [])
        return ax

    drift = axis("hardware.inference_times_s", [1.0, 1e4, 1e8])
    assert drift.get_xscale() == "log" and drift.get_xlabel() == "Inference time after forming (s)"
    bits = axis("hardware.adc.bits", [3, 4, 5, 6])
    assert bits.get_xscale() == "linear" and list(bits.get_xticks()) == [3, 4, 5, 6]
    noise = axis("hardware.read_noise.relative_sigma", [0.0, 0.05, 0.1])
    assert noise.get_xlabel() == "Read noise σ/G (%)"
    word, bit = "hardware.array.wires.wordline_segment_ohm", "hardware.array.wires.bitline_segment_ohm"
    rows = [{f"param.{word}": v, f"param.{bit}": v, "param.hardware.adc.bits": b, "repeat": 0}
            for v in (0.0, 5.0) for b in (6, 8)]
    wires = axis(word, [0.0, 5.0], rows, [bit])
    assert wires.get_xlabel() == ("Word-line segment resistance (Ω)\n"
                                  "zipped with bit-line segment resistance, same values")
    assert _splitting(rows, word) == ["hardware.adc.bits"]
    sizes = axis("hardware.array.max_rows", [16, 24, 32, 64, 128, 512])  # 1.5 decades, spaced in log
    assert sizes.get_xscale() == "log" and list(sizes.get_xticks()) == [16, 24, 32, 64, 128, 512]


def test_keys_get_human_names_and_units() -> None:
    from crossbar_sim.plots.quantities import quantity

    def label(key: str, values: list[float]) -> str:
        return quantity(key).scaled(values)[0]

    assert label("hardware.read_noise.relative_sigma", [0.1]) == "Read noise σ/G (%)"
    assert label("param.hardware.adc.bits", [8]) == "ADC resolution (bits)"
    assert label("device.programming_voltage_V", [3.4]) == "Forming voltage (V)"
    assert label("hardware.array.wires.wordline_segment_ohm", [10.0]) == "Word-line segment resistance (Ω)"
    assert label("hardware.inference_times_s", [1.0]) == "Inference time after forming (s)"
    assert label("energy.analog_J", [3e-5]) == "Analogue system energy (µJ)"
    assert label("energy_report.analog.by_component.adc_tia_J", [2e-3]) == "ADC + TIA energy (reservoir) (mJ)"
    assert label("energy_report.latency_s.analog", [1e-3]) == "Analog latency (ms)"
    assert label("accuracy.mean", [0.9]) == "Hardware accuracy (%)"
    assert label("arrays.tiles.W_H", [2]) == "W_H tiles"
    assert label("device.programming_voltage_mV", [3400.0]) == "Forming voltage (V)"
    assert label("workload.pulse_width_ns", [100.0]) == "Pulse width (ns)"
    assert label("hardware.array.wire_ohm", [2e3]) == "Wire (kΩ)"
    assert quantity("hardware.array.wire_ohm").scaled([2e3])[1] == pytest.approx(1e-3)


def test_parse_errors_in_reference_keys_name_the_sweep_section() -> None:
    doc = {"runner": "toy", "experiment": {}, "sweep": {"grid": {"x": [0.0]}, "reference": {"x": "a"}}}
    with pytest.raises(ConfigError, match=r"sweep.reference.x = 'a': is not a swept value \(swept: 0.0\)"):
        expand_sweep(parse_experiment_document(doc, "s.yaml"))
