"""Choose an experiment's settings on inner-validation accuracy only (``crossbar-sim tune``).

A search space gives candidate values for dotted experiment keys. Reservoir keys (units, iterations,
leak rate, poolings, weight scales, unformed fractions, input handling) change the embeddings; readout
keys (``workload.readout.kind``, ``.standardize``, ``.ridge``) only the readout, so every configuration's
embeddings are scored with every readout of the grid: one eigendecomposition per feature matrix for all
ridge values, one warm-started L-BFGS path for the logistic penalties (on standardised features only
when those are candidates: on raw sum-pooled features the fit is several times slower).

A configuration is scored on tuning seeds: each seed forms its own arrays (repeat 0 of that seed) and
draws the protocol's splits, and the score is the mean accuracy on the splits' validation items of the
readout fitted on their fitting items. Test items are never touched. The search is successive halving:
``budget`` configurations (the input's own settings first, then random draws from the space) are scored
on one seed, the best 1/eta go on to eta times as many seeds, until the survivors have seen every seed.
By default the embeddings come from the software reservoir (the same formed conductances in float64);
``hardware=True`` reads them through the configured hardware model instead.

The result is written as an experiment file that ``base:``-es the input file (path relative to the output)
and sets the chosen keys, with its provenance as comments: space, budget, seeds, validation scores,
version. Report it with seeds that are not tuning seeds (the default tuning seeds are 100-104; ``run``
uses seed 0 and its repeats).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from crossbar_sim.common.seeding import stream
from crossbar_sim.common.version import __version__
from crossbar_sim.esgnn.datasets import load_dataset
from crossbar_sim.esgnn.readout import readout_path, validation_accuracies
from crossbar_sim.esgnn.runner import (
    calibrated_arrays,
    input_width,
    software_reservoir,
    split_features,
    workload_splits,
)
from crossbar_sim.esgnn.tasks import NODE_PROTOCOLS
from crossbar_sim.study.config import (
    ConfigError,
    ExperimentFile,
    check_key_path,
    load_dataclass,
    load_yaml_file,
    set_dotted,
)
from crossbar_sim.study.experiment import ExperimentConfig

READOUT_KEYS = ("workload.readout.kind", "workload.readout.standardize", "workload.readout.ridge")
MAX_BUDGET = 10_000  # configurations one search may draw (each is scored on up to every seed)
MAX_SEEDS = 1000
RIDGES = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
_SCALES = (1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 32000.0, 64000.0, 128000.0)

#: named spaces (``--space NAME``): graph classification and node classification
PRESET_SPACES: dict[str, dict[str, tuple]] = {
    "graph": {
        "hardware.mapping.mode": ("offset", "differential"),
        "workload.reservoir.units": (50, 100, 200),
        "workload.reservoir.iterations": (2, 3, 4, 6),
        "workload.reservoir.leak_rate": (0.2, 0.5, 1.0),
        "workload.reservoir.readout_steps": ("last", "all"),
        "workload.reservoir.poolings": (("sum",), ("mean",), ("sum", "max"), ("sum", "mean", "max")),
        "workload.weights.input_scale_per_S": _SCALES,
        "workload.weights.recurrent_scale_per_S": _SCALES,
        "workload.weights.input_unformed_fraction": (None, 0.2, 0.8),
        "workload.weights.recurrent_unformed_fraction": (None, 0.2, 0.8),
        "workload.readout.kind": ("ridge", "logistic"),
        "workload.readout.standardize": (False, True),
        "workload.readout.ridge": RIDGES,
    },
    "node": {
        "workload.reservoir.units": (500, 1000, 1200),
        "workload.reservoir.iterations": (1, 2, 3),
        "workload.weights.input_scale_per_S": (8000.0, 16000.0, 30000.0, 60000.0, 120000.0),
        "workload.weights.recurrent_scale_per_S": (5000.0, 10000.0, 20000.0, 40000.0, 56000.0, 80000.0),
        "workload.weights.input_unformed_fraction": (0.3, 0.5),
        "workload.weights.recurrent_unformed_fraction": (0.6, 0.775, 0.9),
        "workload.readout.readout_hops": (1, 2),
        "workload.readout.standardize": (False, True),
        "workload.readout.ridge": (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0),
    },
}


@dataclass(frozen=True)
class TuneSpace:
    """What to search and how hard.

    axes: candidate values per dotted key below ``experiment.`` (``workload.reservoir.units: [50, 100]``).
    budget: configurations drawn, the input's own settings being the first.
    seeds: tuning seeds: each forms one set of arrays and draws the protocol's splits.
    eta: successive halving keeps the best 1/eta of the configurations per rung, on eta times the seeds.
    max_features: configurations whose readout sees more features are not drawn (the readout's fits
        grow with the cube of the smaller of features and items).
    name: the preset's name, or the space file.
    """

    axes: Mapping[str, tuple]
    budget: int = 40
    seeds: tuple[int, ...] = (100, 101, 102, 103, 104)
    eta: int = 3
    max_features: int = 1024
    name: str = "custom"

    def __post_init__(self) -> None:
        if not self.axes:
            raise ConfigError.problem("space", "needs at least one key with candidate values")
        for key, values in self.axes.items():
            check_key_path(ExperimentConfig, key, "space")
            if not isinstance(values, tuple) or not values:
                raise ConfigError(f"space.{key}", values, "must be a non-empty list of candidate values")
        for name, low, high in (("budget", 1, MAX_BUDGET), ("eta", 2, None), ("max_features", 2, None)):
            value = getattr(self, name)
            if not _integer(value) or value < low or (high is not None and value > high):
                raise ConfigError(name, value, f"must be an integer >= {low}"
                                  + (f" and <= {high:,}" if high is not None else ""))
        seeds = self.seeds
        if not 0 < len(seeds) <= MAX_SEEDS or not all(_integer(s) and s >= 0 for s in seeds) \
                or len(set(seeds)) != len(seeds):
            raise ConfigError("seeds", list(seeds), f"must be 1 to {MAX_SEEDS} distinct integers >= 0")


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_candidate(value: Any) -> Any:
    return tuple(_as_candidate(v) for v in value) if isinstance(value, list) else value


def check_candidates(experiment: Mapping[str, Any], axes: Mapping[str, tuple]) -> None:
    """Refuse a candidate value that is invalid for its own key (wrong type or out of range) set alone
    into ``experiment``; combinations refused for other reasons are left to the search to skip."""
    for key, values in axes.items():
        for value in values:
            document = copy.deepcopy(dict(experiment))
            set_dotted(document, key, list(value) if isinstance(value, tuple) else value, "experiment")
            try:
                load_dataclass(ExperimentConfig, document, "experiment")
            except ConfigError as exc:
                if exc.path.startswith(f"experiment.{key}"):
                    raise ConfigError(f"space.{key}", _yaml_value(value), exc.allowed or str(exc)) from None


def load_space(spec: str, base: ExperimentConfig) -> TuneSpace:
    """The space named ``spec`` (a preset; ``auto``: graph or node by the protocol) or read from a YAML file
    with ``space:`` (key: list of values) and optional ``budget``, ``seeds``, ``eta``, ``max_features``."""
    if spec == "auto":
        spec = "node" if base.workload.protocol in NODE_PROTOCOLS else "graph"
    if spec in PRESET_SPACES:
        return TuneSpace(PRESET_SPACES[spec], name=spec)
    path = Path(spec)
    if not path.is_file():
        raise ConfigError("--space", spec, f"is neither a preset ({', '.join(PRESET_SPACES)}) nor a file")
    document = load_yaml_file(path)
    unknown = set(document) - {"space", "budget", "seeds", "eta", "max_features"}
    if unknown:
        raise ConfigError.problem(f"{spec}: {sorted(unknown)[0]}",
                                  "unknown key (space, budget, seeds, eta, max_features)")
    axes = document.get("space")
    if not isinstance(axes, dict):
        raise ConfigError.problem(f"{spec}: space", "must map dotted experiment keys to lists of values")
    options = {k: document[k] for k in ("budget", "eta", "max_features") if k in document}
    if "seeds" in document:
        options["seeds"] = tuple(document["seeds"]) if isinstance(document["seeds"], list) else ()
    return TuneSpace({k: _as_candidate(v) if isinstance(v, list) else v for k, v in axes.items()},
                     name=str(path), **options)


@dataclass
class Candidate:
    """One configuration of the reservoir axes, and its validation scores per tuning seed.

    ``scores[seed]`` is the (kinds, standardize, ridges) grid of mean validation accuracies.
    """

    values: dict[str, Any]
    config: ExperimentConfig
    scores: dict[int, np.ndarray] = field(default_factory=dict)

    def grid(self, seeds: Sequence[int]) -> np.ndarray:
        return np.mean([self.scores[s] for s in seeds], axis=0)

    def best(self, seeds: Sequence[int]) -> float:
        return float(np.max(self.grid(seeds)))


@dataclass(frozen=True)
class ReadoutGrid:
    """The readout settings every configuration's embeddings are scored with."""

    kinds: tuple[str, ...]
    standardize: tuple[bool, ...]
    ridges: tuple[float, ...]

    def choice(self, index: tuple[int, int, int]) -> dict[str, Any]:
        i, j, k = index
        return {"workload.readout.kind": self.kinds[i], "workload.readout.standardize": self.standardize[j],
                "workload.readout.ridge": self.ridges[k]}


@dataclass
class TuneResult:
    """The chosen settings and how they were found."""

    chosen: dict[str, Any]
    best_score: float
    base_score: float
    seeds: tuple[int, ...]
    ranking: list[tuple[float, dict[str, Any]]]
    evaluations: int
    skipped: int
    unevaluated: dict[str, list]  # listed values of a reservoir axis that no evaluated configuration held
    wall_s: float
    space: TuneSpace
    hardware: bool


def readout_width(workload) -> int:
    """Features the readout of ``workload`` sees per item: pooled (graphs) or node states, and the bias."""
    r = workload.reservoir
    steps = r.iterations if r.readout_steps == "all" else 1
    pools = 1 if workload.protocol in NODE_PROTOCOLS else len(r.poolings)
    return r.units * steps * pools + 1


def _value_at(config: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        config = getattr(config, part)
    return config


class Tuner:
    """Successive-halving search over ``space`` from the experiment file ``file`` (validated keys)."""

    def __init__(self, file: ExperimentFile, space: TuneSpace, hardware: bool = False,
                 progress: Callable[[str], None] | None = None) -> None:
        self.file = file
        self.base = file.base_config()
        self.hardware = hardware
        self.progress = progress or (lambda _: None)
        self.dataset = load_dataset(self.base.workload.dataset, self.base.data_root)
        inactive = file.runner.inactive(self.base) if file.runner.inactive else {}
        dropped = [k for k in space.axes if k in inactive and k not in READOUT_KEYS]
        if dropped and space.name not in PRESET_SPACES:
            raise ConfigError(f"space.{dropped[0]}", list(space.axes[dropped[0]]),
                              f"has no effect for this experiment: {inactive[dropped[0]]}")
        axes = {k: v for k, v in space.axes.items() if k not in dropped}
        check_candidates(file.experiment, axes)
        self.space = replace(space, axes=axes)
        self.dropped = dropped
        readout = self.base.workload.readout
        self.grid = ReadoutGrid(
            tuple(axes.get("workload.readout.kind", (readout.kind,))),
            tuple(axes.get("workload.readout.standardize", (readout.standardize,))),
            tuple(axes.get("workload.readout.ridge", readout.penalties)))
        self.axes = {k: v for k, v in axes.items() if k not in READOUT_KEYS}
        self.evaluations = 0

    # ---------------------------------------------------------------- candidates
    def _candidate(self, values: dict[str, Any]) -> Candidate | None:
        """The candidate for ``values``, or None when the combination is refused (an inactive key)."""
        document = copy.deepcopy(self.file.experiment)
        for key, value in values.items():
            set_dotted(document, key, list(value) if isinstance(value, tuple) else value, "experiment")
        try:
            config = load_dataclass(ExperimentConfig, document, "experiment")
            self.file.runner.check_effective([config])
        except (ConfigError, ValueError):
            return None
        if readout_width(config.workload) > self.space.max_features:
            return None
        return Candidate(values, config)

    def candidates(self) -> tuple[list[Candidate], int]:
        """The input's settings, then up to ``budget - 1`` distinct random draws; and how many were refused
        (combinations with a key that has no effect, or more readout features than ``max_features``)."""
        base_values = {k: _value_at(self.base, k) for k in self.axes}
        out = [Candidate(base_values, self.base)]
        seen = {repr(sorted(base_values.items()))}
        combos = math.prod(len(v) for v in self.axes.values())
        rng = stream(self.space.seeds[0], "tune", "draws")
        if combos <= self.space.budget:
            draws = (dict(zip(self.axes, combo, strict=True))
                     for combo in itertools.product(*self.axes.values()))
        else:
            draws = ({k: v[int(rng.integers(len(v)))] for k, v in self.axes.items()}
                     for _ in range(50 * self.space.budget))
        skipped = 0
        for values in draws:
            if len(out) >= self.space.budget:
                break
            key = repr(sorted(values.items()))
            if key in seen:
                continue
            seen.add(key)
            candidate = self._candidate(values)
            if candidate is None:
                skipped += 1
                continue
            out.append(candidate)
        return out, skipped

    # ---------------------------------------------------------------- scoring
    def score(self, config: ExperimentConfig, seed: int) -> np.ndarray:
        """(kinds, standardize, ridges) mean validation accuracy of ``config`` under tuning ``seed``."""
        self.evaluations += 1
        workload = config.workload
        dataset = self.dataset
        splits = workload_splits(dataset, workload, seed, config.data_root)
        if self.hardware:
            w_in, w_rec, _ = calibrated_arrays(dataset, splits, workload, config.device, config.hardware,
                                               seed, 0, None, software=False)
        else:
            w_in, w_rec = software_reservoir(workload, input_width(dataset), config.device, config.hardware,
                                             seed, 0)
        labels, classes = dataset.labels, int(dataset.labels.max()) + 1
        g = self.grid
        scores = np.full((len(splits), len(g.kinds), len(g.standardize), len(g.ridges)), -np.inf)
        for members, features in split_features(dataset, splits, workload, w_in, w_rec, None):
            for k in members:
                s = splits[k]
                for i, kind in enumerate(g.kinds):
                    for j, standardize in enumerate(g.standardize):
                        if kind == "logistic" and not standardize and True in g.standardize:
                            continue  # slow to fit on raw sum-pooled features; the standardised one is scored
                        path = readout_path(kind, features[s.fit], labels[s.fit], classes, standardize)
                        scores[k, i, j] = validation_accuracies(path, features[s.val], labels[s.val],
                                                                g.ridges)
        return scores.mean(axis=0)

    def _evaluate(self, candidates: Sequence[Candidate], seeds: Sequence[int]) -> None:
        for c in candidates:
            for seed in seeds:
                if seed not in c.scores:
                    c.scores[seed] = self.score(c.config, seed)
                    if self.evaluations % 10 == 0:
                        self.progress(f"{self.evaluations} evaluations")

    def run(self) -> TuneResult:
        start = time.perf_counter()
        candidates, skipped = self.candidates()
        base = candidates[0]
        seeds, eta = self.space.seeds, self.space.eta
        alive = list(candidates)
        rung = 0
        while True:
            used = seeds[:min(len(seeds), eta**rung)]
            if len(alive) == 1:
                used = seeds
            self._evaluate(alive, used)
            alive.sort(key=lambda c: -c.best(used))  # stable: earlier (the input's settings) first on ties
            self.progress(f"rung {rung}: {len(alive)} configuration(s) on {len(used)} seed(s), best "
                          f"validation accuracy {alive[0].best(used):.4f} "
                          f"({self.evaluations} evaluations, {time.perf_counter() - start:.0f} s)")
            if len(used) == len(seeds):
                break
            alive = alive[:max(1, math.ceil(len(alive) / eta))]
            rung += 1
        self._evaluate([base], seeds)
        best = alive[0]
        grid = best.grid(seeds)
        index = np.unravel_index(int(np.argmax(grid)), grid.shape)
        chosen = {**best.values, **{k: v for k, v in self.grid.choice(index).items()
                                   if k in self.space.axes or k == "workload.readout.ridge"}}
        ranking = [(c.best(seeds), c.values) for c in alive[:5]]
        unevaluated = {k: missing for k, values in self.axes.items()
                       if (missing := [v for v in values if all(c.values[k] != v for c in candidates)])}
        return TuneResult(chosen, float(grid[index]), base.best(seeds), tuple(seeds), ranking,
                          self.evaluations, skipped, unevaluated, time.perf_counter() - start, self.space,
                          self.hardware)


# -------------------------------------------------------------------------------------------- output
def _yaml_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tuned_document(result: TuneResult, input_path: str, out_path: str, overrides: Sequence[str],
                   base: ExperimentConfig, command: str) -> str:
    """The text of the tuned experiment file: provenance comments, ``base:`` the input, chosen keys."""
    from crossbar_sim.study.config.experiment import apply_overrides

    document = apply_overrides({}, overrides)
    experiment = document.setdefault("experiment", {})
    for key, value in result.chosen.items():
        set_dotted(experiment, key, _yaml_value(value), "experiment")
    if base.workload.readout.ridge_candidates:
        set_dotted(experiment, "workload.readout.ridge_candidates", [], "experiment")
    relative = os.path.relpath(Path(input_path).resolve(), Path(out_path).resolve().parent)
    seeds = ", ".join(map(str, result.seeds))
    lines = [
        f"# Tuned by crossbar-sim {__version__}: {command}",
        f"# provenance: input {Path(input_path).name} (sha256 {_sha256(Path(input_path))[:16]})",
        f"#   space {result.space.name}:",
        *(f"#     {k}: {[_yaml_value(v) for v in vals]}" for k, vals in result.space.axes.items()),
        f"#   budget {result.space.budget} configurations, successive halving (eta {result.space.eta}); "
        f"{result.evaluations} evaluations in {result.wall_s:.0f} s",
        "#   reservoir: " + ("the hardware model" if result.hardware
                             else "software (the same formed conductances, float64)"),
        f"#   tuning seeds {seeds} (repeat 0 each); report with other seeds (crossbar-sim run: seed 0)",
        "#   score: mean accuracy on the inner validation items of every split (readout fitted on the",
        "#   split's fitting items); test items unused",
        f"#   validation accuracy: chosen {result.best_score:.4f}, the input's own settings "
        f"{result.base_score:.4f}",
        *(f"#   never evaluated (no kept draw held it): {k}: {[_yaml_value(v) for v in vals]}"
          for k, vals in result.unevaluated.items()),
    ]
    for rank, (score, values) in enumerate(result.ranking, 1):
        text = ", ".join(f"{k.rpartition('.')[2]}={_yaml_value(v)}" for k, v in values.items())
        lines.append(f"#   #{rank} {score:.4f}: {text}")
    body = yaml.safe_dump({"base": relative, **document}, sort_keys=False, default_flow_style=None)
    return "\n".join(lines) + "\n" + body
