"""Graph benchmark datasets: TUDataset and Planetoid readers, in-memory builders, splits and a downloader."""

from crossbar_sim.esgnn.datasets.build import graphs_from_adjacency, graphs_from_networkx
from crossbar_sim.esgnn.datasets.containers import UNLABELLED, GraphDataset, NodeDataset
from crossbar_sim.esgnn.datasets.dispatch import load_dataset
from crossbar_sim.esgnn.datasets.download import PinnedDigestWarning, download_dataset
from crossbar_sim.esgnn.datasets.errors import DatasetError, DownloadError
from crossbar_sim.esgnn.datasets.manifest import (
    DEFAULT_LIMITS,
    DatasetLimits,
    check_dataset_name,
    dataset_folder,
)
from crossbar_sim.esgnn.datasets.planetoid import load_planetoid
from crossbar_sim.esgnn.datasets.splits import load_folds_file, load_paper_folds, stratified_kfold
from crossbar_sim.esgnn.datasets.tudataset import load_tudataset

__all__ = [
    "DEFAULT_LIMITS",
    "UNLABELLED",
    "DatasetError",
    "DatasetLimits",
    "DownloadError",
    "GraphDataset",
    "NodeDataset",
    "PinnedDigestWarning",
    "check_dataset_name",
    "dataset_folder",
    "download_dataset",
    "graphs_from_adjacency",
    "graphs_from_networkx",
    "load_dataset",
    "load_folds_file",
    "load_paper_folds",
    "load_planetoid",
    "load_tudataset",
    "stratified_kfold",
]
