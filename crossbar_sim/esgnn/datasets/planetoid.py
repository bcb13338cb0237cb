"""Reader of the Planetoid raw files (``<Name>/ind.<name>.*``, Python-2 pickles) into a NodeDataset.

The pickles are read by a restricted unpickler that builds nothing from them directly: numpy arrays,
dtypes and scipy sparse matrices come out as records of what the file claims, and the loader rebuilds
each array and matrix from checked parts (dtype, shape against the bytes present, index ranges,
monotone ``indptr``, finite values) before any numpy or scipy code sees them.
"""

from __future__ import annotations

import collections
import io
import itertools
import math
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from crossbar_sim.esgnn.datasets.containers import UNLABELLED, NodeDataset
from crossbar_sim.esgnn.datasets.errors import DatasetError, DatasetNotFound, one_line
from crossbar_sim.esgnn.datasets.manifest import (
    DEFAULT_LIMITS,
    PICKLED_PARTS,
    PLANETOID_NAMES,
    PLANETOID_PARTS,
    DatasetLimits,
    check_cap,
    dataset_folder,
)
from crossbar_sim.esgnn.datasets.textparse import is_regular_file, read_bytes, read_int_table
from device_models.errors import ParameterError

#: The numpy dtypes a Planetoid array may have, by the code numpy pickles them with.
_DTYPES = {code: np.dtype(code)
           for code in ("b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8")}
_BYTE_ORDERS = ("<", ">", "|", "=")


class _DtypeRecord:
    """A pickled ``numpy.dtype(code, align, copy)`` and its ``__setstate__`` state, not yet trusted."""

    state: Any = None

    def __init__(self, code: Any, align: Any = False, copy: Any = True) -> None:
        self.code = code

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _ArrayRecord:
    """A pickled ``numpy.ndarray`` (from ``_reconstruct``) and its state, not yet trusted."""

    state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _SparseRecord:
    """A pickled scipy sparse matrix (``NEWOBJ`` of its class) and its ``__dict__``, not yet trusted."""

    format = ""
    state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _CsrRecord(_SparseRecord):
    format = "csr"


class _CscRecord(_SparseRecord):
    format = "csc"


class _NDArrayName:
    """What the name ``numpy.ndarray`` resolves to: only ``_reconstruct`` may take it."""


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> _ArrayRecord:
    if cls is not _NDArrayName:
        raise pickle.UnpicklingError("_reconstruct of something other than numpy.ndarray")
    return _ArrayRecord()


#: The only globals a Planetoid pickle may name (the real files use the first six).
_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): _NDArrayName,
    ("numpy", "dtype"): _DtypeRecord,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("scipy.sparse.csr", "csr_matrix"): _CsrRecord,
    ("collections", "defaultdict"): collections.defaultdict,
    ("__builtin__", "list"): list,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("scipy.sparse._csr", "csr_matrix"): _CsrRecord,
    ("scipy.sparse.csc", "csc_matrix"): _CscRecord,
    ("scipy.sparse._csc", "csc_matrix"): _CscRecord,
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
            shown = f"{module[:100]}.{name[:100]}".encode("unicode_escape").decode("ascii")
            raise DatasetError(f"{self._path}: the pickle names {shown}; a Planetoid file may only "
                               "hold numpy arrays, scipy CSR/CSC matrices, lists and dicts") from None


def _kind(obj: Any) -> str:
    """A short description of ``obj`` for messages (never its repr: the object comes from the file)."""
    if isinstance(obj, _ArrayRecord):
        return "a numpy array"
    if isinstance(obj, _SparseRecord):
        return f"a scipy {obj.format.upper()} matrix"
    return type(obj).__name__


def _count(value: Any, path: Path, what: str) -> int:
    """``value`` if it is a non-negative int below 2**63, else DatasetError."""
    if type(value) is not int:
        raise DatasetError(f"{path}: {what} is {_kind(value)}; expected a non-negative integer")
    if not 0 <= value < 1 << 63:
        raise DatasetError(f"{path}: {what} is out of range; expected a non-negative integer below 2**63")
    return value


def _dtype(record: Any, path: Path) -> np.dtype:
    """The numpy dtype a ``_DtypeRecord`` describes, if it is a plain boolean, integer or float type."""
    code = record.code if isinstance(record, _DtypeRecord) else None
    if not isinstance(code, str) or code not in _DTYPES:
        shown = repr(code[:20]) if isinstance(code, str) else _kind(record)
        raise DatasetError(f"{path}: an array has dtype {shown}; expected one of {', '.join(_DTYPES)}")
    dtype, state = _DTYPES[code], record.state
    if state is None:
        return dtype
    # (version, byte order, subarray, names, fields, element size, alignment, flags[, metadata])
    if (not isinstance(state, tuple) or len(state) not in (8, 9) or state[1] not in _BYTE_ORDERS
            or any(part is not None for part in state[2:5])):
        raise DatasetError(f"{path}: an array's dtype state is not that of a plain {dtype} (no fields, "
                           "no subarray)")
    return dtype.newbyteorder(state[1]) if state[1] in "<>" else dtype


def _build_array(record: Any, path: Path) -> np.ndarray:
    """The numpy array an ``_ArrayRecord`` describes, once its dtype, shape and bytes agree."""
    if not isinstance(record, _ArrayRecord):
        raise DatasetError(f"{path}: holds {_kind(record)} where a numpy array belongs")
    state = record.state
    if isinstance(state, tuple) and len(state) == 5 and state[0] == 1:
        state = state[1:]
    if not isinstance(state, tuple) or len(state) != 4:
        raise DatasetError(f"{path}: an array's pickled state is not (shape, dtype, fortran order, bytes)")
    shape, dtype_record, fortran, raw = state
    if not isinstance(shape, tuple) or len(shape) > 2:
        raise DatasetError(f"{path}: an array's shape is {_kind(shape)}; expected a tuple of at most 2 sizes")
    shape = tuple(_count(size, path, "an array dimension") for size in shape)
    dtype = _dtype(dtype_record, path)
    if isinstance(raw, str):  # Python 2 str, decoded as latin1 by the unpickler
        try:
            raw = raw.encode("latin1")
        except UnicodeEncodeError:
            raise DatasetError(f"{path}: an array's data is text, not bytes") from None
    if not isinstance(raw, bytes) or type(fortran) is not bool:
        raise DatasetError(f"{path}: an array's pickled state is not (shape, dtype, fortran order, bytes)")
    needed = math.prod(shape) * dtype.itemsize
    if len(raw) != needed:
        raise DatasetError(f"{path}: an array of shape {shape} and dtype {dtype} needs {needed:,} bytes; "
                           f"the file holds {len(raw):,}")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.astype(dtype.newbyteorder("="))  # a native-order, writable copy


def _build_matrix(record: _SparseRecord, path: Path, limits: DatasetLimits) -> sp.csr_matrix:
    """The float64 CSR matrix a pickled CSR/CSC matrix describes, rebuilt from checked arrays."""
    state = record.state
    if not isinstance(state, dict) or not all(k in state for k in ("_shape", "data", "indices", "indptr")):
        raise DatasetError(f"{path}: the sparse matrix's state lacks _shape, data, indices or indptr")
    shape = state["_shape"]
    if not isinstance(shape, tuple) or len(shape) != 2:
        raise DatasetError(f"{path}: the sparse matrix's shape is {_kind(shape)}; expected (rows, columns)")
    rows, cols = (_count(size, path, "a sparse matrix dimension") for size in shape)
    check_cap(path, "rows", rows, limits, "max_nodes")
    check_cap(path, "feature columns", cols, limits, "max_features")
    check_cap(path, "feature entries (rows x columns)", rows * cols, limits, "max_feature_entries")
    data, indices, indptr = (_build_array(state[k], path) for k in ("data", "indices", "indptr"))
    major, minor = (rows, cols) if record.format == "csr" else (cols, rows)
    what = f"the {record.format.upper()} matrix ({rows} x {cols})"
    if indptr.shape != (major + 1,) or indptr.dtype.kind not in "iu":
        raise DatasetError(f"{path}: {what} has indptr of {indptr.dtype} shape {indptr.shape}; expected "
                           f"{major + 1} integers")
    if indices.ndim != 1 or indices.dtype.kind not in "iu" or data.shape != indices.shape:
        raise DatasetError(f"{path}: {what} has indices of {indices.dtype} shape {indices.shape} and data of "
                           f"shape {data.shape}; expected two equally long 1-D arrays, the indices integers")
    indptr = indptr.astype(np.int64)
    if indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0):
        raise DatasetError(f"{path}: {what} has an indptr that does not rise monotonically from 0 to the "
                           f"{indices.size} stored entries")
    indices = indices.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= minor):
        raise DatasetError(f"{path}: {what} has a {'column' if record.format == 'csr' else 'row'} index "
                           f"outside 0..{minor - 1}")
    data = data.astype(np.float64)
    if not np.all(np.isfinite(data)):
        raise DatasetError(f"{path}: {what} holds a value that is not a finite number (NaN or infinity)")
    build = sp.csr_matrix if record.format == "csr" else sp.csc_matrix
    return sp.csr_matrix(build((data, indices, indptr), shape=(rows, cols)))


def load_restricted_pickle(path: Path, limits: DatasetLimits = DEFAULT_LIMITS) -> Any:
    """Unpickle ``path`` admitting only the types Planetoid files are made of.

    A top-level numpy array, or scipy sparse matrix (as float64 CSR), is returned rebuilt from checked
    parts; a container is returned as unpickled (any array inside it is still an unchecked record).
    """
    data = read_bytes(path, limits.max_file_bytes)
    try:
        obj = _PlanetoidUnpickler(io.BytesIO(data), path).load()
    except DatasetError:
        raise
    except Exception as exc:  # the file is untrusted: whatever unpickling raises, the file is at fault
        raise DatasetError(f"{path}: not a readable Planetoid pickle ({one_line(exc)})") from None
    if isinstance(obj, _ArrayRecord):
        return _build_array(obj, path)
    if isinstance(obj, _SparseRecord):
        return _build_matrix(obj, path, limits)
    return obj


def _matrix(obj: Any, path: Path) -> sp.csr_matrix:
    if not isinstance(obj, sp.csr_matrix):
        raise DatasetError(f"{path}: holds {_kind(obj)}; expected a scipy sparse feature matrix")
    return obj


def _labels(obj: Any, path: Path, rows: int, classes: int | None = None) -> np.ndarray:
    """Class index of each row of a one-hot label array (``classes`` columns); UNLABELLED for a zero row."""
    if not isinstance(obj, np.ndarray):
        raise DatasetError(f"{path}: holds {_kind(obj)}; expected a one-hot label array")
    columns = obj.shape[1] if obj.ndim == 2 else 0
    if obj.ndim != 2 or obj.shape[0] != rows or columns == 0 or columns != (classes or columns):
        raise DatasetError(f"{path}: holds an array of shape {obj.shape}; expected a one-hot label array "
                           f"with {rows} rows like its feature matrix and {classes or 'one or more'} class "
                           "columns")
    values = obj.astype(np.float64)
    counts = values.sum(axis=1)
    bad = np.flatnonzero(((values != 0) & (values != 1)).any(axis=1) | (counts > 1))
    if bad.size:
        raise DatasetError(f"{path}: row {int(bad[0])} is not one-hot (its entries must be 0 or 1, at most "
                           "one of them 1)")
    labels = values.argmax(axis=1).astype(np.int64)
    labels[counts == 0] = UNLABELLED
    return labels


def _graph(obj: Any, path: Path, n: int, limits: DatasetLimits) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency without self-loops from a node -> neighbours mapping."""
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}: holds {_kind(obj)}; expected a dict of node -> neighbour list")
    keys, lists = list(obj), list(obj.values())
    if set(map(type, lists)) - {list}:
        kind = next(_kind(vs) for vs in lists if type(vs) is not list)
        raise DatasetError(f"{path}: a node's neighbours are {kind}; expected a list of node ids")
    lengths = list(map(len, lists))
    check_cap(path, "neighbour-list entries", sum(lengths), limits, "max_edges")
    neighbours = list(itertools.chain.from_iterable(lists))
    if set(map(type, keys)) - {int} or set(map(type, neighbours)) - {int}:
        kind = next(_kind(v) for v in itertools.chain(keys, neighbours) if type(v) is not int)
        raise DatasetError(f"{path}: holds a node id of type {kind}; expected integer node ids")
    try:
        nodes = np.array(keys, dtype=np.int64)
        cols = np.array(neighbours, dtype=np.int64)
    except OverflowError:
        raise DatasetError(f"{path}: holds a node id beyond 64 bits; expected ids in 0..{n - 1}") from None
    rows = np.repeat(nodes, lengths)
    ids = np.concatenate([nodes, cols])
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        bad = ids[(ids < 0) | (ids >= n)][0]
        raise DatasetError(f"{path}: node id {bad}; expected ids in 0..{n - 1} (one per feature row)")
    keep = rows != cols
    a = sp.coo_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    a = a + a.T
    a.data[:] = 1.0
    a.sort_indices()
    return sp.csr_matrix(a)


def load_planetoid(
    name: str, root: str | os.PathLike[str] | None = None, limits: DatasetLimits = DEFAULT_LIMITS
) -> NodeDataset:
    """Read Planetoid dataset ``name`` (Cora, CiteSeer, PubMed) from ``root/<Name>/ind.<name>.*``.

    As in the standard loaders, the test rows are put at the ids of ``test.index``. Ids inside the test
    range that ``test.index`` omits (CiteSeer's isolated nodes) get zero feature rows and the label
    ``UNLABELLED`` (-1), as does any node whose one-hot label row is all zero; unlabelled nodes are in no
    split. Files beyond ``limits`` are refused before they are read into arrays; every malformed file
    raises DatasetError naming the file.
    """
    key = name.lower() if isinstance(name, str) else None
    if key not in PLANETOID_NAMES:
        raise ParameterError("name", name, f"must be one of {sorted(PLANETOID_NAMES.values())}")
    folder = dataset_folder(PLANETOID_NAMES[key], root)
    paths = {part: folder / f"ind.{key}.{part}" for part in PLANETOID_PARTS}
    for path in paths.values():
        if not is_regular_file(path):
            raise DatasetNotFound(name, path, "missing")
    objs = {part: load_restricted_pickle(paths[part], limits) for part in PICKLED_PARTS}
    x, tx, allx = (_matrix(objs[p], paths[p]) for p in ("x", "tx", "allx"))
    for part, matrix in (("x", x), ("tx", tx)):
        if matrix.shape[1] != allx.shape[1]:
            raise DatasetError(f"{paths[part]}: {matrix.shape[1]} feature columns; expected "
                               f"{allx.shape[1]} like {paths['allx'].name}")
    if x.shape[0] > allx.shape[0]:
        raise DatasetError(f"{paths['x']}: {x.shape[0]} rows; expected at most the {allx.shape[0]} of "
                           f"{paths['allx'].name} (the labelled nodes are its first rows)")
    ally = _labels(objs["ally"], paths["ally"], allx.shape[0])
    classes = objs["ally"].shape[1]
    _labels(objs["y"], paths["y"], x.shape[0], classes)
    ty = _labels(objs["ty"], paths["ty"], tx.shape[0], classes)

    test_path = paths["test.index"]
    test_ids = read_int_table(test_path, limits, "max_nodes", 1)[:, 0]
    if test_ids.size != tx.shape[0]:
        raise DatasetError(f"{test_path}: {test_ids.size} ids; expected {tx.shape[0]}, one per row of tx")
    n_known = allx.shape[0]
    if test_ids.size == 0 or np.unique(test_ids).size != test_ids.size or test_ids.min() != n_known:
        raise DatasetError(f"{test_path}: ids must be distinct and start at {n_known}, the node after the "
                           f"rows of allx; found {test_ids.size} ids {np.sort(test_ids)[:3].tolist()}...")
    n = int(test_ids.max()) + 1
    check_cap(test_path, "nodes (its largest id + 1)", n, limits, "max_nodes")
    check_cap(test_path, "feature entries (nodes x feature columns)", n * allx.shape[1], limits,
              "max_feature_entries")
    # Row k of tx belongs to node test_ids[k]; test-range ids missing from test.index stay zero rows.
    k = test_ids.size
    placement = sp.csr_matrix((np.ones(k), (test_ids - n_known, np.arange(k))), shape=(n - n_known, k))
    features = sp.csr_matrix(sp.vstack([allx, placement @ tx]))
    labels = np.full(n, UNLABELLED, dtype=np.int64)
    labels[:n_known] = ally
    labels[test_ids] = ty
    adjacency = _graph(objs["graph"], paths["graph"], n, limits)
    return NodeDataset(
        name=PLANETOID_NAMES[key], adjacency=adjacency, features=features, labels=labels,
        test_index=np.sort(test_ids), num_labelled=int(x.shape[0]), num_non_test=int(n_known),
    )
