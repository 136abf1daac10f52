"""The ONNX embedder against the same model run by sentence-transformers on torch."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from desktop.core.embeddings.base import Embedder, embedder_identity
from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.pipeline import Summary, ingest
from desktop.core.rag.retrieve import retrieve
from desktop.core.services import Services, pymilvus_embedder
from desktop.core.store.milvus import MilvusStore
from tests import models

TEXTS = [
    "Milvus stores inserted data in object storage.",
    "short",
    " ".join(["A much longer passage about vector databases and indexes."] * 40),  # > 256 tokens
    "Où est la bibliothèque ? 图书馆在哪里",
    "How do I check that Milvus started correctly?",
]


@pytest.fixture(scope="module")
def onnx(onnx_model_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_model_dir, batch_size=2)


def test_same_vectors_as_sentence_transformers(onnx: OnnxEmbedder) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(models.minilm_source()), device="cpu")
    want = reference.encode(TEXTS, normalize_embeddings=True)
    got = np.stack(onnx.encode_documents(TEXTS))
    assert got.shape == (len(TEXTS), 384) == want.shape
    cosine = (got * want).sum(axis=1)
    assert cosine.min() > 0.999, cosine
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batches_sorted_by_length_keep_input_order(onnx: OnnxEmbedder) -> None:
    one_by_one = [onnx.encode_documents([t])[0] for t in TEXTS]
    batched = onnx.encode_documents(TEXTS)
    for a, b in zip(one_by_one, batched, strict=True):
        assert float(np.dot(a, b)) > 0.9999
    assert onnx.encode_documents([]) == []


def test_a_run_holds_at_most_its_token_budget_and_the_vectors_do_not_change(
    onnx_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    capped = OnnxEmbedder(onnx_model_dir, batch_size=32, batch_tokens=300)
    runs: list[tuple[int, int]] = []
    run = capped._run

    def counted(batch: list[list[int]]) -> np.ndarray:  # type: ignore[type-arg]
        runs.append((len(batch), max(len(ids) for ids in batch)))
        return run(batch)

    monkeypatch.setattr(capped, "_run", counted)
    texts = TEXTS * 4
    got = np.stack(capped.encode_documents(texts))
    # the short ones in runs within 300 padded tokens; each 256-token one alone
    assert all(n * width <= 300 or n == 1 for n, width in runs), runs
    assert sum(n for n, _ in runs) == len(texts) and max(n for n, _ in runs) > 1
    assert [n for n, width in runs if width == 256] == [1, 1, 1, 1]
    want = np.stack(OnnxEmbedder(onnx_model_dir, batch_tokens=10**6).encode_documents(texts))
    assert float((got * want).sum(axis=1).min()) > 0.9999


def test_interface_and_identity(onnx: OnnxEmbedder, onnx_model_dir: Path) -> None:
    assert isinstance(onnx, Embedder)
    assert onnx.dim == 384
    assert embedder_identity(onnx).startswith(onnx_model_dir.name + "@")
    again = OnnxEmbedder(onnx_model_dir)  # same file, same identity: the store guard agrees
    assert embedder_identity(again) == embedder_identity(onnx)


def test_a_pymilvus_model_function_plugs_in(tmp_path: Path, corpus: Path) -> None:
    """pymilvus.model's own SentenceTransformerEmbeddingFunction drives ingest and search."""
    function = pymilvus_embedder(f"sentence-transformers:{models.minilm_source()}")
    assert isinstance(function, Embedder) and function.dim == 384
    services = Services.from_environment()
    services.embedder_override = function
    store = MilvusStore(str(tmp_path / "plug.db"))
    try:
        events = list(ingest([corpus / "faq" / "product_faq.md"], store, services.embedder()))
        summary = events[-1]
        assert isinstance(summary, Summary) and summary.added == 1 and summary.chunks > 10
        info = store.embedding_info()
        assert info is not None and info["model"] == str(models.minilm_source())
        top = retrieve(store, function, "Where does Milvus store data?", 3, "dense")
        assert any("Where does Milvus store data?" in s.heading for s in top)
    finally:
        store.close()


def test_a_folder_without_onnx_is_explained(tmp_path: Path) -> None:
    from desktop.core.errors import ModelError

    with pytest.raises(ModelError, match="not an ONNX embedding model folder"):
        OnnxEmbedder(models.minilm_source())


def test_long_texts_are_tokenized_in_pieces_with_the_same_tokens(
    onnx: OnnxEmbedder, corpus: Path
) -> None:
    """A long section is tokenized in whitespace-cut pieces (so the GIL is released while
    it is tokenized); the token spans are exactly those of the whole text."""
    from tokenizers import Tokenizer

    from desktop.core.embeddings.onnx import TOKENIZE_PIECE_CHARS, text_pieces

    text = "\n\n".join(p.read_text() for p in sorted(corpus.rglob("*.md"))[:40])
    assert len(text) > 8 * TOKENIZE_PIECE_CHARS
    pieces = text_pieces(text, TOKENIZE_PIECE_CHARS)
    assert len(pieces) > 8 and pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a < b <= a + TOKENIZE_PIECE_CHARS for a, b in pieces)
    assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(pieces))
    whole = Tokenizer.from_file(str(onnx.folder / "tokenizer.json"))
    whole.no_truncation()
    expected = [tuple(o) for o in whole.encode(text, add_special_tokens=False).offsets]
    assert onnx.token_spans(text) == expected
    assert text_pieces("short text", TOKENIZE_PIECE_CHARS) == [(0, 10)]
    unbroken = "x" * (3 * TOKENIZE_PIECE_CHARS)  # no whitespace: cut anyway
    assert len(text_pieces(unbroken, TOKENIZE_PIECE_CHARS)) == 3


def test_one_untruncated_tokenizer_cuts_texts_as_a_truncating_one_would(
    onnx: OnnxEmbedder, onnx_model_dir: Path
) -> None:
    from tokenizers import Tokenizer

    truncating = Tokenizer.from_file(str(onnx_model_dir / "tokenizer.json"))
    truncating.no_padding()
    truncating.enable_truncation(256)
    # one copy in memory, for sizes and vectors
    assert [k for k, v in vars(onnx).items() if isinstance(v, Tokenizer)] == ["_tokenizer"]
    for text in [*TEXTS, " ".join(["word"] * 600), "图书馆" * 400]:
        ids = onnx._cut(onnx._tokenizer.encode(text).ids)
        assert ids == truncating.encode(text).ids
        assert len(ids) <= 256
