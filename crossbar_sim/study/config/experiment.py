"""Pluggable experiments and the experiment file: ``runner:``, ``experiment:``, an optional ``sweep:`` and
an optional ``base:`` (a file to inherit from; this one's keys override it).

An experiment is a frozen config dataclass plus ``run(config, seed) -> dict`` of nested metrics. The
ESGNN experiment registers itself from :mod:`crossbar_sim.study.experiment`. Other runners are plugins:
a module that calls :func:`register_experiment` when imported, named either by an installed package's
entry point in the group ``crossbar_sim.runners`` (``name = package.module``) or, without installing,
in the environment variable ``CROSSBAR_SIM_RUNNERS`` as ``name=module[,name=module...]`` (worker
processes of a sweep inherit it). Runner modules are imported on first use.
"""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossbar_sim.study.config.errors import ConfigError
from crossbar_sim.study.config.schema import load_dataclass, merge_mappings, set_dotted
from crossbar_sim.study.config.yamlio import load_yaml_file, parse_yaml
from device_models.errors import did_you_mean, one_of

DEFAULT_RUNNER = "esgnn"
BUILTIN_RUNNERS: dict[str, str] = {"esgnn": "crossbar_sim.study.experiment"}
RUNNERS_ENV = "CROSSBAR_SIM_RUNNERS"
ENTRY_POINT_GROUP = "crossbar_sim.runners"
TOP_LEVEL_KEYS = ("base", "runner", "experiment", "sweep")
BASE_KEY = "base"
MAX_BASE_CHAIN = 16  # files in one base: chain

RunFn = Callable[[Any, int], dict]
InactiveFn = Callable[[Any], dict[str, str]]
PreflightFn = Callable[[Any, str, int], None]  # (config, key path, runs at once)


@dataclass(frozen=True)
class Runner:
    """A registered experiment: its config dataclass, its run function and its inactive keys.

    ``inactive(config)`` maps the dotted keys that cannot change this runner's result for ``config`` to
    the reason (e.g. the ADC percentile when the range is not calibrated). Setting one of them away from
    its default where it has no effect is refused (:meth:`check_effective`): no key silently does nothing.
    """

    name: str
    config_cls: type
    run: RunFn
    inactive: InactiveFn | None = None
    preflight: PreflightFn | None = None

    def check_before_work(self, configs: Sequence[Any], path: str = "experiment", workers: int = 1) -> None:
        """Every cheap check ``run`` would make (``preflight(config, path, workers)``: ``workers`` runs at
        once on this machine), once per distinct config."""
        if self.preflight is None:
            return
        seen: list[Any] = []
        for config in configs:
            if not any(config == s for s in seen):
                seen.append(config)
                self.preflight(config, path, workers)

    def check_effective(self, configs: Sequence[Any], path: str = "experiment") -> None:
        """Refuse a key that is away from its default only where it has no effect.

        ``configs`` are every point of a study (one for ``run``): a key is an error when some point sets
        it away from its default and every such point lists it as inactive, so a sweep over the ADC
        resolution that includes an ideal ADC (``bits: null``) may still set the calibration percentile.
        """
        if self.inactive is None:
            return
        default = self.config_cls()
        per_point = [self.inactive(c) for c in configs]
        for dotted in dict.fromkeys(k for inactive in per_point for k in inactive):
            reference = _dotted_value(default, dotted)
            changed = [(c, inactive) for c, inactive in zip(configs, per_point, strict=True)
                       if not _same(_dotted_value(c, dotted), reference)]
            if changed and all(dotted in inactive for _, inactive in changed):
                config, inactive = changed[0]
                raise ConfigError(f"{path}.{dotted}", _dotted_value(config, dotted),
                                  f"has no effect in runner {self.name}: {inactive[dotted]} (leave it at "
                                  f"its default {reference!r})")


def _dotted_value(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except ValueError:  # arrays
        return False


_RUNNERS: dict[str, Runner] = {}


def register_experiment(config_cls: type, run_fn: RunFn, name: str = DEFAULT_RUNNER,
                        inactive: InactiveFn | None = None, preflight: PreflightFn | None = None) -> None:
    """Register ``run_fn(config, seed) -> metrics`` for configs of ``config_cls`` under ``name``.

    ``inactive(config) -> {dotted key: reason}`` lists the keys that cannot affect the result (see
    :class:`Runner`); ``preflight(config, path, workers)`` raises for what a run would refuse, without the
    work (``workers``: how many such runs share this machine at once).
    """
    _RUNNERS[name] = Runner(name, config_cls, run_fn, inactive, preflight)


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
        config = load_dataclass(self.runner.config_cls, self.experiment, "experiment")
        self.runner.check_effective([config])
        return config


def compose_document(data: Mapping, path: str, chain: tuple[Path, ...] = ()) -> dict:
    """``data`` with its ``base:`` chain resolved: the base file's document, then this one on top.

    ``base`` is a path relative to the file that names it. The ``experiment`` sections merge key by key
    (:func:`merge_mappings`); ``runner`` and ``sweep`` replace the base's as a whole.
    """
    data = dict(data)
    if BASE_KEY not in data:
        return data
    where = f"{path}: {BASE_KEY}"
    ref = data.pop(BASE_KEY)
    if not isinstance(ref, str) or not ref.strip():
        raise ConfigError(where, ref, "must be the path of an experiment file, relative to this one")
    base_path = Path(path).parent / ref
    resolved = base_path.resolve()
    if resolved in chain or resolved == Path(path).resolve():
        raise ConfigError(where, ref, "makes a cycle of base files")
    if len(chain) >= MAX_BASE_CHAIN:
        raise ConfigError(where, ref, f"base files may nest at most {MAX_BASE_CHAIN} deep")
    base = compose_document(load_yaml_file(base_path), str(base_path), (*chain, Path(path).resolve()))
    for key, value in data.items():
        if key == "experiment" and isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            base[key] = merge_mappings(base[key], value)
        else:
            base[key] = value
    return base


def apply_overrides(data: Mapping, overrides: Sequence[str]) -> dict:
    """``data`` with ``--set KEY.PATH=VALUE`` overrides applied (values are YAML: ``2``, ``0.5``, ``[1, 2]``).

    A path starts with a top-level key (``experiment.repeats``, ``sweep.repeats``, ``runner``) or, for
    short, inside the experiment (``hardware.adc.bits`` is ``experiment.hardware.adc.bits``).
    """
    data = copy.deepcopy(dict(data))
    for item in overrides:
        dotted, sep, text = item.partition("=")
        dotted = dotted.strip()
        if not sep or not dotted:
            raise ConfigError("--set", item, "must read KEY.PATH=VALUE (e.g. experiment.repeats=2)")
        value = parse_yaml(text, f"--set {dotted}")
        head, _, rest = dotted.partition(".")
        if head == BASE_KEY:
            raise ConfigError("--set", item, "cannot change base: (name the base file's keys instead)")
        if head not in TOP_LEVEL_KEYS:
            head, rest = "experiment", dotted
        if not rest:
            data[head] = value
            continue
        section = data.get(head)
        if section is None:
            section = data[head] = {}
        if not isinstance(section, dict):
            raise ConfigError(head, section, f"is not a section, so --set {dotted} cannot go inside it")
        set_dotted(section, rest, value, head)
    return data


def parse_experiment_document(data: Mapping, path: str = "<config>") -> ExperimentFile:
    """Check the top-level layout of an experiment document and find its runner."""
    data = compose_document(data, path) if BASE_KEY in data else data
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


def read_experiment_file(path: str | os.PathLike[str], overrides: Sequence[str] = ()) -> ExperimentFile:
    """Read the experiment file at ``path`` (its ``base:`` chain resolved, then ``overrides`` applied)."""
    document = compose_document(load_yaml_file(path), str(path))
    return parse_experiment_document(apply_overrides(document, overrides), str(path))
