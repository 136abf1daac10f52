"""Retrieval quality on the dev sets: recall@1/@5/@10 and MRR per corpus and pipeline.

    python -m tests.bench.bench_recall --embedding MODEL_DIR [--reranker MODEL_DIR]
        [--corpora milvus,financebench,gnuplot] [--work DIR] [--limit N]
        [--chunk-tokens N] [--chunk-overlap N] [--pdf-engines E,..] [--no-page-titles]

Corpora and their questions (``tests/data/recall/README.md`` says how they were made):
- ``milvus``: the Milvus 2.4 docs (``../shared/corpus``), ``tests/data/recall/milvus_docs.jsonl``;
  a question is found at k when one of the first k sources contains its ``expect`` phrase.
- ``faq``: the docs' FAQ folder and ``../shared/eval/faq_dev.jsonl`` (the 15 dev questions).
- ``financebench``: ``../shared/eval/financebench_dev`` (5 real filings); found when a
  source from the question's file covers one of its evidence pages.
- ``filings``: the same 5 filings and store, ``tests/data/recall/filings.jsonl`` (50 questions
  of our own, metric and narrative); found by evidence page, as ``financebench``.
- ``debref-LANG`` (zh-tw, de, fr, en): the Debian Reference in one language,
  ``tests/data/recall/debian_reference.jsonl`` (questions in that language, and
  cross-lingual ones: English asking the zh-tw guide, Traditional Chinese asking the
  English one); found by phrase in the question's file.
- ``gnuplot``: the gnuplot 5.4 manual (311-page PDF, Debian's ``gnuplot-doc``),
  ``tests/data/recall/gnuplot.jsonl``; found by phrase on the question's page.

Pipelines, all in the same run over the same ingestion (the chunks are embedded once):
- ``naive``: the tutorial's pipeline: Markdown split on "# " (other documents: one
  chunk per page), dense search only, same embedding model.
- ``dense``, ``bm25``, ``hybrid``: Fathom's search modes as the app runs them.
- ``bm25 raw`` and ``hybrid raw``: the same chunks in the older store layout, whose BM25
  field is the raw text (Milvus's standard analyzer: no stemming, stop words kept).
- ``hybrid w=X k=K``: hybrid with BM25's list weighted X against dense's 1.0, RRF's
  constant K (smaller: the head of each list counts more).
- ``+rerank``: the app's default candidates reordered by the cross-encoder (--reranker).

``--no-page-titles`` reads PDFs without an outline as Fathom did before it headed their
passages with the document's name and page titles (desktop.core.ingest.readers.pdf): the
baseline for that change, in a --work folder of its own.

``--work DIR`` keeps the stores between runs (ingestion is incremental: a second run
embeds nothing); by default a temporary folder is used.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.embeddings.rerank import OnnxReranker, Reranker
from desktop.core.ingest.pipeline import IngestOptions, Summary, ingest
from desktop.core.ingest.readers import ReadError, reader_for
from desktop.core.ingest.scan import scan
from desktop.core.rag.retrieve import Source, retrieve
from desktop.core.store.base import FileRecord, SearchMode
from desktop.core.store.copy import copy_library
from desktop.core.store.fusion import Fusion
from desktop.core.store.milvus import MilvusStore
from desktop.core.types import Chunk

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
DATA = REPO / "tests" / "data" / "recall"
KS = (1, 5, 10)
# Dev corpora from Debian's packages: name -> (file or folder, package).
DEBIAN = {"gnuplot": (Path("/usr/share/doc/gnuplot/gnuplot.pdf"), "gnuplot-doc")}
DEPTH = max(KS)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass
class Corpus:
    name: str
    root: Path
    questions: list[dict[str, Any]]
    store: str = ""  # the store folder's name in --work (default: the corpus's name)

    def found(self, source: Source, q: dict[str, Any]) -> bool:
        """Whether a source is the question's passage: its evidence page (filings) or its
        phrase (and page, when the question names one); a source that runs on over a page
        break is on each of its pages."""
        pages = range(source.page, max(source.page, source.page_end) + 1)
        if "pages" in q:  # FinanceBench: scored by evidence page
            return Path(source.path).name == q["file"] and any(p in q["pages"] for p in pages)
        if "page" in q and q.get("file") and Path(source.path).name != Path(q["file"]).name:
            return False
        if "page" in q and int(q["page"]) not in pages:
            return False
        return norm(q["expect"]) in norm(source.text)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


DEBREF = Path("/usr/share/debian-reference")


def debian_reference(spec: str, work: Path) -> Corpus:
    """The Debian Reference in one language (Debian's debian-reference-LANG, one HTML page
    per chapter, all languages in one folder), its pages copied into a folder of their
    own; ``LANG`` takes the questions asked in that language, ``LANG:ASKED`` those asked
    in another (cross-lingual)."""
    lang, _, asked = spec.partition(":")
    asked = asked or lang
    pages = sorted(DEBREF.glob(f"*.{lang}.html"))
    if not pages:
        raise SystemExit(f"install it: apt-get install debian-reference-{lang}")
    root = work / "debref" / lang
    root.mkdir(parents=True, exist_ok=True)
    for page in pages:
        if not (root / page.name).exists():
            shutil.copy(page, root / page.name)
    questions = [
        q
        for q in read_jsonl(DATA / "debian_reference.jsonl")
        if q.get("corpus") == lang and q.get("lang") == asked
    ]
    return Corpus(f"debref-{spec}", root, questions, store=f"debref-{lang}")


def load_corpus(name: str, work: Path) -> Corpus:
    if name == "milvus":
        root = SHARED / "corpus" / "milvus-docs-2.4"
        return Corpus(name, root, read_jsonl(DATA / "milvus_docs.jsonl"))
    if name == "faq":
        root = SHARED / "corpus" / "milvus-docs-2.4" / "faq"
        return Corpus(name, root, read_jsonl(SHARED / "eval" / "faq_dev.jsonl"))
    if name == "financebench":
        root = SHARED / "eval" / "financebench_dev"
        return Corpus(name, root / "pdfs", read_jsonl(root / "questions.jsonl"))
    if name == "filings":
        root = SHARED / "eval" / "financebench_dev"
        questions = read_jsonl(DATA / "filings.jsonl")
        return Corpus("filings", root / "pdfs", questions, store="financebench")
    if name.startswith("debref-"):
        return debian_reference(name.removeprefix("debref-"), work)
    if name not in DEBIAN:
        raise SystemExit(
            f"unknown corpus {name!r}: milvus, faq, financebench, filings, {', '.join(DEBIAN)}"
        )
    path, package = DEBIAN[name]
    if not path.exists():
        raise SystemExit(f"{name}: {path} is missing; install it: apt-get install {package}")
    return Corpus(name, path, read_jsonl(DATA / f"{name}.jsonl"))


# --- the naive baseline: the tutorial's chunks, dense only -------------------------------


def naive_chunks(path: Path) -> list[Chunk]:
    """Markdown split on "# " as the tutorial does; other formats one chunk per page (or
    per section, for formats without pages), as Fathom's readers give them."""
    reader = reader_for(path)
    if reader is None:
        return []
    try:
        data = path.read_bytes()
        if path.suffix.lower() in (".md", ".markdown"):
            text = data.decode("utf-8", errors="replace")
            parts = [p for p in text.split("# ") if p.strip()]
            return [Chunk(p, str(path), i, 0, 0) for i, p in enumerate(parts)]
        doc = reader(str(path), data)
    except (ReadError, OSError):
        return []
    spans = []  # each section cut at its page breaks: one chunk per page at most
    for s in doc.sections or []:
        cuts = [s.start, *(b for b in s.breaks if s.start < b < s.end), s.end]
        spans += [(a, b, s.page_at(a)) for a, b in pairwise(cuts)]
    return [
        Chunk(doc.text[a:b], str(path), i, a, b, "", page)
        for i, (a, b, page) in enumerate(spans)
        if doc.text[a:b].strip()
    ]


def build_naive(store: MilvusStore, embedder: OnnxEmbedder, root: Path) -> None:
    from desktop.core.embeddings.base import embedder_identity

    store.prepare(embedder_identity(embedder), embedder.dim)
    done = store.files()
    for path in scan([root]).files:
        if str(path) in done:
            continue
        chunks = naive_chunks(path)
        vectors = embedder.encode_documents([c.text for c in chunks]) if chunks else []
        store.replace_file(FileRecord(str(path), "naive", 0, len(chunks)), chunks, vectors)
    store.flush()


# --- running and scoring -------------------------------------------------------------


Pipeline = Callable[[str], list[Source]]


@dataclass
class Scores:
    ranks: list[int | None] = field(default_factory=list)
    ms: float = 0.0

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / max(1, len(self.ranks))

    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / max(1, len(self.ranks))


def score(corpus: Corpus, pipeline: Pipeline) -> Scores:
    out = Scores()
    t0 = time.perf_counter()
    for q in corpus.questions:
        sources = pipeline(q["q"])
        out.ranks.append(next((s.rank for s in sources if corpus.found(s, q)), None))
    out.ms = (time.perf_counter() - t0) * 1000 / max(1, len(corpus.questions))
    return out


def pipelines(
    stores: dict[str, MilvusStore],
    embedder: OnnxEmbedder,
    reranker: Reranker | None,
    fusions: Sequence[Fusion],
) -> dict[str, Pipeline]:
    main, raw, naive = stores["main"], stores["raw"], stores["naive"]

    def mode(store: MilvusStore, m: SearchMode, **kw: Any) -> Pipeline:
        return lambda q: retrieve(store, embedder, q, DEPTH, m, **kw)

    def weighted(fusion: Fusion) -> Pipeline:
        def run(q: str) -> list[Source]:
            vector = embedder.encode_queries([q])[0]
            hits = main.search(vector, q, DEPTH * 2, "hybrid", fusion=fusion)
            from desktop.core.rag.retrieve import join_neighbours

            return [
                Source(i, p.path, p.page, p.heading, p.score, p.text, p.start, p.end, p.page_end)
                for i, p in enumerate(join_neighbours(hits)[:DEPTH], start=1)
            ]

        return run

    out: dict[str, Pipeline] = {
        "naive": mode(naive, "dense"),
        "dense": mode(main, "dense"),
        "bm25 raw": mode(raw, "bm25"),
        "bm25": mode(main, "bm25"),
        "hybrid raw": mode(raw, "hybrid"),
        "hybrid": mode(main, "hybrid"),
    }
    for f in fusions:
        out[f"hybrid w={f.bm25_weight:g} k={f.k}"] = weighted(f)
    if reranker is not None:
        out["dense+rerank"] = mode(main, "dense", reranker=reranker)
        out["hybrid+rerank"] = mode(main, "hybrid", reranker=reranker)
    return out


def build(
    corpus: Corpus, work: Path, embedder: OnnxEmbedder, options: IngestOptions | None = None
) -> dict[str, MilvusStore]:
    """The corpus ingested as the app does (layout 2), copied into the older layout 1
    (same chunks and vectors), and cut the naive way; all in one Lite folder."""
    uri = str(work / f"{corpus.store or corpus.name}.db")
    main = MilvusStore(uri, library="main")
    t0 = time.perf_counter()
    events = ingest([corpus.root], main, embedder, options)
    summary = next(e for e in events if isinstance(e, Summary))
    print(
        f"{corpus.name}: {corpus.root}: {len(main.files())} files, {main.count()} chunks "
        f"({summary.added} added, {time.perf_counter() - t0:.0f} s); "
        f"{len(corpus.questions)} questions",
        flush=True,
    )
    raw = MilvusStore(uri, library="raw")
    if raw.count() != main.count():
        info = main.embedding_info() or {}
        raw.prepare(str(info["model"]), int(info["dim"]), layout="1")
        for _ in copy_library(main, raw, replace=True):
            pass
    naive = MilvusStore(uri, library="naive")
    build_naive(naive, embedder, corpus.root)
    return {"main": main, "raw": raw, "naive": naive}


def table(name: str, results: dict[str, Scores]) -> list[str]:
    lines = [
        f"| {name} | " + " | ".join(f"R@{k}" for k in KS) + " | MRR | ms/query |",
        "|---" * (len(KS) + 3) + "|",
    ]
    for pipe, s in results.items():
        cells = " | ".join(f"{s.recall(k):.2f}" for k in KS)
        lines.append(f"| {pipe} | {cells} | {s.mrr():.3f} | {s.ms:.0f} |")
    return lines


def main(argv: Sequence[str] | None = None) -> dict[str, dict[str, Scores]]:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--embedding", required=True, type=Path, help="ONNX model folder")
    ap.add_argument("--reranker", type=Path, help="ONNX cross-encoder folder")
    ap.add_argument("--corpora", default="milvus,financebench,gnuplot")
    ap.add_argument(
        "--fusions",
        default="0.5@60,0.3@10,0.5@10,1@10,0.5@2",
        help="hybrid fusions to try: BM25 weight @ RRF k, comma-separated",
    )
    ap.add_argument("--work", type=Path, help="keep the stores here between runs")
    ap.add_argument("--limit", type=int, default=0, help="at most N questions per corpus")
    ap.add_argument(
        "--chunk-tokens",
        type=int,
        default=IngestOptions.chunk_tokens,
        help="chunk size in the model's tokens (give each size its own --work folder)",
    )
    ap.add_argument("--chunk-overlap", type=int, default=IngestOptions.chunk_overlap)
    ap.add_argument(
        "--pdf-engines",
        help="PDF text engines to try in order, e.g. pypdf (default: the reader's own); "
        "give each its own --work folder",
    )
    ap.add_argument(
        "--no-page-titles",
        action="store_true",
        help="read PDFs without an outline as before page titles (the baseline); give it "
        "its own --work folder",
    )
    args = ap.parse_args(argv)
    if args.no_page_titles:
        from desktop.core.ingest.readers import pdf

        pdf.PAGE_TITLES = False
    if args.pdf_engines:
        from desktop.core.ingest.readers import pdf

        pdf.ENGINES = tuple(args.pdf_engines.split(","))
    embedder = OnnxEmbedder(args.embedding)
    reranker = OnnxReranker(args.reranker) if args.reranker else None
    fusions = [
        Fusion(float(w), int(k)) for w, k in (f.split("@") for f in args.fusions.split(",") if f)
    ]
    results: dict[str, dict[str, Scores]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in args.corpora.split(","):
            corpus = load_corpus(name, work)
            if args.limit:
                corpus.questions = corpus.questions[: args.limit]
            options = IngestOptions(args.chunk_tokens, args.chunk_overlap)
            stores = build(corpus, work, embedder, options)
            try:
                runs = pipelines(stores, embedder, reranker, fusions)
                results[name] = {p: score(corpus, run) for p, run in runs.items()}
            finally:
                for s in stores.values():
                    s.close()
            print("\n".join(table(name, results[name])) + "\n", flush=True)
    sys.stdout.flush()
    return results


if __name__ == "__main__":
    main()
