"""Ingestion into a real store: incremental sync, per-file failures, the guard. The tests
taking ``store_uri`` run twice: on a Milvus Lite directory and on a Milvus gRPC server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core.store.milvus import MilvusStore
from tests.cli import fathom, fathom_json


@pytest.fixture
def folder(tmp_path: Path, corpus: Path) -> Path:
    """Three real documents from the corpus."""
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    shutil.copy(corpus / "faq" / "product_faq.md", docs / "product_faq.md")
    shutil.copy(corpus / "faq" / "operational_faq.md", docs / "sub" / "operational_faq.md")
    shutil.copy(corpus / "faq" / "troubleshooting.md", docs / "troubleshooting.md")
    (docs / ".hidden.md").write_text("# Secret\n\nnot to be ingested\n")
    (docs / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")  # not a document kind
    return docs


def _store_files(uri: str) -> dict[str, int]:
    store = MilvusStore(uri)
    try:
        return {path: rec.chunks for path, rec in store.files().items()}
    finally:
        store.close()


def test_incremental_sync(folder: Path, onnx_model_dir: Path, store_uri: str) -> None:
    emb = ("--embedding", onnx_model_dir)
    first = fathom_json("ingest", folder, *emb)
    assert (first["added"], first["unchanged"], first["failed"]) == (3, 0, [])
    files = _store_files(store_uri)
    assert sorted(Path(p).name for p in files) == [
        "operational_faq.md",
        "product_faq.md",
        "troubleshooting.md",
    ]
    assert first["chunks"] == sum(files.values())

    target = folder / "product_faq.md"
    target.write_text(target.read_text() + "\n#### Is this a new entry?\n\nYes, added later.\n")
    (folder / "troubleshooting.md").unlink()
    second = fathom_json("ingest", folder, *emb)
    assert (second["added"], second["updated"], second["unchanged"], second["removed"]) == (
        0,
        1,
        1,
        1,
    )
    files_after = _store_files(store_uri)
    assert sorted(Path(p).name for p in files_after) == ["operational_faq.md", "product_faq.md"]
    assert files_after[str(target)] == files[str(target)] + 1  # replaced, not duplicated
    assert second["chunks"] == sum(files_after.values())

    found = fathom_json("ask", "Is this a new entry?", "--retrieve-only", "--top-k", "1")
    assert "Yes, added later." in found["sources"][0]["text"]


def test_bad_files_fail_alone(folder: Path, onnx_model_dir: Path, tmp_path: Path) -> None:
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"abc\x00\x01\x02" * 100)
    big = folder / "big.txt"
    big.write_text("word " * 300_000)  # 1.5 MB, over the limit set below
    missing = tmp_path / "nowhere"
    proc = fathom(
        "ingest",
        folder,
        missing,
        "--embedding",
        onnx_model_dir,
        "--json",
        env={"FATHOM_INGEST__MAX_FILE_MB": "1"},
    )
    assert proc.returncode == 3, proc.stderr
    import json

    summary = json.loads(proc.stdout)
    reasons = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    assert reasons == {
        "empty.md": "empty file (0 bytes)",
        "binary.txt": "binary content (NUL bytes) in a text file",
        "big.txt": "file too large (1.5 MB; the limit is 1 MB)",
        "nowhere": "no such file or folder",
    }
    assert summary["added"] == 3

    text = fathom(
        "ingest", folder, "--embedding", onnx_model_dir, env={"FATHOM_INGEST__MAX_FILE_MB": "1"}
    )
    assert text.returncode == 3
    assert "3 unchanged" in text.stdout
    assert "failed: " in text.stderr and "empty file (0 bytes)" in text.stderr


def test_another_embedding_model_is_refused(
    folder: Path, onnx_model_dir: Path, store_uri: str
) -> None:
    fathom_json("ingest", folder / "sub", "--embedding", onnx_model_dir)
    other = "pymilvus:sentence-transformers:" + str(onnx_model_dir)
    proc = fathom("ingest", folder, "--embedding", other)
    assert proc.returncode == 1
    assert "was built with the embedding model" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_second_process_on_the_same_store_is_told(
    folder: Path, onnx_model_dir: Path, fathom_home: Path
) -> None:
    fathom_json("ingest", folder / "sub", "--embedding", onnx_model_dir)
    holder = MilvusStore(str(fathom_home / "store" / "fathom.db"))
    try:
        proc = fathom("ask", "anything", "--retrieve-only")
    finally:
        holder.close()
    assert proc.returncode == 1
    assert "in use by another Fathom process" in proc.stderr
    assert "Traceback" not in proc.stderr


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.texts = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def encode_documents(self, documents: list[str]) -> object:
        self.texts += len(documents)
        return self.inner.encode_documents(documents)  # type: ignore[attr-defined]


def test_renamed_and_moved_files_are_not_embedded_again(
    folder: Path, onnx_model_dir: Path, store_uri: str
) -> None:
    from desktop.core.embeddings.onnx import OnnxEmbedder
    from desktop.core.ingest.pipeline import Summary, ingest
    from desktop.core.rag.retrieve import retrieve

    embedder = CountingEmbedder(OnnxEmbedder(onnx_model_dir))
    store = MilvusStore(store_uri)
    try:
        first = list(ingest([folder], store, embedder))[-1]  # type: ignore[arg-type]
        assert isinstance(first, Summary) and first.added == 3
        embedded = embedder.texts
        (folder / "product_faq.md").rename(folder / "renamed_faq.md")
        (folder / "archive").mkdir()
        (folder / "troubleshooting.md").rename(folder / "archive" / "troubleshooting.md")
        second = list(ingest([folder], store, embedder))[-1]  # type: ignore[arg-type]
        assert isinstance(second, Summary)
        assert (second.added, second.removed, second.unchanged, second.moved) == (0, 0, 3, 2)
        assert embedder.texts == embedded  # nothing embedded again
        assert second.chunks == first.chunks
        names = sorted(Path(p).relative_to(folder).as_posix() for p in store.files())
        assert names == ["archive/troubleshooting.md", "renamed_faq.md", "sub/operational_faq.md"]
        top = retrieve(store, embedder, "Where does Milvus store data?", 1)  # type: ignore[arg-type]
        assert top[0].path == str(folder / "renamed_faq.md")
    finally:
        store.close()


def test_the_tutorials_default_embedding_offline_is_explained(folder: Path) -> None:
    """pymilvus.model's DefaultEmbeddingFunction fetches its model on first use; offline
    (as every test runs) that is a readable error, not a traceback."""
    proc = fathom("ingest", folder / "sub", "--embedding", "pymilvus:default")
    assert proc.returncode == 1
    assert "pymilvus.model's 'default' embedding could not be loaded" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_questions_can_be_limited_to_files_and_folders(
    folder: Path, onnx_model_dir: Path, corpus: Path, store_uri: str
) -> None:
    odd = folder / 'we"ird 100% _dir'
    odd.mkdir()
    shutil.copy(corpus / "faq" / "performance_faq.md", odd / "performance_faq.md")
    lookalike = folder / 'we"ird 100% Xdir'  # what a LIKE wildcard '_' would also match
    lookalike.mkdir()
    shutil.copy(corpus / "faq" / "product_faq.md", lookalike / "copy_faq.md")
    fathom_json("ingest", folder, "--embedding", onnx_model_dir)
    question = ("ask", "Where does Milvus store data?", "--retrieve-only", "--top-k", "5")

    everywhere = fathom_json(*question)
    assert Path(everywhere["sources"][0]["path"]) == folder / "product_faq.md"

    in_sub = fathom_json(*question, "--in", folder / "sub")
    assert in_sub["sources"]
    assert {Path(s["path"]).parent for s in in_sub["sources"]} == {folder / "sub"}

    one_file = fathom_json(*question, "--in", folder / "troubleshooting.md")
    assert {s["path"] for s in one_file["sources"]} == {str(folder / "troubleshooting.md")}

    odd_only = fathom_json(*question, "--in", odd)
    assert {Path(s["path"]).name for s in odd_only["sources"]} == {"performance_faq.md"}

    both = fathom_json(*question, "--in", odd, "--in", folder / "sub")
    assert {Path(s["path"]).parent for s in both["sources"]} <= {odd, folder / "sub"}
