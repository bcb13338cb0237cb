"""Hostile dataset files: malformed TU folders, Planetoid pickles, fold files and names all fail cleanly.

Every case must raise DatasetError (ParameterError for a bad name) with a one-line message naming the
file (and line where it applies) and what was wrong, in bounded time and memory, and must never crash
the interpreter. The corrupt-CSR cases made scipy segfault before the Planetoid loader rebuilt its
sparse matrices from checked arrays; they run in-process here.
"""

from __future__ import annotations

import gzip
import json
import pickle
import re
import struct
import tempfile
import time
import tracemalloc
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.esgnn.datasets import (
    DatasetError,
    load_dataset,
    load_paper_folds,
    load_planetoid,
    load_tudataset,
)
from crossbar_sim.esgnn.datasets.containers import UNLABELLED
from crossbar_sim.esgnn.datasets.manifest import (
    DEFAULT_LIMITS,
    DatasetLimits,
    check_dataset_name,
    dataset_folder,
)
from crossbar_sim.esgnn.datasets.planetoid import load_restricted_pickle
from device_models.errors import ParameterError

_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]
#: Wall-clock bound of one refused load (generous: the test machine's cores are shared).
_SECONDS = 10.0


def refused(load: Callable[[], Any], path: Path, message: str, line: int | None = None) -> str:
    """Assert ``load()`` raises a one-line DatasetError naming ``path`` (and ``line``) and ``message``."""
    start = time.perf_counter()
    with pytest.raises(DatasetError) as info:
        load()
    elapsed = time.perf_counter() - start
    text = str(info.value)
    assert text.startswith(f"{path}, line {line}:" if line is not None else f"{path}"), text
    assert re.search(message, text), text
    assert "\n" not in text and len(text) < 600, text
    assert elapsed < _SECONDS, f"took {elapsed:.1f} s"
    return text


# ---------------------------------------------------------------------------------------------- TU folders

# Two graphs: a triangle 1-2-3 and an edge 4-5 with a self-loop on 5.
TOY = {
    "A": "1, 2\n2, 1\n2, 3\n3, 2\n1, 3\n3, 1\n4, 5\n5, 4\n5, 5\n",
    "graph_indicator": "1\n1\n1\n2\n2\n",
    "graph_labels": "5\n2\n",
}


def write_tu(root: Path, files: dict[str, str | bytes | None], gz: tuple[str, ...] = (),
             name: str = "TOY") -> Path:
    """A TU folder ``root/name`` holding ``TOY`` overridden by ``files`` (text, raw bytes, None: no file)."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for part, content in {**TOY, **files}.items():
        if content is None:
            continue
        raw = content.encode("latin1") if isinstance(content, str) else content
        path = folder / f"{name}_{part}.txt"
        if part in gz:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(raw))
        else:
            path.write_bytes(raw)
    return folder


def tu_path(root: Path, part: str, gz: bool = False) -> Path:
    return root / "TOY" / f"TOY_{part}.txt{'.gz' if gz else ''}"


@pytest.mark.parametrize(
    ("part", "text", "line", "message"),
    [
        ("A", "1, 2\n2, 1.5\n", 2, "is not a line of comma-separated integers"),
        ("A", "1, 2\nabc, 1\n", 2, "is not a line of comma-separated integers"),
        ("A", "1, 2\n0x1, 2\n", 2, "is not a line of comma-separated integers"),
        ("A", "1, 2\n1e3, 1\n", 2, "is not a line of comma-separated integers"),
        ("A", "1, 2\n2, 1, 3\n", 2, "does not have the expected 2 column"),
        ("A", "1, 2\n2\n", 2, "does not have the expected 2 column"),
        ("A", "1, 2\n\n2, 1\n", 2, "is empty"),
        ("A", "0, 1\n", 1, r"node ids \[0, 1\]; expected ids in 1..5"),
        ("A", "1, 2\n1, -2\n", 2, r"node ids \[1, -2\]; expected ids in 1..5"),
        ("A", "1, 2\n1, 99999999999\n", 2, "expected ids in 1..5"),
        ("A", "1, 2\n1, 1234567890123456789012\n", 2, "holds an integer of more than 18 digits"),
        ("A", "\x00\xff\x01, 2\n", 1, "is not a line of comma-separated integers"),
        ("A", "1, 2\n2, 1\r\n3,\n", 3, "is not a line of comma-separated integers"),
        ("graph_indicator", "1\n1\nx\n2\n2\n", 3, "is not a line of comma-separated integers"),
        ("graph_indicator", "1\n1\n1\n-2\n-2\n", 4, "graph id -2 follows 1"),
        ("graph_indicator", "1\n1\n1\n2\n999999999999\n", 5, "graph id 999999999999 follows 2"),
        ("graph_labels", "5\nfoo\n", 2, "is not a line of comma-separated integers"),
        ("node_labels", "1,1\n2\n3,3\n4,4\n5,5\n", 2, "does not have the expected 2 column"),
        ("node_attributes", "1,2\nnan,4\n5,6\n7,8\n9,0\n", 2, "not a finite number"),
        ("node_attributes", "1,2\n3,4\ninf,6\n7,8\n9,0\n", 3, "not a finite number"),
        ("node_attributes", "1,2\n3,4\n5,6\n7,-inf\n9,0\n", 4, "not a finite number"),
        ("node_attributes", "1,2\n3,4\n5,6\n7,8\n9,1e999\n", 5, "not a finite number"),
        ("node_attributes", "1,2\n3,4,5\n5,6\n7,8\n9,0\n", 2, "has 3 values; expected 2 like line 1"),
        ("node_attributes", "1,2\n3,x\n5,6\n7,8\n9,0\n", 2, "is not a line of comma-separated numbers"),
        ("node_attributes", "1,2\n3,,4\n5,6\n7,8\n9,0\n", 2, "has 3 values"),
        ("node_attributes", "1,2,3,4,5,6,7,8\n1\n2\n3\n4\n", 2, "has 1 values; expected 8"),
    ],
)
def test_tu_malformed_line_names_file_and_line(tmp_path: Path, part: str, text: str, line: int,
                                               message: str) -> None:
    write_tu(tmp_path, {part: text})
    refused(lambda: load_tudataset("TOY", tmp_path), tu_path(tmp_path, part), message, line)


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ("graph_indicator", "empty; expected one graph id per node"),
        ("graph_labels", "0 lines; expected 2"),
        ("node_labels", "0 lines; expected 5"),
        ("edge_labels", "0 lines; expected 9"),
        ("node_attributes", r"line 1: '' is not a line of comma-separated numbers"),
    ],
)
def test_tu_empty_file_is_refused(tmp_path: Path, part: str, message: str) -> None:
    write_tu(tmp_path, {part: ""})
    refused(lambda: load_tudataset("TOY", tmp_path), tu_path(tmp_path, part), message)


def test_tu_empty_adjacency_is_graphs_without_edges(tmp_path: Path) -> None:
    write_tu(tmp_path, {"A": ""})
    data = load_tudataset("TOY", tmp_path)
    assert data.adjacency.nnz == 0 and data.num_graphs == 2


@pytest.mark.parametrize(
    ("files", "limits", "part", "message"),
    [
        # One node label of 10^15 claims 10^15 one-hot columns; nothing may be allocated for them.
        ({"node_labels": "1\n1\n1\n1\n1000000000000000\n"}, DEFAULT_LIMITS, "node_labels",
         r"1,000,000,000,000,000 node feature columns; more than the cap of 100,000 "
         r"\(DatasetLimits\.max_features"),
        ({"node_labels": "1\n1\n1\n1\n70000\n"}, DatasetLimits(max_feature_entries=100_000), "node_labels",
         r"350,000 node feature entries .* cap of 100,000 \(DatasetLimits\.max_feature_entries"),
        ({"node_attributes": "1,2,3\n" * 5}, DatasetLimits(max_features=2), "node_attributes",
         r"3 values per line; more than the cap of 2 \(DatasetLimits\.max_features"),
        ({"node_labels": "1\n2\n3\n1\n2\n", "node_attributes": "1,2,3\n" * 5}, DatasetLimits(max_features=5),
         "node_attributes", r"6 node feature columns; more than the cap of 5"),
        ({}, DatasetLimits(max_edges=5), "A", r"9 lines; more than the cap of 5 \(DatasetLimits\.max_edges"),
        ({"edge_labels": "0\n" * 9}, DatasetLimits(max_edges=8), "A", "9 lines; more than the cap of 8"),
        ({}, DatasetLimits(max_nodes=4), "graph_indicator", r"5 lines; more than the cap of 4 \(Dataset"),
        ({}, DatasetLimits(max_file_bytes=16), "A",
         r"holds more than the cap of 16 bytes \(DatasetLimits\.max_file_bytes"),
        ({"A": "1, 2\n" * 3000}, DatasetLimits(max_file_bytes=10_000), "A",
         "holds more than the cap of 10,000"),
    ],
)
def test_tu_sizes_are_capped_before_allocation(tmp_path: Path, files: dict[str, str], limits: DatasetLimits,
                                                part: str, message: str) -> None:
    write_tu(tmp_path, files)
    refused(lambda: load_tudataset("TOY", tmp_path, limits), tu_path(tmp_path, part), message)


def test_tu_long_first_line_cannot_inflate_the_table(tmp_path: Path) -> None:
    """A first line of 200,000 labels followed by 200,000 short lines once meant a 320 GB table."""
    write_tu(tmp_path, {"node_labels": "1 " * 200_000 + "\n" + "1\n" * 200_000})
    tracemalloc.start()
    try:
        refused(lambda: load_tudataset("TOY", tmp_path), tu_path(tmp_path, "node_labels"),
                "does not have the expected 200000 column", 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"peak {peak / 2**20:.0f} MiB"


def _member(raw: bytes) -> bytes:
    return gzip.compress(raw, mtime=0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_member(TOY["A"].encode())[:-12], "not a complete gzip file"),
        (b"this is not gzip data at all\n", "not a valid gzip file"),
        (b"", "not a complete gzip file"),
        (_member(TOY["A"].encode())[:-8] + b"\x00\x00\x00\x00" + _member(TOY["A"].encode())[-4:],
         "not a valid gzip file .*incorrect data check"),
        (_member(TOY["A"].encode()) + b"trailing garbage", "not a valid gzip file"),
        (_member(TOY["A"].encode())[:10] + b"\xff" * 40, "not a valid gzip file"),
    ],
    ids=["truncated", "not-gzip", "empty", "bad-crc", "trailing-garbage", "bad-deflate"],
)
def test_tu_broken_gzip_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    folder = write_tu(tmp_path, {"A": None})
    (folder / "TOY_A.txt.gz").write_bytes(content)
    refused(lambda: load_tudataset("TOY", tmp_path), tu_path(tmp_path, "A", gz=True), message)


def test_tu_gzip_members_and_zero_padding_load_like_gzip(tmp_path: Path) -> None:
    folder = write_tu(tmp_path, {"A": None})
    first, rest = TOY["A"][:11], TOY["A"][11:]
    (folder / "TOY_A.txt.gz").write_bytes(_member(first.encode()) + b"\x00" * 7 + _member(rest.encode())
                                          + b"\x00" * 3)
    assert gzip.decompress((folder / "TOY_A.txt.gz").read_bytes()).decode() == TOY["A"]
    assert load_tudataset("TOY", tmp_path).adjacency.nnz == 9


@pytest.mark.parametrize("members", [1, 3072], ids=["one-member-64MiB", "3072-members-3GiB"])
def test_tu_gzip_bomb_is_refused_with_bounded_memory(tmp_path: Path, members: int) -> None:
    """A few hundred kB to a few MB of gzip that would inflate to 64 MiB or 3 GiB stops at the cap."""
    folder = write_tu(tmp_path, {"A": None})
    one = zlib.compressobj(9, zlib.DEFLATED, 31)
    size = (64 << 20) if members == 1 else (1 << 20)
    block = one.compress(bytes(size)) + one.flush()
    (folder / "TOY_A.txt.gz").write_bytes(block * members)
    limits = DatasetLimits(max_file_bytes=8 << 20)
    tracemalloc.start()
    try:
        refused(lambda: load_tudataset("TOY", tmp_path, limits), tu_path(tmp_path, "A", gz=True),
                r"decompresses to more than the cap of 8,388,608 bytes \(DatasetLimits\.max_file_bytes\)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 48 << 20, f"peak {peak / 2**20:.0f} MiB"


def test_tu_many_empty_gzip_members_take_linear_time(tmp_path: Path) -> None:
    folder = write_tu(tmp_path, {"graph_indicator": None})
    (folder / "TOY_graph_indicator.txt.gz").write_bytes(_member(b"") * 100_000)  # 2 MB, no text
    refused(lambda: load_tudataset("TOY", tmp_path), tu_path(tmp_path, "graph_indicator", gz=True),
            "empty; expected one graph id per node")


def test_tu_file_that_is_a_device_is_refused(tmp_path: Path) -> None:
    folder = write_tu(tmp_path, {"A": None})
    (folder / "TOY_A.txt").symlink_to("/dev/zero")
    refused(lambda: load_tudataset("TOY", tmp_path), tu_path(tmp_path, "A"), "not a regular file")


def test_dataset_folder_linked_outside_the_root_is_refused(tmp_path: Path) -> None:
    write_tu(tmp_path / "elsewhere", {})
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "TOY").symlink_to(tmp_path / "elsewhere" / "TOY")
    refused(lambda: load_tudataset("TOY", tmp_path / "root"), tmp_path / "root" / "TOY",
            "outside the data root")


_TU_TEXT = st.text(alphabet="0123456789,-+ .\n\rxe", max_size=60)


@settings(max_examples=150, deadline=None)
@given(part=st.sampled_from(["A", "graph_indicator", "graph_labels", "node_labels", "edge_labels",
                             "node_attributes"]),
       content=st.one_of(_TU_TEXT, st.binary(max_size=48)), gz=st.booleans())
def test_tu_random_file_loads_or_names_the_file(part: str, content: str | bytes, gz: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tu(root, {part: content}, gz=(part,) if gz else ())
        try:
            data = load_tudataset("TOY", root)
        except DatasetError as exc:  # the written file, or another whose contents no longer agree with it
            assert str(exc).startswith(str(root / "TOY" / "TOY_")) and "\n" not in str(exc)
        else:
            assert data.num_nodes == data.node_features.shape[0] and np.all(np.isfinite(data.node_features))


# ------------------------------------------------------------------------------------------ Planetoid files


def planetoid_parts() -> dict[str, Any]:
    """A Cora-like toy: allx = nodes 0..3 (x = 0..1), test nodes 7, 4, 6; node 5 is unlisted."""
    eye = np.eye(3, dtype=np.int32)
    allx = sp.csr_matrix(np.arange(1, 9, dtype=np.float32).reshape(4, 2))
    return {"x": allx[:2], "y": eye[[0, 1]], "allx": allx, "ally": eye[[0, 1, 2, 1]],
            "tx": sp.csr_matrix(np.array([[70, 71], [40, 41], [60, 61]], dtype=np.float32)),
            "ty": eye[[2, 1, 1]], "graph": defaultdict(list, {0: [1], 1: [0], 2: [7], 4: [6]}),
            "test.index": "7\n4\n6\n"}


def write_planetoid(root: Path, parts: dict[str, Any]) -> Path:
    """The toy's files under ``root/Cora``, ``parts`` replacing objects (or raw bytes, or text)."""
    folder = root / "Cora"
    folder.mkdir(parents=True, exist_ok=True)
    for part, obj in {**planetoid_parts(), **parts}.items():
        path = folder / f"ind.cora.{part}"
        if isinstance(obj, bytes):
            path.write_bytes(obj)
        elif isinstance(obj, str):
            path.write_text(obj)
        else:
            path.write_bytes(pickle.dumps(obj, protocol=4))
    return folder


def corrupt(matrix: sp.spmatrix, **state: Any) -> sp.spmatrix:
    """A copy of ``matrix`` with internal state (``indices``, ``indptr``, ``data``, ``_shape``) replaced."""
    bad = matrix.copy()
    for key, value in state.items():
        setattr(bad, key, value)
    return bad


class FakeArray:
    """Pickles as ``_reconstruct(ndarray, ...)`` with any state, as a hostile file could hold."""

    def __init__(self, state: tuple) -> None:
        self.state = state

    def __reduce__(self):
        return (_RECONSTRUCT, (np.ndarray, (0,), b"b"), self.state)


class Calls:
    """Pickles as a call of ``func`` on ``args`` (a global the restricted unpickler must refuse)."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def cora_path(root: Path, part: str) -> Path:
    return root / "Cora" / f"ind.cora.{part}"


_ALLX = planetoid_parts()["allx"]
_TX = planetoid_parts()["tx"]
_I32 = np.int32

# The first four crashed the interpreter with signal 11 (inside scipy) before the fix.
CORRUPT_CSR = [
    ("allx", corrupt(_ALLX, indices=np.array([0, 1, 0, 10**9, 0, 1, 0, 1], _I32)),
     "column index outside 0..1"),
    ("tx", corrupt(_TX, indices=np.array([0, -(10**8), 0, 1, 0, 1], _I32)), "column index outside 0..1"),
    ("allx", corrupt(_ALLX, indptr=np.array([0, 2, -(10**8), 6, 8], _I32)), "indptr that does not rise"),
    ("allx", corrupt(_ALLX, indptr=np.array([0, 6, 1, 7, 8], _I32)), "indptr that does not rise"),
    ("allx", corrupt(_ALLX, indptr=np.array([0, 2, 4, 6, 9], _I32)), "indptr that does not rise .* 8 stored"),
    ("allx", corrupt(_ALLX, indptr=np.array([1, 2, 4, 6, 8], _I32)), "indptr that does not rise"),
    ("allx", corrupt(_ALLX, indptr=np.array([0, 2, 8], _I32)), r"indptr of int32 shape \(3,\); expected 5"),
    ("allx", corrupt(_ALLX, indptr=np.zeros((5, 1), _I32)), "expected 5 integers"),
    ("allx", corrupt(_ALLX, indptr=np.array([0, 2, 4, 6, 8.0])), "indptr of float64"),
    ("allx", corrupt(_ALLX, indices=np.array([0, 1, 0, 1.0, 0, 1, 0, 1])), "indices of float64"),
    ("allx", corrupt(_ALLX, data=np.ones(7, np.float32)), "two equally long 1-D arrays"),
    ("allx", corrupt(_ALLX, data=np.array([1, 2, np.nan, 4, 5, 6, 7, 8], np.float32)), "not a finite number"),
    ("tx", corrupt(_TX, data=np.array([1, 2, np.inf, 4, 5, 6])), "not a finite number"),
    ("allx", corrupt(_ALLX, data=np.arange(8) + 0j), r"dtype 'c16'"),
    ("allx", corrupt(_ALLX, data=np.array(list(range(8)), dtype=object)), r"dtype 'O8'"),
    ("allx", corrupt(_ALLX, _shape=(10**12, 2)), r"1,000,000,000,000 rows; more than the cap"),
    ("allx", corrupt(_ALLX, _shape=(4, 10**7)), r"10,000,000 feature columns; more than the cap of 100,000"),
    ("allx", corrupt(_ALLX, _shape=(50_000, 50_000)), r"feature entries \(rows x columns\); more than"),
    ("allx", corrupt(_ALLX, _shape=(-4, 2)), "out of range; expected a non-negative integer"),
    ("allx", corrupt(_ALLX, _shape=(2**70, 2)), "out of range; expected a non-negative integer"),
    ("allx", corrupt(_ALLX, _shape=("4", 2)), "dimension is str; expected a non-negative integer"),
    ("allx", corrupt(_ALLX, _shape=(4, 2, 1)), r"shape is tuple; expected \(rows, columns\)"),
    ("x", corrupt(_ALLX[:2], _shape=(2, 3)), "3 feature columns; expected 2 like ind.cora.allx"),
    ("allx", sp.csc_matrix.__new__(sp.csc_matrix), "lacks _shape"),
    ("allx", corrupt(sp.csc_matrix(_ALLX), indices=np.array([0, 1, 2, 9, 0, 1, 2, 3], _I32)),
     "CSC matrix .* row index outside 0..3"),
    ("allx", corrupt(sp.csc_matrix(_ALLX), indptr=np.array([0, 5, 3], _I32)), "indptr that does not rise"),
]


@pytest.mark.parametrize(("part", "obj", "message"), CORRUPT_CSR)
def test_corrupt_sparse_state_is_refused_in_process(tmp_path: Path, part: str, obj: Any,
                                                     message: str) -> None:
    write_planetoid(tmp_path, {part: obj})
    refused(lambda: load_planetoid("Cora", tmp_path), cora_path(tmp_path, part), message)


@pytest.mark.parametrize(
    ("part", "obj", "message"),
    [
        ("ally", np.eye(3, dtype=np.int32)[[0, 1, 2, 1]] + np.eye(4, 3, dtype=np.int32),
         "row 0 is not one-hot"),
        ("ally", np.full((4, 3), 0.5), "row 0 is not one-hot"),
        ("ty", np.array([[0, 0, 1], [np.nan, 1, 0], [0, 1, 0]]), "row 1 is not one-hot"),
        ("ally", np.eye(3, dtype=np.int32), r"shape \(3, 3\); expected a one-hot label array with 4 rows"),
        ("ty", np.eye(3, 4, dtype=np.int32), r"shape \(3, 4\); .* and 3 class columns"),
        ("y", np.array([0, 1]), r"shape \(2,\); expected a one-hot label array"),
        ("ally", np.zeros((4, 0)), r"shape \(4, 0\)"),
        ("y", _ALLX[:2], "holds csr_matrix; expected a one-hot label array"),
        ("y", [[1, 0, 0], [0, 1, 0]], "holds list; expected a one-hot label array"),
        ("x", np.ones((2, 2)), "holds ndarray; expected a scipy sparse feature matrix"),
        ("ally", FakeArray((1, (10**6, 3), np.dtype("i4"), False, b"\0" * 48)),
         "needs 12,000,000 bytes; the file holds 48"),
        ("ally", FakeArray((1, (4, 3), np.dtype("i4"), 0, b"\0" * 48)), "fortran order"),
        ("ally", FakeArray((1, (4, 3, 1, 1), np.dtype("i4"), False, b"\0" * 48)), "at most 2 sizes"),
        ("ally", FakeArray((1, (4, -3), np.dtype("i4"), False, b"")), "out of range"),
        ("ally", FakeArray((1, (4, 3), np.dtype([("a", "i4")]), False, b"\0" * 48)), r"dtype 'V4'"),
        ("ally", FakeArray((1, (4, 3), "i4", False, b"\0" * 48)), "dtype str"),
        ("ally", FakeArray(("nonsense",)), r"not \(shape, dtype, fortran order, bytes\)"),
        ("ally", FakeArray((1, (4, 3), np.dtype("i4"), False, ["a"] * 12)), "fortran order, bytes"),
    ],
)
def test_malformed_planetoid_arrays_are_refused(tmp_path: Path, part: str, obj: Any, message: str) -> None:
    write_planetoid(tmp_path, {part: obj})
    refused(lambda: load_planetoid("Cora", tmp_path), cora_path(tmp_path, part), message)


def test_more_labelled_rows_than_allx_are_refused(tmp_path: Path) -> None:
    write_planetoid(tmp_path, {"x": sp.csr_matrix(np.ones((5, 2))), "y": np.eye(3, dtype=np.int32)[[0] * 5]})
    refused(lambda: load_planetoid("Cora", tmp_path), cora_path(tmp_path, "x"),
            "5 rows; expected at most the 4 of ind.cora.allx")


def test_big_endian_and_csc_parts_load_like_the_originals(tmp_path: Path) -> None:
    expected = load_planetoid("Cora", write_planetoid(tmp_path / "a", {}).parent)
    csc = sp.csc_matrix(_ALLX)
    parts = {"ally": np.eye(3, dtype=">i4")[[0, 1, 2, 1]], "allx": corrupt(csc, data=csc.data.astype(">f8")),
             "tx": corrupt(_TX, indices=_TX.indices.astype(">i8"), indptr=_TX.indptr.astype(">i8"))}
    data = load_planetoid("Cora", write_planetoid(tmp_path / "b", parts).parent)
    assert np.array_equal(data.labels, expected.labels)
    assert (data.features != expected.features).nnz == 0 and (data.adjacency != expected.adjacency).nnz == 0


def test_unlisted_test_range_nodes_are_unlabelled(tmp_path: Path) -> None:
    data = load_planetoid("Cora", write_planetoid(tmp_path, {}).parent)
    assert data.labels.tolist() == [0, 1, 2, 1, 1, UNLABELLED, 1, 2]
    for name in ("public", "complete"):
        for ids in data.split(name).values():
            assert np.all(data.labels[ids] >= 0), (name, ids)
    # A labelled node whose one-hot row is all zero is unlabelled too.
    zero_row = np.eye(3, dtype=np.int32)[[0, 1, 2, 1]]
    zero_row[2] = 0
    data = load_planetoid("Cora", write_planetoid(tmp_path / "z", {"ally": zero_row}).parent)
    assert data.labels[2] == UNLABELLED and 2 not in data.split("complete")["train"]


@pytest.mark.parametrize(
    ("graph", "limits", "message"),
    [
        ([[0, 1]], DEFAULT_LIMITS, "holds list; expected a dict of node -> neighbour list"),
        ({0: (1,)}, DEFAULT_LIMITS, "a node's neighbours are tuple; expected a list of node ids"),
        ({0: 1}, DEFAULT_LIMITS, "a node's neighbours are int"),
        ({"a": [1]}, DEFAULT_LIMITS, "node id of type str; expected integer node ids"),
        ({0: [1.5]}, DEFAULT_LIMITS, "node id of type float"),  # was silently truncated to node 1
        ({0: [True]}, DEFAULT_LIMITS, "node id of type bool"),
        ({0: [10**30]}, DEFAULT_LIMITS, "node id beyond 64 bits"),
        ({0: [-1]}, DEFAULT_LIMITS, r"node id -1; expected ids in 0..7"),
        ({8: [0]}, DEFAULT_LIMITS, r"node id 8; expected ids in 0..7"),
        ({0: [[1]]}, DEFAULT_LIMITS, "node id of type list"),
        # One 10^5-entry list shared by 10^4 keys: 10^9 entries from a 1 MB file.
        (dict.fromkeys(range(10_000), [1] * 100_000), DEFAULT_LIMITS,
         r"1,000,000,000 neighbour-list entries; more than the cap of 64,000,000 \(DatasetLimits\.max_edges"),
        ({0: [1, 2, 3]}, DatasetLimits(max_edges=2), "3 neighbour-list entries; more than the cap of 2"),
    ],
)
def test_malformed_graph_pickle_is_refused(tmp_path: Path, graph: Any, limits: DatasetLimits,
                                           message: str) -> None:
    write_planetoid(tmp_path, {"graph": graph})
    refused(lambda: load_planetoid("Cora", tmp_path, limits), cora_path(tmp_path, "graph"), message)


@pytest.mark.parametrize(
    ("text", "limits", "message"),
    [
        ("7\n4\n999999999999\n", DEFAULT_LIMITS,
         r"1,000,000,000,000 nodes \(its largest id \+ 1\); more than the cap of 10,000,000"),
        ("7\n4\n5000\n", DatasetLimits(max_feature_entries=9000),
         r"feature entries .* more than the cap of 9,000"),
        ("".join(f"{i}\n" for i in range(4, 24)), DatasetLimits(max_nodes=10),
         "20 lines; more than the cap of 10"),
        ("7\nx\n6\n", DEFAULT_LIMITS, r"line 2: 'x' is not a line of comma-separated integers"),
        ("7\n4\n4\n", DEFAULT_LIMITS, "ids must be distinct and start at 4"),
        ("7\n5\n6\n", DEFAULT_LIMITS, "ids must be distinct and start at 4"),
        ("7\n4\n", DEFAULT_LIMITS, "2 ids; expected 3, one per row of tx"),
        ("", DEFAULT_LIMITS, "0 ids; expected 3"),
    ],
)
def test_malformed_test_index_is_refused(tmp_path: Path, text: str, limits: DatasetLimits,
                                         message: str) -> None:
    write_planetoid(tmp_path, {"test.index": text})
    refused(lambda: load_planetoid("Cora", tmp_path, limits), cora_path(tmp_path, "test.index"), message)


def _nested_lists(depth: int) -> bytes:
    return b"\x80\x04" + b"]" * depth + b"a" * (depth - 1) + b"."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (Calls(eval, "1 + 1"), r"the pickle names builtins\.eval"),
        (Calls(getattr, [], "append"), r"the pickle names builtins\.getattr"),
        (np.int64(3), r"the pickle names numpy(\._core|\.core)\.multiarray\.scalar"),
        (np.zeros((4, 3)), r"the pickle names numpy(\._core|\.core)\.numeric\._frombuffer"),  # protocol 5
        (Calls(_RECONSTRUCT, list, (0,), b"b"), "not a readable Planetoid pickle .*other than numpy.ndarray"),
        (Calls(np.ndarray, (10**6,)), "not a readable Planetoid pickle"),
        (b"", "not a readable Planetoid pickle"),
        (b"\x80\x02garbage", "not a readable Planetoid pickle"),
        (pickle.dumps(_ALLX, protocol=4)[:-30], "not a readable Planetoid pickle"),
        (b"\x80\x04\x8e" + struct.pack("<Q", 2**60) + b".", "not a readable Planetoid pickle"),
        (_nested_lists(200_000), "holds list; expected a scipy sparse feature matrix"),
    ],
    ids=["eval", "getattr", "numpy-scalar", "protocol-5", "reconstruct-list", "ndarray-call", "empty",
         "garbage", "truncated", "claims-2**60-bytes", "nested-200000-deep"],
)
def test_refused_pickle_names_the_file(tmp_path: Path, content: Any, message: str) -> None:
    raw = pickle.dumps(content, protocol=5) if isinstance(content, np.ndarray) else content
    write_planetoid(tmp_path, {"allx": raw})
    refused(lambda: load_planetoid("Cora", tmp_path), cora_path(tmp_path, "allx"), message)


def test_planetoid_file_beyond_the_byte_cap_is_refused(tmp_path: Path) -> None:
    write_planetoid(tmp_path, {})
    refused(lambda: load_planetoid("Cora", tmp_path, DatasetLimits(max_file_bytes=100)),
            cora_path(tmp_path, "x"), "holds more than the cap of 100 bytes")


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_mutated_pickle_bytes_never_crash(data: st.DataObject) -> None:
    part = data.draw(st.sampled_from(["allx", "tx", "ally", "graph"]))
    raw = bytearray(pickle.dumps(planetoid_parts()[part], protocol=4))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryDirectory() as tmp:
        write_planetoid(Path(tmp), {part: bytes(raw)})
        try:
            loaded = load_planetoid("Cora", tmp)
        except DatasetError as exc:  # the mutated file, or another that no longer agrees with it
            assert str(exc).startswith(str(Path(tmp) / "Cora" / "ind.cora.")) and "\n" not in str(exc)
        else:
            assert loaded.features.shape[0] == loaded.num_nodes
            loaded.features.check_format(full_check=True)


_SMALL_INTS = st.integers(-3, 12)


@settings(max_examples=300, deadline=None)
@given(rows=st.integers(0, 5), cols=st.integers(0, 5), csc=st.booleans(),
       indptr=st.lists(_SMALL_INTS, max_size=7), indices=st.lists(_SMALL_INTS, max_size=10),
       data=st.lists(st.sampled_from([0.0, 1.0, -2.5, np.nan, np.inf]), max_size=10))
def test_random_sparse_state_is_rebuilt_valid_or_refused(rows: int, cols: int, csc: bool, indptr: list[int],
                                                         indices: list[int], data: list[float]) -> None:
    matrix = (sp.csc_matrix if csc else sp.csr_matrix)((rows, cols))
    bad = corrupt(matrix, indptr=np.array(indptr, _I32), indices=np.array(indices, _I32),
                  data=np.array(data, np.float64))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ind.cora.allx"
        path.write_bytes(pickle.dumps(bad, protocol=4))
        try:
            rebuilt = load_restricted_pickle(path)
        except DatasetError as exc:
            assert str(path) in str(exc)
        else:
            rebuilt.check_format(full_check=True)
            assert rebuilt.shape == (rows, cols) and np.all(np.isfinite(rebuilt.data))
            assert np.isfinite(rebuilt @ np.ones(cols)).all()


# ----------------------------------------------------------------------------------------- paper fold files


def _folds_file(root: Path, content: bytes) -> Path:
    (root / "MUTAG").mkdir(parents=True, exist_ok=True)
    path = root / "MUTAG" / "paper_folds.json"
    path.write_bytes(content)
    return path


def _fold(**override: Any) -> dict:
    return {"fold": 1, "train": [0, 2], "test": [1], "nested_train": [[0]], "nested_val": [[2]], **override}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe[]", "not readable as JSON .*UnicodeDecodeError"),
        (b"[" * 100_000 + b"]" * 100_000, "not readable as JSON .*RecursionError"),
        (b"[{\"fold\": 1, \"train\": [" + b"9" * 5000 + b"], \"test\": []}]", "not readable as JSON"),
        (b"[1, 2]", "fold entry 0 is not an object with an integer 'fold'"),
        (json.dumps([_fold(fold="1")]).encode(), "fold entry 0 is not an object with an integer 'fold'"),
        (json.dumps([_fold(train=[0, 2.5])]).encode(), "fold entry 0: 'train' is not a list of integer ids"),
        (json.dumps([_fold(test=[True])]).encode(), "'test' is not a list of integer ids"),
        (json.dumps([_fold(train=[[0, 2]])]).encode(), "'train' is not a list of integer ids"),
        (json.dumps([_fold(train=[0, 10**30])]).encode(), "'train' holds an id beyond 64 bits"),
        (json.dumps([_fold(train=[0, 3])]).encode(), "train and test do not partition 0..2"),
        (json.dumps([_fold(nested_val=[])]).encode(), "must be lists of equally many id lists"),
        (json.dumps([_fold(nested_val=[[1]])]).encode(),
         r"nested_train\[0\] and nested_val\[0\] do not partition"),
        (json.dumps([_fold(nested_train=[["0"]])]).encode(), "'nested_train' is not a list of integer ids"),
        (json.dumps({"folds": []}).encode(), "holds dict; expected a list of fold objects"),
    ],
)
def test_malformed_fold_file_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = _folds_file(tmp_path, content)
    refused(lambda: load_paper_folds(tmp_path), path, message)


def test_well_formed_fold_file_loads(tmp_path: Path) -> None:
    _folds_file(tmp_path, json.dumps([_fold()]).encode())
    (fold,) = load_paper_folds(tmp_path)
    assert fold["train"].dtype == np.int64 and fold["nested_val"][0].tolist() == [2]


# -------------------------------------------------------------------------------------------- dataset names

BAD_NAMES = ["../x", "../../etc", "/etc", "a/b", "", ".", "..", "a..b", "-x", ".hidden", "x\n", "x" * 65,
             "a\\b", "a\x00b", "C:", " x", "ünï", None, 5, b"MUTAG"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_dataset_names_are_refused_before_any_file_access(tmp_path: Path, name: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_tu(tmp_path, {}, name="x")  # a valid dataset beside the root that '../x' would reach
    root = tmp_path / "root"
    root.mkdir()

    def no_file_access(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the file system was probed for a refused name")

    monkeypatch.setattr(Path, "is_dir", no_file_access)
    monkeypatch.setattr(Path, "is_file", no_file_access)
    for call in (check_dataset_name, lambda n: dataset_folder(n, root), lambda n: load_dataset(n, root),
                 lambda n: load_tudataset(n, root)):
        with pytest.raises(ParameterError, match=r"dataset = .*: must be 1-64 letters"):
            call(name)


@pytest.mark.parametrize("name", ["MUTAG", "IMDB-BINARY", "REDDIT-MULTI-12K", "ogbg-molhiv", "a.b", "x" * 64])
def test_good_dataset_names_are_kept(tmp_path: Path, name: str) -> None:
    assert check_dataset_name(name) == name
    assert dataset_folder(name, tmp_path) == tmp_path / name
    assert dataset_folder("cora", tmp_path) == tmp_path / "Cora"


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=70))
def test_any_accepted_name_is_one_folder_inside_the_root(name: str) -> None:
    root = Path("/data/root")
    try:
        check_dataset_name(name)
    except ParameterError:
        return
    folder = dataset_folder(name, root)
    assert folder.parent == root and folder.name not in ("", ".", "..") and "/" not in name
