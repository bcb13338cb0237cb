"""Downloader of TUDataset zips and Planetoid raw files into a local cache, verified by SHA-256.

Files are fetched into a staging folder inside the cache, verified, then moved into place by the
package's atomic writer (:mod:`crossbar_sim.common.atomic`: flushed to disk, renamed, the folder
flushed); on any failure the staging folder is removed, so the cache never holds a partial or
unverified file. MUTAG and Cora are checked against the known digests of the original files. For other
datasets (COLLAB among them: the digests of its upstream zip are not known here) the first download is
checked structurally instead (it must load; COLLAB must also have 5000 graphs, 372,474 nodes, classes
2600/775/1625 and 12,288,916 undirected edges), then its digests are pinned in ``<folder>/SHA256SUMS``
with a warning, and later downloads must match the pins.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from crossbar_sim.common.atomic import atomic_output, commit_file
from crossbar_sim.common.data_paths import default_cache_dir
from crossbar_sim.esgnn.datasets.errors import DatasetError, DownloadError
from crossbar_sim.esgnn.datasets.manifest import (
    DEFAULT_BASE_URLS,
    KNOWN_DIGESTS,
    KNOWN_SHAPES,
    dataset_folder,
    is_planetoid,
    planetoid_files,
)
from crossbar_sim.esgnn.datasets.planetoid import load_planetoid
from crossbar_sim.esgnn.datasets.tudataset import load_tudataset
from device_models.errors import ParameterError

PIN_FILE = "SHA256SUMS"
_CHUNK = 1 << 20
_TIMEOUT_S = 60.0


class PinnedDigestWarning(UserWarning):
    """A dataset without known digests was accepted on structural checks and its digests pinned."""


def sha256_file(path: Path) -> str:
    """The hex SHA-256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_pins(folder: Path) -> dict[str, str]:
    path = folder / PIN_FILE
    if not path.is_file():
        return {}
    pins = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-f]{64}", parts[0]):
            raise DatasetError(f"{path}, line {number}: {line!r}; expected '<sha256 hex>  <file name>'")
        pins[parts[1]] = parts[0]
    return pins


def _cache_verifies(folder: Path, expected: Mapping[str, str]) -> bool:
    return bool(expected) and all(
        (folder / f).is_file() and sha256_file(folder / f) == digest for f, digest in expected.items()
    )


def _fetch(url: str, dest: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "crossbar-sim dataset downloader"})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out, _CHUNK)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: HTTP error {exc.code} ({exc.reason})") from None
    except urllib.error.URLError as exc:
        raise DownloadError(f"{url}: could not connect ({exc.reason})") from None
    except OSError as exc:
        raise DownloadError(f"{url}: download failed ({exc})") from None


def _extract_tu(archive: Path, url: str, name: str, stage: Path, wanted: set[str] | None) -> None:
    """Extract the dataset's members (by file name, whatever folder they sit in) into ``stage``."""
    pattern = re.compile(rf"{re.escape(name)}_[A-Za-z_]+\.txt|README\.txt")
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if info.is_dir() or not (base in wanted if wanted else pattern.fullmatch(base)):
                    continue
                if (stage / base).exists():
                    raise DownloadError(f"{url}: the zip holds {base} twice")
                with zf.open(info) as src, open(stage / base, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise DownloadError(f"{url}: not a valid zip archive ({exc})") from None


def _compare(expected: Mapping[str, str], stage: Path, origin: str, pinned: bool) -> None:
    for file_name, digest in expected.items():
        path = stage / file_name
        if not path.is_file():
            raise DownloadError(f"{origin}: {file_name} is missing from the download")
        actual = sha256_file(path)
        if actual != digest:
            source = "pinned at the first download" if pinned else "known for the original file"
            raise DownloadError(f"{origin}: {file_name} has SHA-256 {actual}; expected {digest} ({source})")


def _check_structure(name: str, staging: Path, origin: str) -> None:
    """Load the staged dataset; for datasets with known invariants, check them."""
    try:
        if is_planetoid(name):
            load_planetoid(name, staging)
            return
        data = load_tudataset(name, staging)
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
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(stage.iterdir()):
        commit_file(path, folder / path.name)
    if pins:
        with atomic_output(folder / PIN_FILE) as tmp:
            tmp.write_text("".join(f"{digest}  {f}\n" for f, digest in sorted(pins.items())))


def download_dataset(
    name: str, root: str | os.PathLike[str] | None = None, base_urls: Mapping[str, str] | None = None
) -> Path:
    """Fetch dataset ``name`` into ``root/<Name>/`` (root defaults to the user cache) and return that folder.

    Nothing is fetched when the cached files already verify. ``base_urls`` overrides the hosts, keys
    ``"tudataset"`` (serving ``<NAME>.zip``) and ``"planetoid"`` (serving ``ind.<name>.<part>``).
    Raises DownloadError (naming the URL or file, and for a checksum mismatch both digests).
    """
    urls = dict(DEFAULT_BASE_URLS)
    for key, value in (base_urls or {}).items():
        if key not in urls:
            raise ParameterError("base_urls", dict(base_urls), f"keys must be among {sorted(urls)}")
        urls[key] = value
    cache = Path(root) if root is not None else default_cache_dir()
    folder = dataset_folder(name, cache)  # a safe name, resolved inside the cache
    folder_name = folder.name
    known = KNOWN_DIGESTS.get(folder_name, {})
    expected = known or _read_pins(folder)
    if _cache_verifies(folder, expected):
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder_name}-download-", dir=cache))
    try:
        stage = staging / folder_name
        stage.mkdir()
        if is_planetoid(name):
            origin = urls["planetoid"].rstrip("/")
            for file_name in planetoid_files(folder_name):
                _fetch(f"{origin}/{file_name}", stage / file_name)
        else:
            origin = f"{urls['tudataset'].rstrip('/')}/{folder_name}.zip"
            _fetch(origin, staging / f"{folder_name}.zip")
            _extract_tu(staging / f"{folder_name}.zip", origin, folder_name, stage, set(known) or None)
        if expected:
            _compare(expected, stage, origin, pinned=not known)
            _install(stage, folder, None)
        else:
            _check_structure(folder_name, staging, origin)
            pins = {path.name: sha256_file(path) for path in stage.iterdir()}
            _install(stage, folder, pins)
            warnings.warn(f"{folder_name}: no known SHA-256 digests for {origin}; the files passed the "
                          f"structural checks and their digests are now pinned in {folder / PIN_FILE}",
                          PinnedDigestWarning, stacklevel=2)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
