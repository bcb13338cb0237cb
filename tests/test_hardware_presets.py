"""Hardware presets as data: `hardware: {preset: wang2023-esgnn}`, each value with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossbar_sim.study.config import ConfigError, load_dataclass
from crossbar_sim.study.experiment import HARDWARE_PRESETS, ExperimentConfig, hardware_preset


def test_presets_load_and_overrides_win() -> None:
    paper = load_dataclass(ExperimentConfig, {"hardware": {"preset": "wang2023-esgnn", "adc": {"bits": 6}}})
    assert paper.hardware.mapping.mode == "offset" and paper.hardware.input.bits == 4
    assert paper.hardware.adc.bits == 6 and paper.hardware.adc.range_mode == "calibrated"
    generic = load_dataclass(ExperimentConfig, {"hardware": {"preset": "generic"}})
    assert generic.hardware == ExperimentConfig().hardware  # the generic preset is the documented default


@pytest.mark.parametrize("path", sorted(HARDWARE_PRESETS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_preset_value_has_a_source(path: Path) -> None:
    assert hardware_preset(path)  # raises when a value has no source


def test_a_value_without_a_source_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("values:\n  adc: {bits: 6}\n  input: {bits: 3}\nsources:\n  adc.bits: assumed\n")
    with pytest.raises(ConfigError, match="values without a source: input.bits"):
        hardware_preset(bad)


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"hardware.preset = 'wang2023': must be one of generic, "
                                          r"wang2023-esgnn \(did you mean 'wang2023-esgnn'\?\)"):
        load_dataclass(ExperimentConfig, {"hardware": {"preset": "wang2023"}})
