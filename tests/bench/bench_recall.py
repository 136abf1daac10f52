"""Retrieval quality: recall@k on a question set, for dense, BM25 and hybrid retrieval.

    python -m tests.bench.bench_recall --embedding MODEL_DIR [--corpus DIR] [--questions JSONL]

Each line of the question file is ``{"q": question, "expect": phrase}``; a question counts
as found at k when one of the first k passages contains the phrase (case and spacing
ignored). The corpus is ingested into a fresh Milvus Lite store in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.pipeline import Summary, ingest
from desktop.core.rag.retrieve import retrieve
from desktop.core.store.milvus import MilvusStore, SearchMode

SHARED = Path(__file__).resolve().parents[3] / "shared"
MODES: tuple[SearchMode, ...] = ("dense", "bm25", "hybrid")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load_questions(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rank_of_answer(
    store: MilvusStore, embedder: OnnxEmbedder, q: dict[str, str], mode: SearchMode, depth: int
) -> int | None:
    want = _norm(q["expect"])
    for s in retrieve(store, embedder, q["q"], depth, mode):
        if want in _norm(s.text):
            return s.rank
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--embedding", required=True, type=Path, help="ONNX model folder")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "milvus-docs-2.4" / "faq")
    ap.add_argument("--questions", type=Path, default=SHARED / "eval" / "faq_dev.jsonl")
    ap.add_argument("--ks", default="1,3,5")
    args = ap.parse_args()
    ks = [int(k) for k in args.ks.split(",")]
    questions = load_questions(args.questions)
    embedder = OnnxEmbedder(args.embedding)
    with tempfile.TemporaryDirectory() as tmp:
        store = MilvusStore(str(Path(tmp) / "store.db"))
        t0 = time.perf_counter()
        summary = next(e for e in ingest([args.corpus], store, embedder) if isinstance(e, Summary))
        print(
            f"corpus {args.corpus}: {summary.added} files, {summary.chunks} chunks, "
            f"{time.perf_counter() - t0:.1f} s; {len(questions)} questions"
        )
        print(f"{'mode':8}" + "".join(f"{'R@' + str(k):>8}" for k in ks) + f"{'ms/query':>10}")
        for mode in MODES:
            t1 = time.perf_counter()
            ranks = [rank_of_answer(store, embedder, q, mode, max(ks)) for q in questions]
            ms = (time.perf_counter() - t1) * 1000 / len(questions)
            row = [sum(1 for r in ranks if r is not None and r <= k) / len(ranks) for k in ks]
            print(f"{mode:8}" + "".join(f"{v:8.2f}" for v in row) + f"{ms:10.1f}")
        store.close()


if __name__ == "__main__":
    main()
