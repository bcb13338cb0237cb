"""Named values per kind (presets of a config dataclass, energy technologies): one lookup, one error.

A kind is any hashable key, usually the class of its values. A name is registered with its value, or
with a loader that makes the value on first lookup (e.g. a YAML file parsed only when asked for). An
unknown name raises :class:`ParameterError`: ``<what> = <name>: must be one of a, b (did you mean 'a'?)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from device_models.errors import ParameterError, one_of

_lock = threading.Lock()
_values: dict[Hashable, dict[str, Any]] = {}
_loaders: dict[Hashable, dict[str, Callable[[], Any]]] = {}


def register(kind: Hashable, name: str, value: Any) -> None:
    """Register ``value`` as ``name`` of ``kind``, replacing an earlier value or loader of that name."""
    with _lock:
        _loaders.get(kind, {}).pop(name, None)
        _values.setdefault(kind, {})[name] = value


def register_loader(kind: Hashable, name: str, load: Callable[[], Any]) -> None:
    """Register ``name`` of ``kind`` as the value ``load()`` returns, called on its first lookup."""
    with _lock:
        _values.get(kind, {}).pop(name, None)
        _loaders.setdefault(kind, {})[name] = load


def names(kind: Hashable) -> list[str]:
    """The registered names of ``kind``, sorted."""
    with _lock:
        return sorted({*_values.get(kind, {}), *_loaders.get(kind, {})})


def _label(kind: Hashable) -> str:
    return kind.__name__ if isinstance(kind, type) else str(kind)


def lookup(kind: Hashable, name: Any, what: str, or_else: str = "") -> Any:
    """The value registered as ``name`` of ``kind``; ``what`` names the argument in the error, which lists
    the known names (then ``or <or_else>``, an alternative the caller accepts) and the closest one."""
    with _lock:
        if isinstance(name, str) and name in _values.get(kind, {}):
            return _values[kind][name]
        load = _loaders.get(kind, {}).get(name) if isinstance(name, str) else None
    if load is not None:
        value = load()  # outside the lock: a loader may look up other names
        with _lock:
            if _loaders.get(kind, {}).get(name) is load:
                del _loaders[kind][name]
                _values.setdefault(kind, {})[name] = value
        return value
    known = names(kind)
    if not known and not or_else:
        raise ParameterError(what, name, f"no {what} is registered for {_label(kind)}")
    raise ParameterError(what, name, one_of(name, known, or_else=or_else))
