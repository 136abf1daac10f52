"""OCR'd text without the OCR engine: lines laid out from boxes, the OCR mark from a section
to its chunks and sources, bad images refused before OCR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.ingest.chunking import chunk_document
from desktop.core.ingest.document import Document, Section
from desktop.core.ingest.readers import ReadError, read_image, read_pdf, reader_for
from desktop.core.ingest.readers.base import TextBuilder
from desktop.core.ingest.readers.ocr import lay_out
from desktop.core.rag.prompt import format_source
from desktop.core.rag.retrieve import Source
from desktop.core.types import Chunk, split_ocr_mark

BAD = Path(__file__).resolve().parents[1] / "data" / "documents" / "bad"


def _box(x: float, y: float, w: float, h: float) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def test_boxes_become_lines_left_to_right_and_paragraphs_at_gaps() -> None:
    boxes = [
        _box(300, 102, 200, 20),  # right half of line 1, slightly lower: same line
        _box(10, 100, 250, 20),
        _box(10, 125, 400, 20),  # the next line, close below
        _box(10, 190, 300, 20),  # after a gap taller than a line: a new paragraph
    ]
    texts = ["world.", "Hello", "second   line", "New paragraph"]
    assert lay_out(boxes, texts) == "Hello world.\nsecond line\n\nNew paragraph"
    assert lay_out([], []) == ""
    assert lay_out([_box(0, 0, 10, 10)], ["  "]) == ""


def test_ocr_sections_mark_their_chunks_and_sources() -> None:
    builder = TextBuilder()
    builder.section("Intro", 1)
    builder.block("Typed text from the text layer.")
    builder.section("Intro", 2, ocr=True)
    builder.block("Scanned text read by OCR.")
    builder.section("", 3, ocr=True)
    builder.block("A scan with no heading.")
    doc = builder.build("mixed.pdf")
    assert [(s.page, s.ocr) for s in doc.sections] == [(1, False), (2, True), (3, True)]
    chunks = chunk_document(doc, size=1000, overlap=0)
    assert [(c.page, c.heading, c.ocr) for c in chunks] == [
        (1, "Intro", False),
        (2, "Intro (OCR)", True),
        (3, "(OCR)", True),
    ]
    # The embedder reads the heading without the mark: it says where text came from.
    assert chunks[1].embedding_text() == "Intro\n\nScanned text read by OCR."
    assert chunks[2].embedding_text() == "A scan with no heading."
    assert split_ocr_mark("Intro (OCR)") == ("Intro", True)
    assert split_ocr_mark("(OCR)") == ("", True)
    assert split_ocr_mark("Intro") == ("Intro", False)

    def source(chunk: Chunk) -> str:
        s = Source(1, chunk.path, chunk.page, chunk.heading, 1.0, chunk.text, 0, 0)
        return format_source(s).splitlines()[0]

    assert source(chunks[0]) == "[1] mixed.pdf — Intro (page 1)"
    assert source(chunks[1]) == "[1] mixed.pdf — Intro (page 2, OCR)"
    assert source(chunks[2]) == "[1] mixed.pdf (page 3, OCR)"


def test_a_heading_only_section_keeps_the_ocr_flag_of_the_next() -> None:
    text = "# Title\n\nbody read by OCR\n"
    doc = Document(
        "x.png", text, [Section(0, 7, "Title", 1, True), Section(9, 26, "Title", 1, True)]
    )
    (chunk,) = chunk_document(doc, size=1000, overlap=0)
    assert chunk.ocr and chunk.heading == "Title (OCR)"


def _png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, 255).save(buf, "PNG")
    return buf.getvalue()


def test_images_that_cannot_be_read_fail_with_their_reason() -> None:
    with pytest.raises(ReadError, match=r"^corrupt PNG: not an image Pillow recognises$"):
        read_image("notes.png", b"this is a text file named .png\n")
    truncated = _png((400, 300))
    with pytest.raises(ReadError, match=r"^corrupt PNG: "):
        read_image("cut.png", truncated[: len(truncated) // 2])
    jpeg = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(jpeg, "JPEG")
    with pytest.raises(ReadError, match=r"^corrupt JPEG: "):
        read_image("cut.jpg", jpeg.getvalue()[:300])


def test_a_tiff_bomb_is_refused_before_it_is_decoded() -> None:
    # 1-bit, compressed: a few kilobytes on disk, 400 megapixels once decoded.
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000), 1).save(bomb, "TIFF", compression="group4")
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(ReadError) as info:
        read_image("bomb.tif", bomb.getvalue())
    assert str(info.value) == "TIFF too large: 400 megapixels (the limit is 100 megapixels)"
    # Pillow checks the first frame only: a later one is checked against Fathom's limit.
    frames = io.BytesIO()
    huge = Image.new("1", (12_000, 10_000), 1)  # 120 MP: under Pillow's error, over ours
    Image.new("1", (50, 50), 1).save(
        frames, "TIFF", save_all=True, append_images=[huge], compression="group4"
    )
    pages: list[int] = []
    with pytest.raises(ReadError) as info:
        read_image("frames.tif", frames.getvalue(), lambda page, n, ocr: pages.append(page))
    assert str(info.value) == (
        "TIFF too large (frame 2 of 2): 12000 x 10000 pixels (the limit is 100 megapixels)"
    )
    assert pages == [1, 2]


def test_an_encrypted_pdf_fails_before_any_ocr() -> None:
    with pytest.raises(ReadError, match=r"^encrypted PDF \(password required\)$"):
        read_pdf("e.pdf", (BAD / "encrypted.pdf").read_bytes())


def test_reader_for_binds_the_page_hook_to_paged_readers_only() -> None:
    seen: list[tuple[int, int, bool]] = []
    bound = reader_for(Path("a.png"), on_page=lambda *page: seen.append(page))
    assert bound is not None and bound is not read_image
    assert reader_for(Path("a.md"), on_page=lambda *page: None) is reader_for(Path("a.md"))
    with pytest.raises(ReadError):
        bound("a.png", b"not an image")
    assert seen == []  # refused before its first page
