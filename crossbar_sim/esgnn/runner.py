"""Run an ESGNN workload through simulated arrays, next to its software baseline (same weights, float64)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.common.seeding import stream
from crossbar_sim.esgnn.datasets.manifest import check_dataset_name, is_planetoid
from crossbar_sim.esgnn.matrices import MatrixOperator, ProfilingMatrix
from crossbar_sim.esgnn.reservoir import ReservoirConfig
from crossbar_sim.esgnn.tasks import (
    Protocol,
    ReadoutConfig,
    Split,
    evaluate_splits,
    graph_splits,
    graph_states_and_embeddings,
    node_features_for_readout,
    node_split,
)
from device_models import RRAMDeviceModel
from device_models.errors import ParameterError, check_fraction, check_int, check_positive


@dataclass(frozen=True)
class WeightsConfig:
    """How the random conductances become the reservoir's weights (the mapping, differential pairs or
    the paper's single-ended arrays, is ``hardware.mapping.mode``).

    Attributes:
        input_scale_per_S, recurrent_scale_per_S: k for W_I and W_H, weight per siemens. The paper's
            MUTAG values 0.0016 and 0.01 per µS are 1600 and 10000 per S.
        input_unformed_fraction, recurrent_unformed_fraction: sparsity of each array, set through its own
            forming voltage; None keeps the device model's programming voltage.
    """

    input_scale_per_S: float = 1600.0
    recurrent_scale_per_S: float = 10000.0
    input_unformed_fraction: float | None = None
    recurrent_unformed_fraction: float | None = None

    def __post_init__(self) -> None:
        check_positive("input_scale_per_S", self.input_scale_per_S)
        check_positive("recurrent_scale_per_S", self.recurrent_scale_per_S)
        for name in ("input_unformed_fraction", "recurrent_unformed_fraction"):
            if getattr(self, name) is not None:
                check_fraction(name, getattr(self, name))


@dataclass(frozen=True)
class WorkloadConfig:
    """What to run: dataset, evaluation protocol, reservoir, weights and readout.

    Attributes:
        dataset: a dataset folder name in the data root (TUDataset layout, or Planetoid for Cora-like).
        protocol: evaluation splits: ``"paper_folds"`` (MUTAG: the paper's 10 splits),
            ``"stratified_kfold"`` (graph datasets), ``"complete"`` or ``"public"`` (Planetoid splits).
        folds: number of folds for ``"stratified_kfold"``.
        reservoir: the echo state graph reservoir.
        weights: how the random conductances become the reservoir's weights.
        readout: the trained linear readout.
        baseline: also run the same weights in float64 software (the reported software baseline).
    """

    dataset: str = "MUTAG"
    protocol: Protocol = "paper_folds"
    folds: int = 10
    reservoir: ReservoirConfig = field(default_factory=ReservoirConfig)
    weights: WeightsConfig = field(default_factory=WeightsConfig)
    readout: ReadoutConfig = field(default_factory=ReadoutConfig)
    baseline: bool = True

    def __post_init__(self) -> None:
        check_dataset_name(self.dataset)
        check_int("folds", self.folds, minimum=2)
        if self.protocol not in ("paper_folds", "stratified_kfold", "complete", "public"):
            raise ParameterError(
                "protocol", self.protocol, "must be 'paper_folds', 'stratified_kfold', 'complete' or 'public'"
            )
        if self.protocol == "paper_folds" and self.dataset.upper() != "MUTAG":
            raise ParameterError("protocol", self.protocol, "'paper_folds' exists only for MUTAG")
        node_dataset = is_planetoid(self.dataset)
        if node_dataset != (self.protocol in ("complete", "public")):
            allowed = "'complete' or 'public'" if node_dataset else "'paper_folds' or 'stratified_kfold'"
            raise ParameterError("protocol", self.protocol, f"dataset {self.dataset!r} takes {allowed}")


@dataclass
class RepeatResult:
    """One set of arrays (one repeat): hardware and software accuracies, events, wall time."""

    repeat: int
    split_accuracies: list[float]
    baseline_split_accuracies: list[float]
    ledger: EventLedger
    wall_s: float

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.split_accuracies))

    @property
    def baseline_accuracy(self) -> float:
        if not self.baseline_split_accuracies:
            return float("nan")
        return float(np.mean(self.baseline_split_accuracies))


def is_node_task(dataset) -> bool:
    """Node classification datasets carry one graph with per-node labels and named splits."""
    return hasattr(dataset, "split") and not hasattr(dataset, "graph_ptr")


def input_width(dataset) -> int:
    """Rows of W_I: node features plus the bias input."""
    return (dataset.features.shape[1] if is_node_task(dataset) else dataset.node_features.shape[1]) + 1


def build_reservoir(
    workload: WorkloadConfig,
    n_inputs: int,
    device: RRAMDeviceModel,
    hardware: HardwareConfig,
    seed: int,
    repeat: int,
    ledger: EventLedger | None,
) -> tuple[MatrixOperator, MatrixOperator]:
    """Form W_I (units × n_inputs) and W_H (units × units) as analogue matrices of random conductances."""
    from crossbar_sim.analog.matrix import AnalogMatrix

    units = workload.reservoir.units
    w = workload.weights
    out = []
    for name, shape, scale, fraction in (
        ("W_I", (units, n_inputs), w.input_scale_per_S, w.input_unformed_fraction),
        ("W_H", (units, units), w.recurrent_scale_per_S, w.recurrent_unformed_fraction),
    ):
        array_device = device if fraction is None else device.with_unformed_fraction(fraction)
        out.append(
            AnalogMatrix.random(
                shape[0], shape[1], hardware, array_device, scale, stream(seed, "repeat", repeat, name),
                name=name, ledger=ledger,
            )
        )
    return out[0], out[1]


def _accuracies(dataset, splits: list[Split], w_in, w_rec, workload: WorkloadConfig, ledger) -> list[float]:
    if is_node_task(dataset):
        features = node_features_for_readout(
            dataset, w_in, w_rec, workload.reservoir, workload.readout, ledger
        )
    else:
        features = graph_states_and_embeddings(dataset, w_in, w_rec, workload.reservoir, ledger)
    num_classes = int(dataset.labels.max()) + 1
    result = evaluate_splits(features, dataset.labels, splits, num_classes, workload.readout)
    return result.split_accuracies


def workload_splits(dataset, workload: WorkloadConfig, seed: int, data_root=None) -> list[Split]:
    """The protocol's splits; stratified folds are drawn once per experiment from the seed."""
    if is_node_task(dataset):
        return [node_split(dataset, workload.protocol)]
    return graph_splits(dataset, workload.protocol, workload.folds, stream(seed, "splits"), data_root)


def run_repeat(
    dataset,
    splits: list[Split],
    workload: WorkloadConfig,
    device: RRAMDeviceModel,
    hardware: HardwareConfig,
    seed: int,
    repeat: int,
) -> RepeatResult:
    """Form fresh arrays for ``repeat``, embed the whole dataset through them, and score every split.

    The software baseline (same weights, float64) runs first when it is wanted or when the ADC range is
    ``calibrated``: it doubles as the profiling pass whose inputs set each tile's ADC full scale.
    """
    start = time.perf_counter()
    ledger = EventLedger()
    w_in, w_rec = build_reservoir(workload, input_width(dataset), device, hardware, seed, repeat, ledger)
    calibrate = hardware.adc.range_mode == "calibrated"
    baseline_acc = []
    if workload.baseline or calibrate:
        p_in, p_rec = ProfilingMatrix(w_in.weights), ProfilingMatrix(w_rec.weights)
        baseline_acc = _accuracies(dataset, splits, p_in, p_rec, workload, None)
        if calibrate:
            w_in.calibrate(p_in.profile())
            w_rec.calibrate(p_rec.profile())
        if not workload.baseline:
            baseline_acc = []
    hardware_acc = _accuracies(dataset, splits, w_in, w_rec, workload, ledger)
    return RepeatResult(repeat, hardware_acc, baseline_acc, ledger, time.perf_counter() - start)
