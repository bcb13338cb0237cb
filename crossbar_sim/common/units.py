"""Unit suffixes of keys, one table for every YAML file (experiment configs and technology presets).

A key ``<base>_<unit>`` stands for the field ``<base>_<SI unit>``, its values scaled to SI
(``conductance_uS`` → ``conductance_S``, ×10⁻⁶). A ``_per_<x>`` tail is kept: after a unit it names a
count (``adc_walden_fom_fJ_per_step`` → ``adc_walden_fom_J_per_step``); as a unit itself it is the
denominator, so its prefix divides (``scale_per_uS`` → ``scale_per_S``, ×10⁶). Units are SI prefixes
(f p n u m k M G T) times V, A, S, ohm, s, J, W, F, m, B (bytes), Hz and Bps (bytes per second), plus
prefixed ops (Gops: operations per second, as in GOPS; a bare ``_ops`` is a count, not a unit).
"""

from __future__ import annotations

PREFIXES: dict[str, int] = {
    "f": -15, "p": -12, "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12,
}

# unit symbol -> its SI spelling in field names
UNITS: dict[str, str] = {
    "V": "V", "A": "A", "S": "S", "ohm": "ohm", "s": "s", "J": "J", "W": "W", "F": "F", "m": "m",
    "B": "B", "Hz": "Hz", "Bps": "B_per_s", "ops": "ops_per_s",
}

# prefixed unit -> (SI spelling, power of ten converting its values to SI)
UNIT_SUFFIXES: dict[str, tuple[str, int]] = {
    prefix + unit: (si, exponent)
    for prefix, exponent in PREFIXES.items()
    for unit, si in UNITS.items()
    if prefix or unit != "ops"
}

_PER = "_per_"


def si_key(key: str) -> tuple[str, int]:
    """The SI spelling of ``key`` and the power of ten converting its values (``("x_S", -6)`` for ``x_uS``).

    Keys without a unit are returned unchanged with exponent 0.
    """
    head, per, tail = key.rpartition(_PER)
    if not per or not head or "_" in tail:
        head, tail = key, None
    base, sep, unit = head.rpartition("_")
    numerator = UNIT_SUFFIXES.get(unit) if sep and base else None
    denominator = UNIT_SUFFIXES.get(tail) if tail is not None else None
    if numerator is None and denominator is None:
        return key, 0
    name, exponent = (f"{base}_{numerator[0]}", numerator[1]) if numerator else (head, 0)
    if tail is not None:
        name += _PER + (denominator[0] if denominator else tail)
        exponent -= denominator[1] if denominator else 0
    return name, exponent


def to_si(value: float, exponent: int) -> float:
    """``value × 10**exponent``, dividing for negative exponents so that ``100 uS`` is exactly ``1e-4``."""
    if exponent >= 0:
        return value * 10.0**exponent
    return value / 10.0 ** (-exponent)
