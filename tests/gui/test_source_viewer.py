"""The source viewer on real files in a real library: a PDF page with the passage's text
boxes highlighted, DOCX and Markdown text at the passage, files moved or changed since
they were indexed. Geometry is checked, not pixels: the highlight rectangles against the
passage's character boxes as pypdfium2 (another PDFium binding) reports them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont, QTextCursor
from pytestqt.qtbot import QtBot

from desktop.core.ingest.readers import reader_for
from desktop.core.rag.citations import verify_citations
from desktop.core.rag.retrieve import Source, retrieve
from desktop.gui.backend import source_dicts
from desktop.gui.chat_view import AnswerWidget, SourceRow, short_location
from desktop.gui.main_window import MainWindow
from desktop.gui.text_match import words as word_spans
from tests.gui.test_main_window import DOCS, ingest_by_drop, open_window


@pytest.fixture
def library(tmp_path: Path) -> Path:
    out = tmp_path / "library"
    out.mkdir()
    for name in ("handbook.pdf", "handbook.docx", "checklist.md"):
        shutil.copy(DOCS / "good" / name, out / name)
    return out


@pytest.fixture
def window(
    qtbot: QtBot, fathom_home: Path, library: Path, onnx_model_dir: Path, monkeypatch: Any
) -> MainWindow:
    monkeypatch.setenv("FATHOM_EMBEDDING__MODEL", str(onnx_model_dir))
    w = open_window(qtbot, fathom_home, load_model=False)
    ingest_by_drop(qtbot, w, library)
    return w


def sources_in(window: MainWindow, path: Path, question: str, k: int = 3) -> list[Source]:
    store = window.backend.store()
    embedder = window.backend.library().query_embedder()
    found = retrieve(store, embedder, question, k, within=[str(path)])
    assert len(found) >= 2, found
    return found


def answer_citing(window: MainWindow, sources: list[Source], answer: str) -> AnswerWidget:
    widget = window.chat.add_answer()
    citations = [c.to_json() for c in verify_citations(answer, sources)]
    widget.finish(answer, "", source_dicts(sources), citations)
    return widget


def click_source(qtbot: QtBot, window: MainWindow, widget: AnswerWidget, rank: int) -> None:
    rows = [r for r in widget.sources_box.findChildren(SourceRow) if r.source["rank"] == rank]
    with qtbot.waitSignal(window.preview.loaded, timeout=30_000):
        rows[0].clicked.emit(rows[0].source)


def char_boxes(pdf: Path, page: int, text: str) -> list[QRectF]:
    """Where the first words of ``text`` are on the page, in points from the top left."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        p = doc[page - 1]
        height = p.get_height()
        textpage = p.get_textpage()
        probe = " ".join(text.split()[:4])
        hit = textpage.search(probe).get_next()
        assert hit is not None, f"{probe!r} not on page {page}"
        first, count = hit
        boxes = []
        for i in range(first, first + count):
            left, bottom, right, top = textpage.get_charbox(i)
            if right > left:
                boxes.append(QRectF(left, height - top, right - left, top - bottom))
        return boxes
    finally:
        doc.close()


def test_clicking_source_2_opens_its_pdf_page_with_the_passage_highlighted(
    qtbot: QtBot, window: MainWindow, library: Path
) -> None:
    pdf = (library / "handbook.pdf").resolve()
    sources = sources_in(window, pdf, "What does error E-17 mean on the display?")
    second = sources[1]
    quote = " ".join(second.text.split()[3:10])
    widget = answer_citing(window, sources, f'It says "{quote}" [2].')
    assert widget.unverified == {}  # the quote is in source 2: verified
    click_source(qtbot, window, widget, 2)
    viewer, pane = window.preview, window.preview.pdf
    assert viewer.isVisible() and viewer.stack.currentWidget() is pane
    assert viewer.state == "ok" and viewer.highlighted and not viewer.notice.isVisible()
    assert pane.page == second.page and pane.pages == 4
    qtbot.waitUntil(lambda: not pane.canvas.image.isNull(), timeout=30_000)
    rects = pane.canvas.rects
    assert rects, "no highlight on the source's page"
    boxes = char_boxes(pdf, second.page, second.text)
    hit = [b for b in boxes if any(r.intersects(b) for r in rects)]
    assert len(hit) >= 0.9 * len(boxes), (rects, boxes)
    quote_boxes = char_boxes(pdf, second.page, quote)
    assert pane.canvas.quotes and all(
        any(q.intersects(b) for q in pane.canvas.quotes) for b in quote_boxes
    )
    # scrolled so the passage is in view
    top = min(r.top() for r in rects) * pane.canvas.scale
    bar = pane.area.verticalScrollBar()
    assert bar.value() <= top <= bar.value() + pane.area.viewport().height()

    # pages, zoom, fit width, and the text after the passage
    page = pane.page
    pane.next_page.click() if page < 4 else pane.prev_page.click()
    assert pane.page != page and pane.canvas.rects == []
    viewer.back.click()
    assert pane.page == page and pane.canvas.rects
    fit = pane.canvas.scale
    pane.zoom_in.click()
    assert pane.zoom is not None and pane.zoom > fit
    qtbot.waitUntil(lambda: pane.canvas.width() > pane.area.viewport().width(), timeout=10_000)
    pane.fit.click()
    assert pane.zoom is None and abs(pane.canvas.scale - fit) < 0.01
    with qtbot.waitSignal(pane.engine.neighbour, timeout=10_000):  # type: ignore[union-attr]
        viewer.after.click()
    assert pane.extra is not None and pane.extra.rects


def test_a_pdf_passage_over_a_page_break_is_highlighted_on_both_pages(
    qtbot: QtBot, window: MainWindow, library: Path
) -> None:
    import pypdfium2 as pdfium

    pdf = (library / "handbook.pdf").resolve()
    doc = pdfium.PdfDocument(str(pdf))
    end_of_2 = doc[1].get_textpage().get_text_range()[-140:]
    start_of_3 = doc[2].get_textpage().get_text_range()[:160]
    doc.close()
    source = {"rank": 1, "path": str(pdf), "page": 2, "heading": "", "score": 1.0}
    source["text"] = f"{end_of_2}\n{start_of_3}"
    with qtbot.waitSignal(window.preview.loaded, timeout=30_000):
        window.show_source(source)
    pane = window.preview.pdf
    assert pane.highlight is not None and set(pane.highlight.rects) == {2, 3}
    for page, text in ((2, end_of_2), (3, start_of_3)):
        pane.go_to(page)
        assert pane.page == page
        boxes = char_boxes(pdf, page, text.split("\n")[-1] if page == 2 else text)
        assert any(r.intersects(b) for r in pane.canvas.rects for b in boxes)


def test_a_source_that_runs_on_over_a_page_break_names_and_marks_both_pages(
    qtbot: QtBot, window: MainWindow, library: Path
) -> None:
    """A source whose chunk ran on over the break carries its last page: the viewer names
    both pages and finds the passage from the last one when the first holds only a line."""
    import pypdfium2 as pdfium

    pdf = (library / "handbook.pdf").resolve()
    doc = pdfium.PdfDocument(str(pdf))
    end_of_2 = doc[1].get_textpage().get_text_range().rstrip().splitlines()[-1]
    start_of_3 = doc[2].get_textpage().get_text_range()[:400]
    doc.close()
    source = {"rank": 1, "path": str(pdf), "page": 2, "page_end": 3, "heading": "", "score": 1.0}
    source["text"] = f"{end_of_2}\n{start_of_3}"
    with qtbot.waitSignal(window.preview.loaded, timeout=30_000):
        window.show_source(source)
    assert "Pages 2-3" in window.preview.location.text()
    pane = window.preview.pdf
    assert pane.highlight is not None and 3 in pane.highlight.rects
    assert short_location(source).endswith("pages 2-3")


@pytest.mark.parametrize("name", ["handbook.docx", "checklist.md"])
def test_docx_and_markdown_open_at_the_passage_in_their_text(
    qtbot: QtBot, window: MainWindow, library: Path, name: str
) -> None:
    path = (library / name).resolve()
    question = "How do I mount the anemometer?" if name.endswith("docx") else "the spare radio"
    sources = sources_in(window, path, question)
    widget = answer_citing(window, sources, "See [2] and [9].")  # [9]: no such source
    click_source(qtbot, window, widget, 2)
    viewer, pane = window.preview, window.preview.passage
    assert viewer.stack.currentWidget() is pane and viewer.state == "ok"
    doc = reader_for(path)(str(path), path.read_bytes())  # type: ignore[misc]
    assert pane.toPlainText() == doc.text  # the reader's text: the offsets point into it
    (selection,) = pane.extraSelections()
    shown = selection.cursor.selectedText().replace("\u2029", "\n")
    assert shown == doc.text[sources[1].start : sources[1].end] == sources[1].text
    assert pane.viewport().rect().intersects(pane.cursorRect())  # in view
    heading = next(b for b in _blocks(pane) if b.text().lstrip().startswith("#"))
    cursor = QTextCursor(heading)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    assert cursor.charFormat().fontWeight() == QFont.Weight.Bold

    with qtbot.waitSignal(viewer.loaded, timeout=30_000):  # the failed citation says so
        widget._link("source:2")
    assert not viewer.citation.isVisible()
    failed = {**sources[1].to_json(), "start": sources[1].start, "end": sources[1].end}
    with qtbot.waitSignal(viewer.loaded, timeout=30_000):
        window.show_source({**failed, "problem": 'quoted text not found in the source: "x"'})
    assert viewer.citation.isVisible() and "not verified" in viewer.citation.text()
    assert viewer.after.isEnabled()
    if doc.text[sources[1].end :].strip():  # the text after it, else the text before it
        assert viewer.neighbour(True) and pane.span and pane.span[0] >= sources[1].end
    else:
        assert viewer.neighbour(False) and pane.span and pane.span[1] <= sources[1].start
    assert len(pane.extraSelections()) == 2  # the passage, and the neighbour shown


def words(text: str) -> list[str]:
    return [w.text for w in word_spans(text)]


def _blocks(pane: Any) -> list[Any]:
    out, block = [], pane.document().begin()
    while block.isValid():
        out.append(block)
        block = block.next()
    return out


def test_a_moved_or_changed_file_is_said_so_not_highlighted_in_the_wrong_place(
    qtbot: QtBot, window: MainWindow, library: Path, tmp_path: Path
) -> None:
    window.backend.stop_watching()  # a re-sync would index the changes made here
    md = (library / "checklist.md").resolve()
    sources = sources_in(window, md, "the spare radio")
    source = {**sources[0].to_json(), "start": sources[0].start, "end": sources[0].end}
    viewer = window.preview

    md.write_text("# Added since\n\nA new first paragraph.\n\n" + md.read_text())
    with qtbot.waitSignal(viewer.loaded, timeout=30_000):
        window.show_source(source)
    assert viewer.state == "changed" and "changed since it was indexed" in viewer.notice.text()
    assert "found again by its words" in viewer.notice.text()
    (selection,) = viewer.passage.extraSelections()
    assert selection.cursor.selectionStart() > len("# Added since")  # where it is now
    assert words(selection.cursor.selectedText()) == words(source["text"])

    md.write_text("# Rewritten\n\nNothing of the old text is left here.\n")
    with qtbot.waitSignal(viewer.loaded, timeout=30_000):
        window.show_source(source)
    assert "not in it any more" in viewer.notice.text() and not viewer.highlighted
    assert viewer.passage.extraSelections() == []

    pdf = (library / "handbook.pdf").resolve()
    pdf_source = sources_in(window, pdf, "radio module pairing")[0]
    shutil.move(str(pdf), tmp_path / "elsewhere.pdf")
    with qtbot.waitSignal(viewer.loaded, timeout=30_000):
        window.show_source({**pdf_source.to_json(), "start": 0, "end": 0})
    assert viewer.state == "missing" and "moved or deleted" in viewer.notice.text()
    assert viewer.stack.currentWidget() is viewer.passage
    assert viewer.passage.toPlainText() == pdf_source.text  # the passage as indexed


def test_an_image_source_shows_its_stored_passage_without_ocr_again(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading an image means OCR, seconds a page: the viewer shows the indexed passage."""
    from PIL import Image

    from desktop.core.ingest import readers
    from desktop.core.progress import CancelToken
    from desktop.gui import source_loader

    scan = tmp_path / "scan.png"
    Image.new("L", (40, 20), 255).save(scan)

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the image was read again")

    monkeypatch.setattr(readers, "reader_for", no_reading)
    passage = "Reset the module and hold the RESET button for five seconds."
    source = {"text": passage, "start": 120, "end": 120 + len(passage), "page": 1}
    shown = source_loader.load_text(scan, source, (), None, CancelToken())
    assert shown.document.toPlainText() == passage
    assert shown.span is not None and shown.span[0] == 0
    assert shown.span[1] >= len(passage) - 1  # its words, the closing stop aside
    shown.document.deleteLater()


def test_an_ocr_source_on_a_scanned_pdf_page_says_why_its_passage_is_not_marked(
    qtbot: QtBot, fathom_home: Path
) -> None:
    """A scanned page has no text layer: the viewer shows the page and says so, rather
    than that the passage's words were not found."""
    import hashlib

    window = open_window(qtbot, fathom_home, load_model=False)
    scanned = DOCS / "good" / "scanned.pdf"
    digest = hashlib.sha256(scanned.read_bytes()).hexdigest()
    window.preview.indexed_hash = lambda path: digest if path == str(scanned) else None
    base = {"rank": 1, "path": str(scanned), "page": 1, "text": "Hold the reset button."}
    for heading, expected in (("(OCR)", "read by OCR"), ("", "were not found on its page")):
        with qtbot.waitSignal(window.preview.loaded, timeout=30_000):
            window.preview.show_source({**base, "heading": heading})
        assert expected in window.preview.notice.text()
        assert not window.preview.highlighted


def test_a_source_row_names_the_file_once() -> None:
    """A PDF without an outline heads its passages with the document's name; the row
    beside the file's name shows the rest of the heading."""
    source = {
        "path": "/data/3M_2022_10K.pdf",
        "page": 48,
        "heading": "3M 2022 10K > Consolidated Balance Sheet",
    }
    assert short_location(source) == "3M_2022_10K.pdf — Consolidated Balance Sheet · page 48"
    assert short_location({**source, "heading": "3M 2022 10K"}) == "3M_2022_10K.pdf · page 48"
