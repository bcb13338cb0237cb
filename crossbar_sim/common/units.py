"""Unit suffixes accepted in YAML keys: ``<base>_<unit>`` maps to the field ``<base>_<SI unit>``."""

from __future__ import annotations

# unit suffix -> (SI suffix, power of ten to convert to SI)
UNIT_SUFFIXES: dict[str, tuple[str, int]] = {
    "kS": ("S", 3), "mS": ("S", -3), "uS": ("S", -6), "nS": ("S", -9), "pS": ("S", -12),
    "kV": ("V", 3), "mV": ("V", -3), "uV": ("V", -6),
    "mA": ("A", -3), "uA": ("A", -6), "nA": ("A", -9), "pA": ("A", -12),
    "ms": ("s", -3), "us": ("s", -6), "ns": ("s", -9), "ps": ("s", -12),
    "mJ": ("J", -3), "uJ": ("J", -6), "nJ": ("J", -9), "pJ": ("J", -12), "fJ": ("J", -15),
    "kW": ("W", 3), "mW": ("W", -3), "uW": ("W", -6), "nW": ("W", -9),
    "GHz": ("Hz", 9), "MHz": ("Hz", 6), "kHz": ("Hz", 3),
    "Gohm": ("ohm", 9), "Mohm": ("ohm", 6), "kohm": ("ohm", 3), "mohm": ("ohm", -3),
    "mm": ("m", -3), "um": ("m", -6), "nm": ("m", -9),
}


def si_key(key: str) -> tuple[str, int]:
    """The SI spelling of ``key`` and the power of ten converting its values (``("x_S", -6)`` for ``x_uS``).

    Keys without a known unit suffix are returned unchanged with exponent 0.
    """
    base, sep, unit = key.rpartition("_")
    if sep and base and unit in UNIT_SUFFIXES:
        si_unit, exponent = UNIT_SUFFIXES[unit]
        return f"{base}_{si_unit}", exponent
    return key, 0


def to_si(value: float, exponent: int) -> float:
    """``value × 10**exponent``, dividing for negative exponents so that ``100 uS`` is exactly ``1e-4``."""
    if exponent >= 0:
        return value * 10.0**exponent
    return value / 10.0 ** (-exponent)
