"""Searching a chunks collection: dense (inner product), BM25 over the search terms, or
both fused; limited to some files or folders when asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from desktop.core.lexical import query_text
from desktop.core.store.base import Hit, SearchMode
from desktop.core.store.fusion import DEFAULT_FUSION, Fusion, fuse
from desktop.core.store.manifest import file_key
from desktop.core.store.schema import LEXICAL_SCHEMAS, PAGE_SCHEMAS

_OUT_FIELDS = ["text", "path", "page", "heading", "start", "end"]
_PAGE_FIELDS = ["page_end", "kind"]  # in PAGE_SCHEMAS only


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def path_filter(within: Sequence[str]) -> str:
    """A Milvus filter for chunks of these files (exact) or under these folders."""
    parts = []
    for raw in within:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            pattern = str(path).rstrip("/").replace("%", "\\%") + "/%"
            parts.append(f"path like {_quoted(pattern)}")
        else:
            parts.append(f'file_key == "{file_key(str(path))}"')
    return " or ".join(parts)


def within_test(within: Sequence[str]) -> Callable[[str], bool]:
    roots = [Path(p).expanduser().resolve() for p in within]
    files = {str(p) for p in roots if not p.is_dir()}
    folders = [p for p in roots if p.is_dir()]

    def test(path: str) -> bool:
        return path in files or any(Path(path).is_relative_to(f) for f in folders)

    return test


def bm25_query(layout: str, text: str) -> str:
    """A question as a library's BM25 field is searched: cut into terms that meet the
    chunks' (layout 2; each word stemmed in every language, so a library whose passages
    were all stemmed in English, as before per-language stemming, is still met), or the
    raw text for a layout-1 library."""
    return query_text(text) if layout in LEXICAL_SCHEMAS else text


def search(
    client: Any,
    chunks: str,
    layout: str,
    vector: Sequence[float],
    text: str,
    k: int,
    mode: SearchMode = "hybrid",
    within: Sequence[str] = (),
    fusion: Fusion = DEFAULT_FUSION,
) -> list[Hit]:
    """The ``k`` best chunks of the collection ``chunks``; ``within`` limits them to these
    files or folders. A hybrid search runs a dense and a BM25 search of ``k`` each and
    fuses them."""
    expr = path_filter(within)
    out = [*_OUT_FIELDS, *(_PAGE_FIELDS if layout in PAGE_SCHEMAS else ())]
    if mode == "dense":
        hits = _search_field(client, chunks, "dense", [float(x) for x in vector], k, expr, out)
    elif mode == "bm25":
        hits = _search_field(client, chunks, "sparse", bm25_query(layout, text), k, expr, out)
    else:
        dense = _search_field(client, chunks, "dense", [float(x) for x in vector], k, expr, out)
        bm25 = _search_field(client, chunks, "sparse", bm25_query(layout, text), k, expr, out)
        hits = fuse(dense, bm25, k, fusion)
    if within:  # LIKE's wildcards may over-match ('_' is one in Milvus Lite): be exact
        keep = within_test(within)
        hits = [h for h in hits if keep(h.path)]
    return hits


def _search_field(
    client: Any, chunks: str, field: str, query: Any, k: int, expr: str, out: list[str]
) -> list[Hit]:
    metric = "IP" if field == "dense" else "BM25"
    if field == "sparse" and not str(query).strip():
        return []
    res = client.search(
        chunks,
        data=[query],
        anns_field=field,
        search_params={"metric_type": metric},
        limit=k,
        output_fields=out,
        filter=expr,
    )
    return [_hit(h) for h in res[0]] if res else []


def _hit(h: dict[str, Any]) -> Hit:
    e = h.get("entity", {})
    page = int(e["page"])
    return Hit(
        id=str(h["id"]),
        text=e["text"],
        path=e["path"],
        page=page,
        heading=e["heading"],
        start=int(e["start"]),
        end=int(e["end"]),
        score=float(h["distance"]),
        page_end=max(page, int(e.get("page_end") or 0)),  # older layouts: the first page
        kind=str(e.get("kind") or ""),
    )
