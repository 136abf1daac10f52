"""Query and document prompts in the ONNX embedder, on the MiniLM test model given a
config_sentence_transformers.json that names both (as e5 models do): what is embedded,
and chunks sized so that the document prompt never pushes a passage's end out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.chunking import chunk_document
from desktop.core.ingest.document import Document, Section
from desktop.core.ingest.pipeline import HEADING_ROOM, IngestOptions, _chunk_sizes
from desktop.core.services import Services

PROMPTS = {"query": "query: ", "passage": "passage: "}
TEXTS = ["Milvus stores inserted data in object storage.", "Où est la bibliothèque ?"]


def _copy(src: Path, dest: Path, prompts: dict[str, str] | None) -> Path:
    shutil.copytree(src, dest)
    config = dest / "config_sentence_transformers.json"
    if prompts is None:
        config.unlink(missing_ok=True)
    else:
        config.write_text(json.dumps({"prompts": prompts, "default_prompt_name": None}))
    return dest


@pytest.fixture(scope="module")
def plain(onnx_model_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_model_dir)


@pytest.fixture(scope="module")
def prompted(onnx_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> OnnxEmbedder:
    return OnnxEmbedder(_copy(onnx_model_dir, tmp_path_factory.mktemp("p") / "m", PROMPTS))


def _cosines(a: list[np.ndarray], b: list[np.ndarray]) -> list[float]:
    return [float(np.dot(x, y)) for x, y in zip(a, b, strict=True)]


def test_documents_get_the_passage_prompt_and_queries_the_query_prompt(
    plain: OnnxEmbedder, prompted: OnnxEmbedder
) -> None:
    assert (plain.query_prompt, plain.document_prompt) == ("", "")
    assert (prompted.query_prompt, prompted.document_prompt) == ("query: ", "passage: ")
    docs = prompted.encode_documents(TEXTS)
    assert min(_cosines(docs, plain.encode_documents([f"passage: {t}" for t in TEXTS]))) > 0.9999
    assert max(_cosines(docs, plain.encode_documents(TEXTS))) < 0.999  # the prompt is read
    queries = prompted.encode_queries(TEXTS)
    assert min(_cosines(queries, plain.encode_documents([f"query: {t}" for t in TEXTS]))) > 0.9999


def test_chunks_leave_room_for_the_document_prompt(
    plain: OnnxEmbedder, prompted: OnnxEmbedder
) -> None:
    prompt_tokens = len(prompted._tokenizer.encode("passage: x").ids) - len(
        prompted._tokenizer.encode("x").ids
    )
    assert prompt_tokens == 2  # "passage", ":"
    assert prompted.max_tokens == plain.max_tokens - prompt_tokens == 256 - 2
    wide = IngestOptions(chunk_tokens=8192)
    assert _chunk_sizes(plain, wide)[0] == 256 - HEADING_ROOM
    assert _chunk_sizes(prompted, wide)[0] == 256 - 2 - HEADING_ROOM

    # A long section under a heading of 22 tokens: every passage the embedder reads, with
    # its heading, its prompt and the two special tokens, fits the model's 256 tokens; sized
    # for the model without its prompt, the longest would not.
    heading = (
        "Configuring the query node memory and the segment sealing policy for large "
        "collections in one big cluster today again"
    )
    counter = prompted._tokenizer
    assert len(counter.encode(heading, add_special_tokens=False).ids) == 22
    words = ["memory", "segment", "index", "query", "node", "data", "field", "vector", "search"]
    body = " ".join(words[i % len(words)] for i in range(3000))
    text = f"# {heading}\n\n{body}\n"
    doc = Document("long.md", text, [Section(0, len(text), heading)])

    def longest(sized_for: OnnxEmbedder) -> int:
        size, overlap, spans = _chunk_sizes(sized_for, wide)
        chunks = chunk_document(doc, size=size, overlap=overlap, token_spans=spans)
        assert len(chunks) > 10
        return max(len(counter.encode("passage: " + c.embedding_text()).ids) for c in chunks)

    assert longest(prompted) <= 256 < longest(plain)


def test_a_known_hub_model_gets_its_prompts_when_its_folder_names_none(
    onnx_model_dir: Path, tmp_path: Path
) -> None:
    """intfloat/multilingual-e5-small's hub folder may lack the prompts config: the catalog
    gives them, found by hub id or by the hub cache's folder name."""
    snapshot = tmp_path / "hub" / "models--intfloat--multilingual-e5-small" / "snapshots" / "c0"
    _copy(onnx_model_dir, snapshot, None)  # MiniLM's files stand in for e5's
    embedder = Services.from_environment().embedder(str(snapshot))
    assert isinstance(embedder, OnnxEmbedder)
    assert (embedder.query_prompt, embedder.document_prompt) == ("query: ", "passage: ")
    other = Services.from_environment().embedder(str(_copy(snapshot, tmp_path / "mine", None)))
    assert isinstance(other, OnnxEmbedder) and other.document_prompt == ""
