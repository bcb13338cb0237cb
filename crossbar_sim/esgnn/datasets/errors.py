"""Errors raised for malformed dataset files and failed downloads."""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset file is malformed; the message names the file (and line) and what was expected."""


class DownloadError(OSError):
    """A download failed or a fetched file did not verify; nothing was left in the cache."""
