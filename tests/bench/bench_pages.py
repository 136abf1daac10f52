"""Contents and index pages among the top sources, and passages across page breaks.

    python -m tests.bench.bench_pages --embedding MODEL_DIR --work DIR [--corpora A,B]

Reads the libraries that ``tests.bench.bench_recall --work DIR`` built (run it first, with
the same DIR), asks each dev question as the app does (hybrid, 5 sources) and prints per
corpus: recall@1/@5, how many of the top-5 sources lie on a contents or index page, how
many questions have one among their top 5, and how many chunks run on over a page break.

A source counts as on a contents or index page by the pages of the PDF itself, read
apart from the library: ``page_kind`` on each page's text (desktop.core.ingest.contents),
and, for the gnuplot manual, the pages its own outline gives to "Contents" and "Index"
(checked by hand: 2-20 and 304-311), so libraries built before chunks had a kind are
measured the same way.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.contents import page_kind
from desktop.core.ingest.scan import scan
from desktop.core.rag.retrieve import Source, retrieve
from desktop.core.store.milvus import MilvusStore
from tests.bench.bench_recall import load_corpus

K = 5
# The gnuplot manual's contents and index, by hand (its outline and a look at the pages).
BY_HAND = {"gnuplot.pdf": set(range(2, 21)) | set(range(304, 312))}


def kinds_by_page(root: Path) -> dict[str, set[int]]:
    """The contents and index pages of each PDF under ``root``, by ``page_kind``."""
    import pypdfium2 as pdfium

    out: dict[str, set[int]] = {}
    for path in scan([root]).files:
        if path.suffix.lower() != ".pdf":
            continue
        pdf = pdfium.PdfDocument(str(path))
        try:
            out[path.name] = {
                i + 1 for i in range(len(pdf)) if page_kind(pdf[i].get_textpage().get_text_range())
            }
        finally:
            pdf.close()
    return out


_TOC_ENTRY = re.compile(r"^(?P<title>[A-Za-z][\w -]{3,40}?)[ .]+(?P<page>[0-9]{1,3})$")


def where_questions(pdf_path: Path, pages: set[int], every: int = 4) -> list[tuple[str, int]]:
    """'Which page ...' questions from a manual's own contents entries (every ``every``th
    one of two words or more): the question, and the page the entry names."""
    import pypdfium2 as pdfium

    entries: list[tuple[str, int]] = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for number in sorted(pages):
            text = str(pdf[number - 1].get_textpage().get_text_range())
            for line in text.splitlines():
                m = _TOC_ENTRY.match(" ".join(line.split()))
                if m and len(m.group("title").split()) >= 2:
                    entries.append((m.group("title").strip(" ."), int(m.group("page"))))
    finally:
        pdf.close()
    return [(f"Which page of the manual covers {t.lower()}?", p) for t, p in entries[::every]]


def _pages(source: Source) -> range:
    return range(source.page, max(source.page, getattr(source, "page_end", 0)) + 1)


def spanning(store: MilvusStore) -> tuple[int, int]:
    """(chunks, chunks whose last page is past their first) in the library."""
    try:
        from desktop.core.store.schema import PAGE_SCHEMAS
    except ImportError:  # a checkout from before passages ran on over page breaks
        PAGE_SCHEMAS = frozenset()  # noqa: N806
    total = store.count()
    if store.schema not in PAGE_SCHEMAS:
        return total, 0
    rows = store._client.query(
        store.chunks_name, filter="", output_fields=["page", "page_end"], limit=16384
    )
    return total, sum(1 for r in rows if int(r["page_end"]) > int(r["page"]))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--embedding", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path, help="bench_recall's --work folder")
    ap.add_argument("--corpora", default="gnuplot,financebench")
    args = ap.parse_args(argv)
    embedder = OnnxEmbedder(args.embedding)
    where = ""
    print(
        "| corpus | chunks | across a page break | R@1 | R@5 | top-5 sources on contents/"
        "index pages (detector) | (by hand) | questions with one in top 5 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in args.corpora.split(","):
        corpus = load_corpus(name, args.work)
        flagged = kinds_by_page(corpus.root if corpus.root.is_dir() else corpus.root.parent)
        store = MilvusStore(str(args.work / f"{corpus.store or corpus.name}.db"), library="main")
        try:
            store.open_existing()
            chunks, across = spanning(store)
            r1 = r5 = on_contents = by_hand = questions = 0
            for q in corpus.questions:
                sources = retrieve(store, embedder, q["q"], K, "hybrid")
                rank = next((s.rank for s in sources if corpus.found(s, q)), None)
                r1 += rank == 1
                r5 += rank is not None and rank <= K
                hits = [
                    s for s in sources if flagged.get(Path(s.path).name, set()) & set(_pages(s))
                ]
                on_contents += len(hits)
                questions += bool(hits)
                hand = BY_HAND.get(Path(corpus.root).name)
                if hand is not None:
                    by_hand += sum(1 for s in sources if hand & set(_pages(s)))
            if name == "gnuplot":
                asked = where_questions(corpus.root, BY_HAND["gnuplot.pdf"] & set(range(21)))
                listed = on_page = 0
                for question, page in asked:
                    sources = retrieve(store, embedder, question, K, "hybrid")
                    listed += any(flagged["gnuplot.pdf"] & set(_pages(s)) for s in sources)
                    on_page += any(page in _pages(s) for s in sources)
                where = (
                    f"{name}: {len(asked)} 'which page' questions from its contents: a contents "
                    f"or index page in the top 5 for {listed}, the page named for {on_page}"
                )
        finally:
            store.close()
        n = max(1, len(corpus.questions))
        hand_cell = str(by_hand) if Path(corpus.root).name in BY_HAND else "-"
        print(
            f"| {name} ({len(corpus.questions)} q) | {chunks} | {across} | {r1 / n:.2f} | "
            f"{r5 / n:.2f} | {on_contents} | {hand_cell} | {questions} |",
            flush=True,
        )
    if where:
        print(where)


if __name__ == "__main__":
    main()
