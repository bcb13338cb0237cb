"""SQLite results store: one row per sweep point, each written in its own transaction (WAL mode).

Only the parent process writes, so a kill at any moment leaves each point either fully recorded or
absent. Finished points are found by point id and config hash; failures are recorded with their error
text and retried on the next run. The nested metrics are stored as JSON and read back as flat columns
(:meth:`ResultStore.table`, :meth:`ResultStore.to_dataframe`, :func:`export_csv`; see
:mod:`crossbar_sim.study.sweep.columns`). The sweep's description, including its seed design
(``pairing``), is in the ``meta`` table.

A database belongs to one sweep definition (:func:`sweep_definition`: runner, name, swept keys and
base config; its hash is stored): another sweep is refused unless it is appended (``append=True``,
``crossbar-sim sweep --append``); extending the values or repeats of the same sweep, a new base seed,
or a config key that a new version of crossbar-sim added with its default, resumes it. The schema
version is the SQLite ``user_version``; a file that is not SQLite, an SQLite database without these
tables, or one of a newer schema is refused with a one-line
:class:`~crossbar_sim.study.config.ConfigError`, as is a database that cannot be read back.
Write-ahead logging is used while a sweep writes and switched off when it closes, so readers
(``create=False``, read-only) never leave ``-wal``/``-shm`` files behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from crossbar_sim.common.atomic import atomic_output
from crossbar_sim.common.units import si_key
from crossbar_sim.common.version import __version__
from crossbar_sim.study.config import ConfigError, dump_dataclass
from crossbar_sim.study.config.errors import format_value
from crossbar_sim.study.sweep.columns import PARAM, flatten_columns, ordered_columns
from crossbar_sim.study.sweep.expand import SweepPlan, SweepPoint, canonical_json

_SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    point_id     TEXT PRIMARY KEY,
    point_index  INTEGER NOT NULL,
    config_hash  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    repeat       INTEGER NOT NULL,
    seed         INTEGER NOT NULL,
    params_json  TEXT NOT NULL,
    metrics_json TEXT,
    energy_json  TEXT,
    latency_s    REAL,
    wall_s       REAL NOT NULL,
    error        TEXT,
    version      TEXT NOT NULL,
    timestamp    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SCHEMA_VERSION = 1  # PRAGMA user_version of the databases this version writes (0: written before it)
_COLUMNS = ("point_id", "point_index", "config_hash", "status", "repeat", "seed", "params_json",
            "metrics_json", "energy_json", "latency_s", "wall_s", "error", "version", "timestamp")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL = 2  # the read and write format version bytes (offsets 18 and 19) of a database in WAL mode
FIXED = ("point_id", "point_index", "status", "repeat", "seed", "config_hash")  # first columns of a table
TRAILER = ("run_wall_s", "error", "version", "timestamp")  # last columns (run_wall_s: the point's wall time)


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and arrays made plain and non-finite floats made ``None`` (JSON null)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _refuse(value: Any) -> Any:
    raise TypeError(f"metric value of type {type(value).__name__} cannot be stored as JSON")


def to_json(value: Any, indent: int | None = None) -> str:
    """Strict JSON text of ``value`` (sorted keys; numpy values plain; NaN and infinities as null)."""
    return json.dumps(jsonable(value), default=_refuse, sort_keys=True, allow_nan=False, indent=indent)


def _strip(tree: Any, dotted: str) -> None:
    """Remove from the dumped config ``tree`` the deepest key along ``dotted`` (a swept key) it holds."""
    parts = [si_key(part)[0] for part in dotted.split(".")]
    for i, part in enumerate(parts):
        if not isinstance(tree, dict) or part not in tree:
            return
        child = tree[part]
        if i == len(parts) - 1 or not isinstance(child, dict) or parts[i + 1] not in child:
            del tree[part]
            return
        tree = child


def sweep_definition(plan: SweepPlan) -> dict[str, Any]:
    """What a results database belongs to: runner, name, swept keys and the base config (the first
    point's config without the swept keys). Axis values, repeats, the base seed (a new seed reruns every
    point in place), pairing and reference are not part of it: the pairing is checked on its own."""
    base = dump_dataclass(plan.points[0].config) if plan.points else None
    for dotted in plan.axes:
        _strip(base, dotted)
    return {"runner": plan.runner.name, "name": plan.name, "axes": list(plan.axes),
            "zipped": list(plan.zipped), "base_config": base}


def definition_hash(plan: SweepPlan) -> str:
    """A short hash of :func:`sweep_definition`."""
    return hashlib.sha256(canonical_json(jsonable(sweep_definition(plan))).encode()).hexdigest()[:16]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings flattened to dotted keys: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""
    if not isinstance(value, Mapping):
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _changed_keys(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two dumped configs, among the keys both have."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [k for key in sorted(old.keys() & new.keys(), key=str)
                for k in _changed_keys(old[key], new[key], f"{prefix}{key}.")]
    return [] if jsonable(old) == jsonable(new) else [prefix.rstrip(".") or "all of it"]


def _differences(meta: Mapping[str, Any], plan: SweepPlan) -> list[str]:
    """What differs between the sweep a database's ``meta`` describes and ``plan``: name, runner, swept
    keys, and the base config's keys (without either's swept keys; keys only one of them has are left
    out, as a version of crossbar-sim adds or removes them with their defaults)."""
    mine = sweep_definition(plan)
    theirs = {k: meta.get(k) for k in ("runner", "name", "axes", "zipped")}
    theirs["base_config"] = meta.get("config")
    for dotted in [*map(str, meta.get("axes") or ()), *plan.axes]:
        _strip(theirs["base_config"], dotted)
        _strip(mine["base_config"], dotted)
    names = {"runner": "runner", "name": "name", "axes": "swept keys", "zipped": "zipped keys"}
    out = [what for key, what in names.items() if jsonable(theirs[key]) != jsonable(mine[key])]
    changed = _changed_keys(theirs["base_config"], mine["base_config"])
    if changed:
        out.append(f"base config ({', '.join(changed[:4])}{', ...' if len(changed) > 4 else ''})")
    return out


def _described(name: Any, axes: Any) -> str:
    return f"name {format_value(name)}, axes {', '.join(map(str, axes or ())) or 'none'}"


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_META_CHECKS = {  # what each meta value written by ResultStore.write_plan_meta must be
    "name": lambda v: isinstance(v, str), "runner": lambda v: isinstance(v, str), "axes": _texts,
    "zipped": _texts, "definitions": _texts, "base_seed": _integer, "points": _integer,
    "pairing": lambda v: v in ("paired", "independent"), "reference": lambda v: isinstance(v, dict),
    "config": lambda v: v is None or isinstance(v, dict),
}


def _header(path: Path) -> bytes:
    """The first 100 bytes of ``path`` (the SQLite header), or fewer for a shorter file."""
    with path.open("rb") as handle:
        return handle.read(100)


class ResultStore:
    """The results database of one sweep: ``create=True`` to write it (a sweep), else read-only."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        self.path = Path(path)
        self._writer = create
        if self.path.is_dir():
            raise ConfigError.problem(str(self.path), "is a directory, not a results database")
        if not create and not self.path.is_file():
            raise ConfigError.problem(str(self.path), "results database not found")
        header = _header(self.path) if self.path.is_file() else b""
        if header and not header.startswith(_SQLITE_MAGIC):
            raise ConfigError.problem(str(self.path), "not a results database (not an SQLite file)")
        try:
            self._conn = self._connect(header)
        except sqlite3.OperationalError as exc:
            raise ConfigError.problem(str(self.path), f"cannot open the results database ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise ConfigError.problem(str(self.path), f"not a results database ({exc})") from None
        self._conn.row_factory = sqlite3.Row

    def _connect(self, header: bytes) -> sqlite3.Connection:
        if not self._writer:
            # a WAL database with no -wal file has no writer and nothing to replay: read it as immutable,
            # which creates no -wal/-shm files (a read-only connection would leave both behind)
            idle_wal = header[18:20] == bytes([_WAL, _WAL]) and not Path(f"{self.path}-wal").exists()
            mode = "ro&immutable=1" if idle_wal else "ro"
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode={mode}", uri=True)
            self._check_schema(conn)
            return conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        try:
            if self._check_schema(conn, empty_ok=True):
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_schema(self, conn: sqlite3.Connection, empty_ok: bool = False) -> bool:
        """Raise unless ``conn`` holds this module's tables at a schema version this version reads;
        True for a database without any table (a new one) when ``empty_ok``."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ConfigError.problem(str(self.path), f"written by a newer crossbar-sim (results schema "
                                      f"{version}; this version reads schema {SCHEMA_VERSION} and older)")
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        if not tables and empty_ok:
            return True
        columns = tuple(r[1] for r in conn.execute("PRAGMA table_info(points)"))
        if columns != _COLUMNS or "meta" not in tables:
            shown = ", ".join(tables[:6]) + (", ..." if len(tables) > 6 else "") if tables else "none"
            raise ConfigError.problem(str(self.path), f"not a results database of crossbar-sim (its tables: "
                                      f"{shown})")
        return False

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; a writer first leaves write-ahead logging (no -wal/-shm files remain)."""
        if self._writer:
            try:
                self._conn.execute("PRAGMA journal_mode=DELETE")
            except sqlite3.DatabaseError:
                pass  # another connection is open: the log stays until the last one closes
        self._conn.close()

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Rows of ``sql``; an unreadable database is a one-line ConfigError naming the file."""
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise ConfigError.problem(str(self.path), f"unreadable results database ({exc})") from None

    def _decode(self, text: str | None, what: str) -> Any:
        try:
            return None if text is None else json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ConfigError.problem(str(self.path), f"corrupted {what} ({exc})") from None

    def write_plan_meta(self, plan: SweepPlan, append: bool = False) -> None:
        """Record the sweep's name, runner, axes, seed design, reference, definition hash and the typed
        config of its first point, ``config`` (used by plots and paired differences).

        A database whose stored points were run with the other ``pairing`` is refused: mixing the
        designs would silently break the paired comparison. So is one holding points of another sweep
        definition (:func:`sweep_definition`; its hash is looked up among the stored ones, else the
        stored description is compared, see :func:`_differences`), unless ``append``.
        """
        meta = self.meta()
        stored = meta.get("pairing", "independent")  # databases from before pairing were independent
        count = self._query("SELECT COUNT(*) FROM points")[0][0]
        if count and stored != plan.pairing:
            raise ConfigError("sweep.pairing", plan.pairing,
                              f"{self.path} holds {count} point(s) run with pairing: {stored}; set "
                              f"sweep.pairing: {stored} to resume it, or write to another --db")
        digest = definition_hash(plan)
        definitions = meta.get("definitions", [])
        differences = _differences(meta, plan) if count and digest not in definitions and not append else []
        if differences:  # none: only keys that a version of crossbar-sim added or removed differ
            theirs, mine = _described(meta.get("name"), meta.get("axes")), _described(plan.name, plan.axes)
            raise ConfigError.problem(str(self.path), (
                f"holds {count} point(s) of another sweep ({theirs}); this sweep ({mine}) differs in its "
                f"{', '.join(differences)}; pass --append to add its points to this database, or write to "
                "another --db"))
        meta = {"name": plan.name, "runner": plan.runner.name, "axes": list(plan.axes),
                "zipped": list(plan.zipped), "base_seed": plan.base_seed, "points": len(plan.points),
                "pairing": plan.pairing, "reference": plan.reference,
                "definitions": definitions + [digest] if digest not in definitions else definitions,
                "config": dump_dataclass(plan.points[0].config) if plan.points else None}
        self._write("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, to_json(v)) for k, v in meta.items()])

    def meta(self) -> dict[str, Any]:
        """The sweep description written by :meth:`write_plan_meta` (each known value of its type)."""
        meta = {r["key"]: self._decode(r["value"], f"meta value {r['key']!r}")
                for r in self._query("SELECT key, value FROM meta")}
        for key, value in meta.items():
            if key in _META_CHECKS and not _META_CHECKS[key](value):
                problem = f"corrupted meta value {key!r} ({format_value(value)})"
                raise ConfigError.problem(str(self.path), problem)
        return meta

    def finished(self) -> set[tuple[str, str]]:
        """``(point_id, config_hash)`` of every successfully finished point."""
        rows = self._query("SELECT point_id, config_hash FROM points WHERE status = 'ok'")
        return {(r[0], r[1]) for r in rows}

    def record(self, index: int, point: SweepPoint, metrics: Mapping | None, wall_s: float,
               error: str | None = None) -> None:
        """Write one point's outcome (``metrics`` on success, ``error`` text on failure) atomically."""
        ok = error is None
        energy = metrics.get("energy") if ok and metrics is not None else None
        latency = metrics.get("latency_s") if ok and metrics is not None else None
        latency = float(latency) if isinstance(latency, (int, float, np.number)) else None
        row = (
            point.point_id, index, point.config_hash, "ok" if ok else "failed", point.repeat, point.seed,
            to_json(point.overrides), to_json(metrics) if ok else None,
            None if energy is None else to_json(energy),
            latency if latency is None or math.isfinite(latency) else None,
            float(wall_s), error, __version__, datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        placeholders = ", ".join("?" * len(row))
        self._write(f"INSERT OR REPLACE INTO points VALUES ({placeholders})", [row])

    def _write(self, sql: str, rows: list[tuple]) -> None:
        """Run ``sql`` on each of ``rows`` in one transaction; errors become a ConfigError on the file."""
        try:
            with self._conn:
                self._conn.executemany(sql, rows)
        except sqlite3.DatabaseError as exc:
            raise ConfigError.problem(str(self.path), f"cannot write the results database ({exc})") from None

    def rows(self, status: str | None = "ok") -> list[dict[str, Any]]:
        """Stored points in sweep order, with ``params`` and ``metrics`` decoded (``status=None``: all)."""
        query = "SELECT * FROM points" + (" WHERE status = ?" if status else "") + " ORDER BY point_index"
        out = []
        for r in self._query(query, (status,) if status else ()):
            row = dict(r)
            where = f"point {format_value(row['point_id'])}"
            row["params"] = self._decode(row.pop("params_json"), f"parameters of {where}")
            row["metrics"] = self._decode(row.pop("metrics_json"), f"metrics of {where}")
            row["energy"] = self._decode(row.pop("energy_json"), f"energy of {where}")
            self._check_row(row, where)
            out.append(row)
        return out

    def _check_row(self, row: Mapping[str, Any], where: str) -> None:
        """Raise a one-line ConfigError unless ``row`` has the types this module writes."""
        expected = {"point_id": str, "point_index": int, "repeat": int, "seed": int, "params": dict,
                    "metrics": (dict, type(None)), "wall_s": (int, float)}
        wrong = [k for k, kind in expected.items() if not isinstance(row[k], kind)]
        if row["status"] not in ("ok", "failed"):
            wrong.append("status")
        if wrong:
            raise ConfigError.problem(str(self.path), f"corrupted {where} (bad {', '.join(wrong)})")

    def table(self, status: str | None = "ok") -> list[dict[str, Any]]:
        """Stored points as flat rows: :data:`FIXED` fields, ``param.<key>`` per swept key, every metric
        flattened to a dotted column (numbers stay numbers), then :data:`TRAILER` fields."""
        out = []
        for row in self.rows(status):
            flat = {k: row[k] for k in FIXED}
            flat.update({f"{PARAM}{k}": v for k, v in row["params"].items()})
            flat.update(flatten_columns(row["metrics"] or {}))
            flat.update({"run_wall_s": row["wall_s"], "error": row["error"], "version": row["version"],
                         "timestamp": row["timestamp"]})
            out.append(flat)
        return out

    def to_dataframe(self, status: str | None = "ok") -> Any:
        """:meth:`table` as a pandas DataFrame, one row per point (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("ResultStore.to_dataframe needs pandas, the optional extra 'pandas': "
                              "pip install 'crossbar-sim[pandas]'") from None
        rows = self.table(status)
        return pd.DataFrame(rows, columns=ordered_columns(rows, FIXED, TRAILER))


def export_csv(db_path: str | os.PathLike[str], csv_path: str | os.PathLike[str]) -> int:
    """Write every stored point as a CSV row (the columns of :meth:`ResultStore.table`); return the row count.

    The file is written to a temporary name beside ``csv_path`` and renamed when complete.
    """
    if Path(csv_path).is_dir():
        raise ConfigError.problem(str(csv_path), "is a directory; name the CSV file to write")
    with ResultStore(db_path, create=False) as store:
        rows = store.table(status=None)
    with atomic_output(csv_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ordered_columns(rows, FIXED, TRAILER))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
