"""Splits of datasets: the ESGNN paper's MUTAG folds, fold files (DGCNN ``10fold_idx`` folders or JSON),
stratified k-fold, stratified inner validation subsets, and random Planetoid-style node splits."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from crossbar_sim.esgnn.datasets.errors import DatasetError, one_line
from crossbar_sim.esgnn.datasets.manifest import DEFAULT_LIMITS, DatasetLimits, dataset_folder
from crossbar_sim.esgnn.datasets.textparse import count_lines, is_regular_file, parse_int_table, read_bytes
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


def _fold_path(name: str, relative: str, root: str | os.PathLike[str] | None) -> Path:
    """``relative`` inside dataset ``name``'s folder, refused (DatasetError) if it resolves outside it."""
    folder = dataset_folder(name, root)
    path = folder / relative
    if Path(relative).is_absolute() or not path.resolve().is_relative_to(folder.resolve()):
        raise DatasetError(f"{path}: a folds file must lie inside the dataset folder {folder}")
    return path


def _checked_fold(train: np.ndarray, test: np.ndarray, n_items: int,
                  where: str) -> tuple[np.ndarray, np.ndarray]:
    for key, ids in (("train", train), ("test", test)):
        if ids.size == 0:
            raise DatasetError(f"{where}: {key} ids are empty")
        if ids.min() < 0 or ids.max() >= n_items:
            raise DatasetError(f"{where}: {key} id {int(ids.max() if ids.max() >= n_items else ids.min())} "
                               f"outside 0..{n_items - 1}")
        if np.unique(ids).size != ids.size:
            raise DatasetError(f"{where}: {key} ids repeat")
    if np.intersect1d(train, test).size:
        raise DatasetError(f"{where}: train and test share ids")
    return train, test


def _dgcnn_folds(path: Path, n_items: int, limits: DatasetLimits) -> list[tuple[np.ndarray, np.ndarray]]:
    folds = []
    for k in range(1, 10_000):
        files = [path / f"{part}_idx-{k}.txt" for part in ("train", "test")]
        present = [is_regular_file(f) for f in files]
        if not any(present):
            break
        if not all(present):
            raise DatasetError(f"{files[present.index(False)]}: missing (its fold has the other file)")
        ids = []
        for f in files:
            data = read_bytes(f, limits.max_file_bytes)
            ids.append(parse_int_table(data, f, count_lines(data), 1)[:, 0])
        folds.append(_checked_fold(ids[0], ids[1], n_items, f"{path}, fold {k}"))
    if not folds:
        raise DatasetError(f"{path}: holds no train_idx-1.txt / test_idx-1.txt (DGCNN 10fold_idx layout)")
    return folds


def _json_folds(path: Path, n_items: int, limits: DatasetLimits) -> list[tuple[np.ndarray, np.ndarray]]:
    try:
        records = json.loads(read_bytes(path, limits.max_file_bytes).decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        raise DatasetError(f"{path}: not readable as JSON ({one_line(exc)})") from None
    if not isinstance(records, list) or not records:
        raise DatasetError(f"{path}: expected a non-empty list of test-id lists or of "
                           "{train, test} objects")
    folds = []
    everything = np.arange(n_items)
    for k, record in enumerate(records):
        if isinstance(record, dict):
            train = _ids(record.get("train"), path, k, "train")
            test = _ids(record.get("test"), path, k, "test")
        else:
            test = _ids(record, path, k, "test")
            train = np.setdiff1d(everything, test)
        folds.append(_checked_fold(train, test, n_items, f"{path}, fold entry {k}"))
    return folds


def load_folds_file(
    name: str, relative: str, n_items: int, root: str | os.PathLike[str] | None = None,
    limits: DatasetLimits = DEFAULT_LIMITS,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) 0-based id arrays of a fold file inside dataset ``name``'s folder.

    ``relative`` names either a folder in DGCNN's ``10fold_idx`` layout (``train_idx-K.txt`` and
    ``test_idx-K.txt`` for K = 1, 2, ..., one 0-based id per line) or a JSON file holding a list whose
    entries are either a list of test ids (train: every other item) or an object with ``train`` and
    ``test`` id lists. Raises DatasetError naming the file unless every id lies in 0..n_items-1, no id
    repeats within a list and train and test are disjoint; FileNotFoundError if nothing is there.
    """
    path = _fold_path(name, relative, root)
    if path.is_dir():
        return _dgcnn_folds(path, n_items, limits)
    if not is_regular_file(path):
        raise FileNotFoundError(f"{path}: no such folds file or folder")
    return _json_folds(path, n_items, limits)


def stratified_subset(labels: np.ndarray, items: np.ndarray, fraction: float,
                      rng: np.random.Generator) -> np.ndarray:
    """About ``fraction`` of ``items`` (sorted), each class of ``labels[items]`` represented in proportion.

    Every class with at least two items keeps one out of the subset, and the subset holds at least one
    item, so both sides of the split see every class they can.
    """
    items = np.asarray(items)
    chosen = []
    for c in np.unique(labels[items]):
        members = rng.permutation(items[labels[items] == c])
        take = int(round(fraction * members.size))
        chosen.append(members[:min(take, members.size - 1) if members.size > 1 else take])
    subset = np.sort(np.concatenate(chosen)) if chosen else items[:0]
    if subset.size == 0 and items.size > 1:
        subset = np.sort(rng.choice(items, 1))
    return subset


def random_node_split(labels: np.ndarray, train_per_class: int, val_size: int, test_size: int,
                      rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A random Planetoid-style split of the labelled nodes (``labels >= 0``): ``train_per_class`` per
    class for training, then ``val_size`` and ``test_size`` of the remaining labelled nodes (sorted ids)."""
    labels = np.asarray(labels)
    labelled = np.flatnonzero(labels >= 0)
    train = np.concatenate([rng.permutation(labelled[labels[labelled] == c])[:train_per_class]
                            for c in np.unique(labels[labelled])])
    rest = rng.permutation(np.setdiff1d(labelled, train))
    if val_size + test_size > rest.size:
        raise ParameterError("val_size", val_size, f"with test_size {test_size} needs more than the "
                             f"{rest.size} labelled nodes left after training")
    return {"train": np.sort(train), "val": np.sort(rest[:val_size]),
            "test": np.sort(rest[val_size:val_size + test_size])}
