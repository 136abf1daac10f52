"""An in-memory ``Store`` for unit tests of one piece (retrieval, the tool loop,
ingestion's decisions) that need no Milvus.

It keeps what Milvus keeps and answers as ``MilvusStore`` does: dense search by cosine,
BM25 (k1 1.2, b 0.75, as Milvus computes it) over the search terms of
``desktop.core.lexical``, hybrid search fused by ``desktop.core.store.fusion``, a manifest,
and generations switched by an alias. tests/integration/test_store_contract.py runs the
same behaviours against it, Milvus Lite and a Milvus server.

``FakeMilvus`` is the place the data lives (a Lite folder, a server): open several
``FakeStore``s on one to see what another wrote, as after reopening a real store.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from desktop.core.errors import StoreError
from desktop.core.store.base import FileRecord, Hit, SearchMode
from desktop.core.store.errors import embedding_mismatch, nothing_ingested
from desktop.core.store.fusion import DEFAULT_FUSION, Fusion, fuse
from desktop.core.store.manifest import file_key
from desktop.core.store.schema import (
    LEXICAL_SCHEMAS,
    PAGE_SCHEMAS,
    SCHEMA,
    SCHEMAS_READ,
    search_terms,
)
from desktop.core.store.search import bm25_query, within_test
from desktop.core.types import Chunk

BM25_K1, BM25_B = 1.2, 0.75
_WORDS = re.compile(r"\w+")  # what Milvus Lite's standard analyzer splits raw text on


@dataclass
class _Row:
    id: str
    key: str
    text: str
    path: str
    heading: str
    page: int
    ordinal: int
    start: int
    end: int
    dense: list[float]
    terms: list[str]
    page_end: int = 0  # kept in PAGE_SCHEMAS only, as Milvus keeps them
    kind: str = ""


@dataclass
class _Generation:
    """One generation's chunks collection and manifest."""

    embedding: dict[str, Any]
    layout: str
    chunking: dict[str, int] | None
    state: str
    rows: dict[str, _Row] = field(default_factory=dict)
    files: dict[str, FileRecord] | None = None  # None: no manifest collection yet


@dataclass
class _Library:
    generations: dict[int, _Generation] = field(default_factory=dict)
    alias: int | None = None  # the active generation once the library was rebuilt


@dataclass
class FakeMilvus:
    """What one fake Milvus holds: libraries by name."""

    uri: str = "memory://fake"
    libraries: dict[str, _Library] = field(default_factory=dict)


def _terms(layout: str, text: str) -> list[str]:
    """The BM25 terms of a field's text: the lexical terms (layout 2) or raw words."""
    return text.split() if layout in LEXICAL_SCHEMAS else _WORDS.findall(text.lower())


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    if na == 0 or nb == 0:
        return 0.0
    return sum(x * y for x, y in zip(a, b, strict=True)) / (na * nb)


class FakeStore:
    """One library in a ``FakeMilvus``, bound to one of its generations."""

    def __init__(
        self,
        where: FakeMilvus | None = None,
        *,
        library: str = "default",
        generation: int | None = None,
    ) -> None:
        self._where = where or FakeMilvus()
        self.uri = self._where.uri
        self.library = library
        self.generation = 0
        self.schema = SCHEMA
        self._via_alias = False
        self.closed = False
        self.bind(generation)

    # --- where the bound generation is ----------------------------------------------------

    def _lib(self) -> _Library:
        if self.closed:
            raise StoreError(f"The store {self.uri} is closed.")
        return self._where.libraries.setdefault(self.library, _Library())

    def _gen(self) -> _Generation | None:
        lib = self._lib()
        number = lib.alias if self._via_alias and lib.alias is not None else self.generation
        return lib.generations.get(number)

    def _need(self) -> _Generation:
        gen = self._gen()
        if gen is None:
            raise StoreError(f"The library '{self.library}' has no collection to write to.")
        return gen

    # --- the library ------------------------------------------------------------------------

    def embedding_info(self) -> dict[str, Any] | None:
        gen = self._gen()
        if gen is None:
            return None
        self.schema = gen.layout
        return dict(gen.embedding)

    def chunking_info(self) -> dict[str, int] | None:
        gen = self._gen()
        return dict(gen.chunking) if gen is not None and gen.chunking else None

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
        gen = self._gen()
        if gen is None:
            if layout not in SCHEMAS_READ:
                raise ValueError(f"unknown store layout {layout!r}")
            gen = _Generation(
                {"model": model, "dim": dim, "source": source},
                layout,
                dict(chunking) if chunking else None,
                "building" if building else "complete",
            )
            lib = self._lib()
            number = lib.alias if self._via_alias and lib.alias is not None else self.generation
            lib.generations[number] = gen
            self.schema = layout
        elif gen.embedding.get("model") != model or int(gen.embedding.get("dim", 0)) != dim:
            raise embedding_mismatch(gen.embedding, model, dim, source)
        if gen.files is None:
            gen.files = {}

    def open_existing(self) -> dict[str, Any]:
        info = self.embedding_info()
        if info is None:
            raise nothing_ingested(self.uri)
        self.prepare(str(info["model"]), int(info["dim"]), str(info.get("source", "")))
        return info

    # --- the manifest and writes --------------------------------------------------------------

    def files(self) -> dict[str, FileRecord]:
        gen = self._gen()
        if gen is None or gen.files is None:
            return {}
        return {r.path: r for r in gen.files.values()}

    def _manifest(self) -> dict[str, FileRecord]:
        gen = self._need()
        if gen.files is None:
            raise StoreError(f"The library '{self.library}' has no manifest.")
        return gen.files

    def replace_file(
        self, record: FileRecord, chunks: Sequence[Chunk], vectors: Sequence[Any]
    ) -> None:
        gen = self._need()
        key = file_key(record.path)
        self._delete_chunks(gen, {key})
        for c, v in zip(chunks, vectors, strict=True):
            dense = [float(x) for x in v]
            if len(dense) != int(gen.embedding["dim"]):
                raise StoreError(f"A vector of dimension {len(dense)} in a library of another.")
            row_id = f"{key[:24]}-{c.ordinal}"
            lexical = search_terms(c.text, c.heading) if gen.layout in LEXICAL_SCHEMAS else c.text
            pages = gen.layout in PAGE_SCHEMAS
            gen.rows[row_id] = _Row(
                row_id, key, c.text, c.path, c.heading, c.page, c.ordinal, c.start, c.end,
                dense, _terms(gen.layout, lexical),
                c.last_page if pages else 0, c.kind if pages else "",
            )  # fmt: skip
        self._manifest()[key] = replace(record, chunks=len(chunks))

    def move_file(self, old: str, new: str, new_mtime_ns: int = 0) -> bool:
        gen = self._need()
        old_key, new_key = file_key(old), file_key(new)
        record = self._manifest().get(old_key)
        if record is None:
            return False
        rows = [r for r in gen.rows.values() if r.key == old_key]
        if len(rows) != record.chunks:
            return False
        self._delete_chunks(gen, {new_key})
        for r in rows:
            moved = replace(r, id=f"{new_key[:24]}-{r.ordinal}", key=new_key, path=new)
            gen.rows[moved.id] = moved
        self._manifest()[new_key] = FileRecord(
            new, record.hash, record.size, record.chunks, new_mtime_ns
        )
        self.remove_file(old)
        return True

    def touch_file(self, record: FileRecord) -> None:
        self._manifest()[file_key(record.path)] = record

    def remove_file(self, path: str) -> None:
        key = file_key(path)
        self._manifest().pop(key, None)
        self._delete_chunks(self._need(), {key})

    def retain_files(self, paths: Sequence[str]) -> int:
        keys = {file_key(p) for p in paths}
        gen = self._need()
        manifest = gen.files or {}
        gone = [k for k in manifest if k not in keys]
        for k in gone:
            del manifest[k]
        self._delete_chunks(gen, {r.key for r in gen.rows.values()} - keys)
        return len(gone)

    @staticmethod
    def _delete_chunks(gen: _Generation, keys: set[str]) -> None:
        for row_id in [i for i, r in gen.rows.items() if r.key in keys]:
            del gen.rows[row_id]

    def document_text(self, path: str, max_chunks: int) -> str | None:
        key = file_key(path)
        rows = [r for r in self._need().rows.values() if r.key == key]
        if not rows or len(rows) > max_chunks:
            return None
        rows.sort(key=lambda r: r.start)
        parts: list[str] = []
        covered = 0
        for r in rows:
            if r.start >= covered:
                parts.append(("\n\n" if parts else "") + r.text)
            elif r.start + len(r.text) > covered:
                parts.append(r.text[covered - r.start :])
            covered = max(covered, r.start + len(r.text))
        return "".join(parts)

    def count(self) -> int:
        gen = self._gen()
        return len(gen.rows) if gen is not None else 0

    def chunk_ids(self) -> list[str]:
        gen = self._gen()
        return list(gen.rows) if gen is not None else []

    def flush(self) -> None:
        self._lib()

    # --- retrieval --------------------------------------------------------------------------

    def search(
        self,
        vector: Sequence[float],
        text: str,
        k: int,
        mode: SearchMode = "hybrid",
        within: Sequence[str] = (),
        fusion: Fusion = DEFAULT_FUSION,
    ) -> list[Hit]:
        gen = self._need()
        rows = list(gen.rows.values())
        if within:
            keep = within_test(within)
            rows = [r for r in rows if keep(r.path)]
        if mode == "dense":
            return self._dense(rows, vector, k)
        if mode == "bm25":
            return self._bm25(rows, bm25_query(gen.layout, text), gen, k)
        dense = self._dense(rows, vector, k)
        return fuse(dense, self._bm25(rows, bm25_query(gen.layout, text), gen, k), k, fusion)

    @staticmethod
    def _hit(r: _Row, score: float) -> Hit:
        return Hit(
            r.id, r.text, r.path, r.page, r.heading, r.start, r.end, score,
            max(r.page, r.page_end), r.kind,
        )  # fmt: skip

    def _dense(self, rows: list[_Row], vector: Sequence[float], k: int) -> list[Hit]:
        query = [float(x) for x in vector]
        scored = sorted(((_cosine(query, r.dense), r) for r in rows), key=lambda t: -t[0])
        return [self._hit(r, s) for s, r in scored[:k]]

    def _bm25(self, rows: list[_Row], query: str, gen: _Generation, k: int) -> list[Hit]:
        """BM25 as Milvus scores it: statistics over the whole collection, the hits among
        ``rows`` (the filtered ones) that share a term with the query."""
        wanted = _terms(gen.layout, query)
        if not wanted:
            return []
        every = list(gen.rows.values())
        n = len(every)
        avg = sum(len(r.terms) for r in every) / n if n else 0.0
        df: Counter[str] = Counter()
        for r in every:
            df.update(set(r.terms))
        scored = []
        for r in rows:
            tf = Counter(r.terms)
            score = 0.0
            for term in wanted:
                if not tf[term]:
                    continue
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                norm = BM25_K1 * (1 - BM25_B + BM25_B * len(r.terms) / (avg or 1.0))
                score += idf * tf[term] * (BM25_K1 + 1) / (tf[term] + norm)
            if score > 0:
                scored.append((score, r))
        scored.sort(key=lambda t: -t[0])
        return [self._hit(r, s) for s, r in scored[:k]]

    def warm_up(self) -> None:
        info = self.embedding_info()
        if info and int(info.get("dim") or 0) > 0:
            self.search([0.0] * int(info["dim"]), "warm up", 1)

    # --- generations ----------------------------------------------------------------------

    def bind(self, generation: int | None = None) -> None:
        lib = self._lib()
        active = 0 if lib.alias is None else lib.alias
        self.generation = active if generation is None else generation
        self._via_alias = lib.alias is not None and self.generation == active
        gen = self._gen()
        self.schema = gen.layout if gen is not None else SCHEMA

    def active_generation(self) -> int:
        alias = self._lib().alias
        return 0 if alias is None else alias

    def generations(self) -> list[int]:
        return sorted(self._lib().generations)

    def at_generation(self, generation: int) -> FakeStore:
        view = copy.copy(self)
        view.bind(generation)
        return view

    def has_manifest(self) -> bool:
        gen = self._gen()
        return gen is not None and gen.files is not None

    def mark_complete(self) -> None:
        self._need().state = "complete"

    def activate(self) -> None:
        self._need()
        self._lib().alias = self.generation
        self.bind(self.generation)

    def drop_generation(self, generation: int) -> None:
        if generation == self.active_generation():
            raise StoreError(f"Generation {generation} of the library is the active one.")
        self._lib().generations.pop(generation, None)

    # --- where it is --------------------------------------------------------------------------

    def lite_folder(self) -> Path | None:
        return None

    def close(self) -> None:
        self.closed = True
