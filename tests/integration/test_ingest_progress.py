"""Ingestion's progress within a file: a long document's chunks are embedded slice by
slice, each slice reported, and a cancel takes effect between slices."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from desktop.core.errors import Cancelled
from desktop.core.ingest.pipeline import (
    EMBED_BATCH_CHUNKS,
    ChunksEmbedded,
    FileDone,
    IngestOptions,
    Summary,
    ingest,
)
from desktop.core.progress import CancelToken
from desktop.core.store.milvus import MilvusStore

pytestmark = pytest.mark.slow


@pytest.fixture
def long_doc(tmp_path: Path, corpus: Path) -> Path:
    """One Markdown file of about 3 slices of small chunks, and a short one."""
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "\n\n".join(p.read_text() for p in sorted((corpus / "faq").glob("*.md")))
    (docs / "long.md").write_text(text * 2)
    (docs / "short.md").write_text("# Short\n\nA single passage about Milvus Lite.\n")
    return docs


SMALL = IngestOptions(chunk_tokens=48, chunk_overlap=8)


def test_a_long_file_reports_each_embedded_slice(
    tmp_path: Path, long_doc: Path, faq_embedder: Any
) -> None:
    store = MilvusStore(str(tmp_path / "s.db"))
    try:
        events = list(ingest([long_doc], store, faq_embedder, SMALL))
    finally:
        store.close()
    long = str(long_doc / "long.md")
    steps = [e for e in events if isinstance(e, ChunksEmbedded) and e.path == long]
    done = next(e for e in events if isinstance(e, FileDone) and e.path == long)
    assert done.chunks > 2 * EMBED_BATCH_CHUNKS
    assert len(steps) >= 3
    assert all(s.total == done.chunks for s in steps)
    assert [s.done for s in steps] == sorted({s.done for s in steps})  # strictly rising
    assert steps[-1].done == done.chunks
    assert all(b.done - a.done <= EMBED_BATCH_CHUNKS for a, b in itertools.pairwise(steps))
    # The progress comes before the file is stored and reported done.
    assert events.index(steps[-1]) < events.index(done)
    assert isinstance(events[-1], Summary) and events[-1].chunks_written == sum(
        e.chunks for e in events if isinstance(e, FileDone)
    )


def test_a_cancel_between_slices_stops_before_the_file_is_stored(
    tmp_path: Path, long_doc: Path, faq_embedder: Any
) -> None:
    store = MilvusStore(str(tmp_path / "c.db"))
    cancel = CancelToken()
    seen: list[object] = []
    try:
        with pytest.raises(Cancelled):
            for event in ingest([long_doc], store, faq_embedder, SMALL, cancel):
                seen.append(event)
                if isinstance(event, ChunksEmbedded) and event.path.endswith("long.md"):
                    cancel.cancel()
        assert not any(isinstance(e, FileDone) and e.path.endswith("long.md") for e in seen)
        assert str(long_doc / "long.md") not in store.files()
        steps = [e for e in seen if isinstance(e, ChunksEmbedded)]
        assert steps[-1].done < steps[-1].total  # stopped within the file
    finally:
        store.close()
