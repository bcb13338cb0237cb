"""Parameter validation shared by every layer: errors name the parameter, the value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np


class ParameterError(ValueError):
    """A parameter has a value outside what the model allows.

    The message always reads ``<name> = <value>: <what is allowed>``.
    """

    def __init__(self, name: str, value: Any, allowed: str) -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"{name} = {value!r}: {allowed}")


def check_finite(name: str, value: float) -> float:
    """Return ``value`` as float if it is a finite real number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "must be a finite real number") from None
    if isinstance(value, bool) or not math.isfinite(x):
        raise ParameterError(name, value, "must be a finite real number")
    return x


def check_positive(name: str, value: float) -> float:
    """Return ``value`` if finite and > 0."""
    x = check_finite(name, value)
    if x <= 0:
        raise ParameterError(name, value, "must be > 0")
    return x


def check_nonnegative(name: str, value: float) -> float:
    """Return ``value`` if finite and >= 0."""
    x = check_finite(name, value)
    if x < 0:
        raise ParameterError(name, value, "must be >= 0")
    return x


def check_fraction(name: str, value: float) -> float:
    """Return ``value`` if it lies in the closed interval [0, 1]."""
    x = check_finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ParameterError(name, value, "must lie in [0, 1]")
    return x


def check_int(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` if it is an integer within [minimum, maximum] (bounds optional)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(name, value, "must be an integer")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ParameterError(name, value, f"must be an integer >= {minimum}")
    if maximum is not None and v > maximum:
        raise ParameterError(name, value, f"must be an integer <= {maximum}")
    return v


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``."""
    options = list(allowed)
    if value not in options:
        raise ParameterError(name, value, "must be one of " + ", ".join(repr(o) for o in options))
    return value


def check_samples(name: str, values: Any, minimum_count: int = 2) -> np.ndarray:
    """Return a 1-D float array of at least ``minimum_count`` finite samples."""
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size < minimum_count:
        raise ParameterError(name, f"<{arr.size} samples>", f"needs at least {minimum_count} samples")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, "<samples with NaN or inf>", "all samples must be finite")
    return arr


def check_sample_tuple(name: str, values: Any, required: bool, positive: bool = False,
                       minimum_distinct: int = 1) -> tuple[float, ...]:
    """Return ``values`` as a tuple of floats for a frozen dataclass field holding measured samples.

    An empty input is allowed unless ``required``; otherwise at least 2 finite samples (and
    ``minimum_distinct`` distinct ones), all > 0 if ``positive``.
    """
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ParameterError(name, values, "must be a sequence of real numbers") from None
    if arr.size == 0 and not required:
        return ()
    arr = check_samples(name, arr)
    if positive and np.any(arr <= 0):
        raise ParameterError(name, f"<samples with min {float(arr.min())!r}>", "all samples must be > 0")
    if np.unique(arr).size < minimum_distinct:
        raise ParameterError(name, f"<{np.unique(arr).size} distinct values>",
                             f"needs at least {minimum_distinct} distinct values")
    return tuple(float(x) for x in arr)
