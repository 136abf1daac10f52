"""fathom ingest --watch on a real store: edits, new files and deletions are synced."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.cli import REPO


def _reader(stream: Any, out: queue.Queue[dict[str, Any]]) -> None:
    for line in stream:
        if line.strip():
            out.put(json.loads(line))


def test_watch_syncs_changes_until_interrupted(
    tmp_path: Path, corpus: Path, onnx_model_dir: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus / "faq" / "product_faq.md", docs)
    shutil.copy(corpus / "faq" / "troubleshooting.md", docs)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop",
            "ingest",
            str(docs),
            "--embedding",
            str(onnx_model_dir),
            "--json",
            "--watch",
            "--interval",
            "0.3",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    summaries: queue.Queue[dict[str, Any]] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, summaries), daemon=True).start()
    try:
        first = summaries.get(timeout=180)
        assert first["added"] == 2

        (docs / "new.md").write_text("# New\n\nA note written while Fathom watches.\n")
        s = summaries.get(timeout=60)
        assert (s["added"], s["unchanged"]) == (1, 2)

        with (docs / "product_faq.md").open("a") as f:
            f.write("\n#### Added later?\n\nYes.\n")
        s = summaries.get(timeout=60)
        assert (s["updated"], s["unchanged"]) == (1, 2)

        (docs / "troubleshooting.md").unlink()
        s = summaries.get(timeout=60)
        assert (s["removed"], s["unchanged"]) == (1, 2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # show where it hangs: faulthandler's stacks
            proc.send_signal(signal.SIGABRT)
            _, err = proc.communicate(timeout=30)
            raise AssertionError(f"still running 60 s after SIGINT:\n{err[-6000:]}") from None
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_untouched_files_are_not_read_again(
    tmp_path: Path, corpus: Path, onnx_model_dir: Path
) -> None:
    """Same size and time as recorded: skipped without reading. Touched but equal
    content: read, found unchanged, its new time remembered."""
    from desktop.core.embeddings.onnx import OnnxEmbedder
    from desktop.core.ingest.pipeline import Summary, ingest
    from desktop.core.store.milvus import MilvusStore

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus / "faq" / "product_faq.md", docs)
    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(str(tmp_path / "s.db"))
    reads: list[Path] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    try:
        list(ingest([docs], store, embedder))
        Path.read_bytes = counting  # type: ignore[method-assign]
        summary = list(ingest([docs], store, embedder))[-1]
        assert isinstance(summary, Summary) and summary.unchanged == 1
        assert reads == []
        later = time.time() + 10
        os.utime(docs / "product_faq.md", (later, later))
        assert list(ingest([docs], store, embedder))[-1].unchanged == 1  # type: ignore[union-attr]
        assert len(reads) == 1
        assert list(ingest([docs], store, embedder))[-1].unchanged == 1  # type: ignore[union-attr]
        assert len(reads) == 1  # the new time was recorded
    finally:
        Path.read_bytes = original  # type: ignore[method-assign]
        store.close()


def test_a_file_changing_while_read_fails_alone(tmp_path: Path) -> None:
    from desktop.core.ingest.pipeline import _read
    from desktop.core.ingest.readers import ReadError

    path = tmp_path / "growing.txt"
    path.write_text("first part\n")
    original = Path.read_bytes

    def appending(self: Path) -> bytes:
        data = original(self)
        with self.open("a") as f:  # another program writes meanwhile
            f.write("more\n")
        return data

    Path.read_bytes = appending  # type: ignore[method-assign]
    try:
        try:
            _read(path, path.stat().st_size, 10**6)
            raise AssertionError("a changing file must be refused")
        except ReadError as exc:
            assert "changed while it was being read" in str(exc)
    finally:
        Path.read_bytes = original  # type: ignore[method-assign]
