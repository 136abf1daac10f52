"""The tool loop over the in-memory store (tests/fake_store.py): the real ingestion and
a real embedder fill it, a scripted gpt-oss drives the loop, and no Milvus runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.pipeline import Summary, ingest
from desktop.core.llm.base import GenerationParams
from desktop.core.rag.answer import Answer, SourcesFound, answer
from desktop.core.rag.retrieve import retrieve
from tests.fake_store import FakeStore
from tests.fakes import ScriptedHarmonyModel, final, tool_call


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, faq_embedder: OnnxEmbedder
) -> tuple[FakeStore, Path]:
    docs = tmp_path_factory.mktemp("faq")
    for name in ("product_faq.md", "operational_faq.md"):
        shutil.copy(corpus / "faq" / name, docs / name)
    store = FakeStore()
    events = list(ingest([docs], store, faq_embedder))
    summary = events[-1]
    assert isinstance(summary, Summary) and summary.added == 2 and summary.chunks > 10
    return store, docs


def test_a_search_repeated_by_the_model_brings_passages_not_given_before(
    library: tuple[FakeStore, Path], faq_embedder: OnnxEmbedder
) -> None:
    store, _ = library
    query = "where does milvus store data"
    model = ScriptedHarmonyModel(
        [tool_call(query, k=2), tool_call(query, k=2, analysis="More."), final("Done [1].")]
    )
    events = list(
        answer(
            "Where is data kept?",
            store=store,
            embedder=faq_embedder,
            model=model,
            params=GenerationParams(max_tokens=64),
            top_k=3,
        )
    )
    found = [e.sources for e in events if isinstance(e, SourcesFound)]
    assert [len(f) for f in found] == [2, 2]
    first, second = ({(s.path, s.text) for s in f} for f in found)
    assert not first & second  # the same query looked deeper instead of repeating
    result = events[-1]
    assert isinstance(result, Answer) and [s.rank for s in result.sources] == [1, 2, 3, 4]
    # What the store ranks first for the query is what the model was given first.
    best = retrieve(store, faq_embedder, query, 1)[0]
    assert (found[0][0].path, found[0][0].text) == (best.path, best.text)
    assert "Where does Milvus store data?" in found[0][0].heading


def test_a_search_within_one_file_finds_only_its_passages(
    library: tuple[FakeStore, Path], faq_embedder: OnnxEmbedder
) -> None:
    store, docs = library
    only = docs / "operational_faq.md"
    sources = retrieve(store, faq_embedder, "What is Milvus?", 4, within=[str(only)])
    assert sources and {s.path for s in sources} == {str(only)}
    anywhere = retrieve(store, faq_embedder, "What is Milvus?", 4)
    assert {s.path for s in anywhere} != {str(only)}
