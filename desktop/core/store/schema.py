"""The layouts of a library's collections in Milvus: the chunks collection (passages, their
dense vector, and a BM25 sparse vector Milvus computes from their search terms) and the
manifest, the properties recorded on them, and the row a chunk is written as."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from desktop.core.errors import StoreError
from desktop.core.lexical import lexical_text
from desktop.core.types import Chunk

EMBEDDING_PROPERTY = "fathom.embedding"

TEXT_MAX_BYTES = 65535

PATH_MAX_BYTES = 4096

HEADING_MAX_BYTES = 1024

KIND_MAX_BYTES = 16

SCHEMA_PROPERTY = "fathom.schema"

# Layout 2 keeps each chunk's search terms (desktop.core.lexical) in a field of their own,
# which BM25 indexes; layout 1 (libraries built before it) indexed the raw text. Layout 3
# adds a chunk's last page (``page_end``: a passage may run on over a page break) and its
# ``kind`` ("" for a passage, "contents" or "index" for such a page). All are read: in the
# older layouts a chunk's last page is its first and every chunk is a passage, so their
# searches go on as before. New libraries and rebuilt generations are written in the
# newest.
SCHEMA = "3"

SCHEMAS_READ = ("1", "2", "3")

LEXICAL_SCHEMAS = frozenset({"2", "3"})

PAGE_SCHEMAS = frozenset({"3"})  # layouts with page_end and kind

# What each layout brought, for a rebuild's reasons.
LAYOUT_CHANGES = {
    "2": "keyword search on stemmed words",
    "3": "passages across page breaks, contents and index pages marked",
}

_BASE_FIELDS = ("text", "path", "heading", "page", "ordinal", "start", "end")

CHUNKING_PROPERTY = "fathom.chunking"  # {"chunk_tokens", "chunk_overlap"} of a generation

STATE_PROPERTY = "fathom.state"  # "building" until a rebuilt generation is complete


def search_terms(text: str, heading: str = "") -> str:
    """What a chunk's BM25 field holds: the terms of its heading path and its text."""
    return lexical_text(f"{heading}\n\n{text}" if heading else text)


def clip_bytes(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` UTF-8 bytes without splitting a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def lexical_field(layout: str, text: str, heading: str) -> dict[str, str]:
    """The BM25 field of a chunk row, in the layouts that have one: the search terms of
    the heading path and the text (as ``Chunk.embedding_text`` gives the embedder)."""
    if layout not in LEXICAL_SCHEMAS:
        return {}
    return {"lexical": clip_bytes(search_terms(text, heading), TEXT_MAX_BYTES)}


def stored_fields(layout: str) -> tuple[str, ...]:
    """A chunk row's fields in ``layout``, but for its id, file key and vectors."""
    extra = ("page_end", "kind") if layout in PAGE_SCHEMAS else ()
    return (*_BASE_FIELDS, *extra)


def page_fields(layout: str, page: int, page_end: int, kind: str) -> dict[str, Any]:
    """The last page and the kind of a chunk row, in the layouts that have them."""
    if layout not in PAGE_SCHEMAS:
        return {}
    return {"page_end": max(page, page_end), "kind": clip_bytes(kind, KIND_MAX_BYTES)}


def layout_change(layout: str) -> str:
    """Why a library in ``layout`` would be rebuilt in the newest: what came since."""
    since = [why for number, why in LAYOUT_CHANGES.items() if int(number) > int(layout)]
    return f"store layout {layout} -> {SCHEMA} ({'; '.join(since)})"


def chunk_row(key: str, chunk: Chunk, vector: Sequence[Any], layout: str) -> dict[str, Any]:
    """The row of one chunk of the file with key ``key``, in ``layout``."""
    return {
        "id": f"{key[:24]}-{chunk.ordinal}",
        "file_key": key,
        "text": clip_bytes(chunk.text, TEXT_MAX_BYTES),
        "path": clip_bytes(chunk.path, PATH_MAX_BYTES),
        "heading": clip_bytes(chunk.heading, HEADING_MAX_BYTES),
        "page": chunk.page,
        "ordinal": chunk.ordinal,
        "start": chunk.start,
        "end": chunk.end,
        "dense": [float(x) for x in vector],
        **lexical_field(layout, chunk.text, chunk.heading),
        **page_fields(layout, chunk.page, chunk.page_end, chunk.kind),
    }


def properties(client: Any, chunks: str) -> dict[str, Any]:
    """The properties of the chunks collection ``chunks`` (empty: there is none)."""
    if not client.has_collection(chunks):
        return {}
    return dict(client.describe_collection(chunks).get("properties") or {})


def embedding_info(client: Any, chunks: str, uri: str) -> tuple[dict[str, Any] | None, str | None]:
    """The embedding model and dimension recorded on ``chunks`` (None: no library yet),
    and its layout (None: no such collection); a layout this version cannot read is
    refused."""
    if not client.has_collection(chunks):
        return None, None
    props = client.describe_collection(chunks).get("properties") or {}
    if props.get(SCHEMA_PROPERTY) not in SCHEMAS_READ:
        raise StoreError(
            f"The library in {uri} was written by another version of Fathom "
            f"(layout {props.get(SCHEMA_PROPERTY) or 'unknown'}, this one reads {SCHEMA}).",
            "Ingest your folders into a new store (store.uri), or update Fathom.",
        )
    raw = props.get(EMBEDDING_PROPERTY)
    return (json.loads(raw) if raw else None), str(props[SCHEMA_PROPERTY])


def create_chunks(
    client: Any,
    name: str,
    model: str,
    dim: int,
    source: str,
    chunking: dict[str, int] | None = None,
    building: bool = False,
    layout: str = SCHEMA,
) -> None:
    """Create a chunks collection in ``layout``, recording the embedding model, the
    chunking when given, and ``building`` (a generation being rebuilt)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    if layout not in SCHEMAS_READ:
        raise ValueError(f"unknown store layout {layout!r}")
    lexical = layout in LEXICAL_SCHEMAS
    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field("file_key", DataType.VARCHAR, max_length=40)
    s.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX_BYTES, enable_analyzer=not lexical)
    if lexical:
        s.add_field("lexical", DataType.VARCHAR, max_length=TEXT_MAX_BYTES, enable_analyzer=True)
    s.add_field("path", DataType.VARCHAR, max_length=PATH_MAX_BYTES)
    s.add_field("heading", DataType.VARCHAR, max_length=HEADING_MAX_BYTES)
    s.add_field("page", DataType.INT32)
    s.add_field("ordinal", DataType.INT32)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    if layout in PAGE_SCHEMAS:
        s.add_field("page_end", DataType.INT32)
        s.add_field("kind", DataType.VARCHAR, max_length=KIND_MAX_BYTES)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    s.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["lexical" if lexical else "text"],
            output_field_names=["sparse"],
        )
    )
    index = client.prepare_index_params()
    index.add_index("dense", index_type="AUTOINDEX", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(
        name,
        schema=s,
        index_params=index,
        properties={
            EMBEDDING_PROPERTY: json.dumps({"model": model, "dim": dim, "source": source}),
            SCHEMA_PROPERTY: layout,
            **({CHUNKING_PROPERTY: json.dumps(chunking)} if chunking else {}),
            **({STATE_PROPERTY: "building"} if building else {}),
        },
    )


def create_files(client: Any, name: str) -> None:
    """Create a manifest collection: one row per file, keyed by ``file_key``."""
    from pymilvus import DataType, MilvusClient

    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("file_key", DataType.VARCHAR, is_primary=True, max_length=40)
    s.add_field("path", DataType.VARCHAR, max_length=PATH_MAX_BYTES)
    s.add_field("hash", DataType.VARCHAR, max_length=64)
    s.add_field("size", DataType.INT64)
    s.add_field("chunks", DataType.INT32)
    s.add_field("mtime_ns", DataType.INT64)
    s.add_field("_v", DataType.FLOAT_VECTOR, dim=2)  # Milvus requires a vector field
    index = client.prepare_index_params()
    index.add_index("_v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=s, index_params=index)
