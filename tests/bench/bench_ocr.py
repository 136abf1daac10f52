"""OCR speed and the ingestion of a scanned manual, on a pinned number of cores.

    python -m tests.bench.bench_ocr [--cores 2] [--pages 50] [--first 21] [--work DIR]
        [--embedding MODEL_DIR] [--scales 1.0,1.5,2.0,2.5] [--scale-pages 21,22,25,40]

1. Resolution: pages of the gnuplot manual (Debian's gnuplot-doc) are rendered by PDFium
   at each scale of ``--scales`` (1 = 72 dpi) and read by OCR; the table gives the seconds
   a page and the share of the text layer's words that OCR read right (in order, by
   difflib), which is how ``readers.pdf.OCR_SCALE`` was chosen. ``--scales ""`` skips it.
2. A scanned manual: ``--pages`` pages from ``--first`` rasterised at 150 dpi (grey) and
   saved by Pillow as an image-only PDF, then ingested into a fresh Milvus Lite store with
   the MiniLM test embedder (the default pipeline: OCR on the reader thread while the
   writer embeds); the same pages with their text layer, for comparison.

The process is pinned to ``--cores`` CPUs before the OCR engine is loaded (it takes its
thread count from them). Prints a table; not a test.
"""

from __future__ import annotations

import argparse
import difflib
import io
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.bench.bench_ingest import pin_cores

GNUPLOT = Path("/usr/share/doc/gnuplot/gnuplot.pdf")
DPI = 150


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def resolution_table(scales: list[float], pages: list[int]) -> list[tuple[str, ...]]:
    import pypdfium2 as pdfium

    from desktop.core.ingest.readers.ocr import ocr_image

    pdf = pdfium.PdfDocument(GNUPLOT)
    rows = []
    try:
        truth = {n: _words(pdf[n - 1].get_textpage().get_text_range()) for n in pages}
        ocr_image(pdf[pages[0] - 1].render(scale=1).to_numpy())  # load the engine first
        for scale in scales:
            seconds, right, total = 0.0, 0, 0
            for n in pages:
                t0 = time.perf_counter()
                pixels = pdf[n - 1].render(scale=scale, grayscale=True).to_numpy()
                got = _words(ocr_image(pixels))
                seconds += time.perf_counter() - t0
                match = difflib.SequenceMatcher(None, truth[n], got, autojunk=False)
                right += sum(b.size for b in match.get_matching_blocks())
                total += len(truth[n])
            rows.append(
                (
                    f"{scale:g}",
                    f"{72 * scale:.0f}",
                    f"{seconds / len(pages):.2f}",
                    f"{len(pages) / seconds:.3f}",
                    f"{100 * right / total:.1f}%",
                )
            )
    finally:
        pdf.close()
    return rows


def scanned_manual(first: int, pages: int) -> tuple[bytes, bytes]:
    """(an image-only PDF of the pages, the same pages as a text PDF)."""
    import pypdfium2 as pdfium

    manual = pdfium.PdfDocument(GNUPLOT)
    try:
        numbers = list(range(first, first + pages))
        images = [manual[n - 1].render(scale=DPI / 72, grayscale=True).to_pil() for n in numbers]
        scan = io.BytesIO()
        images[0].save(scan, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
        del images
        text = pdfium.PdfDocument.new()
        text.import_pages(manual, [n - 1 for n in numbers])
        out = io.BytesIO()
        text.save(out)
        text.close()
    finally:
        manual.close()
    return scan.getvalue(), out.getvalue()


def ingest_seconds(folder: Path, embedding: Path, store_path: Path) -> tuple[float, Any, float]:
    """(seconds, the run's Summary, the longest wait between two FileReading events)."""
    from desktop.core.embeddings.onnx import OnnxEmbedder
    from desktop.core.ingest.pipeline import FileReading, Summary, ingest
    from desktop.core.store.milvus import MilvusStore

    embedder = OnnxEmbedder(embedding)
    store = MilvusStore(str(store_path))
    try:
        t0 = time.perf_counter()
        summary: Summary | None = None
        last = t0
        gaps = []
        for event in ingest([folder], store, embedder):
            if isinstance(event, FileReading):
                now = time.perf_counter()
                gaps.append(now - last)
                last = now
            if isinstance(event, Summary):
                summary = event
        seconds = time.perf_counter() - t0
    finally:
        store.close()
    assert summary is not None and not summary.failed, summary
    return seconds, summary, max(gaps, default=0.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--pages", type=int, default=50)
    ap.add_argument("--first", type=int, default=21)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--embedding", type=Path)
    ap.add_argument("--scales", default="1.0,1.5,2.0,2.5")
    ap.add_argument("--scale-pages", default="21,22,25,40")
    args = ap.parse_args(argv)
    if not GNUPLOT.is_file():
        print(f"{GNUPLOT} is missing: apt-get install gnuplot-doc", file=sys.stderr)
        return 2
    cores = pin_cores(args.cores)
    from desktop.core.ingest.readers import ocr  # after pinning: its thread count

    print(f"cores: {cores}, OCR threads: {ocr.OCR_THREADS}")
    t0 = time.perf_counter()
    ocr.ocr_image(np.full((64, 64), 255, dtype=np.uint8))
    print(f"engine load: {time.perf_counter() - t0:.2f} s")

    scales = [float(s) for s in args.scales.split(",") if s]
    if scales:
        pages = [int(p) for p in args.scale_pages.split(",")]
        print(f"\nResolution (manual pages {', '.join(map(str, pages))}, rendered by PDFium)")
        print(f"{'scale':>6} {'dpi':>5} {'s/page':>7} {'pages/s':>8} {'words right':>12}")
        for row in resolution_table(scales, pages):
            print(f"{row[0]:>6} {row[1]:>5} {row[2]:>7} {row[3]:>8} {row[4]:>12}")

    embedding = args.embedding
    if embedding is None:
        from tests import models

        embedding = models.minilm_onnx()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        scan, text = scanned_manual(args.first, args.pages)
        rows = []
        for name, data in (("scanned (OCR)", scan), ("text layer", text)):
            folder = work / name.split()[0]
            folder.mkdir()
            (folder / "manual.pdf").write_bytes(data)
            seconds, summary, longest = ingest_seconds(folder, embedding, work / f"{name[:4]}.db")
            stages = summary.stages
            rows.append(
                (
                    name,
                    f"{seconds:.1f}",
                    f"{args.pages / seconds:.3f}",
                    f"{stages['chunk']:.1f}",
                    f"{stages['embed']:.1f}",
                    str(summary.chunks),
                    f"{longest:.1f}",
                )
            )
        print(
            f"\nIngestion of {args.pages} manual pages ({args.first}-{args.first + args.pages - 1})"
        )
        head = (
            "pdf",
            "seconds",
            "pages/s",
            "read+OCR s",
            "embed s",
            "chunks",
            "max s between pages",
        )
        print(f"{head[0]:<14} " + " ".join(f"{h:>10}" for h in head[1:]))
        for row in rows:
            print(f"{row[0]:<14} " + " ".join(f"{c:>10}" for c in row[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
