"""Fast, strict readers of the numeric text tables of dataset files (plain or gzipped)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numba
import numpy as np

from crossbar_sim.esgnn.datasets.errors import DatasetError

_OK, _NOT_INT, _TOO_LONG, _COLUMNS, _EMPTY = 0, 1, 2, 3, 4
_MAX_DIGITS = 18
_PROBLEMS = {
    _NOT_INT: "is not a line of comma-separated integers",
    _TOO_LONG: f"holds an integer of more than {_MAX_DIGITS} digits",
    _EMPTY: "is empty (blank lines are allowed only at the end of the file)",
}


def read_bytes(path: Path) -> bytes:
    """The contents of ``path``, decompressed if its name ends in ``.gz``."""
    raw = path.read_bytes()
    if path.suffix != ".gz":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(f"{path}: not a complete gzip file ({exc})") from None


@numba.njit(cache=True)
def _is_blank(c: np.uint8) -> bool:
    return c == 32 or c == 9 or c == 13


@numba.njit(cache=True)
def _scan_ints(buf: np.ndarray, out: np.ndarray) -> tuple[int, int, int, int]:
    """Fill ``out`` (rows, ncols) from ``buf``; return (rows, status, line number, line start offset)."""
    n = buf.size
    ncols = out.shape[1]
    i = 0
    row = 0
    while i < n:
        start = i
        while i < n and _is_blank(buf[i]):
            i += 1
        if i >= n:
            break
        if buf[i] == 10:
            j = i
            while j < n and (buf[j] == 10 or _is_blank(buf[j])):
                j += 1
            if j >= n:
                break
            return row, _EMPTY, row + 1, start
        if row >= out.shape[0]:
            return row, _COLUMNS, row + 1, start
        col = 0
        while True:
            negative = buf[i] == 45
            if buf[i] == 45 or buf[i] == 43:
                i += 1
            first = i
            value = np.int64(0)
            while i < n and 48 <= buf[i] <= 57:
                value = value * 10 + np.int64(buf[i] - 48)
                i += 1
            if i == first:
                return row, _NOT_INT, row + 1, start
            if i - first > _MAX_DIGITS:
                return row, _TOO_LONG, row + 1, start
            if col >= ncols:
                return row, _COLUMNS, row + 1, start
            out[row, col] = -value if negative else value
            col += 1
            gap = i
            while i < n and _is_blank(buf[i]):
                i += 1
            if i >= n or buf[i] == 10:
                break
            if buf[i] == 44:
                i += 1
                while i < n and _is_blank(buf[i]):
                    i += 1
                if i >= n or buf[i] == 10:
                    return row, _NOT_INT, row + 1, start
            elif i == gap:
                return row, _NOT_INT, row + 1, start
        if col != ncols:
            return row, _COLUMNS, row + 1, start
        row += 1
        i += 1
    return row, _OK, row, 0


def _line_text(data: bytes, offset: int) -> str:
    end = data.find(b"\n", offset)
    line = data[offset:end if end >= 0 else len(data)].decode("latin1").rstrip("\r")
    return line if len(line) <= 80 else line[:77] + "..."


def _first_line_columns(data: bytes) -> int:
    for line in data.split(b"\n", 64)[:64]:
        if line.strip():
            return len(line.replace(b",", b" ").split())
    return 1


def parse_int_table(data: bytes, path: Path, ncols: int | None = None) -> np.ndarray:
    """The (lines, ncols) int64 table in ``data``; ``ncols`` defaults to the first line's column count.

    Tokens are separated by a comma (spaces around it allowed) or by spaces. Raises DatasetError
    naming ``path``, the line and its text on the first malformed line.
    """
    if ncols is None:
        ncols = _first_line_columns(data)
    buf = np.frombuffer(data, dtype=np.uint8)
    out = np.empty((data.count(b"\n") + 1, ncols), dtype=np.int64)
    rows, status, line, offset = _scan_ints(buf, out)
    if status == _COLUMNS:
        raise DatasetError(f"{path}, line {line}: {_line_text(data, offset)!r} "
                           f"does not have the expected {ncols} column(s)")
    if status != _OK:
        raise DatasetError(f"{path}, line {line}: {_line_text(data, offset)!r} {_PROBLEMS[status]}")
    return out[:rows]


def parse_float_table(data: bytes, path: Path) -> np.ndarray:
    """The (lines, columns) float64 table of comma-separated values in ``data``."""
    lines = data.decode("latin1").rstrip("\r\n\t ").split("\n")
    rows = [line.split(",") for line in lines]
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:
        pass
    width = len(rows[0])
    for number, row in enumerate(rows, start=1):
        text = lines[number - 1].strip()
        if len(row) != width:
            raise DatasetError(f"{path}, line {number}: {text[:80]!r} has {len(row)} values; "
                               f"expected {width} like line 1")
        try:
            [float(token) for token in row]
        except ValueError:
            raise DatasetError(f"{path}, line {number}: {text[:80]!r} is not a line of "
                               "comma-separated numbers") from None
    raise DatasetError(f"{path}: could not be read as a table of numbers")


def read_int_table(path: Path, ncols: int | None = None) -> np.ndarray:
    """``parse_int_table`` of the file at ``path``."""
    return parse_int_table(read_bytes(path), path, ncols)


def read_float_table(path: Path) -> np.ndarray:
    """``parse_float_table`` of the file at ``path``."""
    return parse_float_table(read_bytes(path), path)
