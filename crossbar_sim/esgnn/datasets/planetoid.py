"""Reader of the Planetoid raw files (``<Name>/ind.<name>.*``, Python-2 pickles) into a NodeDataset."""

from __future__ import annotations

import collections
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from crossbar_sim.common.data_paths import data_root
from crossbar_sim.esgnn.datasets.containers import NodeDataset
from crossbar_sim.esgnn.datasets.errors import DatasetError
from crossbar_sim.esgnn.datasets.textparse import read_int_table
from device_models.errors import ParameterError

#: Folder name of each Planetoid dataset, by lower-case name.
PLANETOID_NAMES = {"cora": "Cora", "citeseer": "CiteSeer", "pubmed": "PubMed"}
#: The pickled parts of a Planetoid dataset, then the plain-text one.
PICKLED_PARTS = ("x", "y", "tx", "ty", "allx", "ally", "graph")
PLANETOID_PARTS = (*PICKLED_PARTS, "test.index")

_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]
#: The only globals a Planetoid pickle may name (the real files use the first six).
_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("scipy.sparse.csr", "csr_matrix"): sp.csr_matrix,
    ("collections", "defaultdict"): collections.defaultdict,
    ("__builtin__", "list"): list,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("scipy.sparse._csr", "csr_matrix"): sp.csr_matrix,
    ("scipy.sparse.csc", "csc_matrix"): sp.csc_matrix,
    ("scipy.sparse._csc", "csc_matrix"): sp.csc_matrix,
    ("builtins", "list"): list,
    ("__builtin__", "dict"): dict,
    ("builtins", "dict"): dict,
}


class _PlanetoidUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the numpy, scipy.sparse and container types of Planetoid files."""

    def __init__(self, file: Any, path: Path) -> None:
        super().__init__(file, encoding="latin1")
        self._path = path

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DatasetError(f"{self._path}: the pickle names {module}.{name}; a Planetoid file may only "
                               "hold numpy arrays, scipy CSR/CSC matrices, lists and dicts") from None


def load_restricted_pickle(path: Path) -> Any:
    """Unpickle ``path`` admitting only the types Planetoid files are made of."""
    with open(path, "rb") as f:
        try:
            return _PlanetoidUnpickler(f, path).load()
        except DatasetError:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, KeyError,
                IndexError) as exc:
            raise DatasetError(f"{path}: not a readable Planetoid pickle ({exc!r})") from None


def _matrix(obj: Any, path: Path) -> sp.csr_matrix:
    if not sp.issparse(obj):
        raise DatasetError(f"{path}: holds {type(obj).__name__}; expected a scipy sparse feature matrix")
    return sp.csr_matrix(obj, dtype=np.float64)


def _onehot(obj: Any, path: Path, rows: int) -> np.ndarray:
    if not isinstance(obj, np.ndarray) or obj.ndim != 2 or obj.shape[0] != rows:
        raise DatasetError(f"{path}: holds {getattr(obj, 'shape', type(obj).__name__)}; expected a one-hot "
                           f"label array with {rows} rows like its feature matrix")
    return obj


def _graph(obj: Any, path: Path, n: int) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency without self-loops from a node -> neighbours mapping."""
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}: holds {type(obj).__name__}; expected a dict of node -> neighbour list")
    rows = np.fromiter((u for u, vs in obj.items() for _ in vs), dtype=np.int64)
    cols = np.fromiter((v for vs in obj.values() for v in vs), dtype=np.int64)
    ids = np.concatenate([rows, cols, np.fromiter(obj.keys(), dtype=np.int64)])
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = ids[(ids < 0) | (ids >= n)][0]
        raise DatasetError(f"{path}: node id {bad}; expected ids in 0..{n - 1} (one per feature row)")
    keep = rows != cols
    a = sp.coo_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    a = a + a.T
    a.data[:] = 1.0
    a.sort_indices()
    return sp.csr_matrix(a)


def load_planetoid(name: str, root: str | os.PathLike[str] | None = None) -> NodeDataset:
    """Read Planetoid dataset ``name`` (Cora, CiteSeer, PubMed) from ``root/<Name>/ind.<name>.*``.

    As in the standard loaders, the test rows are put at the ids of ``test.index``; ids inside the
    test range that ``test.index`` omits (CiteSeer's isolated nodes) get zero feature and label rows,
    so their label reads as class 0 (they are in no split's test set).
    """
    key = name.lower()
    if key not in PLANETOID_NAMES:
        raise ParameterError("name", name, f"must be one of {sorted(PLANETOID_NAMES.values())}")
    folder = data_root(root) / PLANETOID_NAMES[key]
    paths = {part: folder / f"ind.{key}.{part}" for part in PLANETOID_PARTS}
    for path in paths.values():
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing (download_dataset({name!r}) fetches it)")
    objs = {part: load_restricted_pickle(paths[part]) for part in PICKLED_PARTS}
    x, tx, allx = (_matrix(objs[p], paths[p]) for p in ("x", "tx", "allx"))
    _onehot(objs["y"], paths["y"], x.shape[0])
    ty = _onehot(objs["ty"], paths["ty"], tx.shape[0])
    ally = _onehot(objs["ally"], paths["ally"], allx.shape[0])

    test_path = paths["test.index"]
    test_ids = read_int_table(test_path, 1)[:, 0]
    if test_ids.size != tx.shape[0]:
        raise DatasetError(f"{test_path}: {test_ids.size} ids; expected {tx.shape[0]}, one per row of tx")
    n_known = allx.shape[0]
    if test_ids.size == 0 or np.unique(test_ids).size != test_ids.size or test_ids.min() != n_known:
        raise DatasetError(f"{test_path}: ids must be distinct and start at {n_known}, the node after the "
                           f"rows of allx; found {test_ids.size} ids {np.sort(test_ids)[:3].tolist()}...")
    n = int(test_ids.max()) + 1
    # Row k of tx belongs to node test_ids[k]; test-range ids missing from test.index stay zero rows.
    k = test_ids.size
    placement = sp.csr_matrix((np.ones(k), (test_ids - n_known, np.arange(k))), shape=(n - n_known, k))
    features = sp.csr_matrix(sp.vstack([allx, placement @ tx]))
    labels_onehot = np.zeros((n, ally.shape[1]))
    labels_onehot[:n_known] = ally
    labels_onehot[test_ids] = ty
    adjacency = _graph(objs["graph"], paths["graph"], n)
    return NodeDataset(
        name=PLANETOID_NAMES[key], adjacency=adjacency, features=features,
        labels=labels_onehot.argmax(axis=1).astype(np.int64), test_index=np.sort(test_ids),
        num_labelled=int(x.shape[0]), num_non_test=int(n_known),
    )
