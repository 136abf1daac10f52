"""A PDF page in the source viewer: rendered off the GUI thread, the passage highlighted.

``PdfPane`` asks ``PdfEngine`` (desktop/gui/source_loader.py) for what it shows and
paints only images and rectangles: the page rendered at the width it needs (fit width,
or a zoom), the passage's text boxes over it (its quoted words stronger), page by page
navigation, and the text before and after the passage one click away.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.source_loader import (
    Highlight,
    NeighbourFound,
    PageImage,
    PdfEngine,
    PdfNeighbour,
    PdfOpen,
    PdfOpened,
    PdfRender,
)

ZOOMS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)  # pixels per point
MARGIN = 12
PASSAGE = QColor(255, 196, 0, 80)  # amber, translucent: reads on white and dark pages
QUOTE = QColor(255, 120, 0, 150)
NEIGHBOUR = QColor(80, 160, 255, 60)


class PageCanvas(QWidget):
    """One rendered page and its highlight rectangles (in page points)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("PDF page"))
        self.image = QImage()
        self.page_size = QSizeF(612, 792)
        self.scale = 1.0  # logical pixels per point
        self.rects: list[QRectF] = []
        self.quotes: list[QRectF] = []
        self.extra: list[QRectF] = []  # a neighbour shown

    def show_page(self, size: QSizeF, scale: float) -> None:
        self.page_size, self.scale = size, scale
        self.setFixedSize(round(size.width() * scale), round(size.height() * scale))
        self.update()

    def view_rect(self, r: QRectF) -> QRectF:
        s = self.scale
        return QRectF(r.x() * s - 1, r.y() * s - 1, r.width() * s + 2, r.height() * s + 2)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        if not self.image.isNull():
            painter.drawImage(QRectF(self.rect()), self.image)  # scaled while a new one renders
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, rects in ((NEIGHBOUR, self.extra), (PASSAGE, self.rects), (QUOTE, self.quotes)):
            painter.setBrush(colour)
            for r in rects:
                painter.drawRoundedRect(self.view_rect(r), 2, 2)
        if self.quotes:
            painter.setPen(QPen(QColor(200, 80, 0), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for r in self.quotes:
                rect = self.view_rect(r)
                painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.end()


class PdfPane(QWidget):
    """Toolbar (pages, zoom, fit width) over the scrolled page."""

    opened = Signal(object)  # PdfOpened: the note to show, whether the passage was found
    page_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("PDF viewer"))
        self.engine: PdfEngine | None = None
        self.token = 0
        self.pages = 0
        self.page = 0
        self.zoom: float | None = None  # None: fit width
        self.sizes: dict[int, QSizeF] = {}
        self.highlight: Highlight | None = None  # the passage
        self.current: tuple[int, int, int] | None = None  # (page, start, end) of what is shown
        self.extra: Highlight | None = None  # a neighbour
        self._scroll_to: float | None = None  # page points, once the page is laid out
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        self.prev_page = self._button(
            "‹",  # noqa: RUF001
            self.tr("Previous page"),
            lambda: self.go_to(self.page - 1),
        )
        self.page_box = QSpinBox(self)
        self.page_box.setAccessibleName(self.tr("Page"))
        self.page_box.setKeyboardTracking(False)
        self.page_box.valueChanged.connect(self.go_to)
        self.of_pages = QLabel(self)
        self.of_pages.setObjectName("muted")
        self.next_page = self._button(
            "›",  # noqa: RUF001
            self.tr("Next page"),
            lambda: self.go_to(self.page + 1),
        )
        for w in (self.prev_page, self.page_box, self.of_pages, self.next_page):
            bar.addWidget(w)
        bar.addStretch(1)
        self.zoom_out = self._button("−", self.tr("Zoom out"), lambda: self.step_zoom(-1))  # noqa: RUF001
        self.zoom_label = QLabel(self.tr("Fit"), self)
        self.zoom_label.setObjectName("muted")
        self.zoom_label.setMinimumWidth(36)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in = self._button("+", self.tr("Zoom in"), lambda: self.step_zoom(1))
        self.fit = self._button(
            self.tr("Fit width"), self.tr("Fit the page to the width"), self.fit_width
        )
        for w in (self.zoom_out, self.zoom_label, self.zoom_in, self.fit):
            bar.addWidget(w)
        layout.addLayout(bar)
        self.canvas = PageCanvas()
        self.area = QScrollArea(self)
        self.area.setObjectName("pdfScroll")
        self.area.setFrameShape(QFrame.Shape.NoFrame)
        self.area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.area.setWidget(self.canvas)
        self.area.setAccessibleName(self.tr("PDF page area"))
        layout.addWidget(self.area, 1)
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(120)
        self._resized.timeout.connect(self.request_render)

    def _button(self, text: str, name: str, slot: Callable[[], Any]) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setAccessibleName(name)
        b.setToolTip(name)
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    # --- opening ------------------------------------------------------------------------

    def ensure_engine(self) -> PdfEngine:
        if self.engine is None:
            self.engine = PdfEngine(self)
            self.engine.opened.connect(self.on_engine_opened)
            self.engine.rendered.connect(self.on_engine_rendered)
            self.engine.neighbour.connect(self.on_engine_neighbour)
        return self.engine

    def open(
        self,
        path: Path,
        page: int,
        passage: str,
        quotes: tuple[str, ...],
        indexed: Callable[[], str | Exception | None],
        page_end: int = 0,
        ocr: bool = False,
    ) -> int:
        """Start opening; ``opened`` follows. Returns the request's token. ``page_end``
        is the passage's last page when it runs on over a page break."""
        self.token += 1
        self.pages, self.page, self.sizes = 0, max(1, page), {}
        self.highlight = self.extra = self.current = None
        self.canvas.image = QImage()
        self.canvas.rects, self.canvas.quotes, self.canvas.extra = [], [], []
        self.canvas.update()
        self.ensure_engine().post(
            PdfOpen(self.token, path, page, passage, quotes, indexed, page_end, ocr)
        )
        return self.token

    def close_engine(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def on_engine_opened(self, result: PdfOpened) -> None:
        if result.token != self.token:
            return
        self.pages, self.sizes = result.pages, dict(result.sizes)
        self.highlight = result.highlight
        first = result.highlight.first_page if result.highlight else 0
        page = first or max(1, min(self.page, result.pages or 1))
        if result.highlight is not None:
            a, b = result.highlight.spans[first]
            self.current = (first, a, b)
        self.page_box.blockSignals(True)
        self.page_box.setRange(1, max(1, result.pages))
        self.page_box.blockSignals(False)
        self.of_pages.setText(f"/ {result.pages}")
        self.opened.emit(result)
        if result.pages:
            self.show_page(page, scroll_to_passage=True)

    # --- pages and zoom -----------------------------------------------------------------

    def show_page(self, page: int, *, scroll_to_passage: bool = False) -> None:
        self.page = page
        self.page_box.blockSignals(True)
        self.page_box.setValue(page)
        self.page_box.blockSignals(False)
        self.prev_page.setEnabled(page > 1)
        self.next_page.setEnabled(page < self.pages)
        c = self.canvas
        c.rects = list(self.highlight.rects.get(page, [])) if self.highlight else []
        c.quotes = list(self.highlight.quotes.get(page, [])) if self.highlight else []
        c.extra = list(self.extra.rects.get(page, [])) if self.extra else []
        c.image = QImage()
        self._scroll_to = None
        target = c.extra or c.rects
        if scroll_to_passage and target:
            self._scroll_to = min(r.top() for r in target)
        if page in self.sizes:
            self._lay_out()
        self.request_render()
        self.page_shown.emit(page)

    def go_to(self, page: int) -> None:
        if self.pages and 1 <= page <= self.pages and page != self.page:
            self.show_page(page)

    def scale(self) -> float:
        size = self.sizes.get(self.page, self.canvas.page_size)
        if self.zoom is not None:
            return self.zoom
        room = max(100, self.area.viewport().width() - 2 * MARGIN)
        return room / max(1.0, size.width())

    def _lay_out(self) -> None:
        size = self.sizes.get(self.page, self.canvas.page_size)
        self.canvas.show_page(size, self.scale())
        self.zoom_label.setText(self.tr("Fit") if self.zoom is None else f"{self.zoom:.0%}")
        if self._scroll_to is not None:
            y = self._scroll_to * self.canvas.scale - self.area.viewport().height() / 3
            self.area.verticalScrollBar().setValue(max(0, round(y)))

    def request_render(self) -> None:
        if self.engine is None or not self.pages:
            return
        size = self.sizes.get(self.page)
        if size is not None:
            self._lay_out()
        width = round(
            (size.width() if size is not None else 612) * self.scale() * self.devicePixelRatioF()
        )
        self.engine.post(PdfRender(self.token, self.page, width))

    def on_engine_rendered(self, result: PageImage) -> None:
        if result.token != self.token or result.page != self.page:
            return
        image = result.image
        image.setDevicePixelRatio(self.devicePixelRatioF())
        self.canvas.image = image
        new_size = result.page not in self.sizes
        self.sizes[result.page] = result.size
        if new_size or self._scroll_to is not None:
            self._lay_out()
            self._scroll_to = None
        self.canvas.update()

    def step_zoom(self, direction: int) -> None:
        now = self.scale()
        if direction > 0:
            self.zoom = next((z for z in ZOOMS if z > now * 1.01), ZOOMS[-1])
        else:
            self.zoom = next((z for z in reversed(ZOOMS) if z < now * 0.99), ZOOMS[0])
        self.request_render()

    def fit_width(self) -> None:
        self.zoom = None
        self.request_render()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.zoom is None and self.pages:
            self._resized.start()

    # --- the passage and its neighbours ------------------------------------------------

    def back_to_passage(self) -> None:
        self.extra = None
        if self.highlight is not None:
            first = self.highlight.first_page
            a, b = self.highlight.spans[first]
            self.current = (first, a, b)
            self.show_page(first, scroll_to_passage=True)

    def neighbour(self, forward: bool) -> bool:
        """Show the text after (or before) what is shown; False when nothing is."""
        if self.engine is None or self.current is None:
            return False
        page, a, b = self.current
        if self.extra is None and self.highlight is not None:  # from the passage's ends
            ends = sorted(self.highlight.spans.items())
            page, (a, b) = ends[-1] if forward else ends[0]
        self.engine.post(PdfNeighbour(self.token, page, a, b, forward))
        return True

    def on_engine_neighbour(self, found: NeighbourFound) -> None:
        if found.token != self.token or found.highlight is None:
            return
        self.extra = found.highlight
        page = found.highlight.first_page
        a, b = found.highlight.spans[page]
        self.current = (page, a, b)
        if page == self.page:
            self.canvas.extra = list(found.highlight.rects.get(page, []))
            self._scroll_to = min((r.top() for r in self.canvas.extra), default=None)
            self._lay_out()
            self._scroll_to = None
            self.canvas.update()
        else:
            self.show_page(page, scroll_to_passage=True)
