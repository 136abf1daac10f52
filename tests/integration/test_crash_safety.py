"""SIGKILL during a real ingestion, then run it again: the store ends exactly as a clean
run leaves it (same chunks, no duplicates, nothing missing)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.core.store.milvus import MilvusStore
from tests.cli import REPO, fathom_json


def _snapshot(home: Path) -> tuple[int, list[str], dict[str, str]]:
    """(chunk count, sorted chunk ids, manifest path -> hash)."""
    store = MilvusStore(str(home / "store" / "fathom.db"))
    try:
        ids = store.chunk_ids()
        files = {p: r.hash for p, r in store.files().items()}
        return store.count(), sorted(ids), files
    finally:
        store.close()


def _manifest_bytes(home: Path) -> int:
    """Bytes written to the file manifest's collection: grows as files are recorded."""
    folder = home / "store" / "fathom.db" / "collections" / "fathom_default_files"
    if not folder.exists():
        return 0
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(("schema", "manifest"))
    )


def _start(home: Path, docs: Path, model: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FATHOM_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", "ingest", str(docs), "--embedding", str(model), "--json"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def docs(tmp_path: Path, corpus: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(corpus / "getstarted", target / "getstarted")
    shutil.copytree(corpus / "faq", target / "faq")
    return target


def test_killed_ingestion_resumes_to_the_clean_result(
    docs: Path, onnx_model_dir: Path, tmp_path: Path
) -> None:
    clean_home = tmp_path / "clean"
    clean = fathom_json("--base-dir", clean_home, "ingest", docs, "--embedding", onnx_model_dir)
    assert clean["failed"] == [] and clean["added"] > 20
    expected = _snapshot(clean_home)
    assert expected[0] == clean["chunks"] == len(expected[1])

    home = tmp_path / "killed"
    progress: list[int] = []
    for extra in (0.0, 0.7, 1.5):
        before = _manifest_bytes(home)
        proc = _start(home, docs, onnx_model_dir)
        deadline = time.monotonic() + 300
        while proc.poll() is None and _manifest_bytes(home) <= before:
            assert time.monotonic() < deadline, "the ingestion made no progress"
            time.sleep(0.05)
        time.sleep(extra)  # somewhere in the middle of the next files
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        progress.append(len(_snapshot(home)[2]))
    assert len(progress) >= 2, "the kills should land while files were being ingested"
    assert 0 < progress[0] < len(expected[2])

    final = fathom_json("--base-dir", home, "ingest", docs, "--embedding", onnx_model_dir)
    assert final["failed"] == []
    count, ids, files = _snapshot(home)
    assert len(ids) == len(set(ids)), "duplicate chunks"
    assert (count, ids, files) == expected
    again = fathom_json("--base-dir", home, "ingest", docs, "--embedding", onnx_model_dir)
    assert again["unchanged"] == len(expected[2]) and again["added"] == again["updated"] == 0
