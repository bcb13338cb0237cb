"""Errors raised for malformed dataset files and failed downloads."""

from __future__ import annotations

import os

from crossbar_sim.common.data_paths import ENV_VAR


class DatasetError(ValueError):
    """A dataset file is malformed; the message names the file (and line) and what was expected."""


class DownloadError(OSError):
    """A download failed or a fetched file did not verify; nothing was left in the cache."""


def one_line(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` of ``exc`` on one line, its message cut to ``limit`` characters."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text if len(text) <= limit else text[:limit - 3] + '...'}"


class DatasetNotFound(FileNotFoundError):
    """A dataset's folder (or a file it needs) is not in the data root; the message says where the data
    root was looked for and how to fetch the dataset."""

    def __init__(self, name: str, missing: os.PathLike[str] | str, what: str = "no such dataset folder"
                 ) -> None:
        env = os.environ.get(ENV_VAR)
        root = f"the data root ${ENV_VAR} = {env}" if env else f"the download cache, as ${ENV_VAR} is unset"
        super().__init__(f"dataset {name!r}: {missing}: {what} (searched {root}); fetch it with "
                         f"`crossbar-sim data download {name}` or point {ENV_VAR} at a folder that holds it")
