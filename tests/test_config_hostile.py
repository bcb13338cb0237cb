"""Hostile config files: every one gives one ConfigError line, fast, with no traceback or hang."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crossbar_sim.study.config import ConfigError, load_yaml_file, parse_yaml
from crossbar_sim.study.config.errors import format_value
from crossbar_sim.study.config.yamlio import MAX_DEPTH, MAX_YAML_BYTES


def _bomb(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n"
    return text + f"experiment: {{name: *a{levels - 1}}}\n"


@pytest.mark.parametrize(("text", "fragment"), [
    (_bomb(), "expands to more than"),
    ("x: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", f"nested more than {MAX_DEPTH} levels"),
    ("experiment:\n  ? [a, b]\n  : 1\n", "keys must be plain scalars"),
    ('experiment:\n  name: "a\0b"\n', "unacceptable character"),
    ("experiment: {a: 1, a: 2}\n", "key 'a' appears twice"),
    ("x" * (MAX_YAML_BYTES + 1), f"larger than {MAX_YAML_BYTES} bytes"),
])
def test_hostile_text_is_one_bounded_error(text: str, fragment: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=fragment) as info:
        parse_yaml(text, "evil.yaml")
    assert "\n" not in str(info.value)
    assert time.perf_counter() - start < 5.0


def test_merge_keys_are_yaml_not_a_syntax_error() -> None:
    text = "experiment:\n  base: &b {bits: 6, percentile: 99.0}\n  adc:\n    <<: *b\n    bits: 8\n"
    data = parse_yaml(text)
    assert data["experiment"]["adc"] == {"bits": 8, "percentile": 99.0}


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        start = time.perf_counter()
        with pytest.raises(ConfigError, match="is not a regular file"):
            load_yaml_file(path)
        assert time.perf_counter() - start < 2.0
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_YAML_BYTES + 10))
    with pytest.raises(ConfigError, match="larger than"):
        load_yaml_file(big)


def test_error_values_are_shown_bounded() -> None:
    start = time.perf_counter()
    huge = [[list(range(10**4))] * 10**3] * 10**3  # a billion items by reference, like an alias bomb
    text = format_value(huge)
    assert len(text) <= 60 and time.perf_counter() - start < 1.0
    assert len(format_value(10**400)) <= 60


def test_numbers_beyond_the_types_are_refused() -> None:
    from crossbar_sim.study.config import load_dataclass
    from crossbar_sim.study.experiment import ExperimentConfig

    with pytest.raises(ConfigError, match="experiment.repeats = .*: must be an integer that fits in 64 bits"):
        load_dataclass(ExperimentConfig, {"repeats": 10**400}, "experiment")
    with pytest.raises(ConfigError, match="overflows a float"):
        load_dataclass(ExperimentConfig, {"hardware": {"array": {"read_voltage_V": 10**400}}}, "experiment")
