"""Sweep execution: resume, failures, backends giving identical numbers, surviving SIGKILL."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from crossbar_sim.study.config import ConfigError, read_experiment_file
from crossbar_sim.study.sweep import ResultStore, expand_sweep, export_csv, run_sweep

REPO = Path(__file__).resolve().parent.parent


def write_sweep(path: Path, experiment: dict, sweep: dict) -> Path:
    path.write_text(yaml.safe_dump({"runner": "toy", "experiment": experiment, "sweep": sweep}))
    return path


def metrics_by_point(db: Path) -> dict[str, dict]:
    with ResultStore(db, create=False) as store:
        return {r["point_id"]: r["metrics"] for r in store.rows()}


def test_failures_are_recorded_and_retried_and_finished_points_skipped(tmp_path: Path) -> None:
    marker = tmp_path / "fail-now"
    marker.touch()
    spec = write_sweep(tmp_path / "s.yaml", {"noise": {"sigma": 0.1}},
                       {"repeats": 2, "grid": {"x": [0.0, 0.5], "fail_if_exists": [str(marker), None]}})
    plan = expand_sweep(read_experiment_file(spec))
    db = tmp_path / "r.sqlite"
    first = run_sweep(plan, db, quiet=True)
    assert (first.total, first.skipped, first.ok, first.failed) == (8, 0, 4, 4)
    assert first.first_error is not None and "fail-now exists" in first.first_error
    with ResultStore(db, create=False) as store:
        failed = store.rows(status="failed")
        assert len(failed) == 4 and all("RuntimeError" in r["error"] for r in failed)
        assert len(store.rows(status=None)) == 8
    marker.unlink()
    second = run_sweep(plan, db, quiet=True)
    assert (second.skipped, second.ok, second.failed) == (4, 4, 0)
    third = run_sweep(plan, db, quiet=True)
    assert (third.skipped, third.ok) == (8, 0)
    rows = export_csv(db, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert rows == len(table) == 8
    assert {"param.x", "accuracy.mean", "energy.ratio", "latency_s", "run_wall_s"} <= set(table[0])
    assert {r["status"] for r in table} == {"ok"}


def _db_state(db: Path) -> tuple:
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        return (conn.execute("SELECT * FROM points ORDER BY point_id").fetchall(),
                conn.execute("SELECT * FROM meta ORDER BY key").fetchall())


def test_another_sweep_or_a_changed_base_config_is_refused_unless_appended(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    one = write_sweep(tmp_path / "a.yaml", {"y": 0.0}, {"name": "s", "grid": {"x": [0.0, 1.0]}})
    two = write_sweep(tmp_path / "b.yaml", {"y": 0.5}, {"name": "s", "grid": {"x": [0.0, 1.0]}})
    other = write_sweep(tmp_path / "c.yaml", {"y": 0.0}, {"grid": {"x": [0.0, 1.0], "y": [2.0]}})
    run_sweep(expand_sweep(read_experiment_file(one)), db, quiet=True)
    before = _db_state(db)
    with pytest.raises(ConfigError, match=r"r.sqlite: holds 2 point\(s\) of another sweep \(name 's', "
                                          r"axes x\); this sweep \(name 's', axes x\) differs in its base "
                                          r"config \(y\); pass --append"):
        run_sweep(expand_sweep(read_experiment_file(two)), db, quiet=True)
    with pytest.raises(ConfigError, match=r"\(name 'c', axes x, y\) differs in its name, swept keys;"):
        run_sweep(expand_sweep(read_experiment_file(other)), db, quiet=True)
    assert _db_state(db) == before  # refused before anything was written
    summary = run_sweep(expand_sweep(read_experiment_file(two)), db, quiet=True, append=True)
    assert (summary.skipped, summary.ok) == (0, 2)  # the same swept values: rerun in place
    assert len(metrics_by_point(db)) == 2
    assert run_sweep(expand_sweep(read_experiment_file(two)), db, quiet=True).skipped == 2  # now resumable
    assert run_sweep(expand_sweep(read_experiment_file(one)), db, quiet=True).ok == 2  # and so is the first


def test_keys_added_by_a_new_version_resume_and_older_databases_are_checked_too(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    plan = expand_sweep(read_experiment_file(write_sweep(tmp_path / "s.yaml", {"y": 0.0},
                                                         {"grid": {"x": [0.0, 1.0]}})))
    run_sweep(plan, db, quiet=True)
    with sqlite3.connect(db) as conn:  # as an older version wrote it: no key `shape`, no definitions
        config = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
        del config["shape"]
        conn.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(config),))
        conn.execute("DELETE FROM meta WHERE key = 'definitions'")
    conn.close()
    assert run_sweep(plan, db, quiet=True).skipped == 2
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'definitions'")
    conn.close()
    changed = expand_sweep(read_experiment_file(write_sweep(tmp_path / "s.yaml", {"y": 0.5},
                                                            {"grid": {"x": [0.0, 1.0]}})))
    with pytest.raises(ConfigError, match=r"differs in its base config \(y\)"):
        run_sweep(changed, db, quiet=True)


def test_more_values_repeats_or_a_new_seed_resume_the_same_sweep(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    small = write_sweep(tmp_path / "s.yaml", {"y": 0.0}, {"grid": {"x": [0.0, 1.0]}})
    run_sweep(expand_sweep(read_experiment_file(small)), db, quiet=True)
    large = write_sweep(tmp_path / "s.yaml", {"y": 0.0}, {"repeats": 2, "grid": {"x": [0.0, 1.0, 2.0]}})
    summary = run_sweep(expand_sweep(read_experiment_file(large)), db, quiet=True)
    assert (summary.skipped, summary.ok) == (2, 4)
    assert run_sweep(expand_sweep(read_experiment_file(large), seed=9), db, quiet=True).ok == 6


def test_serial_processes_and_dask_give_identical_numbers(tmp_path: Path) -> None:
    spec = write_sweep(tmp_path / "s.yaml", {"noise": {"sigma": 0.2}},
                       {"seed": 3, "repeats": 3, "grid": {"x": [0.0, 0.4]}})
    plan = expand_sweep(read_experiment_file(spec))
    run_sweep(plan, tmp_path / "serial.sqlite", quiet=True)
    run_sweep(plan, tmp_path / "procs.sqlite", workers=2, quiet=True)
    run_sweep(plan, tmp_path / "dask.sqlite", workers=2, dask="local", dask_processes=False, quiet=True)
    serial = metrics_by_point(tmp_path / "serial.sqlite")
    assert len(serial) == 6
    assert len({m["accuracy"]["mean"] for m in serial.values()}) == 6  # x or the repeat (seed) differs
    assert metrics_by_point(tmp_path / "procs.sqlite") == serial
    assert metrics_by_point(tmp_path / "dask.sqlite") == serial


def _row_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_sigkill_at_random_moments_then_resume_matches_uninterrupted_run(tmp_path: Path) -> None:
    spec = write_sweep(tmp_path / "kill.yaml", {"work_s": 0.02, "noise": {"sigma": 0.3}},
                       {"repeats": 2, "grid": {"x": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], "y": [0.0, 1.0]}})
    plan = expand_sweep(read_experiment_file(spec))
    assert len(plan.points) == 24
    reference = tmp_path / "reference.sqlite"
    run_sweep(plan, reference, quiet=True)

    db = tmp_path / "killed.sqlite"
    command = [sys.executable, "-m", "crossbar_sim", "sweep", str(spec), "--db", str(db), "--quiet"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    rng = random.Random(2023)
    kills = 0
    for _ in range(5):
        done = _row_count(db)
        if done >= 23:
            break
        target = rng.randint(done + 1, min(done + 5, 23))
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _row_count(db) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.04))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stderr.close()
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            statuses = conn.execute("SELECT status, metrics_json IS NOT NULL FROM points").fetchall()
        assert all(s == ("ok", 1) for s in statuses)
    assert kills >= 3
    final = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    assert "24 points" in final.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT point_id) FROM points").fetchone() == (24, 24)
    assert metrics_by_point(db) == metrics_by_point(reference)


def _parents() -> dict[int, int]:
    """PID -> parent PID of every live (not zombie) process, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat:
            state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
            if state != "Z":
                out[int(entry.name)] = int(ppid)
    return out


def _descendants(pid: int, parents: dict[int, int]) -> set[int]:
    found: set[int] = set()
    while True:
        more = {p for p, parent in parents.items() if parent == pid or parent in found} - found
        if not more:
            return found
        found |= more


def _cpu_s(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used, in seconds (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    utime, stime = stat[stat.rindex(")") + 2:].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


BACKENDS = {  # extra sweep flags; whether the workers are the sweep's grandchildren (forkserver) or children
    "processes": ([], True),
    "dask": (["--dask", "local"], False),
}


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("backend", [pytest.param("processes"), pytest.param("dask", marks=pytest.mark.slow)])
def test_sigkill_of_the_sweep_process_alone_ends_its_workers(backend: str, tmp_path: Path) -> None:
    flags, forked = BACKENDS[backend]
    spec = write_sweep(tmp_path / "slow.yaml", {"work_s": 60.0}, {"grid": {"x": [0.0, 0.1, 0.2, 0.3]}})
    command = [sys.executable, "-m", "crossbar_sim", "sweep", str(spec), "--workers", "2", "--quiet",
               "--db", str(tmp_path / "r.sqlite"), *flags]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            parents = _parents()
            family |= _descendants(proc.pid, parents)
            workers = {p for p in family if (parents.get(p) in family) == forked}
            if sum(_cpu_s(p) > 2.0 for p in workers) >= 2:  # two workers past their imports, running points
                break
            time.sleep(0.05)
        assert proc.poll() is None and len(family) >= 3, family
        proc.send_signal(signal.SIGKILL)  # the sweep's process alone: its children get no signal
        start = time.monotonic()
        proc.communicate(timeout=10)  # returns once no process holds its stdout and stderr
        while family & set(_parents()) and time.monotonic() - start < 10:
            time.sleep(0.05)
        assert family & set(_parents()) == set()
        assert time.monotonic() - start < 5
    finally:
        for pid in family & set(_parents()):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.communicate()


@pytest.mark.parametrize("workers", [0, -1, max(8, 4 * (os.cpu_count() or 1)) + 1, 10**6, True, 2.0])
def test_bad_worker_count_creates_no_database(tmp_path: Path, workers: int) -> None:
    plan = expand_sweep(read_experiment_file(write_sweep(tmp_path / "s.yaml", {}, {"grid": {"x": [1.0]}})))
    with pytest.raises(ValueError, match="--workers"):
        run_sweep(plan, tmp_path / "r.sqlite", workers=workers)
    assert not (tmp_path / "r.sqlite").exists()
