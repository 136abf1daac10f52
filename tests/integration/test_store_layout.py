"""Store layouts: a library written before Fathom cut its own keyword-search terms (layout
1, BM25 over the raw text) is still read and searched, is offered a rebuild, and the
rebuild brings it to the current layout with every chunk; a library copied to another
store gets the target's layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.core.embeddings.base import embedder_identity
from desktop.core.ingest.pipeline import IngestOptions, ingest
from desktop.core.ingest.reindex import ReindexSummary, pending_changes, reindex
from desktop.core.store.copy import copy_library
from desktop.core.store.milvus import MilvusStore
from desktop.core.store.schema import SCHEMA

pytestmark = pytest.mark.slow

QUESTION = "configuring the index parameters"


def _ids(store: MilvusStore, embedder: Any) -> list[str]:
    vector = embedder.encode_queries([QUESTION])[0]
    return [h.id for h in store.search(vector, QUESTION, 5, "bm25")]


@pytest.fixture(scope="module")
def clean_ids(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, faq_embedder: Any
) -> list[str]:
    """The BM25 search's answer on a library built in the current layout."""
    store = MilvusStore(str(tmp_path_factory.mktemp("layout") / "clean.db"))
    try:
        list(ingest([corpus / "faq"], store, faq_embedder))
        assert store.schema == SCHEMA
        return _ids(store, faq_embedder)
    finally:
        store.close()


def _legacy(tmp_path: Path, corpus: Path, embedder: Any) -> MilvusStore:
    store = MilvusStore(str(tmp_path / "old.db"))
    store.prepare(embedder_identity(embedder), embedder.dim, layout="1")
    list(ingest([corpus / "faq"], store, embedder))
    return store


def test_a_layout_1_library_is_searched_then_rebuilt_into_the_current_layout(
    tmp_path: Path, corpus: Path, faq_embedder: Any, clean_ids: list[str]
) -> None:
    store = _legacy(tmp_path, corpus, faq_embedder)
    try:
        assert store.schema == "1"
        assert store.bm25_query("Configuring indexes") == "Configuring indexes"
        before = _ids(store, faq_embedder)
        assert len(before) == 5 and before != clean_ids  # raw words, not stems
        chunks = store.count()
        reasons = pending_changes(store, faq_embedder, IngestOptions())
        assert any(r.startswith(f"store layout 1 -> {SCHEMA}") for r in reasons), reasons
        summary = [e for e in reindex(store, faq_embedder, IngestOptions())][-1]
        assert isinstance(summary, ReindexSummary) and summary.rebuilt
        assert store.schema == SCHEMA == "3"
        assert store.count() == chunks
        assert {"configur", "index"} <= set(store.bm25_query("Configuring indexes").split())
        assert _ids(store, faq_embedder) == clean_ids
        assert pending_changes(store, faq_embedder, IngestOptions()) == []
    finally:
        store.close()
    reopened = MilvusStore(str(tmp_path / "old.db"))
    try:
        assert reopened.schema == SCHEMA and reopened.count() == chunks
    finally:
        reopened.close()


def test_a_copy_of_a_layout_1_library_is_written_in_the_current_layout(
    tmp_path: Path, corpus: Path, faq_embedder: Any, clean_ids: list[str]
) -> None:
    source = _legacy(tmp_path, corpus, faq_embedder)
    target = MilvusStore(str(tmp_path / "new.db"))
    try:
        list(copy_library(source, target))
        assert target.schema == SCHEMA and target.count() == source.count()
        assert _ids(target, faq_embedder) == clean_ids
    finally:
        source.close()
        target.close()
