"""What a data folder holds: each dataset's layout, size and the protocols its files support."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from crossbar_sim.common.data_paths import data_root
from crossbar_sim.esgnn.datasets.manifest import (
    DATASET_NAME,
    PLANETOID_NAMES,
    dataset_folder,
    planetoid_files,
)
from crossbar_sim.esgnn.datasets.tudataset import tu_file
from device_models.errors import ParameterError, one_of

#: Datasets ``crossbar-sim data download`` fetches, by folder name: their layout and how the files are
#: verified (see :mod:`crossbar_sim.esgnn.datasets.download`). Other datasets of either layout load from
#: a folder placed in the data root by hand.
DOWNLOADS: dict[str, tuple[str, str]] = {
    "MUTAG": ("tudataset", "SHA-256 of the original files"),
    "PROTEINS": ("tudataset", "structure checked, then its digests pinned"),
    "NCI1": ("tudataset", "structure checked, then its digests pinned"),
    "IMDB-BINARY": ("tudataset", "structure checked, then its digests pinned"),
    "COLLAB": ("tudataset", "graph, node, class and edge counts checked, then its digests pinned"),
    "Cora": ("planetoid", "SHA-256 of the original files"),
    "CiteSeer": ("planetoid", "structure checked, then its digests pinned"),
    "PubMed": ("planetoid", "structure checked, then its digests pinned"),
}

#: protocols of every dataset of a layout (``folds_file`` and ``paper_folds`` depend on the files present)
LAYOUT_PROTOCOLS = {"tudataset": ("stratified_kfold",), "planetoid": ("complete", "public", "random")}
MAX_FOLD_SEARCH_DEPTH = 3


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset of the data folder: its size, its node inputs and the protocols it supports.

    ``folds_files`` are the values ``workload.folds_file`` can take (relative to the dataset folder).
    """

    name: str
    layout: str
    graphs: int
    nodes: int
    edges: int
    classes: int
    node_labels: bool
    node_attributes: bool
    features: int
    protocols: tuple[str, ...]
    folds_files: tuple[str, ...]


def dataset_layout(folder: Path) -> str | None:
    """``"planetoid"``, ``"tudataset"`` or None (not a dataset folder) for a folder of the data root."""
    name = folder.name
    if name.lower() in PLANETOID_NAMES and all((folder / f).is_file() for f in planetoid_files(name)):
        return "planetoid"
    if tu_file(folder, name, "graph_indicator", required=False) is not None:
        return "tudataset"
    return None


def has_node_attributes(name: str, root: str | os.PathLike[str] | None = None) -> bool:
    """Whether TU dataset ``name`` has a node attributes file (True when its folder cannot be seen)."""
    try:
        folder = dataset_folder(name, root)
    except (ValueError, OSError):
        return True
    if not folder.is_dir():
        return True
    return tu_file(folder, folder.name, "node_attributes", required=False) is not None


def fold_files(folder: Path) -> tuple[str, ...]:
    """Fold files under ``folder``: DGCNN ``10fold_idx`` folders and JSON files, as relative paths."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if len(relative.parts) > MAX_FOLD_SEARCH_DEPTH:
            continue
        if path.is_dir() and (path / "train_idx-1.txt").is_file() and (path / "test_idx-1.txt").is_file():
            found.append(relative.as_posix())
        elif path.is_file() and path.suffix == ".json":
            found.append(relative.as_posix())
    return tuple(found)


def undirected_edges(adjacency: sp.spmatrix) -> int:
    """Unique undirected edges of a 0/1 adjacency, a self-loop counted once (the TUDataset convention)."""
    a = sp.csr_matrix(adjacency)
    both = ((a + a.T) != 0).astype(np.int8)
    return int((sp.triu(both, k=1).nnz) + both.diagonal().astype(bool).sum())


def describe_dataset(name: str, root: str | os.PathLike[str] | None = None) -> DatasetEntry:
    """Load dataset ``name`` and describe it (DatasetError or FileNotFoundError if it cannot be read)."""
    from crossbar_sim.esgnn.datasets.dispatch import load_dataset

    folder = dataset_folder(name, root)
    layout = dataset_layout(folder)
    data = load_dataset(name, root)
    if layout == "planetoid":
        labelled = data.labels[data.labels >= 0]
        return DatasetEntry(folder.name, layout, 1, data.num_nodes, undirected_edges(data.adjacency),
                            int(np.unique(labelled).size), False, False, int(data.features.shape[1]),
                            LAYOUT_PROTOCOLS[layout], ())
    files = fold_files(folder)
    protocols = LAYOUT_PROTOCOLS["tudataset"] + (("folds_file",) if files else ())
    if folder.name.upper() == "MUTAG" and (folder / "paper_folds.json").is_file():
        protocols = ("paper_folds", *protocols)
    return DatasetEntry(folder.name, "tudataset", data.num_graphs, data.num_nodes,
                        undirected_edges(data.adjacency), data.num_classes, data.node_labels is not None,
                        tu_file(folder, folder.name, "node_attributes", required=False) is not None,
                        int(data.node_features.shape[1]), protocols, files)


def list_datasets(root: str | os.PathLike[str] | None = None) -> list[tuple[str, DatasetEntry | str]]:
    """Every folder of the data root that looks like a dataset, with its description or why it failed."""
    base = data_root(root)
    out: list[tuple[str, DatasetEntry | str]] = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        if not DATASET_NAME.fullmatch(folder.name) or ".." in folder.name or dataset_layout(folder) is None:
            continue
        try:
            out.append((folder.name, describe_dataset(folder.name, base)))
        except (ValueError, OSError) as exc:
            out.append((folder.name, f"{type(exc).__name__}: {exc}"))
    return out


def download_name(name: str) -> str:
    """The folder name in :data:`DOWNLOADS` that ``name`` spells (any case), else ParameterError."""
    by_lower = {known.lower(): known for known in DOWNLOADS}
    if not isinstance(name, str) or name.lower() not in by_lower:
        raise ParameterError("NAME", name, one_of(name, DOWNLOADS) + " (in any case; other datasets are "
                             "read from a folder placed in the data root)")
    return by_lower[name.lower()]
