"""Copy a library from one store to another (a laptop's Lite directory to a team server and
back): its chunks with their vectors and metadata, its file manifest and the embedding
model it was built with. Nothing is embedded again; Milvus recomputes the BM25 vectors
as the chunks are inserted, from search terms cut for the target's layout.

Chunks are copied before the manifest, as ingestion writes them: a copy cut short leaves
a target without a complete manifest, which ``replace=True`` (``--replace``) starts over.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from desktop.core.errors import StoreError
from desktop.core.progress import CancelToken
from desktop.core.store.connection import display_uri
from desktop.core.store.generations import active_alias, generation_names
from desktop.core.store.milvus import MilvusStore
from desktop.core.store.schema import (
    EMBEDDING_PROPERTY,
    SCHEMA_PROPERTY,
    STATE_PROPERTY,
    page_fields,
    stored_fields,
)

BATCH = 512  # chunks per read and insert; Milvus Lite caps one query at 16384 rows
_KEYS = ["id", "file_key"]  # then the fields of the source's layout (stored_fields)
_FILE_FIELDS = ["file_key", "path", "hash", "size", "chunks", "mtime_ns"]
_NOT_COPIED = {EMBEDDING_PROPERTY, SCHEMA_PROPERTY, STATE_PROPERTY}  # set by prepare()


@dataclass(frozen=True)
class CopyStarted:
    chunks: int
    files: int


@dataclass(frozen=True)
class CopyProgress:
    chunks_done: int
    chunks: int


@dataclass(frozen=True)
class CopyDone:
    chunks: int
    files: int
    seconds: float


CopyEvent = CopyStarted | CopyProgress | CopyDone


def copy_library(
    source: MilvusStore,
    target: MilvusStore,
    *,
    replace: bool = False,
    cancel: CancelToken | None = None,
    batch: int = BATCH,
) -> Iterator[CopyEvent]:
    """Copy ``source``'s active library into ``target``'s, yielding progress. Refuses a
    target library that holds anything unless ``replace``; then its rows are deleted first."""
    cancel = cancel or CancelToken()
    began = time.monotonic()
    if source.uri == target.uri and source.library == target.library:
        raise StoreError(
            "The copy's source and target are the same library.",
            "Give another --to, or another target library (--library).",
        )
    with _blame(source):
        info = source.embedding_info()
        if info is None:
            raise StoreError(
                f"The library '{source.library}' in {display_uri(source.uri)} holds no documents.",
                "Check --from and --library: fathom doctor --store URI shows a store's content.",
            )
        total, manifest = source.count(), len(source.files())
        extra = {k: v for k, v in source.properties().items() if k.startswith("fathom.")}
        extra = {k: v for k, v in extra.items() if k not in _NOT_COPIED}
    yield CopyStarted(total, manifest)
    with _blame(target):
        _empty_target(target, info, replace)
        target.prepare(str(info["model"]), int(info["dim"]), str(info.get("source", "")))
        if extra:
            target._client.alter_collection_properties(target.chunks_name, properties=extra)

    done = 0
    fields = [*_KEYS, *stored_fields(source.schema), "dense"]
    for rows in _pages(source, source.chunks_name, fields, batch):
        cancel.raise_if_cancelled()
        for r in rows:
            r["dense"] = [float(x) for x in r["dense"]]
            r.update(target.lexical_field(str(r["text"]), str(r["heading"])))
            end, kind = int(r.pop("page_end", 0) or 0), str(r.pop("kind", "") or "")
            r.update(page_fields(target.schema, int(r["page"]), end, kind))
        with _blame(target):
            target._client.insert(target.chunks_name, rows)
        done += len(rows)
        yield CopyProgress(done, total)
    files = 0
    for rows in _pages(source, source.files_name, _FILE_FIELDS, batch):
        cancel.raise_if_cancelled()
        with _blame(target):
            target._client.upsert(target.files_name, [{**r, "_v": [0.0, 0.0]} for r in rows])
        files += len(rows)
    with _blame(target):
        target.flush()
        copied = target.count()
    if copied != total:
        raise StoreError(
            f"The copy in {display_uri(target.uri)} holds {copied} chunks, not {total}.",
            "Run the copy again with --replace.",
        )
    yield CopyDone(copied, files, time.monotonic() - began)


@contextmanager
def _blame(store: MilvusStore) -> Iterator[None]:
    """Turn a failure of this store's client into a clear StoreError about this store."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        raise store.error(exc) from exc


def _empty_target(target: MilvusStore, info: dict[str, Any], replace: bool) -> None:
    existing = target.embedding_info()
    if existing is None:
        return
    held, files = target.count(), len(target.files())
    if (held or files) and not replace:
        raise StoreError(
            f"The library '{target.library}' in {display_uri(target.uri)} already holds "
            f"{held} chunks from {files} files.",
            "Copy into another library (--library NAME), or pass --replace to overwrite it.",
        )
    same = existing.get("model") == info.get("model") and int(existing.get("dim", 0)) == int(
        info["dim"]
    )
    if not same:
        if held or files:
            raise StoreError(
                f"The library '{target.library}' in {display_uri(target.uri)} was built with "
                f"{existing.get('model')}, the copy with {info.get('model')}.",
                "Copy into another library (--library NAME).",
            )
        # Empty: recreate it with the copy's model. After a rebuild the names are an alias
        # over generation N's collections: drop the alias, then the collections themselves.
        alias = active_alias(target.library)
        if alias in (target._client.list_aliases().get("aliases") or []):
            target._client.drop_alias(alias)
        for name in reversed(generation_names(target.library, target.generation)):
            if target._client.has_collection(name):
                target._client.drop_collection(name)
        target.bind(0)
        return
    target._client.delete(target.chunks_name, filter='id != ""')
    if target._client.has_collection(target.files_name):
        target._client.delete(target.files_name, filter='file_key != ""')
    target.flush()


def _pages(
    store: MilvusStore, collection: str, fields: list[str], batch: int
) -> Iterator[list[dict[str, Any]]]:
    """Every row of a collection, ``batch`` at a time, with a query iterator (one query
    may return at most 16384 rows)."""
    with _blame(store):
        if not store._client.has_collection(collection):
            return
        store._client.load_collection(collection)
        quiet = logging.getLogger("pymilvus")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the iterator warns that Lite has no MVCC timestamp
        try:
            it = store._client.query_iterator(
                collection, batch_size=batch, filter="", output_fields=fields
            )
        finally:
            quiet.setLevel(level)
    try:
        while True:
            with _blame(store):
                rows = it.next()
            if not rows:
                return
            yield [{f: r[f] for f in fields} for r in rows]
    finally:
        it.close()
