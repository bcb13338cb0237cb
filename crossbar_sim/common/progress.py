"""Progress bars for long loops, shown only where a person is watching.

A bar appears when progress is enabled (the CLI enables it unless ``--quiet``) and standard error is a
terminal; library calls, tests and sweep workers stay silent. tqdm draws the bars (with rate and ETA).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
_enabled: ContextVar[bool] = ContextVar("crossbar_sim_progress", default=False)


@contextmanager
def progress_enabled(enabled: bool = True) -> Iterator[None]:
    """Show (or hide) progress bars of the loops run inside the block."""
    token = _enabled.set(enabled)
    try:
        yield
    finally:
        _enabled.reset(token)


def progress(items: Iterable[T], desc: str, total: int | None = None, unit: str = "it") -> Iterable[T]:
    """``items``, with a bar on standard error when progress is enabled and stderr is a terminal."""
    if not _enabled.get() or not sys.stderr.isatty():
        return items
    return tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False)
