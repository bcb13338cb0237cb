"""Load any supported dataset by name: Planetoid names to load_planetoid, all others to load_tudataset."""

from __future__ import annotations

import os

from crossbar_sim.esgnn.datasets.containers import GraphDataset, NodeDataset
from crossbar_sim.esgnn.datasets.manifest import (
    DEFAULT_LIMITS,
    DatasetLimits,
    check_dataset_name,
    is_planetoid,
)
from crossbar_sim.esgnn.datasets.planetoid import load_planetoid
from crossbar_sim.esgnn.datasets.tudataset import load_tudataset


def load_dataset(
    name: str, root: str | os.PathLike[str] | None = None, limits: DatasetLimits = DEFAULT_LIMITS
) -> GraphDataset | NodeDataset:
    """Cora/CiteSeer/PubMed (any case) as a NodeDataset; any other name as a TU GraphDataset.

    ``name`` must pass ``check_dataset_name`` (ParameterError otherwise, before any file is touched).
    """
    name = check_dataset_name(name)
    return load_planetoid(name, root, limits) if is_planetoid(name) else load_tudataset(name, root, limits)
