"""Named presets for config dataclasses: a section may say ``preset: <name>`` and override keys.

The presets of a dataclass are the values registered under that class in :mod:`crossbar_sim.common.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crossbar_sim.common import registry


def register_preset(cls: type, name: str, value: Any) -> None:
    """Register ``value`` (an instance of ``cls`` or a mapping of its keys) as preset ``name`` of ``cls``.

    Registering the same name again replaces the previous preset.
    """
    if not isinstance(value, (cls, Mapping)):
        raise TypeError(f"preset {name!r} for {cls.__name__} must be a {cls.__name__} or a mapping")
    registry.register(cls, name, value)


def preset_names(cls: type) -> list[str]:
    """The registered preset names of ``cls``, sorted."""
    return registry.names(cls)


def get_preset(cls: type, name: Any) -> Any:
    """The registered preset ``name`` of ``cls``; a ParameterError naming ``preset`` if there is none."""
    return registry.lookup(cls, name, "preset")
