"""Every key of a runner's config, generated from the config dataclasses: type, unit, default, allowed
values and one line of meaning (``crossbar-sim keys``).

Nothing here is written by hand twice: the meaning is the field's entry in its class docstring
(``name: text`` lines), the unit is the field name's SI suffix, and the allowed values are what the
config's own validators say about an out-of-range value (each numeric key is probed with a huge negative,
a huge positive and, for reals, a NaN value), so the table cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from crossbar_sim.common.units import UNITS, si_key
from crossbar_sim.study.config.schema import _hints, _init_fields
from device_models.errors import ParameterError

_UNIT_NAMES = {si: symbol for symbol, si in UNITS.items()}
_UNIT_NAMES |= {"ohm": "Ω", "B_per_s": "B/s", "ops_per_s": "op/s"}
_PROBES = {int: (-(2**62), 2**62), float: (-1e300, 1e300, math.nan)}


@dataclass(frozen=True)
class KeyInfo:
    """One settable leaf of a config: dotted ``path`` below the experiment, and what it takes."""

    path: str
    type: str
    unit: str
    default: Any
    allowed: str
    meaning: str

    def row(self) -> list[str]:
        default = "null" if self.default is None else repr(self.default)
        return [self.path, self.type, self.unit or "—", default, self.allowed, self.meaning]


def unit_of(field_name: str) -> str:
    """The SI unit a field name carries in its suffix (``read_voltage_V`` → ``V``), or ``""``."""
    name, _ = si_key(field_name)
    head, per, tail = name.rpartition("_per_")
    base = head if per else name
    numerator = _UNIT_NAMES.get(base.rpartition("_")[2], "") if "_" in base else ""
    if per and (numerator or tail in _UNIT_NAMES):
        return f"{numerator or '1'}/{_UNIT_NAMES.get(tail, tail)}"
    return numerator


def field_meanings(cls: type) -> dict[str, str]:
    """``{field: first sentence of its docstring entry}`` from ``name: text`` (or ``a, b: text``) lines."""
    doc = cls.__doc__ or ""
    names = set(_init_fields(cls))
    out: dict[str, str] = {}
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)\s*:\s+(.*)$", line)
        if not match or not {n.strip() for n in match[2].split(",")} & names:
            continue
        indent, text = len(match[1]), [match[3]]
        for follow in lines[i + 1:]:
            if not follow.strip() or len(follow) - len(follow.lstrip()) <= indent:
                break
            text.append(follow.strip())
        sentence = " ".join(" ".join(text).split())
        sentence = re.split(r"(?<=[a-z0-9)%\]`])\.\s+(?=[A-Z`])", sentence, maxsplit=1)[0].rstrip(".")
        for name in (n.strip() for n in match[2].split(",")):
            out.setdefault(name, sentence)
    return out


def _type_text(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return "choice"
    if origin in (Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_text(a) for a in args)
    if origin in (tuple, list):
        return "list of " + (_type_text(args[0]) if args else "values")
    if origin is dict:
        return "mapping"
    return getattr(tp, "__name__", str(tp))


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    if get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp):
        rest = [a for a in get_args(tp) if a is not type(None)]
        return (rest[0] if len(rest) == 1 else tp), True
    return tp, False


def _allowed(cls: type, instance: Any, name: str, tp: Any) -> str:
    """What the validators accept for ``cls.name``, from the errors they give on probe values."""
    core, optional = _strip_optional(tp)
    tail = " (or null)" if optional else ""
    if get_origin(core) is Literal:
        return ", ".join(repr(a) for a in get_args(core)) + tail
    if core is bool:
        return "true, false"
    if core not in _PROBES or instance is None:
        return "any" + tail
    rules: list[str] = []
    for probe in _PROBES[core]:
        try:
            dataclasses.replace(instance, **{name: probe})
        except ParameterError as exc:
            rule = exc.allowed
        except (TypeError, ValueError) as exc:
            rule = str(exc)
        else:
            continue
        if rule not in rules:
            rules.append(rule)
    if len(rules) > 1:  # a range already implies a finite number
        rules = [r for r in rules if "finite" not in r] or rules
    base = "; ".join(rules) if rules else ("any integer" if core is int else "any finite number")
    return base + tail


def _default_instance(cls: type) -> Any:
    try:
        return cls()
    except (TypeError, ValueError):
        return None


def config_keys(cls: type, prefix: str = "", instance: Any = None) -> list[KeyInfo]:
    """Every leaf key of config dataclass ``cls`` (values and defaults of ``instance``, or of ``cls()``)."""
    instance = _default_instance(cls) if instance is None else instance
    hints, meanings = _hints(cls), field_meanings(cls)
    out: list[KeyInfo] = []
    for name in _init_fields(cls):
        tp = hints[name]
        core, _ = _strip_optional(tp)
        path = f"{prefix}{name}"
        value = getattr(instance, name, None) if instance is not None else None
        if dataclasses.is_dataclass(core):
            out += config_keys(core, path + ".", value if dataclasses.is_dataclass(value) else None)
            continue
        out.append(KeyInfo(path, _type_text(tp), unit_of(name), value, _allowed(cls, instance, name, tp),
                           meanings.get(name, "")))
    return out


def format_keys(keys: list[KeyInfo], markdown: bool = False) -> str:
    """The keys as indented text blocks (one per key), or as a Markdown table."""
    rows = [k.row() for k in keys]
    if markdown:
        header = ["key", "type", "unit", "default", "allowed", "meaning"]
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        for row in rows:
            cells = [f"`{row[0]}`", *(cell.replace("|", "\\|") for cell in row[1:])]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)
    blocks = []
    for path, type_, unit, default, allowed, meaning in rows:
        unit_text = "" if unit == "—" else f" [{unit}]"
        blocks.append(f"{path}  ({type_}{unit_text}, default {default})\n"
                      + (f"    {meaning}\n" if meaning else "") + f"    allowed: {allowed}")
    return "\n".join(blocks)
