"""Results as data: a point's nested metrics as flat dotted columns of numbers (or text).

Mappings give dotted keys (``energy.analog_J``), lists give indexed keys (``accuracy.per_repeat.0``,
``split_accuracies.0.3``), so every number a runner returns is a numeric column whatever its nesting.
An energy report (:meth:`crossbar_sim.energy.report.EnergyReport.to_dict`) becomes its analogue
reservoir energy in joules by component, phase and array, the total and every entry
(``energy_report.analog.by_component.adc_tia_J``, ``energy_report.analog.entries.recurrence.W_H.cell_J``),
next to its GPU estimate and latencies. Anything that is not a number stays text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from crossbar_sim.energy.report import EnergyReport
from crossbar_sim.study.config import ConfigError

PARAM = "param."  # prefix of the swept parameters' columns
_REPORT_KEYS = frozenset({"label", "technology", "analog", "gpu", "latency_s"})


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _scalar(value: Any) -> Any:
    """A number (numpy scalars made plain, bools kept), ``None``, or text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _energy_report(prefix: str, data: Mapping) -> dict[str, Any]:
    report = EnergyReport.from_dict(dict(data))
    analog = _join(prefix, "analog")
    out: dict[str, Any] = {_join(prefix, "label"): report.label,
                           _join(prefix, "technology"): report.technology,
                           f"{analog}.total_J": report.analog.total_J}
    groups = {"by_component": report.analog.by_component_J, "by_phase": report.analog.by_phase_J,
              "by_array": report.analog.by_array_J}
    for group, sums in groups.items():
        out.update({f"{analog}.{group}.{name}_J": joules for name, joules in sums.items()})
    for phase, array, component, joules in report.analog.entries_J:
        key = f"{analog}.entries.{phase}.{array}.{component}_J"
        out[key] = out.get(key, 0.0) + joules
    out.update(flatten_columns(data["gpu"], _join(prefix, "gpu")))
    out.update(flatten_columns(data["latency_s"], _join(prefix, "latency_s")))
    return out


def flatten_columns(value: Any, prefix: str = "") -> dict[str, Any]:
    """``value`` (nested mappings, lists, numbers, text) as ``{dotted column: number or text}``."""
    if isinstance(value, Mapping):
        if _REPORT_KEYS <= set(value):
            try:
                return _energy_report(prefix, value)
            except (KeyError, TypeError, ValueError):
                pass  # shaped like a report but is not one: flattened like any mapping
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten_columns(item, _join(prefix, key)))
        return out
    if isinstance(value, (list, tuple, np.ndarray)):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten_columns(item, _join(prefix, index)))
        return out
    return {prefix: _scalar(value)}


def is_number(value: Any) -> bool:
    """A real number (bools are not): what a numeric column holds."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def ordered_columns(rows: Iterable[Mapping[str, Any]], first: Sequence[str],
                    last: Sequence[str]) -> list[str]:
    """Every column of ``rows``: ``first``, then ``param.*`` and metric columns sorted, then ``last``."""
    seen: set[str] = set()
    for row in rows:
        seen.update(row)
    fixed = set(first) | set(last)
    params = sorted(c for c in seen if c.startswith(PARAM) and c not in fixed)
    metrics = sorted(c for c in seen if not c.startswith(PARAM) and c not in fixed)
    return [*first, *params, *metrics, *last]


def numeric_columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Metric columns that hold a number in at least one row and never text (sorted)."""
    numeric: set[str] = set()
    text: set[str] = set()
    for row in rows:
        for key, value in row.items():
            if is_number(value):
                numeric.add(key)
            elif isinstance(value, str):
                text.add(key)
    return sorted(numeric - text)


def check_metric(metric: str, rows: Sequence[Mapping[str, Any]], flag: str = "--metric") -> None:
    """Raise a one-line :class:`ConfigError` unless ``metric`` is a numeric column of ``rows``.

    The message lists the closest numeric columns: those below ``metric`` when it names a group, else
    those containing it, or all of its words (``adc energy``), else the most similar names.
    """
    numeric = [c for c in numeric_columns(rows) if not c.startswith(PARAM)]
    if metric in numeric:
        return
    below = [c for c in numeric if c.startswith(metric + ".")]
    containing = sorted((c for c in numeric if metric in c), key=len)
    words = [w for w in re.split(r"[._\s]+", metric.lower()) if len(w) > 1]
    with_words = sorted((c for c in numeric if words and all(w in c.lower() for w in words)), key=len)
    close = (below[:8] or containing[:6] or with_words[:6]
             or difflib.get_close_matches(metric, numeric, n=6, cutoff=0.5))
    if not close:  # match on the last part alone: "adc_J" finds "...by_component.adc_tia_J"
        tails = difflib.get_close_matches(metric.rsplit(".", 1)[-1], [c.rsplit(".", 1)[-1] for c in numeric])
        close = sorted((c for c in numeric if c.rsplit(".", 1)[-1] in tails), key=len)[:6]
    hint = ", ".join(close or numeric[:8])
    if below:
        problem = f"is a group of {len(below)} columns, not one; pick one such as {hint}"
    elif any(isinstance(r.get(metric), str) for r in rows):
        problem = f"is text, not a number; numeric columns are e.g. {hint}"
    else:
        problem = f"must be one of {hint} (closest of {len(numeric)} numeric columns; `export` lists all)"
    raise ConfigError(flag, metric, problem)

