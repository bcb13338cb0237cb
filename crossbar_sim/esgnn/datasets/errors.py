"""Errors raised for malformed dataset files and failed downloads."""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset file is malformed; the message names the file (and line) and what was expected."""


class DownloadError(OSError):
    """A download failed or a fetched file did not verify; nothing was left in the cache."""


def one_line(exc: BaseException, limit: int = 200) -> str:
    """``Type: message`` of ``exc`` on one line, its message cut to ``limit`` characters."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text if len(text) <= limit else text[:limit - 3] + '...'}"
