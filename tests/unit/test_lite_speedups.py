"""The Milvus Lite search speed-ups against the engine's own code: the same searches on the
same random collections (several flushed segments, upserts of existing pks across segments,
partitions and the MemTable, deletes flushed and not, a compaction, filters, ties) must give
identical ids, distances, entities and order with and without ``lite_speedups``."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from desktop.core.store import lite_speedups

milvus_lite = pytest.importorskip("milvus_lite")
from milvus_lite import MilvusLite  # noqa: E402
from milvus_lite.schema.types import (  # noqa: E402
    CollectionSchema,
    DataType,
    FieldSchema,
    Function,
    FunctionType,
)

DIM = 8
WORDS = ["alpha", "beta", "gamma", "delta", "milvus", "vector", "search", "lite"]
POOL = 40  # vectors are drawn from a small pool, so distances tie


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    try:
        import faiss
    except ImportError:
        faiss = None
    threads = faiss.omp_get_max_threads() if faiss else 0
    if faiss:
        faiss.omp_set_num_threads(1)  # thousands of tiny searches: threads only contend
    try:
        yield
    finally:
        if faiss:
            faiss.omp_set_num_threads(threads)
        lite_speedups.uninstall()


def _schema(pk: DataType) -> CollectionSchema:
    return CollectionSchema(
        fields=[
            FieldSchema("id", pk, is_primary=True, max_length=32),
            FieldSchema("cat", DataType.INT64),
            FieldSchema("text", DataType.VARCHAR, max_length=200, enable_analyzer=True),
            FieldSchema("sparse", DataType.SPARSE_FLOAT_VECTOR, is_function_output=True),
            FieldSchema("raw", DataType.SPARSE_FLOAT_VECTOR),  # given sparse vectors, IP
            FieldSchema("vec", DataType.FLOAT_VECTOR, dim=DIM),
        ],
        functions=[
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        ],
    )


class _World:
    """A random collection and the writes that shape it."""

    def __init__(
        self, path: Path, pk: DataType, dense_index: str | None, seed: int, metric: str = ""
    ) -> None:
        self.rng = random.Random(seed)
        vecs = np.random.default_rng(seed).standard_normal((POOL, DIM)).astype(np.float32)
        self.pool = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
        self.pk = pk
        self.db = MilvusLite(str(path))
        self.col = self.db.create_collection("c", _schema(pk))
        if dense_index:
            metric = metric or self.rng.choice(["IP", "L2", "COSINE"])
            params = {"M": 8, "efConstruction": 40} if dense_index == "HNSW" else {}
            self.col.create_index(
                "vec", {"index_type": dense_index, "metric_type": metric, "params": params}
            )
        self.col.create_index(
            "sparse", {"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "BM25"}
        )
        self.col.create_index("raw", {"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "IP"})
        self.col.create_partition("p1")
        self.col.load()
        self.known: list[Any] = []
        self.next_id = 0

    def key(self, n: int) -> Any:
        return f"k{n:04d}" if self.pk == DataType.VARCHAR else n

    def row(self, pk: Any) -> dict[str, Any]:
        text = " ".join(self.rng.choices(WORDS, k=self.rng.randint(1, 4)))
        vec = self.pool[self.rng.randrange(POOL)]
        raw = {self.rng.randrange(12): float(self.rng.randint(1, 3)) for _ in range(3)}
        return {
            "id": pk,
            "cat": self.rng.randrange(5),
            "text": text,
            "raw": raw,
            "vec": vec.tolist(),
        }

    def insert(self, n: int, partition: str = "_default") -> None:
        pks = [self.key(self.next_id + i) for i in range(n)]
        self.next_id += n
        self.col.insert([self.row(pk) for pk in pks], partition_name=partition)
        self.known += pks

    def upsert(self, n: int, partition: str = "_default") -> None:
        pks = self.rng.sample(self.known, n)
        self.col.upsert([self.row(pk) for pk in pks], partition_name=partition)

    def delete(self, n: int, partition: str | None = None) -> None:
        self.col.delete(self.rng.sample(self.known, n), partition_name=partition)

    def flush(self) -> None:
        self.col.flush()
        self.col._wait_for_bg(timeout=30)

    def searches(self) -> list[Any]:
        out: list[Any] = []
        rng = random.Random(7)
        for _ in range(4):
            q = self.pool[rng.randrange(POOL)] if rng.random() < 0.5 else np.ones(DIM)
            text = " ".join(rng.choices(WORDS, k=rng.randint(1, 3)))
            for partitions in (None, ["p1"], ["_default"]):
                for expr in (None, "cat in [1, 2]", "cat > 7"):
                    k = rng.choice([1, 5, 30, 2000])
                    fields = rng.choice([None, ["cat"], [], ["text", "vec"]])
                    kw: dict[str, Any] = {
                        "top_k": k,
                        "partition_names": partitions,
                        "expr": expr,
                        "output_fields": fields,
                    }
                    out.append(self.col.search([q.tolist(), self.pool[0].tolist()], **kw))
                    out.append(self.col.search([text, "milvus"], anns_field="sparse", **kw))
                    if expr is None:
                        out.append(self.col.search([{1: 1.0, 5: 0.5}], anns_field="raw", **kw))
        return out

    def close(self) -> None:
        self.db.close()


def _same(world: _World) -> None:
    lite_speedups.uninstall()
    expected = world.searches()
    assert lite_speedups.install()
    got = world.searches()
    assert got == expected
    assert any(hits for result in got for hits in result)


@pytest.mark.parametrize(
    ("pk", "dense_index", "seed"),
    [
        (DataType.INT64, "HNSW", 1),
        (DataType.VARCHAR, "HNSW", 2),
        (DataType.INT64, None, 3),
        (DataType.VARCHAR, "BRUTE_FORCE", 4),
    ],
)
def test_same_results_as_the_engine(
    tmp_path: Path, pk: DataType, dense_index: str | None, seed: int
) -> None:
    assert lite_speedups.install()
    w = _World(tmp_path / "lite", pk, dense_index, seed)
    try:
        w.insert(150)
        _same(w)  # MemTable only
        w.flush()
        w.insert(60, "p1")
        w.upsert(40)  # newer versions of flushed pks, in the MemTable
        _same(w)
        w.flush()
        w.upsert(30, "p1")  # pks move to another partition
        w.delete(20)
        w.delete(10, "p1")  # a partition's tombstone for pks that may live elsewhere
        _same(w)
        w.flush()  # flushed tombstones
        w.upsert(25)
        w.insert(30)
        w.delete(15)  # MemTable tombstones for rows in segments and in the MemTable
        _same(w)
        for _ in range(3):  # enough small segments for the background compaction
            w.upsert(20)
            w.insert(10, "p1")
            w.delete(5)
            w.flush()
        w.upsert(10)
        _same(w)
        w.col.release()
        w.col.load()  # indexes reloaded from their sidecars
        _same(w)
    finally:
        w.close()


def test_reopened_store(tmp_path: Path) -> None:
    w = _World(tmp_path / "lite", DataType.INT64, "HNSW", 5)
    w.insert(200)
    w.flush()
    w.upsert(50)
    w.delete(30)
    w.flush()
    w.close()
    w.db = MilvusLite(str(tmp_path / "lite"))
    w.col = w.db.get_collection("c")
    w.col.load()
    try:
        _same(w)
    finally:
        w.close()


def test_concurrent_searches(tmp_path: Path) -> None:
    w = _World(tmp_path / "lite", DataType.VARCHAR, "HNSW", 6)
    try:
        w.insert(200)
        w.flush()
        w.upsert(60)
        w.flush()
        w.delete(20)
        lite_speedups.uninstall()
        expected = w.searches()
        assert lite_speedups.install()
        results: list[Any] = []
        errors: list[BaseException] = []

        def search() -> None:
            try:
                results.append(w.searches())
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=search) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert results == [expected] * 4
    finally:
        w.close()


def test_inputs_the_engine_never_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """States the engine's searches handle though its writes never make them: a pk twice in
    one segment, the same (pk, seq) in two segments, segment rows newer than MemTable rows,
    tombstones newer than MemTable rows, a tombstone map mutated between searches."""
    from milvus_lite.analyzer.sparse import compute_tf, sparse_to_bytes
    from milvus_lite.engine import collection as engine
    from milvus_lite.storage.delta_index import DeltaIndex
    from milvus_lite.storage.segment import Segment

    w = _World(tmp_path / "lite", DataType.INT64, None, 8)
    analyzer = w.col._bm25_analyzers["sparse"]
    big = 10**6  # seqs above the MemTable's

    def segment(pks: list[int], seqs: list[int], partition: str = "_default") -> Any:
        rows = [w.row(pk) for pk in pks]
        vecs = np.asarray([r["vec"] for r in rows], np.float32)
        sparse = [sparse_to_bytes(compute_tf(analyzer.analyze(r["text"]))) for r in rows]
        table = pa.table(
            {
                "id": pa.array(pks, pa.int64()),
                "_seq": pa.array(seqs, pa.uint64()),
                "cat": pa.array([r["cat"] for r in rows], pa.int64()),
                "text": pa.array([r["text"] for r in rows], pa.string()),
                "sparse": pa.array(sparse, pa.binary()),
                "raw": pa.array([sparse_to_bytes(r["raw"]) for r in rows], pa.binary()),
                "vec": pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel()), DIM),
            }
        )
        seqs_arr = np.asarray(seqs, np.uint64)
        return Segment("x", partition, "id", "vec", pks, seqs_arr, vecs, table)

    try:
        w.insert(12)  # MemTable rows 0..11, seqs far below ``big``
        w.delete(2)
        segments = (
            segment([1, 2, 3, 2, 1, 9], [big + 10, big + 11, 5, big + 13, big + 9, big + 14]),
            segment([2, 3, 4, 9, 20], [big + 13, 4, big + 15, big + 14, big + 1]),
            segment([5, 6, 1, 21], [big + 16, big + 17, big + 18, big + 2], "p1"),
        )
        deletes = DeltaIndex("id")
        deletes._map = {4: big + 16, 6: big + 10, 3: 1, 7: big, 21: big + 3}
        memtable = w.col._memtable
        live = sorted(pk for pk, _ in memtable.pk_index_snapshot())
        memtable._delete_index[live[0]] = (big, "_all")  # newer than that MemTable row
        monkeypatch.setattr(w.col, "_read_snapshot", lambda: (segments, deletes))
        original = engine.execute_search_with_index
        assert lite_speedups.install()
        fast = engine.execute_search_with_index
        assert fast is not original

        def both() -> tuple[list[Any], list[Any]]:
            got = []
            for on in (False, True):
                if on:
                    assert lite_speedups.install()
                else:
                    lite_speedups.uninstall()
                got.append(w.searches())
            return got[0], got[1]

        for _ in range(2):
            expected, got = both()
            assert got == expected
            deletes._map[2] = big + 20  # the cache must notice, though the map is the same
        compiled = w.col._compile_filter("cat < 2")
        for parts in (None, ["_default"], ["p1"], []):
            for flt in (None, compiled):
                kw: dict[str, Any] = {
                    "query_vectors": np.stack([w.pool[0], -w.pool[3]]),
                    "segments": segments,
                    "memtable": memtable,
                    "delta_index": deletes,
                    "top_k": 8,
                    "metric_type": "L2",
                    "pk_field": "id",
                    "vector_field": "vec",
                    "partition_names": parts,
                    "compiled_filter": flt,
                }
                for fields in (None, ["cat"], []):
                    kw["output_fields"] = fields
                    assert fast(**kw) == original(**kw)
    finally:
        w.close()


def _segments(w: _World) -> list[Any]:
    return [s for s in w.col._segment_cache.values() if s.num_rows]


def _shared(seg: Any) -> bool:
    """Whether the segment's vector column is its HNSW index's storage, not a copy."""
    import faiss

    storage: Any = faiss.downcast_index(seg.indexes["vec"]._index.storage)
    index_data = faiss.rev_swig_ptr(storage.get_xb(), 1).__array_interface__["data"][0]
    column = seg.table.column("vec").chunk(0).values
    return bool(column.buffers()[1].address == index_data == seg.vectors.ctypes.data)


@pytest.mark.parametrize(("metric", "shared"), [("IP", True), ("L2", True), ("COSINE", False)])
def test_vectors_kept_once(tmp_path: Path, metric: str, shared: bool) -> None:
    """A segment with a FAISS HNSW index keeps its vectors once, in the index, where IP or
    L2 stores them as given, and a reopened one takes them from the index instead of its
    Parquet file: the same tables, searches and entities, vectors included, as the engine's,
    also after the index is released and collected."""
    import gc

    pytest.importorskip("faiss")
    assert lite_speedups.install()
    assert lite_speedups.shares_vectors()
    w = _World(tmp_path / "lite", DataType.INT64, "HNSW", 9, metric)
    try:
        w.insert(150)
        w.flush()
        w.insert(80, "p1")
        w.upsert(30)
        w.flush()
        segs = _segments(w)
        assert len(segs) >= 2
        assert all(_shared(s) == shared for s in segs)
        vectors = {s.file_path: np.array(s.vectors) for s in segs}
        _same(w)  # ids, distances and entities (vec among them) as without the patch
        w.close()
        lite_speedups.uninstall()  # reopened without: the engine's copies
        w.db = MilvusLite(str(tmp_path / "lite"))
        w.col = w.db.get_collection("c")
        w.col.load()
        assert not any(_shared(s) for s in _segments(w))
        expected = w.searches()
        w.close()
        assert lite_speedups.install()  # reopened with: read from the index (IP, L2)
        w.db = MilvusLite(str(tmp_path / "lite"))
        w.col = w.db.get_collection("c")
        segs = _segments(w)
        for s in segs:  # the table as the engine reads it, schema and metadata included
            assert (id(s) in lite_speedups._read_indexes) == shared
            on_disk = pq.read_table(s.file_path)
            assert s.table.equals(on_disk)
            assert s.table.schema.equals(on_disk.schema, check_metadata=True)
        w.col.load()
        assert all(_shared(s) == shared for s in segs)
        assert not any(id(s) in lite_speedups._read_indexes for s in segs)
        assert w.searches() == expected
        for s in segs:
            assert np.array_equal(s.vectors, vectors[s.file_path])
        w.col.release()  # the indexes go; the columns must stay readable
        gc.collect()
        for s in segs:
            column = s.table.column("vec").to_numpy(zero_copy_only=False)
            assert np.array_equal(np.stack(column), vectors[s.file_path])
            assert np.array_equal(s.vectors, vectors[s.file_path])
        w.col.load()
        assert w.searches() == expected
    finally:
        w.close()


def test_segment_without_its_index_file(tmp_path: Path) -> None:
    """A reopened segment whose index file is gone is read whole, as the engine reads it;
    its index is built again and takes over its vectors."""
    pytest.importorskip("faiss")
    assert lite_speedups.install()
    w = _World(tmp_path / "lite", DataType.VARCHAR, "HNSW", 10, "IP")
    try:
        w.insert(120)
        w.flush()
        w.insert(50)
        w.flush()
        w.close()
        sidecars = list((tmp_path / "lite").rglob("*.idx"))
        assert sidecars
        sidecars[0].unlink()
        w.db = MilvusLite(str(tmp_path / "lite"))
        w.col = w.db.get_collection("c")
        segs = _segments(w)
        assert sum(id(s) in lite_speedups._read_indexes for s in segs) == len(segs) - 1
        for s in segs:
            assert s.table.equals(pq.read_table(s.file_path))
        w.col.load()
        assert all(_shared(s) for s in segs)
        _same(w)
    finally:
        w.close()


def test_unknown_engine_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from milvus_lite.engine import collection as engine

    before = (engine.execute_search_with_index, engine.Collection._search_sparse)
    monkeypatch.setattr(milvus_lite, "__version__", "3.3.0")
    assert not lite_speedups.install()
    monkeypatch.undo()

    def other(query_vectors: Any, segments: Any) -> None: ...

    monkeypatch.setattr(engine, "execute_search_with_index", other)
    assert not lite_speedups.install()
    monkeypatch.undo()
    assert (engine.execute_search_with_index, engine.Collection._search_sparse) == before
    assert not lite_speedups.installed()


def test_installs_on_the_engine_we_ship() -> None:
    """A 3.2 engine whose shape changed would silently lose the speed-up: fail instead."""
    if not str(milvus_lite.__version__).startswith("3.2"):
        pytest.skip(f"milvus_lite {milvus_lite.__version__}: lite_speedups does not apply")
    assert lite_speedups.install()
    assert lite_speedups.install()  # idempotent
    assert lite_speedups.bm25_in_numpy()  # its scorer agreed with the engine's, bit for bit
    assert lite_speedups.shares_vectors()
    lite_speedups.uninstall()
    assert not lite_speedups.installed()
