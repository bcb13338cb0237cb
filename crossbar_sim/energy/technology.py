"""Technology table: energy and time of every priced event, loaded from a YAML preset.

A preset has two sections, ``analog`` (the resistive-memory system) and ``gpu`` (the digital
baseline). Every entry is ``key: {value: <number>, source: <citation or reason>}``; keys carry
engineering units (``read_pulse_width_ns``, ``digital_add_pJ``) and are converted to SI field names
(``read_pulse_width_s``, ``digital_add_J``) on load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from device_models.errors import ParameterError, check_int, check_nonnegative, check_positive

_UNITS: dict[str, tuple[str, float]] = {
    "ns": ("s", 1e-9),
    "us": ("s", 1e-6),
    "fJ": ("J", 1e-15),
    "pJ": ("J", 1e-12),
    "nJ": ("J", 1e-9),
    "GBps": ("B_per_s", 1e9),
    "Gops": ("ops_per_s", 1e9),
}
_KEY = re.compile(r"^(?P<base>.+)_(?P<unit>" + "|".join(_UNITS) + r")(?P<tail>_per_step)?$")


def si_key(key: str) -> tuple[str, float]:
    """Map a YAML key with an engineering unit to (SI field name, factor); unitless keys pass through."""
    m = _KEY.match(key)
    if not m:
        return key, 1.0
    unit, factor = _UNITS[m["unit"]]
    return f"{m['base']}_{unit}{m['tail'] or ''}", factor


@dataclass(frozen=True)
class AnalogTechnology:
    """Per-event energies (J) and times (s) of the resistive-memory system.

    ADC energy per conversion follows the Walden figure of merit, E = FOM_W · 2^bits
    (R. H. Walden, IEEE JSAC 17, 539 (1999); B. Murmann, "ADC Performance Survey 1997-2024").
    A multi-level DAC costs ``dac_energy_per_step_J · 2^bits`` per conversion (binary-weighted
    capacitive DAC: switched capacitance ∝ 2^bits). An ideal read (ADC key 0) is priced as a
    conversion at ``ideal_adc_bits``.
    """

    read_pulse_width_s: float = 10e-9
    driver_energy_per_row_pulse_J: float = 22e-15
    dac_energy_per_step_J: float = 1e-15
    adc_walden_fom_J_per_step: float = 50e-15
    tia_energy_per_conversion_J: float = 0.1e-12
    ideal_adc_bits: int = 8
    adc_conversion_time_s: float = 10e-9
    columns_per_adc: int = 8
    parallel_tiles: int = 16
    digital_add_J: float = 0.36e-12
    digital_mul_J: float = 0.98e-12
    digital_mac_J: float = 1.34e-12
    digital_activation_J: float = 2.68e-12
    digital_compare_J: float = 0.36e-12
    digital_shift_add_J: float = 0.045e-12
    digital_throughput_ops_per_s: float = 100e9
    transfer_energy_per_byte_J: float = 1.1e-12
    transfer_bandwidth_B_per_s: float = 10e9

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int":
                check_int(f.name, value, minimum=1)
            elif f.name.endswith(("_s", "_per_s")):
                check_positive(f.name, value)
            else:
                check_nonnegative(f.name, value)

    def adc_energy_J(self, bits: int) -> float:
        """TIA + ADC energy of one conversion at ``bits`` (0 = ideal read, priced at ideal_adc_bits)."""
        b = check_int("bits", bits, minimum=0, maximum=24) or self.ideal_adc_bits
        return self.adc_walden_fom_J_per_step * 2.0**b + self.tia_energy_per_conversion_J

    def dac_energy_J(self, bits: int) -> float:
        """Energy of one multi-level DAC conversion at ``bits`` (>= 1)."""
        b = check_int("bits", bits, minimum=1, maximum=24)
        return self.dac_energy_per_step_J * 2.0**b

    def digital_energy_J(self, op: str) -> float:
        """Energy of one digital operation ``op`` (a ledger op name or ``shift_add``)."""
        name = f"digital_{op}_J"
        if not hasattr(self, name):
            raise ParameterError("op", op, "must be add, mul, mac, activation, compare or shift_add")
        return float(getattr(self, name))

    def read_cycle_s(self, cols_per_tile: int) -> float:
        """One read cycle of a tile: the pulse, then min(cols, columns_per_adc) sequential conversions
        (each ADC serves ``columns_per_adc`` multiplexed columns; all ADCs convert in parallel)."""
        check_int("cols_per_tile", cols_per_tile, minimum=1)
        return self.read_pulse_width_s + self.adc_conversion_time_s * min(cols_per_tile, self.columns_per_adc)


@dataclass(frozen=True)
class GpuTechnology:
    """GPU baseline: energy per operation (1 MAC = 2 ops) and per byte moved over PCIe/HBM."""

    energy_per_op_J: float = 0.480769e-12
    transfer_energy_per_byte_J: float = 31.2e-12

    def __post_init__(self) -> None:
        check_positive("energy_per_op_J", self.energy_per_op_J)
        check_nonnegative("transfer_energy_per_byte_J", self.transfer_energy_per_byte_J)


@dataclass(frozen=True)
class Technology:
    """A named preset: analogue system table, GPU baseline table and the sources of each entry."""

    name: str
    analog: AnalogTechnology
    gpu: GpuTechnology
    sources: tuple[tuple[str, str], ...] = ()
    description: str = ""


def _section(cls: type, raw: Any, section: str) -> tuple[Any, list[tuple[str, str]]]:
    if not isinstance(raw, dict):
        raise ParameterError(section, raw, "must be a mapping of key: {value, source}")
    allowed = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    sources: list[tuple[str, str]] = []
    for key, entry in raw.items():
        name, factor = si_key(key)
        where = f"{section}.{key}"
        if name not in allowed:
            raise ParameterError(where, entry, "unknown key; allowed (SI names): " + ", ".join(allowed))
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
            raise ParameterError(where, entry, "must be a mapping with 'value' and a non-empty 'source'")
        value = entry["value"]
        if allowed[name].type == "int":
            kwargs[name] = check_int(where, value, minimum=1)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(where, value, "must be a number")
            kwargs[name] = float(value) * factor
        sources.append((where, str(entry["source"])))
    return cls(**kwargs), sources


def technology_from_dict(data: dict[str, Any]) -> Technology:
    """Build a :class:`Technology` from a parsed preset (see the module docstring for the layout)."""
    if not isinstance(data, dict) or "name" not in data:
        raise ParameterError("preset", data, "must be a mapping with 'name', 'analog' and 'gpu'")
    analog, s1 = _section(AnalogTechnology, data.get("analog", {}), "analog")
    gpu, s2 = _section(GpuTechnology, data.get("gpu", {}), "gpu")
    return Technology(str(data["name"]), analog, gpu, tuple(s1 + s2), str(data.get("description", "")))


def preset_names() -> list[str]:
    """Names of the presets shipped with the package."""
    folder = resources.files("crossbar_sim.energy") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_technology(name_or_path: str | Path) -> Technology:
    """Load a shipped preset by name (e.g. ``"generic-40nm"``) or a YAML file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        text = path.read_text()
    elif str(name_or_path) in preset_names():
        text = (resources.files("crossbar_sim.energy") / "presets" / f"{name_or_path}.yaml").read_text()
    else:
        raise ParameterError("technology", str(name_or_path), "must be a preset name "
                             f"({', '.join(preset_names())}) or a YAML file path")
    return technology_from_dict(yaml.safe_load(text))
