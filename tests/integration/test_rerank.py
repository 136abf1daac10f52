"""Reranking with a cross-encoder on ONNX Runtime, in a real store.

The test model (``tests/models.py``) has a real encoder and tokenizer but a random head:
these tests check what Fathom does with a cross-encoder's scores (pairs, truncation,
batches, the order given to sources, the model's own searches, the setting), not
whether a trained model's order is right; ``tests/bench/bench_recall.py`` measures that."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from desktop.core.embeddings.rerank import OnnxReranker
from desktop.core.errors import ModelError
from desktop.core.paths import Paths
from desktop.core.rag.retrieve import RERANK_CANDIDATES, rerank, retrieve
from desktop.core.services import Services
from desktop.core.settings import Settings
from tests import models

pytestmark = pytest.mark.slow

QUESTION = "How do I set nlist and nprobe for an IVF index?"


@pytest.fixture(scope="module")
def cross_encoder() -> Path:
    return models.minilm_cross_encoder()


@pytest.fixture(scope="module")
def reranker(cross_encoder: Path) -> OnnxReranker:
    return OnnxReranker(cross_encoder, batch_size=4)


def test_scores_do_not_depend_on_batching_and_long_passages_are_cut(
    reranker: OnnxReranker, cross_encoder: Path
) -> None:
    passages = ["short passage about indexes", "nprobe " * 2000, "another text", "x", "y z"]
    batched = reranker.scores(QUESTION, passages)
    one_by_one = [
        OnnxReranker(cross_encoder, batch_size=1).scores(QUESTION, [p])[0] for p in passages
    ]
    assert len(batched) == len(passages)
    assert batched == pytest.approx(one_by_one, abs=1e-4)
    assert len(set(round(s, 4) for s in batched)) > 1  # the head is not constant
    assert reranker.scores(QUESTION, []) == []


def test_retrieve_puts_the_candidates_in_the_rerankers_order(
    faq_store: Any, faq_embedder: Any, reranker: OnnxReranker
) -> None:
    vector = faq_embedder.encode_queries([QUESTION])[0]
    candidates = faq_store.search(vector, QUESTION, RERANK_CANDIDATES, "hybrid")
    assert len(candidates) == RERANK_CANDIDATES
    ordered = rerank(reranker, QUESTION, candidates)
    assert sorted(h.id for h in ordered) == sorted(h.id for h in candidates)
    assert [h.score for h in ordered] == sorted((h.score for h in ordered), reverse=True)
    sources = retrieve(faq_store, faq_embedder, QUESTION, 3, "hybrid", reranker=reranker)
    plain = retrieve(faq_store, faq_embedder, QUESTION, 3, "hybrid")
    assert len(sources) == 3 and [s.rank for s in sources] == [1, 2, 3]
    assert sources[0].text.startswith(ordered[0].text[:40]) or ordered[0].text in sources[0].text
    assert [s.text for s in sources] != [s.text for s in plain]  # the random head reorders


def test_services_use_the_reranker_only_when_on_and_present(
    tmp_path: Path, cross_encoder: Path
) -> None:
    paths = Paths(tmp_path / "home")
    on = Settings().model_copy(deep=True)
    on.rag.rerank = True
    assert Settings().rag.rerank is False  # off unless asked for (README: Retrieval)
    assert Services(paths, on).reranker() is None  # the default hub id, never fetched here
    local = on.model_copy(deep=True)
    local.rag.reranker = str(cross_encoder)
    assert isinstance(Services(paths, local).reranker(), OnnxReranker)
    local.rag.rerank = False
    assert Services(paths, local).reranker() is None
    # In the hub cache's layout, as a download leaves it: found by its hub id.
    snapshot = (
        paths.hub_cache / "models--cross-encoder--ms-marco-MiniLM-L6-v2" / "snapshots" / "abc"
    )
    shutil.copytree(cross_encoder, snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("abc")
    found = Services(paths, on).reranker()
    assert (
        isinstance(found, OnnxReranker) and found.model_id == "cross-encoder/ms-marco-MiniLM-L6-v2"
    )


def test_a_damaged_reranker_file_is_a_clear_error(tmp_path: Path, cross_encoder: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(cross_encoder, broken)
    (broken / "onnx" / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not be loaded") as info:
        OnnxReranker(broken)
    assert "rag.rerank false" in info.value.hint
    with pytest.raises(ModelError, match="not an ONNX reranker"):
        OnnxReranker(tmp_path)
