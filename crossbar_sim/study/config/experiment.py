"""Pluggable experiments and the experiment file: ``runner:``, ``experiment:`` and an optional ``sweep:``.

An experiment is a frozen config dataclass plus ``run(config, seed) -> dict`` of nested metrics. The
ESGNN experiment registers itself from :mod:`crossbar_sim.study.experiment`. Other runners are plugins:
a module that calls :func:`register_experiment` when imported, named either by an installed package's
entry point in the group ``crossbar_sim.runners`` (``name = package.module``) or, without installing,
in the environment variable ``CROSSBAR_SIM_RUNNERS`` as ``name=module[,name=module...]`` (worker
processes of a sweep inherit it). Runner modules are imported on first use.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from crossbar_sim.study.config.errors import ConfigError
from crossbar_sim.study.config.schema import load_dataclass
from crossbar_sim.study.config.yamlio import load_yaml_file
from device_models.errors import did_you_mean, one_of

DEFAULT_RUNNER = "esgnn"
BUILTIN_RUNNERS: dict[str, str] = {"esgnn": "crossbar_sim.study.experiment"}
RUNNERS_ENV = "CROSSBAR_SIM_RUNNERS"
ENTRY_POINT_GROUP = "crossbar_sim.runners"
TOP_LEVEL_KEYS = ("runner", "experiment", "sweep")

RunFn = Callable[[Any, int], dict]


@dataclass(frozen=True)
class Runner:
    """A registered experiment: its config dataclass and its run function."""

    name: str
    config_cls: type
    run: RunFn


_RUNNERS: dict[str, Runner] = {}


def register_experiment(config_cls: type, run_fn: RunFn, name: str = DEFAULT_RUNNER) -> None:
    """Register ``run_fn(config, seed) -> metrics`` for configs of ``config_cls`` under ``name``."""
    _RUNNERS[name] = Runner(name, config_cls, run_fn)


def runner_modules() -> dict[str, str]:
    """Runner name -> module to import: built in, then entry points, then ``CROSSBAR_SIM_RUNNERS``."""
    modules = dict(BUILTIN_RUNNERS)
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        modules.setdefault(entry.name, entry.value)
    for item in filter(None, (part.strip() for part in os.environ.get(RUNNERS_ENV, "").split(","))):
        name, sep, module = item.partition("=")
        if not sep or not name.strip() or not module.strip():
            raise ConfigError(RUNNERS_ENV, item, "each entry must read name=module")
        modules[name.strip()] = module.strip()
    return modules


def runner_names() -> list[str]:
    """Every runner name that can be requested (registered or importable on demand)."""
    return sorted(set(_RUNNERS) | set(runner_modules()))


def get_runner(name: str | None = None, path: str = "runner") -> Runner:
    """The runner registered as ``name`` (default :data:`DEFAULT_RUNNER`), importing its module if needed."""
    name = DEFAULT_RUNNER if name is None else name
    modules = runner_modules() if name not in _RUNNERS else {}
    if name in modules:
        module = modules[name]
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise ConfigError(path, name, f"runner not available yet (no module {module})") from None
    if name not in _RUNNERS:
        raise ConfigError(path, name, one_of(name, runner_names()))
    return _RUNNERS[name]


def experiment_class(name: str | None = None) -> type:
    """The config dataclass of runner ``name`` (default: the ESGNN experiment)."""
    return get_runner(name).config_cls


@dataclass(frozen=True)
class ExperimentFile:
    """A parsed experiment file; ``experiment`` and ``sweep`` are the raw mappings (not yet typed)."""

    path: str
    runner: Runner
    experiment: dict
    sweep: dict | None

    def base_config(self) -> Any:
        """The typed experiment config without sweep overrides."""
        return load_dataclass(self.runner.config_cls, self.experiment, "experiment")


def parse_experiment_document(data: Mapping, path: str = "<config>") -> ExperimentFile:
    """Check the top-level layout of an experiment document and find its runner."""
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(key, TOP_LEVEL_KEYS) or f" (allowed: {', '.join(TOP_LEVEL_KEYS)})"
            raise ConfigError.problem(str(key), f"unknown top-level key{hint}")
    runner_name = data.get("runner", DEFAULT_RUNNER)
    if not isinstance(runner_name, str):
        raise ConfigError("runner", runner_name, "must be a string naming a runner")
    runner = get_runner(runner_name)
    if "experiment" not in data:
        raise ConfigError.problem("experiment", "required top-level section is missing")
    experiment = data["experiment"]
    if experiment is None:
        experiment = {}
    if not isinstance(experiment, Mapping):
        raise ConfigError("experiment", experiment, "must be a mapping of experiment keys")
    sweep = data.get("sweep")
    if "sweep" in data and not isinstance(sweep, Mapping):
        raise ConfigError("sweep", sweep, "must be a mapping (grid, zip, repeats, seed, name)")
    return ExperimentFile(path, runner, dict(experiment), None if sweep is None else dict(sweep))


def read_experiment_file(path: str | os.PathLike[str]) -> ExperimentFile:
    """Read and check the layout of the experiment file at ``path``."""
    return parse_experiment_document(load_yaml_file(path), str(path))
