"""Run an ESGNN workload through simulated arrays, next to its software baseline (same weights, float64)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.common.seeding import stream
from crossbar_sim.esgnn.datasets.manifest import check_dataset_name, is_planetoid
from crossbar_sim.esgnn.matrices import IdealMatrix, MatrixOperator, ProfilingMatrix
from crossbar_sim.esgnn.reservoir import ReservoirConfig
from crossbar_sim.esgnn.tasks import (
    GRAPH_PROTOCOLS,
    NODE_PROTOCOLS,
    Attributes,
    ReadoutConfig,
    Split,
    SplitPlan,
    evaluate_splits,
    graph_node_inputs,
    graph_splits,
    graph_states_and_embeddings,
    inputs_depend_on_split,
    is_node_dataset,
    node_features_for_readout,
    node_splits,
)
from device_models import RRAMDeviceModel
from device_models.errors import ParameterError, check_choice, check_fraction, check_int, check_positive

if TYPE_CHECKING:
    from crossbar_sim.analog.matrix import AnalogMatrix


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
class WorkloadConfig(SplitPlan):
    """What to run: dataset, evaluation protocol (the :class:`SplitPlan` fields), reservoir, weights and
    readout.

    Attributes:
        dataset: a dataset folder name in the data root (TUDataset layout, or Planetoid for Cora-like).
        protocol: evaluation splits. Graph datasets: ``"paper_folds"`` (MUTAG: the paper's 10 splits),
            ``"stratified_kfold"`` or ``"folds_file"``; Planetoid datasets: ``"complete"``, ``"public"``
            or ``"random"``.
        folds: number of folds for ``"stratified_kfold"``, of random splits for ``"random"``.
        folds_file: the fold file of ``"folds_file"``, relative to the dataset folder: a DGCNN
            ``10fold_idx`` folder (``train_idx-K.txt``/``test_idx-K.txt``) or a JSON list of test-id lists.
        validation_fraction: share of each training fold held out (stratified, drawn from the experiment
            seed) as the inner validation set every selection is made on (graph protocols but the
            paper's folds, which carry their own).
        train_per_class, val_size, test_size: training nodes per class, validation and test nodes of
            each ``"random"`` node split (drawn among the labelled nodes).
        node_attributes: continuous node attributes (columns other than 0/1 indicators such as one-hot
            labels): ``"standardize"`` on each split's training graphs, ``"raw"`` as stored, or ``"drop"``.
        reservoir: the echo state graph reservoir.
        weights: how the random conductances become the reservoir's weights.
        readout: the trained readout.
        baseline: also run the same weights in float64 software (the reported software baseline).
    """

    dataset: str = "MUTAG"
    node_attributes: Attributes = "standardize"
    reservoir: ReservoirConfig = field(default_factory=ReservoirConfig)
    weights: WeightsConfig = field(default_factory=WeightsConfig)
    readout: ReadoutConfig = field(default_factory=ReadoutConfig)
    baseline: bool = True

    def __post_init__(self) -> None:
        check_dataset_name(self.dataset)
        check_int("folds", self.folds, minimum=1 if self.protocol == "random" else 2)
        check_choice("protocol", self.protocol, GRAPH_PROTOCOLS + NODE_PROTOCOLS)
        check_choice("node_attributes", self.node_attributes, ("standardize", "raw", "drop"))
        check_fraction("validation_fraction", self.validation_fraction)
        if not 0.0 < self.validation_fraction < 1.0:
            raise ParameterError("validation_fraction", self.validation_fraction,
                                 "must lie strictly in (0, 1)")
        for name in ("train_per_class", "val_size", "test_size"):
            check_int(name, getattr(self, name), minimum=1)
        if self.protocol == "paper_folds" and self.dataset.upper() != "MUTAG":
            raise ParameterError("protocol", self.protocol, "'paper_folds' exists only for MUTAG")
        node_dataset = is_planetoid(self.dataset)
        if node_dataset != (self.protocol in NODE_PROTOCOLS):
            allowed = NODE_PROTOCOLS if node_dataset else GRAPH_PROTOCOLS
            raise ParameterError("protocol", self.protocol,
                                 f"dataset {self.dataset!r} takes {' or '.join(map(repr, allowed))}")
        if self.protocol == "folds_file" and not self.folds_file:
            raise ParameterError("folds_file", self.folds_file, "protocol 'folds_file' needs the file's path")


@dataclass
class RepeatResult:
    """One set of arrays (one repeat): hardware accuracies at each test read time, software accuracies,
    the events of one inference pass, wall time.

    times_s: the times the test embeddings were read (``hardware.test_read_times_s``).
    time_split_accuracies: per time, the test accuracy of every split.
    """

    repeat: int
    times_s: tuple[float, ...]
    time_split_accuracies: list[list[float]]
    baseline_split_accuracies: list[float]
    ledger: EventLedger
    wall_s: float

    @property
    def split_accuracies(self) -> list[float]:
        """Test accuracy of every split at the first test read time."""
        return self.time_split_accuracies[0]

    @property
    def accuracy(self) -> float:
        """Mean test accuracy over the splits at the first test read time."""
        return float(np.mean(self.split_accuracies))

    @property
    def accuracies_by_time(self) -> list[float]:
        """Mean test accuracy over the splits at each test read time."""
        return [float(np.mean(a)) for a in self.time_split_accuracies]

    @property
    def baseline_accuracy(self) -> float:
        if not self.baseline_split_accuracies:
            return float("nan")
        return float(np.mean(self.baseline_split_accuracies))


def is_node_task(dataset) -> bool:
    """Node classification datasets carry one graph with per-node labels and named splits."""
    return is_node_dataset(dataset)


def input_width(dataset) -> int:
    """Rows of W_I: node features plus the bias input."""
    return (dataset.features.shape[1] if is_node_task(dataset) else dataset.node_features.shape[1]) + 1


def build_reservoir(
    workload: WorkloadConfig, n_inputs: int, device: RRAMDeviceModel, hardware: HardwareConfig, seed: int,
    repeat: int, ledger: EventLedger | None,
) -> tuple[AnalogMatrix, AnalogMatrix]:
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


def reservoir_inputs(dataset, workload: WorkloadConfig, split: Split | None) -> np.ndarray:
    """Graph datasets: the (nodes, D) reservoir inputs for ``split`` (its training graphs standardise
    the continuous attributes)."""
    return graph_node_inputs(dataset, workload.node_attributes, None if split is None else split.train)


def embed(dataset, workload: WorkloadConfig, w_in: MatrixOperator, w_rec: MatrixOperator,
          ledger: EventLedger | None, split: Split | None = None) -> np.ndarray:
    """Readout features of every item (graph or node) of ``dataset`` through the given matrices."""
    if is_node_task(dataset):
        return node_features_for_readout(dataset, w_in, w_rec, workload.reservoir, workload.readout, ledger)
    return graph_states_and_embeddings(dataset, w_in, w_rec, workload.reservoir, ledger,
                                       reservoir_inputs(dataset, workload, split))


def split_groups(dataset, splits: list[Split],
                 workload: WorkloadConfig) -> list[tuple[Split | None, list[int]]]:
    """Splits that share one embedding: all of them, or one group per split when the inputs depend on it."""
    if inputs_depend_on_split(dataset, workload.node_attributes):
        return [(s, [k]) for k, s in enumerate(splits)]
    return [(None, list(range(len(splits))))]


def split_features(dataset, splits: list[Split], workload: WorkloadConfig, w_in: MatrixOperator,
                   w_rec: MatrixOperator,
                   ledger: EventLedger | None) -> Iterator[tuple[list[int], np.ndarray]]:
    """(indices of splits, their readout features) for every group of splits sharing one embedding.

    The ledger records one inference pass over the dataset: the first group's.
    """
    for group, (split, members) in enumerate(split_groups(dataset, splits, workload)):
        record = ledger if group == 0 else None
        w_in.ledger = w_rec.ledger = record
        yield members, embed(dataset, workload, w_in, w_rec, record, split)


Groups = list[tuple[list[int], np.ndarray]]  # (indices of splits, their readout features), see split_features


def scored_groups(dataset, splits: list[Split], workload: WorkloadConfig, groups: Groups,
                  test_groups: Groups | None = None) -> list[float]:
    """Test accuracy per split: the readout fitted on the features of each group of splits
    (:func:`split_features`) and scored on ``test_groups``' features of the same groups (default: the
    same features)."""
    num_classes = int(dataset.labels.max()) + 1
    out: dict[int, float] = {}
    for (members, features), (_, test_features) in zip(groups, test_groups or groups, strict=True):
        chosen = [splits[k] for k in members]
        out |= dict(zip(members, evaluate_splits(features, dataset.labels, chosen, num_classes,
                                                 workload.readout, test_features), strict=True))
    return [out[k] for k in range(len(splits))]


def arrays_at(w_in: AnalogMatrix, w_rec: AnalogMatrix, time_s: float, seed: int, repeat: int,
              ledger: EventLedger | None) -> tuple[AnalogMatrix, AnalogMatrix]:
    """W_I and W_H of ``repeat`` read ``time_s`` after forming (:meth:`AnalogMatrix.at_time`: the
    periphery as characterised at training time), each with the read streams of
    ``(seed, "repeat", repeat, name, "read_at", time_s)``: a time's numbers do not depend on the other
    times read."""
    return tuple(m.at_time(time_s, stream(seed, "repeat", repeat, m.name, "read_at", time_s), ledger)
                 for m in (w_in, w_rec))


def software_reservoir(workload: WorkloadConfig, n_inputs: int, device: RRAMDeviceModel,
                       hardware: HardwareConfig, seed: int, repeat: int) -> tuple[IdealMatrix, IdealMatrix]:
    """The float64 software reservoir of ``repeat``: the same formed conductances as on the arrays."""
    ideal = HardwareConfig.ideal(hardware.mapping)
    w_in, w_rec = build_reservoir(workload, n_inputs, device, ideal, seed, repeat, None)
    return IdealMatrix(w_in.weights), IdealMatrix(w_rec.weights)


def calibrated_arrays(dataset, splits: list[Split], workload: WorkloadConfig, device: RRAMDeviceModel,
                      hardware: HardwareConfig, seed: int, repeat: int, ledger: EventLedger | None,
                      software: bool) -> tuple[AnalogMatrix, AnalogMatrix, list | None]:
    """The arrays of ``repeat`` ready to read, and the software pass's features per group of splits.

    The software pass (same weights, float64) runs when ``software`` is asked for (the baseline) or when
    the ADC range is ``calibrated``: it doubles as the profiling pass whose inputs set each tile's ADC
    full scale. Its features are returned only when ``software``.
    """
    w_in, w_rec = build_reservoir(workload, input_width(dataset), device, hardware, seed, repeat, ledger)
    calibrate = hardware.adc.range_mode == "calibrated"
    groups = None
    if software or calibrate:
        p_in, p_rec = ProfilingMatrix(w_in.weights), ProfilingMatrix(w_rec.weights)
        groups = list(split_features(dataset, splits, workload, p_in, p_rec, None))
        if calibrate:
            w_in.calibrate(p_in.profile())
            w_rec.calibrate(p_rec.profile())
    return w_in, w_rec, groups if software else None


def workload_splits(dataset, workload: WorkloadConfig, seed: int, data_root=None) -> list[Split]:
    """The protocol's splits, each with its validation items; drawn once per experiment from the seed."""
    if is_node_task(dataset):
        return node_splits(dataset, workload, seed)
    return graph_splits(dataset, workload, seed, data_root)


def run_repeat(
    dataset,
    splits: list[Split],
    workload: WorkloadConfig,
    device: RRAMDeviceModel,
    hardware: HardwareConfig,
    seed: int,
    repeat: int,
) -> RepeatResult:
    """Form fresh arrays for ``repeat`` and score every split at each test read time, next to the
    software baseline (see :func:`calibrated_arrays`).

    Time model: the cells are formed at t = 0 (their conductance defined at the drift law's reference
    time t0); at ``hardware.train_time_s`` the system is characterised once (ADC ranges on the profiling
    pass, the offset correction's row sums, the compensation's reference read) and the whole dataset is
    embedded: the readout is fitted (and its penalty chosen) on these embeddings. At each of
    ``hardware.test_read_times_s`` the arrays are re-read with that characterisation
    (:func:`arrays_at`) and the test items scored on the new embeddings; a time equal to the training
    time reuses the training embeddings (each item is embedded once per time). The ledger holds one
    inference pass: the one at the first test read time.
    """
    start = time.perf_counter()
    ledger = EventLedger()
    times = hardware.test_read_times_s
    w_in, w_rec, software = calibrated_arrays(dataset, splits, workload, device, hardware, seed, repeat,
                                              ledger, workload.baseline)
    baseline_acc = [] if software is None else scored_groups(dataset, splits, workload, software)
    trained_at_first = times[0] == hardware.train_time_s
    train = list(split_features(dataset, splits, workload, w_in, w_rec, ledger if trained_at_first else None))
    per_time = []
    for k, time_s in enumerate(times):
        record = ledger if k == 0 else None
        test = None
        if time_s != hardware.train_time_s:
            later = arrays_at(w_in, w_rec, time_s, seed, repeat, record)
            test = list(split_features(dataset, splits, workload, *later, record))
        per_time.append(scored_groups(dataset, splits, workload, train, test))
    return RepeatResult(repeat, times, per_time, baseline_acc, ledger, time.perf_counter() - start)
