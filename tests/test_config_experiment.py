"""The pluggable experiment registry and the experiment file layout."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from crossbar_sim.study.config import (
    ConfigError,
    experiment_class,
    get_runner,
    parse_experiment_document,
    register_experiment,
)


@dataclass(frozen=True)
class Echo:
    value: float = 1.0


def echo(config: Echo, seed: int) -> dict:
    return {"value": config.value, "seed": seed}


def test_registered_runner_is_found_by_name_and_file() -> None:
    register_experiment(Echo, echo, name="echo-test")
    assert experiment_class("echo-test") is Echo
    file = parse_experiment_document({"runner": "echo-test", "experiment": {"value": 2}}, "e.yaml")
    assert file.runner.run(file.base_config(), 4) == {"value": 2.0, "seed": 4}
    assert file.sweep is None


def test_toy_runner_is_imported_on_demand() -> None:
    runner = get_runner("toy")
    assert runner.config_cls.__name__ == "ToyConfig"
    assert runner.run(runner.config_cls(), 0)["baseline_accuracy"]["mean"] == pytest.approx(math.exp(-0.1))


def test_unknown_runner_suggests_a_name() -> None:
    with pytest.raises(ConfigError, match=r"^runner = 'tyo': must be one of .*toy"):
        get_runner("tyo")
