"""run_experiment on MUTAG: metrics layout, seeding, the paper's energy; bad workload values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.esgnn.datasets import graphs_from_adjacency
from crossbar_sim.esgnn.reservoir import ReservoirConfig
from crossbar_sim.esgnn.runner import WeightsConfig, WorkloadConfig, build_reservoir
from crossbar_sim.esgnn.tasks import SplitPlan, graph_splits
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.study.experiment import EnergyConfig, ExperimentConfig, run_experiment
from device_models import RRAMDeviceModel
from device_models.errors import ParameterError

PAPER_MUTAG_ANALOG_J = 34.44e-6


@pytest.fixture(scope="module")
def config(datasets_dir: Path) -> ExperimentConfig:
    return ExperimentConfig(repeats=2, hardware=HardwareConfig(mapping=MappingConfig(mode="offset")),
                            energy=EnergyConfig("paper-esgnn-2023"), data_root=str(datasets_dir))


@pytest.fixture(scope="module")
def metrics(config: ExperimentConfig) -> dict:
    return run_experiment(config, seed=0)


def _numbers(m: dict) -> dict:
    return {k: v for k, v in m.items() if k not in ("wall_s", "energy_report")}


def test_metrics_layout(metrics: dict) -> None:
    for key in ("accuracy", "baseline_accuracy"):
        assert len(metrics[key]["per_repeat"]) == 2
        assert metrics[key]["mean"] == pytest.approx(np.mean(metrics[key]["per_repeat"]))
        assert metrics[key]["std"] == pytest.approx(np.std(metrics[key]["per_repeat"]))
    assert 0.8 < metrics["accuracy"]["mean"] <= 1.0
    assert 0.8 < metrics["baseline_accuracy"]["mean"] <= 1.0
    assert [len(s) for s in metrics["split_accuracies"]] == [10, 10]
    energy = metrics["energy"]
    assert energy["ratio"] == pytest.approx(energy["gpu_J"] / energy["analog_J"])
    assert metrics["latency_s"] > 0 and metrics["wall_s"] > 0


def test_calibration_point_simulated_mutag(metrics: dict) -> None:
    """A calibration check, not a prediction: paper-esgnn-2023's ADC FOM was fitted to this total."""
    assert metrics["energy"]["analog_J"] == pytest.approx(PAPER_MUTAG_ANALOG_J, rel=0.05)
    assert "calibrated" in metrics["energy"]["technology"]


def test_same_seed_same_numbers_other_seed_other_arrays(config: ExperimentConfig, metrics: dict) -> None:
    assert _numbers(run_experiment(config, seed=0)) == _numbers(metrics)
    other = run_experiment(config, seed=1)
    assert other["energy"]["analog_J"] != metrics["energy"]["analog_J"]  # Σ V·I follows the conductances
    w = config.workload
    arrays = [build_reservoir(w, 8, RRAMDeviceModel(), config.hardware, seed, 0, None) for seed in (0, 1)]
    for first, second in zip(*arrays, strict=True):
        assert first.weights.shape == second.weights.shape
        assert not np.array_equal(first.weights, second.weights)
    again = build_reservoir(w, 8, RRAMDeviceModel(), config.hardware, 0, 0, None)
    np.testing.assert_array_equal(again[1].weights, arrays[0][1].weights)


@pytest.mark.parametrize(("make", "key"), [
    (lambda: ReservoirConfig(units=0), "units"),
    (lambda: ReservoirConfig(leak_rate=1.5), "leak_rate"),
    (lambda: ReservoirConfig(poolings=("sum", "median")), "poolings"),
    (lambda: WorkloadConfig(protocol="leave_one_out"), "protocol"),
    (lambda: WeightsConfig(input_scale_per_S=0.0), "input_scale_per_S"),
    (lambda: ReservoirConfig(bias_input="row"), "bias_input"),
    (lambda: WorkloadConfig(validation_fraction=1.0), "validation_fraction"),
    (lambda: WorkloadConfig(protocol="folds_file"), "folds_file"),
    (lambda: WorkloadConfig(node_attributes="scale"), "node_attributes"),
    (lambda: WorkloadConfig(dataset="Cora", protocol="random", val_size=0), "val_size"),
])
def test_bad_workload_values_name_the_key(make, key: str) -> None:
    with pytest.raises(ParameterError) as info:
        make()
    assert info.value.name == key


def test_paper_folds_only_for_mutag() -> None:
    collab_like = graphs_from_adjacency([np.ones((3, 3))] * 4, [0, 1, 0, 1], name="COLLAB")
    with pytest.raises(ParameterError) as info:
        graph_splits(collab_like, SplitPlan("paper_folds"), 0)
    assert info.value.name == "protocol" and "MUTAG" in str(info.value)


@pytest.mark.parametrize(("dataset", "protocol"), [("COLLAB", "paper_folds"), ("Cora", "stratified_kfold"),
                                                     ("MUTAG", "complete"), ("MUTAG", "random"),
                                                     ("Cora", "folds_file")])
def test_workload_rejects_protocols_the_dataset_has_not(dataset: str, protocol: str) -> None:
    with pytest.raises(ParameterError) as info:
        WorkloadConfig(dataset=dataset, protocol=protocol)
    assert info.value.name == "protocol" and protocol in str(info.value)
