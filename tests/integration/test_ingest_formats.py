"""Every document format through the real pipeline: readers, chunking, the ONNX embedder
and a Milvus Lite store; then retrieval finds passages with their page or heading."""

from __future__ import annotations

from pathlib import Path

from desktop.core.store.milvus import MilvusStore

DOCS = Path(__file__).resolve().parents[1] / "data" / "documents"
GOOD = DOCS / "good"
BAD = DOCS / "bad"

BAD_REASONS = {
    "corrupt.pdf": "corrupt PDF: no PDF header (not a PDF file)",
    "truncated.pdf": "truncated PDF: the end of the file is missing (incomplete download?)",
    "encrypted.pdf": "encrypted PDF (password required)",
    "corrupt.docx": "corrupt DOCX: not a valid Office file (File is not a zip file)",
    "truncated.pptx": "corrupt PPTX: not a valid Office file (File is not a zip file)",
    "no-container.epub": "corrupt EPUB: META-INF/container.xml is missing",
    "empty.csv": "empty CSV (no rows)",
}


def test_every_format_is_ingested_and_retrieved(onnx_model_dir: Path, tmp_path: Path) -> None:
    from desktop.core.embeddings.onnx import OnnxEmbedder
    from desktop.core.ingest.pipeline import FileDone, Summary, ingest
    from desktop.core.rag.retrieve import retrieve

    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(str(tmp_path / "s.db"))
    try:
        events = list(ingest([GOOD, BAD], store, embedder))
        summary = events[-1]
        assert isinstance(summary, Summary)
        done = [e for e in events if isinstance(e, FileDone)]
        added = {Path(e.path).name: e.chunks for e in done if e.status == "added"}
        assert sorted(added) == sorted(p.name for p in GOOD.iterdir())
        assert all(n > 0 for n in added.values()), added
        assert {Path(p).name: reason for p, reason in summary.failed} == BAD_REASONS
        assert summary.chunks == sum(added.values()) == store.count()

        question = "How high above the roof ridge should the anemometer be mounted?"
        hits = retrieve(store, embedder, question, 10, "hybrid")
        pdf = next(h for h in hits if Path(h.path).name == "handbook.pdf")
        assert pdf.page == 2
        assert pdf.heading == "Installation > Choosing a site"
        assert "at least 3 metres above the roof ridge" in pdf.text
        docx = next(h for h in hits if Path(h.path).name == "handbook.docx")
        assert docx.heading == ("Kestrel Weather Station Handbook > Installation > Choosing a site")
        assert docx.page == 0
        assert "at least 3 metres above the roof ridge" in docx.text

        hits = retrieve(store, embedder, "cidre bouché fermentation temperature", 3, "hybrid")
        slide = next(h for h in hits if Path(h.path).name == "slides.pptx")
        assert (slide.page, slide.heading) == (3, "Cellar and cider")
        assert "fermentation at 12 °C" in slide.text

        hits = retrieve(store, embedder, "delivery of anemometer cups", 3, "hybrid")
        scan = next(h for h in hits if Path(h.path).name == "scanned.pdf")  # read by OCR
        assert (scan.page, scan.heading) == (1, "Page 1 (OCR)")
        assert "Shipment of 12 anemometer cups" in scan.text
    finally:
        store.close()
