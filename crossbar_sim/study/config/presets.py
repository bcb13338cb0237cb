"""Named presets for config dataclasses: a section may say ``preset: <name>`` and override keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PRESETS: dict[type, dict[str, Any]] = {}


def register_preset(cls: type, name: str, value: Any) -> None:
    """Register ``value`` (an instance of ``cls`` or a mapping of its keys) as preset ``name`` of ``cls``.

    Registering the same name again replaces the previous preset.
    """
    if not isinstance(value, (cls, Mapping)):
        raise TypeError(f"preset {name!r} for {cls.__name__} must be a {cls.__name__} or a mapping")
    _PRESETS.setdefault(cls, {})[name] = value


def preset_names(cls: type) -> list[str]:
    """The registered preset names of ``cls``, sorted."""
    return sorted(_PRESETS.get(cls, {}))


def get_preset(cls: type, name: str) -> Any:
    """The registered preset ``name`` of ``cls``; ``KeyError`` if there is none."""
    return _PRESETS[cls][name]
