"""Fathom's real downloads (huggingface-hub) against a local hub on 127.0.0.1.

``tests/hub_server.py`` serves repos the way huggingface.co does over plain HTTP (no Xet);
``HF_ENDPOINT`` points the client at it. The CLI runs in a subprocess, as people run it;
the embedder is built in-process, with huggingface-hub's import-time settings (endpoint,
offline mode) patched to match the environment variables.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pytest

from desktop.core.errors import Cancelled, DownloadError, ModelError
from desktop.core.modelhub.catalog import installed_embeddings, installed_ggufs
from desktop.core.modelhub.download import DownloadDone, DownloadProgress, download
from desktop.core.progress import CancelToken
from tests.hub_server import HubServer, Logged

REPO_ROOT = Path(__file__).resolve().parents[2]
GGUF_REPO, GGUF_FILE = "test/tiny-gguf", "tiny.gguf"
MINILM = "test/minilm"
# huggingface-hub 2.4 streams GET bodies in 10 MiB chunks (constants.DOWNLOAD_CHUNK_SIZE) and
# resumes from the last whole chunk written, so the test file must be larger than that.
BLOB_SIZE = 24 << 20
CUT_AT = 15_000_000
# What embedding_folder() must fetch from the MiniLM repo (EMBEDDING_FILES), spelled out.
MINILM_WANTED = {
    "1_Pooling/config.json",
    "config.json",
    "config_sentence_transformers.json",
    "data_config.json",
    "modules.json",
    "onnx/model.onnx",
    "sentence_bert_config.json",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
}
QUERY = "How do I create a collection in Milvus?"


@pytest.fixture(scope="module")
def blob() -> bytes:
    data = random.Random(20240611).randbytes(BLOB_SIZE)
    return b"GGUF" + data[4:]


@pytest.fixture
def hub(blob: bytes) -> Iterator[HubServer]:
    with HubServer({GGUF_REPO: {GGUF_FILE: blob}}) as server:
        yield server


def _pull_env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env.pop("TRANSFORMERS_OFFLINE", None)
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HUB_OFFLINE="0",
        HF_HOME=str(tmp_path / "hf-home"),  # no token or cache of the person running the tests
        HF_HUB_DISABLE_PROGRESS_BARS="1",
    )
    return env


def _pull_cmd() -> list[str]:
    cmd = [sys.executable, "-m", "desktop", "models", "pull"]
    return [*cmd, "--repo", GGUF_REPO, "--file", GGUF_FILE]


def _pull(
    hub: HubServer, tmp_path: Path, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``fathom models pull --repo test/tiny-gguf --file tiny.gguf`` against ``hub``."""
    return subprocess.run(
        (prefix or []) + _pull_cmd(),
        env=_pull_env(hub, tmp_path),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _resolve_gets(hub: HubServer, path: str) -> list[Logged]:
    return hub.requests_for(f"/resolve/main/{path}", "GET")


# --- the local hub itself ---------------------------------------------------------------


def test_local_hub_speaks_the_protocol(hub: HubServer, blob: bytes) -> None:
    """What the client relies on: hub headers, 206 ranges, the tree listing, faults."""
    host, port = urlsplit(hub.url).netloc.split(":")
    sha256 = hashlib.sha256(blob).hexdigest()
    url = f"/{GGUF_REPO}/resolve/main/{GGUF_FILE}"

    def fetch(
        method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp, body

    resp, _ = fetch("HEAD", url)
    assert resp.status == 200
    assert resp.getheader("X-Repo-Commit") == hub.repo(GGUF_REPO).sha
    assert len(hub.repo(GGUF_REPO).sha) == 40
    assert resp.getheader("X-Linked-Etag") == f'"{sha256}"'
    assert resp.getheader("ETag") == f'"{sha256}"'
    assert resp.getheader("X-Linked-Size") == str(BLOB_SIZE)
    assert resp.getheader("Content-Length") == str(BLOB_SIZE)
    assert not [h for h, _ in resp.getheaders() if "xet" in h.lower()]

    resp, body = fetch("GET", url, {"Range": "bytes=1000-"})
    assert resp.status == 206
    assert resp.getheader("Content-Range") == f"bytes 1000-{BLOB_SIZE - 1}/{BLOB_SIZE}"
    assert body == blob[1000:]
    assert hub.requests[-1].range_start == 1000

    resp, body = fetch("GET", f"/api/models/{GGUF_REPO}/tree/main?recursive=True&expand=False")
    assert resp.status == 200
    [entry] = json.loads(body)
    assert entry["path"] == GGUF_FILE and entry["size"] == BLOB_SIZE
    assert entry["lfs"]["oid"] == sha256 and "xetHash" not in entry

    resp, body = fetch("GET", f"/api/models/{GGUF_REPO}/revision/main")
    info = json.loads(body)
    assert info["sha"] == hub.repo(GGUF_REPO).sha
    assert info["siblings"] == [{"rfilename": GGUF_FILE}]

    resp, _ = fetch("HEAD", f"/{GGUF_REPO}/resolve/main/missing.bin")
    assert resp.status == 404 and resp.getheader("X-Error-Code") == "EntryNotFound"

    hub.corrupt(GGUF_REPO, GGUF_FILE)
    resp, body = fetch("GET", url)
    assert resp.getheader("X-Linked-Etag") == f'"{sha256}"'
    assert len(body) == BLOB_SIZE and body != blob

    hub.heal()
    hub.cut(GGUF_REPO, GGUF_FILE, at=5000)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", url)
    resp = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead) as cut:
        resp.read()
    conn.close()
    assert len(cut.value.partial) == 5000


# --- fathom models pull -----------------------------------------------------------------


def test_pull_downloads_the_file(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path
) -> None:
    result = _pull(hub, tmp_path)

    assert result.returncode == 0, result.stderr
    target = fathom_home / "models" / GGUF_FILE
    assert f"Ready: {target}" in result.stdout
    assert target.read_bytes() == blob
    assert installed_ggufs(fathom_home / "models") == [target]
    [get] = _resolve_gets(hub, GGUF_FILE)
    assert get.range_start is None and get.status == 200
    assert not list((fathom_home / "models").rglob("*.incomplete"))


def test_pull_resumes_a_dropped_connection_within_the_run(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path
) -> None:
    """The server closes the connection at 15 MB once: the client asks for the rest."""
    hub.cut(GGUF_REPO, GGUF_FILE, at=CUT_AT, times=1)

    result = _pull(hub, tmp_path)

    assert result.returncode == 0, result.stderr
    assert (fathom_home / "models" / GGUF_FILE).read_bytes() == blob
    first, resumed = _resolve_gets(hub, GGUF_FILE)
    assert first.body_bytes == CUT_AT
    assert resumed.range_start is not None and 0 < resumed.range_start <= CUT_AT
    assert resumed.status == 206
    assert resumed.body_bytes == BLOB_SIZE - resumed.range_start


def test_pull_gets_a_new_link_when_the_resume_is_refused(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path
) -> None:
    """The connection drops and the retry is refused (403, an expired signed link): the
    client asks the hub for the file's location again and resumes with it."""
    hub.cut(GGUF_REPO, GGUF_FILE, at=CUT_AT, times=1)
    hub.deny(GGUF_REPO, GGUF_FILE, times=1)

    result = _pull(hub, tmp_path)

    assert result.returncode == 0, result.stderr
    assert (fathom_home / "models" / GGUF_FILE).read_bytes() == blob
    first, refused, resumed = _resolve_gets(hub, GGUF_FILE)
    assert first.body_bytes == CUT_AT
    assert refused.status == 403 and refused.range_start == CUT_AT
    assert resumed.status == 206 and resumed.range_start == CUT_AT
    assert len(hub.requests_for(f"/resolve/main/{GGUF_FILE}", "HEAD")) == 2


@pytest.mark.slow
@pytest.mark.parametrize("how", ["close", "reset"])
def test_pull_fails_cleanly_when_the_network_goes_then_a_rerun_completes(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path, how: str
) -> None:
    """Mid-body the connection ends (orderly close or TCP reset) and the hub stays away."""
    hub.cut(GGUF_REPO, GGUF_FILE, at=CUT_AT, then_offline=True, reset=how == "reset")

    failed = _pull(hub, tmp_path)

    assert failed.returncode == 1, failed.stdout + failed.stderr
    # huggingface-hub logs its retries first; Fathom's message and hint end the output.
    *_, error, hint = failed.stderr.splitlines()
    assert error.startswith(f"fathom: error: Download of {GGUF_REPO}/{GGUF_FILE} failed: "), (
        failed.stderr
    )
    assert hint.startswith("  hint: Check the network connection"), failed.stderr
    assert "Traceback" not in failed.stderr
    assert "Ready:" not in failed.stdout
    models = fathom_home / "models"
    assert not (models / GGUF_FILE).exists()
    assert installed_ggufs(models) == []

    hub.heal()
    hub.clear_log()
    again = _pull(hub, tmp_path)

    assert again.returncode == 0, again.stderr
    assert (models / GGUF_FILE).read_bytes() == blob
    assert installed_ggufs(models) == [models / GGUF_FILE]


def test_pull_rerun_resumes_the_partial_file(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path
) -> None:
    hub.cut(GGUF_REPO, GGUF_FILE, at=CUT_AT, then_offline=True, reset=True)
    failed = _pull(hub, tmp_path)
    assert failed.returncode == 1, failed.stderr
    assert not (fathom_home / "models" / GGUF_FILE).exists()
    part = fathom_home / "models" / (GGUF_FILE + ".part")
    kept = part.stat().st_size  # what the client read before the reset (the kernel
    assert 0 < kept <= CUT_AT  # drops what was still unread when the reset came)
    assert "resumes where it stopped" in failed.stderr
    hub.heal()
    hub.clear_log()

    again = _pull(hub, tmp_path)

    assert again.returncode == 0, again.stderr
    assert (fathom_home / "models" / GGUF_FILE).read_bytes() == blob
    assert not part.exists()
    [get] = _resolve_gets(hub, GGUF_FILE)
    assert get.range_start == kept, f"the rerun asked for {get.headers.get('range')}"
    assert get.status == 206 and get.body_bytes == BLOB_SIZE - kept


def test_pull_resumes_after_the_process_was_killed(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path
) -> None:
    """SIGKILL mid-download (no cleanup runs): the next run asks only for the rest."""
    stall_at = 9_000_000
    hub.stall(GGUF_REPO, GGUF_FILE, at=stall_at)
    part = fathom_home / "models" / (GGUF_FILE + ".part")
    proc = subprocess.Popen(
        _pull_cmd(), env=_pull_env(hub, tmp_path), cwd=REPO_ROOT, stdout=subprocess.DEVNULL
    )
    try:
        assert hub.stalled.wait(timeout=60), "the download never reached the stall"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
            part.exists() and part.stat().st_size == stall_at
        ):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert part.stat().st_size == stall_at
    assert not (fathom_home / "models" / GGUF_FILE).exists()
    hub.heal()
    hub.clear_log()

    again = _pull(hub, tmp_path)

    assert again.returncode == 0, again.stderr
    assert "Resuming after" in again.stdout
    assert (fathom_home / "models" / GGUF_FILE).read_bytes() == blob
    [get] = _resolve_gets(hub, GGUF_FILE)
    assert get.range_start == stall_at and get.body_bytes == BLOB_SIZE - stall_at


def test_pull_rejects_a_corrupted_download(
    hub: HubServer, blob: bytes, fathom_home: Path, tmp_path: Path
) -> None:
    hub.corrupt(GGUF_REPO, GGUF_FILE)

    result = _pull(hub, tmp_path)

    [get] = _resolve_gets(hub, GGUF_FILE)
    assert get.body_bytes == BLOB_SIZE  # the corrupted file was served whole
    target = fathom_home / "models" / GGUF_FILE
    assert result.returncode != 0, f"corrupted download accepted (identical: {_same(target, blob)})"
    assert not target.exists()
    assert "Traceback" not in result.stderr
    sha256 = hashlib.sha256(blob).hexdigest()
    assert "is corrupted: its SHA-256 is " in result.stderr
    assert f"but the hub publishes {sha256}. The file was deleted, not installed." in (
        result.stderr
    )
    assert not list((fathom_home / "models").glob("*.part"))  # the bad bytes are gone


def _same(path: Path, blob: bytes) -> bool:
    return path.is_file() and path.read_bytes() == blob


# --- a full disk -----------------------------------------------------------------------


def _own_tmpfs_works() -> bool:
    """Can this machine give a process its own small filesystem (a user + mount
    namespace with a tmpfs)? Needs util-linux's unshare and unprivileged namespaces."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


needs_tmpfs = pytest.mark.skipif(
    not _own_tmpfs_works(), reason="no user/mount namespaces here for a small real filesystem"
)


def _on_tmpfs(folder: Path, size: str) -> list[str]:
    """A command prefix: run the command with ``folder`` on a fresh tmpfs of ``size``.

    ``unshare`` execs the command, so its pid is the download's pid, and the test can
    reach that filesystem through ``/proc/PID/root``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    script = 'mount -t tmpfs -o size="$0" tmpfs "$1" && shift && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, size, str(folder)]


@needs_tmpfs
def test_pull_refuses_to_start_without_the_disk_space(
    hub: HubServer, fathom_home: Path, tmp_path: Path
) -> None:
    """A real 16 MB filesystem and a 24 MB file: refused before the first byte."""
    models = fathom_home / "models"

    result = _pull(hub, tmp_path, prefix=_on_tmpfs(models, "16m"))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "fathom: error: Not enough free disk space in " in result.stderr
    assert "the download needs 25.2 MB more" in result.stderr
    assert "hint: Free some space" in result.stderr
    assert not _resolve_gets(hub, GGUF_FILE)  # nothing was fetched
    assert hub.requests_for(f"/resolve/main/{GGUF_FILE}", "HEAD")


@needs_tmpfs
def test_pull_reports_a_disk_that_fills_up_during_the_download(
    hub: HubServer, fathom_home: Path, tmp_path: Path
) -> None:
    """The check passes, then something else fills the disk mid-file: ENOSPC is reported
    as a full disk, with the hint that the download resumes."""
    models = fathom_home / "models"
    hub.stall(GGUF_REPO, GGUF_FILE, at=8 << 20)
    cmd = _on_tmpfs(models, "100m") + _pull_cmd()
    proc = subprocess.Popen(
        cmd,
        env=_pull_env(hub, tmp_path),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert hub.stalled.wait(timeout=60), "the download never reached the stall"
        inside = Path(f"/proc/{proc.pid}/root") / models.relative_to("/")
        assert (inside / (GGUF_FILE + ".part")).exists()
        with (inside / "filler").open("wb", buffering=0) as filler, pytest.raises(OSError) as full:
            while True:
                filler.write(bytes(1 << 20))
        assert full.value.errno == errno.ENOSPC
        hub.release()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, out + err
    assert "fathom: error: The disk is full: writing tiny.gguf.part failed after " in err
    assert "the download resumes where it stopped" in err
    assert "Traceback" not in err
    assert not (models / GGUF_FILE).exists()


# --- download() in-process: events, cancel, free space, offline -------------------------


@pytest.fixture
def local_hub(hub: HubServer, hub_client: Callable[[str | None], None]) -> Iterator[HubServer]:
    hub_client(hub.url)
    yield hub


def test_download_events_cancel_and_resume(
    local_hub: HubServer, blob: bytes, tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    cancel = CancelToken()
    seen: list[DownloadProgress] = []
    # Cancel mid-file: at a stall the server holds at 8 MiB (on a quiet machine the whole
    # file can arrive between two progress events, so the events cannot time the cancel).
    local_hub.stall(GGUF_REPO, GGUF_FILE, at=8 << 20)

    def cancel_at_the_stall() -> None:
        if local_hub.stalled.wait(timeout=60):
            cancel.cancel()
        local_hub.release()

    canceller = threading.Thread(target=cancel_at_the_stall, daemon=True)
    canceller.start()
    with pytest.raises(Cancelled):
        for event in download(GGUF_REPO, GGUF_FILE, dest, cancel=cancel):
            assert isinstance(event, DownloadProgress)
            seen.append(event)
    canceller.join(timeout=60)
    part = dest / (GGUF_FILE + ".part")
    kept = part.stat().st_size
    assert 0 < kept < BLOB_SIZE and not (dest / GGUF_FILE).exists()
    assert all(e.total == BLOB_SIZE and e.phase == "download" for e in seen)
    assert [e.done for e in seen] == sorted(e.done for e in seen)
    local_hub.clear_log()

    events = list(download(GGUF_REPO, GGUF_FILE, dest))

    *progress, done = events
    assert isinstance(done, DownloadDone)
    assert done.path == dest / GGUF_FILE and done.path.read_bytes() == blob
    assert done.resumed_from == kept and done.sha256 == hashlib.sha256(blob).hexdigest()
    assert all(isinstance(e, DownloadProgress) for e in progress)
    assert progress[-1].done == BLOB_SIZE  # the last event is the whole file
    [get] = _resolve_gets(local_hub, GGUF_FILE)
    assert get.range_start == kept
    moving = [e for e in progress if isinstance(e, DownloadProgress) and e.speed > 0]
    assert moving and all(e.eta_s is not None and e.eta_s >= 0 for e in moving)

    # Already in place: nothing is fetched again.
    local_hub.clear_log()
    [again] = list(download(GGUF_REPO, GGUF_FILE, dest))
    assert isinstance(again, DownloadDone) and again.already_present
    assert not _resolve_gets(local_hub, GGUF_FILE)


def test_a_part_file_of_another_version_is_not_resumed(
    local_hub: HubServer, blob: bytes, tmp_path: Path
) -> None:
    """The file changed on the hub since the part was written: start over, not mix."""
    part = tmp_path / (GGUF_FILE + ".part")
    part.write_bytes(blob[: 5 << 20])
    (tmp_path / (GGUF_FILE + ".part.digest")).write_text("0" * 64 + "\n")

    *_, done = download(GGUF_REPO, GGUF_FILE, tmp_path)

    assert isinstance(done, DownloadDone) and done.resumed_from == 0
    assert done.path.read_bytes() == blob
    [get] = _resolve_gets(local_hub, GGUF_FILE)
    assert get.range_start is None and get.body_bytes == BLOB_SIZE
    assert sorted(p.name for p in tmp_path.iterdir()) == [GGUF_FILE]


def test_download_checks_free_space_first(
    local_hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same check as the tmpfs test, through a reported free space, on any machine."""
    usage = shutil.disk_usage(tmp_path)._replace(free=BLOB_SIZE)  # no room for the margin
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage)
    with pytest.raises(DownloadError, match="Not enough free disk space"):
        next(download(GGUF_REPO, GGUF_FILE, tmp_path))
    assert not _resolve_gets(local_hub, GGUF_FILE)


def test_download_offline_says_so(hub_client: Callable[[str | None], None], tmp_path: Path) -> None:
    hub_client(None)
    with pytest.raises(DownloadError, match=r"Fathom is offline \(HF_HUB_OFFLINE is set\)") as err:
        next(download(GGUF_REPO, GGUF_FILE, tmp_path))
    assert "fathom models add PATH" in err.value.hint


# --- the embedding model by hub id ------------------------------------------------------


@pytest.fixture
def hub_client(monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None], None]:
    """Point this process's huggingface-hub at a local hub (a URL) or take it offline (None).

    huggingface-hub reads HF_ENDPOINT and HF_HUB_OFFLINE when it is imported, so the
    environment variables are set and the module's copies patched to match.
    """
    import huggingface_hub.constants as constants

    def point(url: str | None) -> None:
        monkeypatch.setenv("HF_HUB_OFFLINE", "0" if url else "1")
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", url is None)
        if url:
            monkeypatch.setenv("HF_ENDPOINT", url)
            monkeypatch.setattr(constants, "ENDPOINT", url)
            template = url + "/{repo_id}/resolve/{revision}/{filename}"
            monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)

    return point


def _minilm_files(folder: Path) -> dict[str, bytes | Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _query_vector(spec: str) -> tuple[Path, np.ndarray]:
    from desktop.core.services import Services

    embedder = Services.from_environment().embedder(spec)
    [vector] = embedder.encode_queries([QUERY])
    return Path(embedder.folder), np.asarray(vector)


@pytest.fixture(scope="module")
def minilm_reference(onnx_model_dir: Path) -> np.ndarray:
    from desktop.core.embeddings.onnx import OnnxEmbedder

    [vector] = OnnxEmbedder(onnx_model_dir).encode_queries([QUERY])
    return np.asarray(vector)


@pytest.mark.slow
def test_embedder_by_hub_id_downloads_what_it_needs_then_works_offline(
    onnx_model_dir: Path,
    minilm_reference: np.ndarray,
    hub_client: Callable[[str | None], None],
    fathom_home: Path,
) -> None:
    assert (onnx_model_dir / "model.safetensors").is_file()  # served, must not be fetched
    server = HubServer({MINILM: _minilm_files(onnx_model_dir)})
    with server:
        hub_client(server.url)
        folder, vector = _query_vector(MINILM)

    assert vector.shape == (384,)
    np.testing.assert_allclose(vector, minilm_reference, rtol=1e-5, atol=1e-6)
    hub_cache = fathom_home / "models" / "hub"
    assert folder.is_relative_to(hub_cache / "models--test--minilm" / "snapshots")
    assert folder.name == server.repo(MINILM).sha
    gets = server.requests_for(f"/{MINILM}/resolve/", "GET")
    fetched = {unquote(r.path).split("/resolve/", 1)[1].split("/", 1)[1] for r in gets}
    assert fetched == MINILM_WANTED
    assert not server.requests_for("model.safetensors")
    assert not server.requests_for("README.md")
    assert installed_embeddings(hub_cache) == [MINILM]

    # The server is gone and huggingface-hub is offline: the cache is enough.
    hub_client(None)
    folder_offline, vector_offline = _query_vector(MINILM)

    assert folder_offline == folder
    np.testing.assert_array_equal(vector_offline, vector)


@pytest.mark.slow
def test_embedder_download_cut_off_is_a_model_error_then_completes(
    onnx_model_dir: Path,
    minilm_reference: np.ndarray,
    hub_client: Callable[[str | None], None],
) -> None:
    server = HubServer({MINILM: _minilm_files(onnx_model_dir)})
    server.cut(MINILM, "onnx/model.onnx", at=CUT_AT, then_offline=True, reset=True)
    with server:
        hub_client(server.url)
        with pytest.raises(ModelError, match=f"embedding model {MINILM} .*cannot be downloaded"):
            _query_vector(MINILM)
        assert server.requests_for("/onnx/model.onnx", "GET")

        server.heal()
        folder, vector = _query_vector(MINILM)

    assert (folder / "onnx" / "model.onnx").read_bytes() == (
        onnx_model_dir / "onnx" / "model.onnx"
    ).read_bytes()
    np.testing.assert_allclose(vector, minilm_reference, rtol=1e-5, atol=1e-6)


# --- fathom setup --yes -------------------------------------------------------------------


def _gguf_with_header(arch: str, size: int) -> bytes:
    """A GGUF whose header names ``arch``, padded with random bytes to ``size``."""
    key, value = b"general.architecture", arch.encode()
    kv = struct.pack("<Q", len(key)) + key + struct.pack("<I", 8)
    kv += struct.pack("<Q", len(value)) + value
    header = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + kv
    return header + random.Random(7).randbytes(size - len(header))


def test_setup_yes_downloads_verifies_and_uses_the_chat_model(
    onnx_model_dir: Path, fathom_home: Path, tmp_path: Path
) -> None:
    chat = _gguf_with_header("llama", 3 << 20)
    with HubServer({"test/chat": {"chat.gguf": chat}}) as server:
        cmd = [sys.executable, "-m", "desktop", "setup", "--yes"]
        cmd += ["--repo", "test/chat", "--file", "chat.gguf", "--embedding", str(onnx_model_dir)]
        result = subprocess.run(
            cmd,
            env=_pull_env(server, tmp_path),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    target = fathom_home / "models" / "chat.gguf"
    assert target.read_bytes() == chat
    assert f"Verified: SHA-256 {hashlib.sha256(chat).hexdigest()}" in result.stdout
    assert "Set up. Next: fathom ingest FOLDER" in result.stdout
    settings = json.loads((fathom_home / "settings.json").read_text())
    assert settings["llm"]["model"] == str(target)
    assert settings["embedding"]["model"] == str(onnx_model_dir)


@pytest.mark.slow
def test_embedder_download_is_verified_too(
    onnx_model_dir: Path, hub_client: Callable[[str | None], None], fathom_home: Path
) -> None:
    """The embedding model's files go through the same checked download as a GGUF."""
    server = HubServer({MINILM: _minilm_files(onnx_model_dir)})
    server.corrupt(MINILM, "onnx/model.onnx")
    with server:
        hub_client(server.url)
        with pytest.raises(ModelError, match=r"onnx/model\.onnx is corrupted: its SHA-256 is"):
            _query_vector(MINILM)
    assert installed_embeddings(fathom_home / "models" / "hub") == []
    assert not list((fathom_home / "models" / "hub").rglob("model.onnx*"))
