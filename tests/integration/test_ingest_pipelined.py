"""Reading ahead on the reader thread changes nothing but timing: the same events and
chunks as one step after the other, and cancelling or abandoning a run stops the thread."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.errors import Cancelled
from desktop.core.ingest.pipeline import FileDone, IngestOptions, Summary, ingest
from desktop.core.progress import CancelToken
from desktop.core.store.milvus import MilvusStore

FILES = ("text_search_engine.md", "recommendation_system.md", "question_answering_system.md")


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "fathom-ingest-reader"]


@pytest.fixture
def docs(tmp_path: Path, corpus: Path) -> Path:
    target = tmp_path / "docs"
    target.mkdir()
    for name in FILES:
        shutil.copy(corpus / "tutorials" / name, target / name)
    (target / "empty.md").write_bytes(b"")  # fails alone, in order, in both modes
    return target


@pytest.mark.slow
def test_pipelined_and_sequential_runs_agree(
    docs: Path, onnx_model_dir: Path, tmp_path: Path
) -> None:
    embedder = OnnxEmbedder(onnx_model_dir)
    results = []
    for prefetch in (0, 2):
        store = MilvusStore(str(tmp_path / f"p{prefetch}.db"))
        try:
            events = list(ingest([docs], store, embedder, IngestOptions(prefetch=prefetch)))
            ids = sorted(store.chunk_ids())
        finally:
            store.close()
        done = [(Path(e.path).name, e.status, e.chunks) for e in events if isinstance(e, FileDone)]
        summary = events[-1]
        assert isinstance(summary, Summary)
        assert summary.stages["embed"] > 0 and summary.chunks_written == summary.chunks
        results.append((done, ids, summary.added, summary.failed))
    assert results[0] == results[1]
    assert results[0][2] == len(FILES) and len(results[0][3]) == 1
    assert not _readers()


@pytest.mark.slow
def test_cancel_and_abandon_stop_the_reader(
    docs: Path, onnx_model_dir: Path, tmp_path: Path
) -> None:
    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(str(tmp_path / "s.db"))
    try:
        cancel = CancelToken()
        events = ingest([docs], store, embedder, IngestOptions(prefetch=1), cancel)
        with pytest.raises(Cancelled):
            for event in events:
                if isinstance(event, FileDone):
                    cancel.cancel()
        assert not _readers()
        events = ingest([docs], store, embedder, IngestOptions(prefetch=1))
        next(e for e in events if isinstance(e, FileDone))
        assert _readers()  # reading ahead while the caller holds the generator
        events.close()
        assert not _readers()
    finally:
        store.close()
