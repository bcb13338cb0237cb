"""Typed config loading: YAML mappings onto trees of frozen dataclasses, checked against type hints.

Keys are field names; a key ``<base>_<unit>`` (e.g. ``conductance_uS``) sets the field
``<base>_<SI unit>`` (``conductance_S``) converted to SI. ``preset: <name>`` in a section starts from a
registered preset. Every problem is a :class:`ConfigError` naming the dotted key path.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from crossbar_sim.common.units import si_key, to_si
from crossbar_sim.study.config.errors import ConfigError, format_value
from crossbar_sim.study.config.presets import get_preset
from device_models.errors import ParameterError, did_you_mean

T = TypeVar("T")
PRESET_KEY = "preset"
ALLOW_NONFINITE = "allow_nonfinite"  # field metadata flag: NaN and inf are valid values
INT_LIMIT = 2**63  # integer keys fit in a signed 64-bit integer


def join(path: str, key: str) -> str:
    """The dotted path of ``key`` below ``path``."""
    return f"{path}.{key}" if path else key


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _init_fields(cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.init}


def resolve_key(cls: type, key: Any, path: str = "") -> tuple[str, int]:
    """The field of dataclass ``cls`` that YAML ``key`` sets, and the power of ten converting its value."""
    names = list(_init_fields(cls))
    if not isinstance(key, str):
        raise ConfigError.problem(join(path, str(key)), f"keys must be strings (allowed: {', '.join(names)})")
    if key in names:
        return key, 0
    si, exponent = si_key(key)
    if si != key and si in names:
        return si, exponent
    hint = did_you_mean(key, names) or f" (allowed: {', '.join(names)})"
    raise ConfigError.problem(join(path, key), f"unknown key in {cls.__name__}{hint}")


def _describe(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if tp is float:
        return "a finite number"
    if tp is int:
        return "an integer"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    if dataclasses.is_dataclass(tp):
        return f"a mapping of {tp.__name__} keys"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (tuple, list):
        return "a list of " + (_describe(args[0]) if args else "values")
    if origin in (dict, Mapping):
        return "a mapping"
    if origin in (Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _describe(a) for a in args)
    return getattr(tp, "__name__", str(tp))


def _convert(tp: Any, raw: Any, path: str, allow_nonfinite: bool = False) -> Any:
    """``raw`` checked and converted to type ``tp``."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return raw
    if origin in (Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for option in options:
            try:
                return _convert(option, raw, path, allow_nonfinite)
            except ConfigError:
                if len(options) == 1:
                    raise
        raise ConfigError(path, raw, "must be " + _describe(tp))
    if origin is Literal:
        for allowed in args:
            if raw == allowed and type(raw) is type(allowed):
                return allowed
        raise ConfigError(path, raw, "must be " + _describe(tp))
    if dataclasses.is_dataclass(tp):
        return _load(tp, raw, path)
    if tp is bool:
        if isinstance(raw, bool):
            return raw
    elif tp is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            if not -INT_LIMIT <= raw < INT_LIMIT:
                raise ConfigError(path, raw, "must be an integer that fits in 64 bits")
            return raw
    elif tp is float:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            try:
                value = float(raw)
            except OverflowError:
                raise ConfigError(path, raw, "must be a finite number (this one overflows a float)") from None
            if not allow_nonfinite and not math.isfinite(value):
                raise ConfigError(path, raw, "must be a finite number (NaN and inf are not allowed)")
            return value
        if allow_nonfinite:
            raise ConfigError(path, raw, "must be a number")
    elif tp is str:
        if isinstance(raw, str):
            return raw
    elif origin in (tuple, list):
        if isinstance(raw, (list, tuple)):
            return _convert_sequence(origin, args, raw, path, allow_nonfinite)
    elif origin in (dict, Mapping):
        if isinstance(raw, Mapping):
            value_type = args[1] if args else Any
            out = {}
            for key, item in raw.items():
                if not isinstance(key, str):
                    raise ConfigError.problem(join(path, str(key)), "keys must be strings")
                out[key] = _convert(value_type, item, join(path, key), allow_nonfinite)
            return out
    else:
        raise TypeError(f"{path}: config fields of type {tp!r} are not supported")
    raise ConfigError(path, raw, "must be " + _describe(tp))


def _convert_sequence(origin: type, args: tuple, raw: Any, path: str, allow_nonfinite: bool) -> Any:
    if origin is tuple and args and args[-1] is not Ellipsis:
        if len(raw) != len(args):
            raise ConfigError(path, raw, f"must be a list of exactly {len(args)} values")
        item_types = list(args)
    else:
        item_types = [args[0] if args else Any] * len(raw)
    pairs = enumerate(zip(item_types, raw, strict=True))
    items = [_convert(t, v, f"{path}[{i}]", allow_nonfinite) for i, (t, v) in pairs]
    return tuple(items) if origin is tuple else items


def _scale(value: Any, exponent: int, path: str) -> Any:
    """``value`` converted to SI: floats and sequences of floats only."""
    if exponent == 0 or value is None:
        return value
    if isinstance(value, float):
        return to_si(value, exponent)
    if isinstance(value, (tuple, list)) and all(isinstance(v, (float, tuple, list)) for v in value):
        return type(value)(_scale(v, exponent, path) for v in value)  # nested: e.g. [G, sigma] pairs
    raise ConfigError(path, value, "a unit suffix is only allowed on real-valued quantities")


def merge_mappings(base: Mapping, override: Mapping) -> dict:
    """``base`` updated by ``override``, recursing into sections.

    A key replaces any base key with the same SI spelling (``x_uS`` replaces ``x_S``), and a section
    that names a ``preset`` replaces the base section instead of merging into it.
    """
    merged = dict(base)
    for key, value in override.items():
        target = si_key(key)[0] if isinstance(key, str) else key
        for old in [k for k in merged if isinstance(k, str) and si_key(k)[0] == target and k != key]:
            del merged[old]
        old_value = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old_value, Mapping) and PRESET_KEY not in value:
            merged[key] = merge_mappings(old_value, value)
        else:
            merged[key] = value
    return merged


def _with_preset(cls: type, data: dict, path: str) -> dict:
    try:
        preset = get_preset(cls, data[PRESET_KEY])
    except ParameterError as exc:
        raise ConfigError(join(path, PRESET_KEY), exc.value, exc.allowed) from None
    base = dump_dataclass(preset) if dataclasses.is_dataclass(preset) else dict(preset)
    return merge_mappings(base, {k: v for k, v in data.items() if k != PRESET_KEY})


def _load(cls: type[T], data: Any, path: str) -> T:
    if not isinstance(data, Mapping):
        raise ConfigError(path, data, f"must be a mapping of {cls.__name__} keys")
    data = dict(data)
    if PRESET_KEY in data:
        data = _with_preset(cls, data, path)
    fields_ = _init_fields(cls)
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    for key, raw in data.items():
        name, exponent = resolve_key(cls, key, path)
        key_path = join(path, key)
        if name in given_as:
            raise ConfigError.problem(key_path, f"sets {name} again (already set by '{given_as[name]}')")
        given_as[name] = key
        allow = bool(fields_[name].metadata.get(ALLOW_NONFINITE, False))
        kwargs[name] = _scale(_convert(hints[name], raw, key_path, allow), exponent, key_path)
    for name, f in fields_.items():
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if name not in kwargs and required:
            raise ConfigError.problem(join(path, name), f"required key is missing in {cls.__name__}")
    try:
        return cls(**kwargs)
    except ParameterError as exc:
        name = exc.name.removeprefix(f"{cls.__name__}.")  # validators may prefix their class
        key = given_as.get(name, name)
        if key == name:
            raise ConfigError(join(path, key), exc.value, exc.allowed) from None
        raise ConfigError(join(path, key), data[key],
                          f"{exc.allowed} (in SI: {name} = {format_value(exc.value)})") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError.problem(path, str(exc)) from None


def load_dataclass(cls: type[T], data: Mapping, path: str = "") -> T:
    """An instance of dataclass ``cls`` built from the mapping ``data`` (``path`` prefixes error messages)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    return _load(cls, data, path)


def dump_dataclass(obj: Any) -> Any:
    """A plain mapping (SI keys, lists for tuples) that :func:`load_dataclass` turns back into ``obj``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: dump_dataclass(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
    if isinstance(obj, (tuple, list)):
        return [dump_dataclass(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: dump_dataclass(v) for k, v in obj.items()}
    return obj


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        options = [a for a in get_args(tp) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return tp


def check_key_path(cls: type, dotted: str, path: str = "") -> None:
    """Raise :class:`ConfigError` unless ``dotted`` (e.g. ``device.read_noise.sigma``) is a key of ``cls``."""
    tp: Any = cls
    parts = dotted.split(".")
    where = path
    for i, part in enumerate(parts):
        tp = _strip_optional(tp)
        if not part:
            raise ConfigError.problem(join(path, dotted), "empty component in a dotted key path")
        if dataclasses.is_dataclass(tp):
            if part == PRESET_KEY and i == len(parts) - 1:
                return
            name, _ = resolve_key(tp, part, where)
            tp = _hints(tp)[name]
        elif get_origin(tp) in (dict, Mapping):
            tp = get_args(tp)[1] if get_args(tp) else Any
        else:
            raise ConfigError.problem(join(where, part), f"'{where}' is a value, not a section with keys")
        where = join(where, part)


def set_dotted(data: dict, dotted: str, value: Any, path: str = "") -> None:
    """Set ``dotted`` in nested mapping ``data``, replacing same-quantity keys (``x_S``, ``x_uS``)."""
    *sections, last = dotted.split(".")
    node = data
    where = path
    for part in sections:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        elif not isinstance(child, dict):
            raise ConfigError(join(where, part), child, "is a value, not a section with keys")
        node = child
        where = join(where, part)
    for key in [k for k in node if isinstance(k, str) and si_key(k)[0] == si_key(last)[0] and k != last]:
        del node[key]
    node[last] = value
