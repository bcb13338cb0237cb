"""ESGNN end-to-end benchmarks: one MUTAG repeat (10 splits) through the full hardware model.

``esgnn_mutag``: seconds of one repeat through the arrays (forming, reads, readouts of all splits);
ratio against the software baseline of the same repeat (float64 IdealMatrix embeddings and the same
readouts) timed alternately in the same process after a warm-up run of each (numba compile cache);
median, minimum and interquartile range of the ratio over the rounds, seconds = the median hardware time.
The hardware is that of ``experiments/paper/mutag.yaml`` when present, else the ExperimentConfig defaults
with IR drop on. COLLAB and Cora (``experiments/paper/{collab,cora}.yaml``, one repeat) take minutes and
run only with ``CROSSBAR_SIM_BENCH_FULL=1``.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.timing import ratio_fields, timed_pairs
from crossbar_sim.esgnn.datasets import load_dataset
from crossbar_sim.esgnn.matrices import IdealMatrix
from crossbar_sim.esgnn.runner import build_reservoir, input_width, run_repeat, workload_splits
from crossbar_sim.esgnn.tasks import evaluate_splits, graph_states_and_embeddings
from crossbar_sim.study.config import read_experiment_file
from crossbar_sim.study.experiment import ExperimentConfig, run_experiment

PAPER_DIR = Path(__file__).resolve().parent.parent / "experiments" / "paper"
SEED = 0


def _paper_config(name: str) -> ExperimentConfig | None:
    path = PAPER_DIR / f"{name}.yaml"
    return read_experiment_file(path).base_config() if path.exists() else None


def _mutag() -> str:
    config = _paper_config("mutag")
    if config is None:
        default = ExperimentConfig()
        config = replace(default, hardware=replace(default.hardware, array=replace(
            default.hardware.array, ir_drop=True)))
    workload = replace(config.workload, baseline=False)
    dataset = load_dataset(workload.dataset, config.data_root)
    splits = workload_splits(dataset, workload, SEED, config.data_root)
    n_inputs = input_width(dataset)
    w_in, w_rec = build_reservoir(workload, n_inputs, config.device, config.hardware, SEED, 0, None)
    ideal_in, ideal_rec = IdealMatrix(w_in.weights), IdealMatrix(w_rec.weights)
    classes = int(dataset.labels.max()) + 1

    def hardware() -> object:
        return run_repeat(dataset, splits, workload, config.device, config.hardware, SEED, 0)

    def software() -> object:
        embeddings = graph_states_and_embeddings(dataset, ideal_in, ideal_rec, workload.reservoir)
        return evaluate_splits(embeddings, dataset.labels, splits, classes, workload.readout)

    pairs = timed_pairs(hardware, software, repeats=5)
    return (f"BENCH esgnn_mutag seconds={np.median(pairs.sim_s):.4g} {ratio_fields(pairs)}"
            f" n={len(pairs.sim_s)} base_s={np.median(pairs.base_s):.3g} seconds_min={min(pairs.sim_s):.4g}")


def _full(name: str) -> str:
    label = f"BENCH esgnn_{name}"
    if os.environ.get("CROSSBAR_SIM_BENCH_FULL") != "1":
        return f"{label} skipped=set CROSSBAR_SIM_BENCH_FULL=1"
    config = _paper_config(name)
    if config is None:
        return f"{label} skipped=missing {PAPER_DIR / (name + '.yaml')}"
    start = time.perf_counter()
    run_experiment(replace(config, repeats=1), SEED)
    return f"{label} seconds={time.perf_counter() - start:.4g}"


def run() -> list[str]:
    return [_mutag(), _full("collab"), _full("cora")]
