"""Fuzzing the command line with random and mutated inputs: config files (random YAML documents, byte and
key mutations of experiments/paper/mutag.yaml: wrong types, random keys, NaN/inf strings, huge numbers,
deep nesting, unicode), sweep files, and results databases (random bytes, corrupted files, rows of
random values). Every input ends with exit code 0 (valid) or 2 and exactly one line on stderr, never a
traceback, leaves nothing in the working folder but the outputs of a success, and is fast. Examples are
derandomised (the same ones on every run) and nothing is stored in a Hypothesis database."""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crossbar_sim.cli import main
from crossbar_sim.study.config import read_experiment_file
from crossbar_sim.study.sweep import expand_sweep, run_sweep

REPO = Path(__file__).resolve().parent.parent
MUTAG = REPO / "experiments" / "paper" / "mutag.yaml"
CALL_SECONDS = 15.0  # the longest any one command may take (a hang, not a slow machine)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the toy's overflowing draws


def fuzz(examples: int) -> settings:
    """Examples derandomised, none stored, each bounded in time (two commands at most)."""
    return settings(max_examples=examples, deadline=timedelta(seconds=2 * CALL_SECONDS), database=None,
                    derandomize=True, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ------------------------------------------------------------------ running the CLI and its contract


@contextlib.contextmanager
def workdir(files: dict[str, bytes]) -> Iterator[Path]:
    """A fresh empty working folder holding ``files``, made the current directory."""
    with tempfile.TemporaryDirectory() as tmp:
        previous = os.getcwd()
        os.chdir(tmp)
        try:
            for name, data in files.items():
                Path(tmp, name).write_bytes(data)
            yield Path(tmp)
        finally:
            os.chdir(previous)


def call(argv: list[str], outputs: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run ``crossbar-sim argv`` in the current folder, check the contract, return (exit code, stdout)."""
    before = set(Path.cwd().rglob("*"))
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    elapsed = time.perf_counter() - start
    text = err.getvalue()
    assert code in (0, 2), (argv, code, text)
    assert "Traceback" not in text, text
    if code == 2:
        assert text.startswith("crossbar-sim: error: ") and text.endswith("\n"), text
        assert text.count("\n") == 1, text
    else:
        assert text == "", text
    created = {p.relative_to(Path.cwd()).as_posix() for p in set(Path.cwd().rglob("*")) - before}
    assert created <= (set(outputs) if code == 0 else set()), (argv, created, text)
    assert elapsed < CALL_SECONDS, (argv, elapsed)
    return code, out.getvalue()


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not standard JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------ hostile values

HOSTILE_TEXT = [".nan", "nan", "NaN", "inf", "-inf", ".inf", "Infinity", "1e999", "-1e999", "0x10", "1_000",
                "~", "null", "yes", "on", "", " ", "é", "😀", "\u202e", "a\u0000b", "\ufeff", "../../etc",
                "/dev/zero", "%s%n", "{{x}}", "*a", "&a", "!!python/object:os.system", "- x", "a: b"]
INTS = st.one_of(st.integers(-10, 10_000), st.integers(2**62, 10**30), st.integers(-(10**30), -(2**62)))
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e308, -1e308, 5e-324, -0.0])
TEXTS = st.text(max_size=24) | st.sampled_from(HOSTILE_TEXT)
SCALARS = st.none() | st.booleans() | INTS | FLOATS | TEXTS


def _nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


VALUES = st.one_of(
    st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                 | st.dictionaries(TEXTS, inner, max_size=4), max_leaves=12),
    st.integers(40, 90).map(_nested),
)


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a nested mapping (mappings and leaves)."""
    if not isinstance(tree, dict):
        return []
    out = []
    for key, value in tree.items():
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict, keys: list[str]) -> dict:
    """``base`` with 1-3 random edits: a value replaced, a key added (random or known) or deleted."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "replace", "add", "delete"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[path[-1]]
        else:
            target = parent[path[-1]] if isinstance(parent[path[-1]], dict) else parent
            target[draw(st.sampled_from(keys) | TEXTS)] = draw(VALUES)
    return doc


def dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@st.composite
def byte_mutations(draw: st.DrawFn, text: bytes) -> bytes:
    """``text`` with 1-4 random byte edits: replaced, inserted (invalid UTF-8 included) or deleted."""
    data = bytearray(text)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete"]))
        chunk = draw(st.binary(min_size=1, max_size=6) | st.sampled_from(
            [b"\xff", b"\xc3", b"\t", b":", b"{", b"[", b"&a", b"*a", b"!!", b"\n  ", b"\x00"]))
        if action == "insert":
            data[at:at] = chunk
        elif action == "delete":
            del data[at:at + len(chunk)]
        else:
            data[at:at + len(chunk)] = chunk
    return bytes(data)


# ------------------------------------------------------------------ config and sweep files

MUTAG_DOC = yaml.safe_load(MUTAG.read_text())
MUTAG_KEYS = ["experiment", "sweep", "runner", "base", "workload", "hardware", "units", "dataset", "array",
              "max_rows", "ir_drop", "bits", "mode", "preset", "folds", "protocol", "read_voltage_mV",
              "reservoir", "repeats", "technology", "data_root", "poolings"]
TOY_DOC = {"runner": "toy", "experiment": {"x": 0.1, "noise": {"sigma": 0.05}},
           "sweep": {"repeats": 2, "grid": {"x": [0.0, 0.5]},
                     "zip": {"y": [0.0, 1.0], "read_voltage_mV": [100, 200]}}}
TOY_KEYS = ["x", "y", "shape", "noise", "sigma", "samples", "preset", "read_voltage_V", "read_voltage_mV",
            "grid", "zip", "repeats", "seed", "pairing", "reference", "name", "noise.sigma", "start", "stop",
            "num", "log", "experiment", "sweep", "runner"]


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Import and compile what the commands use once, so no example pays for it against its deadline."""
    with workdir({"s.yaml": dump(TOY_DOC)}):
        call(["validate", "s.yaml"])
        call(["run", "s.yaml", "--quiet"])


@fuzz(150)
@given(doc=VALUES | st.dictionaries(st.sampled_from(["runner", "experiment", "sweep", "base"]) | TEXTS,
                                    VALUES, max_size=4))
def test_random_yaml_documents(doc: Any) -> None:
    with workdir({"f.yaml": dump(doc)}):
        call(["validate", "f.yaml"])


@fuzz(120)
@given(text=st.text(max_size=200).map(str.encode)
       | st.binary(max_size=200) | byte_mutations(dump(TOY_DOC)))
def test_random_text_and_bytes(text: bytes) -> None:
    with workdir({"f.yaml": text}):
        call(["validate", "f.yaml"])


@fuzz(120)
@given(doc=mutated(TOY_DOC, TOY_KEYS))
def test_mutated_toy_sweeps_validate(doc: dict) -> None:
    with workdir({"s.yaml": dump(doc)}):
        call(["validate", "s.yaml", "--json"])


def _runnable(doc: dict) -> dict:
    """The toy's knobs that cost time or memory in proportion to their value kept small."""
    experiment = doc.get("experiment")
    if isinstance(experiment, dict):
        experiment.pop("work_s", None)
        noise = experiment.get("noise")
        samples = noise.get("samples") if isinstance(noise, dict) else None
        if isinstance(samples, int) and samples > 10**5:  # the toy allocates its draws at once
            noise["samples"] = 16
    return doc


@fuzz(80)
@given(doc=mutated(TOY_DOC, TOY_KEYS).map(_runnable))
def test_mutated_toy_files_run(doc: dict) -> None:
    with workdir({"s.yaml": dump(doc)}):
        code, out = call(["run", "s.yaml", "--json", "--out", "result.json", "--quiet"], ("result.json",))
        if code == 0:
            assert strict_json(out) == strict_json(Path("result.json").read_text())


@fuzz(100)
@given(doc=mutated(MUTAG_DOC, MUTAG_KEYS))
def test_mutated_mutag_validates(doc: dict) -> None:
    with workdir({"mutag.yaml": dump(doc)}):
        call(["validate", "mutag.yaml"])


@fuzz(60)
@given(text=byte_mutations(MUTAG.read_bytes()))
def test_byte_mutated_mutag_validates(text: bytes) -> None:
    with workdir({"mutag.yaml": text}):
        call(["validate", "mutag.yaml"])


@fuzz(40)
@given(sets=st.lists(st.tuples(st.sampled_from(["workload.reservoir.units", "hardware.array.max_rows",
                                                "hardware.input.bits", "repeats", "workload.folds",
                                                "hardware.array.ir_drop", "workload.reservoir.poolings"]),
                               INTS | FLOATS | TEXTS), min_size=1, max_size=3))
def test_overridden_mutag_validates(sets: list[tuple[str, Any]]) -> None:
    with workdir({}):
        argv = ["validate", str(MUTAG)]
        for key, value in sets:
            argv += ["--set", f"{key}={value}"]
        call(argv)


# ------------------------------------------------------------------ results databases


@functools.cache
def good_db() -> bytes:
    """A toy sweep's results database (3 points × 2 repeats), as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweep = {"repeats": 2, "grid": {"x": [0.0, 0.5, 1.0]}}
        (folder / "s.yaml").write_text(yaml.safe_dump({"runner": "toy", "experiment": {}, "sweep": sweep}))
        run_sweep(expand_sweep(read_experiment_file(folder / "s.yaml")), folder / "r.sqlite", quiet=True)
        return (folder / "r.sqlite").read_bytes()


def readers(db: bytes) -> None:
    """export and plot metric on the database ``db``: each gives its output or one line."""
    with workdir({"r.sqlite": db}):
        call(["export", "r.sqlite", "--csv", "out.csv"], ("out.csv",))
        call(["plot", "metric", "r.sqlite", "--metric", "accuracy.mean", "--out", "m.png"], ("m.png",))
        assert Path("r.sqlite").read_bytes() == db  # read-only


@fuzz(40)
@given(db=st.binary(max_size=2048) | st.binary(min_size=100, max_size=4096).map(
    lambda b: b"SQLite format 3\x00" + b[16:]))
def test_random_bytes_as_a_database(db: bytes) -> None:
    readers(db)


@fuzz(40)
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 16), st.binary(min_size=1, max_size=8)), min_size=1,
                      max_size=6),
       cut=st.none() | st.integers(0, 1 << 16))
def test_corrupted_databases(edits: list[tuple[int, bytes]], cut: int | None) -> None:
    data = bytearray(good_db())
    for at, chunk in edits:
        at %= len(data)
        data[at:at + len(chunk)] = chunk
    readers(bytes(data[:cut]) if cut is not None else bytes(data))


CELLS = st.none() | INTS | FLOATS | TEXTS | VALUES.map(lambda v: json.dumps(v, allow_nan=True))
FILLED = INTS | FLOATS | TEXTS  # a NOT NULL column
PARAMS = st.dictionaries(st.sampled_from(["x", "y"]) | TEXTS, SCALARS | VALUES, max_size=2)
METRICS = st.fixed_dictionaries({"accuracy": st.fixed_dictionaries({"mean": SCALARS | VALUES})},
                                optional={"energy": VALUES, "latency_s": SCALARS})
SMALL = st.integers(0, 5)
ROWS = st.lists(st.tuples(  # mostly plausible cells, so that the readers get past the first check
    TEXTS, SMALL | SMALL | FILLED, FILLED, st.sampled_from(["ok", "failed"]) | FILLED, SMALL | SMALL | FILLED,
    SMALL | SMALL | FILLED, PARAMS.map(json.dumps) | PARAMS.map(json.dumps) | FILLED,
    METRICS.map(json.dumps) | METRICS.map(json.dumps) | CELLS, st.none() | VALUES.map(json.dumps) | CELLS,
    CELLS, FLOATS | FILLED, CELLS, FILLED, FILLED), min_size=1, max_size=3)
META_KEYS = st.sampled_from(["axes", "name", "pairing", "config", "zipped", "reference"])


@fuzz(25)
@given(rows=ROWS, meta=st.dictionaries(TEXTS | META_KEYS, CELLS, max_size=4))
def test_databases_of_random_rows(rows: list[tuple], meta: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "r.sqlite")
        path.write_bytes(good_db())
        conn = sqlite3.connect(path)
        try:
            with conn:
                conn.execute("PRAGMA journal_mode=DELETE")
                conn.execute("PRAGMA ignore_check_constraints = ON")
                conn.executemany("INSERT INTO points VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 [tuple(_sqlite(c) for c in row) for row in rows])
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [(k, "null" if v is None else str(_sqlite(v))) for k, v in meta.items()])
        except sqlite3.IntegrityError:  # a NULL in a NOT NULL column or a repeated point id
            return
        finally:
            conn.close()
        data = path.read_bytes()
    readers(data)


def _sqlite(value: Any) -> Any:
    """A value SQLite stores: 64-bit integers, floats and text (others as their text)."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return str(value)
    return value
