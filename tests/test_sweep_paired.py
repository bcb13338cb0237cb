"""The paired design on real data: a MUTAG read-noise sweep shares its chips across the noise levels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import t as student_t

from crossbar_sim.study.config import parse_experiment_document
from crossbar_sim.study.sweep import ResultStore, expand_sweep, paired_differences, run_sweep

SIGMA = "hardware.read_noise.relative_sigma"
SIGMAS = [0.02, 0.021, 0.05]  # a tiny step (only common random numbers resolve it) and a large one
REPEATS = 3


def _sweep(tmp_path: Path, pairing: str) -> Path:
    document = {
        "experiment": {"workload": {"dataset": "MUTAG"}},  # read from datasets_dir ($CROSSBAR_SIM_DATA)
        "sweep": {"name": f"noise_{pairing}", "seed": 11, "repeats": REPEATS, "pairing": pairing,
                  "grid": {SIGMA: SIGMAS}},
    }
    db = tmp_path / f"{pairing}.sqlite"
    summary = run_sweep(expand_sweep(parse_experiment_document(document, "read_noise")), db, quiet=True)
    assert (summary.ok, summary.failed) == (len(SIGMAS) * REPEATS, 0)
    return db


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> dict[str, Path]:
    assert datasets_dir.is_dir()  # the fixture skips without the data
    folder = tmp_path_factory.mktemp("paired")
    return {pairing: _sweep(folder, pairing) for pairing in ("paired", "independent")}


def _baselines(db: Path) -> dict[int, set[float]]:
    """Repeat -> the software baseline accuracies seen at the sweep's points."""
    with ResultStore(db, create=False) as store:
        table = store.table()
    out: dict[int, set[float]] = {}
    for row in table:
        out.setdefault(row["repeat"], set()).add(row["baseline_accuracy.mean"])
    return out


def test_paired_points_share_their_chips_so_the_software_baseline_is_identical(databases) -> None:
    paired = _baselines(databases["paired"])
    assert all(len(values) == 1 for values in paired.values())  # the same chip at every noise level
    assert len({v for values in paired.values() for v in values}) > 1  # but a new chip per repeat
    independent = _baselines(databases["independent"])
    assert any(len(values) > 1 for values in independent.values())
    difference = paired_differences(databases["paired"], "baseline_accuracy.mean")
    assert all(p.mean == 0.0 and p.ci95 == 0.0 and p.shared_seeds for p in difference.points)


def test_the_paired_interval_is_computed_per_repeat_and_is_narrower(databases) -> None:
    comparisons = {k: paired_differences(db) for k, db in databases.items()}
    for pairing, comparison in comparisons.items():
        assert comparison.pairing == pairing and comparison.reference == {SIGMA: 0.02}
        with ResultStore(databases[pairing], create=False) as store:
            acc = {(r[f"param.{SIGMA}"], r["repeat"]): r["accuracy.mean"] for r in store.table()}
        for point in comparison.points:
            sigma = point.params[SIGMA]
            diffs = np.array([acc[(sigma, r)] - acc[(0.02, r)] for r in range(REPEATS)])
            assert point.n == REPEATS and point.mean == pytest.approx(diffs.mean(), abs=1e-15)
            half = student_t.ppf(0.975, REPEATS - 1) * diffs.std(ddof=1) / np.sqrt(REPEATS)
            assert point.ci95 == pytest.approx(half, abs=1e-15)
            assert point.shared_seeds == (pairing == "paired" or point.is_reference)
    small_step = {k: next(p for p in c.points if p.params[SIGMA] == 0.021) for k, c in comparisons.items()}
    # 2 % -> 2.1 % noise on the same chips and noise streams moves an accuracy by a graph or two; on
    # new chips the chip-to-chip spread of the accuracy swamps it
    assert small_step["paired"].ci95 < small_step["independent"].ci95
