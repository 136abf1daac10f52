"""What the source viewer shows, made on worker threads (never on the GUI thread).

``check_file`` says whether a source's file is still the one indexed: its SHA-256 against
the store's manifest (``MilvusStore.files()``), as ingestion hashes it. ``load_text``
re-reads a text-like file with the core's reader for its kind, which gives the same text
the chunk's start/end offsets point into, and builds the ``QTextDocument`` to show (on
the worker, then handed to the GUI thread). ``PdfEngine`` owns every ``QPdfDocument`` on
one worker thread: it opens, finds the passage on its page by its words (and on the next
or previous page when it runs over a page break), and renders pages to images; the GUI
thread only paints images and rectangles, so it never waits for PDFium.
"""

from __future__ import annotations

import hashlib
import queue
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRectF, QSize, QSizeF, QThread, Signal
from PySide6.QtGui import QFont, QImage, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication, QPlainTextDocumentLayout

from desktop.core.progress import CancelToken
from desktop.gui.text_match import MIN_SHARE, locate, utf16, words
from desktop.gui.workers import Job

PART_SHARE = 0.2  # the share of a passage that may be on one page when it runs over


@dataclass(frozen=True)
class FileCheck:
    """``ok``, ``changed`` (other content than indexed), ``unindexed`` (not in the
    library), ``missing`` (not on disk) or ``unknown`` (the store could not be asked)."""

    state: str
    message: str = ""


def check_file(path: Path, indexed: str | Exception | None) -> tuple[FileCheck, bytes | None]:
    """The file's state and its bytes (None when it cannot be read)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return FileCheck(
            "missing",
            QCoreApplication.translate(
                "SourceLoader",
                "{name} is no longer at {folder}: it was moved or deleted since it "
                "was indexed. Re-sync its folder in Knowledge to update the library; the "
                "passage as it was indexed is shown.",
            ).format(name=path.name, folder=path.parent),
        ), None
    except OSError as exc:
        why = QCoreApplication.translate("SourceLoader", "{name} cannot be read: {reason}.")
        return FileCheck("missing", why.format(name=path.name, reason=exc.strerror or exc)), None
    if isinstance(indexed, Exception):
        return FileCheck("unknown"), data
    if indexed is None:
        return FileCheck(
            "unindexed",
            QCoreApplication.translate(
                "SourceLoader",
                "{name} is no longer in the library, so whether it changed since this "
                "answer cannot be told.",
            ).format(name=path.name),
        ), data
    if hashlib.sha256(data).hexdigest() != indexed:
        return FileCheck(
            "changed",
            QCoreApplication.translate(
                "SourceLoader", "{name} changed since it was indexed (its content hash differs)."
            ).format(name=path.name),
        ), data
    return FileCheck("ok"), data


def found_again_note(check: FileCheck, found: bool) -> str:
    """What the banner adds for a changed file: where the highlight comes from, or why
    there is none."""
    if check.state not in ("changed", "unindexed"):
        return check.message
    if found:
        return (
            check.message
            + " "
            + QCoreApplication.translate(
                "SourceLoader", "The passage was found again by its words."
            )
        )
    return (
        check.message
        + " "
        + QCoreApplication.translate(
            "SourceLoader",
            "The passage is not in it any more, so nothing is highlighted; "
            "re-sync its folder to update the library.",
        )
    )


# --- text-like files ------------------------------------------------------------------


@dataclass
class TextShown:
    document: QTextDocument
    check: FileCheck
    note: str
    span: tuple[int, int] | None  # the passage in the document (Qt positions)
    quotes: list[tuple[int, int]] = field(default_factory=list)
    offsets: Callable[[int], int] = lambda i: i  # Python index -> Qt position
    text: str = ""


def load_text(
    path: Path,
    source: dict[str, object],
    quotes: Sequence[str],
    indexed: str | Exception | None,
    cancel: CancelToken,
) -> TextShown:
    from desktop.core.ingest.readers import IMAGE_SUFFIXES, ReadError, reader_for

    check, data = check_file(path, indexed)
    passage = str(source.get("text", ""))
    text = passage
    heading_lines: list[tuple[int, int]] = []
    span: tuple[int, int] | None = None
    # An image's text comes from OCR, seconds a page: reading it again to show one passage
    # would take minutes for a long TIFF. Its stored passage is shown instead.
    if data is not None and path.suffix.lower() not in IMAGE_SUFFIXES:
        reader = reader_for(path)
        try:
            if reader is None:
                raise ReadError(
                    QCoreApplication.translate("SourceLoader", "no reader for this kind of file")
                )
            doc = reader(str(path), data)
        except ReadError as exc:
            why = QCoreApplication.translate(
                "SourceLoader", "{name} cannot be read any more: {reason}."
            )
            check = FileCheck("missing", why.format(name=path.name, reason=exc))
        else:
            text = doc.text
            heading_lines = [(s.start, text.find("\n", s.start)) for s in doc.sections if s.heading]
    cancel.raise_if_cancelled()
    start, end = int(str(source.get("start") or 0)), int(str(source.get("end") or 0))
    if check.state == "missing":
        span = (0, len(text))
    elif check.state in ("ok", "unknown") and 0 <= start < end <= len(text):
        span = (start, end)
    if span is None or (check.state == "ok" and not locate(text, passage, start, end, 0.8)):
        found = locate(text, passage, min_share=0.8)  # changed, or offsets off: by words
        span = (found.start, found.end) if found else None
    note = found_again_note(check, span is not None) if check.state != "missing" else check.message
    quote_spans: list[tuple[int, int]] = []
    if span is not None:
        for q in quotes:
            m = locate(text, q, span[0], span[1], min_share=0.9)
            if m is not None:
                quote_spans.append((m.start, m.end))
    document = build_document(text, heading_lines)
    shown = TextShown(
        document,
        check,
        note,
        (utf16(text, span[0]), utf16(text, span[1])) if span else None,
        [(utf16(text, a), utf16(text, b)) for a, b in quote_spans],
        lambda i: utf16(text, i),
        text,
    )
    app = QApplication.instance()
    if app is not None:
        document.moveToThread(app.thread())  # the GUI thread shows (and later frees) it
    return shown


def build_document(text: str, heading_lines: Sequence[tuple[int, int]]) -> QTextDocument:
    """A plain-text document with headings (Markdown ATX lines, the readers' sections)
    in bold, a little larger."""
    document = QTextDocument()
    document.setDocumentLayout(QPlainTextDocumentLayout(document))
    document.setPlainText(text)
    heading = QTextCharFormat()
    heading.setFontWeight(QFont.Weight.Bold)
    heading.setFontPointSize(max(10.0, QFont().pointSizeF() * 1.15))
    cursor = QTextCursor(document)
    starts = {utf16(text, a) for a, _ in heading_lines}
    block = document.begin()
    while block.isValid():
        line = block.text()
        if line.lstrip().startswith("#") or block.position() in starts:
            cursor.setPosition(block.position())
            cursor.setPosition(block.position() + len(line), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(heading)
        block = block.next()
    return document


# --- PDF files --------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfOpen:
    token: int
    path: Path
    page: int  # 1-based, the source's
    passage: str
    quotes: tuple[str, ...]
    indexed: Callable[[], str | Exception | None]  # the manifest's hash, asked on the worker
    page_end: int = 0  # the source's last page, when it runs on over a page break
    ocr: bool = False  # the passage was read by OCR: the page has no text layer to mark


@dataclass(frozen=True)
class PdfRender:
    token: int
    page: int
    width: int  # pixels


@dataclass(frozen=True)
class PdfNeighbour:
    token: int
    page: int
    start: int  # the span on that page it is next to (Python indices of the page text)
    end: int
    forward: bool


@dataclass
class Highlight:
    """Rectangles in page points (top-left origin) by 1-based page; the span on each
    page's text, to find neighbours from."""

    rects: dict[int, list[QRectF]] = field(default_factory=dict)
    quotes: dict[int, list[QRectF]] = field(default_factory=dict)
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def first_page(self) -> int:
        return min(self.rects, default=0)


@dataclass
class PdfOpened:
    token: int
    check: FileCheck
    note: str = ""
    pages: int = 0
    sizes: dict[int, QSizeF] = field(default_factory=dict)  # page points, by page
    highlight: Highlight | None = None
    error: str = ""


@dataclass(frozen=True)
class PageImage:
    token: int
    page: int
    image: QImage
    size: QSizeF  # the page in points


@dataclass
class NeighbourFound:
    token: int
    highlight: Highlight | None
    forward: bool


class PdfEngine(QObject):
    """The one thread that touches QtPdf for the viewer: commands in, results out."""

    opened = Signal(object)  # PdfOpened
    rendered = Signal(object)  # PageImage
    neighbour = Signal(object)  # NeighbourFound

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: queue.Queue[object] = queue.Queue()
        self._job = Job(self._work, name="fathom-pdf")
        self._job.yielded.connect(self._deliver)
        self._job.start()

    def post(self, command: object) -> None:
        self._queue.put(command)

    def close(self) -> None:
        self._job.cancel()
        self._queue.put(None)
        self._job.wait(5000)

    def _deliver(self, item: object) -> None:
        if isinstance(item, PdfOpened):
            self.opened.emit(item)
        elif isinstance(item, PageImage):
            self.rendered.emit(item)
        elif isinstance(item, NeighbourFound):
            self.neighbour.emit(item)

    def _work(self, cancel: CancelToken) -> Iterator[object]:
        from PySide6.QtPdf import QPdfDocument

        QThread.currentThread().setPriority(QThread.Priority.LowPriority)
        worker = _PdfWorker(QPdfDocument)
        try:
            while not cancel.cancelled:
                try:
                    command = self._queue.get(timeout=0.1)
                except queue.Empty:
                    continue
                if command is None:
                    return
                if isinstance(command, PdfRender):  # only the latest render counts
                    command = self._latest_render(command)
                    if command is None:
                        continue
                result = worker.handle(command)
                if result is not None:
                    yield result
        finally:
            worker.close()

    def _latest_render(self, first: PdfRender) -> object | None:
        latest: PdfRender = first
        others: list[object] = []
        while True:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(more, PdfRender) and more.page == latest.page:
                latest = more
            else:
                others.append(more)
        for item in others:  # another page or another command: kept, in order
            self._queue.put(item)
        return latest


class _PdfWorker:
    """What runs on the engine's thread, around one open document."""

    def __init__(self, document_class: type) -> None:
        self._make = document_class
        self.doc: Any = None  # a QPdfDocument, made on this thread
        self.token = -1
        self._texts: dict[int, str] = {}

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()
            self.doc.deleteLater()
            self.doc = None

    def text(self, page: int) -> str:
        if page not in self._texts:
            self._texts[page] = self.doc.getAllText(page - 1).text()
        return self._texts[page]

    def handle(self, command: object) -> object | None:
        if isinstance(command, PdfOpen):
            return self.open(command)
        if self.doc is None or getattr(command, "token", None) != self.token:
            return None  # for a document no longer open
        if isinstance(command, PdfRender):
            return self.render(command)
        if isinstance(command, PdfNeighbour):
            return self.neighbour(command)
        return None

    def open(self, cmd: PdfOpen) -> PdfOpened:
        from PySide6.QtPdf import QPdfDocument

        self.close()
        self._texts = {}
        self.token = cmd.token
        check, data = check_file(cmd.path, cmd.indexed())
        if data is None:
            return PdfOpened(cmd.token, check, check.message)
        doc = self._make()
        self.doc = doc
        error = doc.load(str(cmd.path))
        if error != QPdfDocument.Error.None_:
            self.close()
            return PdfOpened(
                cmd.token,
                check,
                check.message,
                error=QCoreApplication.translate(
                    "SourceLoader", "Qt cannot open it ({error})"
                ).format(error=error.name),
            )
        pages = int(doc.pageCount())
        first = max(1, min(cmd.page or 1, pages))
        highlight = self.find(cmd.passage, cmd.quotes, first, pages, cmd.page_end)
        found = highlight is not None and bool(highlight.rects)
        note = found_again_note(check, found)
        if check.state in ("ok", "unknown") and not found:
            note = (
                QCoreApplication.translate(
                    "SourceLoader",
                    "This page was read by OCR: it is shown, but a scanned image has no "
                    "text to mark the passage on.",
                )
                if cmd.ocr
                else QCoreApplication.translate(
                    "SourceLoader",
                    "The passage's words were not found on its page; its page is shown.",
                )
            )
        wanted = {first, *(highlight.rects if highlight else ())}
        sizes = {p: self.size(p) for p in wanted}
        return PdfOpened(cmd.token, check, note, pages, sizes, highlight if found else None)

    def size(self, page: int) -> QSizeF:
        return QSizeF(self.doc.pagePointSize(page - 1))

    def rects(self, page: int, start: int, end: int) -> list[QRectF]:
        text = self.text(page)
        a, b = utf16(text, start), utf16(text, end)
        selection = self.doc.getSelectionAtIndex(page - 1, a, b - a)
        return [QRectF(poly.boundingRect()) for poly in selection.bounds()]

    def find(
        self, passage: str, quotes: Sequence[str], page: int, pages: int, page_end: int = 0
    ) -> Highlight | None:
        """The passage on its page (or on its last page, ``page_end``, where most of it is
        there; or the one before or after, where the page number is off), and the part
        of it that runs over to the next or previous page."""
        needle = words(passage)
        if not needle:
            return None
        last = [page_end] if page_end > page else []
        for p in dict.fromkeys((page, *last, page - 1, page + 1)):
            if not 1 <= p <= pages:
                continue
            match = locate(self.text(p), needle, min_share=PART_SHARE)
            if match is None:
                continue
            spans = {p: (match.start, match.end)}
            covered = match.matched
            before, after = match.covers(len(needle))
            if after and p < pages:
                rest = locate(self.text(p + 1), needle[match.last :])
                if rest is not None:
                    spans[p + 1] = (rest.start, rest.end)
                    covered += rest.matched
            if before and p > 1:
                head = locate(self.text(p - 1), needle[: match.first])
                if head is not None:
                    spans[p - 1] = (head.start, head.end)
                    covered += head.matched
            if covered >= MIN_SHARE * len(needle):
                return self.highlight(spans, quotes)
        return None

    def highlight(self, spans: dict[int, tuple[int, int]], quotes: Sequence[str]) -> Highlight:
        out = Highlight(spans=dict(spans))
        for p, (a, b) in sorted(spans.items()):
            out.rects[p] = self.rects(p, a, b)
            for q in quotes:
                m = locate(self.text(p), q, a, b, min_share=0.9)
                if m is not None:
                    out.quotes.setdefault(p, []).extend(self.rects(p, m.start, m.end))
        return out

    def render(self, cmd: PdfRender) -> PageImage:
        size = self.size(cmd.page)
        width = max(1, cmd.width)
        height = max(1, round(width * size.height() / max(1.0, size.width())))
        image = self.doc.render(cmd.page - 1, QSize(width, height))
        return PageImage(cmd.token, cmd.page, image, size)

    def neighbour(self, cmd: PdfNeighbour) -> NeighbourFound:
        from desktop.gui.text_match import neighbour_span

        pages = int(self.doc.pageCount())
        page, text = cmd.page, self.text(cmd.page)
        span = neighbour_span(text, cmd.start, cmd.end, cmd.forward)
        while span is None:  # at the page's end (or start): the next (previous) page
            page += 1 if cmd.forward else -1
            if not 1 <= page <= pages:
                return NeighbourFound(cmd.token, None, cmd.forward)
            text = self.text(page)
            edge = 0 if cmd.forward else len(text)
            span = neighbour_span(text, edge, edge, cmd.forward, cmd.end - cmd.start)
        highlight = self.highlight({page: span}, ())
        return NeighbourFound(cmd.token, highlight, cmd.forward)
