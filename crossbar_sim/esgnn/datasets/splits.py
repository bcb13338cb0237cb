"""Train/test splits of graph datasets: the ESGNN paper's MUTAG folds and stratified k-fold."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from crossbar_sim.esgnn.datasets.errors import DatasetError, one_line
from crossbar_sim.esgnn.datasets.manifest import DEFAULT_LIMITS, DatasetLimits, dataset_folder
from crossbar_sim.esgnn.datasets.textparse import is_regular_file, read_bytes
from device_models.errors import ParameterError, check_int


def _ids(value: Any, path: Path, k: int, key: str) -> np.ndarray:
    """The int64 ids of a JSON list of integers, else DatasetError naming the fold entry and key."""
    if not isinstance(value, list) or not all(type(v) is int for v in value):
        raise DatasetError(f"{path}: fold entry {k}: {key!r} is not a list of integer ids")
    try:
        return np.array(value, dtype=np.int64)
    except OverflowError:
        raise DatasetError(f"{path}: fold entry {k}: {key!r} holds an id beyond 64 bits") from None


def _partitions(a: np.ndarray, b: np.ndarray, whole: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` together hold each id of the sorted ``whole`` exactly once."""
    return np.array_equal(np.sort(np.concatenate([a, b])), whole)


def load_paper_folds(
    root: str | os.PathLike[str] | None = None, limits: DatasetLimits = DEFAULT_LIMITS
) -> list[dict]:
    """The 10 splits of the ESGNN paper for MUTAG (``MUTAG/paper_folds.json``), as 0-based int64 arrays.

    Each dict holds ``fold``, ``train``, ``test`` and the inner splits ``nested_train`` and
    ``nested_val`` (lists of arrays). Test sets overlap across folds (a repeated 90/10 hold-out).
    Raises DatasetError naming the file unless each fold's train and test partition 0..N-1 and each
    inner pair partitions its fold's train.
    """
    path = dataset_folder("MUTAG", root) / "paper_folds.json"
    if not is_regular_file(path):
        raise FileNotFoundError(f"{path}: missing; the MUTAG folder of the data root holds the paper's folds")
    data = read_bytes(path, limits.max_file_bytes)
    try:
        records = json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # not UTF-8, an over-long integer, nesting too deep
        raise DatasetError(f"{path}: not readable as JSON ({one_line(exc)})") from None
    if not isinstance(records, list):
        raise DatasetError(f"{path}: holds {type(records).__name__}; expected a list of fold objects")
    folds = []
    for k, record in enumerate(records):
        if not isinstance(record, dict) or type(record.get("fold")) is not int:
            raise DatasetError(f"{path}: fold entry {k} is not an object with an integer 'fold'")
        train, test = _ids(record.get("train"), path, k, "train"), _ids(record.get("test"), path, k, "test")
        inner = [record.get(key, []) for key in ("nested_train", "nested_val")]
        if not all(isinstance(lists, list) for lists in inner) or len(inner[0]) != len(inner[1]):
            raise DatasetError(f"{path}: fold entry {k}: 'nested_train' and 'nested_val' must be lists of "
                               "equally many id lists")
        nested_train = [_ids(ids, path, k, "nested_train") for ids in inner[0]]
        nested_val = [_ids(ids, path, k, "nested_val") for ids in inner[1]]
        if not _partitions(train, test, np.arange(train.size + test.size)):
            raise DatasetError(f"{path}: fold entry {k}: train and test do not partition "
                               f"0..{train.size + test.size - 1}")
        for j, (inner_train, inner_val) in enumerate(zip(nested_train, nested_val, strict=True)):
            if not _partitions(inner_train, inner_val, np.sort(train)):
                raise DatasetError(f"{path}: fold entry {k}: nested_train[{j}] and nested_val[{j}] do not "
                                   "partition the fold's train ids")
        folds.append({"fold": record["fold"], "train": train, "test": test, "nested_train": nested_train,
                      "nested_val": nested_val})
    return folds


def stratified_kfold(
    labels: np.ndarray, k: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, test) index pairs; each class is spread over the test folds as evenly as possible.

    Indices of each class are shuffled by ``rng`` and dealt round-robin to the folds, so fold sizes and
    per-class counts differ by at most one. Deterministic for a given Generator state.
    """
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ParameterError("labels.shape", y.shape, "must be 1-D")
    k = check_int("k", k, minimum=2)
    if y.size < k:
        raise ParameterError("k", k, f"must not exceed the number of items ({y.size})")
    if not isinstance(rng, np.random.Generator):
        raise ParameterError("rng", rng, "must be a numpy.random.Generator")
    order = np.concatenate([rng.permutation(np.flatnonzero(y == c)) for c in np.unique(y)])
    fold_of = np.empty(y.size, dtype=np.int64)
    fold_of[order] = np.arange(y.size) % k
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]
