"""Milvus Lite search latency with and without ``desktop.core.store.lite_speedups``, in one run.

    python -m tests.bench.bench_lite_search [--rows 100000] [--queries 40] [--rounds 3]
        [--dir DIR]

Builds ``--rows`` rows (384-d random normalised vectors, a 12-40 word text drawn from a
Zipf-distributed 5,000-word vocabulary, so common terms have long BM25 posting lists, and a
path) through pymilvus into a Lite directory (a temporary one unless ``--dir``), as Fathom's
chunks collection indexes them (dense AUTOINDEX/IP, BM25 SPARSE_INVERTED_INDEX), and
flushes. Then, in the same process, times top-5 dense and BM25 searches (with the text and
path as output fields) through ``MilvusClient.search``: after one warm-up pass,
``--rounds`` rounds over ``--queries`` queries, the engine's own code and the patched one
alternating by round, and checks both return the same hits. Last, for each of the two, it
closes the store and times opening it again: load, then the first dense and the first BM25
search. Latencies are p50/p95 in ms; the ratio is original over patched (the machine may be
shared: compare ratios of one run, not absolute times of two).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.store import lite_speedups

DIM = 384
K = 5
BATCH = 2000
VOCAB = 5000
NAME = "bench"
MODES = ("dense", "bm25")


def _words(rng: np.random.Generator, n: int) -> list[str]:
    ranks = rng.zipf(1.15, size=n)
    return [f"w{(r - 1) % VOCAB}" for r in ranks]


def build(uri: str, rows: int, seed: int = 0) -> float:
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    client = MilvusClient(uri=uri)
    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field("text", DataType.VARCHAR, max_length=4000, enable_analyzer=True)
    s.add_field("path", DataType.VARCHAR, max_length=200)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=DIM)
    s.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    index = client.prepare_index_params()
    index.add_index("dense", index_type="AUTOINDEX", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(NAME, schema=s, index_params=index)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for start in range(0, rows, BATCH):
        n = min(BATCH, rows - start)
        vecs = rng.standard_normal((n, DIM)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        lengths = rng.integers(12, 41, size=n)
        client.insert(
            NAME,
            [
                {
                    "id": f"{start + i:012x}",
                    "text": " ".join(_words(rng, int(lengths[i]))),
                    "path": f"/docs/d{(start + i) % 97}/f{(start + i) // 50}.md",
                    "dense": vecs[i].tolist(),
                }
                for i in range(n)
            ],
        )
    client.flush(NAME)
    took = time.perf_counter() - t0
    client.close()
    _release(uri)
    return took


def _release(uri: str) -> None:
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(uri)


def _searcher(client: Any, mode: str) -> Callable[[Any], Any]:
    field, metric = ("dense", "IP") if mode == "dense" else ("sparse", "BM25")

    def search(query: Any) -> Any:
        return client.search(
            NAME,
            data=[query],
            anns_field=field,
            search_params={"metric_type": metric},
            limit=K,
            output_fields=["text", "path"],
        )

    return search


def _queries(n: int, seed: int = 1) -> dict[str, list[Any]]:
    rng = np.random.default_rng(seed)
    vecs = rng.standard_normal((n, DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    texts = [" ".join(_words(rng, int(rng.integers(3, 7)))) for _ in range(n)]
    return {"dense": [v.tolist() for v in vecs], "bm25": texts}


def _set(patched: bool) -> None:
    if patched:
        if not lite_speedups.install():
            raise SystemExit("lite_speedups does not apply to this milvus_lite")
    else:
        lite_speedups.uninstall()


def _hits(res: Any) -> list[tuple[str, float]]:
    return [(str(h["id"]), float(h["distance"])) for h in res[0]]


def _p(xs: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, q))


def measure(uri: str, queries: int, rounds: int) -> dict[tuple[str, bool], list[float]]:
    from pymilvus import MilvusClient

    client = MilvusClient(uri=uri)
    client.load_collection(NAME)
    qs = _queries(queries)
    times: dict[tuple[str, bool], list[float]] = {(m, p): [] for m in MODES for p in (False, True)}
    try:
        for mode in MODES:
            search = _searcher(client, mode)
            answers: dict[bool, list[Any]] = {}
            for patched in (False, True):  # warm-up, and the two must agree
                _set(patched)
                answers[patched] = [_hits(search(q)) for q in qs[mode]]
            if answers[False] != answers[True]:
                raise SystemExit(f"{mode}: the patched search returned other hits")
            for r in range(rounds):
                for patched in (r % 2 == 0, r % 2 == 1):
                    _set(patched)
                    for q in qs[mode]:
                        t = time.perf_counter()
                        search(q)
                        times[(mode, patched)].append(time.perf_counter() - t)
    finally:
        client.close()
        _release(uri)
    return times


def reopen(uri: str, patched: bool) -> dict[str, float]:
    """Seconds to open and load the store, then its first dense and first BM25 search."""
    from pymilvus import MilvusClient

    _set(patched)
    qs = _queries(1, seed=2)
    t0 = time.perf_counter()
    client = MilvusClient(uri=uri)
    client.load_collection(NAME)
    out = {"open": time.perf_counter() - t0}
    try:
        for mode in MODES:
            t = time.perf_counter()
            _searcher(client, mode)(qs[mode][0])
            out[mode] = time.perf_counter() - t
    finally:
        client.close()
        _release(uri)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", type=Path, help="build here (kept) instead of a temporary folder")
    args = ap.parse_args(argv)
    random.seed(0)
    tmp = None if args.dir else Path(tempfile.mkdtemp(prefix="bench-lite-"))
    base = args.dir or tmp
    assert base is not None
    uri = str(base / "bench.db")
    try:
        if not Path(uri).exists():
            print(f"building {args.rows:,} rows ...", flush=True)
            print(f"  build + flush: {build(uri, args.rows):.1f} s", flush=True)
        times = measure(uri, args.queries, args.rounds)
        first = {p: reopen(uri, p) for p in (False, True)}
    finally:
        lite_speedups.uninstall()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    n = args.queries * args.rounds
    print(f"\n{args.rows:,} rows, top-{K}, {n} searches per cell (p50 / p95 ms)")
    print(f"{'search':<8} {'original':>17} {'patched':>17} {'ratio p50':>10} {'ratio p95':>10}")
    for mode in MODES:
        o, p = times[(mode, False)], times[(mode, True)]
        print(
            f"{mode:<8} {_p(o, 50):>8.1f} /{_p(o, 95):>7.1f} {_p(p, 50):>8.1f} /{_p(p, 95):>7.1f}"
            f" {_p(o, 50) / _p(p, 50):>9.1f}x {_p(o, 95) / _p(p, 95):>9.1f}x"
        )
    print("\nafter reopening (ms): open+load, first dense, first BM25")
    for patched in (False, True):
        f = first[patched]
        label = "patched" if patched else "original"
        ms = [f[key] * 1000 for key in ("open", "dense", "bm25")]
        print(f"{label:<9} {ms[0]:>8.0f} {ms[1]:>8.1f} {ms[2]:>8.1f}")


if __name__ == "__main__":
    main()
