"""The one error type for bad configuration: a one-line message naming the key path, value and rule."""

from __future__ import annotations

import reprlib
from typing import Any

_NO_VALUE = object()


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxdict = 3, 6, 6, 6
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 60, 60, 40


def format_value(value: Any, limit: int = 60) -> str:
    """A short ``repr`` of ``value`` for an error message, bounded in time and length whatever its size."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ConfigError(ValueError):
    """A configuration value or file is invalid.

    The message reads ``<path> = <value>: <what is allowed>``, or ``<path>: <problem>`` when there
    is no single value to show.
    """

    def __init__(self, path: str, value: Any = _NO_VALUE, allowed: str = "") -> None:
        self.path = path or "<top level>"
        self.value = None if value is _NO_VALUE else value
        self.allowed = allowed
        if value is _NO_VALUE:
            message = f"{self.path}: {allowed}"
        else:
            message = f"{self.path} = {format_value(value)}: {allowed}"
        super().__init__(message)

    @classmethod
    def problem(cls, path: str, problem: str) -> ConfigError:
        """An error about ``path`` that has no single offending value."""
        return cls(path, _NO_VALUE, problem)

    def annotated(self, note: str) -> ConfigError:
        """The same error with `` (<note>)`` appended to its message."""
        err = ConfigError.__new__(ConfigError)
        err.path, err.value, err.allowed = self.path, self.value, self.allowed
        ValueError.__init__(err, f"{self} ({note})")
        return err
