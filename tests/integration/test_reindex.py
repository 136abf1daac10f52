"""Rebuilding a library with other chunking or another embedding model, in real Milvus Lite
stores: searches keep going to the old generation until the new one is complete, a
rebuild killed with SIGKILL resumes to exactly the clean result, and the CLI leads from a
changed model to ``fathom reindex``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.errors import Cancelled
from desktop.core.ingest.pipeline import FileDone, IngestOptions, Summary, ingest
from desktop.core.ingest.reindex import (
    READING,
    Planned,
    ReindexSummary,
    library_options,
    pending_changes,
    reindex,
)
from desktop.core.progress import CancelToken
from desktop.core.store.generations import generation_names
from desktop.core.store.milvus import MilvusStore
from tests.cli import REPO, fathom, fathom_json

pytestmark = pytest.mark.slow

OLD = IngestOptions(chunk_tokens=220, chunk_overlap=32)
NEW = IngestOptions(chunk_tokens=64, chunk_overlap=8)
QUESTION = "How do I install Milvus Lite with pip?"
DOCS = 5


@dataclass(frozen=True)
class Clean:
    """What a clean build of the documents with the NEW chunking holds."""

    ids: list[str]
    files: dict[str, str]  # path -> content hash
    hits: list[tuple[str, str]]


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    target = tmp_path_factory.mktemp("reindex") / "docs"
    shutil.copytree(corpus / "faq", target / "faq")
    shutil.copy(corpus / "getstarted" / "quickstart.md", target / "quickstart.md")
    return target


@pytest.fixture(scope="module")
def embedder(onnx_model_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_model_dir)


@pytest.fixture(scope="module")
def clean(docs: Path, embedder: OnnxEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    store = MilvusStore(str(tmp_path_factory.mktemp("clean") / "clean.db"))
    try:
        summary = _last(ingest([docs], store, embedder, NEW))
        assert summary.failed == [] and summary.added == DOCS
        files = {p: r.hash for p, r in store.files().items()}
        return Clean(sorted(store.chunk_ids()), files, _hits(store, embedder))
    finally:
        store.close()


def _last(events: Iterable[object]) -> Summary:
    summary = list(events)[-1]
    assert isinstance(summary, Summary)
    return summary


def _hits(store: MilvusStore, embedder: OnnxEmbedder) -> list[tuple[str, str]]:
    vector = [float(x) for x in embedder.encode_queries([QUESTION])[0]]
    hits = store.search(vector, QUESTION, 5)
    assert hits
    return [(h.id, h.text) for h in hits]


def test_searches_use_the_old_generation_until_the_new_one_is_complete(
    docs: Path, embedder: OnnxEmbedder, clean: Clean, tmp_path: Path
) -> None:
    # A library made the way Fathom always made them: generation 0, no alias.
    store = MilvusStore(str(tmp_path / "lib.db"))
    try:
        built = _last(ingest([docs], store, embedder, OLD))
        assert built.failed == [] and store.generation == 0
        assert store.chunks_name == generation_names("default", 0)[0]
        old_count = store.count()
        assert len(clean.ids) > old_count > 0  # smaller chunks: more of them
        old_hits = _hits(store, embedder)
        assert old_hits != clean.hits

        assert pending_changes(store, embedder, NEW) == [
            "unrecorded chunking -> 64-token chunks, 8 overlap"
        ]
        # Cancelled once files are done in the new generation: nothing changes for searches,
        # and the next run goes on from there.
        cancel = CancelToken()
        events = reindex(store, embedder, NEW, cancel)
        plan = next(events)
        assert isinstance(plan, Planned)
        assert (plan.active, plan.target, plan.resumed, plan.files) == (0, 1, False, DOCS)
        with pytest.raises(Cancelled):
            for event in events:
                if isinstance(event, FileDone):
                    cancel.cancel()
        assert store.generation == 0 and store.generations() == [0, 1]
        assert _hits(store, embedder) == old_hits and store.count() == old_count

        events = reindex(store, embedder, NEW)
        plan = next(events)
        assert isinstance(plan, Planned)
        assert (plan.active, plan.target, plan.resumed) == (0, 1, True)
        searched_during = 0
        summary: ReindexSummary | None = None
        for event in events:
            if isinstance(event, FileDone):
                # The rebuild is under way: the library still answers from generation 0.
                assert _hits(store, embedder) == old_hits
                assert store.count() == old_count
                searched_during += 1
            if isinstance(event, ReindexSummary):
                summary = event
        assert searched_during == DOCS and summary is not None
        assert summary.rebuilt and summary.resumed and summary.generation == 1
        assert summary.dropped == [0]
        assert summary.failed == [] and summary.missing == []

        # Switched: the same store object now searches the new generation, which holds
        # exactly what a clean build holds; the old collections are gone.
        assert store.generation == 1
        assert store.chunking_info() == {"chunk_tokens": 64, "chunk_overlap": 8, "reading": READING}
        assert store.generations() == [1]
        assert sorted(store.chunk_ids()) == clean.ids and summary.chunks == len(clean.ids)
        assert {p: r.hash for p, r in store.files().items()} == clean.files
        assert _hits(store, embedder) == clean.hits

        # Asking again for the same thing changes nothing, but drops what a crash between
        # the switch and the drop would have left behind.
        assert pending_changes(store, embedder, NEW) == []
        store.at_generation(0).prepare(embedder.model_id, embedder.dim)
        assert store.generations() == [0, 1]
        again = list(reindex(store, embedder, NEW))
        assert len(again) == 1 and isinstance(again[0], ReindexSummary)
        assert not again[0].rebuilt and again[0].generation == 1 and again[0].dropped == [0]
        assert store.generations() == [1] and store.count() == len(clean.ids)

        # Ingesting afterwards keeps the library's chunking, whatever the settings say, and
        # writes to the new generation.
        kept, note = library_options(store, embedder, OLD)
        assert (kept.chunk_tokens, kept.chunk_overlap) == (64, 8)
        assert "220-token chunks" in note and "fathom reindex" in note
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "note.md").write_text("# Note\n\nA new note about bulk insert.\n")
        synced = _last(ingest([extra], store, embedder, NEW))
        assert (synced.added, synced.chunks) == (1, len(clean.ids) + 1)
    finally:
        store.close()

    reopened = MilvusStore(str(tmp_path / "lib.db"))  # the alias leads to generation 1
    try:
        assert reopened.generation == 1 and reopened.count() == len(clean.ids) + 1
    finally:
        reopened.close()


def _snapshot(home: Path) -> tuple[int, list[str], dict[str, str], int]:
    store = MilvusStore(str(home / "store" / "fathom.db"))
    try:
        files = {p: r.hash for p, r in store.files().items()}
        return store.count(), sorted(store.chunk_ids()), files, store.generation
    finally:
        store.close()


def _built_bytes(home: Path) -> int:
    """Bytes written to generation 1's manifest: grows as files are rebuilt."""
    folder = home / "store" / "fathom.db" / "collections" / generation_names("default", 1)[1]
    if not folder.exists():
        return -1
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(("schema", "manifest"))
    )


def test_killed_rebuild_resumes_to_the_clean_result(
    docs: Path, embedder: OnnxEmbedder, onnx_model_dir: Path, clean: Clean, fathom_home: Path
) -> None:
    store = MilvusStore(str(fathom_home / "store" / "fathom.db"))
    try:
        _last(ingest([docs], store, embedder, OLD))
    finally:
        store.close()
    args = ["reindex", "--embedding", str(onnx_model_dir), "--chunk-tokens", "64"]
    args += ["--chunk-overlap", "8", "--json"]

    kills = 0
    for extra in (0.0, 0.0):  # once the new generation exists, once files are done in it
        before = _built_bytes(fathom_home)
        proc = subprocess.Popen(
            [sys.executable, "-m", "desktop", *args],
            cwd=REPO,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 300
        while proc.poll() is None and _built_bytes(fathom_home) <= before:
            assert time.monotonic() < deadline, "the rebuild made no progress"
            time.sleep(0.02)
        time.sleep(extra)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        # Killed mid-way: the library still answers from generation 0, as it was.
        count, _, files, generation = _snapshot(fathom_home)
        assert generation == 0 and len(files) == DOCS and count < len(clean.ids)
    assert kills == 2, "the kills should land while the rebuild was under way"

    final = fathom_json("reindex")  # the killed runs saved what was asked in the settings
    assert final["rebuilt"] and final["resumed"] and final["generation"] == 1
    assert final["failed"] == [] and final["dropped"] == [0]
    count, ids, files, generation = _snapshot(fathom_home)
    assert generation == 1 and len(ids) == len(set(ids)) == count, "duplicate chunks"
    assert (ids, files) == (clean.ids, clean.files)


# On the Milvus server only: the tests above cover a Lite directory, through the CLI too.
@pytest.mark.parametrize("store_uri", ["server"], indirect=True)
def test_another_embedding_model_leads_to_reindex(
    corpus: Path, onnx_model_dir: Path, embedder: OnnxEmbedder, store_uri: str, tmp_path: Path
) -> None:
    """The CLI and the settings on a Milvus server (FATHOM_STORE__URI)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(corpus / "faq" / "troubleshooting.md", docs)
    # The same weights in another folder are another model as far as the store can tell.
    other = tmp_path / "other-minilm"
    shutil.copytree(onnx_model_dir, other, symlinks=False, copy_function=os.link)
    store = MilvusStore(store_uri)
    try:
        _last(ingest([docs], store, embedder))
    finally:
        store.close()

    refused = fathom("ingest", docs, "--embedding", other)
    assert refused.returncode == 1
    assert f"fathom reindex --embedding {other}" in refused.stderr

    done = fathom_json("reindex", "--embedding", other)
    assert done["rebuilt"] and done["generation"] == 1 and done["files"] == 1
    assert "embedding model all-MiniLM" in done["reasons"][0]
    # The model is now the library's and the settings': plain commands work with it.
    synced = fathom_json("ingest", docs)
    assert synced["unchanged"] == 1 and synced["failed"] == []
    answer = fathom_json("ask", "What if Milvus fails to start?", "--retrieve-only")
    assert answer["sources"] and answer["sources"][0]["path"].endswith("troubleshooting.md")


def test_a_library_read_before_page_titles_is_rebuilt_with_them(
    embedder: OnnxEmbedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library whose PDFs were read before their passages were headed by the document's
    name and page title (it recorded its chunking but no reading) is offered a rebuild
    that says why, and the rebuild heads them."""
    from pypdf import PdfReader, PdfWriter

    from desktop.core.embeddings.base import embedder_identity, embedder_source
    from desktop.core.ingest.readers import pdf

    docs = tmp_path / "docs"
    docs.mkdir()
    writer = PdfWriter()
    for page in PdfReader(REPO / "tests" / "data" / "documents" / "good" / "handbook.pdf").pages:
        writer.add_page(page)  # the pages without the outline
    with open(docs / "station_handbook.pdf", "wb") as out:
        writer.write(out)
    store = MilvusStore(str(tmp_path / "library.db"))
    try:
        store.prepare(
            embedder_identity(embedder),
            embedder.dim,
            embedder_source(embedder),
            chunking={"chunk_tokens": OLD.chunk_tokens, "chunk_overlap": OLD.chunk_overlap},
        )
        monkeypatch.setattr(pdf, "PAGE_TITLES", False)  # read as before
        assert _last(ingest([docs], store, embedder, OLD)).added == 1
        assert not any(h.heading for h in store.search(_vector(embedder), QUESTION, 20))

        monkeypatch.setattr(pdf, "PAGE_TITLES", True)
        (reason,) = pending_changes(store, embedder, OLD)
        assert reason.startswith(f"reading 1 -> {READING} (PDFs without an outline")
        summary = list(reindex(store, embedder, OLD))[-1]
        assert isinstance(summary, ReindexSummary) and summary.rebuilt
        assert summary.reasons == [reason] and summary.failed == []
        headings = {h.heading for h in store.search(_vector(embedder), QUESTION, 20)}
        assert headings and all(h.startswith("station handbook") for h in headings)
        assert any(h.startswith("station handbook > ") for h in headings)
        assert pending_changes(store, embedder, OLD) == []
    finally:
        store.close()


def _vector(embedder: OnnxEmbedder) -> list[float]:
    return [float(x) for x in embedder.encode_queries([QUESTION])[0]]
