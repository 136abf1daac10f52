"""Ingestion as a generator of events: scan, read, chunk, embed, store.

Unchanged files (same content hash as in the manifest) cost a read and a hash, nothing
more. Chunks of several small files are embedded together so the embedder sees full
batches. Each file fails alone with a one-line reason; the run goes on.

Reading and chunking run ahead on one reader thread (``IngestOptions.prefetch`` files at
most) while the caller's thread embeds and writes: ONNX Runtime lets go of the GIL while
it computes, so the next files are parsed meanwhile. The reader only reads files; every
store write happens on the generator's thread, in the same order as without it.

A file read page by page (a PDF, an image; OCR takes about a second a page) reports its
pages: while the writer waits for the reader it yields FileReading with the page being
read, and a cancel stops the read between two pages.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from desktop.core.embeddings.base import Embedder, embedder_identity, embedder_source
from desktop.core.errors import Cancelled, DiskFullError
from desktop.core.ingest.chunking import TokenSpans, chunk_document
from desktop.core.ingest.readers import PageHook, ReadError, reader_for
from desktop.core.ingest.scan import scan
from desktop.core.progress import CancelToken
from desktop.core.settings import DEFAULT_CHUNK_TOKENS
from desktop.core.store.base import FileRecord, Store
from desktop.core.store.errors import disk_full_error, folder_size, human_size
from desktop.core.types import Chunk

FileStatus = Literal["added", "updated", "unchanged", "moved", "removed", "failed"]
EMBED_BATCH_CHUNKS = 128
READING_POLL_S = 0.25  # how often a writer waiting for the reader reports its page
STAGES = ("scan", "read", "chunk", "embed", "store", "wait")


@dataclass(frozen=True)
class IngestOptions:
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    chunk_overlap: int = 32  # tokens
    max_file_bytes: int = 100 * 1024 * 1024
    # Files read and chunked ahead on a reader thread while earlier ones are embedded;
    # 0 does everything one step after the other on the caller's thread.
    prefetch: int = 8


@dataclass(frozen=True)
class Started:
    total_files: int


@dataclass(frozen=True)
class FileReading:
    """The reader is on page ``page`` of ``pages`` of ``path`` (a PDF, an image), read by
    OCR when ``ocr``. Yielded while the writer waits for that file, every
    ``READING_POLL_S`` at most, when the page changed."""

    path: str
    page: int
    pages: int
    ocr: bool = False


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
    # Seconds spent in each stage (STAGES). Read and chunk run on the reader thread, beside
    # embed and store, so with prefetch the stages add up to more than ``seconds``; "wait"
    # is the time the writer waited for the reader.
    stages: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    bytes_read: int = 0
    chunks_written: int = 0  # chunks embedded and stored by this run

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


@dataclass(frozen=True)
class ChunksEmbedded:
    """``done`` of the ``total`` chunks of ``path`` are embedded (not stored yet): yielded
    after each slice of at most EMBED_BATCH_CHUNKS, so a long file's progress moves."""

    path: str
    done: int
    total: int


IngestEvent = Started | FileReading | ChunksEmbedded | FileDone | Summary


@dataclass
class _Pending:
    record: FileRecord
    status: FileStatus
    chunks: list[Chunk]


@dataclass
class _Prepared:
    """One file as the reader leaves it for the writer."""

    path: Path
    old: FileRecord | None
    error: str = ""  # failed, with this reason
    mtime_ns: int = 0
    size: int = 0
    digest: str = ""  # empty: same size and time as in the manifest, not read
    chunks: list[Chunk] | None = None  # None when the content needs no embedding
    data: bytes = b""  # kept only for a possible move, in case the move fails


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


class _Reader:
    """Reads, hashes and chunks one file at a time; touches nothing but the files."""

    def __init__(
        self,
        known: dict[str, FileRecord],
        move_hashes: frozenset[str],
        options: IngestOptions,
        sizes: tuple[int, int, TokenSpans | None],
        stages: dict[str, float],
        cancel: CancelToken,
    ) -> None:
        self.known = known
        self.move_hashes = move_hashes  # contents of vanished files: maybe moved, not new
        self.options = options
        self.size, self.overlap, self.token_spans = sizes
        self.stages = stages  # this thread adds to "read" and "chunk" only
        self.cancel = cancel
        self.stop = threading.Event()  # set when the writer stops listening, for any reason
        self.reading: FileReading | None = None  # the page being read now
        self._reported: FileReading | None = None

    def on_page(self, path: Path) -> PageHook:
        """The hook a reader of pages calls before each page: it notes the page, and stops
        the read (Cancelled) once the run is cancelled or stopped."""
        name = str(path)

        def hook(page: int, pages: int, ocr: bool) -> None:
            if self.cancel.cancelled or self.stop.is_set():
                raise Cancelled()
            self.reading = FileReading(name, page, pages, ocr)

        return hook

    def progress(self) -> FileReading | None:
        """The page being read, when it changed since the last call (for the writer)."""
        now = self.reading
        if now is None or now is self._reported:
            return None
        self._reported = now
        return now

    def prepare(self, path: Path) -> _Prepared:
        t0 = time.perf_counter()
        name = str(path)
        item = _Prepared(path, self.known.get(name))
        try:
            st = path.stat()
        except OSError as exc:
            item.error = f"cannot read: {exc.strerror or exc}"
            return item
        item.mtime_ns, old = st.st_mtime_ns, item.old
        if old is not None and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns):
            return item  # same size and time: not read
        try:
            data = _read(path, st.st_size, self.options.max_file_bytes)
            item.size, item.digest = len(data), hashlib.sha256(data).hexdigest()
        except ReadError as exc:
            item.error = str(exc)
            return item
        finally:
            self.stages["read"] += time.perf_counter() - t0
        if old is not None and old.hash == item.digest:
            return item
        if old is None and item.digest in self.move_hashes:
            item.data = data  # the writer tries a move first
            return item
        self.chunk(item, data)
        return item

    def chunk(self, item: _Prepared, data: bytes) -> None:
        """Parse and chunk the file (sets ``error`` when it cannot be parsed)."""
        t0 = time.perf_counter()
        reader = reader_for(item.path, on_page=self.on_page(item.path))
        assert reader is not None  # scan kept only readable kinds
        try:
            doc = reader(str(item.path), data)
        except ReadError as exc:
            item.error = str(exc)
        else:
            item.chunks = chunk_document(
                doc, size=self.size, overlap=self.overlap, token_spans=self.token_spans
            )
        finally:
            self.reading = None  # read: no page of it to report any more
        self.stages["chunk"] += time.perf_counter() - t0


_END = object()


def _ahead(
    files: Sequence[Path],
    prepare: Callable[[Path], _Prepared],
    depth: int,
    cancel: CancelToken,
    stages: dict[str, float],
    stop: threading.Event | None = None,
    progress: Callable[[], FileReading | None] = lambda: None,
) -> Generator[_Prepared | FileReading, None, None]:
    """``prepare(f)`` for each file in order, computed up to ``depth`` files ahead on a
    reader thread; an exception there is raised here. While waiting for it, what
    ``progress()`` returns is yielded, and a cancel is raised. Closing the iterator stops
    it (and sets ``stop``)."""
    if depth <= 0:
        for f in files:
            yield prepare(f)
        return
    out: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = stop or threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for f in files:
                if cancel.cancelled or not put(prepare(f)):
                    break
        except BaseException as exc:  # handed to the writer's thread, raised there
            put(exc)
            return
        put(_END)

    thread = threading.Thread(target=work, name="fathom-ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            t0 = time.perf_counter()
            try:
                got = out.get(timeout=READING_POLL_S)
            except queue.Empty:
                stages["wait"] += time.perf_counter() - t0
                cancel.raise_if_cancelled()
                reading = progress()
                if reading is not None:
                    yield reading
                continue
            stages["wait"] += time.perf_counter() - t0
            if got is _END:
                return
            if isinstance(got, BaseException):
                raise got
            assert isinstance(got, _Prepared)
            yield got
    finally:
        stop.set()
        thread.join()


class _Run:
    """The state of one ingestion run."""

    def __init__(self, store: Store, embedder: Embedder, total: int) -> None:
        self.store = store
        self.embedder = embedder
        self.total = total
        self.done = 0
        self.summary = Summary()
        self.stages = self.summary.stages
        self.pending: list[_Pending] = []
        self.writing = 0  # chunks of the batch being embedded and stored, not stored yet

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

    def flush(self, cancel: CancelToken) -> Iterator[ChunksEmbedded | FileDone]:
        batch, self.pending = self.pending, []
        texts = [c.embedding_text() for p in batch for c in p.chunks]
        self.writing = len(texts)
        vectors: list[object] = []
        # Embedded slice by slice: progress within a long file, and a cancel between slices.
        for start in range(0, len(texts), EMBED_BATCH_CHUNKS):
            cancel.raise_if_cancelled()
            t0 = time.perf_counter()
            vectors.extend(
                self.embedder.encode_documents(texts[start : start + EMBED_BATCH_CHUNKS])
            )
            self.stages["embed"] += time.perf_counter() - t0
            yield from _embedded(batch, start, len(vectors))
        offset = 0
        for p in batch:
            cancel.raise_if_cancelled()
            n = len(p.chunks)
            t0 = time.perf_counter()
            self.store.replace_file(p.record, p.chunks, list(vectors[offset : offset + n]))
            self.stages["store"] += time.perf_counter() - t0
            self.summary.chunks_written += n
            self.writing -= n
            offset += n
            yield self.finish(p.record.path, p.status, n)

    def timed(self, stage: str, since: float) -> None:
        self.stages[stage] += time.perf_counter() - since


def _embedded(batch: Sequence[_Pending], start: int, end: int) -> Iterator[ChunksEmbedded]:
    """Progress of each file of the batch with chunks among texts[start:end]."""
    offset = 0
    for p in batch:
        n = len(p.chunks)
        if n and offset < end and offset + n > start:
            yield ChunksEmbedded(p.record.path, min(n, end - offset), n)
        offset += n


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
    store: Store,
    embedder: Embedder,
    options: IngestOptions | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[IngestEvent]:
    """Bring the store in line with the files under ``paths``; the last event is a Summary."""
    options = options or IngestOptions()
    space = _SpaceWatch(store, embedder.dim, options)
    try:
        yield from _ingest(paths, store, embedder, options, cancel or CancelToken(), space)
    except DiskFullError as exc:
        raise space.error(exc) from exc


def _ingest(
    paths: Sequence[Path],
    store: Store,
    embedder: Embedder,
    options: IngestOptions,
    cancel: CancelToken,
    space: _SpaceWatch,
) -> Iterator[IngestEvent]:
    t0 = time.perf_counter()
    store.prepare(embedder_identity(embedder), embedder.dim, embedder_source(embedder))
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
    space.run, space.files, space.known = run, found.files, known
    run.timed("scan", t0)
    reader = _Reader(
        known, frozenset(vanished), options, _chunk_sizes(embedder, options), run.stages, cancel
    )
    yield Started(run.total)
    for path, reason in found.rejected:
        yield run.finish(str(path), "failed", error=reason)
    items = _ahead(
        found.files,
        reader.prepare,
        options.prefetch,
        cancel,
        run.stages,
        reader.stop,
        reader.progress,
    )
    try:
        for item in items:
            if isinstance(item, FileReading):
                yield item
                # The reader is slow (OCR): store what waits meanwhile, so that those
                # files are done, and not read again, if the run ends here.
                yield from run.flush(cancel)
                continue
            cancel.raise_if_cancelled()
            space.settled += 1
            yield from _settle(item, run, cancel, reader, vanished, moved_from)
        cancel.raise_if_cancelled()
        yield from run.flush(cancel)
    finally:
        items.close()  # stops the reader thread, whatever ended the run
    for name in known:
        if name in moved_from:
            continue
        if name not in present and any(Path(name).is_relative_to(r) for r in found.roots):
            cancel.raise_if_cancelled()
            t1 = time.perf_counter()
            store.remove_file(name)
            run.timed("store", t1)
            run.summary.removed += 1
    t1 = time.perf_counter()
    if run.summary.added or run.summary.updated or run.summary.removed or run.summary.moved:
        store.flush()
    run.summary.chunks = store.count()
    run.timed("store", t1)
    run.summary.seconds = time.perf_counter() - t0
    yield run.summary


class _SpaceWatch:
    """What a run knows when the store's disk fills up, to say roughly how much more room
    the rest of it needs: the library folder's growth per chunk written and the chunks per
    byte of the files read so far, applied to the files not stored yet."""

    def __init__(self, store: Store, dim: int, options: IngestOptions) -> None:
        self.folder = store.lite_folder()
        self.size_before = folder_size(self.folder) if self.folder else 0
        self.dim = dim
        self.options = options
        self.run: _Run | None = None
        self.files: Sequence[Path] = ()
        self.known: dict[str, FileRecord] = {}
        self.settled = 0  # files of ``files`` handed to the writer so far

    def error(self, exc: DiskFullError) -> DiskFullError:
        if self.folder is None or self.run is None:
            return exc
        try:
            return disk_full_error(self.folder, self.estimate(self.run, self.folder))
        except OSError:
            return exc

    def _left_bytes(self) -> tuple[int, int]:
        """(files, bytes) not stored yet that differ from the manifest by size or time."""
        count = size = 0
        for path in self.files[self.settled :]:
            try:
                st = path.stat()
            except OSError:
                continue
            old = self.known.get(str(path))
            if old is None or (old.size, old.mtime_ns) != (st.st_size, st.st_mtime_ns):
                count, size = count + 1, size + st.st_size
        return count, size

    def estimate(self, run: _Run, folder: Path) -> str:
        files, left = self._left_bytes()
        written, waiting = run.summary.chunks_written, run.pending_chunks() + run.writing
        grown = max(0, folder_size(folder) - self.size_before)
        seen = written + waiting
        if seen and run.summary.bytes_read:
            per_byte, basis = seen / run.summary.bytes_read, "as measured in this run"
        else:  # nothing chunked yet: one chunk per chunk_tokens tokens of ~4 characters
            per_byte, basis = 1 / (self.options.chunk_tokens * CHARS_PER_TOKEN), "a guess"
        if written and grown:
            per_chunk = grown / written
        else:  # the vector and the text, written twice (the log, then a segment)
            per_chunk = 2 * (4 * self.dim + self.options.chunk_tokens * CHARS_PER_TOKEN)
            basis = "a guess"
        chunks = waiting + round(left * per_byte)
        if not chunks:
            return (
                "Everything this run read is written; sealing it into segments needs room "
                f"up to what the run added ({human_size(grown)}, an estimate)."
            )
        rest = f"{files} files not stored yet, {human_size(left)}" if files else ""
        if waiting:
            rest += f"{' and ' if rest else ''}{waiting} chunks waiting to be written"
        return (
            f"The rest of this run ({rest}) needs roughly {human_size(chunks * per_chunk)} "
            f"more: about {chunks} chunks at {human_size(per_chunk)} each ({basis}, an "
            "estimate), and room to seal them into segments."
        )


def _settle(
    item: _Prepared,
    run: _Run,
    cancel: CancelToken,
    reader: _Reader,
    vanished: dict[str, str],
    moved_from: set[str],
) -> Iterator[ChunksEmbedded | FileDone]:
    """On the writer's thread: record what the reader found about one file."""
    name, old, store = str(item.path), item.old, run.store
    run.summary.bytes_read += item.size
    if item.error:
        yield run.finish(name, "failed", error=item.error)
        return
    if old is not None and (not item.digest or old.hash == item.digest):
        if item.digest and old.mtime_ns != item.mtime_ns:  # touched, not changed
            t0 = time.perf_counter()
            store.touch_file(FileRecord(name, item.digest, item.size, old.chunks, item.mtime_ns))
            run.timed("store", t0)
        yield run.finish(name, "unchanged", old.chunks)
        return
    if item.chunks is None:  # content of a vanished file: try a move before embedding
        origin = vanished.pop(item.digest, None)
        t0 = time.perf_counter()
        moved = origin is not None and store.move_file(origin, name, item.mtime_ns)
        run.timed("store", t0)
        if moved:
            assert origin is not None
            moved_from.add(origin)
            yield run.finish(name, "moved", reader.known[origin].chunks)
            return
        reader.chunk(item, item.data)
        if item.error:
            yield run.finish(name, "failed", error=item.error)
            return
    assert item.chunks is not None
    status: FileStatus = "added" if old is None else "updated"
    record = FileRecord(name, item.digest, item.size, len(item.chunks), item.mtime_ns)
    run.pending.append(_Pending(record, status, item.chunks))
    if run.pending_chunks() >= EMBED_BATCH_CHUNKS:
        yield from run.flush(cancel)
