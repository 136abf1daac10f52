"""OCR with the real engine (RapidOCR, its bundled PP-OCR models), offline: images in English
and Chinese, multi-page TIFFs, scanned pages of a real manual (Debian's gnuplot-doc) in an
image-only PDF and among text pages, a photographed page; bad images in a folder fail alone.

Scans are made here: pages of the gnuplot manual rasterised at 150 dpi (pdftoppm where
poppler-utils is installed, else PDFium), saved as an image-only PDF by Pillow.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from desktop.core.ingest.readers import read_image, read_pdf

GNUPLOT = Path("/usr/share/doc/gnuplot/gnuplot.pdf")
DOCS = Path(__file__).resolve().parents[1] / "data" / "documents"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
DPI = 150

needs_gnuplot = pytest.mark.skipif(
    not GNUPLOT.is_file(), reason="the gnuplot manual (Debian's gnuplot-doc) is not installed"
)
pytestmark = pytest.mark.slow


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def scans(pages: list[int], tmp: Path) -> list[Image.Image]:
    """Pages of the gnuplot manual (from 1) as grey 150-dpi images."""
    if shutil.which("pdftoppm"):
        out: list[Image.Image] = []
        for n in pages:
            stem = tmp / f"page-{n}"
            cmd = ["pdftoppm", "-f", str(n), "-l", str(n), "-r", str(DPI), "-gray", "-png"]
            subprocess.run([*cmd, "-singlefile", str(GNUPLOT), str(stem)], check=True)
            with Image.open(f"{stem}.png") as im:
                out.append(im.convert("L"))
        return out
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(GNUPLOT)
    try:
        return [pdf[n - 1].render(scale=DPI / 72, grayscale=True).to_pil() for n in pages]
    finally:
        pdf.close()


def image_pdf(images: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return buf.getvalue()


def text_image(lines: list[str], font: Any, size: tuple[int, int] = (1400, 360)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((50, 40 + i * 80), line, fill="black", font=font)
    return image


def encoded(image: Image.Image, kind: str, **options: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, kind, **options)
    return buf.getvalue()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No socket may connect, and the engine is built afresh under that rule."""
    from desktop.core.ingest.readers import ocr

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(ocr, "_engine", None)
    yield


def test_images_in_english_and_chinese_are_read_offline(offline: None) -> None:
    font = ImageFont.truetype(str(FONT), 40)
    png = text_image(["The anemometer is mounted three", "metres above the roof ridge."], font)
    doc = read_image("note.png", encoded(png, "PNG"))
    assert _words(doc.text) == "the anemometer is mounted three metres above the roof ridge"
    assert [(s.page, s.ocr) for s in doc.sections] == [(1, True)]
    jpeg = read_image("note.jpg", encoded(png, "JPEG", quality=80))
    assert "roof ridge" in _words(jpeg.text)
    # Its ONNX Runtime sessions were built with threads that do not spin (ocr._no_spinning).
    from desktop.core.ingest.readers import ocr

    for step in (ocr._engine.text_det, ocr._engine.text_rec):
        options = step.session.session.get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.intra_op_num_threads == ocr.OCR_THREADS
    cjk = next((f for f in CJK_FONTS if f.is_file()), None)
    if cjk is None:
        pytest.skip("no Chinese font installed (fonts-wqy-microhei) to draw the test image")
    chinese = text_image(
        ["向量数据库存储嵌入向量", "Milvus 支持混合搜索"], ImageFont.truetype(str(cjk), 44)
    )
    doc = read_image("zh.png", encoded(chinese, "PNG"))
    assert doc.text.split("\n")[:2] == ["向量数据库存储嵌入向量", "Milvus 支持混合搜索"]


def test_a_multi_page_tiff_is_one_section_per_frame() -> None:
    font = ImageFont.truetype(str(FONT), 40)
    frames = [
        text_image(["Invoice number 4711"], font).convert("1"),
        text_image(["Payment due in thirty days"], font).convert("L"),
        Image.new("RGB", (400, 300), (200, 180, 150)),  # a blank page: a frame with no text
    ]
    data = encoded(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    pages: list[tuple[int, int, bool]] = []
    doc = read_image("letter.tiff", data, lambda *page: pages.append(page))
    assert pages == [(1, 3, True), (2, 3, True), (3, 3, True)]
    assert [(s.page, _words(doc.text[s.start : s.end])) for s in doc.sections] == [
        (1, "invoice number 4711"),
        (2, "payment due in thirty days"),
    ]


def test_a_photo_without_text_is_a_document_without_text() -> None:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:600, 0:800]
    sky = np.stack([100 + y / 6, 150 + x / 10, 220 - y / 8], axis=-1)
    photo = (sky + rng.normal(0, 6, sky.shape)).clip(0, 255).astype(np.uint8)
    doc = read_image("holiday.jpg", encoded(Image.fromarray(photo), "JPEG", quality=85))
    assert doc.text.strip() == "" and doc.sections == []


@needs_gnuplot
def test_mixed_pdf_keeps_its_text_pages_and_ocrs_the_scanned_one(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    manual = pdfium.PdfDocument(GNUPLOT)
    scanned = pdfium.PdfDocument(image_pdf(scans([22], tmp_path)))
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(manual, [20])  # page 21: text
    mixed.import_pages(scanned, [0])  # page 22: a scan
    mixed.import_pages(manual, [22])  # page 23: text
    buf = io.BytesIO()
    mixed.save(buf)
    layer = [_words(manual[i].get_textpage().get_text_range()) for i in (20, 22)]
    for pdf in (mixed, scanned, manual):
        pdf.close()
    pages: list[tuple[int, int, bool]] = []
    doc = read_pdf("mixed.pdf", buf.getvalue(), lambda *page: pages.append(page))
    assert pages == [(1, 3, False), (2, 3, True), (3, 3, False)]
    by_page = {s.page: (s.ocr, _words(doc.text[s.start : s.end])) for s in doc.sections}
    assert sorted(by_page) == [1, 2, 3]
    assert by_page[1] == (False, layer[0]) and by_page[3] == (False, layer[1])
    ocr, text = by_page[2]
    assert ocr
    assert "the command language of gnuplot is case sensitive" in text
    assert "all command names may be abbreviated" in text


@needs_gnuplot
def test_a_photographed_page_gives_its_key_words(tmp_path: Path) -> None:
    (page,) = scans([22], tmp_path)
    tilted = page.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=230)
    rng = np.random.default_rng(22)
    pixels = np.asarray(tilted, dtype=np.float32) * 0.85 + 20  # grey paper, weaker ink
    pixels += rng.normal(0, 14, pixels.shape)
    photo = Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.8)
    )
    doc = read_image("photo.jpg", encoded(photo, "JPEG", quality=70))
    text = _words(doc.text)
    for words in ("case sensitive", "lowercase", "abbreviated", "semicolons", "double quotes"):
        assert words in text, words


@needs_gnuplot
def test_an_image_only_pdf_answers_a_paraphrased_question_with_the_right_page(
    onnx_model_dir: Path, tmp_path: Path
) -> None:
    from desktop.core.embeddings.onnx import OnnxEmbedder
    from desktop.core.ingest.pipeline import FileDone, FileReading, Summary, ingest
    from desktop.core.rag.retrieve import retrieve
    from desktop.core.store.milvus import MilvusStore

    folder = tmp_path / "scans"
    folder.mkdir()
    # Manual pages 21, 22 and 25 are pages 1, 2 and 3 of the scan.
    (folder / "manual-scan.pdf").write_bytes(image_pdf(scans([21, 22, 25], tmp_path)))
    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(str(tmp_path / "s.db"))
    try:
        events = list(ingest([folder], store, embedder))
        summary = events[-1]
        assert isinstance(summary, Summary) and summary.added == 1, summary.failed
        pages = {(e.page, e.ocr) for e in events if isinstance(e, FileReading)}
        assert pages and all(ocr for _, ocr in pages)
        (done,) = [e for e in events if isinstance(e, FileDone)]
        assert done.chunks > 0
        # From tests/data/recall/gnuplot.jsonl: manual page 22, then page 25.
        questions = [
            ("Does it matter whether I type gnuplot commands in upper or lower case?", 2),
            ("How can I put a PNG logo somewhere on my graph without it getting stretched "
             "by the axis scaling?", 3),
        ]  # fmt: skip
        expects = ["the command language of gnuplot is case sensitive", "pixmap objects retain"]
        for (question, page), expect in zip(questions, expects, strict=True):
            top = retrieve(store, embedder, question, 3, "hybrid")[0]
            # The passage may run on from the page before (its chunks join over the break).
            # A PDF without an outline heads its passages with its name (and page titles).
            assert top.page <= page <= top.last_page, (question, top)
            assert top.heading.startswith("manual-scan") and top.heading.endswith("(OCR)"), top
            assert expect in _words(top.text)
    finally:
        store.close()


def test_bad_inputs_fail_alone_and_finished_files_are_not_read_again(
    onnx_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.core.embeddings.onnx import OnnxEmbedder
    from desktop.core.ingest.pipeline import FileDone, Summary, ingest
    from desktop.core.ingest.readers import image, ocr
    from desktop.core.store.milvus import MilvusStore

    folder = tmp_path / "inbox"
    folder.mkdir()
    font = ImageFont.truetype(str(FONT), 40)
    (folder / "receipt.png").write_bytes(
        encoded(text_image(["Receipt for twelve anemometer cups"], font), "PNG")
    )
    rng = np.random.default_rng(3)
    noise = rng.normal(128, 30, (300, 400, 3)).clip(0, 255).astype(np.uint8)
    (folder / "photo.jpg").write_bytes(
        encoded(Image.fromarray(noise).filter(ImageFilter.GaussianBlur(4)), "JPEG")
    )
    (folder / "corrupt.png").write_bytes(b"not an image at all\n")
    (folder / "bomb.tif").write_bytes(
        encoded(Image.new("1", (20_000, 20_000), 1), "TIFF", compression="group4")
    )
    shutil.copy(DOCS / "bad" / "encrypted.pdf", folder / "encrypted.pdf")
    shutil.copy(DOCS / "good" / "scanned.pdf", folder / "scanned.pdf")
    calls: list[int] = []
    real = ocr.ocr_image

    def counted(pixels: Any) -> str:
        calls.append(1)
        return real(pixels)

    monkeypatch.setattr(image, "ocr_image", counted)
    monkeypatch.setattr(ocr, "ocr_image", counted)
    embedder = OnnxEmbedder(onnx_model_dir)
    store = MilvusStore(str(tmp_path / "s.db"))
    try:
        events = list(ingest([folder], store, embedder))
        summary = events[-1]
        assert isinstance(summary, Summary)
        failed = {Path(p).name: why for p, why in summary.failed}
        assert failed == {
            "corrupt.png": "corrupt PNG: not an image Pillow recognises",
            "bomb.tif": "TIFF too large: 400 megapixels (the limit is 100 megapixels)",
            "encrypted.pdf": "encrypted PDF (password required)",
        }
        done = {Path(e.path).name: (e.status, e.chunks) for e in events if isinstance(e, FileDone)}
        assert done["receipt.png"] == ("added", 1)
        assert done["photo.jpg"] == ("added", 0)  # no text: recorded, not an error
        assert done["scanned.pdf"] == ("added", 1)
        assert len(calls) == 3
        calls.clear()
        again = list(ingest([folder], store, embedder))
        statuses = {Path(e.path).name: e.status for e in again if isinstance(e, FileDone)}
        assert [statuses[n] for n in ("receipt.png", "photo.jpg", "scanned.pdf")] == [
            "unchanged"
        ] * 3
        assert calls == []  # nothing OCR'd twice
    finally:
        store.close()


def test_a_page_scanned_upside_down_is_read_the_right_way_up() -> None:
    font = ImageFont.truetype(str(FONT), 36)
    lines = [
        "Fold the bracket along the dotted line and",
        "fasten it to the mast with the two clamps.",
        "Tighten the nuts by hand, then a quarter turn.",
    ]
    page = text_image(lines, font, (1200, 320)).rotate(180)
    doc = read_image("upside-down.png", encoded(page, "PNG"))
    assert _words(doc.text) == _words(" ".join(lines))
