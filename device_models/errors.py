"""Parameter validation shared by every layer: errors name the parameter, the value and what is allowed."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

_SHOWN = 60  # longest repr of a bad value shown in a message


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


def check_fields(obj: Any, **checks: Callable[[str, Any], Any]) -> None:
    """Check fields of ``obj``: ``check(f"{type(obj).__name__}.{field}", value)`` for each ``field=check``."""
    for field, check in checks.items():
        check(f"{type(obj).__name__}.{field}", getattr(obj, field))


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


def did_you_mean(value: Any, options: Iterable[Any]) -> str:
    """`` (did you mean 'x'?)`` for the string option closest to ``value``, or ``""`` if none is close."""
    words = [o for o in options if isinstance(o, str)]
    match = difflib.get_close_matches(str(value), words, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def one_of(value: Any, options: Iterable[Any], quote: bool = False, or_else: str = "") -> str:
    """What is allowed when ``value`` is not among ``options``: ``must be one of a, b`` (``repr`` of each
    option if ``quote``), then ``, or <or_else>`` if given, then a did-you-mean hint."""
    options = list(options)
    text = "must be one of " + ", ".join(repr(o) if quote else str(o) for o in options)
    return text + (f", or {or_else}" if or_else else "") + did_you_mean(value, options)


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``."""
    options = list(allowed)
    if value not in options:
        raise ParameterError(name, value, one_of(value, options, quote=True))
    return value


def _shown(value: Any) -> Any:
    """``value`` itself if its ``repr`` is short, else a bounded description of it."""
    text = repr(value)
    return value if len(text) <= _SHOWN else f"<{type(value).__name__} {text[: _SHOWN - 20]}...>"


def _tuple_text(items: Sequence[object]) -> str:
    """``(a, b)``, or ``(a,)`` for one item; None shows as ``any``."""
    shown = ["any" if item is None else str(item) for item in items]
    return "(" + ", ".join(shown) + ("," if len(shown) == 1 else "") + ")"


def _shape_rule(ndim: int | None, shape: Sequence[int | None] | None, axes: Sequence[str] | None,
                nonempty: bool | Sequence[int]) -> str:
    """``must be a non-empty 2-D array``, ``must be a 2-D array (batch, R) with R = 3``, ..."""
    text = "must be a " + ("non-empty " if nonempty is True else "")
    text += "array" if ndim is None else f"{ndim}-D array"
    some = () if isinstance(nonempty, bool) else tuple(nonempty)
    if axes is not None:
        text += " " + _tuple_text(axes)
        fixed = zip(axes, shape or [None] * len(axes), strict=True)
        conditions = [f"{a} = {n}" for a, n in fixed if n is not None]
        conditions += [f"{axes[i]} >= 1" for i in some]
    else:
        text += "" if shape is None else " of shape " + _tuple_text(shape)
        conditions = [f"axis {i} of length >= 1" for i in some]
    return text + (" with " + ", ".join(conditions) if conditions else "")


def _entries_error(name: str, arr: np.ndarray, bad: np.ndarray, kind: str, rules: list[str]
                   ) -> ParameterError:
    count = int(np.count_nonzero(bad))
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    entries = "entry" if count == 1 else "entries"
    shown = f"<array of shape {arr.shape} with {count} {kind} {entries}, first at {first}>"
    return ParameterError(name, shown, "every entry must be " + " and ".join(rules))


def check_array(name: str, value: Any, *, ndim: int | None = None, shape: Sequence[int | None] | None = None,
                axes: Sequence[str] | None = None, nonempty: bool | Sequence[int] = False,
                finite: bool = True, nonnegative: bool = False, dtype: Any = np.float64) -> np.ndarray:
    """Return ``value`` as an array of ``dtype`` if its shape and entries are allowed.

    ndim: the number of dimensions (implied by ``shape``). shape: the exact shape, ``None`` for an axis
    of any length. axes: names of the axes, for the message (``("in", "batch")``). nonempty: ``True`` for
    no axis of length 0, or the indices of the axes that must not be empty. finite: no NaN or inf.
    nonnegative: every entry >= 0. The error names ``name``, describes the bad value in bounded space
    (its shape; how many entries break a rule and where the first one is) and says what is allowed.
    """
    try:
        raw = np.asarray(value)
        if np.iscomplexobj(raw):  # numpy would drop the imaginary part with only a warning
            raise TypeError
        arr = raw.astype(dtype, copy=False) if raw.dtype != object else np.asarray(value, dtype=dtype)
    except (TypeError, ValueError):
        raise ParameterError(name, _shown(value), "must be an array or sequence of real numbers") from None
    if shape is not None and ndim is None:
        ndim = len(shape)
    needed = range(arr.ndim) if nonempty is True else () if nonempty is False else nonempty
    if ((ndim is not None and arr.ndim != ndim)
            or any(n is not None and n != m for n, m in zip(shape or (), arr.shape, strict=False))
            or any(arr.shape[i] == 0 for i in needed)):
        raise ParameterError(name, f"<array of shape {arr.shape}>", _shape_rule(ndim, shape, axes, nonempty))
    rules = [rule for rule, on in (("finite", finite), (">= 0", nonnegative)) if on]
    if finite and not np.isfinite(arr).all():
        raise _entries_error(name, arr, ~np.isfinite(arr), "non-finite (NaN or inf)", rules)
    if nonnegative and arr.size and arr.min() < 0:
        raise _entries_error(name, arr, arr < 0, f"negative (min {float(arr.min())!r})", rules)
    return arr


def check_samples(name: str, values: Any, minimum_count: int = 2) -> np.ndarray:
    """Return a 1-D float array of at least ``minimum_count`` finite samples."""
    arr = check_array(name, values, finite=False).ravel()
    if arr.size < minimum_count:
        raise ParameterError(name, f"<{arr.size} samples>", f"needs at least {minimum_count} samples")
    return check_array(name, arr)


def check_sample_tuple(name: str, values: Any, required: bool, positive: bool = False,
                       minimum_distinct: int = 1) -> tuple[float, ...]:
    """Return ``values`` as a tuple of floats for a frozen dataclass field holding measured samples.

    An empty input is allowed unless ``required``; otherwise at least 2 finite samples (and
    ``minimum_distinct`` distinct ones), all > 0 if ``positive``.
    """
    arr = check_array(name, values, finite=False).ravel()
    if arr.size == 0 and not required:
        return ()
    arr = check_samples(name, arr)
    if positive and np.any(arr <= 0):
        raise ParameterError(name, f"<samples with min {float(arr.min())!r}>", "all samples must be > 0")
    if np.unique(arr).size < minimum_distinct:
        raise ParameterError(name, f"<{np.unique(arr).size} distinct values>",
                             f"needs at least {minimum_distinct} distinct values")
    return tuple(float(x) for x in arr)
