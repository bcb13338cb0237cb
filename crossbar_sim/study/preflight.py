"""Checks `run` would make, done before any work: `validate` (and `run` and `sweep` before they start)
catch a bad technology, a missing dataset or a protocol the data cannot hold without forming an array."""

from __future__ import annotations

from typing import Any

from crossbar_sim.common.data_paths import data_root
from crossbar_sim.energy import load_technology
from crossbar_sim.esgnn.datasets.errors import DatasetNotFound
from crossbar_sim.esgnn.datasets.manifest import DEFAULT_LIMITS, dataset_folder, is_planetoid
from crossbar_sim.esgnn.datasets.textparse import count_lines, read_bytes
from crossbar_sim.esgnn.datasets.tudataset import tu_file
from crossbar_sim.study.config import ConfigError
from device_models.errors import ParameterError


def check_esgnn(config: Any, path: str = "experiment") -> None:
    """Raise ConfigError / DatasetNotFound for what an ESGNN run of ``config`` would refuse."""
    try:
        load_technology(config.energy.technology)
    except (ParameterError, ConfigError, OSError) as exc:
        raise ConfigError(f"{path}.energy.technology", config.energy.technology,
                          f"is not a technology preset or a readable technology file ({exc})") from None
    workload = config.workload
    folder = dataset_folder(workload.dataset, config.data_root)
    if not folder.is_dir():
        raise DatasetNotFound(workload.dataset, folder)
    if is_planetoid(workload.dataset) or workload.protocol != "stratified_kfold":
        return
    labels = tu_file(folder, folder.name, "graph_labels", required=False)
    if labels is None:
        raise DatasetNotFound(workload.dataset, folder / f"{folder.name}_graph_labels.txt", "missing")
    graphs = count_lines(read_bytes(labels, DEFAULT_LIMITS.max_file_bytes))
    if workload.folds > graphs:
        where = data_root(config.data_root)
        raise ConfigError(f"{path}.workload.folds", workload.folds,
                          f"must be at most the {graphs} graphs of {workload.dataset} (in {where})")
