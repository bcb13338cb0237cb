"""Downloader of TUDataset zips and Planetoid raw files into a local cache, verified by SHA-256.

Files are fetched into a staging folder inside the cache, verified, then moved into place by the
package's atomic writer (:mod:`crossbar_sim.common.atomic`: flushed to disk, renamed, the folder
flushed); on any failure the staging folder is removed, so the cache never holds a partial or
unverified file. MUTAG and Cora are checked against the known digests of the original files. For other
datasets (COLLAB among them: the digests of its upstream zip are not known here) the first download is
checked structurally instead (it must load; COLLAB must also have 5000 graphs, 372,474 nodes, classes
2600/775/1625 and 12,288,916 undirected edges), then its digests are pinned in ``<folder>/SHA256SUMS``
with a warning, and later downloads must match the pins.

A hostile or broken host cannot hold the download or fill the disk: every socket read of a response
(status line, headers, body) waits at most ``READ_TIMEOUT_S`` and never past the overall deadline
(``deadline_s``); each response is capped (``max_response_bytes``, checked against Content-Length and
while streaming); a zip is extracted with a running byte count against ``DatasetLimits.max_file_bytes``
per member and in total, after its member count and member names are checked. Only http and https
are fetched (redirects included). Stale staging folders of killed downloads are removed. Every failure
raises DownloadError with a one-line message naming the URL or file.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import io
import os
import re
import shutil
import socket
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crossbar_sim.common.atomic import commit_file
from crossbar_sim.common.data_paths import default_cache_dir
from crossbar_sim.esgnn.datasets.errors import DatasetError, DownloadError, one_line
from crossbar_sim.esgnn.datasets.manifest import (
    DEFAULT_BASE_URLS,
    DEFAULT_LIMITS,
    KNOWN_DIGESTS,
    KNOWN_SHAPES,
    DatasetLimits,
    dataset_folder,
    is_planetoid,
    planetoid_files,
)
from crossbar_sim.esgnn.datasets.planetoid import load_planetoid
from crossbar_sim.esgnn.datasets.textparse import read_bytes
from crossbar_sim.esgnn.datasets.tudataset import load_tudataset
from device_models.errors import ParameterError, check_int, check_positive

PIN_FILE = "SHA256SUMS"
#: Default overall deadline of one ``download_dataset`` call (all its responses): COLLAB's zip (about
#: 70 MB, the largest file fetched here) arrives in time at 120 kB/s.
DEADLINE_S = 600.0
#: Longest wait for any one socket read (or connection attempt) before the download is given up.
READ_TIMEOUT_S = 60.0
#: Default cap of one response: 256 MiB, over three times COLLAB's zip.
MAX_RESPONSE_BYTES = 1 << 28
#: Most members a zip may have (TUDataset zips hold about ten).
MAX_MEMBERS = 1000
#: A staging folder nothing was written to for this long belongs to a killed process and is removed at
#: the start of a download: a live download writes at least once per ``READ_TIMEOUT_S``.
STALE_STAGING_S = 3600.0

_CHUNK = 1 << 20
_MAX_PIN_FILE_BYTES = 1 << 16
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_STAGING = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9_.-]*-download-[A-Za-z0-9_]+")
#: Signature of a zip central-directory record: the archive holds at least as many as it has members.
_CENTRAL_RECORD = b"PK\x01\x02"
#: Folder separators in zip member names: the slash of the format, the backslash of some Windows tools.
_SEPARATOR = re.compile(r"[/\\]")


class PinnedDigestWarning(UserWarning):
    """A dataset without known digests was accepted on structural checks and its digests pinned."""


@dataclass(frozen=True)
class _Budget:
    """What the responses of one download may take: time until ``end`` (``time.monotonic``), bytes each."""

    end: float
    seconds: float
    max_bytes: int

    def left(self) -> float:
        return self.end - time.monotonic()


def sha256_file(path: Path) -> str:
    """The hex SHA-256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_file_name(text: str) -> bool:
    """Whether ``text`` is a plain file name: no folder, no parent reference."""
    return bool(_FILE_NAME.fullmatch(text)) and ".." not in text


def _read_pins(folder: Path) -> dict[str, str]:
    path = folder / PIN_FILE
    if not path.is_file():
        return {}
    pins = {}
    text = read_bytes(path, _MAX_PIN_FILE_BYTES).decode("latin1")
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-f]{64}", parts[0]) or not _is_file_name(parts[1]):
            raise DatasetError(f"{path}, line {number}: {line[:80]!r}; expected '<sha256 hex>  <file name>'")
        pins[parts[1]] = parts[0]
    return pins


def _cache_verifies(folder: Path, expected: Mapping[str, str]) -> bool:
    """Whether ``folder`` holds the ``expected`` files, readable and with their digests."""
    try:
        return bool(expected) and all(
            (folder / f).is_file() and sha256_file(folder / f) == digest for f, digest in expected.items()
        )
    except OSError:
        return False


def _last_write(folder: str) -> float:
    """The latest modification time of ``folder`` and everything in it (now, if it cannot be read)."""
    try:
        latest = os.lstat(folder).st_mtime
        for parent, dirs, files in os.walk(folder):
            for entry in dirs + files:
                latest = max(latest, os.lstat(os.path.join(parent, entry)).st_mtime)
    except OSError:  # removed meanwhile, by its own process or another cleaner
        return time.time()
    return latest


def _remove_stale_staging(cache: Path) -> None:
    """Remove the staging folders (``.NAME-download-*``) in ``cache`` idle for over ``STALE_STAGING_S``."""
    now = time.time()
    with os.scandir(cache) as entries:
        stale = [entry.path for entry in entries
                 if _STAGING.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)
                 and now - _last_write(entry.path) > STALE_STAGING_S]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


class _DeadlineReader(io.RawIOBase):
    """A response's socket reader: each read waits at most ``READ_TIMEOUT_S`` and never past the deadline."""

    def __init__(self, sock: socket.socket, raw: io.RawIOBase, budget: _Budget) -> None:
        super().__init__()
        self._sock, self._raw, self._budget = sock, raw, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        left = self._budget.left()
        if left <= 0:
            raise TimeoutError("the deadline has passed")
        self._sock.settimeout(min(READ_TIMEOUT_S, left))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTP response whose status line, headers and body are read through a ``_DeadlineReader``."""

    def __init__(self, sock: socket.socket, *args: Any, budget: _Budget, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.fp.detach(), budget))


def _opener(budget: _Budget) -> urllib.request.OpenerDirector:
    """A urllib opener of http and https URLs (proxies and redirects as usual) reading under ``budget``."""
    response = functools.partial(_DeadlineResponse, budget=budget)

    class Plain(http.client.HTTPConnection):
        response_class = response

    class Secure(http.client.HTTPSConnection):
        response_class = response

    class PlainHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Plain, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Secure, req)

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), PlainHandler(),
                    SecureHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _reason(value: object) -> str:
    """A failure's reason (an exception or text from the server) on one line of at most 200 characters."""
    text = one_line(value) if isinstance(value, BaseException) else " ".join(str(value).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _stream(response: http.client.HTTPResponse, url: str, dest: Path, max_bytes: int) -> None:
    """Copy the body of ``response`` to the new file ``dest``, refusing more than ``max_bytes``."""
    declared = response.length  # the Content-Length http.client frames the body by (None if chunked)
    if declared is not None and declared > max_bytes:
        raise DownloadError(f"{url}: the server declares {declared:,} bytes; more than the cap of "
                            f"{max_bytes:,} (max_response_bytes)")
    total = 0
    with open(dest, "xb") as out:
        while chunk := response.read(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise DownloadError(f"{url}: more than the cap of {max_bytes:,} bytes (max_response_bytes)")
            out.write(chunk)
    if declared is not None and total != declared:
        raise DownloadError(f"{url}: the connection closed after {total:,} of the {declared:,} bytes "
                            "the server declared")


def _fetch(url: str, dest: Path, opener: urllib.request.OpenerDirector, budget: _Budget) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "crossbar-sim dataset downloader"})
    try:
        if budget.left() <= 0:
            raise TimeoutError("the deadline has passed")
        with opener.open(request, timeout=min(READ_TIMEOUT_S, budget.left())) as response:
            _stream(response, url, dest, budget.max_bytes)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DownloadError(f"{url}: HTTP error {exc.code} ({_reason(exc.reason)})") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: a malformed redirect
        if isinstance(exc, DownloadError):
            raise
        if budget.left() <= 0:
            raise DownloadError(f"{url}: not complete within the deadline of {budget.seconds:g} s "
                                "(deadline_s)") from None
        if isinstance(exc, urllib.error.URLError):
            raise DownloadError(f"{url}: could not connect ({_reason(exc.reason)})") from None
        if isinstance(exc, TimeoutError):
            raise DownloadError(f"{url}: no data for {READ_TIMEOUT_S:g} s") from None
        raise DownloadError(f"{url}: download failed ({_reason(exc)})") from None


def _count_records(archive: Path) -> int:
    """How often the central-directory record signature occurs in ``archive``: at least its member count."""
    count, tail = 0, b""
    with open(archive, "rb") as f:
        while chunk := f.read(_CHUNK):
            window = tail + chunk
            count += window.count(_CENTRAL_RECORD)
            tail = window[-3:]
    return count


def _check_member(info: zipfile.ZipInfo, url: str) -> None:
    """Refuse a member named outside the archive's folder (absolute, ``..``) or stored as a symlink."""
    name = info.filename
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in _SEPARATOR.split(name):
        raise DownloadError(f"{url}: the zip member {name!r} points outside the archive's folder")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise DownloadError(f"{url}: the zip member {name!r} is a symbolic link")


def _extract_tu(archive: Path, url: str, name: str, stage: Path, wanted: set[str] | None, cap: int) -> None:
    """Extract the dataset's members (by file name, whatever folder they sit in) into ``stage``.

    Each member and their total may decompress to at most ``cap`` bytes, by the sizes the zip declares
    and by the bytes actually written.
    """
    if _count_records(archive) > MAX_MEMBERS:
        raise DownloadError(f"{url}: the zip holds more than {MAX_MEMBERS:,} members")
    pattern = re.compile(rf"{re.escape(name)}_[A-Za-z_]+\.txt|README\.txt")
    too_large = f"more than the cap of {cap:,} bytes (DatasetLimits.max_file_bytes)"
    try:
        with zipfile.ZipFile(archive) as zf:
            members: dict[str, zipfile.ZipInfo] = {}
            for info in zf.infolist():
                _check_member(info, url)
                base = _SEPARATOR.split(info.filename)[-1]  # empty for a folder
                if not (base in wanted if wanted else pattern.fullmatch(base)):
                    continue
                if base in members:
                    raise DownloadError(f"{url}: the zip holds {base!r} twice")
                if info.flag_bits & 0x1:
                    raise DownloadError(f"{url}: {info.filename!r} is encrypted")
                if info.file_size > cap:
                    raise DownloadError(f"{url}: {info.filename!r} declares {info.file_size:,} bytes; "
                                        f"{too_large}")
                members[base] = info
            declared = sum(info.file_size for info in members.values())
            if declared > cap:
                raise DownloadError(f"{url}: the dataset's members declare {declared:,} bytes; {too_large}")
            total = 0  # the bytes written, whatever the headers say
            for base, info in members.items():
                with zf.open(info) as src, open(stage / base, "xb") as out:
                    while chunk := src.read(_CHUNK):
                        total += len(chunk)
                        if total > cap:
                            raise DownloadError(f"{url}: the dataset's members decompress to {too_large} "
                                                f"(at {info.filename!r})")
                        out.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, ValueError) as exc:
        # ValueError: among others, a member name flagged as UTF-8 that is not
        raise DownloadError(f"{url}: not a valid zip archive ({one_line(exc)})") from None
    except OSError as exc:
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(f"{url}: could not be extracted ({one_line(exc)})") from None


def _compare(expected: Mapping[str, str], stage: Path, origin: str, pinned: bool) -> None:
    for file_name, digest in expected.items():
        path = stage / file_name
        if not path.is_file():
            raise DownloadError(f"{origin}: {file_name} is missing from the download")
        actual = sha256_file(path)
        if actual != digest:
            source = "pinned at the first download" if pinned else "known for the original file"
            raise DownloadError(f"{origin}: {file_name} has SHA-256 {actual}; expected {digest} ({source})")


def _check_structure(name: str, staging: Path, origin: str, limits: DatasetLimits) -> None:
    """Load the staged dataset; for datasets with known invariants, check them."""
    try:
        if is_planetoid(name):
            load_planetoid(name, staging, limits)
            return
        data = load_tudataset(name, staging, limits)
    except (DatasetError, FileNotFoundError) as exc:
        raise DownloadError(f"{origin}: the downloaded files do not form a valid dataset: {exc}") from None
    shape = KNOWN_SHAPES.get(name)
    if shape is None:
        return
    a = data.adjacency.tocoo()
    pairs = np.unique(np.minimum(a.row, a.col).astype(np.int64) * data.num_nodes + np.maximum(a.row, a.col))
    found = (data.num_graphs, data.num_nodes, tuple(np.bincount(data.labels).tolist()), pairs.size)
    wanted = (shape.graphs, shape.nodes, shape.class_counts, shape.undirected_edges)
    if found != wanted:
        raise DownloadError(f"{origin}: (graphs, nodes, class counts, undirected edges) = {found}; "
                            f"expected {wanted}")


def _install(stage: Path, folder: Path, pins: Mapping[str, str] | None) -> None:
    """Move the verified files of ``stage`` (and a pin file of ``pins``) into ``folder``.

    A folder created here is removed again if this fails or is interrupted.
    """
    created = not folder.exists()
    try:
        if pins:
            (stage / PIN_FILE).write_text("".join(f"{digest}  {f}\n" for f, digest in sorted(pins.items())))
        folder.mkdir(exist_ok=True)
        for path in sorted(stage.iterdir()):
            commit_file(path, folder / path.name)
    except BaseException as exc:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise DownloadError(f"{folder}: could not install the verified files ({one_line(exc)})") from None
        raise


def _base_urls(base_urls: Mapping[str, str] | None) -> dict[str, str]:
    urls = dict(DEFAULT_BASE_URLS)
    for key, value in (base_urls or {}).items():
        if key not in urls:
            raise ParameterError("base_urls", dict(base_urls), f"keys must be among {sorted(urls)}")
        if not isinstance(value, str) or urllib.parse.urlsplit(value).scheme not in ("http", "https"):
            raise ParameterError(f"base_urls[{key!r}]", value, "must be an http:// or https:// URL")
        urls[key] = value
    return urls


def download_dataset(
    name: str,
    root: str | os.PathLike[str] | None = None,
    base_urls: Mapping[str, str] | None = None,
    *,
    deadline_s: float = DEADLINE_S,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
    limits: DatasetLimits = DEFAULT_LIMITS,
) -> Path:
    """Fetch dataset ``name`` into ``root/<Name>/`` (root defaults to the user cache) and return that folder.

    Nothing is fetched when the cached files already verify. ``base_urls`` overrides the hosts (http or
    https), keys ``"tudataset"`` (serving ``<NAME>.zip``) and ``"planetoid"`` (serving
    ``ind.<name>.<part>``). All responses together must arrive within ``deadline_s`` seconds (each socket
    read also within ``READ_TIMEOUT_S``); each response may hold at most ``max_response_bytes``; a zip
    member, and all the extracted members together, at most ``limits.max_file_bytes``, and the loaders
    check the files against ``limits``. Staging folders of killed downloads (idle for
    ``STALE_STAGING_S``) are removed first. Raises DownloadError naming the URL or file (for a checksum
    mismatch both digests) and leaves nothing new in the cache, nor the folders it made for the cache;
    DatasetError for a malformed pin file.
    """
    check_positive("deadline_s", deadline_s)
    check_int("max_response_bytes", max_response_bytes, minimum=1)
    urls = _base_urls(base_urls)
    cache = Path(root) if root is not None else default_cache_dir()
    folder = dataset_folder(name, cache)  # a safe name, resolved inside the cache
    folder_name = folder.name
    known = KNOWN_DIGESTS.get(folder_name, {})
    expected = known or _read_pins(folder)
    if _cache_verifies(folder, expected):
        return folder
    new_folders = _missing_folders(cache)
    try:
        _download(name, cache, folder, urls, known, expected,
                  _Budget(time.monotonic() + deadline_s, deadline_s, max_response_bytes), limits)
    except BaseException:
        for path in new_folders:  # the folders made for the cache, deepest first, if still empty
            try:
                path.rmdir()
            except OSError:
                break
        raise
    return folder


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def _download(name: str, cache: Path, folder: Path, urls: Mapping[str, str], known: Mapping[str, str],
              expected: Mapping[str, str], budget: _Budget, limits: DatasetLimits) -> None:
    """Fetch, verify and install dataset ``name`` into ``folder`` (see :func:`download_dataset`)."""
    folder_name = folder.name
    try:
        cache.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(cache)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder_name}-download-", dir=cache))
    except OSError as exc:
        raise DownloadError(f"{cache}: could not create a staging folder ({one_line(exc)})") from None
    try:
        stage = staging / folder_name
        stage.mkdir()
        opener = _opener(budget)
        if is_planetoid(name):
            origin = urls["planetoid"].rstrip("/")
            for file_name in planetoid_files(folder_name):
                _fetch(f"{origin}/{file_name}", stage / file_name, opener, budget)
        else:
            origin = f"{urls['tudataset'].rstrip('/')}/{folder_name}.zip"
            archive = staging / f"{folder_name}.zip"
            _fetch(origin, archive, opener, budget)
            _extract_tu(archive, origin, folder_name, stage, set(expected) or None, limits.max_file_bytes)
        if expected:
            _compare(expected, stage, origin, pinned=not known)
            _install(stage, folder, None)
        else:
            _check_structure(folder_name, staging, origin, limits)
            _install(stage, folder, {path.name: sha256_file(path) for path in stage.iterdir()})
            warnings.warn(f"{folder_name}: no known SHA-256 digests for {origin}; the files passed the "
                          f"structural checks and their digests are now pinned in {folder / PIN_FILE}",
                          PinnedDigestWarning, stacklevel=3)
    except OSError as exc:  # the steps above convert their own failures; this is for the staging folder
        if isinstance(exc, DownloadError):
            raise
        raise DownloadError(f"{staging}: download failed ({one_line(exc)})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
