"""SQLite results store: one row per sweep point, each written in its own transaction (WAL mode).

Only the parent process writes, so a kill at any moment leaves each point either fully recorded or
absent. Finished points are found by point id and config hash; failures are recorded with their error
text and retried on the next run. The nested metrics are stored as JSON and read back as flat columns
(:meth:`ResultStore.table`, :meth:`ResultStore.to_dataframe`, :func:`export_csv`; see
:mod:`crossbar_sim.study.sweep.columns`). The sweep's description, including its seed design
(``pairing``), is in the ``meta`` table.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from crossbar_sim.common.atomic import atomic_output
from crossbar_sim.common.version import __version__
from crossbar_sim.study.config import ConfigError, dump_dataclass
from crossbar_sim.study.sweep.columns import PARAM, flatten_columns, ordered_columns
from crossbar_sim.study.sweep.expand import SweepPlan, SweepPoint

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
FIXED = ("point_id", "point_index", "status", "repeat", "seed", "config_hash")  # first columns of a table
TRAILER = ("run_wall_s", "error", "version", "timestamp")  # last columns (run_wall_s: the point's wall time)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"metric value of type {type(value).__name__} cannot be stored as JSON")


def to_json(value: Any) -> str:
    """JSON text of ``value`` (numpy scalars and arrays become plain numbers and lists)."""
    return json.dumps(value, default=_jsonable, sort_keys=True)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings flattened to dotted keys: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""
    if not isinstance(value, Mapping):
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in value.items():
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


class ResultStore:
    """The results database of one sweep."""

    def __init__(self, path: str | os.PathLike[str], create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise ConfigError.problem(str(self.path), "results database not found")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(self.path)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=FULL")
                self._conn.executescript(_SCHEMA)
            else:
                self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
                self._conn.execute("SELECT point_id FROM points LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise ConfigError.problem(str(self.path), f"not a results database ({exc})") from None
        self._conn.row_factory = sqlite3.Row

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def write_plan_meta(self, plan: SweepPlan) -> None:
        """Record the sweep's name, runner, axes, seed design, reference and the typed config of its first
        point, ``config`` (used by plots and paired differences).

        A database whose stored points were run with the other ``pairing`` is refused: mixing the
        designs would silently break the paired comparison.
        """
        stored = self.meta().get("pairing", "independent")  # databases from before pairing were independent
        count = self._conn.execute("SELECT COUNT(*) FROM points").fetchone()[0]
        if count and stored != plan.pairing:
            raise ConfigError("sweep.pairing", plan.pairing,
                              f"{self.path} holds {count} point(s) run with pairing: {stored}; set "
                              f"sweep.pairing: {stored} to resume it, or write to another --db")
        meta = {"name": plan.name, "runner": plan.runner.name, "axes": list(plan.axes),
                "zipped": list(plan.zipped), "base_seed": plan.base_seed, "points": len(plan.points),
                "pairing": plan.pairing, "reference": plan.reference,
                "config": dump_dataclass(plan.points[0].config) if plan.points else None}
        with self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                   [(k, to_json(v)) for k, v in meta.items()])

    def meta(self) -> dict[str, Any]:
        """The sweep description written by :meth:`write_plan_meta`."""
        return {r["key"]: json.loads(r["value"]) for r in self._conn.execute("SELECT key, value FROM meta")}

    def finished(self) -> set[tuple[str, str]]:
        """``(point_id, config_hash)`` of every successfully finished point."""
        rows = self._conn.execute("SELECT point_id, config_hash FROM points WHERE status = 'ok'")
        return {(r[0], r[1]) for r in rows}

    def record(self, index: int, point: SweepPoint, metrics: Mapping | None, wall_s: float,
               error: str | None = None) -> None:
        """Write one point's outcome (``metrics`` on success, ``error`` text on failure) atomically."""
        ok = error is None
        energy = metrics.get("energy") if ok and metrics is not None else None
        latency = metrics.get("latency_s") if ok and metrics is not None else None
        row = (
            point.point_id, index, point.config_hash, "ok" if ok else "failed", point.repeat, point.seed,
            to_json(point.overrides), to_json(metrics) if ok else None,
            None if energy is None else to_json(energy),
            float(latency) if isinstance(latency, (int, float, np.number)) else None,
            float(wall_s), error, __version__, datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        with self._conn:
            placeholders = ", ".join("?" * len(row))
            self._conn.execute(f"INSERT OR REPLACE INTO points VALUES ({placeholders})", row)

    def rows(self, status: str | None = "ok") -> list[dict[str, Any]]:
        """Stored points in sweep order, with ``params`` and ``metrics`` decoded (``status=None``: all)."""
        query = "SELECT * FROM points" + (" WHERE status = ?" if status else "") + " ORDER BY point_index"
        out = []
        for r in self._conn.execute(query, (status,) if status else ()):
            row = dict(r)
            row["params"] = json.loads(row.pop("params_json"))
            row["metrics"] = json.loads(row.pop("metrics_json")) if row["metrics_json"] else None
            row["energy"] = json.loads(row.pop("energy_json")) if row["energy_json"] else None
            out.append(row)
        return out

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
    with ResultStore(db_path, create=False) as store:
        rows = store.table(status=None)
    with atomic_output(csv_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ordered_columns(rows, FIXED, TRAILER))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
