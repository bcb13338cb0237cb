"""Technology table: energy and time of every priced event, loaded from a YAML preset.

The YAML presets are the only source of the constants: the dataclasses have no defaults. A preset has
two sections, ``analog`` (the resistive-memory system) and ``gpu`` (the digital baseline). Every entry
is ``key: {value: <number>, source: <citation or reason>}``; keys carry engineering units
(``read_pulse_width_ns``, ``digital_add_pJ``) and are converted to SI field names
(``read_pulse_width_s``, ``digital_add_J``) by :mod:`crossbar_sim.common.units`. A preset may say
``extends: <preset name>`` and give only the entries it changes. A preset with fitted entries says what
they were fitted on under ``calibration:`` (inherited by a preset that extends it); every report, JSON and
plot priced with it shows that text. The shipped presets (the YAML files in
``crossbar_sim/energy/presets``) are registered as the named values of :class:`Technology` in
:mod:`crossbar_sim.common.registry`; others can be registered there too.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from crossbar_sim.common import registry
from crossbar_sim.common.units import si_key, to_si
from device_models.errors import ParameterError, check_int, check_nonnegative, check_positive

PRESETS = resources.files("crossbar_sim.energy") / "presets"
TOP_LEVEL_KEYS = ("name", "description", "calibration", "extends", "analog", "gpu")


class _Table:
    """The rule shared by the technology tables: integers >= 1, times and rates > 0, energies >= 0."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.type == "int":
                check_int(f.name, value, minimum=1)
            elif f.name.endswith(("_s", "_per_s")):
                check_positive(f.name, value)
            else:
                check_nonnegative(f.name, value)


@dataclass(frozen=True)
class AnalogTechnology(_Table):
    """Per-event energies (J), times (s) and areas (µm², fields ending ``_um2``) of the resistive-memory
    system, derived from a node's constants.

    - ADC: Walden figure of merit with the effective resolution, E = FOM_W · 2^ENOB per conversion,
      ENOB = bits − ``adc_enob_loss_bits`` (R. H. Walden, IEEE JSAC 17, 539 (1999); B. Murmann, "ADC
      Performance Survey"); a SAR conversion takes one comparison per bit, ``bits · adc_time_per_bit_s``;
      area ``adc_area_per_step_um2 · 2^ENOB``.
    - TIA (one per sense node): its output swings the sense node's load, the sensed line's wire
      capacitance (cells on the node × C per cell) plus the ADC's input capacitance, once per conversion:
      E = C·V_DD².
    - Driven lines: C·V² of the line's wire at the pulse voltage (C per cell × the cells on the line) plus
      the driver's input capacitance at V_DD per pulse. C per cell = ``wire_capacitance_F_per_m`` × the
      cell pitch F·√(``cell_area_F2``).
    - DAC: a binary capacitive DAC switching 2^bits unit capacitors from V_DD, E = 2^bits·C_u·V_DD².
    An ideal read (ADC key 0) is priced as a conversion at ``ideal_adc_bits``, and so is an ideal
    (unquantised) input voltage (DAC key 0).
    """

    feature_size_m: float
    cell_area_F2: float
    supply_voltage_V: float
    read_pulse_width_s: float
    wire_capacitance_F_per_m: float
    driver_input_capacitance_F: float
    dac_unit_capacitance_F: float
    adc_walden_fom_J_per_step: float
    adc_enob_loss_bits: float
    adc_time_per_bit_s: float
    adc_input_capacitance_F: float
    ideal_adc_bits: int
    parallel_tiles: int
    adc_area_per_step_um2: float
    tia_area_um2: float
    driver_area_um2: float
    dac_area_per_step_um2: float
    accumulator_area_um2: float
    digital_add_J: float
    digital_mul_J: float
    digital_mac_J: float
    digital_activation_J: float
    digital_compare_J: float
    digital_shift_add_J: float
    digital_throughput_ops_per_s: float
    transfer_energy_per_byte_J: float
    transfer_bandwidth_B_per_s: float

    def priced_bits(self, bits: int) -> int:
        """The resolution a conversion at ``bits`` is priced at (0, an ideal read, at ideal_adc_bits)."""
        return check_int("bits", bits, minimum=0, maximum=24) or self.ideal_adc_bits

    def enob(self, bits: int) -> float:
        """Effective bits of a ``bits`` conversion (0 = ideal read, at ideal_adc_bits), at least 0."""
        return max(self.priced_bits(bits) - self.adc_enob_loss_bits, 0.0)

    def adc_energy_J(self, bits: int) -> float:
        """ADC energy of one conversion at ``bits``: FOM_W · 2^ENOB."""
        return self.adc_walden_fom_J_per_step * 2.0 ** self.enob(bits)

    def adc_conversion_time_s(self, bits: int) -> float:
        """SAR conversion time at ``bits``: one comparison per bit."""
        return self.priced_bits(bits) * self.adc_time_per_bit_s

    @property
    def line_capacitance_per_cell_F(self) -> float:
        """Wire capacitance of one cell pitch of an array line, F."""
        return self.wire_capacitance_F_per_m * self.feature_size_m * self.cell_area_F2**0.5

    def tia_energy_J(self, node_cells: int) -> float:
        """TIA energy of one conversion of a sense node with ``node_cells`` cells on it."""
        load = node_cells * self.line_capacitance_per_cell_F + self.adc_input_capacitance_F
        return load * self.supply_voltage_V**2

    def driver_energy_J(self, row_pulses: int, driven_cells_V2: float) -> float:
        """Energy of ``row_pulses`` line pulses charging their lines to Σ V²·cells = ``driven_cells_V2``."""
        return (row_pulses * self.driver_input_capacitance_F * self.supply_voltage_V**2
                + driven_cells_V2 * self.line_capacitance_per_cell_F)

    def dac_energy_J(self, bits: int) -> float:
        """Energy of one DAC conversion at ``bits`` (0 = ideal voltages, priced at ideal_adc_bits)."""
        return 2.0 ** self.priced_bits(bits) * self.dac_unit_capacitance_F * self.supply_voltage_V**2

    def digital_energy_J(self, op: str) -> float:
        """Energy of one digital operation ``op`` (a ledger op name or ``shift_add``)."""
        name = f"digital_{op}_J"
        if not hasattr(self, name):
            raise ParameterError("op", op, "must be add, mul, mac, activation, compare or shift_add")
        return float(getattr(self, name))

    def read_cycle_s(self, cols_per_tile: int, columns_per_adc: int, bits: int) -> float:
        """One read cycle of a tile: the pulse, then min(cols, columns_per_adc) sequential conversions at
        ``bits`` (each ADC serves ``columns_per_adc`` multiplexed columns; all ADCs convert in parallel)."""
        check_int("cols_per_tile", cols_per_tile, minimum=1)
        check_int("columns_per_adc", columns_per_adc, minimum=1)
        sequential = min(cols_per_tile, columns_per_adc)
        return self.read_pulse_width_s + sequential * self.adc_conversion_time_s(bits)


@dataclass(frozen=True)
class GpuTechnology(_Table):
    """GPU baseline: energy per operation (1 MAC = 2 ops) and per byte moved over PCIe/HBM."""

    energy_per_op_J: float
    transfer_energy_per_byte_J: float


@dataclass(frozen=True)
class Technology:
    """A named preset: analogue system table, GPU baseline table, the source of each entry
    (``("analog.digital_add_J", "Horowitz: ...")``, by SI key) and, for a calibrated preset, what its
    fitted constants were calibrated on (empty for a preset with no fitted constant)."""

    name: str
    analog: AnalogTechnology
    gpu: GpuTechnology
    sources: tuple[tuple[str, str], ...] = ()
    description: str = ""
    calibration: str = ""


def _section(cls: type, raw: Any, section: str, base: Technology | None) -> tuple[Any, dict[str, str]]:
    """The table ``cls`` from the entries ``raw`` over those of ``base``, and the source of every entry."""
    if not isinstance(raw, dict):
        raise ParameterError(section, raw, "must be a mapping of key: {value, source}")
    allowed = {f.name: f for f in fields(cls)}
    inherited = getattr(base, section, None)
    values: dict[str, Any] = {n: getattr(inherited, n) for n in allowed} if inherited is not None else {}
    sources = {w: src for w, src in base.sources if w.startswith(f"{section}.")} if base is not None else {}
    given: dict[str, tuple[str, Any]] = {}  # SI name -> (YAML key, value as written)
    for key, entry in raw.items():
        name, exponent = si_key(str(key))
        where = f"{section}.{key}"
        if name not in allowed:
            raise ParameterError(where, entry, "unknown key; allowed (SI names): " + ", ".join(allowed))
        if name in given:
            raise ParameterError(where, entry, f"sets {name} again (already set by '{given[name][0]}')")
        if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
            raise ParameterError(where, entry, "must be a mapping with 'value' and a non-empty 'source'")
        value = entry["value"]
        if allowed[name].type == "int":
            values[name] = check_int(where, value, minimum=1)
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ParameterError(where, value, "must be a number")
            values[name] = to_si(float(value), exponent)
        given[name] = (str(key), value)
        sources[f"{section}.{name}"] = str(entry["source"])
    missing = [n for n in allowed if n not in values]
    if missing:
        raise ParameterError(f"{section}.{missing[0]}", "<missing>",
                             "required: give it, or extend a preset that has it (extends: <name>)")
    try:
        return cls(**values), sources
    except ParameterError as exc:
        key, value = given.get(exc.name, (exc.name, exc.value))
        raise ParameterError(f"{section}.{key}", value, exc.allowed) from None


def technology_from_dict(data: dict[str, Any]) -> Technology:
    """Build a :class:`Technology` from a parsed preset (see the module docstring for the layout)."""
    if not isinstance(data, dict) or "name" not in data:
        raise ParameterError("preset", data, "must be a mapping with 'name', 'analog' and 'gpu'")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ParameterError(f"preset.{key}", data[key],
                                 "unknown key; allowed: " + ", ".join(TOP_LEVEL_KEYS))
    base = registry.lookup(Technology, data["extends"], "extends") if "extends" in data else None
    analog, s1 = _section(AnalogTechnology, data.get("analog", {}), "analog", base)
    gpu, s2 = _section(GpuTechnology, data.get("gpu", {}), "gpu", base)
    description = data.get("description", base.description if base is not None else "")
    calibration = data.get("calibration", base.calibration if base is not None else "")
    return Technology(str(data["name"]), analog, gpu, (*s1.items(), *s2.items()), str(description),
                      str(calibration))


def _read_preset(file: Any) -> Technology:
    """The preset in YAML file ``file`` (a path or a package resource)."""
    return technology_from_dict(yaml.safe_load(file.read_text(encoding="utf-8")))


def load_technology(name_or_path: str | Path) -> Technology:
    """A registered preset by name (shipped: ``"cited-40nm"``, ``"paper-esgnn-2023"``, …) or a YAML path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return _read_preset(path)
    return registry.lookup(Technology, str(name_or_path), "technology", or_else="a YAML file path")


def _register_shipped_presets() -> None:
    for file in PRESETS.iterdir():
        name, suffix = os.path.splitext(file.name)
        if suffix == ".yaml":
            registry.register_loader(Technology, name, functools.partial(_read_preset, file))


_register_shipped_presets()
