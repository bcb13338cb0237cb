"""No key silently does nothing: perturb every numeric, boolean and choice leaf of a representative
experiment of each runner and check that the result changes, or that the key is one the runner documents
as inactive for that config (then setting it is refused with a one-line error naming the runner)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest

from crossbar_sim.study.config import ConfigError, load_dataclass, read_experiment_file, set_dotted
from crossbar_sim.study.config.keys import KeyInfo, config_keys
from crossbar_sim.study.config.schema import _hints
from crossbar_sim.study.experiment import ExperimentConfig, inactive_keys, run_experiment

REPO = Path(__file__).resolve().parent.parent
REPRESENTATIVE = REPO / "experiments" / "paper" / "mutag.yaml"  # IR drop, calibrated ADC, bit-serial
SLOW_KEYS = {"hardware.read_noise.mode",  # the per-cell reference read takes minutes on MUTAG
             "hardware.array.cell_iv"}  # sinh cells under IR drop: a Newton solve per pulse (~4x the run)
_SMALL = {"S": 1e-7, "V": 0.1, "s": 10.0, "Ω": 1.0, "A": 1e-5}


def _leaf_type(path: str) -> Any:
    tp: Any = ExperimentConfig
    for part in path.split("."):
        tp = _hints(tp)[part]
        args = [a for a in get_args(tp) if a is not type(None)]
        if type(None) in get_args(tp) and len(args) == 1:
            tp = args[0]
    return tp


def _candidates(key: KeyInfo, value: Any) -> list[Any]:
    """Valid-looking values different from ``value``, most natural first."""
    tp = _leaf_type(key.path)
    if get_origin(tp) is Literal:
        return [c for c in get_args(tp) if c != value]
    if tp is bool:
        return [not value]
    if tp is int:
        v = 8 if value is None else value
        return [c for c in (v + 1, v - 1, v // 2, 16, 4, 2, 1) if c != value and c >= 0]
    if tp is float:
        if value in (None, 0.0):
            return [_SMALL.get(key.unit, 0.1), 0.6, 0.3, 1.0]
        return [value * 1.5, value * 0.5, value * 0.9, value + 0.1]
    return []


PERTURBABLE = [k for k in config_keys(ExperimentConfig)
               if k.type.replace(" or null", "") in ("int", "float", "bool", "choice")]


@pytest.fixture(scope="module")
def base(datasets_dir: Path) -> tuple[dict, dict]:
    raw = read_experiment_file(REPRESENTATIVE, ["experiment.repeats=1"]).experiment
    raw = {**raw, "data_root": str(datasets_dir)}
    return raw, _result(load_dataclass(ExperimentConfig, raw, "experiment"))


def _result(config: ExperimentConfig) -> str:
    metrics = run_experiment(config, seed=0)
    metrics.pop("wall_s")
    return json.dumps(metrics, sort_keys=True, default=str)


def _value(config: Any, path: str) -> Any:
    for part in path.split("."):
        config = getattr(config, part)
    return config


@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.slow) if k.path in SLOW_KEYS else k
                                 for k in PERTURBABLE], ids=lambda k: k.path)
def test_every_key_changes_the_result_or_is_refused(key: KeyInfo, base: tuple[dict, dict]) -> None:
    from crossbar_sim.study.config import get_runner

    raw, reference = base
    runner = get_runner("esgnn")
    base_config = load_dataclass(ExperimentConfig, raw, "experiment")
    tried = []
    for value in _candidates(key, _value(base_config, key.path)):
        doc = copy.deepcopy(raw)
        set_dotted(doc, key.path, value)
        try:
            config = load_dataclass(ExperimentConfig, doc, "experiment")
        except ConfigError:
            continue  # not a valid value for this key: try the next
        try:
            runner.check_effective([config])
        except ConfigError as exc:
            assert key.path in inactive_keys(config), f"{key.path} refused but not documented: {exc}"
            message = str(exc)
            assert "\n" not in message and "runner esgnn" in message and key.path in message
            return
        if _result(config) != reference:
            return
        tried.append(value)
    pytest.fail(f"{key.path}: no valid value changed the result (tried {tried}); a dead knob, or list it in "
                "crossbar_sim.study.experiment.inactive_keys with the reason")


def test_the_inactive_list_is_what_refuses() -> None:
    """A documented inactive key is refused only away from its default, and named with its reason."""
    from crossbar_sim.study.config import get_runner

    runner = get_runner("esgnn")
    plain = ExperimentConfig()
    runner.check_effective([plain])  # defaults pass
    assert "hardware.array.wires.driver_ohm" in inactive_keys(plain)
    raw = {"hardware": {"array": {"wires": {"driver_ohm": 2.0}}}}
    with pytest.raises(ConfigError, match=r"experiment.hardware.array.wires.driver_ohm = 2.0: has no effect "
                                          r"in runner esgnn: hardware.array.ir_drop is false"):
        read_doc(raw)
    raw["hardware"]["array"]["ir_drop"] = True
    read_doc(raw)  # with IR drop on the wires matter


def test_a_sweep_may_set_a_key_that_some_points_use() -> None:
    """The percentile is inactive with an ideal ADC, but other points of the study use it."""
    from crossbar_sim.study.config import get_runner

    runner = get_runner("esgnn")
    adc = {"range_mode": "calibrated", "percentile": 99.0}
    configs = [load_dataclass(ExperimentConfig, {"hardware": {"adc": {"bits": bits, **adc}}})
               for bits in (None, 8)]
    runner.check_effective(configs)
    with pytest.raises(ConfigError, match="has no effect in runner esgnn: the ADC is ideal"):
        runner.check_effective(configs[:1])
    assert not math.isnan(configs[1].hardware.adc.percentile)


def read_doc(experiment: dict) -> ExperimentConfig:
    from crossbar_sim.study.config import parse_experiment_document

    return parse_experiment_document({"experiment": experiment}).base_config()
