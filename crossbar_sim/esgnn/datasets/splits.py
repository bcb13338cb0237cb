"""Train/test splits of graph datasets: the ESGNN paper's MUTAG folds and stratified k-fold."""

from __future__ import annotations

import json
import os

import numpy as np

from crossbar_sim.common.data_paths import data_root
from crossbar_sim.esgnn.datasets.errors import DatasetError
from device_models.errors import ParameterError, check_int


def load_paper_folds(root: str | os.PathLike[str] | None = None) -> list[dict]:
    """The 10 splits of the ESGNN paper for MUTAG (``MUTAG/paper_folds.json``), as 0-based int64 arrays.

    Each dict holds ``fold``, ``train``, ``test`` and the inner splits ``nested_train`` and
    ``nested_val`` (lists of arrays). Test sets overlap across folds (a repeated 90/10 hold-out).
    """
    path = data_root(root) / "MUTAG" / "paper_folds.json"
    try:
        records = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(records, list):
        raise DatasetError(f"{path}: holds {type(records).__name__}; expected a list of fold objects")
    folds = []
    for k, record in enumerate(records):
        try:
            fold = {
                "fold": int(record["fold"]),
                "train": np.asarray(record["train"], dtype=np.int64),
                "test": np.asarray(record["test"], dtype=np.int64),
                "nested_train": [np.asarray(t, dtype=np.int64) for t in record.get("nested_train", [])],
                "nested_val": [np.asarray(v, dtype=np.int64) for v in record.get("nested_val", [])],
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{path}: fold entry {k} is malformed ({exc!r}); expected integer lists "
                               "'train' and 'test'") from None
        both = np.concatenate([fold["train"], fold["test"]])
        if not np.array_equal(np.sort(both), np.arange(both.size)):
            raise DatasetError(f"{path}: fold entry {k}: train and test do not partition 0..{both.size - 1}")
        folds.append(fold)
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
