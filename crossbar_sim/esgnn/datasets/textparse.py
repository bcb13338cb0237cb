"""Fast, strict readers of the numeric text tables of dataset files (plain or gzipped), with bounded reads."""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import numba
import numpy as np

from crossbar_sim.esgnn.datasets.errors import DatasetError
from crossbar_sim.esgnn.datasets.manifest import DatasetLimits, check_cap

_OK, _NOT_INT, _TOO_LONG, _COLUMNS, _EMPTY = 0, 1, 2, 3, 4
_MAX_DIGITS = 18
_PROBLEMS = {
    _NOT_INT: "is not a line of comma-separated integers",
    _TOO_LONG: f"holds an integer of more than {_MAX_DIGITS} digits",
    _EMPTY: "is empty (blank lines are allowed only at the end of the file)",
}
#: Largest piece read from a file, or fed to the decompressor, at once.
_CHUNK = 1 << 23
#: First piece of a gzip member fed to the decompressor; it doubles up to _CHUNK, so the input left over
#: at the end of a member (copied by zlib) stays proportional to the member.
_FIRST_GZIP_PIECE = 64
_NOT_ZERO = re.compile(rb"[^\x00]")
#: Lines of a float table converted at once (bounds the Python objects alive while parsing).
_FLOAT_LINES = 1 << 16


def _too_large(path: Path, max_bytes: int, what: str) -> DatasetError:
    return DatasetError(f"{path}: {what} more than the cap of {max_bytes:,} bytes "
                        "(DatasetLimits.max_file_bytes)")


def _gunzip(raw: bytes, path: Path, max_bytes: int) -> bytes:
    """The concatenated members of gzip data ``raw``, refusing more than ``max_bytes`` of output."""
    view = memoryview(raw)
    pieces: list[bytes] = []
    total = pos = 0
    while True:
        stream, step = zlib.decompressobj(wbits=31), _FIRST_GZIP_PIECE
        while not stream.eof:
            if pos >= len(raw):
                raise DatasetError(f"{path}: not a complete gzip file (it ends inside a member)")
            piece = view[pos:pos + step]
            pos += len(piece)
            step = min(2 * step, _CHUNK)
            try:
                out = stream.decompress(piece, max_bytes + 1 - total)
            except zlib.error as exc:
                raise DatasetError(f"{path}: not a valid gzip file ({exc})") from None
            total += len(out)
            if total > max_bytes:
                raise _too_large(path, max_bytes, "decompresses to")
            pieces.append(out)
        pos -= len(stream.unused_data)
        # gzip allows zero padding after a member; anything else starts the next member.
        more = _NOT_ZERO.search(raw, pos)
        if more is None:
            return b"".join(pieces)
        pos = more.start()


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The contents of ``path``, decompressed if its name ends in ``.gz``; at most ``max_bytes`` of either.

    Raises DatasetError naming the file when it cannot be read, is larger than the cap, or is not
    valid gzip data.
    """
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > max_bytes:
                raise _too_large(path, max_bytes, "holds")
            chunks, size = [], 0
            while chunk := f.read(min(_CHUNK, max_bytes + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(path, max_bytes, "holds")
    except OSError as exc:
        raise DatasetError(f"{path}: could not be read ({exc.strerror or exc})") from None
    raw = b"".join(chunks)
    return _gunzip(raw, path, max_bytes) if path.suffix == ".gz" else raw


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` is a regular file; False if nothing is there, DatasetError if something else is."""
    if path.is_file():
        return True
    if path.exists():
        raise DatasetError(f"{path}: not a regular file (a dataset file must be one)")
    return False


def count_lines(data: bytes) -> int:
    """Lines in ``data``: its newlines, plus one for an unterminated last line."""
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


@numba.njit(cache=True)
def _is_blank(c: np.uint8) -> bool:
    return c == 32 or c == 9 or c == 13


@numba.njit(cache=True)
def _scan_ints(buf: np.ndarray, out: np.ndarray) -> tuple[int, int, int, int]:
    """Fill ``out`` (rows, ncols) from ``buf``; return (rows, status, line number, line start offset).

    Rows beyond ``out``'s are checked but not stored: the caller sizes ``out`` so that only a malformed
    line can lie beyond it.
    """
    n = buf.size
    capacity, ncols = out.shape
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
            if row < capacity:
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
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = data[start:end]
        if line.strip():  # a line of separators alone counts as one (malformed) column
            return max(1, len(line.replace(b",", b" ").split()))
        start = end + 1
    return 1


def parse_int_table(data: bytes, path: Path, lines: int, ncols: int | None = None) -> np.ndarray:
    """The int64 table in ``data``, one row per line (``lines = count_lines(data)``) of ``ncols`` columns.

    ``ncols`` defaults to the first line's column count. Tokens are separated by a comma (spaces around
    it allowed) or by spaces. Raises DatasetError naming ``path``, the line and its text on the first
    malformed line. Memory stays within a few times ``len(data)``: a well-formed line of ``ncols``
    integers takes at least ``2 * ncols`` bytes.
    """
    if ncols is None:
        ncols = _first_line_columns(data)
    buf = np.frombuffer(data, dtype=np.uint8)
    capacity = min(lines, (len(data) + 1) // (2 * ncols))
    out = np.empty((capacity, ncols), dtype=np.int64)
    rows, status, line, offset = _scan_ints(buf, out)
    if status == _COLUMNS:
        raise DatasetError(f"{path}, line {line}: {_line_text(data, offset)!r} "
                           f"does not have the expected {ncols} column(s)")
    if status != _OK:
        raise DatasetError(f"{path}, line {line}: {_line_text(data, offset)!r} {_PROBLEMS[status]}")
    return out[:rows]


def _float_line_problem(lines: list[bytes], first: int, width: int, path: Path) -> DatasetError:
    """The error for the first of ``lines`` (line ``first + 1`` on) that is not ``width`` numbers."""
    for number, line in enumerate(lines, start=first + 1):
        text = line.decode("latin1").strip()[:80]
        row = line.split(b",")
        if len(row) != width:
            return DatasetError(f"{path}, line {number}: {text!r} has {len(row)} values; "
                                f"expected {width} like line 1")
        try:
            np.array(row, dtype=np.float64)
        except ValueError:
            return DatasetError(f"{path}, line {number}: {text!r} is not a line of comma-separated numbers")
    return DatasetError(f"{path}: could not be read as a table of numbers")


def parse_float_table(data: bytes, path: Path) -> np.ndarray:
    """The (lines, columns) float64 table of comma-separated finite values in ``data``.

    Raises DatasetError naming ``path``, the line and its text on the first line that has another
    number of values than line 1, a token that is not a number, or a NaN or infinite value.
    """
    lines = data.rstrip(b"\r\n\t ").split(b"\n")
    width = lines[0].count(b",") + 1
    if len(lines) > (len(data) + 1) // (2 * width):  # some line is shorter than line 1
        raise _float_line_problem(lines, 0, width, path)
    out = np.empty((len(lines), width))
    for start in range(0, len(lines), _FLOAT_LINES):
        block = lines[start:start + _FLOAT_LINES]
        try:
            out[start:start + len(block)] = np.array([line.split(b",") for line in block], dtype=np.float64)
        except ValueError:
            raise _float_line_problem(block, start, width, path) from None
    bad = np.flatnonzero(~np.isfinite(out).all(axis=1))
    if bad.size:
        k = int(bad[0])
        raise DatasetError(f"{path}, line {k + 1}: {lines[k].decode('latin1').strip()[:80]!r} holds a value "
                           "that is not a finite number (NaN or infinity)")
    return out


def read_int_table(path: Path, limits: DatasetLimits, rows_cap: str, ncols: int | None = None) -> np.ndarray:
    """``parse_int_table`` of the file at ``path``, refused beyond ``limits.<rows_cap>`` lines."""
    data = read_bytes(path, limits.max_file_bytes)
    lines = count_lines(data)
    check_cap(path, "lines", lines, limits, rows_cap)
    return parse_int_table(data, path, lines, ncols)


def read_float_table(path: Path, limits: DatasetLimits) -> np.ndarray:
    """``parse_float_table`` of ``path``: at most ``max_nodes`` lines of ``max_features`` values."""
    data = read_bytes(path, limits.max_file_bytes)
    check_cap(path, "lines", count_lines(data), limits, "max_nodes")
    table = parse_float_table(data, path)
    check_cap(path, "values per line", table.shape[1], limits, "max_features")
    return table
