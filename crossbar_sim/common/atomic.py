"""Output files that appear only when complete: the one writer of every file the package produces.

:func:`atomic_output` hands out a temporary file with a unique name in the target's folder; when the
body succeeds the file is flushed to disk (``fsync``), renamed over the target (``os.replace``, atomic
on POSIX and Windows) and the folder's entry is flushed too where the platform allows. On any error,
interruptions included, the temporary file is removed and the target is left as it was.
:func:`commit_file` is that last step on its own, for files written elsewhere in the same file system
(the dataset downloader's verified staging folder).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename in it); skipped where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit_file(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Flush the complete file ``tmp`` to disk, rename it to ``target`` and flush the target's folder."""
    target = Path(target)
    _fsync_path(Path(tmp))
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    return target


def _create_temporary(target: Path) -> Path:
    """A new empty file beside ``target`` with a unique name (created with the umask's permissions)."""
    while True:
        tmp = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.tmp{target.suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write (it ends in ``path``'s suffix); it replaces ``path`` on success.

    Parent folders are created. Write the file completely and close it inside the body. A ``path`` that
    exists and is not a regular file (a device such as ``/dev/full``, a FIFO, a socket) is refused with
    an OSError before anything is written: renaming over it would replace it.
    """
    target = Path(path)
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(os.stat(target).st_mode) and not target.is_dir():
            raise OSError(errno.EEXIST, "exists and is not a regular file (a device, FIFO or socket?); name "
                          "a file to write", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temporary(target)
    try:
        yield tmp
        commit_file(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
