"""Downloader against a local HTTP server: verification, atomicity, 404s, cache hits and digest pinning."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossbar_sim.esgnn.datasets import (
    DownloadError,
    PinnedDigestWarning,
    download_dataset,
    load_planetoid,
    load_tudataset,
)
from device_models.errors import ParameterError


class _Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                log.append(self.path)

        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.urls = {"tudataset": base + "/tu/", "planetoid": base + "/planetoid"}


@pytest.fixture
def served(tmp_path: Path, datasets_dir: Path) -> Iterator[tuple[_Server, Path]]:
    """A server of a MUTAG zip (made from the real files) and the Cora files, and an empty cache."""
    site = tmp_path / "site"
    (site / "tu").mkdir(parents=True)
    with zipfile.ZipFile(site / "tu" / "MUTAG.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((datasets_dir / "MUTAG").iterdir()):
            if path.name != "paper_folds.json":
                zf.write(path, f"MUTAG/{path.name}")
    shutil.copytree(datasets_dir / "Cora", site / "planetoid")
    server = _Server(site)
    yield server, tmp_path / "cache"
    server.httpd.shutdown()
    server.httpd.server_close()
    server.thread.join()


def _files(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_good_downloads_verify_and_load(served: tuple[_Server, Path]) -> None:
    server, cache = served
    folder = download_dataset("MUTAG", cache, server.urls)
    assert folder == cache / "MUTAG"
    parts = ["A", "edge_labels", "graph_indicator", "graph_labels", "node_labels"]
    assert _files(cache) == [f"MUTAG/MUTAG_{p}.txt" for p in parts] + ["MUTAG/README.txt"]
    assert load_tudataset("MUTAG", cache).num_graphs == 188
    assert download_dataset("cora", cache, server.urls) == cache / "Cora"
    assert load_planetoid("Cora", cache).num_nodes == 2708
    assert len(server.requests) == 9  # one zip and eight Planetoid files


def test_verified_cache_is_not_downloaded_again(served: tuple[_Server, Path]) -> None:
    server, cache = served
    download_dataset("Cora", cache, server.urls)
    count = len(server.requests)
    assert download_dataset("Cora", cache, server.urls) == cache / "Cora"
    assert len(server.requests) == count
    (cache / "Cora" / "ind.cora.y").write_bytes(b"tampered")
    download_dataset("Cora", cache, server.urls)
    assert len(server.requests) == count + 8
    assert load_planetoid("Cora", cache).num_classes == 7


def test_corrupted_file_is_rejected_and_nothing_is_kept(served: tuple[_Server, Path]) -> None:
    server, cache = served
    path = server.folder / "planetoid" / "ind.cora.tx"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DownloadError, match=r"ind\.cora\.tx has SHA-256 [0-9a-f]{64}; expected b9afbaa4a4"):
        download_dataset("Cora", cache, server.urls)
    assert not cache.exists()  # no staging folder left behind, nor the cache folder made for it


def test_missing_file_gives_clear_error(served: tuple[_Server, Path]) -> None:
    server, cache = served
    with pytest.raises(DownloadError, match=r"/tu/PROTEINS\.zip: HTTP error 404"):
        download_dataset("PROTEINS", cache, server.urls)
    assert _files(cache) == []
    with pytest.raises(ParameterError, match="base_urls"):
        download_dataset("MUTAG", cache, {"mirror": "http://127.0.0.1:1/"})


def _toy_zip(path: Path, labels: str) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("TOY/TOY_A.txt", "1, 2\n2, 1\n")
        zf.writestr("TOY/TOY_graph_indicator.txt", "1\n1\n2\n")
        zf.writestr("TOY/TOY_graph_labels.txt", labels)
        zf.writestr("__MACOSX/TOY/._TOY_A.txt", "junk")


def test_unknown_dataset_is_checked_then_pinned(served: tuple[_Server, Path]) -> None:
    server, cache = served
    site = server.folder
    _toy_zip(site / "tu" / "TOY.zip", "1\n2\n")
    with pytest.warns(PinnedDigestWarning, match="no known SHA-256 digests"):
        folder = download_dataset("TOY", cache, server.urls)
    assert _files(folder) == ["SHA256SUMS", "TOY_A.txt", "TOY_graph_indicator.txt", "TOY_graph_labels.txt"]
    assert load_tudataset("TOY", cache).num_graphs == 2
    (folder / "TOY_graph_labels.txt").unlink()
    _toy_zip(site / "tu" / "TOY.zip", "1\n3\n")
    with pytest.raises(DownloadError, match=r"TOY_graph_labels\.txt has SHA-256 .* \(pinned at the first"):
        download_dataset("TOY", cache, server.urls)
    assert not (folder / "TOY_graph_labels.txt").exists()


def test_structurally_invalid_unknown_dataset_is_refused(served: tuple[_Server, Path]) -> None:
    server, cache = served
    site = server.folder
    _toy_zip(site / "tu" / "TOY.zip", "1\n")
    with pytest.raises(DownloadError, match=r"do not form a valid dataset: .*TOY_graph_labels\.txt: 1 lines"):
        download_dataset("TOY", cache, server.urls)
    assert _files(cache) == []
