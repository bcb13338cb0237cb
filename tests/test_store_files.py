"""The results database as a file: foreign, corrupted and newer files refused in one line, readers that
change nothing and leave no -wal/-shm files, outputs that are directories refused by name."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from crossbar_sim.cli import main

SWEEP = """runner: toy
experiment: {y: 0.0}
sweep:
  name: demo
  repeats: 2
  grid:
    x: [0.0, 0.5]
"""
READERS = {
    "export": ["export", "{db}", "--csv", "out.csv"],
    "plot": ["plot", "metric", "{db}", "--metric", "accuracy.mean", "--out", "m.png"],
    "compare": ["compare", "{db}"],
}
SIDECARS = ("-wal", "-shm", "-journal")
Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_text(SWEEP)
    return tmp_path


def _sweep(db: str, capsys: Capsys, *extra: str) -> int:
    code = main(["sweep", "demo.yaml", "--quiet", "--db", db, *extra])
    capsys.readouterr()
    return code


def _one_line(capsys: Capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crossbar-sim: error: "), err
    assert "Traceback" not in err
    return err


def _sidecars(db: Path) -> list[str]:
    return [s for s in SIDECARS if Path(f"{db}{s}").exists()]


def _refused_everywhere(db: Path, fragment: str, capsys: Capsys) -> None:
    """Every reader and a sweep into ``db`` exit 2 with one line holding ``fragment``; ``db`` unchanged."""
    before = db.read_bytes()
    files = set(db.parent.iterdir())
    for argv in [*READERS.values(), ["sweep", "demo.yaml", "--quiet", "--db", "{db}"]]:
        assert main([a.format(db=db.name) for a in argv]) == 2, argv
        err = _one_line(capsys)
        assert f"{db.name}: " in err and fragment in err, err
        assert db.read_bytes() == before
        assert set(db.parent.iterdir()) == files  # no output, no -wal/-shm, no temporary file


def test_random_bytes_are_not_a_results_database(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "noise.sqlite"
    db.write_bytes(random.Random(7).randbytes(8192))
    _refused_everywhere(db, "not a results database (not an SQLite file)", capsys)


def test_a_foreign_sqlite_database_is_refused_and_left_alone(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers VALUES (1, 'ada')")
    conn.close()
    _refused_everywhere(db, "not a results database of crossbar-sim (its tables: customers)", capsys)


def test_a_points_table_of_another_shape_is_refused(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "shape.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript("CREATE TABLE points (point_id TEXT); CREATE TABLE meta (key TEXT, value TEXT);")
    conn.close()
    _refused_everywhere(db, "not a results database of crossbar-sim (its tables: meta, points)", capsys)


def test_a_newer_schema_is_refused(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "new.sqlite"
    assert _sweep(db.name, capsys) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    _refused_everywhere(db, "written by a newer crossbar-sim (results schema 99; this version reads schema 1",
                        capsys)


def test_an_empty_file_is_a_new_database_for_a_sweep_only(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "empty.sqlite"
    db.touch()
    assert main(["export", db.name, "--csv", "out.csv"]) == 2
    assert "not a results database of crossbar-sim (its tables: none)" in _one_line(capsys)
    assert _sweep(db.name, capsys) == 0
    assert main(["export", db.name, "--csv", "out.csv"]) == 0


def test_corrupted_databases_give_one_line(workdir: Path, capsys: Capsys) -> None:
    good = workdir / "good.sqlite"
    assert _sweep(good.name, capsys) == 0
    data = good.read_bytes()
    rng = random.Random(11)
    damaged = {"truncated": data[:len(data) // 3], "header-only": data[:100],
               "zeroed-page": data[:4096] + bytes(4096) + data[8192:]}
    for i in range(12):
        flipped = bytearray(data)
        for at in rng.sample(range(100, len(data)), 1 + i * 8):
            flipped[at] = rng.randrange(256)
        damaged[f"flipped-{i}"] = bytes(flipped)
    refused = 0
    for name, content in damaged.items():
        db = workdir / f"{name}.sqlite"
        db.write_bytes(content)
        for argv in READERS.values():
            code = main([a.format(db=db.name) for a in argv])
            if code == 0:  # the damage missed everything this reader needs
                capsys.readouterr()
                continue
            refused += 1
            assert code == 2, (name, argv)
            assert db.name in _one_line(capsys), name
        assert _sidecars(db) == [], name
    assert refused >= 10


def test_readers_change_nothing_and_leave_no_wal_files(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "r.sqlite"
    assert _sweep(db.name, capsys) == 0
    assert _sidecars(db) == []  # the writer leaves write-ahead logging when it closes
    legacy = workdir / "legacy.sqlite"  # a database closed in WAL mode, as older versions left them
    legacy.write_bytes(db.read_bytes())
    with sqlite3.connect(legacy) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    assert legacy.read_bytes()[18:20] == b"\x02\x02" and _sidecars(legacy) == []
    for path in (db, legacy):
        before = path.read_bytes()
        for argv in READERS.values():
            assert main([a.format(db=path.name) for a in argv]) == 0, argv
            assert _sidecars(path) == [] and path.read_bytes() == before
    capsys.readouterr()


def test_a_reader_sees_the_points_of_a_running_sweep(workdir: Path, capsys: Capsys) -> None:
    db = workdir / "r.sqlite"
    assert _sweep(db.name, capsys) == 0
    writer = sqlite3.connect(db)  # a sweep still writing: WAL mode, one point only in the log
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("UPDATE points SET wall_s = 123.0 WHERE point_index = 0")
    writer.commit()
    try:
        assert Path(f"{db}-wal").exists()
        assert main(["export", db.name, "--csv", "out.csv"]) == 0
        assert "123.0" in (workdir / "out.csv").read_text()
    finally:
        writer.close()
    capsys.readouterr()


@pytest.mark.parametrize("argv", [
    ["export", "r.sqlite", "--csv", "folder"],
    ["run", "demo.yaml", "--out", "folder"],
    ["plot", "metric", "r.sqlite", "--metric", "accuracy.mean", "--out", "folder"],
])
def test_an_output_that_is_a_directory_is_named(argv: list[str], workdir: Path,
                                                capsys: Capsys) -> None:
    assert _sweep("r.sqlite", capsys) == 0
    (workdir / "folder").mkdir()
    files = set(workdir.rglob("*"))
    assert main(argv) == 2
    err = _one_line(capsys)
    assert "'folder': is a directory" in err or "folder: is a directory" in err, err
    assert ".tmp" not in err
    assert set(workdir.rglob("*")) == files


def test_a_database_path_that_is_a_directory_is_named(workdir: Path, capsys: Capsys) -> None:
    (workdir / "db").mkdir()
    for argv in (["sweep", "demo.yaml", "--db", "db"], ["export", "db", "--csv", "o.csv"]):
        assert main(argv) == 2
        assert "db: is a directory, not a results database" in _one_line(capsys)


def test_sweep_refuses_another_sweeps_database_in_one_line(workdir: Path, capsys: Capsys) -> None:
    assert _sweep("r.sqlite", capsys) == 0
    (workdir / "demo.yaml").write_text(SWEEP.replace("y: 0.0", "y: 0.25"))
    assert main(["sweep", "demo.yaml", "--quiet", "--db", "r.sqlite"]) == 2
    assert "r.sqlite: holds 4 point(s) of another sweep" in _one_line(capsys)
    assert main(["sweep", "demo.yaml", "--quiet", "--db", "r.sqlite", "--append", "--json"]) == 0
    assert '"ok": 4' in capsys.readouterr().out
    assert main(["sweep", "--help"]) == 0
    assert "--append" in capsys.readouterr().out


@pytest.mark.parametrize("workload", ['"MUTAG"', "[1, 2]", "7", "null", '{"dataset": ["a", 1]}'])
def test_plots_read_a_config_whose_workload_is_not_a_mapping(workload: str, workdir: Path,
                                                             capsys: Capsys) -> None:
    db = workdir / "r.sqlite"
    assert _sweep(db.name, capsys) == 0
    with sqlite3.connect(db) as conn:  # a foreign or hand-edited meta config: any JSON value
        conn.execute("UPDATE meta SET value = ? WHERE key = 'config'", (f'{{"workload": {workload}}}',))
    conn.close()
    for argv in (READERS["plot"], ["plot", "diff", "{db}", "--out", "d.png"]):
        assert main([a.format(db=db.name) for a in argv]) == 0, argv
    assert (workdir / "m.png").is_file() and (workdir / "d.png").is_file()
    capsys.readouterr()
