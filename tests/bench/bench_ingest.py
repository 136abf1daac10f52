"""Ingestion speed: the whole corpus, pipelined against sequential, and batched embedding
against pymilvus.model's one-text-at-a-time ONNX encoding, all in the same run.

    python -m tests.bench.bench_ingest --embedding MODEL_DIR [--corpus DIR] [--cores 2]
        [--embed-sample 256] [--variants]

1. The corpus is ingested into a fresh Milvus Lite store twice: with the reader thread
   reading and chunking files ahead while the caller's thread embeds and stores
   (``IngestOptions()``, the default), and one step after the other on one thread
   (``IngestOptions(prefetch=0)``). Both stores must end with the same chunk ids. The
   time per stage comes from the pipeline's own counters (``Summary.stages``).
2. ``--embed-sample`` chunk texts of that corpus (evenly spaced over it) are embedded by
   Fathom's OnnxEmbedder (tokenized once, length-sorted batches padded to the batch's
   longest text) and by pymilvus.model's ``OnnxEmbeddingFunction._encode`` (one text per
   ONNX call, padded to the tokenizer's ``model_max_length``), with the same model file
   and thread count. pymilvus's function is built around the local files here rather
   than through its constructor, which downloads from the hub; its encoding code runs
   unchanged.
   With ``--variants``, the same texts are also embedded by the model's graph-optimised
   and int8-quantised variants against its fp32 session (texts/s and cosine to fp32,
   ``tests/bench/bench_embed_variants.py``).
3. Reopen: the pipelined store is closed, then opened again, its collections loaded and
   one hybrid search run.

The process is pinned to ``--cores`` CPUs (when it may use more) and ONNX Runtime runs
that many threads.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.embeddings.onnx import BATCH_TOKENS, ONNX_FILES, OnnxEmbedder
from desktop.core.ingest.chunking import chunk_document
from desktop.core.ingest.pipeline import STAGES, IngestOptions, Summary, _chunk_sizes, ingest
from desktop.core.ingest.readers import ReadError, reader_for
from desktop.core.ingest.scan import scan
from desktop.core.store.milvus import MilvusStore
from desktop.core.types import Chunk

SHARED = Path(__file__).resolve().parents[3] / "shared"
QUERY = "How is data stored in milvus?"


def pin_cores(cores: int) -> int:
    """Restrict this process to its first ``cores`` CPUs (0: leave it as it is); returns
    how many it may use."""
    if hasattr(os, "sched_setaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        if 0 < cores < len(allowed):
            os.sched_setaffinity(0, allowed[:cores])
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    """Resident memory of a process in MB (Linux /proc; NaN elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@dataclass
class IngestRun:
    mode: str
    summary: Summary
    ids: list[str]

    @property
    def seconds(self) -> float:
        return self.summary.seconds


def ingest_once(corpus: Path, folder: Path, embedder: OnnxEmbedder, prefetch: int) -> IngestRun:
    store = MilvusStore(str(folder / "store.db"))
    try:
        events = ingest([corpus], store, embedder, IngestOptions(prefetch=prefetch))
        summary = next(e for e in events if isinstance(e, Summary))
        ids = sorted(store.chunk_ids())
    finally:
        store.close()
    mode = f"pipelined (prefetch={prefetch})" if prefetch else "sequential (prefetch=0)"
    return IngestRun(mode, summary, ids)


def corpus_chunks(corpus: Path, embedder: OnnxEmbedder, sample: int) -> list[Chunk]:
    """``sample`` chunks spread evenly over the corpus (0: all), cut as the pipeline cuts
    them; unreadable files are skipped."""
    size, overlap, spans = _chunk_sizes(embedder, IngestOptions())
    chunks: list[Chunk] = []
    for path in scan([corpus]).files:
        reader = reader_for(path)
        if reader is None:
            continue
        try:
            doc = reader(str(path), path.read_bytes())
        except (ReadError, OSError):
            continue
        chunks += chunk_document(doc, size=size, overlap=overlap, token_spans=spans)
    if sample and len(chunks) > sample:
        step = len(chunks) / sample
        chunks = [chunks[int(i * step)] for i in range(sample)]
    return chunks


def corpus_texts(corpus: Path, embedder: OnnxEmbedder, sample: int) -> list[str]:
    """The embedding texts of ``sample`` chunks spread evenly over the corpus."""
    return [c.embedding_text() for c in corpus_chunks(corpus, embedder, sample)]


def pymilvus_onnx_function(folder: Path, threads: int) -> Any:
    """pymilvus.model's OnnxEmbeddingFunction over a local model folder."""
    import onnxruntime as ort
    from pymilvus.model.dense.onnx import OnnxEmbeddingFunction
    from transformers import AutoTokenizer

    onnx_path = next(folder / p for p in ONNX_FILES if (folder / p).exists())
    fn = OnnxEmbeddingFunction.__new__(OnnxEmbeddingFunction)
    fn.tokenizer = AutoTokenizer.from_pretrained(str(folder))
    fn.model_name = str(folder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    fn.ort_session = ort.InferenceSession(
        str(onnx_path), options, providers=["CPUExecutionProvider"]
    )
    return fn


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def reopen_ms(uri: str, embedder: OnnxEmbedder) -> tuple[float, float, int]:
    """(open + load ms, first hybrid search ms, hits) of an existing store."""
    vector = [float(x) for x in embedder.encode_queries([QUERY])[0]]
    t0 = time.perf_counter()
    store = MilvusStore(uri)
    try:
        store.open_existing()
        t1 = time.perf_counter()
        hits = store.search(vector, QUERY, 5, "hybrid")
        t2 = time.perf_counter()
    finally:
        store.close()
    return (t1 - t0) * 1000, (t2 - t1) * 1000, len(hits)


def budget_child(folder: Path, texts_file: Path, budget: int, threads: int) -> None:
    """In a child process: embed the texts in runs of 32 within ``budget`` tokens and
    print texts/s and the peak resident memory the runs added to the loaded model."""
    import json

    texts = json.loads(texts_file.read_text())
    embedder = OnnxEmbedder(folder, threads=threads, batch_tokens=budget)
    embedder.encode_documents(["warm-up"] * 4)
    # VmHWM: this process's own peak (ru_maxrss keeps the parent's over fork and exec)
    before = rss_mb(field="VmHWM")
    _, seconds = timed(embedder.encode_documents, texts)
    peak = rss_mb(field="VmHWM")
    print(json.dumps({"rate": len(texts) / seconds, "added": peak - before, "peak": peak}))


def budget_table(folder: Path, texts: list[str], cores: int) -> str:
    """Runs of up to 32 texts with no token budget (before) against the default budget
    (``BATCH_TOKENS``) and a smaller one, each in a fresh process, same texts."""
    import json
    import subprocess

    lines = [
        "| ONNX runs, same texts | texts/s | peak MB added by the runs | peak RSS MB |",
        "|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps(texts))
        for label, budget in (
            ("32 texts, no token budget (before)", 10**9),
            (f"32 texts within {BATCH_TOKENS} tokens (default)", BATCH_TOKENS),
            (f"32 texts within {BATCH_TOKENS * 2} tokens", BATCH_TOKENS * 2),
        ):
            code = (
                "from pathlib import Path; from tests.bench.bench_ingest import budget_child; "
                f"budget_child(Path({str(folder)!r}), Path({str(texts_file)!r}), {budget}, {cores})"
            )
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            lines.append(f"| {label} | {r['rate']:.1f} | {r['added']:.0f} | {r['peak']:.0f} |")
    return "\n".join(lines)


def ingest_table(runs: Sequence[IngestRun], cores: int) -> list[str]:
    lines = [
        f"| ingestion, {cores} cores | s | files/s | chunks/s | MB/s | "
        + " | ".join(f"{s} s" for s in STAGES)
        + " |",
        "|---" * (5 + len(STAGES)) + "|",
    ]
    for r in runs:
        s = r.summary
        files = s.added + s.updated
        lines.append(
            f"| {r.mode} | {s.seconds:.1f} | {files / s.seconds:.2f} | "
            f"{s.chunks_written / s.seconds:.1f} | {s.bytes_read / 1e6 / s.seconds:.3f} | "
            + " | ".join(f"{s.stages[k]:.1f}" for k in STAGES)
            + " |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--embedding", required=True, type=Path, help="ONNX model folder")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "milvus-docs-2.4")
    ap.add_argument("--cores", type=int, default=2, help="CPUs to pin to (0: no pinning)")
    ap.add_argument("--embed-sample", type=int, default=256, help="chunks for the ratio")
    ap.add_argument(
        "--no-sequential", action="store_true", help="skip the sequential ingestion (no ratio)"
    )
    ap.add_argument(
        "--variants",
        action="store_true",
        help="also time fp32 against graph-optimised and int8 models on the same chunks "
        "(tests/bench/bench_embed_variants.py)",
    )
    args = ap.parse_args(argv)
    cores = pin_cores(args.cores)
    embedder = OnnxEmbedder(args.embedding, threads=cores)
    embedder.encode_documents(["warm-up"] * 4)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    result: dict[str, Any] = {"cores": cores}
    with tempfile.TemporaryDirectory() as tmp:
        piped = ingest_once(args.corpus, Path(tmp) / "piped", embedder, IngestOptions().prefetch)
        seq = (
            None if args.no_sequential else ingest_once(args.corpus, Path(tmp) / "seq", embedder, 0)
        )
        open_ms, search_ms, hits = reopen_ms(str(Path(tmp) / "piped" / "store.db"), embedder)
    result.update(pipelined=piped, sequential=seq, reopen=(open_ms, search_ms, hits))
    same = (seq is None or piped.ids == seq.ids) and len(piped.ids) == piped.summary.chunks
    result["same_chunks"] = same

    texts = corpus_texts(args.corpus, embedder, args.embed_sample)
    baseline = pymilvus_onnx_function(args.embedding, cores)
    fn = baseline.encode_documents
    fn(texts[:2])  # warm-up
    ours, t_ours = timed(embedder.encode_documents, texts)
    theirs, t_theirs = timed(fn, texts)
    cos = min(float(np.dot(a, b)) for a, b in zip(ours, theirs, strict=True))
    result.update(embed=(len(texts), t_ours, t_theirs, cos))

    s = piped.summary
    print(
        f"corpus {args.corpus}: {s.added} files, {s.chunks} chunks, "
        f"{s.bytes_read / 1e6:.2f} MB; {cores} cores; load average before "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; peak RSS {rss_mb(field='VmHWM'):.0f} MB"
    )
    print()
    for line in ingest_table([r for r in (seq, piped) if r is not None], cores):
        print(line)
    if seq is not None:
        print(
            f"pipelined speedup={seq.seconds / piped.seconds:.2f}x; "
            f"same chunks in both stores: {'yes' if same else 'NO'}"
        )
    print()
    n = len(texts)
    print("| embedding, same chunks and model | texts | s | texts/s |")
    print("|---|---|---|---|")
    print(f"| pymilvus.model ONNX, one text per call | {n} | {t_theirs:.1f} | {n / t_theirs:.1f} |")
    print(f"| Fathom OnnxEmbedder, batched | {n} | {t_ours:.1f} | {n / t_ours:.1f} |")
    print(f"batched speedup={t_theirs / t_ours:.2f}x; lowest cosine between the two: {cos:.4f}")
    print()
    print(budget_table(args.embedding, texts, cores))
    if args.variants:
        from tests.bench import bench_embed_variants as bev

        with tempfile.TemporaryDirectory() as tmp:
            folders = {
                name: bev.variant_folder(args.embedding, Path(tmp) / str(i), make)
                for i, (name, make) in enumerate(bev.VARIANTS.items())
            }
            print()
            bev.print_table(bev.measure(folders, texts, cores, 3), n, cores)
    print()
    print(
        f"reopen ({s.chunks} chunks): open + load {open_ms:.0f} ms, "
        f"first hybrid search {search_ms:.0f} ms ({hits} hits)"
    )
    sys.stdout.flush()
    return result


if __name__ == "__main__":
    main()
