"""What the loaders and the downloader know about each dataset: names, folders, size caps, hosts, digests."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from crossbar_sim.common.data_paths import data_root
from crossbar_sim.esgnn.datasets.errors import DatasetError
from device_models.errors import ParameterError, check_int

#: Folder name of each Planetoid dataset, by lower-case name.
PLANETOID_NAMES = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}
#: The pickled parts of a Planetoid dataset, then the plain-text one.
PICKLED_PARTS = ("x", "y", "tx", "ty", "allx", "ally", "graph")
PLANETOID_PARTS = (*PICKLED_PARTS, "test.index")

#: A dataset name is one folder name inside the data root: 1-64 letters, digits, '_', '.', '-'.
DATASET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

DEFAULT_BASE_URLS = {
    "tudataset": "https://www.chrsmrrs.de/graphkerneldatasets",
    "planetoid": "https://github.com/kimiyoung/planetoid/raw/master/data",
}

#: SHA-256 of the original files: the members of the TUDataset MUTAG zip and the Planetoid Cora files.
KNOWN_DIGESTS: dict[str, dict[str, str]] = {
    "MUTAG": {
        "MUTAG_A.txt": "d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2",
        "MUTAG_edge_labels.txt": "4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56",
        "MUTAG_graph_indicator.txt": "7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056",
        "MUTAG_graph_labels.txt": "a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c",
        "MUTAG_node_labels.txt": "678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863",
        "README.txt": "66de65e4826e112482ec680bbbdf7c0af56d826ce935c110786d130b79b76b06",
    },
    "Cora": {
        "ind.cora.allx": "9419ba2f26f5c35243db64aba110e0f35a04851609e0dc5433450676ca6b8543",
        "ind.cora.ally": "2b998f5cc7fedc86e7f97ca2498f47a1ffc1462c29e2d578b23bf3f62b6e7d71",
        "ind.cora.graph": "58f13302f39dde8852dad6fe6d15b89b077b6d7f837626bce671ef80344b383d",
        "ind.cora.test.index": "297ce89af2b51a6a194181c7dbe1796c6a1cf9cd9349a88383b1b1e227867875",
        "ind.cora.tx": "b9afbaa4a400df991f6f02ef677e1e44da55ffc04801fd02f9e673987829226a",
        "ind.cora.ty": "41f5ac76596a1699cc33f53084a2419e92961c42bb75f36fc38e616d348532ad",
        "ind.cora.x": "23cfa55d91c6f624233f5eb7b6e3f141f1bd2b2ae39608a63cf5d084bb27baab",
        "ind.cora.y": "94465c14eb53e04ca262198dcbb2521ee8af60fb3f3d546cd6ca24a511b0e7d1",
    },
}


@dataclass(frozen=True)
class Shape:
    """Structural invariants a graph dataset must meet when its file digests are not known."""

    graphs: int
    nodes: int
    class_counts: tuple[int, ...] = field(default=())
    undirected_edges: int | None = None


#: Invariants of datasets whose upstream digests are unknown here (verified before pinning).
KNOWN_SHAPES: dict[str, Shape] = {
    "COLLAB": Shape(graphs=5000, nodes=372_474, class_counts=(2600, 775, 1625), undirected_edges=12_288_916),
}


@dataclass(frozen=True)
class DatasetLimits:
    """Size caps the loaders check before they allocate anything a file claims.

    ``max_file_bytes`` caps every file read, a ``.gz`` file by its decompressed size; ``max_nodes`` the
    node count (lines of ``_graph_indicator``, Planetoid ids); ``max_edges`` the directed adjacency entries
    (lines of ``_A`` and ``_edge_labels``, Planetoid neighbour-list entries); ``max_features`` the columns
    of the node feature matrix; ``max_feature_entries`` its nodes × columns, since the reservoir reads it
    dense. The defaults hold the largest stored dataset, COLLAB (362 MB of ``_A`` text, 372,474 nodes,
    24,574,995 directed entries), with room to spare.
    """

    max_file_bytes: int = 1 << 30
    max_nodes: int = 10_000_000
    max_edges: int = 64_000_000
    max_features: int = 100_000
    max_feature_entries: int = 1 << 27

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_nodes", "max_edges", "max_features", "max_feature_entries"):
            check_int(name, getattr(self, name), minimum=1)


DEFAULT_LIMITS = DatasetLimits()


def check_cap(path: Path, what: str, value: int, limits: DatasetLimits, cap: str) -> None:
    """Raise DatasetError naming ``path`` if ``value`` (a count of ``what``) exceeds ``limits.<cap>``."""
    allowed = getattr(limits, cap)
    if value > allowed:
        raise DatasetError(f"{path}: {value:,} {what}; more than the cap of {allowed:,} "
                           f"(DatasetLimits.{cap})")


def check_dataset_name(name: object) -> str:
    """``name`` if it is a safe dataset name (one folder inside the data root), else ParameterError.

    Allowed: 1-64 characters, letters, digits, ``_``, ``.`` and ``-``, starting with a letter or digit and
    holding no ``..``; so no path separators, no absolute paths, no parent references.
    """
    if not isinstance(name, str) or not DATASET_NAME.fullmatch(name) or ".." in name:
        raise ParameterError("dataset", name, "must be 1-64 letters, digits, '_', '.' or '-', start with a "
                             "letter or digit and hold no '..' (it names one folder inside the data root)")
    return name


def is_planetoid(name: str) -> bool:
    """Whether ``name`` is a Planetoid dataset (else it is taken as a TUDataset name)."""
    return name.lower() in PLANETOID_NAMES


def canonical_name(name: str) -> str:
    """The dataset's folder name: Planetoid names in their usual spelling, TU names as given."""
    return PLANETOID_NAMES.get(name.lower(), name)


def dataset_folder(name: str, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of dataset ``name`` under the data root (``data_root(root)``), checked to stay inside it.

    Raises ParameterError for an unsafe name (``check_dataset_name``) and DatasetError when the folder
    resolves (through a symbolic link) outside the root. The folder need not exist.
    """
    base = data_root(root)
    folder = base / canonical_name(check_dataset_name(name))
    resolved, resolved_base = folder.resolve(), base.resolve()
    if resolved == resolved_base or not resolved.is_relative_to(resolved_base):
        raise DatasetError(f"{folder}: resolves to {resolved}, outside the data root {resolved_base}")
    return folder


def planetoid_files(name: str) -> list[str]:
    """The raw file names of Planetoid dataset ``name``."""
    return [f"ind.{name.lower()}.{part}" for part in PLANETOID_PARTS]
