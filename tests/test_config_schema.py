"""Typed config loading: types, units, presets, error messages, round trips."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossbar_sim.study.config import (
    ALLOW_NONFINITE,
    ConfigError,
    dump_dataclass,
    load_dataclass,
    parse_yaml,
    register_preset,
)
from device_models.errors import check_nonnegative, check_positive


@dataclass(frozen=True)
class ReadNoise:
    relative_sigma: float = 0.02

    def __post_init__(self) -> None:
        check_nonnegative("relative_sigma", self.relative_sigma)


@dataclass(frozen=True)
class Device:
    conductance_S: float = 100e-6
    read_voltage_V: float = 0.2
    pulse_width_s: float = 10e-9
    full_scale_A: float = 1e-4
    energy_J: float = 1e-12
    resistance_ohm: float = 1e3
    read_noise: ReadNoise = field(default_factory=ReadNoise)
    levels_S: tuple[float, ...] = (0.0, 1e-4)
    model: Literal["linear", "exponential"] = "linear"
    drift_t0_s: float | None = None
    limit: float = field(default=math.inf, metadata={ALLOW_NONFINITE: True})

    def __post_init__(self) -> None:
        check_positive("conductance_S", self.conductance_S)


@dataclass(frozen=True)
class Top:
    name: str
    rows: int = 64
    verbose: bool = False
    device: Device = field(default_factory=Device)
    arrays: dict[str, Device] = field(default_factory=dict)


register_preset(Device, "hfo2", Device(conductance_S=50e-6, model="exponential"))
register_preset(ReadNoise, "noisy", {"relative_sigma": 0.1})


def test_nested_types_and_units_convert_to_si() -> None:
    top = load_dataclass(Top, parse_yaml("""
name: a
rows: 128
verbose: true
device:
  conductance_uS: 100
  read_voltage_mV: 150
  pulse_width_ns: 20
  full_scale_uA: 50
  energy_pJ: 2.5
  resistance_kohm: 10
  levels_uS: [10, 20]
  model: exponential
  drift_t0_s: 1
  read_noise: {relative_sigma: 0.05}
arrays:
  W_in: {conductance_S: 1e-5}
"""))
    d = top.device
    assert (top.rows, top.verbose) == (128, True)
    assert d.conductance_S == 1e-4
    assert d.read_voltage_V == 0.15
    assert d.pulse_width_s == 2e-8
    assert d.full_scale_A == 5e-5
    assert d.energy_J == 2.5e-12
    assert d.resistance_ohm == 1e4
    assert d.levels_S == (1e-5, 2e-5)
    assert d.model == "exponential" and d.drift_t0_s == 1.0 and isinstance(d.drift_t0_s, float)
    assert d.read_noise.relative_sigma == 0.05
    assert top.arrays["W_in"].conductance_S == 1e-5


@dataclass(frozen=True)
class Rates:
    scale_per_S: float = 1.0
    bandwidth_B_per_s: float = 1.0
    fom_J_per_step: float = 1.0


def test_denominator_rate_and_count_units_convert_as_in_technology_presets() -> None:
    rates = load_dataclass(Rates, {"scale_per_uS": 2, "bandwidth_GBps": 3, "fom_fJ_per_step": 50})
    assert rates.scale_per_S == 2e6 and rates.bandwidth_B_per_s == 3e9 and rates.fom_J_per_step == 50e-15


def dev(**keys: object) -> dict:
    return {"name": "a", "device": keys}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (dev(read_noise={"relative_sigma": -0.1}), "device.read_noise.relative_sigma = -0.1: must be >= 0"),
        (dev(conductance_uS=-5), "device.conductance_uS = -5: must be > 0 (in SI: conductance_S = -5e-06)"),
        (dev(condutance_S=1), "device.condutance_S: unknown key in Device (did you mean 'conductance_S'?)"),
        ({}, "name: required key is missing in Top"),
        ({"name": "a", "rows": True}, "rows = True: must be an integer"),
        ({"name": "a", "rows": 2.0}, "rows = 2.0: must be an integer"),
        ({"name": "a", "verbose": 1}, "verbose = 1: must be true or false"),
        (dev(read_voltage_V=math.nan), "device.read_voltage_V = nan: must be a finite number"),
        (dev(read_voltage_V="0.2"), "device.read_voltage_V = '0.2': must be a finite number"),
        (dev(model="cubic"), "device.model = 'cubic': must be one of 'linear', 'exponential'"),
        (dev(levels_S=[0, "x"]), "device.levels_S[1] = 'x': must be a finite number"),
        (dev(conductance_S=1, conductance_uS=1), "device.conductance_uS: sets conductance_S again"),
        (dev(model_uS=1), "device.model_uS: unknown key"),
        ({"name": "a", "device": 3}, "device = 3: must be a mapping of Device keys"),
        (dev(preset="hfo"), "device.preset = 'hfo': must be one of hfo2 (did you mean 'hfo2'?)"),
        ({"name": "a", "arrays": {"W": {"x": 1}}}, "arrays.W.x: unknown key in Device"),
        (dev(drift_t0_s=[1]), "device.drift_t0_s = [1]: must be a finite number"),
    ],
)
def test_errors_name_the_path_value_and_rule(data: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_dataclass(Top, data)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_nonfinite_allowed_only_where_documented() -> None:
    top = load_dataclass(Top, {"name": "a", "device": {"limit": -math.inf}})
    assert top.device.limit == -math.inf


def test_presets_start_a_section_and_keys_override() -> None:
    top = load_dataclass(Top, {"name": "a", "device": {"preset": "hfo2", "conductance_uS": 20,
                                                       "read_noise": {"preset": "noisy"}}})
    assert top.device.model == "exponential"
    assert top.device.conductance_S == 2e-5
    assert top.device.read_noise.relative_sigma == 0.1


def test_yaml_errors_name_file_and_line() -> None:
    with pytest.raises(ConfigError, match=r"^exp.yaml:3:\d+: YAML syntax error"):
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "exp.yaml")
    with pytest.raises(ConfigError, match=r"^exp.yaml:2: key 'a' appears twice"):
        parse_yaml("a: 1\na: 2\n", "exp.yaml")
    assert parse_yaml("x: 1e-3") == {"x": 0.001}


finite = st.floats(min_value=1e-15, max_value=1e6, allow_nan=False)


@given(
    g=finite, v=finite, sigma=st.floats(0, 10), levels=st.lists(finite, max_size=4),
    model=st.sampled_from(["linear", "exponential"]), rows=st.integers(-5, 5000),
    t0=st.none() | finite, names=st.lists(st.text(min_size=1, max_size=5), max_size=3, unique=True),
)
def test_dump_then_load_round_trips(g, v, sigma, levels, model, rows, t0, names) -> None:
    device = Device(conductance_S=g, read_voltage_V=v, read_noise=ReadNoise(sigma), levels_S=tuple(levels),
                    model=model, drift_t0_s=t0)
    top = Top(name="x", rows=rows, device=device, arrays={n: Device(conductance_S=g) for n in names})
    assert load_dataclass(Top, dump_dataclass(top)) == top
