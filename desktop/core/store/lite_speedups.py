"""Vectorised, cached row validity (and BM25 scoring) for Milvus Lite 3.2 searches.

Why this exists: before it asks a vector index anything, a Milvus Lite search works out
which rows are live: the newest version of their primary key across the segments and the
MemTable (upserts leave old versions behind), not shadowed by a newer delete (flushed
tombstones or ones still in the MemTable), and passing the filter. Milvus Lite 3.2 does
this on every search with pure-Python loops over every row of every segment
(``_update_max_seqs`` and ``_build_local_mask`` in ``milvus_lite/search/executor_indexed.py``;
the same loops inline in ``Collection._search_sparse`` for BM25), although segments only
change at flushes and compactions. Measured in Fathom with py-spy (20,000 rows, 384-d, HNSW
through faiss), a dense top-5 search cost 40-110 ms, 80% of it in those loops and almost
none in faiss; about 100 ms at 100,000 rows. BM25 pays the same loops, and then scores
with a Python loop over every posting of every query term. With this module, measured by
``tests/bench/bench_lite_search.py`` through pymilvus (p50, original -> patched): dense
14 -> 2 ms at 20,000 rows and 80 -> 3 ms at 100,000; BM25 49 -> 2 ms and 280 -> 4 ms; the
first BM25 search after opening 1.5 s -> 0.2-0.6 s and +370 MB -> +70 MB at 100,000 rows.

What it replaces (``install()``):

- ``milvus_lite.engine.collection.execute_search_with_index``, the name ``Collection.search``
  calls for dense vectors, by ``_dense_search``;
- ``Collection._search_sparse`` (sparse vectors and BM25) by ``_sparse_search``;
- and, for opening a store and its memory, ``Segment.load``, ``Segment.build_or_load_index``,
  ``Collection._refresh_segment_cache`` and ``Collection.load`` (see "One copy of the
  vectors"): a segment's dense vectors are kept once, in its FAISS HNSW index, rather than
  also in its Arrow table, and a reopened segment takes them from the index's file instead
  of decoding them from Parquet (most of the time a segment takes to read); Arrow's freed
  decoding buffers are given back to the system after segments are read. Measured on a
  100,000-chunk Fathom library opened in a new process (2 busy cores): reopen 5.2-6.5 s ->
  1.2-2.9 s, first hybrid search 1.0-1.6 s -> 0.4-0.7 s, resident memory +800-900 MB ->
  +400-420 MB.

Both give the same hits, distances, entities and tie order as the engine's code
(``tests/unit/test_lite_speedups.py`` runs the two side by side). They keep the engine's
vector indexes, filters, MemTable snapshots, projections and merge rules, and compute the
live rows this way instead:

- once per segment (cached, keyed on the identity of the segment's immutable ``seqs`` array
  and dropped when that is collected): its pk -> row map (the segment's own ``pk_to_row``),
  plus every row of a pk it holds more than once;
- once per set of segments (a small LRU): which rows are the newest version of their pk in
  the set, from C-level set intersections of those maps; then, again only when the flushed
  tombstones differ from last time (an O(tombstones) dict comparison per search), the rows
  those tombstones delete;
- per search, only the rows the MemTable touches: its rows against the segments' (newer
  versions either way) and the tombstones, flushed or not, of the pks involved.

For BM25 fields, a segment's postings are also read once, straight from its Arrow column,
into NumPy arrays that reproduce the engine's ``SparseInvertedIndex`` scores bit for bit
(see "BM25 scoring" below), instead of the engine's per-row Python index.

How it falls back: ``install()`` patches nothing and returns False unless the installed
milvus_lite's version starts with "3.2" and every function, attribute and signature used
here is there as expected; the engine's own (slow, correct) code then runs. The NumPy BM25
scorer is used only if, at install(), it agrees bit for bit with the engine's on random
segments (it relies on NumPy 2's float32 promotion), and only for columns it reads exactly;
the engine's index and scorer serve the rest. Caches keep no segment, seqs array or Arrow
buffer alive, are published under a lock and never changed afterwards (per-search changes
go to copies), so concurrent searches on the gRPC server's threads are safe. Vectors are
taken from an index only for IP and L2 HNSW (or AUTOINDEX) indexes of a non-nullable field,
whose FAISS storage is the column as given, checked bit for bit where the column was read;
any other index, or any surprise, leaves the segment as the engine reads it.
``uninstall()`` puts the engine's functions back.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[np.bool_]

_VERSION_PREFIX = "3.2"
_GROUPS_KEPT = 8  # segment sets remembered (one per partition scope in use, in practice)

_DENSE_PARAMS = (
    "query_vectors",
    "segments",
    "memtable",
    "delta_index",
    "top_k",
    "metric_type",
    "pk_field",
    "vector_field",
    "partition_names",
    "compiled_filter",
    "output_fields",
    "indexed_filter_plan",
    "project_record_fn",
    "search_params",
)
_SPARSE_PARAMS = (
    "self",
    "query_vectors",
    "vector_field",
    "top_k",
    "metric_type",
    "partition_names",
    "expr",
    "output_fields",
    "timezone",
)

_install_lock = threading.Lock()
_originals: dict[str, Any] = {}  # "dense" / "sparse" -> the engine's function while patched
_engine: dict[str, Any] = {}  # the engine helpers used here, resolved by install()

_cache_lock = threading.Lock()


class _Rows:
    """pk -> row over one source's pk list, and every row of pks it holds more than once."""

    __slots__ = ("pk_rows", "repeated")

    def __init__(self, pk_rows: dict[Any, int], repeated: dict[Any, list[int]]) -> None:
        self.pk_rows = pk_rows
        self.repeated = repeated

    @classmethod
    def of(cls, pks: Sequence[Any]) -> _Rows:
        pk_rows = dict(zip(pks, range(len(pks)), strict=True))
        repeated: dict[Any, list[int]] = {}
        if len(pk_rows) != len(pks):
            for row, pk in enumerate(pks):
                repeated.setdefault(pk, []).append(row)
            repeated = {pk: rows for pk, rows in repeated.items() if len(rows) > 1}
        return cls(pk_rows, repeated)

    def rows(self, pk: Any) -> Sequence[int]:
        if self.repeated:
            many = self.repeated.get(pk)
            if many is not None:
                return many
        row = self.pk_rows.get(pk)
        return () if row is None else (row,)


class _SegmentRows(_Rows):
    """A segment's ``_Rows``, with a weak reference to its ``seqs`` (the cache key)."""

    __slots__ = ("bm25", "seqs_ref")

    def __init__(
        self, seqs_ref: weakref.ref[Any], pk_rows: dict[Any, int], repeated: dict[Any, list[int]]
    ) -> None:
        super().__init__(pk_rows, repeated)
        self.seqs_ref = seqs_ref
        # (field, k1, b) -> the segment's BM25 postings, None where the engine scores it
        self.bm25: dict[tuple[str, float, float], _Bm25Terms | None] = {}


class _Group:
    """Validity state of one ordered set of segments."""

    __slots__ = ("base", "deleted", "refs", "rows")

    def __init__(
        self, refs: tuple[weakref.ref[Any], ...], rows: tuple[_SegmentRows, ...], base: list[Mask]
    ) -> None:
        self.refs = refs
        self.rows = rows
        self.base = base  # row is the newest version of its pk within the set
        # (flushed tombstones, base minus the rows they delete), replaced as a whole
        self.deleted: tuple[dict[Any, int], list[Mask]] | None = None


_segments: dict[int, _SegmentRows] = {}
_groups: OrderedDict[tuple[int, ...], _Group] = OrderedDict()


# --- install / uninstall ------------------------------------------------------------------


def _version() -> str:
    try:
        import milvus_lite

        version = getattr(milvus_lite, "__version__", None)
        if isinstance(version, str):
            return version
        from importlib import metadata

        return metadata.version("milvus-lite")
    except Exception:
        return ""


def _params(fn: Any) -> tuple[str, ...]:
    return tuple(inspect.signature(fn).parameters)


def _resolve() -> dict[str, Any] | None:
    """The engine pieces used here, or None when any is missing or shaped differently."""
    try:
        from milvus_lite.analyzer.sparse import bytes_to_sparse, sparse_to_bytes
        from milvus_lite.constants import ALL_PARTITIONS
        from milvus_lite.engine import collection as collection_module
        from milvus_lite.engine.projection import build_projection_plan, project_record
        from milvus_lite.index.brute_force import BruteForceIndex
        from milvus_lite.index.sparse_common import empty_results, validate_mask
        from milvus_lite.index.sparse_factory import (
            _search_prepared_sparse_index,
            create_sparse_index,
            sparse_index_matches,
        )
        from milvus_lite.search import executor_indexed
        from milvus_lite.search.filter import evaluate_mask
        from milvus_lite.search.filter.eval.python_backend import _eval_row
        from milvus_lite.search.indexed_filter import evaluate_segment_filter
        from milvus_lite.storage.delta_index import DeltaIndex
        from milvus_lite.storage.memtable import MemTable
        from milvus_lite.storage.segment import Segment
    except Exception:
        return None
    collection = getattr(collection_module, "Collection", None)
    dense = getattr(collection_module, "execute_search_with_index", None)
    if collection is None or dense is None:
        return None
    sparse = _originals.get("sparse", getattr(collection, "_search_sparse", None))
    dense = _originals.get("dense", dense)
    if dense is not executor_indexed.execute_search_with_index or sparse is None:
        return None  # someone else's replacement: leave it alone
    needed = {
        Segment: ("vector_data", "row_to_dict", "num_rows"),
        MemTable: (
            "to_search_snapshot",
            "delete_index_snapshot",
            "materialize_row",
            "pk_index_snapshot",
            "active_record_snapshots",
        ),
        DeltaIndex: ("frozen_copy", "is_deleted"),
        collection: (
            "_prepare_sparse_queries",
            "_compile_filter",
            "_indexed_filter_plan",
            "_read_snapshot",
        ),
        BruteForceIndex: ("build",),
    }
    try:
        if any(not hasattr(cls, name) for cls, names in needed.items() for name in names):
            return None
        slots = set(getattr(Segment, "__slots__", ()))
        if not {"pks", "seqs", "pk_to_row", "partition", "table", "indexes"} <= slots:
            return None
        if "sparse_indexes" not in slots:
            return None
        if not isinstance(getattr(DeltaIndex("pk"), "_map", None), dict):
            return None
        if _params(dense) != _DENSE_PARAMS or _params(sparse) != _SPARSE_PARAMS:
            return None
        if not all(
            callable(f)
            for f in (
                bytes_to_sparse,
                sparse_to_bytes,
                build_projection_plan,
                project_record,
                _search_prepared_sparse_index,
                create_sparse_index,
                sparse_index_matches,
                evaluate_mask,
                _eval_row,
                evaluate_segment_filter,
                empty_results,
                validate_mask,
            )
        ):
            return None
    except Exception:
        return None
    return {
        "module": collection_module,
        "Collection": collection,
        "dense": dense,
        "sparse": sparse,
        "ALL_PARTITIONS": ALL_PARTITIONS,
        "BruteForceIndex": BruteForceIndex,
        "bytes_to_sparse": bytes_to_sparse,
        "sparse_to_bytes": sparse_to_bytes,
        "build_projection_plan": build_projection_plan,
        "project_record": project_record,
        "search_sparse_index": _search_prepared_sparse_index,
        "create_sparse_index": create_sparse_index,
        "sparse_index_matches": sparse_index_matches,
        "evaluate_mask": evaluate_mask,
        "evaluate_segment_filter": evaluate_segment_filter,
        "eval_row": _eval_row,
        "empty_results": empty_results,
        "validate_mask": validate_mask,
    }


def install() -> bool:
    """Use the cached validity computation for Milvus Lite searches in this process.

    Call it once before the first Lite store opens (later is fine too: it takes effect on
    the next search). Returns False, changing nothing, when the installed milvus_lite is
    not one this module knows; True when the speed-ups are (or already were) in place."""
    with _install_lock:
        if _originals:
            return True
        if not _version().startswith(_VERSION_PREFIX):
            return False
        engine = _resolve()
        if engine is None:
            return False
        _engine.clear()
        _engine.update(engine)
        _engine["bm25"] = _bm25_agrees()
        _originals["dense"] = engine["dense"]
        _originals["sparse"] = engine["sparse"]
        engine["module"].execute_search_with_index = _dense_search
        engine["Collection"]._search_sparse = _sparse_search
        sharing = _resolve_sharing()
        if sharing is not None:
            _engine.update(sharing)
            segment, collection = sharing["Segment"], engine["Collection"]
            _originals["index"] = sharing["build_or_load_index"]
            _originals["segment_load"] = segment.__dict__["load"]
            _originals["refresh"] = collection._refresh_segment_cache
            _originals["load"] = collection.load
            segment.build_or_load_index = _build_or_load_index
            segment.load = classmethod(_segment_load)
            collection._refresh_segment_cache = _refresh_segment_cache
            collection.load = _collection_load
        return True


def uninstall() -> None:
    """Put the engine's own search functions back (for tests and comparisons)."""
    with _install_lock:
        if not _originals:
            return
        _engine["module"].execute_search_with_index = _originals.pop("dense")
        _engine["Collection"]._search_sparse = _originals.pop("sparse")
        if "index" in _originals:
            segment, collection = _engine["Segment"], _engine["Collection"]
            segment.build_or_load_index = _originals.pop("index")
            segment.load = _originals.pop("segment_load")
            collection._refresh_segment_cache = _originals.pop("refresh")
            collection.load = _originals.pop("load")
        _originals.clear()
        # Segments already sharing their vectors with their index keep doing so: the
        # bytes are the same, and the index lives as long as the table's column.
        # The caches stay: they are checked against the segments on every use, and keeping
        # them lets a test toggle the patch without hiding a stale-cache bug.


def installed() -> bool:
    return bool(_originals)


def shares_vectors() -> bool:
    """Whether installed, segments loading a FAISS HNSW index keep one copy of their
    vectors (see "One copy of the vectors" below)."""
    return "index" in _originals


def bm25_in_numpy() -> bool:
    """Whether installed BM25 searches score in NumPy (install() found it agrees with the
    engine's scorer here) rather than with the engine's Python loop."""
    return bool(_originals) and bool(_engine.get("bm25"))


# --- caches -------------------------------------------------------------------------------


def _forget_segment(key: int, ref: weakref.ref[Any]) -> None:
    # Runs when a segment's seqs array is collected. No lock: a weakref callback may run
    # inside a locked section of this thread; dict operations are atomic, and dropping a
    # live entry by a race only costs a rebuild (lookups check identity anyway).
    try:
        entry = _segments.get(key)
        if entry is not None and entry.seqs_ref is ref:
            _segments.pop(key, None)
        # and the segment sets it was in, so their maps and postings go now, not at the
        # next search (a concurrent change to the LRU may stop this: the next build purges)
        for group_key in [k for k in list(_groups) if key in k]:
            _groups.pop(group_key, None)
    except Exception:  # interpreter shutdown, or the LRU changed while read
        pass


def _segment_rows(seg: Any) -> _SegmentRows:
    seqs = seg.seqs
    key = id(seqs)
    entry = _segments.get(key)
    if entry is not None and entry.seqs_ref() is seqs:
        return entry
    pks = seg.pks
    pk_rows = getattr(seg, "pk_to_row", None)
    if isinstance(pk_rows, dict) and len(pk_rows) == len(pks):
        rows = _Rows(pk_rows, {})  # the segment's own map: no pk twice in it
    else:
        # A pk written twice into one segment: this engine's flush and compaction never
        # do it, but its search honours it, so keep every row of such pks.
        rows = _Rows.of(pks)
    ref = weakref.ref(seqs, functools.partial(_forget_segment, key))
    entry = _SegmentRows(ref, rows.pk_rows, rows.repeated)
    with _cache_lock:
        current = _segments.get(key)
        if current is not None and current.seqs_ref() is seqs:
            return current
        _segments[key] = entry
    return entry


def _seq(seg: Any, row: int) -> int:
    return int(seg.seqs[row])


def _frozen(mask: Mask) -> Mask:
    mask.flags.writeable = False
    return mask


def _group(segs: Sequence[Any]) -> _Group:
    key = tuple(id(s.seqs) for s in segs)
    with _cache_lock:
        group = _groups.get(key)
        if group is not None:
            if all(ref() is s.seqs for ref, s in zip(group.refs, segs, strict=True)):
                _groups.move_to_end(key)
                return group
            del _groups[key]
    rows = tuple(_segment_rows(s) for s in segs)
    base = [np.ones(s.num_rows, dtype=bool) for s in segs]
    contested: set[Any] = set()
    if len(rows) > 1:
        seen: set[Any] = set()
        for r in rows:
            keys = r.pk_rows.keys()
            if seen:
                contested.update(keys & seen)
            seen.update(keys)
        del seen
    for r in rows:
        contested.update(r.repeated)
    for pk in contested:
        versions = [(_seq(segs[i], row), i, row) for i, r in enumerate(rows) for row in r.rows(pk)]
        newest = max(v[0] for v in versions)
        for seq, i, row in versions:
            if seq != newest:
                base[i][row] = False
    group = _Group(tuple(r.seqs_ref for r in rows), rows, [_frozen(m) for m in base])
    with _cache_lock:
        for stale in [k for k, g in _groups.items() if any(ref() is None for ref in g.refs)]:
            del _groups[stale]
        _groups[key] = group
        while len(_groups) > _GROUPS_KEPT:
            _groups.popitem(last=False)
    return group


def _delta_map(delta_index: Any) -> dict[Any, int]:
    found = getattr(delta_index, "_map", None)
    if isinstance(found, dict):
        return found
    return dict(delta_index.snapshot)


def _after_deletes(group: _Group, segs: Sequence[Any], deletes: dict[Any, int]) -> list[Mask]:
    """The group's newest-version masks minus the rows flushed tombstones delete."""
    cached = group.deleted
    if cached is not None and cached[0] == deletes:
        return cached[1]
    masks = list(group.base)
    if deletes:
        keys = deletes.keys()
        for i, r in enumerate(group.rows):
            hit = r.pk_rows.keys() & keys
            changed: Mask | None = None
            for pk in hit:
                delete_seq = deletes[pk]
                for row in r.rows(pk):
                    if delete_seq > _seq(segs[i], row):
                        if changed is None:
                            changed = masks[i].copy()
                        changed[row] = False
            if changed is not None:
                masks[i] = _frozen(changed)
    group.deleted = (dict(deletes), masks)  # a copy: callers may pass a live map
    return masks


class _Masks:
    """Copy-on-write per-segment masks over the cached, read-only ones."""

    def __init__(self, shared: list[Mask]) -> None:
        self.masks = list(shared)
        self._own = [False] * len(shared)

    def clear(self, i: int, row: int) -> None:
        if not self.masks[i][row]:
            return
        if not self._own[i]:
            self.masks[i] = self.masks[i].copy()
            self._own[i] = True
        self.masks[i][row] = False

    def fresh(self, i: int) -> Mask:
        """Segment ``i``'s mask as an array the caller may keep (never a cached one)."""
        return self.masks[i] if self._own[i] else self.masks[i].copy()


def _segment_masks(
    segs: Sequence[Any],
    deletes: dict[Any, int],
    newer: dict[Any, int],
    pending: dict[Any, tuple[int, str]],
    partition_of_pending: bool,
) -> tuple[_Group, _Masks]:
    """Per segment: newest version (also against ``newer``, pk -> seq of MemTable rows),
    and not deleted by ``deletes`` (flushed) or ``pending`` (MemTable tombstones, whose
    partition must match the segment's when ``partition_of_pending``)."""
    group = _group(segs)
    out = _Masks(_after_deletes(group, segs, deletes))
    everywhere = _engine["ALL_PARTITIONS"]
    for i, r in enumerate(group.rows):
        seg = segs[i]
        if newer:
            for pk in r.pk_rows.keys() & newer.keys():
                seq = newer[pk]
                for row in r.rows(pk):
                    if seq > _seq(seg, row):
                        out.clear(i, row)
        if pending:
            for pk in r.pk_rows.keys() & pending.keys():
                delete_seq, partition = pending[pk]
                if partition_of_pending and partition not in (everywhere, seg.partition):
                    continue
                for row in r.rows(pk):
                    if delete_seq > _seq(seg, row):
                        out.clear(i, row)
    return group, out


def _newest_in_segments(group: _Group, segs: Sequence[Any], pk: Any) -> int:
    newest = -1
    for i, r in enumerate(group.rows):
        for row in r.rows(pk):
            newest = max(newest, _seq(segs[i], row))
    return newest


# --- dense search ---------------------------------------------------------------------------


def _projector(
    project_record_fn: Callable[[dict[str, Any]], dict[str, Any]] | None,
    output_fields: list[str] | None,
    pk_field: str,
    vector_field: str,
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if project_record_fn is not None:
        return project_record_fn
    if output_fields is None:

        def all_but_ids(record: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in record.items() if k not in (pk_field, vector_field)}

        return all_but_ids
    keep = set(output_fields)
    keep.discard(pk_field)

    def listed(record: dict[str, Any]) -> dict[str, Any]:
        return {k: record[k] for k in keep if k in record}

    return listed


def _dense_search(
    query_vectors: np.ndarray[Any, Any],
    segments: Iterable[Any],
    memtable: Any,
    delta_index: Any,
    top_k: int,
    metric_type: str,
    pk_field: str,
    vector_field: str,
    partition_names: list[str] | None = None,
    compiled_filter: Any = None,
    output_fields: list[str] | None = None,
    indexed_filter_plan: Any = None,
    project_record_fn: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    search_params: dict[str, Any] | None = None,
) -> list[list[dict[str, Any]]]:
    """``execute_search_with_index`` with cached validity masks (same arguments, same hits)."""
    if query_vectors.ndim == 1:
        query_vectors = query_vectors.reshape(1, -1)
    if query_vectors.dtype != np.float32:
        query_vectors = query_vectors.astype(np.float32, copy=False)
    nq = int(query_vectors.shape[0])
    if nq == 0 or top_k <= 0:
        return [[] for _ in range(nq)]

    scope = set(partition_names) if partition_names else None
    segs = [s for s in segments if s.num_rows > 0 and (scope is None or s.partition in scope)]
    mt_pks, mt_seqs, mt_vecs, mt_refs, mt_table = memtable.to_search_snapshot(
        vector_field=vector_field,
        partition_names=partition_names,
        include_table=compiled_filter is not None,
    )
    if not segs and not mt_pks:
        return [[] for _ in range(nq)]

    filters: list[Any] = []
    mt_filter: Any = None
    if compiled_filter is not None:
        evaluate_segment_filter = _engine["evaluate_segment_filter"]
        filters = [evaluate_segment_filter(s, compiled_filter, indexed_filter_plan) for s in segs]
        if mt_pks and mt_table is not None:
            mt_filter = _engine["evaluate_mask"](compiled_filter, mt_table)
    pending = memtable.delete_index_snapshot()
    deletes = _delta_map(delta_index)

    mt_seq_list: list[int] = [int(x) for x in mt_seqs.tolist()] if mt_pks else []
    mt_rows = _Rows.of(mt_pks)
    newer = dict(zip(mt_pks, mt_seq_list, strict=True))  # pk -> its newest MemTable seq
    for pk, rows in mt_rows.repeated.items():
        newer[pk] = max(mt_seq_list[j] for j in rows)
    group, masks = (
        _segment_masks(segs, deletes, newer, pending, partition_of_pending=False)
        if segs
        else (None, None)
    )

    mt_mask: Mask | None = None
    if mt_pks:
        mt_mask = np.ones(len(mt_pks), dtype=bool)
        for pk, rows in mt_rows.repeated.items():
            for j in rows:
                if mt_seq_list[j] != newer[pk]:
                    mt_mask[j] = False
        if group is not None:
            contested: set[Any] = set()
            for r in group.rows:
                contested.update(r.pk_rows.keys() & newer.keys())
            for pk in contested:
                if _newest_in_segments(group, segs, pk) > newer[pk]:
                    mt_mask[list(mt_rows.rows(pk))] = False
        tombstones = {pk: entry[0] for pk, entry in pending.items()}
        for table in (deletes, tombstones):
            for pk in table.keys() & newer.keys():
                for j in mt_rows.rows(pk):
                    if table[pk] > mt_seq_list[j]:
                        mt_mask[j] = False
        if mt_filter is not None:
            mt_mask = mt_mask & mt_filter.astype(bool)

    per_query: list[list[tuple[float, int, int]]] = [[] for _ in range(nq)]

    def recall(source: int, mask: Mask, vectors: Any, index: Any) -> None:
        if not mask.any():
            return
        if index is None:
            index = _engine["BruteForceIndex"].build(vectors, metric_type)
        ids, dists = index.search(
            query_vectors,
            top_k,
            valid_mask=None if mask.all() else mask,
            params=search_params,
        )
        for q in range(nq):
            row_ids = ids[q].tolist()
            row_dists = dists[q].tolist()
            found = per_query[q]
            for j in range(top_k):
                lid = int(row_ids[j])
                if lid < 0:
                    break
                found.append((float(row_dists[j]), source, lid))

    for i, seg in enumerate(segs):
        assert masks is not None
        vectors, null_mask = seg.vector_data(vector_field)
        combined = filters[i] if compiled_filter is not None else None
        if null_mask is not None:
            combined = null_mask if combined is None else combined & null_mask
        mask = masks.fresh(i)
        if combined is not None:
            mask = mask & combined.astype(bool)
        recall(i, mask, vectors, seg.indexes.get(vector_field))
    if mt_pks:
        assert mt_mask is not None
        recall(len(segs), mt_mask, mt_vecs, None)

    project = _projector(project_record_fn, output_fields, pk_field, vector_field)
    results: list[list[dict[str, Any]]] = []
    for q in range(nq):
        found = per_query[q]
        found.sort()  # (distance, source, local id): the engine's deterministic tie order
        hits: list[dict[str, Any]] = []
        for dist, source, lid in found[:top_k]:
            if source < len(segs):
                record = segs[source].row_to_dict(lid)
                fallback = segs[source].pks[lid]
            else:
                batch_idx, row_idx = mt_refs[lid]
                record = memtable.materialize_row(batch_idx, row_idx)
                fallback = mt_pks[lid]
            pk = record.get(pk_field, fallback)
            hits.append({"id": pk, "distance": dist, "entity": project(record)})
        results.append(hits)
    return results


# --- sparse (BM25 / IP) search --------------------------------------------------------------


def _sparse_search(
    self: Any,
    query_vectors: list[Any],
    vector_field: str,
    top_k: int,
    metric_type: str,
    partition_names: list[str] | None,
    expr: str | None,
    output_fields: list[str] | None,
    timezone: str | None = None,
) -> list[list[dict[str, Any]]]:
    """``Collection._search_sparse`` with cached validity masks (same hits, same order)."""
    e = _engine
    project_record = e["project_record"]
    scope = set(partition_names) if partition_names else None
    plan = e["build_projection_plan"](output_fields, self._schema, api_kind="search")
    spec = self._index_specs.get(vector_field)
    index_params = spec.build_params if spec else {}
    queries = self._prepare_sparse_queries(query_vectors, vector_field)
    nq = len(queries)
    compiled = self._compile_filter(expr, timezone=timezone) if expr else None
    filter_plan = self._indexed_filter_plan(compiled)

    snapshot, delta_index = self._read_snapshot()
    pending = self._memtable.delete_index_snapshot()
    memtable_seqs: dict[Any, int] = {}
    for pk, position in self._memtable.pk_index_snapshot():
        memtable_seqs[pk] = max(position[2], memtable_seqs.get(pk, -1))
    deletes = _delta_map(delta_index)
    segs = [s for s in snapshot if s.num_rows > 0]
    group, masks = (
        _segment_masks(segs, deletes, memtable_seqs, pending, partition_of_pending=True)
        if segs
        else (None, None)
    )

    numpy_bm25 = (
        metric_type == "BM25"
        and bool(e.get("bm25"))
        and all(type(w) is float for q in queries for w in q.values())
    )
    # candidate: (distance, pk, segment index or -1 for the MemTable, row or (record, seq))
    per_query: list[list[tuple[float, Any, int, Any]]] = [[] for _ in range(nq)]
    for i, seg in enumerate(segs):
        assert masks is not None
        if scope is not None and seg.partition not in scope:
            continue
        table = seg.table
        if table is None or len(table) == 0:
            continue
        scorer = _bm25_terms(seg, vector_field, index_params) if numpy_bm25 else None
        index = None
        if scorer is None:
            index = seg.sparse_indexes.get(vector_field)
            if not e["sparse_index_matches"](index, metric_type, index_params):
                index = e["create_sparse_index"](metric_type, index_params)
                index.build([_sparse_row(v) for v in table.column(vector_field).to_pylist()])
                seg.sparse_indexes[vector_field] = index
        valid = masks.fresh(i)
        if compiled is not None:
            valid = valid & e["evaluate_segment_filter"](seg, compiled, filter_plan)
        if not valid.any():
            continue
        if scorer is not None:
            ids, dists = _bm25_search(scorer, queries, top_k, valid)
        else:
            ids, dists = e["search_sparse_index"](index, queries, top_k, valid_mask=valid)
        _collect(per_query, ids, dists, top_k, seg.pks, i, None)

    mt_pks: list[Any] = []
    mt_vectors: list[dict[int, float]] = []
    mt_refs: list[tuple[dict[str, Any], int]] = []
    for pk, seq, record in self._memtable.active_record_snapshots(partition_names=partition_names):
        delete_seq = deletes.get(pk)
        if delete_seq is not None and delete_seq > seq:
            continue
        newest = memtable_seqs.get(pk, -1)
        if group is not None:
            newest = max(newest, _newest_in_segments(group, segs, pk))
        if newest > seq:
            continue
        mt_pks.append(pk)
        mt_vectors.append(_sparse_row(record.get(vector_field)))
        mt_refs.append((record, seq))
    if mt_pks:
        mt_valid = np.ones(len(mt_pks), dtype=bool)
        if compiled is not None:
            for j, (record, _) in enumerate(mt_refs):
                if not e["eval_row"](compiled.ast, record):
                    mt_valid[j] = False
        mt_index = e["create_sparse_index"](metric_type, index_params)
        mt_index.build(mt_vectors, valid_mask=mt_valid)
        ids, dists = e["search_sparse_index"](mt_index, queries, top_k)
        _collect(per_query, ids, dists, top_k, mt_pks, -1, mt_refs)

    results: list[list[dict[str, Any]]] = []
    for found in per_query:
        best: dict[Any, tuple[int, tuple[float, Any, int, Any]]] = {}
        for cand in found:
            _dist, pk, source, ref = cand
            seq = int(ref[1]) if source < 0 else _seq(segs[source], ref)
            if pk not in best or seq > best[pk][0]:
                best[pk] = (seq, cand)
        ranked = [c for _s, c in best.values()]
        ranked.sort(key=lambda c: c[0])  # stable: first-found order breaks ties
        hits: list[dict[str, Any]] = []
        for dist, pk, source, ref in ranked:
            if source < 0:
                record = ref[0]
            else:
                table = segs[source].table
                record = {
                    name: table.column(name)[ref].as_py()
                    for name in table.column_names
                    if name not in ("_seq", "_partition")
                }
            hits.append(
                {"id": pk, "distance": dist, "entity": project_record(record, self._schema, plan)}
            )
            if len(hits) >= top_k:
                break
        results.append(hits)
    return results


def _sparse_row(raw: Any) -> Any:
    return _engine["bytes_to_sparse"](raw) if isinstance(raw, bytes) else (raw or {})


def _collect(
    per_query: list[list[tuple[float, Any, int, Any]]],
    ids: Any,
    dists: Any,
    top_k: int,
    pks: Sequence[Any],
    source: int,
    refs: Sequence[Any] | None,
) -> None:
    """Append one source's hits (up to the first -1 of each query) to ``per_query``."""
    for q, found in enumerate(per_query):
        row_ids = ids[q].tolist()
        row_dists = dists[q].tolist()
        for j in range(top_k):
            lid = int(row_ids[j])
            if lid < 0:
                break
            found.append(
                (float(row_dists[j]), pks[lid], source, lid if refs is None else refs[lid])
            )


# --- One copy of the vectors ---------------------------------------------------------------
#
# A segment holds its dense vectors twice once its HNSW index is loaded: in its Arrow table
# (its ``vectors`` array is a view of that column) and in the index, ``faiss.IndexHNSWFlat``,
# whose flat storage is its own copy of the same float32s (384 dimensions: 154 MB per
# 100,000 chunks, of a store's 0.8-1 GB). After the engine loads or builds a segment's
# index, the segment's column and ``vectors`` are replaced by views of the index's storage,
# when that storage is bit for bit the column (IP and L2 store the vectors as given; COSINE
# stores them normalised and is left alone), so the table's own copy is freed. A segment
# read again (a store reopened) whose index file is there takes its column from that file
# straight away (``_segment_load``), without decoding it from Parquet: the engine wrote the
# file from that very column (the checks above hold on every segment it builds). The views
# keep the FAISS index alive (``_Storage``), so a released or dropped index leaves the
# table's column valid; segments are immutable, so nothing adds to (and reallocates) the
# index's storage. Anything unexpected (another index class, nulls, a different layout, a
# byte that differs) leaves the segment as the engine made it.


class _Storage:
    """A FAISS index's float32 vectors as a NumPy array interface that owns the index."""

    def __init__(self, index: Any, view: npt.NDArray[np.float32]) -> None:
        self.index = index  # the memory below is the index's: keep it alive
        self.__array_interface__ = {
            "shape": view.shape,
            "typestr": view.dtype.str,
            "data": (view.__array_interface__["data"][0], True),  # read-only
            "version": 3,
        }


def _resolve_sharing() -> dict[str, Any] | None:
    try:
        import faiss
        import pyarrow as pa
        import pyarrow.parquet as pq
        from milvus_lite.engine.collection import Collection
        from milvus_lite.index.factory import load_index_from_spec
        from milvus_lite.index.faiss_hnsw import FaissHnswIndex
        from milvus_lite.index.files import index_sidecar_path
        from milvus_lite.storage.segment import Segment

        original = Segment.build_or_load_index
        load = Segment.__dict__.get("load")
        refresh = Collection._refresh_segment_cache
        collection_load = Collection.load
        if _params(original) != ("self", "spec", "index_dir"):
            return None
        if not isinstance(load, classmethod):
            return None
        if _params(load.__func__) != ("cls", "file_path", "partition", "pk_field", "vector_field"):
            return None
        if _params(refresh) != ("self",) or _params(collection_load) != ("self",):
            return None
        if _params(index_sidecar_path) != (
            "index_dir",
            "source_file_path",
            "field_name",
            "index_type",
            "scalar",
        ):
            return None
        if _params(load_index_from_spec) != ("spec", "path", "dim"):
            return None
        for fn in (original, load.__func__):
            if getattr(fn, "__module__", "") != "milvus_lite.storage.segment":
                return None  # someone else's replacement
        for fn in (refresh, collection_load):
            if getattr(fn, "__module__", "") != "milvus_lite.engine.collection":
                return None
        if not callable(getattr(Collection, "_index_dir", None)):
            return None  # (_manifest and _schema are the instance's: checked where used)
        if not callable(getattr(pq, "read_table", None)):
            return None
        slots = set(getattr(Segment, "__slots__", ()))
        if not {"table", "vectors", "indexes", "_vector_field", "_vector_data_by_field"} <= slots:
            return None
        if not all(
            hasattr(faiss, name)
            for name in ("IndexHNSWFlat", "IndexFlat", "downcast_index", "rev_swig_ptr")
        ):
            return None
        if not hasattr(pa.FixedSizeListArray, "from_arrays"):
            return None
    except Exception:
        return None
    return {
        "Segment": Segment,
        "build_or_load_index": original,
        "segment_load": load.__func__,
        "refresh": refresh,
        "collection_load": collection_load,
        "index_sidecar_path": index_sidecar_path,
        "load_index_from_spec": load_index_from_spec,
        "FaissHnswIndex": FaissHnswIndex,
        "faiss": faiss,
    }


def _build_or_load_index(self: Any, spec: Any, index_dir: str) -> None:
    """``Segment.build_or_load_index``, then the segment's vectors shared with its index;
    an index ``_segment_load`` already read for the segment is attached as it is."""
    field = spec.field_name
    read = _read_indexes.get(id(self))
    if read is not None and read[0]() is self.seqs:
        ref, key, index = read
        if key == (field, spec.index_type, spec.metric_type):
            _forget_read(id(self), ref)
            if field not in self.indexes:
                self.attach_index(index, field_name=field)
            return
    _engine["build_or_load_index"](self, spec, index_dir)
    with contextlib.suppress(Exception):  # the segment is left as the engine made it
        _share_vectors(self, field)


def _release_unused() -> None:
    # Reading a segment's Parquet file leaves 100s of MB of freed decoding buffers in
    # Arrow's allocator (mimalloc here), which keeps them from the system: +810 MB resident
    # after opening 100,000 chunks, +370 MB once given back.
    with contextlib.suppress(Exception):
        import pyarrow as pa

        pa.default_memory_pool().release_unused()


def _refresh_segment_cache(self: Any) -> None:
    """``Collection._refresh_segment_cache``, with ``_segment_load`` told the collection."""
    previous = getattr(_loading, "collection", None)
    _loading.collection = self
    try:
        _engine["refresh"](self)
    finally:
        _loading.collection = previous
    _release_unused()


def _collection_load(self: Any) -> None:
    _engine["collection_load"](self)
    _release_unused()


# Segments read by ``_segment_load`` with their HNSW index: id(segment) -> (weak reference
# to its seqs, (field, index type, metric), the index), until the engine's load() attaches
# it (or the segment goes).
_read_indexes: dict[int, tuple[weakref.ref[Any], tuple[str, str, str], Any]] = {}
_loading = threading.local()  # .collection: whose _refresh_segment_cache runs here


def _segment_load(
    cls: Any, file_path: str, partition: str, pk_field: str, vector_field: str | None
) -> Any:
    """``Segment.load``; when the segment's collection has an HNSW (or AUTOINDEX) index on
    an IP or L2 vector field and its sidecar is on disk, the vectors are not decoded from
    the Parquet file (most of the time a segment takes to read) but taken from that index,
    which holds the very vectors it was built from; the engine's load() then attaches it
    instead of reading it again."""
    collection = getattr(_loading, "collection", None)
    if collection is not None and vector_field:
        try:
            seg = _segment_from_index(cls, collection, file_path, partition, pk_field, vector_field)
        except Exception:
            seg = None
        if seg is not None:
            return seg
    return _engine["segment_load"](cls, file_path, partition, pk_field, vector_field)


def _segment_from_index(
    cls: Any, collection: Any, file_path: str, partition: str, pk_field: str, vector_field: str
) -> Any:
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = collection._manifest.index_specs.get(vector_field)
    if spec is None or spec.field_name != vector_field:
        return None
    if spec.index_type not in ("AUTOINDEX", "HNSW") or spec.metric_type not in ("IP", "L2"):
        return None
    field = next((f for f in collection._schema.fields if f.name == vector_field), None)
    if field is None or getattr(field, "nullable", True):
        return None
    sidecar = _engine["index_sidecar_path"](
        collection._index_dir(partition), file_path, vector_field, spec.index_type, scalar=False
    )
    if not os.path.exists(sidecar):
        return None
    schema = pq.read_schema(file_path)
    position = schema.get_field_index(vector_field)
    if position < 0:
        return None
    vtype = schema.field(position).type
    if not pa.types.is_fixed_size_list(vtype) or vtype.value_type != pa.float32():
        return None
    dim = vtype.list_size
    index = _engine["load_index_from_spec"](spec, sidecar, dim)
    if type(index) is not _engine["FaissHnswIndex"] or index.metric != spec.metric_type:
        return None
    found = _index_storage(index._index, dim)
    if found is None:
        return None
    shared, n = found
    others = [name for name in schema.names if name != vector_field]
    table = pq.read_table(file_path, columns=others)
    if table.num_rows != n:
        return None
    flat = pa.Array.from_buffers(pa.float32(), n * dim, [None, pa.py_buffer(shared)])
    column = pa.chunked_array([pa.FixedSizeListArray.from_arrays(flat, type=vtype)])
    table = table.add_column(position, schema.field(position), column)
    if not table.schema.equals(schema, check_metadata=True):
        return None
    seg = cls(
        file_path=file_path,
        partition=partition,
        pk_field=pk_field,
        vector_field=vector_field,
        pks=table.column(pk_field).to_pylist(),
        seqs=np.asarray(table.column("_seq").to_pylist(), dtype=np.uint64),
        vectors=shared.reshape(n, dim),
        table=table,
        vector_null_mask=None,
    )
    key = (vector_field, spec.index_type, spec.metric_type)
    # Segments take no weak references: their seqs array stands for them (as in _segments).
    forget = functools.partial(_forget_read, id(seg))
    _read_indexes[id(seg)] = (weakref.ref(seg.seqs, forget), key, index)
    return seg


def _forget_read(key: int, ref: weakref.ref[Any]) -> None:
    entry = _read_indexes.get(key)
    if entry is not None and entry[0] is ref:
        _read_indexes.pop(key, None)


def _index_storage(hnsw: Any, dim: int) -> tuple[npt.NDArray[np.float32], int] | None:
    """An ``IndexHNSWFlat``'s stored vectors, flat, as an array that keeps it alive, and
    their count; None for another kind of index."""
    faiss = _engine["faiss"]
    if not isinstance(hnsw, faiss.IndexHNSWFlat):
        return None
    storage = faiss.downcast_index(hnsw.storage)
    if not isinstance(storage, faiss.IndexFlat):  # IndexFlatIP, IndexFlatL2 once read back
        return None
    n = int(storage.ntotal)
    if not n or storage.d != dim or storage.code_size != 4 * dim:
        return None
    view = faiss.rev_swig_ptr(storage.get_xb(), n * dim)
    if view.dtype != np.float32 or view.size != n * dim:
        return None
    return np.asarray(_Storage(hnsw, view)), n


def _share_vectors(seg: Any, field: str) -> bool:
    """Make ``seg``'s column ``field`` and its vector array views of its HNSW index's
    storage, if that holds the very same float32s; True if it does now."""
    import pyarrow as pa

    index = seg.indexes.get(field)
    if type(index) is not _engine["FaissHnswIndex"] or index.metric not in ("IP", "L2"):
        return False
    table = seg.table
    column = table.column(field)
    if column.num_chunks != 1 or column.null_count:
        return False
    arr = column.chunk(0)
    if not pa.types.is_fixed_size_list(arr.type) or arr.type.value_type != pa.float32():
        return False
    n, dim = len(arr), arr.type.list_size
    values = arr.values
    if values.null_count or arr.offset or len(values) != n * dim:
        return False
    found = _index_storage(index._index, dim)
    if found is None or found[1] != n:
        return False
    shared = found[0]
    if shared.ctypes.data == values.buffers()[1].address:
        return True  # already the index's
    mine = np.asarray(values.to_numpy(zero_copy_only=True))
    if not np.array_equal(shared.view(np.uint32), mine.view(np.uint32)):
        return False
    flat = pa.Array.from_buffers(pa.float32(), n * dim, [None, pa.py_buffer(shared)])
    new_column = pa.chunked_array([pa.FixedSizeListArray.from_arrays(flat, type=arr.type)])
    position = table.schema.get_field_index(field)
    new_table = table.set_column(position, table.schema.field(position), new_column)
    if not new_table.schema.equals(table.schema, check_metadata=True):
        return False
    vectors = shared.reshape(n, dim)
    cached = seg._vector_data_by_field.get(field)
    if cached is not None and cached[1] is not None:
        return False
    seg._vector_data_by_field[field] = (vectors, None)
    if field == seg._vector_field:
        seg.vectors = vectors
    seg.table = new_table
    return True


# --- BM25 scoring -------------------------------------------------------------------------
#
# The engine scores BM25 with ``SparseInvertedIndex.search``, which walks every posting of
# every query term in Python (most of a BM25 search once the validity loops are gone: about
# 50 ms a query on 20,000 chunks of ordinary text), over posting lists of Python tuples that
# its first search after opening builds row by row (over a second at 100,000 rows, and some
# hundreds of MB). Here a segment's postings are read straight from its Arrow column into
# NumPy arrays, with everything in the per-posting score but the query weight computed once,
# with the very operations and float32 roundings of the engine's scalar code (NumPy 2 keeps
# float32 when a Python float meets a float32); scores add up in query-term order as there,
# and ties keep its order (first seen: by query term, then by row). install() checks the two
# agree bit for bit; where they don't, and for columns this does not read (nulls, repeated
# or fractional term counts, malformed bytes), the engine builds and scores as before.

_NOT_SEEN = np.iinfo(np.int64).max
_PAIR = np.dtype([("term", "<u4"), ("tf", "<f4")])  # the engine's packed sparse vector entry
Postings = tuple[npt.NDArray[np.signedinteger[Any]], npt.NDArray[np.float32]]


class _Bm25Terms:
    """One segment's BM25 postings as the engine's ``SparseInvertedIndex`` would hold them
    (built without a mask): per term its rows and normalised tfs, contiguous by term."""

    __slots__ = ("doc_count", "parts", "rows", "spans", "tf_norm")

    def __init__(
        self,
        doc_count: int,
        spans: dict[Any, tuple[int, int]],
        rows: npt.NDArray[np.signedinteger[Any]],
        tf_norm: npt.NDArray[np.float32],
    ) -> None:
        self.doc_count = doc_count
        self.spans = spans  # term -> (start, end) in rows / tf_norm
        self.rows = rows
        self.tf_norm = tf_norm
        self.parts: dict[Any, Postings | None] = {}  # term -> (rows, idf * tf_norm)

    @classmethod
    def from_column(cls, column: Any, k1: float, b: float) -> _Bm25Terms | None:
        import pyarrow as pa

        arr = column
        if isinstance(column, pa.ChunkedArray):
            arr = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        large = pa.types.is_large_binary(arr.type)
        if arr.null_count or not (large or pa.types.is_binary(arr.type)):
            return None
        n = len(arr)
        width = np.dtype(np.int64 if large else np.int32)
        _validity, offsets_buf, data_buf = arr.buffers()
        offsets = np.frombuffer(
            offsets_buf, dtype=width, count=n + 1, offset=arr.offset * width.itemsize
        ).astype(np.int64)
        lengths = np.diff(offsets)
        if n == 0 or (lengths % _PAIR.itemsize).any():
            return None
        total = int(offsets[-1] - offsets[0])
        pairs = (
            np.frombuffer(data_buf, dtype=_PAIR, count=total // 8, offset=int(offsets[0]))
            if total
            else np.zeros(0, dtype=_PAIR)
        )
        tf32 = pairs["tf"]
        # Whole counts (what BM25 analysis writes) add up exactly in any order, so the
        # engine's sequential sums can be done vectorised.
        if tf32.size and not (np.all(tf32 == np.rint(tf32)) and np.all(np.abs(tf32) < 2**24)):
            return None
        # Each posting's score part is elementwise, so it is computed in row order (reading
        # memory in sequence) and only the results are put in term order.
        counts = lengths // _PAIR.itemsize
        row_type = np.int32 if n < 2**31 else np.int64  # 4 bytes a posting, not 8
        doc_of: npt.NDArray[np.signedinteger[Any]] = np.repeat(np.arange(n, dtype=row_type), counts)
        doc_len = np.bincount(doc_of, weights=tf32, minlength=n)
        doc_lengths = doc_len.astype(np.float32)
        avgdl = float(doc_len.sum()) / n  # every row counts, empty ones too
        avgdl = avgdl if avgdl > 0 else 1.0
        dl = np.repeat(doc_lengths, counts)
        # tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)), rounded as the engine's
        # scalar expression is: Python floats meeting a float32 become float32 (so the
        # numerator is a double rounded to float32), float32 from there on.
        numerator = (tf32.astype(np.float64) * (k1 + 1.0)).astype(np.float32)
        denominator = tf32 + k1 * ((1.0 - b) + b * dl / avgdl)
        by_row = np.asarray(numerator / denominator, dtype=np.float32)
        del dl, numerator, denominator
        # Rows come in order, so a stable sort by term leaves each term's postings by row,
        # as the engine appends them.
        order, terms = _by_term(pairs["term"])
        docs = doc_of[order]
        tf_norm = by_row[order]
        del doc_of, by_row, order
        if terms.size:
            starts = np.concatenate(([0], np.flatnonzero(np.diff(terms)) + 1))
            ends = np.append(starts[1:], terms.size)
        else:
            starts = ends = np.zeros(0, dtype=np.int64)
        if np.any((np.diff(docs) == 0) & (np.diff(terms) == 0)):
            return None  # a term twice in one row: the engine keeps the last
        spans = dict(
            zip(
                terms[starts].tolist(),
                zip(starts.tolist(), ends.tolist(), strict=True),
                strict=True,
            )
        )
        return cls(n, spans, docs, tf_norm)

    def term(self, term: Any) -> Postings | None:
        if term in self.parts:
            return self.parts[term]
        span = self.spans.get(term)
        found: Postings | None = None
        if span is not None:
            start, end = span
            df = end - start
            idf = math.log((self.doc_count - df + 0.5) / (df + 0.5) + 1.0)
            part = np.asarray(idf * self.tf_norm[start:end], dtype=np.float32)
            found = (self.rows[start:end], part)
        self.parts[term] = found  # a race only computes the same arrays twice
        return found


def _by_term(terms: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint32]]:
    """``order = np.argsort(terms, kind="stable")`` and ``terms[order]``, by one unstable
    sort of unique 64-bit keys, each posting's term above its position: over ten times
    faster than NumPy's stable sort of 32-bit keys (a timsort) on millions of postings."""
    if terms.size >= 2**32:
        order = np.argsort(terms, kind="stable")
        return order, terms[order]
    keys = terms.astype(np.uint64) << np.uint64(32)
    keys |= np.arange(terms.size, dtype=np.uint64)
    keys.sort()
    order = (keys & np.uint64(0xFFFFFFFF)).astype(np.intp)
    keys >>= np.uint64(32)
    return order, keys.astype(np.uint32)


def _bm25_terms(seg: Any, field: str, params: dict[str, Any]) -> _Bm25Terms | None:
    """The segment's cached postings for ``field`` under these BM25 parameters, or None
    where the engine's index must score it."""
    k1 = float(params.get("bm25_k1", 1.5))  # as the engine's create_sparse_index reads them
    b = float(params.get("bm25_b", 0.75))
    rows = _segment_rows(seg)
    key = (field, k1, b)
    if key in rows.bm25:
        return rows.bm25[key]
    try:
        built = _Bm25Terms.from_column(seg.table.column(field), k1, b)
    except Exception:
        built = None
    with _cache_lock:
        return rows.bm25.setdefault(key, built)


def _bm25_search(
    terms: _Bm25Terms, queries: list[dict[Any, float]], top_k: int, valid: Mask | None
) -> tuple[Any, Any]:
    """``SparseInvertedIndex.search(queries, top_k, valid_mask=valid)``, in NumPy."""
    n = terms.doc_count
    mask = _engine["validate_mask"](valid, n)
    ids_out, dists_out = _engine["empty_results"](len(queries), top_k)
    everything = mask is None or bool(mask.all())
    for qi, query in enumerate(queries):
        if not query:
            continue
        scores = np.zeros(n, dtype=np.float32)
        first = np.full(n, _NOT_SEEN, dtype=np.int64)  # when the engine's dict met the row
        for t, (term, weight) in enumerate(query.items()):
            postings = terms.term(term)
            if postings is None:
                continue
            rows, part = postings
            position = np.arange(rows.size, dtype=np.int64)
            if not everything:
                keep = mask[rows]
                rows, part, position = rows[keep], part[keep], position[keep]
                if not rows.size:
                    continue
            scores[rows] = scores[rows] + part * weight
            new = first[rows] == _NOT_SEEN
            first[rows[new]] = t * (n + 1) + position[new]
        seen = np.flatnonzero(first != _NOT_SEEN)
        k = min(top_k, int(seen.size))
        if k == 0:
            continue
        neg = -scores[seen]
        pick = np.arange(seen.size)
        if k < seen.size:
            pick = np.flatnonzero(neg <= np.partition(neg, k - 1)[k - 1])
        best = pick[np.lexsort((first[seen[pick]], neg[pick]))][:k]
        ids_out[qi, :k] = seen[best]
        dists_out[qi, :k] = neg[best]
    return ids_out, dists_out


def _bm25_agrees() -> bool:
    """Whether ``_bm25_search`` over ``_Bm25Terms.from_column`` matches the engine's index
    and scorer bit for bit on random segments and on one where every score ties (it relies
    on NumPy's float32 promotion rules)."""
    try:
        import pyarrow as pa

        rng = np.random.default_rng(12345)
        cases: list[tuple[float, float, list[dict[int, float]]]] = []
        for k1, b, docs in ((1.5, 0.75, 300), (1.2, 0.6, 257), (2.0, 0.3, 64)):
            vectors = [
                {
                    int(t): float(rng.integers(1, 5))
                    for t in rng.choice(60, size=int(rng.integers(0, 12)), replace=False)
                }
                for _ in range(docs)
            ]
            cases.append((k1, b, vectors))
        cases.append((1.5, 0.75, [{d % 10: 1.0} for d in range(100)]))  # every score ties
        cases.append((1.5, 0.75, [{}, {}, {}]))  # no terms at all
        for k1, b, vectors in cases:
            index = _engine["create_sparse_index"]("BM25", {"bm25_k1": k1, "bm25_b": b})
            index.build(vectors)
            packed = pa.array([_engine["sparse_to_bytes"](v) for v in vectors], pa.binary())
            cut = len(vectors) // 3
            mine = _Bm25Terms.from_column(pa.chunked_array([packed[:cut], packed[cut:]]), k1, b)
            if mine is None:
                return False
            queries = [
                {int(t): float(rng.choice([1.0, 2.0])) for t in rng.choice(70, size=j)}
                for j in (0, 1, 3, 8, 20)
            ]
            queries.append({7: 1.0, 2: 1.0, 5: 1.0})
            n = len(vectors)
            for valid in (np.ones(n, dtype=bool), rng.random(n) < 0.7):
                for top_k in (0, 1, 5, 10_000):
                    ids, dists = _engine["search_sparse_index"](index, queries, top_k, valid)
                    mine_ids, mine_dists = _bm25_search(mine, queries, top_k, valid)
                    if not (
                        np.array_equal(ids, mine_ids)
                        and dists.dtype == mine_dists.dtype
                        and np.array_equal(dists.view(np.uint32), mine_dists.view(np.uint32))
                    ):
                        return False
        return True
    except Exception:
        return False
