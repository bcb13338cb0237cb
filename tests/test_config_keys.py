"""`crossbar-sim keys`: every config key with type, unit, default, allowed values and meaning."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from crossbar_sim.cli import main
from crossbar_sim.study.config.keys import config_keys, field_meanings, format_keys, unit_of
from crossbar_sim.study.experiment import ExperimentConfig
from device_models.errors import check_int, check_positive

DOCS = Path(__file__).resolve().parent.parent / "docs" / "keys.md"


@pytest.mark.parametrize(("name", "unit"), [
    ("read_voltage_V", "V"), ("g_max_S", "S"), ("wordline_segment_ohm", "Ω"), ("train_time_s", "s"),
    ("full_scale_A", "A"), ("input_scale_per_S", "1/S"), ("adc_walden_fom_J_per_step", "J/step"),
    ("relative_sigma", ""), ("bits", ""), ("max_rows", ""),
])
def test_unit_of_reads_the_si_suffix(name: str, unit: str) -> None:
    assert unit_of(name) == unit


@dataclass(frozen=True)
class _Probe:
    """A config for the tests.

    Attributes:
        width_m, height_m: size of the thing in metres. Further detail
            on a second line.
        count: how many. E.g. three.
    """

    width_m: float = 1.0
    height_m: float = 2.0
    count: int = 3
    label: str = "x"

    def __post_init__(self) -> None:
        check_positive("width_m", self.width_m)
        check_int("count", self.count, minimum=1, maximum=9)


def test_meanings_units_defaults_and_probed_ranges() -> None:
    assert field_meanings(_Probe) == {"width_m": "size of the thing in metres", "height_m":
                                      "size of the thing in metres", "count": "how many"}
    keys = {k.path: k for k in config_keys(_Probe, "p.")}
    assert list(keys) == ["p.width_m", "p.height_m", "p.count", "p.label"]
    assert (keys["p.width_m"].unit, keys["p.width_m"].default, keys["p.width_m"].allowed) == ("m", 1.0,
                                                                                              "must be > 0")
    assert keys["p.height_m"].allowed == "any finite number"
    assert "1" in keys["p.count"].allowed and "9" in keys["p.count"].allowed
    assert keys["p.label"].allowed == "any" and keys["p.label"].meaning == ""


def test_every_experiment_key_is_documented() -> None:
    keys = config_keys(ExperimentConfig)
    assert len(keys) > 40
    assert [k.path for k in keys if not k.meaning] == []


def test_cli_lists_read_noise_with_unit_and_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "--json"]) == 0
    rows = {row["path"]: row for row in json.loads(capsys.readouterr().out)}
    sigma = rows["experiment.hardware.read_noise.relative_sigma"]
    assert sigma["allowed"] == "must be >= 0" and sigma["type"] == "float" and sigma["meaning"]
    assert rows["experiment.hardware.array.read_voltage_V"]["unit"] == "V"
    assert main(["keys"]) == 0
    assert "experiment.hardware.adc.bits" in capsys.readouterr().out
    assert main(["keys", "--runner", "nope"]) == 2
    assert "--runner = 'nope'" in capsys.readouterr().err


def test_docs_table_is_current() -> None:
    """docs/keys.md is `crossbar-sim keys --markdown` (regenerate it with that command)."""
    expected = format_keys(config_keys(ExperimentConfig, "experiment."), markdown=True) + "\n"
    assert DOCS.read_text(encoding="utf-8") == expected, "run: crossbar-sim keys --markdown > docs/keys.md"
