"""What the rest of the core asks of a document store: the records it answers with and
the ``Store`` protocol that ingestion, rebuilds, retrieval, the tool loop and the fronts
type against. ``MilvusStore`` (desktop.core.store.milvus) implements it on Milvus Lite or
a Milvus server; tests/fake_store.py implements it in memory, and both pass the same
contract tests (tests/integration/test_store_contract.py).

A store holds one *library*: passages (chunks) with a dense vector each and their BM25
terms, and a manifest of the files they came from. A library lives in a *generation*; a
rebuild writes a new generation beside the active one and ``activate`` switches to it in
one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from desktop.core.store.fusion import DEFAULT_FUSION, Fusion
from desktop.core.store.schema import SCHEMA
from desktop.core.types import Chunk

SearchMode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class FileRecord:
    path: str
    hash: str
    size: int
    chunks: int
    mtime_ns: int = 0  # with size, lets a re-sync skip reading files that did not change


@dataclass(frozen=True)
class Hit:
    """A chunk a search found. ``page_end`` is its last page (the same as ``page`` unless
    it runs on over a page break; in layouts before 3, always); ``kind`` is "" for a
    passage, "contents" or "index" for such a page (desktop.core.ingest.contents)."""

    id: str
    text: str
    path: str
    page: int
    heading: str
    start: int
    end: int
    score: float
    page_end: int = 0
    kind: str = ""


class Store(Protocol):
    """One library's chunks and manifest, bound to one of its generations."""

    @property
    def uri(self) -> str: ...

    @property
    def library(self) -> str: ...

    @property
    def generation(self) -> int:
        """The generation this store reads and writes (see ``bind``)."""
        ...

    @property
    def schema(self) -> str:
        """The layout of the bound generation (desktop.core.store.schema.SCHEMA)."""
        ...

    # --- the library: its embedding model and chunking --------------------------------

    def embedding_info(self) -> dict[str, Any] | None:
        """``{"model", "dim", "source"}`` of the model that built the bound generation;
        None when nothing was ever stored in it."""
        ...

    def chunking_info(self) -> dict[str, int] | None:
        """``{"chunk_tokens", "chunk_overlap"}`` the bound generation was built with
        (None: not recorded)."""
        ...

    def prepare(
        self,
        model: str,
        dim: int,
        source: str = "",
        *,
        chunking: dict[str, int] | None = None,
        building: bool = False,
        layout: str = SCHEMA,
    ) -> None:
        """Create the library on first use, recording the model (and the chunking when
        given; ``building``: a generation being rebuilt); raise EmbeddingMismatchError for
        a model other than the one it was built with."""
        ...

    def open_existing(self) -> dict[str, Any]:
        """Open a library for reading (its embedding info); StoreError when it is empty."""
        ...

    # --- the manifest and writes ------------------------------------------------------

    def files(self) -> dict[str, FileRecord]:
        """Every file in the manifest, by path."""
        ...

    def replace_file(
        self, record: FileRecord, chunks: Sequence[Chunk], vectors: Sequence[Any]
    ) -> None:
        """Replace a file's chunks, then record it in the manifest (always in this order);
        the record's ``chunks`` is set to how many were written."""
        ...

    def move_file(self, old: str, new: str, new_mtime_ns: int = 0) -> bool:
        """Give a moved file's chunks the new path without embedding again; False when
        the old chunks cannot be read back whole (the caller embeds afresh)."""
        ...

    def touch_file(self, record: FileRecord) -> None:
        """Update a file's manifest row without touching its chunks."""
        ...

    def remove_file(self, path: str) -> None:
        """Forget a file: its manifest row first, then its chunks."""
        ...

    def retain_files(self, paths: Sequence[str]) -> int:
        """Forget every file but these (chunks without a manifest row too); how many
        manifest rows went."""
        ...

    def document_text(self, path: str, max_chunks: int) -> str | None:
        """A file's text rebuilt from its chunks (overlaps removed) when it has at most
        ``max_chunks`` chunks; None for bigger or unknown files. Like ``search``, it
        needs the library to exist (StoreError before the first ``prepare``)."""
        ...

    def count(self) -> int:
        """How many chunks the bound generation holds."""
        ...

    def chunk_ids(self) -> list[str]:
        """Every chunk's id, duplicates included."""
        ...

    def flush(self) -> None:
        """Make what was written durable and quick to search."""
        ...

    # --- retrieval --------------------------------------------------------------------

    def search(
        self,
        vector: Sequence[float],
        text: str,
        k: int,
        mode: SearchMode = "hybrid",
        within: Sequence[str] = (),
        fusion: Fusion = DEFAULT_FUSION,
    ) -> list[Hit]:
        """The ``k`` best chunks, best first: by inner product with ``vector`` ("dense"),
        BM25 on the terms of ``text`` ("bm25"), or both fused ("hybrid"); ``within``
        limits them to these files or folders."""
        ...

    def warm_up(self) -> None:
        """Do the first search's one-time work now."""
        ...

    # --- generations ------------------------------------------------------------------

    def bind(self, generation: int | None = None) -> None:
        """Point this store at one generation (default: the active one)."""
        ...

    def active_generation(self) -> int: ...

    def generations(self) -> list[int]:
        """The library's generations present, in order."""
        ...

    def at_generation(self, generation: int) -> Store:
        """A view of this store bound to another generation (close the original only)."""
        ...

    def has_manifest(self) -> bool: ...

    def mark_complete(self) -> None:
        """Mark the bound generation's build complete."""
        ...

    def activate(self) -> None:
        """Make the bound generation the active one, in one step."""
        ...

    def drop_generation(self, generation: int) -> None:
        """Drop a generation that is not the active one (StoreError for the active one)."""
        ...

    # --- where it is ------------------------------------------------------------------

    def lite_folder(self) -> Path | None:
        """The folder on this computer that holds the store, if one does (to name a full
        disk by it)."""
        ...

    def close(self) -> None: ...
