"""Sweep expansion: a base experiment plus axes over dotted key paths → a deterministic list of points.

``sweep:`` keys: ``grid`` (Cartesian product of axes), ``zip`` (axes advanced together, equal
lengths), ``repeats`` (runs per parameter set), ``seed`` (base seed), ``name``, ``pairing`` and
``reference``. An axis is a list of values or a range ``{start, stop, num, log}``. Each point's
identity is the canonical JSON of its overrides and repeat index.

Seeds (:func:`crossbar_sim.common.seeding.derive_seed`, so results never depend on the order of
execution or on the worker): with ``pairing: paired`` (the default) every point of repeat ``r`` gets
the seed of the identity without overrides, ``derive_seed(seed, point_identity({}, r))``, so points
that differ only in keys that do not change forming share the same formed arrays and read-noise
streams (common random numbers: differences between points are measured on the same chips). With
``pairing: independent`` each point gets the seed of its own identity, new chips at every point.
``reference`` (overrides of some axes, default: the first value of the first axis or zip group) names
the point each point is compared with by :func:`crossbar_sim.study.sweep.compare.paired_differences`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from crossbar_sim.common.seeding import derive_seed
from crossbar_sim.common.units import si_key
from crossbar_sim.study.config import (
    ConfigError,
    ExperimentFile,
    Runner,
    check_key_path,
    dump_dataclass,
    load_dataclass,
    set_dotted,
)
from device_models.errors import ParameterError, check_int

MAX_POINTS = 100_000  # points of one sweep (axes × repeats), checked before anything is expanded


@dataclass(frozen=True)
class RangeSpec:
    """``num`` values from ``start`` to ``stop`` inclusive, evenly spaced (geometrically if ``log``)."""

    start: float
    stop: float
    num: int
    log: bool = False

    def __post_init__(self) -> None:
        check_int("num", self.num, minimum=1, maximum=MAX_POINTS)
        if self.log and not (self.start > 0 and self.stop > 0):
            raise ParameterError("start", self.start if self.start <= 0 else self.stop,
                                 "a log range needs start > 0 and stop > 0")

    def values(self) -> list[float]:
        """The range's values as Python floats."""
        space = np.geomspace if self.log else np.linspace
        return [float(v) for v in space(self.start, self.stop, self.num)]


@dataclass(frozen=True)
class SweepSpec:
    """The ``sweep:`` section of an experiment file."""

    name: str | None = None
    seed: int = 0
    repeats: int = 1
    grid: dict[str, Any] = field(default_factory=dict)
    zip: dict[str, Any] = field(default_factory=dict)
    pairing: Literal["paired", "independent"] = "paired"
    reference: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        check_int("seed", self.seed, minimum=0)
        check_int("repeats", self.repeats, minimum=1)
        if self.name is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", self.name):
            raise ParameterError("name", self.name, "must be letters, digits, '_', '.' or '-'")


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: overrides of the base config, repeat index, identity, seed and typed config."""

    overrides: dict[str, Any]
    repeat: int
    identity: str
    point_id: str
    seed: int
    config: Any
    config_hash: str


@dataclass(frozen=True)
class SweepPlan:
    """Every point of a sweep, in a fixed order.

    ``axes`` lists the zipped keys first (``zipped``), then the grid keys; ``reference`` is the resolved
    reference overrides (every zipped key set when one is).
    """

    name: str
    runner: Runner
    base_seed: int
    axes: tuple[str, ...]
    points: tuple[SweepPoint, ...]
    pairing: str = "paired"
    zipped: tuple[str, ...] = ()
    reference: dict[str, Any] = field(default_factory=dict)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def point_identity(overrides: Mapping[str, Any], repeat: int) -> str:
    """The identity of a point: canonical JSON of its overrides and repeat index."""
    return canonical_json({"overrides": dict(overrides), "repeat": repeat})


def config_hash(runner: str, config: Any, seed: int) -> str:
    """A short hash of everything that determines a point's result."""
    text = canonical_json({"runner": runner, "config": dump_dataclass(config), "seed": seed})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def axis_values(spec: Any, path: str) -> list[Any]:
    """The values of one axis: a non-empty list, or a :class:`RangeSpec` mapping."""
    if isinstance(spec, Mapping):
        return load_dataclass(RangeSpec, spec, path).values()
    if isinstance(spec, (list, tuple)):
        if not spec:
            raise ConfigError(path, list(spec), "an axis needs at least one value")
        return list(spec)
    raise ConfigError(path, spec, "must be a list of values or a range {start, stop, num, log}")


def _axes(spec: SweepSpec, config_cls: type) -> tuple[list[tuple[str, list]], list[tuple[str, list]]]:
    """Checked ``(zip axes, grid axes)`` as ``(dotted path, values)`` pairs."""
    out: dict[str, list[tuple[str, list]]] = {"zip": [], "grid": []}
    for kind in ("zip", "grid"):
        for dotted, values in getattr(spec, kind).items():
            where = f"sweep.{kind}.{dotted}"
            if kind == "grid" and dotted in spec.zip:
                raise ConfigError.problem(where, "the same key is also swept in sweep.zip")
            try:
                check_key_path(config_cls, dotted, "experiment")
            except ConfigError as exc:
                raise ConfigError.problem(where, f"not an experiment key ({exc})") from None
            out[kind].append((dotted, axis_values(values, where)))
    quantities: dict[str, str] = {}
    for kind in ("zip", "grid"):
        for dotted, _ in out[kind]:
            quantity = ".".join(si_key(part)[0] for part in dotted.split("."))
            if quantity in quantities:
                raise ConfigError.problem(f"sweep.{kind}.{dotted}", f"sweeps the same quantity as "
                                          f"{quantities[quantity]} (one axis per quantity)")
            quantities[quantity] = f"sweep.{kind}.{dotted}"
    lengths = {len(v) for _, v in out["zip"]}
    if len(lengths) > 1:
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in out["zip"])
        raise ConfigError.problem("sweep.zip", f"zipped axes must have equal lengths (got {sizes})")
    return out["zip"], out["grid"]


def _combinations(zipped: list[tuple[str, list]], grid: list[tuple[str, list]]) -> list[dict[str, Any]]:
    factors: list[list[dict[str, Any]]] = []
    if zipped:
        n = len(zipped[0][1])
        factors.append([{k: v[i] for k, v in zipped} for i in range(n)])
    factors.extend([{k: v} for v in values] for k, values in grid)
    return [{k: v for part in combo for k, v in part.items()} for combo in itertools.product(*factors)]


def point_seed(base_seed: int, pairing: str, overrides: Mapping[str, Any], repeat: int) -> int:
    """The seed of a point: per repeat only (``paired``) or per point identity (``independent``)."""
    return derive_seed(base_seed, point_identity(overrides if pairing == "independent" else {}, repeat))


_MISSING = object()


def same_value(a: Any, b: Any) -> bool:
    """Equal values; numbers to a relative 1e-9 (``0.02`` matches a linspace's 0.020000000000000004)."""
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if number(a) and number(b):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)
    return a == b


def resolve_reference(reference: Mapping[str, Any] | None, combos: list[Mapping[str, Any]],
                      axes: tuple[str, ...], zipped: tuple[str, ...], where: str = "sweep.reference") -> dict:
    """Reference overrides checked against the swept combinations ``combos`` (in sweep order).

    ``None`` gives the first combination's values of the first axis (or zip group). Every key must be
    an axis; setting one zipped key sets its partners to the values they take with it.
    """
    if not axes:
        raise ConfigError.problem(where, "the sweep has no axes, so there is no reference point")
    if reference is None:
        return {k: combos[0][k] for k in zipped or axes[:1]}
    if not reference:
        raise ConfigError(where, reference, "must be a mapping of swept keys to values, e.g. {" +
                          f"{axes[0]}: {combos[0][axes[0]]!r}" + "}")
    resolved = {}
    for key, value in reference.items():
        if key not in axes:
            raise ConfigError(f"{where}.{key}", value, "must be a swept key: " + ", ".join(axes))
        values = [c[key] for c in combos]
        swept = [v for i, v in enumerate(values) if v not in values[:i]]
        match = next((v for v in swept if same_value(v, value)), _MISSING)
        if match is _MISSING:
            shown = ", ".join(repr(v) for v in swept)
            raise ConfigError(f"{where}.{key}", value, f"is not a swept value (swept: {shown})")
        resolved[key] = match
    if any(k in zipped for k in resolved):
        given = {k: v for k, v in resolved.items() if k in zipped}
        combo = next((c for c in combos if all(c[k] == v for k, v in given.items())), None)
        if combo is None:
            raise ConfigError(where, given, "these zipped values never occur together in the sweep")
        resolved.update({k: combo[k] for k in zipped})
    return {k: resolved[k] for k in axes if k in resolved}


def expand_sweep(file: ExperimentFile, seed: int | None = None, name: str | None = None) -> SweepPlan:
    """The points of ``file``'s sweep (one point if it has none); ``seed``/``name`` override the file's."""
    spec = load_dataclass(SweepSpec, file.sweep or {}, "sweep")
    base_seed = spec.seed if seed is None else check_int("--seed", seed, minimum=0)
    runner = file.runner
    zipped, grid = _axes(spec, runner.config_cls)
    count = (len(zipped[0][1]) if zipped else 1) * math.prod(len(v) for _, v in grid) * spec.repeats
    if count > MAX_POINTS:
        raise ConfigError.problem("sweep", f"has {count} points (axes × repeats); at most {MAX_POINTS} "
                                  "are allowed in one sweep")
    combos = _combinations(zipped, grid)
    axes = tuple(k for k, _ in zipped) + tuple(k for k, _ in grid)
    zipped_keys = tuple(k for k, _ in zipped)
    has_reference = bool(axes) or spec.reference is not None
    reference = resolve_reference(spec.reference, combos, axes, zipped_keys) if has_reference else {}
    points: list[SweepPoint] = []
    seen: set[str] = set()
    for overrides in combos:
        raw = copy.deepcopy(file.experiment)
        for dotted, value in overrides.items():
            set_dotted(raw, dotted, copy.deepcopy(value), "experiment")
        try:
            config = load_dataclass(runner.config_cls, raw, "experiment")
        except ConfigError as exc:
            if not overrides:
                raise
            shown = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
            raise exc.annotated(f"in sweep point {shown}") from None
        for repeat in range(spec.repeats):
            identity = point_identity(overrides, repeat)
            if identity in seen:
                raise ConfigError.problem("sweep", f"the point {canonical_json(overrides)} appears twice")
            seen.add(identity)
            seed_of_point = point_seed(base_seed, spec.pairing, overrides, repeat)
            points.append(SweepPoint(
                overrides=overrides,
                repeat=repeat,
                identity=identity,
                point_id=hashlib.sha256(identity.encode()).hexdigest()[:16],
                seed=seed_of_point,
                config=config,
                config_hash=config_hash(runner.name, config, seed_of_point),
            ))
    runner.check_effective(list({id(p.config): p.config for p in points}.values()))
    plan_name = name or spec.name or Path(file.path).stem or "sweep"
    return SweepPlan(plan_name, runner, base_seed, axes, tuple(points), spec.pairing, zipped_keys, reference)
