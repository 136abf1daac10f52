"""The RAG tool loop on a real store, driven by a scripted gpt-oss (harmony text)."""

from __future__ import annotations

from pathlib import Path

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.pipeline import ingest
from desktop.core.llm.base import AnswerText, GenerationParams, Reasoning
from desktop.core.rag.answer import Answer, SourcesFound, answer
from desktop.core.store.milvus import MilvusStore
from tests.fakes import ScriptedHarmonyModel, final, tool_call


def _run(
    model: ScriptedHarmonyModel,
    store: MilvusStore,
    embedder: OnnxEmbedder,
    question: str = "How is data stored in milvus?",
) -> list[object]:
    return list(
        answer(
            question,
            store=store,
            embedder=embedder,
            model=model,
            params=GenerationParams(max_tokens=256),
            top_k=3,
        )
    )


def test_search_then_search_again_then_answer(
    faq_store: MilvusStore, faq_embedder: OnnxEmbedder
) -> None:
    model = ScriptedHarmonyModel(
        [
            tool_call("where does milvus store data", k=2),
            tool_call("milvus metadata etcd", k=2, analysis="Also check metadata."),
            final(
                'Inserted data are "stored in persistent storage as incremental log" [1]. '
                'Metadata are kept in etcd [3]. Nothing is "kept on the moon" [2]. See [9].'
            ),
        ]
    )
    events = _run(model, faq_store, faq_embedder)
    result = events[-1]
    assert isinstance(result, Answer)

    # Every passage shown to the model became a numbered source, numbered on across searches.
    found = [e for e in events if isinstance(e, SourcesFound)]
    assert [len(f.sources) for f in found] == [2, 2]
    assert [s.rank for s in result.sources] == [1, 2, 3, 4]
    assert result.searches == ["where does milvus store data", "milvus metadata etcd"]
    assert "Where does Milvus store data?" in result.sources[0].heading

    # The tool results went back to the model, numbered, after its own call.
    second_call = model.calls[1]["messages"]
    assert second_call[-2]["tool_calls"] == [
        {"name": "search_documents", "arguments": {"query": "where does milvus store data", "k": 2}}
    ]
    assert second_call[-2]["reasoning"] == "I should search."
    assert second_call[-1]["role"] == "tool" and second_call[-1]["content"].startswith("[1] ")
    assert "[3] " in model.calls[2]["messages"][-1]["content"]
    assert [c["tools"][0]["name"] for c in model.calls] == ["search_documents"] * 3

    # Reasoning streamed apart from the answer; citations checked.
    assert result.reasoning == "I should search.Also check metadata.The passages answer it."
    assert result.answer.startswith("Inserted data are")
    assert any(isinstance(e, Reasoning) for e in events)
    assert sum(isinstance(e, AnswerText) for e in events) > 3  # streamed in pieces
    verdict = {c.number: (c.verified, c.problem) for c in result.citations}
    assert verdict == {
        1: (True, ""),  # the quote is in source 1
        3: (True, ""),
        2: (False, 'quoted text not found in the source: "kept on the moon"'),
        9: (False, "there is no source [9]"),
    }
    assert result.timings.ttft_ms is not None and result.timings.tokens > 0
    assert result.finish_reason == "return"


def test_searches_are_bounded(faq_store: MilvusStore, faq_embedder: OnnxEmbedder) -> None:
    model = ScriptedHarmonyModel([tool_call(f"query {i}") for i in range(3)] + [final("Done [1].")])
    events = list(
        answer(
            "anything",
            store=faq_store,
            embedder=faq_embedder,
            model=model,
            params=GenerationParams(max_tokens=64),
            top_k=2,
            max_searches=3,
        )
    )
    result = events[-1]
    assert isinstance(result, Answer) and result.answer == "Done [1]."
    assert [len(c["tools"]) for c in model.calls] == [1, 1, 1, 0]  # the last round must answer


def test_a_repeated_search_adds_no_duplicate_sources(
    faq_store: MilvusStore, faq_embedder: OnnxEmbedder
) -> None:
    model = ScriptedHarmonyModel(
        [tool_call("flush data"), tool_call("flush data"), final("It flushes [1].")]
    )
    events = _run(model, faq_store, faq_embedder)
    result = events[-1]
    assert isinstance(result, Answer)
    # The same query again looks deeper: the next passages, none given twice.
    found = [e for e in events if isinstance(e, SourcesFound)]
    assert [len(f.sources) for f in found] == [3, 3]
    texts = [s.text for s in result.sources]
    assert len(texts) == len(set(texts)) == 6
    assert [s.rank for s in result.sources] == [1, 2, 3, 4, 5, 6]
    assert model.calls[2]["messages"][-1]["content"].startswith("[4] ")


def test_a_search_with_nothing_new_left_says_so(tmp_path: Path, faq_embedder: OnnxEmbedder) -> None:
    doc = tmp_path / "docs" / "flush.md"
    doc.parent.mkdir()
    doc.write_text("# Flushing\n\nMilvus seals segments when it flushes data to storage.\n")
    store = MilvusStore(str(tmp_path / "one.db"))
    try:
        list(ingest([doc.parent], store, faq_embedder))
        model = ScriptedHarmonyModel(
            [tool_call("flush data"), tool_call("flush data"), final("It flushes [1].")]
        )
        result = _run(model, store, faq_embedder)[-1]
    finally:
        store.close()
    assert isinstance(result, Answer)
    assert len(result.sources) == 1
    assert "No new passages" in model.calls[2]["messages"][-1]["content"]


def test_malformed_tool_arguments_are_reported_not_fatal(
    faq_store: MilvusStore, faq_embedder: OnnxEmbedder
) -> None:
    broken = (
        "<|channel|>commentary to=functions.search_documents <|constrain|>json"
        "<|message|>{not json<|call|>"
    )
    model = ScriptedHarmonyModel([broken, final("I could not search.")])
    result = _run(model, faq_store, faq_embedder)[-1]
    assert isinstance(result, Answer)
    assert result.answer == "I could not search."
    assert "unreadable model output" in result.reasoning
    told = model.calls[1]["messages"][-1]
    assert told["role"] == "tool" and "could not be read" in told["content"]
