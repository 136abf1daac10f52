"""The chat pane: questions, streamed Markdown answers, reasoning, numbered sources
(the source viewer is desktop/gui/source_viewer.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.types import shown_heading

RENDER_EVERY_MS = 60  # streamed text is re-rendered at most this often
CITATION = re.compile(r"(?<![\\\]])\[(\d{1,3})\](?!\()")


def linked_citations(markdown: str, unverified: set[int], known: set[int]) -> str:
    """``[n]`` becomes a link to source n; a citation that failed verification is marked."""

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in known and n not in unverified:
            return m.group(0)
        mark = " ⚠" if n in unverified else ""
        return f"[\\[{n}\\]{mark}](source:{n})"

    return CITATION.sub(link, markdown)


def file_url(source: dict[str, Any]) -> QUrl:
    """The file of a source, at its page for a PDF (viewers that read #page= go there)."""
    url = QUrl.fromLocalFile(str(source.get("path", "")))
    page = int(source.get("page") or 0)
    if page and str(source.get("path", "")).lower().endswith(".pdf"):
        url.setFragment(f"page={page}")
    return url


def open_in_system_viewer(url: QUrl) -> bool:
    """Open a local file in the application the system picks for it. Qt asks the desktop
    (portal, desktop environment); where its platform cannot (e.g. a bare X session, or
    no platform services), the system's own opener is started instead."""
    import os
    import shutil
    import subprocess
    import sys
    import threading

    from PySide6.QtGui import QDesktopServices

    if QDesktopServices.openUrl(url):
        return True
    if sys.platform == "win32":
        try:
            os.startfile(url.toLocalFile())  # type: ignore[attr-defined,unused-ignore]
        except OSError:
            return False
        return True
    opener = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if opener is None:
        return False
    # a plain path where there is nothing else to say; the encoded URL to carry #page=
    target = (
        url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        if url.hasFragment()
        else url.toLocalFile()
    )
    try:
        proc = subprocess.Popen(
            [opener, target],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    threading.Thread(target=proc.wait, name="fathom-opener", daemon=True).start()  # reaps it
    return True


def verified_quotes(answer: str, number: int) -> list[str]:
    """The passages the answer quotes next to citation [number] (as the citation check
    reads them)."""
    from desktop.core.rag.citations import quotes_by_number

    return list(quotes_by_number(answer).get(number, []))


def short_location(source: dict[str, Any]) -> str:
    path = str(source.get("path", ""))
    where = Path(path).name
    heading = shown_heading(path, str(source.get("heading") or ""))
    if heading:
        where += f" — {heading}"
    if source.get("page"):
        first, last = int(source["page"]), int(source.get("page_end") or 0)
        page = (
            QCoreApplication.translate("SourceRow", "pages {page}-{page_end}").format(
                page=first, page_end=last
            )
            if last > first
            else QCoreApplication.translate("SourceRow", "page {page}").format(page=first)
        )
        where += f" · {page}"
    return where


class SourceRow(QFrame):
    clicked = Signal(dict)

    def __init__(self, source: dict[str, Any], problem: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.source = source
        self.setObjectName("sourceRow")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        n = int(source.get("rank", 0))
        self.setAccessibleName(
            self.tr("Source {number}: {where}").format(number=n, where=short_location(source))
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 5)
        layout.setSpacing(1)
        title = QLabel(f"<b>[{n}]</b> {_html(short_location(source))}", self)
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        snippet = " ".join(str(source.get("text", "")).split())
        if len(snippet) > 180:
            snippet = snippet[:179].rsplit(" ", 1)[0] + "…"
        text = QLabel(snippet, self)
        text.setObjectName("muted")
        text.setWordWrap(True)
        layout.addWidget(text)
        if problem:
            warn = QLabel(
                self.tr("⚠ Citation [{number}] not verified: {problem}").format(
                    number=n, problem=problem
                ),
                self,
            )
            warn.setObjectName("warning")
            warn.setWordWrap(True)
            layout.addWidget(warn)
        self.setToolTip(str(source.get("path", "")))

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit(self.source)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit(self.source)
        else:
            super().keyPressEvent(event)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class AnswerWidget(QFrame):
    """One answer: collapsible reasoning, the Markdown body, sources, actions."""

    source_clicked = Signal(dict)
    regenerate = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answer")
        self.message_id = 0
        self.answer_text = ""
        self.reasoning_text = ""
        self.sources: list[dict[str, Any]] = []
        self.unverified: dict[int, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(8)

        self.reasoning_toggle = QToolButton(self)
        self.reasoning_toggle.setObjectName("reasoningToggle")
        self.reasoning_toggle.setCheckable(True)
        self.reasoning_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.reasoning_toggle.setText(self.tr("Reasoning"))
        self.reasoning_toggle.setAccessibleName(self.tr("Show or hide the reasoning"))
        self.reasoning_toggle.toggled.connect(self._toggle_reasoning)
        self.reasoning_toggle.setVisible(False)
        layout.addWidget(self.reasoning_toggle)
        self.reasoning = QLabel(self)
        self.reasoning.setObjectName("reasoning")
        self.reasoning.setWordWrap(True)
        self.reasoning.setTextFormat(Qt.TextFormat.PlainText)
        self.reasoning.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reasoning.setAccessibleName(self.tr("Reasoning"))
        self.reasoning.setVisible(False)
        layout.addWidget(self.reasoning)

        self.body = QLabel(self)
        self.body.setObjectName("answerBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.MarkdownText)
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.body.setAccessibleName(self.tr("Answer"))
        self.body.linkActivated.connect(self._link)
        self.body.setText(self.tr("_Searching your documents…_"))
        layout.addWidget(self.body)

        self.note = QLabel(self)
        self.note.setObjectName("warning")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.note.setAccessibleName(self.tr("Answer status"))
        layout.addWidget(self.note)

        self.sources_box = QWidget(self)
        self.sources_layout = QVBoxLayout(self.sources_box)
        self.sources_layout.setContentsMargins(0, 4, 0, 0)
        self.sources_layout.setSpacing(4)
        self.sources_box.setVisible(False)
        layout.addWidget(self.sources_box)

        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setObjectName("flat")
        self.copy_button.setAccessibleName(self.tr("Copy answer"))
        self.copy_button.setToolTip(self.tr("Copy the answer as Markdown"))
        self.copy_button.clicked.connect(self.copy)
        self.regen_button = QPushButton(self.tr("Regenerate"), self)
        self.regen_button.setObjectName("flat")
        self.regen_button.setAccessibleName(self.tr("Regenerate answer"))
        self.regen_button.clicked.connect(self.regenerate.emit)
        actions.addWidget(self.copy_button)
        actions.addWidget(self.regen_button)
        actions.addStretch(1)
        self.stats = QLabel(self)
        self.stats.setObjectName("muted")
        actions.addWidget(self.stats)
        layout.addLayout(actions)
        self.set_busy(True)

        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_EVERY_MS)
        self._timer.timeout.connect(self._render)

    # --- streaming -------------------------------------------------------------------------

    def add_answer_text(self, text: str) -> None:
        self.answer_text += text
        self._schedule()

    def add_reasoning(self, text: str) -> None:
        self.reasoning_text += text
        self._schedule()

    def add_sources(self, sources: list[dict[str, Any]]) -> None:
        self.sources.extend(sources)
        self._rebuild_sources()

    def _schedule(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _render(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if self.reasoning_text:
            self.reasoning_toggle.setVisible(True)
            self.reasoning.setText(self.reasoning_text.strip())
            if not self.answer_text:
                self.body.setText(self.tr("_Thinking…_"))
        if self.answer_text:
            known = {int(s.get("rank", 0)) for s in self.sources}
            self.body.setText(linked_citations(self.answer_text, set(self.unverified), known))

    def flush(self) -> None:
        self._dirty = True
        self._timer.stop()
        self._render()

    def set_busy(self, busy: bool) -> None:
        self.copy_button.setEnabled(not busy)
        self.regen_button.setEnabled(not busy)

    def finish(
        self,
        answer: str,
        reasoning: str,
        sources: list[dict[str, Any]],
        citations: list[dict[str, Any]],
        status: str = "complete",
        stats: str = "",
    ) -> None:
        self.answer_text, self.reasoning_text = answer, reasoning
        self.unverified = {
            int(c["number"]): str(c.get("problem", "")) for c in citations if not c["verified"]
        }
        self.sources = list(sources)
        self._rebuild_sources()
        self.flush()
        if not answer:
            self.body.setText(self.tr("_No answer._") if status == "complete" else "")
            self.body.setVisible(status == "complete")
        notes = {
            "stopped": self.tr("Stopped."),
            "interrupted": self.tr(
                "This answer was interrupted (Fathom closed while it was written)."
            ),
            "failed": self.tr("This answer failed."),
        }
        if status in notes:
            self.show_note(notes[status])
        missing = [n for n in self.unverified if n not in {int(s["rank"]) for s in sources}]
        if missing:
            listed = ", ".join(f"[{n}]" for n in sorted(missing))
            self.show_note(self.tr("⚠ Citations that match no source: {list}").format(list=listed))
        self.stats.setText(stats)
        self.set_busy(False)

    def show_note(self, text: str) -> None:
        current = self.note.text()
        self.note.setText(f"{current}\n{text}" if current else text)
        self.note.setVisible(True)

    def show_error(self, message: str, hint: str) -> None:
        self.flush()
        if not self.answer_text:
            self.body.setVisible(False)
        self.show_note(message + (f"\n{hint}" if hint else ""))
        self.set_busy(False)

    def _rebuild_sources(self) -> None:
        while self.sources_layout.count():
            item = self.sources_layout.takeAt(0)
            if item is not None and (w := item.widget()) is not None:
                w.deleteLater()
        if not self.sources:
            self.sources_box.setVisible(False)
            return
        header = QLabel(self.tr("Sources"), self.sources_box)
        header.setObjectName("sectionHeader")
        self.sources_layout.addWidget(header)
        for s in self.sources:
            row = SourceRow(s, self.unverified.get(int(s.get("rank", 0)), ""), self.sources_box)
            row.clicked.connect(lambda source: self.source_clicked.emit(self.for_viewer(source)))
            self.sources_layout.addWidget(row)
        self.sources_box.setVisible(True)

    def _toggle_reasoning(self, on: bool) -> None:
        self.reasoning.setVisible(on)
        self.reasoning_toggle.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow
        )

    def _link(self, href: str) -> None:
        if href.startswith("source:"):
            n = int(href.removeprefix("source:"))
            for s in self.sources:
                if int(s.get("rank", 0)) == n:
                    self.source_clicked.emit(self.for_viewer(s))
                    return
        else:
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl(href))

    def for_viewer(self, source: dict[str, Any]) -> dict[str, Any]:
        """A source with what the viewer shows of its citation: the answer's quotes that
        passed the check (``quotes``), or why the check failed (``problem``)."""
        n = int(source.get("rank", 0))
        problem = self.unverified.get(n, "")
        quotes = [] if problem else verified_quotes(self.answer_text, n)
        return {**source, "quotes": quotes, "problem": problem}

    def copy(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.clipboard().setText(self.answer_text)
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(1500, lambda: self.copy_button.setText(self.tr("Copy")))


class UserBubble(QFrame):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("question")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(self.tr("Question"))
        layout.addWidget(label)
        self.text = text


class ChatView(QScrollArea):
    """The conversation, newest at the bottom; follows the stream unless scrolled up."""

    source_clicked = Signal(dict)
    regenerate = Signal(object)  # the AnswerWidget

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setAccessibleName(self.tr("Conversation"))
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget(self)
        inner.setObjectName("chatInner")
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(24, 16, 24, 16)
        self.column.setSpacing(12)
        self.empty = QLabel(inner)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.set_empty_text(False)
        self.column.addStretch(1)
        self.column.addWidget(self.empty)
        self.column.addStretch(2)
        self.setWidget(inner)
        self._follow = True
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._range_changed)
        bar.valueChanged.connect(self._scrolled)

    def set_empty_text(self, has_library: bool) -> None:
        tip = (
            self.tr("Ask a question about your documents below.")
            if has_library
            else self.tr(
                "Drop folders or files here to add them to your library,<br>"
                "or use <b>Add folder…</b> in the sidebar. Then ask a question below."
            )
        )
        title = self.tr("Chat with your documents")
        cite = self.tr("Answers cite their sources; click one to read the passage.")
        self.empty.setText(
            f"<div style='font-size:20pt; font-weight:600'>{title}</div>"
            f"<p style='margin-top:8px'>{tip}</p>"
            f"<p>{cite}</p>"
        )

    def clear(self) -> None:
        while self.column.count() > 3:
            item = self.column.takeAt(1)
            if item is not None and (w := item.widget()) is not None:
                w.deleteLater()
        self.empty.setVisible(True)

    def _insert(self, widget: QWidget) -> None:
        self.empty.setVisible(False)
        self.column.insertWidget(self.column.count() - 2, widget)
        self._follow = True

    def messages(self) -> list[QWidget]:
        out = []
        for i in range(1, self.column.count() - 2):
            item = self.column.itemAt(i)
            w = item.widget() if item is not None else None
            if w is not None:
                out.append(w)
        return out

    def add_question(self, text: str) -> UserBubble:
        bubble = UserBubble(text, self.widget())
        self._insert(bubble)
        return bubble

    def add_answer(self) -> AnswerWidget:
        widget = AnswerWidget(self.widget())
        widget.source_clicked.connect(self.source_clicked.emit)
        widget.regenerate.connect(lambda: self.regenerate.emit(widget))
        self._insert(widget)
        return widget

    def _range_changed(self, _lo: int, hi: int) -> None:
        if self._follow:
            self.verticalScrollBar().setValue(hi)

    def _scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 24


class Composer(QPlainTextEdit):
    """The question box: Enter sends, Shift+Enter starts a new line."""

    send = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setAccessibleName(self.tr("Question"))
        self.setPlaceholderText(
            self.tr("Ask about your documents…  (Enter sends, Shift+Enter: new line)")
        )
        self.setTabChangesFocus(True)
        self.setFixedHeight(72)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.send.emit()
            return
        super().keyPressEvent(event)


class EffortBox(QComboBox):
    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Reasoning effort"))
        self.setToolTip(self.tr("How long the model may think before it answers"))
        for effort, name in (
            ("low", self.tr("Reasoning: low")),
            ("medium", self.tr("Reasoning: medium")),
            ("high", self.tr("Reasoning: high")),
        ):
            self.addItem(name, effort)
        self.setCurrentIndex(max(0, self.findData(current)))

    def effort(self) -> str:
        return str(self.currentData())
