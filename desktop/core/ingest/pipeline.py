"""Ingestion as a generator of events: scan, read, chunk, embed, store.

Unchanged files (same content hash as in the manifest) cost a read and a hash, nothing
more. Chunks of several small files are embedded together so the embedder sees full
batches. Each file fails alone with a one-line reason; the run goes on.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from desktop.core.embeddings.base import Embedder, embedder_identity, embedder_source
from desktop.core.ingest.chunking import TokenSpans, chunk_document
from desktop.core.ingest.document import Chunk
from desktop.core.ingest.readers import ReadError, reader_for
from desktop.core.ingest.scan import scan
from desktop.core.progress import CancelToken
from desktop.core.store.milvus import FileRecord, MilvusStore

FileStatus = Literal["added", "updated", "unchanged", "moved", "removed", "failed"]
EMBED_BATCH_CHUNKS = 128


@dataclass(frozen=True)
class IngestOptions:
    chunk_tokens: int = 220
    chunk_overlap: int = 32  # tokens
    max_file_bytes: int = 100 * 1024 * 1024


@dataclass(frozen=True)
class Started:
    total_files: int


@dataclass(frozen=True)
class FileDone:
    path: str
    status: FileStatus
    done: int  # files finished so far, this one included
    total: int
    chunks: int = 0
    error: str = ""


@dataclass
class Summary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    moved: int = 0  # renamed or moved files, counted as unchanged: nothing was embedded

    def to_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }


IngestEvent = Started | FileDone | Summary


@dataclass
class _Pending:
    record: FileRecord
    status: FileStatus
    chunks: list[Chunk]


def _read(path: Path, size: int, max_bytes: int) -> bytes:
    """The file's bytes, refused with a reason when too large, unreadable, empty, or
    changed while being read (it is picked up again by the next sync)."""
    if size > max_bytes:
        raise ReadError(
            f"file too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB)"
        )
    try:
        before = path.stat()
        data = path.read_bytes()
        after = path.stat()
    except PermissionError as exc:
        raise ReadError("permission denied") from exc
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from exc
    changed = (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)
    if changed or len(data) != after.st_size:
        raise ReadError("the file changed while it was being read; it will be read next time")
    if not data:
        raise ReadError("empty file (0 bytes)")
    return data


class _Run:
    """The state of one ingestion run."""

    def __init__(self, store: MilvusStore, embedder: Embedder, total: int) -> None:
        self.store = store
        self.embedder = embedder
        self.total = total
        self.done = 0
        self.summary = Summary()
        self.pending: list[_Pending] = []

    def finish(self, path: str, status: FileStatus, chunks: int = 0, error: str = "") -> FileDone:
        self.done += 1
        if status == "failed":
            self.summary.failed.append((path, error))
        elif status == "added":
            self.summary.added += 1
        elif status == "updated":
            self.summary.updated += 1
        elif status in ("unchanged", "moved"):
            self.summary.unchanged += 1
            self.summary.moved += status == "moved"
        return FileDone(path, status, self.done, self.total, chunks, error)

    def pending_chunks(self) -> int:
        return sum(len(p.chunks) for p in self.pending)

    def flush(self, cancel: CancelToken) -> Iterator[FileDone]:
        batch, self.pending = self.pending, []
        texts = [c.embedding_text() for p in batch for c in p.chunks]
        vectors: Sequence[object] = self.embedder.encode_documents(texts) if texts else []
        offset = 0
        for p in batch:
            cancel.raise_if_cancelled()
            n = len(p.chunks)
            self.store.replace_file(p.record, p.chunks, list(vectors[offset : offset + n]))
            offset += n
            yield self.finish(p.record.path, p.status, n)


CHARS_PER_TOKEN = 4  # for embedders that do not expose their tokenizer
HEADING_ROOM = 24  # tokens left for the heading path the embedder also reads


def _chunk_sizes(embedder: Embedder, options: IngestOptions) -> tuple[int, int, TokenSpans | None]:
    """Chunk size and overlap in the embedder's tokens when it shows its tokenizer (capped
    at the longest input it reads), else in characters."""
    spans = getattr(embedder, "token_spans", None)
    longest = getattr(embedder, "max_tokens", 0)
    if callable(spans):
        size = options.chunk_tokens
        if isinstance(longest, int) and longest > HEADING_ROOM * 2:
            size = min(size, longest - HEADING_ROOM)
        return size, min(options.chunk_overlap, size // 4), spans
    return options.chunk_tokens * CHARS_PER_TOKEN, options.chunk_overlap * CHARS_PER_TOKEN, None


def ingest(
    paths: Sequence[Path],
    store: MilvusStore,
    embedder: Embedder,
    options: IngestOptions | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[IngestEvent]:
    """Bring the store in line with the files under ``paths``; the last event is a Summary."""
    options = options or IngestOptions()
    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    store.prepare(embedder_identity(embedder), embedder.dim, embedder_source(embedder))
    size, overlap, token_spans = _chunk_sizes(embedder, options)
    found = scan(paths)
    known = store.files()
    present = {str(p) for p in found.files}
    # Files gone from where they were: a new path with the same content is a move.
    vanished = {
        rec.hash: name
        for name, rec in known.items()
        if name not in present and not Path(name).exists()
    }
    moved_from: set[str] = set()
    run = _Run(store, embedder, len(found.files) + len(found.rejected))
    yield Started(run.total)
    for path, reason in found.rejected:
        yield run.finish(str(path), "failed", error=reason)
    for path in found.files:
        cancel.raise_if_cancelled()
        name = str(path)
        old = known.get(name)
        try:
            st = path.stat()
        except OSError as exc:
            yield run.finish(name, "failed", error=f"cannot read: {exc.strerror or exc}")
            continue
        if old is not None and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns):
            yield run.finish(name, "unchanged", old.chunks)  # same size and time: not read
            continue
        try:
            data = _read(path, st.st_size, options.max_file_bytes)
        except ReadError as exc:
            yield run.finish(name, "failed", error=str(exc))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if old is not None and old.hash == digest:
            if old.mtime_ns != st.st_mtime_ns:  # touched, not changed: remember the new time
                store.touch_file(FileRecord(name, digest, len(data), old.chunks, st.st_mtime_ns))
            yield run.finish(name, "unchanged", old.chunks)
            continue
        origin = vanished.pop(digest, None) if old is None else None
        if origin is not None and store.move_file(origin, name, st.st_mtime_ns):
            moved_from.add(origin)
            yield run.finish(name, "moved", known[origin].chunks)
            continue
        reader = reader_for(path)
        assert reader is not None  # scan kept only readable kinds
        try:
            doc = reader(name, data)
        except ReadError as exc:
            yield run.finish(name, "failed", error=str(exc))
            continue
        chunks = chunk_document(doc, size=size, overlap=overlap, token_spans=token_spans)
        status: FileStatus = "added" if old is None else "updated"
        record = FileRecord(name, digest, len(data), len(chunks), st.st_mtime_ns)
        run.pending.append(_Pending(record, status, chunks))
        if run.pending_chunks() >= EMBED_BATCH_CHUNKS:
            yield from run.flush(cancel)
    yield from run.flush(cancel)
    for name in known:
        if name in moved_from:
            continue
        if name not in present and any(Path(name).is_relative_to(r) for r in found.roots):
            cancel.raise_if_cancelled()
            store.remove_file(name)
            run.summary.removed += 1
    if run.summary.added or run.summary.updated or run.summary.removed or run.summary.moved:
        store.flush()
    run.summary.chunks = store.count()
    run.summary.seconds = time.perf_counter() - t0
    yield run.summary
