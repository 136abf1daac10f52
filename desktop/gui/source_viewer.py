"""The source viewer: the document a source came from, opened at its passage.

A PDF shows its page (``PdfPane``) with the passage's text boxes highlighted; every other
kind shows the document's text as the core's reader extracts it, the passage's span
highlighted and centred, headings in bold. A quote of the answer that passed the
citation check is highlighted more strongly; a citation that failed says why. Before
anything is highlighted, the file is checked against the library's manifest (its content
hash): a file moved, deleted or changed since it was indexed is said so, and a changed
one is searched for the passage by its words rather than by offsets that no longer hold.
Loading, hashing, parsing and rendering run on worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.progress import CancelToken
from desktop.core.types import shown_heading, split_ocr_mark
from desktop.gui.errors import show_error
from desktop.gui.pdf_pane import NEIGHBOUR, PASSAGE, QUOTE, PdfPane
from desktop.gui.source_loader import PdfOpened, TextShown, load_text
from desktop.gui.text_match import neighbour_span
from desktop.gui.workers import ErrorInfo, Job, run_job

IndexedHash = Callable[[str], "str | Exception | None"]  # a path's hash in the manifest


def is_pdf(path: str) -> bool:
    return path.lower().endswith(".pdf")


class TextPane(QPlainTextEdit):
    """The document's text; the passage (and quotes, or a neighbour) highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceText")
        self.setAccessibleName(self.tr("Passage"))
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.shown: TextShown | None = None
        self.span: tuple[int, int] | None = None  # Python indices of what is highlighted
        self.passage_span: tuple[int, int] | None = None
        self._pinned: tuple[int, int] | None = None  # kept centred until people scroll

    def show_text(self, shown: TextShown) -> None:
        self.shown = shown
        shown.document.setParent(self)
        self.setDocument(shown.document)
        self.passage_span = None
        if shown.span is not None:  # back to Python indices for the neighbours
            text = shown.text
            self.passage_span = (_index(text, shown.span[0]), _index(text, shown.span[1]))
        self.span = self.passage_span
        self.paint_highlights()
        if shown.span is not None:
            self.centre(shown.span[0], shown.span[1])

    def show_plain(self, text: str) -> None:
        self.shown = None
        self.span = self.passage_span = self._pinned = None
        self.setPlainText(text)
        self.setExtraSelections([])

    def paint_highlights(self, extra: tuple[int, int] | None = None) -> None:
        shown = self.shown
        if shown is None:
            return
        selections = []

        def add(span: tuple[int, int], colour: QColor, underline: bool = False) -> None:
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.document())
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(colour)
            if underline:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                fmt.setUnderlineColor(QColor(200, 80, 0))
            sel.cursor, sel.format = cursor, fmt
            selections.append(sel)

        if shown.span is not None:
            add(shown.span, PASSAGE)
        for q in shown.quotes:
            add(q, QUOTE, underline=True)
        if extra is not None:
            add(extra, NEIGHBOUR)
        self.setExtraSelections(selections)

    def centre(self, start: int, end: int) -> None:
        """Put the span in the middle of the view (its start at the top if it is taller),
        and keep it there while the pane is laid out or resized, until people scroll."""
        self._pinned = (start, end)
        self._centre(start, end)
        QTimer.singleShot(0, self._recentre)

    def _recentre(self) -> None:
        if self._pinned is not None:
            self._centre(*self._pinned)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._recentre()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self._pinned = None
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._pinned = None
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        self._pinned = None
        super().keyPressEvent(event)

    def _centre(self, start: int, end: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(end)
        self.setTextCursor(cursor)
        self.centerCursor()
        cursor.setPosition(start)
        self.setTextCursor(cursor)
        if self.cursorRect().top() < 0:
            self.centerCursor()
        else:
            self.ensureCursorVisible()

    def neighbour(self, forward: bool) -> bool:
        shown, span = self.shown, self.span
        if shown is None or span is None:
            return False
        found = neighbour_span(shown.text, span[0], span[1], forward)
        if found is None:
            return False
        self.span = found
        qt = (shown.offsets(found[0]), shown.offsets(found[1]))
        self.paint_highlights(qt)
        self.centre(*qt)
        return True

    def back_to_passage(self) -> None:
        self.span = self.passage_span
        self.paint_highlights()
        if self.shown is not None and self.shown.span is not None:
            self.centre(*self.shown.span)


def _index(text: str, qt_position: int) -> int:
    """A Qt (UTF-16) position back to a Python index."""
    i = units = 0
    while i < len(text) and units < qt_position:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


class SourceViewer(QFrame):
    """The right-hand pane: the source's document at its passage, and "Open in system
    viewer"."""

    closed = Signal()
    loaded = Signal()  # the document is shown (tests and screenshots wait for it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.setAccessibleName(self.tr("Source viewer"))
        self.source: dict[str, Any] = {}
        self.indexed_hash: IndexedHash = lambda _path: None
        self._job: Job | None = None
        self._token = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("sectionHeader")
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        close = QToolButton(self)
        close.setText("✕")
        close.setAccessibleName(self.tr("Close the source viewer"))
        close.setAutoRaise(True)
        close.clicked.connect(self._close)
        top.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.location = QLabel(self)
        self.location.setObjectName("muted")
        self.location.setWordWrap(True)
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.location)
        self.citation = QLabel(self)
        self.citation.setObjectName("warning")
        self.citation.setWordWrap(True)
        self.citation.setAccessibleName(self.tr("Citation check"))
        self.citation.setVisible(False)
        layout.addWidget(self.citation)
        self.notice = QLabel(self)
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName(self.tr("File check"))
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        nav = QHBoxLayout()
        nav.setSpacing(4)
        self.before = QPushButton(self.tr("◀ Before"), self)
        self.before.setObjectName("flat")
        self.before.setAccessibleName(self.tr("Show the text before the passage"))
        self.before.clicked.connect(lambda: self.neighbour(False))
        self.back = QPushButton(self.tr("Passage"), self)
        self.back.setObjectName("flat")
        self.back.setAccessibleName(self.tr("Back to the passage"))
        self.back.clicked.connect(self.back_to_passage)
        self.after = QPushButton(self.tr("After ▶"), self)
        self.after.setObjectName("flat")
        self.after.setAccessibleName(self.tr("Show the text after the passage"))
        self.after.clicked.connect(lambda: self.neighbour(True))
        nav.addWidget(self.before)
        nav.addWidget(self.back)
        nav.addWidget(self.after)
        nav.addStretch(1)
        layout.addLayout(nav)
        self.stack = QStackedWidget(self)
        self.passage = TextPane(self.stack)
        self.pdf = PdfPane(self.stack)
        self.pdf.opened.connect(self.on_pdf_opened)
        self.stack.addWidget(self.passage)
        self.stack.addWidget(self.pdf)
        layout.addWidget(self.stack, 1)
        self.open_button = QPushButton(self.tr("Open in system viewer"), self)
        self.open_button.setAccessibleName(self.tr("Open the source file in the system's viewer"))
        self.open_button.clicked.connect(self.open_file)
        layout.addWidget(self.open_button)
        self.state = ""  # the file check's state once loaded ("ok", "changed", ...)
        self.highlighted = False

    # --- showing a source ---------------------------------------------------------------

    def show_source(self, source: dict[str, Any]) -> None:
        """Open the source's document at its passage (loaded in the background).
        ``source`` is a source as saved with the answer, plus ``quotes`` (verified quotes
        of the answer that cite it) and ``problem`` (why its citation failed, if it did)."""
        self.source = source
        self._token += 1
        if self._job is not None:
            self._job.cancel()
        path = str(source.get("path", ""))
        n = int(source.get("rank", 0))
        self.title.setText(f"[{n}] {Path(path).name}")
        where = [path]
        heading = shown_heading(path, str(source.get("heading") or ""))
        if heading:
            where.append(heading)
        if source.get("page"):
            first, last = int(source["page"]), int(source.get("page_end") or 0)
            where.append(
                self.tr("Pages {page}-{page_end}").format(page=first, page_end=last)
                if last > first
                else self.tr("Page {page}").format(page=first)
            )
        self.location.setText("\n".join(where))
        problem = str(source.get("problem") or "")
        self.citation.setText(
            self.tr("⚠ Citation [{number}] not verified: {problem}").format(
                number=n, problem=problem
            )
            if problem
            else ""
        )
        self.citation.setVisible(bool(problem))
        self.notice.setVisible(False)
        self.open_button.setEnabled(True)
        self.state, self.highlighted = "", False
        self.open_button.setText(
            self.tr("Open in system viewer at page {page}").format(page=source["page"])
            if source.get("page") and is_pdf(path)
            else self.tr("Open in system viewer")
        )
        quotes = tuple(str(q) for q in source.get("quotes") or ())
        indexed = self.indexed_hash
        if is_pdf(path):
            self.stack.setCurrentWidget(self.pdf)
            self.pdf.open(
                Path(path),
                int(source.get("page") or 1),
                str(source.get("text", "")),
                quotes,
                lambda: indexed(path),
                page_end=int(source.get("page_end") or 0),
                ocr=split_ocr_mark(str(source.get("heading") or ""))[1],
            )
        else:
            self.stack.setCurrentWidget(self.passage)
            self.passage.show_plain(str(source.get("text", "")))
            token = self._token
            self._job = run_job(
                lambda cancel: self._load_text(path, source, quotes, indexed, cancel),
                on_done=lambda shown: self.on_text_loaded(token, shown),
                on_failed=lambda info: self.on_load_failed(token, info),
                name="fathom-source-text",
            )
        self.setVisible(True)

    @staticmethod
    def _load_text(
        path: str,
        source: dict[str, Any],
        quotes: tuple[str, ...],
        indexed: IndexedHash,
        cancel: CancelToken,
    ) -> TextShown:
        return load_text(Path(path), source, quotes, indexed(path), cancel)

    def on_text_loaded(self, token: int, shown: TextShown) -> None:
        if token != self._token:
            shown.document.deleteLater()
            return
        if shown.check.state == "missing":
            self.passage.show_plain(shown.text)
        else:
            self.passage.show_text(shown)
        self._loaded(shown.check.state, shown.note, shown.span is not None)

    def on_pdf_opened(self, result: PdfOpened) -> None:
        note = result.note
        if result.error:
            note = f"{note} {Path(str(self.source.get('path'))).name}: {result.error}".strip()
        if result.check.state == "missing" or result.error:
            self.stack.setCurrentWidget(self.passage)
            self.passage.show_plain(str(self.source.get("text", "")))
        self._loaded(result.check.state, note, result.highlight is not None)

    def on_load_failed(self, token: int, info: ErrorInfo) -> None:
        if token == self._token:
            note = self.tr("The file could not be shown: {reason}").format(reason=info.message)
            self._loaded("missing", note, False)

    def _loaded(self, state: str, note: str, highlighted: bool) -> None:
        self.state, self.highlighted = state, highlighted
        self.notice.setText(("⚠ " + note) if note else "")
        self.notice.setVisible(bool(note))
        for b in (self.before, self.after, self.back):
            b.setEnabled(highlighted)
        self.open_button.setEnabled(state != "missing")
        self.loaded.emit()

    # --- moving around ------------------------------------------------------------------

    def neighbour(self, forward: bool) -> bool:
        if self.stack.currentWidget() is self.pdf:
            return self.pdf.neighbour(forward)
        return self.passage.neighbour(forward)

    def back_to_passage(self) -> None:
        if self.stack.currentWidget() is self.pdf:
            self.pdf.back_to_passage()
        else:
            self.passage.back_to_passage()

    # --- the system's viewer ----------------------------------------------------------

    def open_file(self) -> bool:
        """Open the source's file (a PDF at its page where the viewer reads #page=); tell
        people why when it cannot be opened."""
        from desktop.gui.chat_view import file_url, open_in_system_viewer

        path = Path(str(self.source.get("path", "")))
        if not path.is_file():
            problem = ErrorInfo(
                self.tr("{name} is no longer at {folder}.").format(
                    name=path.name, folder=path.parent
                ),
                self.tr(
                    "It was moved or deleted since it was indexed; re-sync its folder in "
                    "Knowledge to update the library."
                ),
            )
        elif open_in_system_viewer(file_url(self.source)):
            return True
        else:
            problem = ErrorInfo(
                self.tr("No application could be started to open {name}.").format(name=path.name),
                self.tr("Open it yourself: {path}").format(path=path),
            )
        show_error(self, problem)
        return False

    def _close(self) -> None:
        self.setVisible(False)
        self.closed.emit()

    def shutdown(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self.pdf.close_engine()
