"""Human names and display units for the dotted keys of sweeps: parameters and metric columns.

:func:`quantity` gives a key's label, display unit and the factor from the stored value to that unit:
known keys from :data:`KNOWN` (``hardware.adc.bits`` → "ADC resolution (bits)"), accuracies and
fractions in percent, energy-report columns by component, phase and array, and any other key as a
readable form of its last part with the unit of its SI suffix (``_V``, ``_ohm``, ``_mV``, ...).
SI units get an engineering prefix chosen for the plotted values (:meth:`Quantity.scaled`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from crossbar_sim.common.units import si_key

_PREFIXES = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}
_SI_UNITS = {"V": "V", "A": "A", "S": "S", "ohm": "Ω", "s": "s", "J": "J", "W": "W", "F": "F", "m": "m",
             "Hz": "Hz", "B": "B"}


@dataclass(frozen=True)
class Quantity:
    """How to show one key: ``label``, display ``unit``, ``scale`` (stored value × scale = value in
    ``unit``) and whether ``unit`` is an SI unit that takes an engineering prefix."""

    label: str
    unit: str = ""
    scale: float = 1.0
    si: bool = False

    def unit_for(self, values: Iterable[float], prefix: bool = True) -> tuple[str, float]:
        """The display unit and the factor from stored values to it; an SI unit gets the engineering
        prefix that puts the largest |value| in [1, 1000), unless ``prefix`` is false (log axes)."""
        if not (self.si and prefix):
            return self.unit, self.scale
        top = max((abs(v) * self.scale for v in values if math.isfinite(v)), default=0.0)
        exponent = 3 * math.floor(math.log10(top) / 3) if top > 0 else 0
        exponent = min(max(exponent, min(_PREFIXES)), max(_PREFIXES))
        return _PREFIXES[exponent] + self.unit, self.scale / 10.0**exponent

    def scaled(self, values: Iterable[float], prefix: bool = True) -> tuple[str, float]:
        """Axis label ``label (unit)`` for ``values`` and the factor from stored values (:meth:`unit_for`)."""
        unit, factor = self.unit_for(values, prefix)
        return (f"{self.label} ({unit})" if unit else self.label), factor

    def text(self, value: object) -> str:
        """One value with its unit, for legends: ``6 bits``, ``2 %``, ``150 mV``."""
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return str(value)
        unit, factor = self.unit_for([value])
        return f"{value * factor:g} {unit}".strip()


KNOWN: dict[str, Quantity] = {
    "hardware.read_noise.relative_sigma": Quantity("Read noise σ/G", "%", 100.0),
    "hardware.read_noise.mode": Quantity("Read-noise model"),
    "hardware.adc.bits": Quantity("ADC resolution", "bits"),
    "hardware.adc.range_mode": Quantity("ADC range"),
    "hardware.adc.percentile": Quantity("ADC range percentile", "%"),
    "hardware.input.bits": Quantity("Input resolution", "bits"),
    "hardware.input.mode": Quantity("Input encoding"),
    "hardware.array.max_rows": Quantity("Tile rows (max)"),
    "hardware.array.max_cols": Quantity("Tile columns (max)"),
    "hardware.array.read_voltage_V": Quantity("Read voltage", "V", si=True),
    "hardware.array.wires.wordline_segment_ohm": Quantity("Word-line segment resistance", "Ω", si=True),
    "hardware.array.wires.bitline_segment_ohm": Quantity("Bit-line segment resistance", "Ω", si=True),
    "hardware.array.wires.driver_ohm": Quantity("Driver resistance", "Ω", si=True),
    "hardware.array.wires.sense_ohm": Quantity("Sense-line resistance", "Ω", si=True),
    "hardware.mapping.mode": Quantity("Weight mapping"),
    "hardware.train_time_s": Quantity("Training read time after forming", "s", si=True),
    "hardware.inference_times_s": Quantity("Inference time after forming", "s", si=True),
    "hardware.drift_compensation": Quantity("Drift compensation"),
    "device.programming_voltage_V": Quantity("Forming voltage", "V", si=True),
    "device.drift.exponent_mean": Quantity("Drift exponent ν (mean)"),
    "device.drift.exponent_std": Quantity("Drift exponent ν (spread)"),
    "workload.reservoir.units": Quantity("Reservoir units"),
    "workload.reservoir.iterations": Quantity("Reservoir iterations"),
    "workload.weights.recurrent_scale_per_S": Quantity("Recurrent weight scale", "S⁻¹"),
    "workload.weights.input_unformed_fraction": Quantity("W_I unformed cells", "%", 100.0),
    "workload.weights.recurrent_unformed_fraction": Quantity("W_H unformed cells", "%", 100.0),
    "accuracy.mean": Quantity("Hardware accuracy", "%", 100.0),
    "accuracy.std": Quantity("Hardware accuracy spread over array sets", "%", 100.0),
    "baseline_accuracy.mean": Quantity("Software baseline accuracy", "%", 100.0),
    "baseline_accuracy.std": Quantity("Software baseline spread over array sets", "%", 100.0),
    "energy.analog_J": Quantity("Analogue system energy", "J", si=True),
    "energy.gpu_J": Quantity("GPU energy", "J", si=True),
    "energy.ratio": Quantity("GPU / analogue energy", "×"),
    "latency_s": Quantity("Latency", "s", si=True),
    "wall_s": Quantity("Simulation wall time", "s", si=True),
    "arrays.tiles_total": Quantity("Physical tiles (W_I + W_H)"),
    "arrays.adc_clipped_fraction": Quantity("Clipped ADC conversions", "%", 100.0),
    "run_wall_s": Quantity("Simulation wall time", "s", si=True),
}

_WORDS = {"adc": "ADC", "dac": "DAC", "tia": "TIA", "gpu": "GPU", "ir": "IR", "hbm": "HBM", "pcie": "PCIe"}
_STATS = {"mean": "", "std": "spread", "median": "median"}
_GENERIC = {"per_repeat", "sigma", "bits", "mode", "ratio"}  # last parts that need their parent's name


def _words(name: str) -> str:
    """``adc_tia`` → ``ADC + TIA``; ``input_projection`` → ``input projection``; ``W_H`` kept."""
    if re.fullmatch(r"[A-Z]_[A-Z]", name):
        return name
    if name == "adc_tia":
        return "ADC + TIA"
    if name == "driver_dac":
        return "driver + DAC"
    return " ".join(_WORDS.get(w, w) for w in name.strip("()").split("_"))


def _sentence(text: str) -> str:
    return text if re.match(r"[A-Z]_[A-Z]\b", text) else text[:1].upper() + text[1:]


def _unit_of(name: str) -> tuple[str, Quantity | None]:
    """``name`` without its unit suffix, and the quantity of that unit (None without one)."""
    si, exponent = si_key(name)
    base, _, unit = si.rpartition("_")
    if si == name and unit not in _SI_UNITS or not base:
        return name, None
    return base, Quantity("", _SI_UNITS[unit], 10.0**exponent, si=True)


def _energy_label(words: list[str]) -> str | None:
    """Labels of the energy-report columns of :mod:`crossbar_sim.study.sweep.columns`."""
    names = [_unit_of(w)[0] for w in words]
    if names[:2] == ["energy_report", "gpu"] and len(names) == 3:
        return f"GPU {_words(names[2])}" + (" energy" if words[2].endswith("_J") else "")
    if names[:2] != ["energy_report", "analog"]:
        return None
    if names[2:] == ["total"]:
        return "Analogue reservoir energy"
    if len(names) == 4 and names[2] in ("by_component", "by_phase", "by_array"):
        return f"{_words(names[3])} energy (reservoir)"
    if len(names) == 6 and names[2] == "entries":
        phase, array, component = names[3:]
        return f"{_words(array)} {_words(phase)}: {_words(component)} energy"
    return None


def quantity(key: str) -> Quantity:
    """The label and unit of a parameter key (``hardware.adc.bits``) or metric column."""
    key = key.removeprefix("param.")
    if key in KNOWN:
        return KNOWN[key]
    *head, last = key.split(".")
    si_last, exponent = si_key(last)
    if exponent and ".".join([*head, si_last]) in KNOWN:  # hardware.array.read_voltage_mV
        known = KNOWN[".".join([*head, si_last])]
        return replace(known, scale=known.scale * 10.0**exponent)
    indices = [p for p in key.split(".") if p.isdigit()]
    words = [p for p in key.split(".") if not p.isdigit()]
    stat = words.pop() if len(words) > 1 and words[-1] in _STATS else None
    name, unit = _unit_of(words[-1])
    label = _energy_label(words)
    if label is None and unit is None and len(words) > 1 and _unit_of(words[-2])[1] is not None:
        parent, unit = _unit_of(words[-2])  # energy_report.latency_s.analog: "analog latency" in s
        label = f"{_words(name)} {_words(parent)}"
    elif label is None and len(words) > 1 and (re.fullmatch(r"[A-Z]_[A-Z]", name) or name == "total"):
        label = f"{name} {_words(words[-2])}"  # tiles.W_H: "W_H tiles"
    elif label is None and len(words) > 1 and name in _GENERIC:
        label = f"{_words(words[-2])} {_words(name)}"  # accuracy.per_repeat.0: "accuracy per repeat #0"
    label = _sentence(label or _words(name))
    if stat and _STATS[stat]:
        label += f" ({_STATS[stat]})"
    if indices:
        label += " #" + ".".join(indices)
    if "accura" in key or name.endswith(("fraction", "relative_sigma")):
        return Quantity(label, "%", 100.0)
    if unit is None:
        return Quantity(label)
    return replace(unit, label=label)
