"""``fathom store copy``: a library goes from a Lite directory to a real Milvus server and
back to a fresh Lite directory with its vectors, metadata and manifest, nothing embedded
again, and searches give the same chunks in the same order with the same scores."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from desktop.core.store.milvus import MilvusStore
from tests.cli import fathom, fathom_json
from tests.milvus_server import MilvusServer

QUERIES = [
    "Where does Milvus store data?",
    "How much memory does an index need?",
    "What is the maximum dimension of a vector?",
    "Why do my search results change after a delete?",
    "grpc timeout",
]


@pytest.fixture
def library(tmp_path: Path, corpus: Path, onnx_model_dir: Path, fathom_home: Path) -> str:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    shutil.copy(corpus / "faq" / "product_faq.md", docs / "product_faq.md")
    shutil.copy(corpus / "faq" / "operational_faq.md", docs / "sub" / "operational_faq.md")
    shutil.copy(corpus / "faq" / "performance_faq.md", docs / "performance_faq.md")
    summary = fathom_json("ingest", docs, "--embedding", onnx_model_dir)
    assert summary["added"] == 3 and summary["chunks"] > 30
    return str(fathom_home / "store" / "fathom.db")


def _state(uri: str, onnx_model_dir: Path, library: str = "default") -> dict[str, Any]:
    """Everything a copy must keep: searches in every mode, ids, manifest, properties."""
    from desktop.core.embeddings.onnx import OnnxEmbedder

    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(uri, library=library)
    try:
        info = store.open_existing()
        searches = {}
        for q in QUERIES:
            vec = embedder.encode_queries([q])[0]
            for mode in ("hybrid", "dense", "bm25"):
                hits = store.search(vec, q, 8, mode)  # type: ignore[arg-type]
                searches[(q, mode)] = [(h.id, h.path, h.text, h.score) for h in hits]
        files = {p: (r.hash, r.size, r.chunks, r.mtime_ns) for p, r in store.files().items()}
        return {"info": info, "ids": sorted(store.chunk_ids()), "files": files, **searches}
    finally:
        store.close()


def _same(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert after["info"] == before["info"]
    assert after["ids"] == before["ids"]
    assert after["files"] == before["files"]
    for key in before:
        if isinstance(key, tuple):
            want, got = before[key], after[key]
            assert [h[:3] for h in got] == [h[:3] for h in want], key  # same chunks, order
            assert [h[3] for h in got] == pytest.approx([h[3] for h in want], rel=1e-4), key


def test_copy_to_a_server_and_back_keeps_search_results(
    library: str, onnx_model_dir: Path, milvus_server: MilvusServer, tmp_path: Path
) -> None:
    milvus_server.drop_all()
    before = _state(library, onnx_model_dir)
    assert before[(QUERIES[0], "hybrid")], "the queries should find something"

    up = fathom_json("store", "copy", "--from", library, "--to", milvus_server.uri)
    assert up["chunks"] == len(before["ids"]) and up["files"] == 3
    _same(before, _state(milvus_server.uri, onnx_model_dir))

    refused = fathom("store", "copy", "--from", library, "--to", milvus_server.uri)
    assert refused.returncode == 1
    assert "already holds" in refused.stderr and "--replace" in refused.stderr
    assert "Traceback" not in refused.stderr

    # Another library on the same server is separate; --replace starts the target over.
    fathom_json(
        "store", "copy", "--from", library, "--to", milvus_server.uri, "--to-library", "team"
    )
    replaced = fathom_json(
        "store", "copy", "--from", library, "--to", milvus_server.uri, "--replace"
    )
    assert replaced["chunks"] == len(before["ids"])
    _same(before, _state(milvus_server.uri, onnx_model_dir))
    _same(before, _state(milvus_server.uri, onnx_model_dir, library="team"))

    back_uri = str(tmp_path / "laptop2" / "fathom.db")
    text = fathom("store", "copy", "--from", milvus_server.uri, "--to", back_uri)
    assert text.returncode == 0, text.stderr
    assert f"Copied {len(before['ids'])} chunks of 3 files" in text.stdout
    _same(before, _state(back_uri, onnx_model_dir))

    # The copy is a working library: a second ingest of the same folder embeds nothing.
    again = fathom_json(
        "ingest", tmp_path / "docs", "--embedding", onnx_model_dir, "--store", back_uri
    )
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_copying_an_empty_library_says_so(milvus_server: MilvusServer, tmp_path: Path) -> None:
    milvus_server.drop_all()
    proc = fathom("store", "copy", "--from", milvus_server.uri, "--to", tmp_path / "x.db")
    assert proc.returncode == 1
    assert "holds no documents" in proc.stderr and "Traceback" not in proc.stderr


def test_copy_into_an_emptied_rebuilt_library_of_another_model(
    library: str, onnx_model_dir: Path, tmp_path: Path
) -> None:
    """A target library once rebuilt (its name is an alias over generation 1) that holds
    nothing, built with another model: the copy drops the alias and its collections and
    recreates the library with the copy's model."""
    from desktop.core.store.copy import CopyDone, copy_library

    target_dir = str(tmp_path / "target.db")
    target = MilvusStore(target_dir)
    target.prepare("another-model", 8)
    rebuilt = target.at_generation(1)
    rebuilt.prepare("another-model", 8, building=True)
    rebuilt.mark_complete()
    rebuilt.activate()
    target.drop_generation(0)  # as a finished rebuild does
    target.close()

    source, target = MilvusStore(library), MilvusStore(target_dir)
    try:
        assert target.active_generation() == 1 and target.count() == 0
        events = list(copy_library(source, target))
        assert isinstance(events[-1], CopyDone) and events[-1].chunks == source.count()
    finally:
        source.close()
        target.close()
    after = _state(target_dir, onnx_model_dir)
    assert after["info"]["model"] == _state(library, onnx_model_dir)["info"]["model"]
    assert len(after["ids"]) == events[-1].chunks
