"""Typed configuration: YAML files onto frozen dataclasses, presets, and the pluggable experiment."""

from crossbar_sim.study.config.errors import ConfigError
from crossbar_sim.study.config.experiment import (
    DEFAULT_RUNNER,
    ENTRY_POINT_GROUP,
    RUNNERS_ENV,
    ExperimentFile,
    Runner,
    experiment_class,
    get_runner,
    parse_experiment_document,
    read_experiment_file,
    register_experiment,
    runner_names,
)
from crossbar_sim.study.config.presets import get_preset, preset_names, register_preset
from crossbar_sim.study.config.schema import (
    ALLOW_NONFINITE,
    check_key_path,
    dump_dataclass,
    load_dataclass,
    merge_mappings,
    set_dotted,
)
from crossbar_sim.study.config.yamlio import load_yaml_file, parse_yaml

__all__ = [
    "ALLOW_NONFINITE",
    "DEFAULT_RUNNER",
    "ENTRY_POINT_GROUP",
    "RUNNERS_ENV",
    "ConfigError",
    "ExperimentFile",
    "Runner",
    "check_key_path",
    "dump_dataclass",
    "experiment_class",
    "get_preset",
    "get_runner",
    "load_dataclass",
    "load_yaml_file",
    "merge_mappings",
    "parse_experiment_document",
    "parse_yaml",
    "preset_names",
    "read_experiment_file",
    "register_experiment",
    "register_preset",
    "runner_names",
    "set_dotted",
]
