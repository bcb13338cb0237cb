"""`crossbar-sim data list`: every dataset folder with its size, node inputs and protocols; `data download`
against a local HTTP server on 127.0.0.1 (no other network access)."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crossbar_sim.cli import main


@pytest.mark.slow  # loads COLLAB (about 20 s)
def test_lists_the_shipped_datasets(datasets_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(datasets_dir)
    assert main(["data", "list", "--root", str(root), "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)["datasets"]}
    assert {"MUTAG", "Cora", "PROTEINS", "NCI1", "IMDB-BINARY"} <= set(listed)
    mutag, cora, proteins = listed["MUTAG"], listed["Cora"], listed["PROTEINS"]
    assert (mutag["graphs"], mutag["nodes"], mutag["edges"], mutag["classes"]) == (188, 3371, 3721, 2)
    assert mutag["protocols"][0] == "paper_folds" and "paper_folds.json" in mutag["folds_files"]
    assert (cora["nodes"], cora["edges"], cora["classes"]) == (2708, 5278, 7)
    assert cora["protocols"] == ["complete", "public", "random"]
    assert proteins["node_attributes"] and proteins["node_labels"] and proteins["features"] == 4


def test_a_dropped_in_folder_and_a_broken_one(tmp_path: Path, datasets_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(Path(datasets_dir) / "MUTAG", tmp_path / "MYDATA")
    for path in (tmp_path / "MYDATA").glob("MUTAG_*"):
        path.rename(path.with_name(path.name.replace("MUTAG", "MYDATA")))
    (tmp_path / "MYDATA" / "folds").mkdir()
    (tmp_path / "MYDATA" / "folds" / "train_idx-1.txt").write_text("0\n")
    (tmp_path / "MYDATA" / "folds" / "test_idx-1.txt").write_text("1\n")
    (tmp_path / "BROKEN").mkdir()
    (tmp_path / "BROKEN" / "BROKEN_graph_indicator.txt").write_text("1\n1\n")
    (tmp_path / "notes").mkdir()
    assert main(["data", "list", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "MYDATA (tudataset): 188 graphs, 3371 nodes, 3721 edges, 2 classes" in out
    assert "protocols: stratified_kfold, folds_file; folds_file: folds, paper_folds.json" in out
    assert "BROKEN: unreadable (FileNotFoundError" in out and "notes" not in out


# ------------------------------------------------------------------ data download (127.0.0.1 only)

class _Site:
    """A local HTTP server of ``folder`` (127.0.0.1 only) and the paths it was asked for."""

    def __init__(self, folder: Path) -> None:
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                log.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(Handler, directory=str(folder)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


def _zip(folder: Path, name: str, dest: Path) -> None:
    """A TUDataset zip of the text files in ``folder`` (``.gz`` ones decompressed, as upstream has them)."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.name.endswith(".txt"):
                zf.write(path, f"{name}/{path.name}")
            elif path.name.endswith(".txt.gz"):
                zf.writestr(f"{name}/{path.name[:-3]}", gzip.decompress(path.read_bytes()))


@pytest.fixture
def site(tmp_path: Path, datasets_dir: Path) -> Iterator[_Site]:
    """Served: /tu/MUTAG.zip and /tu/IMDB-BINARY.zip (from the real files), /tu/bad/MUTAG.zip (one member
    changed), /planetoid/ind.cora.* (the real Cora files)."""
    root = tmp_path / "site"
    (root / "tu" / "bad").mkdir(parents=True)
    for name in ("MUTAG", "IMDB-BINARY"):
        _zip(Path(datasets_dir) / name, name, root / "tu" / f"{name}.zip")
    changed = tmp_path / "changed"
    shutil.copytree(Path(datasets_dir) / "MUTAG", changed / "MUTAG")
    (changed / "MUTAG" / "MUTAG_graph_labels.txt").write_text("1\n" * 188)
    _zip(changed / "MUTAG", "MUTAG", root / "tu" / "bad" / "MUTAG.zip")
    shutil.copytree(Path(datasets_dir) / "Cora", root / "planetoid")
    served = _Site(root)
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()
    served.thread.join()


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def _one_line_error(capsys: pytest.CaptureFixture[str], fragment: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("crossbar-sim: error: ") and fragment in err, err


def test_download_fetches_verifies_and_then_only_verifies(site: _Site, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CROSSBAR_SIM_DATA", str(data))
    assert main(["data", "download", "mutag", "--to", str(data), "--from", f"{site.base}/tu"]) == 0
    out = capsys.readouterr()
    assert out.out == f"{data / 'MUTAG'}\n" and out.err == ""  # the data root: no note
    parts = ("A", "edge_labels", "graph_indicator", "graph_labels", "node_labels")
    assert _tree(data) == ["MUTAG", *(f"MUTAG/MUTAG_{p}.txt" for p in parts), "MUTAG/README.txt"]
    assert main(["data", "download", "MUTAG", "--to", str(data), "--from", f"{site.base}/tu"]) == 0
    assert site.requests == ["/tu/MUTAG.zip"]  # the second call found the files verified
    assert main(["data", "download", "CORA", "--to", str(data), "--from", f"{site.base}/planetoid"]) == 0
    assert capsys.readouterr().out.endswith(f"{data / 'Cora'}\n")
    assert main(["data", "list", "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)["datasets"]}
    assert (listed["MUTAG"]["graphs"], listed["Cora"]["nodes"]) == (188, 2708)


def test_download_without_known_digests_pins_them_and_says_so(site: _Site, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CROSSBAR_SIM_DATA", str(tmp_path / "elsewhere"))
    assert main(["data", "download", "imdb-binary", "--from", f"{site.base}/tu"]) == 0
    out = capsys.readouterr()
    folder = tmp_path / "cache" / "crossbar-sim" / "datasets" / "IMDB-BINARY"
    assert out.out == f"{folder}\n"
    notes = out.err.splitlines()
    assert len(notes) == 2 and all(n.startswith("crossbar-sim: note: ") for n in notes), out.err
    assert f"digests are now pinned in {folder / 'SHA256SUMS'}" in notes[0]
    assert f"runs read datasets from {tmp_path / 'elsewhere'}; set CROSSBAR_SIM_DATA=" in notes[1]
    assert len((folder / "SHA256SUMS").read_text().splitlines()) == 3  # A, graph_indicator, graph_labels


@pytest.mark.parametrize(("argv", "fragment"), [
    (["nope"], "NAME = 'nope': must be one of MUTAG, PROTEINS, NCI1, IMDB-BINARY, COLLAB, Cora"),
    (["../MUTAG"], "NAME = '../MUTAG': must be one of"),
    (["MUTAG", "--from", "ftp://127.0.0.1/tu"], "--from = 'ftp://127.0.0.1/tu': must be an http:// or "),
    (["MUTAG", "--from", "{base}/missing"], "{base}/missing/MUTAG.zip: HTTP error 404"),
    (["MUTAG", "--from", "{base}/tu/bad"], "MUTAG_graph_labels.txt has SHA-256 "),
    (["Cora", "--from", "{base}/tu"], "{base}/tu/ind.cora.x: HTTP error 404"),
])
def test_a_failed_download_is_one_line_and_leaves_no_folder(argv: list[str], fragment: str, site: _Site,
                                                             tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    to = tmp_path / "new" / "data"  # neither folder exists yet
    args = [a.format(base=site.base) for a in argv]
    assert main(["data", "download", *args, "--to", str(to)]) == 2
    _one_line_error(capsys, fragment.format(base=site.base))
    assert not (tmp_path / "new").exists()


def test_download_into_a_file_or_an_existing_folder_keeps_it(site: _Site, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("x")
    assert main(["data", "download", "MUTAG", "--to", "file"]) == 2
    _one_line_error(capsys, "--to = 'file': is not a folder")
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main(["data", "download", "MUTAG", "--to", str(kept), "--from", f"{site.base}/tu/bad"]) == 2
    capsys.readouterr()
    assert kept.is_dir() and _tree(kept) == []


def test_download_failure_through_a_real_process(site: _Site, tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "crossbar_sim", "data", "download", "MUTAG", "--to",
                           str(tmp_path / "d"), "--from", f"{site.base}/missing"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(repo)})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "HTTP error 404" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "d").exists()
