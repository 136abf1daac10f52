"""Rebuild a library with another embedding model or chunking, beside the one in use.

Every library lives in a *generation*: a chunks collection and a file manifest, recording
the embedding model and the chunking that built them. A rebuild re-reads the files the
active manifest lists into a new generation while searches keep going to the active one;
when every file is done the new generation is marked complete, becomes the active one in
one step (an alias moves), and only then is the old one dropped. A rebuild killed at any
point resumes from the new generation's manifest when started again with the same
target, and ends with exactly the chunks a clean build produces.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop.core.embeddings.base import Embedder, embedder_identity, embedder_source
from desktop.core.ingest.pipeline import (
    ChunksEmbedded,
    FileDone,
    FileReading,
    IngestOptions,
    Started,
    Summary,
    ingest,
)
from desktop.core.progress import CancelToken
from desktop.core.store.base import Store
from desktop.core.store.schema import SCHEMA, layout_change

# How files are read into passages. When a change to the readers (what a passage holds,
# how it is headed) is worth a rebuild, READING goes up with a line in READING_CHANGES; a
# library records the number with its chunking, and one that recorded none was read as 1.
READING = 2
READING_CHANGES = {
    2: "PDFs without an outline: passages headed by the document's name and their page's title",
}
_CUT = ("chunk_tokens", "chunk_overlap")


def chunking_of(options: IngestOptions) -> dict[str, int]:
    cut = {"chunk_tokens": options.chunk_tokens, "chunk_overlap": options.chunk_overlap}
    return cut | {"reading": READING}


def same_cut(a: dict[str, int], b: dict[str, int]) -> bool:
    """Whether two recorded chunkings cut text the same way (the reading aside)."""
    return all(a.get(k) == b.get(k) for k in _CUT)


def describe_chunking(chunking: dict[str, int] | None) -> str:
    if chunking is None:
        return "unrecorded chunking"
    return f"{chunking['chunk_tokens']}-token chunks, {chunking['chunk_overlap']} overlap"


def reading_change(built: int, wanted: int = READING) -> str:
    """Why a library read as ``built`` would be read again: what came since."""
    since = [why for number, why in READING_CHANGES.items() if built < number <= wanted]
    return f"reading {built} -> {wanted}" + (f" ({'; '.join(since)})" if since else "")


def differences(
    built: dict[str, object] | None,
    built_chunking: dict[str, int] | None,
    model: str,
    dim: int,
    chunking: dict[str, int],
    built_layout: str = SCHEMA,
) -> list[str]:
    """Why a library built with (``built``, ``built_chunking``, in the store layout
    ``built_layout``) differs from the target: one line per change; empty when it
    already matches."""
    reasons = []
    if built is not None and built_layout != SCHEMA:
        reasons.append(layout_change(built_layout))
    if built is not None and (built.get("model") != model or int(str(built.get("dim"))) != dim):
        reasons.append(
            f"embedding model {built.get('model')} (dimension {built.get('dim')}) "
            f"-> {model} (dimension {dim})"
        )
    if built_chunking is None or not same_cut(built_chunking, chunking):
        reasons.append(f"{describe_chunking(built_chunking)} -> {describe_chunking(chunking)}")
    elif built_chunking.get("reading", 1) != chunking.get("reading", 1):
        reasons.append(reading_change(built_chunking.get("reading", 1), chunking.get("reading", 1)))
    return reasons


def pending_changes(store: Store, embedder: Embedder, options: IngestOptions) -> list[str]:
    """What a rebuild with ``embedder`` and ``options`` would change in the active library
    (one line each; empty: nothing, or no library yet), e.g. for a front to offer one. A
    library from before chunking was recorded counts as differently chunked."""
    store.bind()
    info = store.embedding_info()
    if info is None:
        return []
    model, dim = embedder_identity(embedder), embedder.dim
    return differences(info, store.chunking_info(), model, dim, chunking_of(options), store.schema)


def library_options(
    store: Store, embedder: Embedder, wanted: IngestOptions
) -> tuple[IngestOptions, str]:
    """The options an ingestion into this library should use: its recorded chunking, so
    one library never mixes two, with a note when the settings ask for another one. A new
    library is created here, recording the chunking it is built with."""
    if store.embedding_info() is None:
        source = embedder_source(embedder)
        model, dim = embedder_identity(embedder), embedder.dim
        store.prepare(model, dim, source, chunking=chunking_of(wanted))
        return wanted, ""
    built = store.chunking_info()
    if built is None or same_cut(built, chunking_of(wanted)):
        return wanted, ""  # read as today, or as before: new files are read as today
    kept = replace(wanted, chunk_tokens=built["chunk_tokens"], chunk_overlap=built["chunk_overlap"])
    note = (
        f"The library was built with {describe_chunking(built)}; the settings ask for "
        f"{describe_chunking(chunking_of(wanted))}. New files follow the library; run "
        "'fathom reindex' to rebuild it with the settings."
    )
    return kept, note


@dataclass(frozen=True)
class Planned:
    """What the rebuild does: from the active generation to ``target``."""

    active: int
    target: int
    reasons: list[str]
    resumed: bool  # an interrupted rebuild of the same target goes on
    files: int  # files listed in the active manifest


@dataclass
class ReindexSummary:
    generation: int  # active after the run
    previous: int
    reasons: list[str] = field(default_factory=list)
    rebuilt: bool = False  # False: nothing to change
    resumed: bool = False
    files: int = 0  # in the new generation
    chunks: int = 0
    missing: list[str] = field(default_factory=list)  # listed files gone from disk
    failed: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)  # generations dropped
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "generation": self.generation,
            "previous": self.previous,
            "rebuilt": self.rebuilt,
            "resumed": self.resumed,
            "reasons": self.reasons,
            "files": self.files,
            "chunks": self.chunks,
            "missing": self.missing,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
            "dropped": self.dropped,
            "seconds": round(self.seconds, 3),
        }


ReindexEvent = Planned | Started | FileReading | ChunksEmbedded | FileDone | ReindexSummary


def reindex(
    store: Store,
    embedder: Embedder,
    options: IngestOptions,
    cancel: CancelToken | None = None,
) -> Iterator[ReindexEvent]:
    """Rebuild the library of ``store`` (bound to its active generation) with ``embedder``
    and ``options`` when they differ from what built it; the last event is a summary.

    ``store`` keeps answering searches from the active generation during the build and is
    bound to the new one after the switch. Files the active manifest lists but that are
    gone from disk are left out; files that cannot be read now fail alone. The rebuild is
    the store's one writer meanwhile: do not ingest into the library while it runs."""
    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    store.bind()
    previous = store.generation
    model, dim = embedder_identity(embedder), embedder.dim
    chunking = chunking_of(options)
    summary = ReindexSummary(generation=previous, previous=previous)
    info = store.embedding_info()
    reasons = differences(info, store.chunking_info(), model, dim, chunking, store.schema)
    summary.reasons = reasons
    target, resumed = _choose_target(store, previous, model, dim, chunking)
    for old in store.generations():  # leftovers: an old generation a crash kept, dead builds
        if old not in (previous, target):
            store.drop_generation(old)
            summary.dropped.append(old)
    if info is None or not reasons:
        summary.seconds = time.perf_counter() - t0
        yield summary
        return
    listed = sorted(store.files())
    present = [p for p in listed if Path(p).is_file()]
    summary.missing = sorted(set(listed) - set(present))
    yield Planned(previous, target, reasons, resumed, len(listed))
    new = store.at_generation(target)
    new.prepare(model, dim, embedder_source(embedder), chunking=chunking, building=True)
    new.retain_files(present)  # files gone since an interrupted run
    done: list[str] = []
    for event in ingest([Path(p) for p in present], new, embedder, options, cancel):
        if isinstance(event, FileDone) and event.status != "failed":
            done.append(event.path)
        if isinstance(event, Summary):
            summary.failed = event.failed
        else:
            yield event
    cancel.raise_if_cancelled()
    new.retain_files(done)  # exactly what a clean build holds: no failed file's old chunks
    new.flush()
    new.mark_complete()
    cancel.raise_if_cancelled()
    new.activate()  # the switch: one alias operation
    store.bind()
    store.drop_generation(previous)
    summary.dropped.append(previous)
    summary.generation, summary.rebuilt, summary.resumed = target, True, resumed
    summary.files = len(new.files())
    summary.chunks = new.count()
    summary.seconds = time.perf_counter() - t0
    yield summary


def _choose_target(
    store: Store, active: int, model: str, dim: int, chunking: dict[str, int]
) -> tuple[int, bool]:
    """The generation to build: an interrupted build of the same target when there is one
    (resumed), else a fresh number above every generation present."""
    present = store.generations()
    for gen in reversed(present):
        if gen <= active:
            break
        view = store.at_generation(gen)
        try:
            built = view.embedding_info() if view.has_manifest() else None
            chunked = view.chunking_info()
        except Exception:  # a build killed while creating its collections: start over
            continue
        if built is not None and not differences(built, chunked, model, dim, chunking, view.schema):
            return gen, True
    return max([active, *present]) + 1, False
