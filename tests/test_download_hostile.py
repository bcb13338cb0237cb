"""Downloader against hostile or broken hosts on 127.0.0.1: slow, lying, oversized and malicious responses.

Every failure must be a DownloadError (DatasetError for a malformed pin file) with a one-line message
naming the URL or file, come within a bounded time, and leave nothing in the cache.
"""

from __future__ import annotations

import http.server
import io
import os
import re
import shutil
import socket
import ssl
import stat
import struct
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crossbar_sim.esgnn.datasets import (
    DatasetError,
    DatasetLimits,
    DownloadError,
    PinnedDigestWarning,
    download_dataset,
    load_tudataset,
)
from crossbar_sim.esgnn.datasets import download as download_module
from device_models.errors import ParameterError

Handler = http.server.BaseHTTPRequestHandler
Route = Callable[[Handler, threading.Event], None]
MiB = 1 << 20


class _Server:
    """A threaded HTTP server on 127.0.0.1 answering each path by its route; handlers stop on ``stop``."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.stop = threading.Event()
        routes, stop = self.routes, self.stop

        class RouteHandler(Handler):
            timeout = 5.0  # no handler waits longer on its client

            def do_GET(self) -> None:
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self, stop)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the downloader gave up, as it should

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RouteHandler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        scheme = "https" if tls else "http"
        self.base = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.urls = {"tudataset": self.base + "/tu", "planetoid": self.base + "/planetoid"}


def _running(tls: ssl.SSLContext | None = None) -> Iterator[_Server]:
    s = _Server(tls)
    yield s
    s.stop.set()
    s.httpd.shutdown()
    s.httpd.server_close()
    s.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _running()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made by the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[_Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    yield from _running(context)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _serve(data: bytes, length: int | None = None, chunked: bool = False) -> Route:
    """A route sending ``data``, declaring ``length`` bytes (default its size; -1: no Content-Length)."""
    def route(h: Handler, stop: threading.Event) -> None:
        h.send_response(200)
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        elif length != -1:
            h.send_header("Content-Length", str(len(data) if length is None else length))
        h.end_headers()
        for start in range(0, len(data), MiB):
            piece = data[start:start + MiB]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        if chunked:
            h.wfile.write(b"0\r\n\r\n")
    return route


def _trickle_body(h: Handler, stop: threading.Event) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    for _ in range(50):  # one byte per 0.2 s, for at most 10 s
        h.wfile.write(b"x")
        h.wfile.flush()
        if stop.wait(0.2):
            return


def _trickle_headers(h: Handler, stop: threading.Event) -> None:
    h.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
    for _ in range(50):
        h.wfile.write(b"x")
        h.wfile.flush()
        if stop.wait(0.2):
            return


def _redirect(to: str) -> Route:
    def route(h: Handler, stop: threading.Event) -> None:
        h.send_response(302)
        h.send_header("Location", to)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return route


def _stall(h: Handler, stop: threading.Event) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.flush()
    stop.wait(3.0)


def _leftovers(cache: Path) -> list[str]:
    """Everything under ``cache`` (hidden staging folders and temporary files included)."""
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*")) if cache.exists() else []


def _fails(cache: Path, urls: dict[str, str], match: str, name: str = "TOY", within_s: float = 5.0,
           **kwargs: object) -> str:
    """Run a download that must raise DownloadError matching ``match``; return its one-line message."""
    start = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download_dataset(name, cache, urls, **kwargs)
    elapsed = time.monotonic() - start
    message = str(info.value)
    assert type(info.value) is DownloadError
    assert "\n" not in message
    assert re.search(match, message), message
    assert elapsed < within_s, f"took {elapsed:.1f} s"
    assert _leftovers(cache) == []
    return message


def _toy_zip(members: dict[str, bytes] | None = None) -> bytes:
    """A valid two-graph TOY dataset zip; ``members`` adds or replaces members by name."""
    contents = {"TOY/TOY_A.txt": b"1, 2\n2, 1\n", "TOY/TOY_graph_indicator.txt": b"1\n1\n2\n",
                "TOY/TOY_graph_labels.txt": b"1\n2\n", **(members or {})}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in contents.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _zeros_zip(sizes: dict[str, int]) -> bytes:
    """A zip whose members hold ``sizes[name]`` zero bytes, written in 1 MiB pieces (a few kB each)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("TOY/TOY_graph_indicator.txt", b"1\n")
        zf.writestr("TOY/TOY_graph_labels.txt", b"1\n")
        for name, size in sizes.items():
            with zf.open(name, "w") as out:
                for start in range(0, size, MiB):
                    out.write(bytes(min(MiB, size - start)))
    return buf.getvalue()


# Slow hosts: the overall deadline and the per-read timeout.

@pytest.mark.parametrize("route", ["body", "headers", "redirect"])
def test_trickling_server_is_cut_off_at_the_deadline(server: _Server, cache: Path, route: str) -> None:
    server.routes["/slow"] = _trickle_headers if route == "headers" else _trickle_body
    server.routes["/tu/TOY.zip"] = _redirect("/slow") if route == "redirect" else server.routes["/slow"]
    message = _fails(cache, server.urls, r"not complete within the deadline of 1 s \(deadline_s\)",
                     within_s=2.5, deadline_s=1.0)
    assert message.startswith(f"{server.base}/tu/TOY.zip: ")


def test_https_downloads_verify_the_host_and_keep_the_deadline(
    tls_server: _Server, cache: Path, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tls_server.routes["/tu/TOY.zip"] = _serve(_toy_zip())
    tls_server.routes["/tu/SLOW.zip"] = _trickle_body
    _fails(cache, tls_server.urls, r"/tu/TOY\.zip: could not connect \(SSLCertVerificationError: .*"
           "self[- ]signed")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trusted from here on
    with pytest.warns(PinnedDigestWarning):
        assert download_dataset("TOY", cache, tls_server.urls) == cache / "TOY"
    _fails(cache / "other", tls_server.urls, r"/tu/SLOW\.zip: not complete within the deadline of 1 s",
           name="SLOW", within_s=2.5, deadline_s=1.0)


def test_silent_server_hits_the_read_timeout(server: _Server, cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download_module, "READ_TIMEOUT_S", 0.3)
    server.routes["/tu/TOY.zip"] = _stall
    _fails(cache, server.urls, r"/tu/TOY\.zip: no data for 0\.3 s$", within_s=2.0)


def test_connection_refused(cache: Path) -> None:
    with socket.socket() as bound:  # bound but not listening: connections are refused at once
        bound.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{bound.getsockname()[1]}"
        _fails(cache, {"tudataset": base}, r"/TOY\.zip: could not connect \(ConnectionRefusedError",
               within_s=2.0)


# Lying and oversized responses.

def test_content_length_larger_than_the_body(server: _Server, cache: Path) -> None:
    server.routes["/tu/TOY.zip"] = _serve(b"0123456789", length=1000)
    _fails(cache, server.urls, r"/tu/TOY\.zip: the connection closed after 10 of the 1,000 bytes")


def test_content_length_smaller_than_the_body(server: _Server, cache: Path) -> None:
    server.routes["/tu/TOY.zip"] = _serve(_toy_zip(), length=100)
    _fails(cache, server.urls, r"/tu/TOY\.zip: not a valid zip archive \(BadZipFile")


def test_declared_oversized_response_is_refused_before_reading(server: _Server, cache: Path) -> None:
    server.routes["/tu/TOY.zip"] = _serve(bytes(1000), length=10**12)
    _fails(cache, server.urls, r"/tu/TOY\.zip: the server declares 1,000,000,000,000 bytes; more than the "
           r"cap of 268,435,456 \(max_response_bytes\)$", within_s=2.0)


@pytest.mark.parametrize("framing", ["no length", "chunked"])
def test_streamed_oversized_response_is_cut_off(server: _Server, cache: Path, framing: str) -> None:
    server.routes["/tu/TOY.zip"] = _serve(bytes(3 * MiB), length=-1, chunked=framing == "chunked")
    _fails(cache, server.urls, r"/tu/TOY\.zip: more than the cap of 1,048,576 bytes \(max_response_bytes\)",
           max_response_bytes=MiB)


@pytest.mark.parametrize(("response", "problem"), [
    (b"HELLO\r\n\r\n", r"BadStatusLine: HELLO"),
    (b"HTTP/1.0 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n", r"LineTooLong: "),
    (b"HTTP/1.0 200 OK\r\n" + b"X: a\r\n" * 200 + b"\r\n", r"HTTPException: got more than 100 headers"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", r"IncompleteRead"),
    (b"HTTP/1.0 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n", r"ValueError: Invalid"),
])
def test_malformed_responses(server: _Server, cache: Path, response: bytes, problem: str) -> None:
    server.routes["/tu/TOY.zip"] = lambda h, stop: h.wfile.write(response)
    _fails(cache, server.urls, rf"/tu/TOY\.zip: download failed \({problem}")


def test_redirect_off_http_is_refused(server: _Server, cache: Path) -> None:
    server.routes["/tu/TOY.zip"] = _redirect("ftp://127.0.0.1/TOY.zip")
    _fails(cache, server.urls, r"/tu/TOY\.zip: could not connect \(unknown url type: ftp\)$")


# Malicious zips.

def test_zip_bomb_member_is_refused_by_its_declared_size(server: _Server, cache: Path) -> None:
    data = _zeros_zip({"TOY/TOY_A.txt": 4 * MiB})
    assert len(data) < 64 << 10  # 4 MiB of zeros in a few kB
    server.routes["/tu/TOY.zip"] = _serve(data)
    _fails(cache, server.urls, r"/tu/TOY\.zip: 'TOY/TOY_A\.txt' declares 4,194,304 bytes; more than the cap "
           r"of 1,048,576 bytes \(DatasetLimits\.max_file_bytes\)$", limits=DatasetLimits(max_file_bytes=MiB))


def test_zip_bomb_members_are_refused_by_their_total(server: _Server, cache: Path) -> None:
    server.routes["/tu/TOY.zip"] = _serve(_zeros_zip({"TOY/TOY_A.txt": 600 << 10,
                                                      "TOY/TOY_node_labels.txt": 600 << 10}))
    _fails(cache, server.urls, r"the dataset's members declare 1,\d{3},\d{3} bytes; more than the cap of "
           "1,048,576", limits=DatasetLimits(max_file_bytes=MiB))


def _patch_sizes(data: bytes, member: str, size: int) -> bytes:
    """``data`` with the uncompressed size of ``member`` set to ``size`` in its local and central headers."""
    out = bytearray(data)
    name = member.encode()
    for signature, field, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = next(m.start() for m in re.finditer(re.escape(signature), out)
                  if out[m.start() + name_at:m.start() + name_at + len(name)] == name)
        out[at + field:at + field + 4] = struct.pack("<L", size)
    return bytes(out)


def test_zip_bomb_with_a_lying_header_is_refused(server: _Server, cache: Path) -> None:
    data = _patch_sizes(_zeros_zip({"TOY/TOY_A.txt": 4 * MiB}), "TOY/TOY_A.txt", 1000)
    server.routes["/tu/TOY.zip"] = _serve(data)
    _fails(cache, server.urls, r"/tu/TOY\.zip: not a valid zip archive \(BadZipFile: Bad CRC-32 for file "
           "'TOY/TOY_A.txt'\\)", limits=DatasetLimits(max_file_bytes=MiB))


def test_member_beyond_its_header_is_cut_off_by_the_running_count(
    server: _Server, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CPython's zipfile stops at the declared size; a reader that trusted the data instead would not.
    server.routes["/tu/TOY.zip"] = _serve(_toy_zip())
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info: io.BytesIO(bytes(2 * MiB)))
    _fails(cache, server.urls, r"/tu/TOY\.zip: the dataset's members decompress to more than the cap of "
           r"1,048,576 bytes \(DatasetLimits\.max_file_bytes\) \(at 'TOY/TOY_A\.txt'\)$",
           limits=DatasetLimits(max_file_bytes=MiB))


def test_zip_with_too_many_members_is_refused(server: _Server, cache: Path) -> None:
    server.routes["/tu/TOY.zip"] = _serve(_toy_zip({f"junk/{i}": b"" for i in range(1000)}))
    _fails(cache, server.urls, r"/tu/TOY\.zip: the zip holds more than 1,000 members$")


@pytest.mark.parametrize("member", ["../TOY_node_labels.txt", "TOY/../../TOY_node_labels.txt",
                                    "/tmp/TOY_node_labels.txt", "C:/TOY_node_labels.txt",
                                    "..\\TOY_node_labels.txt", "\\TOY_node_labels.txt"])
def test_zip_slip_member_names_are_refused(server: _Server, cache: Path, tmp_path: Path, member: str) -> None:
    server.routes["/tu/TOY.zip"] = _serve(_toy_zip({member: b"1\n1\n1\n"}))
    _fails(cache, server.urls, rf"/tu/TOY\.zip: the zip member {re.escape(repr(member))} points outside the "
           "archive's folder$")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the cache folder made for it is removed too


def test_symlink_member_is_refused(server: _Server, cache: Path) -> None:
    link = zipfile.ZipInfo("TOY/TOY_node_labels.txt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    buf = io.BytesIO(_toy_zip())
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr(link, "/etc/passwd")
    server.routes["/tu/TOY.zip"] = _serve(buf.getvalue())
    _fails(cache, server.urls, r"the zip member 'TOY/TOY_node_labels\.txt' is a symbolic link$")


@pytest.mark.parametrize("damage", ["truncated", "corrupt data"])
def test_damaged_zip_is_refused(server: _Server, cache: Path, damage: str) -> None:
    data = _zeros_zip({"TOY/TOY_A.txt": MiB})
    if damage == "truncated":
        data = data[:len(data) // 2]
    else:  # overwrite the middle of the compressed data; the headers stay intact
        at = data.find(b"TOY/TOY_A.txt") + 400
        data = data[:at] + bytes(range(200)) + data[at + 200:]
    server.routes["/tu/TOY.zip"] = _serve(data)
    _fails(cache, server.urls, r"/tu/TOY\.zip: not a valid zip archive \((BadZipFile|error): ")


# Verification, installation and cleanup.

def test_wrong_digest_is_refused(server: _Server, cache: Path, datasets_dir: Path) -> None:
    members = {f"MUTAG/{p.name}": p.read_bytes() for p in sorted((datasets_dir / "MUTAG").iterdir())
               if p.suffix == ".txt"}
    members["MUTAG/MUTAG_graph_labels.txt"] = members["MUTAG/MUTAG_graph_labels.txt"].replace(b"-1", b"1", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    server.routes["/tu/MUTAG.zip"] = _serve(buf.getvalue())
    _fails(cache, server.urls, r"/tu/MUTAG\.zip: MUTAG_graph_labels\.txt has SHA-256 [0-9a-f]{64}; expected "
           r"a1518ea39ba3426b[0-9a-f]{48} \(known for the original file\)$", name="MUTAG")


def test_failed_install_leaves_no_partial_folder(server: _Server, cache: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server.routes["/tu/TOY.zip"] = _serve(_toy_zip())
    calls: list[Path] = []
    real = download_module.commit_file

    def failing(tmp: Path, target: Path) -> Path:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(tmp, target)

    monkeypatch.setattr(download_module, "commit_file", failing)
    _fails(cache, server.urls, r"cache/TOY: could not install the verified files \(OSError: \[Errno 28\] No "
           r"space left on device\)$")
    assert len(calls) == 2


def test_pin_file_naming_a_path_is_refused(server: _Server, cache: Path) -> None:
    (cache / "TOY").mkdir(parents=True)
    pins = cache / "TOY" / "SHA256SUMS"
    pins.write_text(f"{'0' * 64}  ../../outside.txt\n")
    expected = r"SHA256SUMS, line 1: .*expected '<sha256 hex>  <file name>'$"
    with pytest.raises(DatasetError, match=expected) as info:
        download_dataset("TOY", cache, server.urls)
    assert "\n" not in str(info.value)
    assert _leftovers(cache) == ["TOY", "TOY/SHA256SUMS"]


def test_base_urls_must_be_http(cache: Path) -> None:
    for url in ("file:///etc", "ftp://127.0.0.1/", "127.0.0.1:80/tu"):
        with pytest.raises(ParameterError, match=r"base_urls\['tudataset'\] = .*: must be an http:// or "):
            download_dataset("TOY", cache, {"tudataset": url})
    assert _leftovers(cache) == []


def _make_old(path: Path, hours: float = 2.0) -> None:
    when = time.time() - hours * 3600
    for p in [*sorted(path.rglob("*"), reverse=True), path]:
        os.utime(p, (when, when), follow_symlinks=False)


def test_stale_staging_folders_are_removed_and_fresh_ones_kept(server: _Server, cache: Path,
                                                               tmp_path: Path) -> None:
    old, other, fresh, live = (cache / n for n in (".TOY-download-a1b2c3d4", ".MUTAG-download-x_y_z_01",
                                                  ".TOY-download-fresh123", ".TOY-download-live1234"))
    for folder in (old, other, fresh, live):
        (folder / "TOY").mkdir(parents=True)
        (folder / "TOY" / "TOY_A.txt").write_text("1, 2\n")
    unrelated = cache / "notes-download-abcdefgh"  # not a staging name (no leading dot)
    unrelated.mkdir()
    stray = cache / ".TOY-download-file5678"  # a file, not a folder
    stray.write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    link = cache / ".TOY-download-link5678"  # a symlink to an old folder: never followed
    link.symlink_to(outside, target_is_directory=True)
    for path in (old, other, unrelated, stray, outside, link):
        _make_old(path)
    _make_old(live)
    os.utime(live / "TOY" / "TOY_A.txt")  # an old folder still being written to
    server.routes["/tu/TOY.zip"] = _serve(_toy_zip())
    with pytest.warns(PinnedDigestWarning):
        download_dataset("TOY", cache, server.urls)
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        ["TOY", fresh.name, live.name, unrelated.name, stray.name, link.name])
    assert outside.is_dir()
    assert load_tudataset("TOY", cache).num_graphs == 2
