"""Milvus store: a Lite directory by default, a Milvus server by URI, same code.

Two collections per library: ``fathom_<library>_chunks`` holds passages with their dense
vector and a BM25 sparse vector that Milvus computes from their search terms;
``fathom_<library>_files`` is the manifest, one row per ingested file with its content
hash. A file's chunks are written before its manifest row, and old chunks are deleted by
file key first, so an ingestion killed at any point is finished cleanly by running it
again.

``MilvusStore`` implements the ``Store`` protocol (desktop.core.store.base) by composing
the modules beside it: connection (URIs, gRPC options), errors (failures as StoreErrors),
pymilvus_patch, lite (the lock probe and open count), schema (layouts), generations
(and the alias), manifest and search.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop.core.errors import StoreError
from desktop.core.store import generations, lite, manifest, schema
from desktop.core.store import search as searching
from desktop.core.store.base import FileRecord, Hit, SearchMode
from desktop.core.store.connection import CONNECT_TIMEOUT_S, display_uri, grpc_options, is_local
from desktop.core.store.errors import Guarded, embedding_mismatch, nothing_ingested, store_error
from desktop.core.store.fusion import DEFAULT_FUSION, Fusion
from desktop.core.store.manifest import QUERY_CAP, file_key
from desktop.core.store.pymilvus_patch import catching_start_failure, quiet_pymilvus
from desktop.core.store.schema import SCHEMA, STATE_PROPERTY
from desktop.core.types import Chunk

# The records come with the store for the callers that import them from here.
__all__ = ["FileRecord", "Hit", "MilvusStore", "SearchMode", "check_store", "describe_store"]


def check_store(uri: str, token: str = "", library: str = "default") -> str:
    """Open a store the way Fathom would and describe it in one line (for "Test
    connection" buttons and ``fathom doctor``); raises StoreError saying what failed."""
    store = MilvusStore(uri, token=token, library=library)
    try:
        return describe_store(store)
    finally:
        store.close()


def describe_store(store: MilvusStore, shown_uri: str = "") -> str:
    """One line on an open store: its kind, where it is, what the library holds.
    ``shown_uri`` names it when it is reached another way (a Lite directory that the
    window serves from a child process)."""
    uri = shown_uri or store.uri
    try:
        version = "" if is_local(uri) else store.server_version()
        info = store.embedding_info()
        chunks = store.count() if info else 0
    except StoreError:
        raise
    except Exception as exc:
        raise store.error(exc) from exc
    kind = f"Milvus server {version}" if version else "Milvus Lite directory"
    if info is None:
        return f"{kind} at {display_uri(uri)}: library '{store.library}' is empty"
    return (
        f"{kind} at {display_uri(uri)}: library '{store.library}' has {chunks} chunks "
        f"(embedding {info.get('model')})"
    )


class MilvusStore:
    """One library's chunks and manifest in one Milvus (Lite directory or server)."""

    def __init__(
        self, uri: str, *, token: str = "", library: str = "default", generation: int | None = None
    ) -> None:
        self.uri = uri
        self._token = token  # only for redacting it from messages; never shown
        self.library = library
        self.chunks_name = f"fathom_{library}_chunks"
        self.files_name = f"fathom_{library}_files"
        local = is_local(uri)
        if local:
            if not uri.endswith(".db"):
                raise StoreError(
                    f"The store location {uri} does not end in .db.",
                    "A local Milvus Lite store is a folder named like library.db.",
                )
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
            if uri not in lite.OPEN_HERE and lite.lite_dir_locked(Path(uri)):
                raise lite.locked_error(uri)
        from pymilvus import MilvusClient

        quiet_pymilvus()  # before milvus-lite starts: its failures are ours to report
        self._start_failure: BaseException | None = None
        try:
            if local:
                from desktop.core.store import lite_speedups

                lite_speedups.install()  # the engine runs in this process (idempotent)
                with catching_start_failure() as caught:
                    try:  # a Lite folder has no authentication
                        client = MilvusClient(uri=uri, grpc_options=grpc_options(uri))
                    finally:
                        self._start_failure = caught.exc
            else:
                client = MilvusClient(
                    uri=uri, token=token, timeout=CONNECT_TIMEOUT_S, grpc_options=grpc_options(uri)
                )
            self._client: Any = Guarded(client, self.error)
        except Exception as exc:
            raise self._open_error(exc) from exc
        self._closed = False
        if local:
            lite.opened(uri)
        self.generation = 0
        self.schema = SCHEMA  # the layout of the bound chunks collection (see SCHEMA)
        try:
            self.bind(generation)
        except Exception as exc:
            self.close()
            raise self._open_error(exc) from exc

    def _open_error(self, exc: Exception) -> StoreError:
        """Why the store did not open."""
        if is_local(self.uri):
            known = lite.open_error(self.uri, self._start_failure, exc)
            if known is not None:
                return known
        return self.error(exc, opening=True)

    def lite_folder(self) -> Path | None:
        """The Lite folder that holds this store, here or in the window's store process
        (None: a Milvus server)."""
        return Path(self.uri) if is_local(self.uri) else lite.SERVED_FOLDERS.get(self.uri)

    def error(self, exc: BaseException, *, opening: bool = False) -> StoreError:
        """A StoreError for a failure to open or use the store (a server that went away,
        a rejected token), with the URI's credentials and the token left out."""
        return store_error(self.uri, self._token, exc, opening=opening, folder=self.lite_folder())

    def server_version(self) -> str:
        """The Milvus server's version (a Lite folder has none to tell)."""
        return "" if is_local(self.uri) else str(self._client.get_server_version())

    # --- schema and the embedding-model guard ------------------------------------------

    def embedding_info(self) -> dict[str, Any] | None:
        """The embedding model and dimension that built this library, if it exists."""
        info, layout = schema.embedding_info(self._client, self.chunks_name, self.uri)
        if layout is not None:
            self.schema = layout
        return info

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
        """Create the collections on first use (recording the model, and the chunking when
        given; ``building`` marks a generation being rebuilt; ``layout`` is one of
        SCHEMAS_READ, the newest unless an older one is wanted on purpose); refuse an
        embedding model other than the one the library was built with, rather than mixing
        vectors."""
        info = self.embedding_info()
        if info is None:
            schema.create_chunks(
                self._client, self.chunks_name, model, dim, source, chunking, building, layout
            )
            self.schema = layout
        elif info.get("model") != model or int(info.get("dim", 0)) != dim:
            raise embedding_mismatch(info, model, dim, source)
        if not self._client.has_collection(self.files_name):
            schema.create_files(self._client, self.files_name)
        self._client.load_collection(self.chunks_name)
        self._client.load_collection(self.files_name)

    def open_existing(self) -> dict[str, Any]:
        """Open a library for reading; fail clearly when nothing was ingested yet."""
        info = self.embedding_info()
        if info is None:
            raise nothing_ingested(self.uri)
        self.prepare(str(info["model"]), int(info["dim"]), str(info.get("source", "")))
        return info

    def properties(self) -> dict[str, Any]:
        """The properties recorded on the bound chunks collection."""
        return schema.properties(self._client, self.chunks_name)

    def chunking_info(self) -> dict[str, int] | None:
        """The chunk size and overlap this generation was built with (None: not recorded,
        as in libraries built before generations existed)."""
        raw = self.properties().get(schema.CHUNKING_PROPERTY)
        return {k: int(v) for k, v in json.loads(raw).items()} if raw else None

    def lexical_field(self, text: str, heading: str) -> dict[str, str]:
        """The BM25 field of a chunk row in this library's layout (empty: it has none)."""
        return schema.lexical_field(self.schema, text, heading)

    # --- generations: a rebuild goes into new collections beside the active ones ---------

    def bind(self, generation: int | None = None) -> None:
        """Point this store at one generation's collections (default: the active one)."""
        bound = generations.bound_names(self._client, self.library, self.uri, generation)
        self.generation, self.chunks_name, self.files_name = bound
        self.schema = str(self.properties().get(schema.SCHEMA_PROPERTY) or SCHEMA)

    def active_generation(self) -> int:
        target = generations.alias_target(self._client, self.library)
        found = 0 if target is None else generations.generation_of(self.library, target)
        return found or 0

    def generations(self) -> list[int]:
        """This library's generations present in the store (chunks collections), in order."""
        return generations.generations(self._client, self.library)

    def at_generation(self, generation: int) -> MilvusStore:
        """This store's connection bound to another generation, to build it beside the
        active one. Close the original store, not this view."""
        view = copy.copy(self)
        view.bind(generation)
        return view

    def has_manifest(self) -> bool:
        return bool(self._client.has_collection(self.files_name))

    def mark_complete(self) -> None:
        self._client.alter_collection_properties(
            self.chunks_name, properties={STATE_PROPERTY: "complete"}
        )

    def activate(self) -> None:
        """Make this store's generation the active one in one step: the alias is created
        (a library never rebuilt before) or moved. Searches go to it from then on."""
        generations.activate(self._client, self.library, self.generation)
        self.bind(self.generation)

    def drop_generation(self, generation: int) -> None:
        """Drop a generation that is not the active one: its manifest first, so a crash
        halfway leaves chunks without a manifest, which are never resumed from."""
        if generation == self.active_generation():
            raise StoreError(f"Generation {generation} of the library is the active one.")
        generations.drop(self._client, self.library, generation)

    # --- manifest and writes -------------------------------------------------------------

    def files(self) -> dict[str, FileRecord]:
        return manifest.files(self._client, self.files_name)

    def retain_files(self, paths: Sequence[str]) -> int:
        """Forget every file but these (manifest rows first, then chunks, as remove_file
        does), including chunks whose manifest row was never written. Returns how many
        manifest rows went."""
        keys = {file_key(p) for p in paths}
        listed = "[" + ", ".join(f'"{k}"' for k in sorted(keys)) + "]"
        expr = f"not (file_key in {listed})" if keys else ""
        gone = sum(1 for r in self.files().values() if file_key(r.path) not in keys)
        if gone:
            self._client.delete(self.files_name, filter=expr or 'file_key != ""')
        self._client.delete(self.chunks_name, filter=expr or 'file_key != ""')
        return gone

    def replace_file(
        self, record: FileRecord, chunks: Sequence[Chunk], vectors: Sequence[Any]
    ) -> None:
        """Replace a file's chunks, then record it in the manifest (always in this order)."""
        key = file_key(record.path)
        self._client.delete(self.chunks_name, filter=f'file_key == "{key}"')
        rows = [
            schema.chunk_row(key, c, v, self.schema) for c, v in zip(chunks, vectors, strict=True)
        ]
        if rows:
            self._client.insert(self.chunks_name, rows)
        manifest.write(
            self._client,
            self.files_name,
            FileRecord(record.path, record.hash, record.size, len(rows), record.mtime_ns),
        )

    def move_file(self, old: str, new: str, new_mtime_ns: int = 0) -> bool:
        """Give a renamed or moved file's chunks their new path without embedding them again:
        copy them under the new key, record the new path, then forget the old one. Returns
        False when the old chunks cannot be read back whole (the caller embeds afresh)."""
        old_key, new_key = file_key(old), file_key(new)
        record = manifest.record(self._client, self.files_name, old_key)
        if record is None:
            return False
        rows = self._client.query(
            self.chunks_name,
            filter=f'file_key == "{old_key}"',
            output_fields=[*schema.stored_fields(self.schema), "dense"],
            limit=QUERY_CAP,
        )
        if len(rows) != record.chunks:
            return False
        moved = [
            {
                **{f: r[f] for f in (*schema.stored_fields(self.schema), "dense")},
                "id": f"{new_key[:24]}-{r['ordinal']}",
                "file_key": new_key,
                "path": schema.clip_bytes(new, schema.PATH_MAX_BYTES),
                "dense": [float(x) for x in r["dense"]],
                **self.lexical_field(str(r["text"]), str(r["heading"])),
            }
            for r in rows
        ]
        self._client.delete(self.chunks_name, filter=f'file_key == "{new_key}"')
        if moved:
            self._client.insert(self.chunks_name, moved)
        manifest.write(
            self._client,
            self.files_name,
            FileRecord(new, record.hash, record.size, record.chunks, new_mtime_ns),
        )
        self.remove_file(old)
        return True

    def touch_file(self, record: FileRecord) -> None:
        """Update a file's manifest row (its time) without touching its chunks."""
        manifest.write(self._client, self.files_name, record)

    def remove_file(self, path: str) -> None:
        """Forget a file: its manifest row first, so a crash never leaves a row without chunks
        to be trusted, then its chunks."""
        key = file_key(path)
        self._client.delete(self.files_name, filter=f'file_key == "{key}"')
        self._client.delete(self.chunks_name, filter=f'file_key == "{key}"')

    def document_text(self, path: str, max_chunks: int) -> str | None:
        """A file's text rebuilt from its chunks (overlaps removed), if it has at most
        ``max_chunks`` chunks; None for bigger or unknown files."""
        key = file_key(path)
        rows = self._client.query(
            self.chunks_name,
            filter=f'file_key == "{key}"',
            output_fields=["text", "start", "end"],
            limit=max_chunks + 1,
        )
        if not rows or len(rows) > max_chunks:
            return None
        rows.sort(key=lambda r: int(r["start"]))
        parts: list[str] = []
        covered = 0
        for r in rows:
            start, text = int(r["start"]), str(r["text"])
            if start >= covered:
                parts.append(("\n\n" if parts else "") + text)
            elif start + len(text) > covered:
                parts.append(text[covered - start :])
            covered = max(covered, start + len(text))
        return "".join(parts)

    def flush(self) -> None:
        """Seal what was written into indexed segments. Milvus Lite searches unsealed rows
        one by one: on 1,089 fresh chunks a flush took 0.2 s and brought a dense search
        from 43 ms to 5 ms and a hybrid one from 210 ms to 40 ms."""
        for name in (self.chunks_name, self.files_name):
            if self._client.has_collection(name):
                self._client.flush(name)

    def chunk_ids(self) -> list[str]:
        """Every chunk's id (for checks and copies), duplicates included."""
        if not self._client.has_collection(self.chunks_name):
            return []
        self._client.load_collection(self.chunks_name)
        return [str(r["id"]) for r in manifest.query_all(self._client, self.chunks_name, ["id"])]

    def count(self) -> int:
        if not self._client.has_collection(self.chunks_name):
            return 0
        self._client.load_collection(self.chunks_name)
        res = self._client.query(self.chunks_name, filter="", output_fields=["count(*)"])
        return int(res[0]["count(*)"]) if res else 0

    # --- retrieval -----------------------------------------------------------------------

    def search(
        self,
        vector: Sequence[float],
        text: str,
        k: int,
        mode: SearchMode = "hybrid",
        within: Sequence[str] = (),
        fusion: Fusion = DEFAULT_FUSION,
    ) -> list[Hit]:
        """The ``k`` best chunks; ``within`` limits them to these files or folders. A
        hybrid search runs a dense and a BM25 search of ``k`` each and fuses them."""
        return searching.search(
            self._client, self.chunks_name, self.schema, vector, text, k, mode, within, fusion
        )

    def bm25_query(self, text: str) -> str:
        """A question as this library's BM25 field is searched."""
        return searching.bm25_query(self.schema, text)

    def warm_up(self) -> None:
        """Run the first search's one-time work now (the first hybrid search after opening
        is slow), so that a caller doing it on a background thread spares the first
        question the wait."""
        info = self.embedding_info()
        if info and int(info.get("dim") or 0) > 0:
            self.search([0.0] * int(info["dim"]), "warm up", 1)

    def close(self) -> None:
        """Close the connection (once: closing again does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._client.close()
        lite.closed(self.uri)
