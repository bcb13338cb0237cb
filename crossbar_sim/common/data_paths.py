"""Where datasets live: an explicit root, else ``$CROSSBAR_SIM_DATA``, else the user cache."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "CROSSBAR_SIM_DATA"


def default_cache_dir() -> Path:
    """The downloader's cache: ``$XDG_CACHE_HOME/crossbar-sim/datasets`` (``~/.cache`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "crossbar-sim" / "datasets"


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The dataset root folder: ``root`` if given, else ``$CROSSBAR_SIM_DATA``, else the cache."""
    if root is not None:
        return Path(root)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return default_cache_dir()
