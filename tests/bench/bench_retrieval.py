"""Retrieval latency and memory against chunk count: dense, BM25 and hybrid search in a
Milvus Lite store opened in this process, and the same searches through a local
``milvus-lite server`` (gRPC) over the same directory, in the same run.

    python -m tests.bench.bench_retrieval --embedding MODEL_DIR [--sizes 10000,100000]
        [--base 512] [--rounds 3] [--corpus DIR] [--questions JSONL]

How the stores are built (embedding 100k chunks takes hours on 2 cores):
- Base set: ``--base`` real chunks of the corpus (evenly spaced over it, cut as the
  pipeline cuts them) with real embeddings from the ONNX model.
- Copy j (j = 1, 2, ...) of base chunk i: the same text with a seeded random 10% of its
  words dropped and " (copy j)" appended, so BM25 sees a varied but same-vocabulary text;
  its vector is the base vector plus Gaussian noise (norm 0.3 relative), normalised
  again, so copies sit near their original (cosine about 0.96) instead of stacking on it.
  Copies are written under ``/copyNNN/<original path>``, in rows exactly as
  ``MilvusStore.replace_file`` writes them, but as bulk inserts of 1,000 rows with no
  manifest rows (per-file deletes and manifest upserts would dominate the build time of
  synthetic files), then flushed, as an ingestion leaves them. "build s" is this bulk
  write plus the flush (Milvus computes the BM25 vectors then), not an ingestion.
- Bare collection: the same rows (vectors and BM25 terms, read back from the app's
  store) in a collection with only an integer id, the dense vector and the BM25 field,
  searched through pymilvus with nothing but ids returned: what Milvus Lite itself costs,
  so the ratio shows what the app's store adds.
- Queries: the questions of ``faq_dev.jsonl``, embedded once; latency is the store's
  ``search`` alone (query embedding is timed separately), k=5, after one warm-up round,
  ``--rounds`` rounds over all questions. Reopen: open the store, load its collections,
  run the first search. Memory: this process's resident size (Milvus Lite runs inside
  it) over the size it had before the store was built; the server's own resident size.
- New process: the same reopen, first search and searches in a process started for them,
  as when Fathom starts on a library; its memory is its growth from opening the store to
  the end of the searches, the store's own, free of what building it left behind.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.embeddings.base import embedder_identity, embedder_source
from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.store.base import SearchMode
from desktop.core.store.manifest import file_key
from desktop.core.store.milvus import MilvusStore
from desktop.core.store.schema import TEXT_MAX_BYTES, chunk_row
from desktop.core.types import Chunk
from tests.bench.bench_ingest import corpus_chunks, pin_cores, rss_mb

SHARED = Path(__file__).resolve().parents[3] / "shared"
MODES: tuple[SearchMode, ...] = ("dense", "bm25", "hybrid")
K = 5
NOISE = 0.3
INSERT_ROWS = 1000


def variant(chunk: Chunk, j: int, path: str, rng: random.Random) -> Chunk:
    words = chunk.text.split(" ")
    kept = [w for w in words if rng.random() >= 0.1] or words
    text = " ".join(kept) + f" (copy {j})"
    return dataclasses.replace(chunk, text=text, path=path)


def noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(vectors.shape).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    out = vectors + noise
    return np.asarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float32)


def _rows(chunks: Sequence[Chunk], vectors: Any, layout: str) -> list[dict[str, Any]]:
    """Chunk rows as ``MilvusStore.replace_file`` writes them."""
    return [chunk_row(file_key(c.path), c, v, layout) for c, v in zip(chunks, vectors, strict=True)]


def build(
    uri: str, embedder: OnnxEmbedder, base: list[Chunk], vectors: np.ndarray, total: int
) -> float:
    """Write ``total`` chunks (the base set, then varied copies) and flush; seconds."""
    rng, nrng = random.Random(7), np.random.default_rng(7)
    store = MilvusStore(uri)
    t0 = time.perf_counter()
    try:
        store.prepare(embedder_identity(embedder), embedder.dim, embedder_source(embedder))
        client = store._client  # bulk inserts: see the module's docstring
        written, j = 0, 0
        while written < total:
            n = min(len(base), total - written)
            vecs = vectors[:n] if j == 0 else noisy(vectors[:n], nrng)
            chunks = base[:n]
            if j:
                chunks = [variant(c, j, f"/copy{j:03d}/{c.path.lstrip('/')}", rng) for c in chunks]
            for start in range(0, n, INSERT_ROWS):
                part = slice(start, start + INSERT_ROWS)
                client.insert(store.chunks_name, _rows(chunks[part], vecs[part], store.schema))
            written += n
            j += 1
        store.flush()
        assert store.count() == total, f"{store.count()} chunks written, {total} wanted"
    finally:
        store.close()
    return time.perf_counter() - t0


@dataclass
class Latency:
    ms: dict[str, list[float]] = field(default_factory=dict)

    def p(self, mode: str, q: int) -> float:
        xs = sorted(self.ms[mode])
        return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))]


def measure(
    store: MilvusStore, queries: list[tuple[str, Any]], rounds: int
) -> tuple[Latency, float]:
    """Search latencies per mode, and the first search's ms (cold, right after opening)."""
    t0 = time.perf_counter()
    store.search(queries[0][1], queries[0][0], K, "hybrid")
    first = (time.perf_counter() - t0) * 1000
    lat = Latency()
    for mode in MODES:
        for q, v in queries:  # warm-up round
            store.search(v, q, K, mode)
        times = []
        for _ in range(rounds):
            for q, v in queries:
                t1 = time.perf_counter()
                store.search(v, q, K, mode)
                times.append((time.perf_counter() - t1) * 1000)
        lat.ms[mode] = times
    return lat, first


def open_store(uri: str) -> tuple[MilvusStore, float]:
    t0 = time.perf_counter()
    store = MilvusStore(uri)
    store.open_existing()
    return store, (time.perf_counter() - t0) * 1000


def du_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


@dataclass
class Row:
    size: int
    where: str
    lat: Latency
    open_ms: float
    first_ms: float
    rss_mb: float
    build_s: float = float("nan")
    disk_mb: float = float("nan")


def server_row(size: int, db: Path, queries: list[tuple[str, Any]], rounds: int) -> Row:
    from tests.milvus_server import MilvusServer

    server = MilvusServer(db)
    t0 = time.perf_counter()
    server.start()
    started_ms = (time.perf_counter() - t0) * 1000
    try:
        store, open_ms = open_store(server.uri)
        try:
            lat, first = measure(store, queries, rounds)
        finally:
            store.close()
        proc = getattr(server, "_proc", None)
        rss = rss_mb(proc.pid) if proc is not None else float("nan")
    finally:
        server.stop()
    return Row(size, "gRPC server", lat, started_ms + open_ms, first, rss)


def fresh_row(size: int, db: Path, queries: list[tuple[str, Any]], rounds: int) -> Row:
    """The store opened in a new process, as when Fathom starts on it: reopen, first search,
    latency, and that process's growth in resident memory from opening the store to the
    end of its searches (its imports done before), which is the store's alone."""
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "queries.npz"
        np.savez(
            file,
            questions=np.array([q for q, _ in queries]),
            vectors=np.stack([np.asarray(v, dtype=np.float32) for _, v in queries]),
        )
        args = ["--probe", str(db), str(file), str(rounds)]
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_retrieval", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return Row(
        size,
        "Lite, new process",
        Latency(found["ms"]),
        found["open_ms"],
        found["first_ms"],
        found["rss_mb"],
    )


def probe(db: str, queries_file: str, rounds: int) -> None:
    """``fresh_row``'s child: open ``db``, search, print the figures as JSON."""
    import faiss  # noqa: F401  (imports are the program's memory, not the store's)
    import milvus_lite  # noqa: F401
    import pymilvus  # noqa: F401

    from desktop.core.store import lite_speedups

    lite_speedups.install()
    data = np.load(queries_file)
    queries = list(zip(data["questions"].tolist(), data["vectors"], strict=True))
    gc.collect()
    rss0 = rss_mb()
    store, open_ms = open_store(db)
    try:
        lat, first = measure(store, queries, rounds)
        rss = rss_mb() - rss0
    finally:
        store.close()
    print(json.dumps({"ms": lat.ms, "open_ms": open_ms, "first_ms": first, "rss_mb": rss}))


BARE = "bare"


def build_bare(db: Path) -> float:
    """A bare Milvus Lite collection in the same folder, from the app store's own rows:
    an integer id, the dense vector and the BM25 terms, nothing else; seconds."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    store = MilvusStore(str(db))
    t0 = time.perf_counter()
    try:
        client = store._client
        s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", DataType.INT64, is_primary=True)
        s.add_field("lexical", DataType.VARCHAR, max_length=TEXT_MAX_BYTES, enable_analyzer=True)
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=store.embedding_info()["dim"])  # type: ignore[index]
        s.add_function(Function("bm25", FunctionType.BM25, ["lexical"], ["sparse"]))
        index = client.prepare_index_params()
        index.add_index("dense", index_type="AUTOINDEX", metric_type="IP")
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        client.create_collection(BARE, schema=s, index_params=index)
        client.load_collection(store.chunks_name)
        it = client.query_iterator(
            store.chunks_name, batch_size=INSERT_ROWS, filter="", output_fields=["dense", "lexical"]
        )
        n = 0
        while rows := it.next():
            client.insert(
                BARE,
                [
                    {"id": n + i, "lexical": r["lexical"], "dense": [float(x) for x in r["dense"]]}
                    for i, r in enumerate(rows)
                ],
            )
            n += len(rows)
        it.close()
        client.flush(BARE)
    finally:
        store.close()
    return time.perf_counter() - t0


def bare_row(size: int, db: Path, queries: list[tuple[str, Any]], rounds: int) -> Row:
    """The same searches on the bare collection, through pymilvus directly (top 5, ids
    only; hybrid: both searches, fused as the app fuses them)."""
    from desktop.core.lexical import lexical_text
    from desktop.core.store.fusion import fuse

    store, _ = open_store(str(db))
    client = store._client
    t0 = time.perf_counter()
    client.load_collection(BARE)
    opened = (time.perf_counter() - t0) * 1000

    def one(field: str, query: Any) -> list[Any]:
        metric = "IP" if field == "dense" else "BM25"
        res = client.search(
            BARE, [query], anns_field=field, limit=K, search_params={"metric_type": metric}
        )
        return [_Id(str(h["id"]), float(h["distance"])) for h in res[0]]

    def search(mode: str, q: str, v: Any) -> None:
        dense = [float(x) for x in v]
        if mode == "dense":
            one("dense", dense)
        elif mode == "bm25":
            one("sparse", lexical_text(q))
        else:
            fuse(one("dense", dense), one("sparse", lexical_text(q)), K)

    try:
        t0 = time.perf_counter()
        search("hybrid", *queries[0])
        first = (time.perf_counter() - t0) * 1000
        lat = Latency()
        for mode in MODES:
            for q, v in queries:
                search(mode, q, v)
            times = []
            for _ in range(rounds):
                for q, v in queries:
                    t1 = time.perf_counter()
                    search(mode, q, v)
                    times.append((time.perf_counter() - t1) * 1000)
            lat.ms[mode] = times
    finally:
        store.close()
    return Row(size, "bare collection, in process", lat, opened, first, float("nan"))


@dataclass(frozen=True)
class _Id:
    id: str
    score: float


def table(rows: Sequence[Row]) -> list[str]:
    head = "| chunks | store | " + " | ".join(f"{m} p50 / p95 ms" for m in MODES)
    head += " | reopen ms | first search ms | RSS MB | build s | disk MB |"
    lines = [head, "|---" * (7 + len(MODES)) + "|"]
    for r in rows:
        lat = " | ".join(f"{r.lat.p(m, 50):.1f} / {r.lat.p(m, 95):.1f}" for m in MODES)
        lines.append(
            f"| {r.size:,} | {r.where} | {lat} | {r.open_ms:.0f} | {r.first_ms:.0f} | "
            f"{r.rss_mb:.0f} | {r.build_s:.0f} | {r.disk_mb:.0f} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--embedding", required=True, type=Path, help="ONNX model folder")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "milvus-docs-2.4")
    ap.add_argument("--questions", type=Path, default=SHARED / "eval" / "faq_dev.jsonl")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--base", type=int, default=512, help="chunks embedded for real")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cores", type=int, default=2, help="CPUs to pin to (0: no pinning)")
    ap.add_argument("--no-server", action="store_true", help="skip the gRPC server rows")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare-collection rows")
    ap.add_argument("--no-fresh", action="store_true", help="skip the new-process rows")
    args = ap.parse_args(argv)
    cores = pin_cores(args.cores)
    sizes = [int(s) for s in args.sizes.split(",")]
    embedder = OnnxEmbedder(args.embedding, threads=cores)
    questions = [json.loads(x)["q"] for x in args.questions.read_text().splitlines() if x.strip()]
    t0 = time.perf_counter()
    qvecs = embedder.encode_queries(questions)
    query_ms = (time.perf_counter() - t0) * 1000 / len(questions)
    queries = list(zip(questions, qvecs, strict=True))
    base = corpus_chunks(args.corpus, embedder, args.base)
    t0 = time.perf_counter()
    vectors = np.asarray(embedder.encode_documents([c.embedding_text() for c in base]))
    embed_s = time.perf_counter() - t0
    rows: list[Row] = []
    gc.collect()
    rss0 = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            db = Path(tmp) / f"lib{size}.db"
            build_s = build(str(db), embedder, base, vectors, size)
            store, open_ms = open_store(str(db))
            try:
                lat, first = measure(store, queries, args.rounds)
                rss = rss_mb() - rss0
            finally:
                store.close()
            rows.append(Row(size, "Lite, in process", lat, open_ms, first, rss, build_s, du_mb(db)))
            if not args.no_fresh:
                rows.append(fresh_row(size, db, queries, args.rounds))
            if not args.no_bare:
                bare_s = build_bare(db)
                rows.append(bare_row(size, db, queries, args.rounds))
                rows[-1].build_s = bare_s
            if not args.no_server:
                rows.append(server_row(size, db, queries, args.rounds))
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(
        f"{len(base)} real chunks embedded in {embed_s:.1f} s, the rest varied copies (see the "
        f"docstring); {len(questions)} questions x {args.rounds} rounds, k={K}; query "
        f"embedding {query_ms:.1f} ms each; {cores} cores; {load}"
    )
    print()
    for line in table(rows):
        print(line)
    print(
        f"RSS: for Lite, this process's growth over its {rss0:.0f} MB with the model loaded "
        "and before the first store was built (Lite runs in this process: the stores built "
        "and searched so far, and what the allocators kept of them); for a new process, its "
        "growth from opening the store to the end of its searches, the store's own; for the "
        "server, the server process's own. Reopen: open the store and load its collections "
        "(for the server: start the server process on the directory, then the same); first "
        "search: the first hybrid search after that."
    )
    sys.stdout.flush()
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
