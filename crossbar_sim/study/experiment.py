"""One experiment: an ESGNN workload on simulated RRAM hardware, with accuracy, energy and latency.

``load_experiment(path)`` reads an experiment file into an :class:`ExperimentConfig`;
``run_experiment(config, seed)`` forms ``config.repeats`` independent sets of arrays (each from its own
named random stream under ``seed``), runs the workload through each next to its software baseline,
prices the first repeat's event ledger with the energy technology, and returns nested metrics:
``accuracy`` at the first test read time, ``accuracy_by_time`` at each (``hardware.train_time_s``,
``hardware.inference_times_s``: :func:`crossbar_sim.esgnn.runner.run_repeat`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

import numpy as np

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.common.progress import progress
from crossbar_sim.common.registry import register_loader
from crossbar_sim.energy import AGGREGATIONS, load_technology
from crossbar_sim.energy.report import EnergyReport, build_report
from crossbar_sim.energy.workload import EsgnnShape
from crossbar_sim.esgnn.datasets import load_dataset
from crossbar_sim.esgnn.datasets.catalog import has_node_attributes
from crossbar_sim.esgnn.runner import (
    RepeatResult,
    WorkloadConfig,
    input_width,
    is_node_task,
    run_repeat,
    workload_splits,
)
from crossbar_sim.esgnn.tasks import NODE_PROTOCOLS
from crossbar_sim.study.config import (
    ConfigError,
    load_dataclass,
    load_yaml_file,
    read_experiment_file,
    register_experiment,
)
from crossbar_sim.study.config.keys import config_keys
from crossbar_sim.study.preflight import check_esgnn
from device_models import RRAMDeviceModel
from device_models.errors import check_choice, check_int


@dataclass(frozen=True)
class EnergyConfig:
    """Energy pricing of the event ledger.

    Attributes:
        technology: a technology preset name (``cited-40nm``: cited constants, nothing fitted;
            ``cited-40nm-gpu-fp16``, ``cited-40nm-gpu-fp32``: the same with the GPU at FP16 or FP32 peak;
            ``paper-esgnn-2023``: calibrated on the paper's MUTAG totals) or a YAML file path.
        gpu_aggregation: how the GPU baseline runs the adjacency products: ``sparse`` (over the edge list,
            as graph libraries do) or ``dense`` (each graph's N×N adjacency, as the paper's op counts).
    """

    technology: str = "cited-40nm"
    gpu_aggregation: Literal["sparse", "dense"] = "sparse"

    def __post_init__(self) -> None:
        check_choice("gpu_aggregation", self.gpu_aggregation, AGGREGATIONS)


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole experiment: device, hardware (array, peripherals, mapping), workload and energy.

    Attributes:
        name: label of the run in reports and plots.
        repeats: independent chips (sets of formed arrays, each from its own seeded stream) per run.
        device: the RRAM cell population the arrays are formed from.
        hardware: arrays, wires, input encoding, ADC, read noise and mapping.
        workload: dataset, protocol, reservoir and readout.
        energy: how the event ledger is priced.
        data_root: folder holding the datasets (null: ``$CROSSBAR_SIM_DATA``, else the download cache).
    """

    name: str = "esgnn"
    repeats: int = 1
    device: RRAMDeviceModel = field(default_factory=RRAMDeviceModel)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    workload: WorkloadConfig = field(default_factory=WorkloadConfig)
    energy: EnergyConfig = field(default_factory=EnergyConfig)
    data_root: str | None = None

    def __post_init__(self) -> None:
        check_int("repeats", self.repeats, minimum=1)


def workload_shape(dataset, workload: WorkloadConfig, train_items: int) -> EsgnnShape:
    """The size of the workload, for the GPU baseline's operation counts."""
    classes = int(dataset.labels.max()) + 1
    sizes = (dataset.adjacency.shape[0],) if is_node_task(dataset) else tuple(
        int(n) for n in np.diff(dataset.graph_ptr)
    )
    return EsgnnShape(
        name=dataset.name, nodes_per_graph=sizes, features=input_width(dataset) - 1,
        units=workload.reservoir.units, steps=workload.reservoir.iterations,
        outputs=1 if classes == 2 else classes, adjacency_entries=int(dataset.adjacency.nnz),
        node_task=is_node_task(dataset), train_items=train_items,
        digital_bias=workload.reservoir.bias_input == "digital",
    )


def _summary(values: list[float]) -> dict:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "std": float(arr.std()), "per_repeat": [float(v) for v in arr]}


def _by_time(results: list[RepeatResult]) -> dict:
    """Hardware accuracy at each test read time: ``time_s``, ``mean``, ``std`` lists and ``per_repeat``
    (one list per time)."""
    per_time = [_summary(list(v)) for v in zip(*(r.accuracies_by_time for r in results), strict=True)]
    return {"time_s": list(results[0].times_s), "mean": [s["mean"] for s in per_time],
            "std": [s["std"] for s in per_time], "per_repeat": [s["per_repeat"] for s in per_time]}


def _array_metrics(ledger: EventLedger) -> dict:
    """Tiles per logical matrix and the share of ADC conversions that clipped (first repeat)."""
    tiles: dict[str, int] = {}
    conversions = clipped = 0
    for event in ledger.analog:
        tiles[event.array] = event.geometry.tiles
        conversions += sum(event.adc_conversions.values())
        clipped += event.adc_clipped
    return {"tiles": tiles, "tiles_total": sum(tiles.values()),
            "adc_clipped_fraction": clipped / conversions if conversions else 0.0}


def run_experiment(config: ExperimentConfig, seed: int = 0) -> dict:
    """Run every repeat of ``config`` under ``seed``; return accuracy, energy and latency metrics."""
    start = time.perf_counter()
    dataset = load_dataset(config.workload.dataset, config.data_root)
    splits = workload_splits(dataset, config.workload, seed, config.data_root)
    results = [
        run_repeat(dataset, splits, config.workload, config.device, config.hardware, seed, r)
        for r in progress(range(config.repeats), desc=f"{config.name}: repeats", unit="repeat")
    ]
    technology = load_technology(config.energy.technology)
    shape = workload_shape(dataset, config.workload, train_items=len(splits[0].train))
    report: EnergyReport = build_report(results[0].ledger, shape, technology, label=config.name,
                                        gpu_aggregation=config.energy.gpu_aggregation)
    return {
        "accuracy": _summary([r.accuracy for r in results]),
        "accuracy_by_time": _by_time(results),
        "baseline_accuracy": _summary([r.baseline_accuracy for r in results]),
        "split_accuracies": [r.split_accuracies for r in results],
        "energy": {
            "analog_J": report.analog_total_J,
            "gpu_J": report.gpu_total_J,
            "ratio": report.efficiency,
            "technology": report.technology_label,
        },
        "area_mm2": report.area_m2["total"] * 1e6,
        "latency_s": float(report.latency_s["total"]),
        "arrays": _array_metrics(results[0].ledger),
        "wall_s": time.perf_counter() - start,
        "energy_report": report.to_dict(),
    }


#: the parameters of each breakdown-voltage family (the others are unused by it)
BREAKDOWN_PARAMETERS = {
    "normal": ("mean_V", "std_V"),
    "weibull": ("weibull_scale_V", "weibull_shape", "weibull_threshold_V", "weibull_exponent"),
    "skew_normal": ("skew_location_V", "skew_scale_V", "skew_shape"),
    "gumbel_min": ("gumbel_location_V", "gumbel_scale_V"),
    "empirical": ("samples_V", "sweep_step_V"),
}


#: parameters that leave the formed set unchanged at a fixed unformed fraction: the family draws a cell's
#: voltage as an increasing function of one uniform (or normal, or Gumbel) number that they only move or scale
QUANTILE_FREE_PARAMETERS = {
    "normal": ("mean_V", "std_V"),
    "weibull": ("weibull_scale_V", "weibull_shape", "weibull_threshold_V", "weibull_exponent"),
    "skew_normal": ("skew_location_V", "skew_scale_V"),
    "gumbel_min": ("gumbel_location_V", "gumbel_scale_V"),
}


def _spans_row_tiles(config: ExperimentConfig) -> bool:
    """Whether W_I or W_H has more rows than a tile (True when the dataset cannot be read to tell)."""
    try:
        width = input_width(load_dataset(config.workload.dataset, config.data_root))
    except (OSError, ValueError):
        return True
    return max(width, config.workload.reservoir.units) > config.hardware.array.max_rows


def inactive_keys(config: ExperimentConfig) -> dict[str, str]:
    """The keys that cannot change an ESGNN result for ``config``, each with the reason (documented in
    docs/keys.md); the loader refuses them away from their defaults where they have no effect."""
    hw, wl = config.hardware, config.workload
    out = {
        "hardware.mapping.g_max_S": "the formed random conductances are the weights (g_max_S scales "
                                    "programmed weights, AnalogMatrix.from_weights)",
    }
    programmed = "nothing is programmed to a target (the formed random conductances are the weights)"
    out |= {f"hardware.mapping.programming.{f.name}": programmed for f in fields(hw.mapping.programming)}
    noise = hw.read_noise
    if noise.telegraph_relative_amplitude == 0.0 and noise.telegraph_amplitude_S == 0.0:
        out["hardware.read_noise.telegraph_occupancy"] = "no telegraph noise (both its amplitudes are 0)"
    if noise.telegraph_occupancy in (0.0, 1.0):
        out |= dict.fromkeys(("hardware.read_noise.telegraph_relative_amplitude",
                              "hardware.read_noise.telegraph_amplitude_S"),
                             "hardware.read_noise.telegraph_occupancy is 0 or 1 (the trap never switches)")
    if hw.adc.bits is None:
        keys = ("hardware.adc.range_mode", "hardware.adc.full_scale_A", "hardware.adc.percentile")
        out |= dict.fromkeys(keys, "the ADC is ideal (hardware.adc.bits is null)")
    else:
        if hw.adc.range_mode != "fixed":
            out["hardware.adc.full_scale_A"] = "used only with hardware.adc.range_mode 'fixed'"
        if hw.adc.range_mode != "calibrated":
            out["hardware.adc.percentile"] = "used only with hardware.adc.range_mode 'calibrated'"
    if not _spans_row_tiles(config):
        out["hardware.adc.tile_accumulation"] = ("every matrix fits in one row tile (rows of W_I and W_H <= "
                                                 "hardware.array.max_rows): no partial sums to combine")
    if hw.input.mode == "ideal":
        out["hardware.input.bits"] = "hardware.input.mode is 'ideal' (unquantised voltages)"
    if hw.array.cell_iv == "ohmic":
        out["hardware.array.cell_iv_voltage_V"] = "hardware.array.cell_iv is 'ohmic'"
    if hw.input.mode == "bit_serial" and not hw.array.ir_drop:
        out |= dict.fromkeys(("hardware.array.cell_iv", "hardware.array.cell_iv_voltage_V"),
                             "bit-serial pulses without IR drop: every cell sees 0 or V_read, where f(V) = V")
    if not hw.array.ir_drop:
        out |= {f"hardware.array.wires.{name}": "hardware.array.ir_drop is false"
                for name in ("wordline_segment_ohm", "bitline_segment_ohm", "driver_ohm", "sense_ohm")}
    if hw.mapping.mode == "offset":
        out["hardware.mapping.pair_subtraction"] = "hardware.mapping.mode 'offset' has no pairs"
    breakdown = config.device.breakdown
    for family, keys in BREAKDOWN_PARAMETERS.items():
        if breakdown.distribution != family:
            out |= {f"device.breakdown.{k}": f"used only with device.breakdown.distribution {family!r}"
                    for k in keys}
    out |= _drift_inactive(config)
    if config.device.stuck.stuck_high_fraction == 0.0:
        out["device.stuck.stuck_high_conductance_S"] = "device.stuck.stuck_high_fraction is 0"
    out |= _protocol_inactive(config)
    if wl.readout.ridge_candidates:
        out["workload.readout.ridge"] = "workload.readout.ridge_candidates selects the ridge"
    if wl.weights.input_unformed_fraction is not None and wl.weights.recurrent_unformed_fraction is not None:
        out["device.programming_voltage_V"] = ("both arrays are formed at their own voltage "
                                               "(workload.weights.*_unformed_fraction)")
        out |= {f"device.breakdown.{k}": ("both arrays are formed at their own unformed fraction, and this "
                                          "family draws each cell's voltage as a monotone function of one "
                                          "random number, so the parameter does not change which cells form")
                for k in QUANTILE_FREE_PARAMETERS.get(breakdown.distribution, ())}
    return out


def _drift_inactive(config: ExperimentConfig) -> dict[str, str]:
    """Keys of the time model that ``config``'s drift law and read times do not use."""
    hw, drift = config.hardware, config.device.drift
    out = {}
    if drift.exponent_mean == 0.0 and drift.exponent_std == 0.0:
        out |= dict.fromkeys(("hardware.train_time_s", "hardware.inference_times_s",
                              "hardware.drift_compensation", "device.drift.reference_time_s"),
                             "drift is off (device.drift exponents are 0)")
    if max((hw.train_time_s, *hw.inference_times_s)) <= drift.reference_time_s:
        out |= dict.fromkeys(("device.drift.exponent_mean", "device.drift.exponent_std"),
                             "every read happens at or before the drift reference time "
                             "(hardware.train_time_s, hardware.inference_times_s)")
    if not any(t > max(hw.train_time_s, drift.reference_time_s) for t in hw.inference_times_s):
        out.setdefault("hardware.drift_compensation", "no drift between hardware.train_time_s and the "
                                                      "hardware.inference_times_s")
    return out


def _protocol_inactive(config: ExperimentConfig) -> dict[str, str]:
    """Keys of the protocols (and of the input preparation) that ``config``'s protocol does not use."""
    wl = config.workload
    out = {}
    if wl.protocol not in ("stratified_kfold", "random"):
        out["workload.folds"] = "used only with workload.protocol 'stratified_kfold' or 'random'"
    if wl.protocol != "folds_file":
        out["workload.folds_file"] = "used only with workload.protocol 'folds_file'"
    if wl.protocol not in ("stratified_kfold", "folds_file"):
        out["workload.validation_fraction"] = ("the protocol brings its own validation items (the paper's "
                                               "nested MUTAG splits, the Planetoid validation nodes)")
    if wl.protocol != "random":
        out |= dict.fromkeys(("workload.train_per_class", "workload.val_size", "workload.test_size"),
                             "used only with workload.protocol 'random'")
    if wl.protocol in NODE_PROTOCOLS:
        out |= {"workload.node_attributes": "Planetoid features are bag-of-words rows, row-normalised",
                "workload.reservoir.poolings": "node tasks read each node's state (no pooling)"}
    else:
        out["workload.readout.readout_hops"] = "used only by node tasks (Planetoid datasets)"
        if not has_node_attributes(wl.dataset, config.data_root):
            out["workload.node_attributes"] = f"dataset {wl.dataset} has no node attributes file"
    return out


def load_experiment(path: str | os.PathLike[str]) -> ExperimentConfig:
    """The typed config of the ESGNN experiment file at ``path`` (its ``experiment:`` section)."""
    file = read_experiment_file(path)
    if file.runner.config_cls is not ExperimentConfig:
        raise ConfigError("runner", file.runner.name, "load_experiment reads ESGNN files (runner: esgnn)")
    return file.base_config()


HARDWARE_PRESETS = Path(__file__).resolve().parent / "presets"


def hardware_preset(path: Path) -> dict:
    """The ``values`` of a hardware preset file; every value must name its source under ``sources``."""
    document = load_yaml_file(path)
    values, sources = document.get("values"), document.get("sources") or {}
    if not isinstance(values, dict):
        raise ConfigError.problem(str(path), "a hardware preset needs a 'values' mapping")
    preset = load_dataclass(HardwareConfig, values, str(path))
    leaves = [k.path for k in config_keys(HardwareConfig, "", preset)]
    given = [p for p in leaves if _has(values, p)]
    missing = [p for p in given if p not in sources]
    if missing:
        raise ConfigError.problem(str(path), f"values without a source: {', '.join(missing)}")
    return values


def _has(mapping: dict, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(mapping, dict) or part not in mapping:
            return False
        mapping = mapping[part]
    return True


for _file in sorted(HARDWARE_PRESETS.glob("*.yaml")):
    register_loader(HardwareConfig, _file.stem, lambda f=_file: hardware_preset(f))
register_experiment(ExperimentConfig, run_experiment, inactive=inactive_keys, preflight=check_esgnn)
