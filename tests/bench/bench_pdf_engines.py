"""PDF text engines side by side on the FinanceBench filings: speed, table rows kept
whole, and retrieval of the evidence pages, all in one run.

    python -m tests.bench.bench_pdf_engines --embedding MODEL_DIR
        [--engines pypdf,pdfium,pdfplumber,pdfminer] [--pdfs DIR] [--work DIR]
    python -m tests.bench.bench_pdf_engines --memory FILE.pdf [--embedding MODEL_DIR]

Engines (each page's text goes through the reader's own clean-up, ``pdf._clean``):
- ``pypdf``: ``page.extract_text()``, the reader's fallback.
- ``pdfium``: PDFium's text page (pypdfium2), the reader's first engine.
- ``pdfplumber``: pdfplumber's ``extract_text()``: characters grouped into lines by
  position (pdfminer.six underneath), made for tables.
- ``pdfminer``: pdfminer.six's own layout analysis (text boxes, so columns apart).

Per engine: pages per second (the text only: no OCR, no outline); rows kept: lines with a
label and 2 or more figures ("Total current assets 14,688 15,403") found by any engine on
any page, and the share of them that the engine gives on one line of the same page; then
each engine's pages made a Document as the reader makes it (``pdf._document``, with the
outline PDFium reads, so only the text differs), ingested into a Lite store of its own
with the same model, and the questions scored as ``bench_recall``'s ``financebench``
corpus scores them (a top-k source from the question's file covering an evidence page).

``--memory FILE``: the app's ingestion of one PDF in this process (its own reader, OCR
included), and the peak resident memory it took, with the pages; run it once per file,
in a fresh process, so that one peak is not another's.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import resource
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from desktop.core.ingest.readers import pdf
from tests.bench.bench_recall import KS, SHARED, Corpus, Scores, load_corpus, score

ENGINES = ("pypdf", "pdfium", "pdfplumber", "pdfminer")
MODES = ("dense", "bm25", "hybrid")
TOP = 5  # the measure: evidence page among the first 5 sources

# A figure in a financial table: 14,688  (1,234)  $ 15.4  12.5 %  -3
_NUMBER = r"\(?-?\$?\s?\d[\d,]*(?:\.\d+)?\)?\s?%?"
# A row: a label (letters first, no figures in it) and then 2 or more figures, to the end.
_LABEL = r"[A-Za-z][A-Za-z ,.'&/()\-]*[A-Za-z)]"
ROW = re.compile(rf"^(?P<label>{_LABEL})[ .:]*\s(?P<nums>{_NUMBER}(?:\s+{_NUMBER})+)$")


def norm_line(line: str) -> str:
    """A line compared as a reader sees it: no dollar signs, one space between words."""
    line = line.replace("$", " ")
    line = re.sub(r"\(\s+", "(", line)
    line = re.sub(r"\s+\)", ")", line)
    line = re.sub(r"\s+%", "%", line)
    return " ".join(line.split())


def rows(text: str) -> set[str]:
    """The table rows on a page: each a label and its figures, normalised."""
    out = set()
    for line in text.splitlines():
        line = norm_line(line)
        m = ROW.match(line)
        if m and len(m["label"]) >= 4 and sum(c.isalpha() for c in m["label"]) >= 3:
            out.add(f"{m['label']} {' '.join(m['nums'].split())}")
    return out


def kept(row: str, text: str) -> bool:
    """Whether one line of the page holds the row: its label and then its figures."""
    return any(row in norm_line(line) for line in text.splitlines())


# --- the engines: every page's text, cleaned as the reader cleans it ---------------------


def pypdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(path.read_bytes()), strict=False)
        return [pdf._clean(page.extract_text()) for page in reader.pages]


def pdfium_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path.read_bytes())
    texts = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            texts.append(pdf._clean(textpage.get_text_range()))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return texts


def pdfplumber_pages(path: Path) -> list[str]:
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(path) as doc:
        texts = []
        for page in doc.pages:
            texts.append(pdf._clean(page.extract_text() or ""))
            page.close()  # its cached characters and objects
        return texts


def pdfminer_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    texts = []
    for layout in extract_pages(path, laparams=LAParams()):
        parts = [box.get_text() for box in layout if isinstance(box, LTTextContainer)]
        texts.append(pdf._clean("\n".join(parts)))
    return texts


PAGES: dict[str, Callable[[Path], list[str]]] = {
    "pypdf": pypdf_pages,
    "pdfium": pdfium_pages,
    "pdfplumber": pdfplumber_pages,
    "pdfminer": pdfminer_pages,
}


def outline(path: Path) -> dict[int, list[tuple[str, str]]]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        return pdf._pdfium_outline(doc)
    finally:
        doc.close()


@dataclass
class Extracted:
    engine: str
    texts: dict[str, list[str]] = field(default_factory=dict)  # file name -> pages
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        return sum(len(t) for t in self.texts.values())

    def rate(self) -> float:
        return self.pages / max(self.seconds, 1e-9)


def extract(engine: str, files: Sequence[Path]) -> Extracted:
    out = Extracted(engine)
    for path in files:
        t0 = time.perf_counter()
        out.texts[path.name] = PAGES[engine](path)
        out.seconds += time.perf_counter() - t0
    return out


def row_integrity(runs: Sequence[Extracted]) -> tuple[int, dict[str, float]]:
    """The rows that any engine finds (file, page, row), and the share of them that each
    engine keeps on one line of that page."""
    found: set[tuple[str, int, str]] = set()
    for run in runs:
        for name, texts in run.texts.items():
            for number, text in enumerate(texts, start=1):
                found |= {(name, number, r) for r in rows(text)}
    shares = {}
    for run in runs:
        hits = 0
        for name, number, row in found:
            texts = run.texts.get(name, [])
            hits += number <= len(texts) and kept(row, texts[number - 1])
        shares[run.engine] = hits / max(1, len(found))
    return len(found), shares


# --- retrieval: each engine's pages as the reader's Document, ingested and scored ---------


@contextmanager
def reading(run: Extracted, marks: dict[str, dict[int, list[tuple[str, str]]]]) -> Iterator[None]:
    """The PDF reader gives this engine's pages (already read) for the files it has."""
    original = pdf.read_pdf

    def read(path: str, data: bytes, on_page: Any = None) -> Any:
        name = Path(path).name
        if name not in run.texts:
            return original(path, data, on_page)
        texts = run.texts[name]
        return pdf._document(path, list(texts), [False] * len(texts), marks[name])

    pdf.read_pdf = read
    try:
        yield
    finally:
        pdf.read_pdf = original


def retrieval(
    run: Extracted,
    corpus: Corpus,
    marks: dict[str, dict[int, list[tuple[str, str]]]],
    work: Path,
    embedder: Any,
) -> tuple[dict[str, Scores], int]:
    from desktop.core.ingest.pipeline import ingest
    from desktop.core.rag.retrieve import retrieve
    from desktop.core.store.milvus import MilvusStore

    store = MilvusStore(str(work / f"{run.engine}.db"), library=run.engine)
    try:
        with reading(run, marks):
            for _ in ingest([corpus.root], store, embedder):
                pass
        depth = max(KS)
        out = {
            mode: score(corpus, lambda q, m=mode: retrieve(store, embedder, q, depth, m))
            for mode in MODES
        }
        return out, store.count()
    finally:
        store.close()


def load(args: argparse.Namespace) -> Corpus:
    corpus = load_corpus("financebench", args.work or Path(tempfile.gettempdir()))
    if args.pdfs:
        corpus.root = args.pdfs
    return corpus


def table(runs: Sequence[Extracted], found: int, shares: dict[str, float], recall: Any) -> str:
    head = f"| engine | pages | pages/s | rows kept (of {found}) | chunks |"
    head += "".join(f" {m} R@{TOP} |" for m in MODES) + " hybrid R@1 | hybrid R@10 |"
    lines = [head, "|---" * (5 + len(MODES) + 2) + "|"]
    for run in runs:
        scores, chunks = recall.get(run.engine, ({}, 0))
        cells = [f"{scores[m].recall(TOP):.2f}" if m in scores else "-" for m in MODES]
        h = scores.get("hybrid")
        cells += [f"{h.recall(1):.2f}", f"{h.recall(10):.2f}"] if h else ["-", "-"]
        lines.append(
            f"| {run.engine} | {run.pages} | {run.rate():.1f} | {shares[run.engine]:.2f} | "
            f"{chunks or '-'} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def page_texts(engine: str, path: Path, number: int) -> str:
    """One page's text by one engine: the page copied alone into a PDF of its own."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(path))
    one = pdfium.PdfDocument.new()
    try:
        one.import_pages(src, [number - 1])
        with tempfile.TemporaryDirectory() as tmp:
            single = Path(tmp) / "page.pdf"
            one.save(str(single))
            return PAGES[engine](single)[0]
    finally:
        one.close()
        src.close()


def squash(text: str) -> str:
    """Text compared without its spaces and hyphens: engines space words (and mark a
    hyphen at a line's end) each their own way."""
    return re.sub(r"[\s\-\u00ad\ufffe\u2010]+", "", text)


def columns(path: Path, number: int, engines: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    """Reading order on a page of two columns. The truth: each half of the page read on
    its own (pdfplumber cropped at the middle). Each engine's lines of 3 words or more are
    put in the column whose text holds them; a line in neither mixes the columns (or is
    garbled). Per engine: lines, lines mixed, and column changes along the page (1 when
    read column by column; more when read across)."""
    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(path) as doc:
        page = doc.pages[number - 1]
        mid = page.width / 2
        halves = [
            squash(page.crop((x0, 0, x1, page.height)).extract_text() or "")
            for x0, x1 in ((0, mid), (mid, page.width))
        ]
    out = {}
    for engine in engines:
        lines = [norm_line(x) for x in page_texts(engine, path, number).splitlines()]
        lines = [x for x in lines if len(x.split()) >= 3]
        sides = []
        for line in lines:
            inside = [i for i, half in enumerate(halves) if squash(line) in half]
            sides.append(inside[0] if len(inside) == 1 else -1 if not inside else None)
        mixed = sides.count(-1)
        order = [x for x in sides if x is not None and x >= 0]
        changes = sum(1 for a, b in pairwise(order) if a != b)
        out[engine] = (len(lines), mixed, changes)
        print(f"{engine}: {len(lines)} lines, {mixed} in neither column, {changes} column changes")
        for line, side in zip(lines, sides, strict=True):
            if side == -1:
                print(f"    mixed: {line[:110]}")
    return out


def memory(path: Path, embedding: Path | None) -> dict[str, float]:
    """Ingest one PDF as the app does (its reader, OCR and all) and give the pages, the
    seconds and the peak resident memory of this process."""
    import pypdfium2 as pdfium

    from desktop.core.ingest.pipeline import Summary, ingest
    from desktop.core.store.milvus import MilvusStore

    doc = pdfium.PdfDocument(str(path))
    pages = len(doc)
    doc.close()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    if embedding is None:  # the reader only
        document = pdf.read_pdf(str(path), path.read_bytes())
        chunks = len(document.sections or [])
    else:
        from desktop.core.embeddings.onnx import OnnxEmbedder

        embedder = OnnxEmbedder(embedding)
        with tempfile.TemporaryDirectory() as tmp:
            store = MilvusStore(str(Path(tmp) / "memory.db"), library="memory")
            try:
                events = list(ingest([path], store, embedder))
                summary = next(e for e in events if isinstance(e, Summary))
                chunks = summary.chunks
            finally:
                store.close()
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{path}: {pages} pages, {path.stat().st_size / 2**20:.1f} MiB, "
        f"{'reader only' if embedding is None else 'ingested'}: {chunks} "
        f"{'sections' if embedding is None else 'chunks'} in {seconds:.0f} s; "
        f"peak RSS {peak:.0f} MiB (before: {before:.0f} MiB)",
        flush=True,
    )
    return {"pages": pages, "seconds": seconds, "peak_mib": peak, "before_mib": before}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--embedding", type=Path, help="ONNX model folder (retrieval, --memory)")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--pdfs", type=Path, help="the PDFs (default: the FinanceBench filings)")
    ap.add_argument("--work", type=Path, help="a folder for the stores (default: temporary)")
    ap.add_argument("--memory", type=Path, help="only: ingest this PDF and give its peak RSS")
    ap.add_argument("--columns", type=Path, help="only: reading order on a two-column page")
    ap.add_argument("--page", type=int, default=2, help="the page for --columns (from 1)")
    args = ap.parse_args(argv)
    if args.columns:
        return columns(args.columns, args.page, args.engines.split(","))
    if args.memory:
        return memory(args.memory, args.embedding)
    corpus = load(args)
    files = sorted(corpus.root.glob("*.pdf"))
    if not files:
        raise SystemExit(f"no PDFs in {corpus.root} ({SHARED / 'eval' / 'financebench_dev'})")
    runs = []
    for engine in args.engines.split(","):
        runs.append(extract(engine, files))
        print(f"{engine}: {runs[-1].pages} pages in {runs[-1].seconds:.1f} s", flush=True)
    found, shares = row_integrity(runs)
    if args.work:  # the pages each engine read, to look at afterwards
        args.work.mkdir(parents=True, exist_ok=True)
        for run in runs:
            (args.work / f"{run.engine}.json").write_text(json.dumps(run.texts), encoding="utf-8")
    recall: dict[str, tuple[dict[str, Scores], int]] = {}
    if args.embedding:
        from desktop.core.embeddings.onnx import OnnxEmbedder

        embedder = OnnxEmbedder(args.embedding)
        marks = {path.name: outline(path) for path in files}
        with tempfile.TemporaryDirectory() as tmp:
            work = args.work or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            for run in runs:
                t0 = time.perf_counter()
                recall[run.engine] = retrieval(run, corpus, marks, work, embedder)
                print(
                    f"{run.engine}: {recall[run.engine][1]} chunks, ingested and scored in "
                    f"{time.perf_counter() - t0:.0f} s",
                    flush=True,
                )
    print(f"\n{len(corpus.questions)} questions, {len(files)} files\n")
    print(table(runs, found, shares, recall), flush=True)
    return {"runs": runs, "rows": found, "shares": shares, "recall": recall}


if __name__ == "__main__":
    main()
