"""The manifest: one row per ingested file (its path, content hash, size, time and
number of chunks), keyed by ``file_key``, which the file's chunks carry too."""

from __future__ import annotations

import hashlib
from typing import Any

from desktop.core.store.base import FileRecord
from desktop.core.store.schema import PATH_MAX_BYTES, clip_bytes

QUERY_CAP = 16384

RECORD_FIELDS = ("path", "hash", "size", "chunks", "mtime_ns")


def file_key(path: str) -> str:
    return hashlib.sha1(path.encode("utf-8")).hexdigest()


def record_of(r: dict[str, Any]) -> FileRecord:
    return FileRecord(r["path"], r["hash"], int(r["size"]), int(r["chunks"]), int(r["mtime_ns"]))


def query_all(client: Any, name: str, fields: list[str], prefix: str = "") -> list[dict[str, Any]]:
    """Every row. One query returns at most 16384 rows, so a full page is split by
    the next hex digit of the file key and fetched part by part."""
    expr = f'file_key like "{prefix}%"' if prefix else ""
    page = client.query(name, filter=expr, output_fields=fields, limit=QUERY_CAP)
    if len(page) < QUERY_CAP:
        return list(page)
    return [row for d in "0123456789abcdef" for row in query_all(client, name, fields, prefix + d)]


def files(client: Any, name: str) -> dict[str, FileRecord]:
    """Every file the manifest ``name`` lists, by path (empty: there is no manifest)."""
    if not client.has_collection(name):
        return {}
    client.load_collection(name)
    return {r["path"]: record_of(r) for r in query_all(client, name, list(RECORD_FIELDS))}


def record(client: Any, name: str, key: str) -> FileRecord | None:
    """The manifest row of the file with key ``key`` (None: not listed)."""
    rows = client.query(
        name, filter=f'file_key == "{key}"', output_fields=list(RECORD_FIELDS), limit=1
    )
    return record_of(rows[0]) if rows else None


def write(client: Any, name: str, record: FileRecord) -> None:
    """Write (or overwrite) a file's manifest row."""
    client.upsert(
        name,
        [
            {
                "file_key": file_key(record.path),
                "path": clip_bytes(record.path, PATH_MAX_BYTES),
                "hash": record.hash,
                "size": record.size,
                "chunks": record.chunks,
                "mtime_ns": record.mtime_ns,
                "_v": [0.0, 0.0],
            }
        ],
    )
