"""Knowledge folders: their files, chunks, last sync and failures; the indexing progress."""

from __future__ import annotations

import re
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chats import KnowledgeFolder


def ago(when: float, now: float | None = None) -> str:
    if not when:
        return QCoreApplication.translate("LibraryPanel", "never")
    s = max(0, int((now or time.time()) - when))
    if s < 60:
        return QCoreApplication.translate("LibraryPanel", "just now")
    if s < 3600:
        return QCoreApplication.translate("LibraryPanel", "{minutes} min ago").format(
            minutes=s // 60
        )
    if s < 86400:
        return QCoreApplication.translate("LibraryPanel", "{hours} h ago").format(hours=s // 3600)
    return time.strftime("%Y-%m-%d", time.localtime(when))


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds + 0.5)
    left = f"{s // 60}:{s % 60:02d}"
    return QCoreApplication.translate("IndexingProgress", "{time} left").format(time=left)


CJK = "\u3000-\u9fff\uff00-\uffef"


def keep_together(part: str) -> str:
    """A part of a wrapped line that must not break inside (Chinese text breaks between
    any two characters): a word joiner between CJK characters, a no-break space before
    them. Text without CJK characters is left as it is."""
    part = re.sub(f" (?=[{CJK}])", "\u00a0", part)
    return re.sub(f"(?<=[{CJK}])(?=[{CJK}])", "\u2060", part)


BAR_STEPS = 100  # the bar moves in hundredths of a file: within a file, per batch
# The share of a file's step that reading its pages fills (OCR: seconds a page), before
# its chunks are embedded (a tenth of a second each).
READ_SHARE = 0.9
EMBEDDED = ("added", "updated")  # what a FileDone with these statuses cost: its chunks


class IndexingProgress(QFrame):
    """Files, chunks, the current file and an ETA, with Cancel.

    The bar and the ETA count chunks, not files: a file's chunks embedded so far move the
    bar within it (``chunks_embedded``, from the core's per-batch events), and the time
    left is the chunks still to embed at the rate measured so far. Files whose content did
    not change cost nothing and lower the expected chunks per file that is left.
    """

    cancel = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressBox")
        self.setAccessibleName(self.tr("Indexing progress"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        self.current = QLabel(self.tr("Preparing…"), self)
        self.current.setMinimumWidth(10)
        self.current.setObjectName("muted")
        self.current.setAccessibleName(self.tr("File being indexed"))
        layout.addWidget(self.current)
        row = QHBoxLayout()
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName(self.tr("Indexing progress bar"))
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        row.addWidget(self.bar, 1)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel indexing"))
        self.cancel_button.clicked.connect(self.cancel.emit)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        self.counts.setAccessibleName(self.tr("Indexing counts"))
        layout.addWidget(self.counts)
        self.reset()

    def reset(self) -> None:
        self.total = 0
        self.done = 0
        self.chunks = 0
        self.failed = 0
        self.embedded = 0  # chunks embedded by this run
        self.file_path = ""  # the file being embedded, its chunks done and in all
        self.file_done = 0
        self.file_total = 0
        self.t0 = time.monotonic()
        self.t_first: float | None = None
        self.bar.setRange(0, 0)
        self.current.setText(self.tr("Looking for files…"))
        self.counts.setText("")

    def started(self, total: int) -> None:
        self.total = total
        self.t_first = time.monotonic()
        self.bar.setRange(0, max(1, total) * BAR_STEPS)
        self.bar.setValue(0)
        self._update()

    def page_reading(self, path: str, page: int, pages: int, ocr: bool) -> None:
        """The file the run waits for is being read, ``page`` of ``pages`` (by OCR when
        ``ocr``): the bar moves per page, before the file's chunks are embedded."""
        text = self.tr("{file}: page {page} / {pages}").format(
            file=Path(path).name, page=f"{page:,}", pages=f"{pages:,}"
        )
        self.current.setText(text + (" " + self.tr("(OCR)") if ocr else ""))
        part = int(BAR_STEPS * READ_SHARE * (page - 1) / pages) if pages else 0
        self._move_to(self.done * BAR_STEPS + part)

    def chunks_embedded(self, path: str, done: int, total: int) -> None:
        """``done`` of the ``total`` chunks of ``path`` are embedded (each batch)."""
        before = self.file_done if path == self.file_path else 0
        self.embedded += max(0, done - before)
        self.file_path, self.file_done, self.file_total = path, done, total
        self.current.setText(
            self.tr("{file}: {done} / {total} chunks").format(
                file=Path(path).name, done=f"{done:,}", total=f"{total:,}"
            )
        )
        part = int(BAR_STEPS * done / total) if total else 0
        self._move_to(self.done * BAR_STEPS + part)
        self._update()

    def _move_to(self, value: int) -> None:
        """The bar only moves forward: within a file, its pages read, then its chunks."""
        self.bar.setValue(min(max(self.bar.value(), value), self.bar.maximum()))

    def file_finished(self, path: str, done: int, chunks: int, status: str) -> None:
        """A file is settled (``status`` as in the core's FileDone), ``done`` files so far."""
        if status in EMBEDDED:
            already = self.file_done if path == self.file_path else 0
            self.embedded += max(0, chunks - already)
        if path == self.file_path:
            self.file_path, self.file_done, self.file_total = "", 0, 0
        self.done = done
        self.chunks += chunks
        self.failed += int(status == "failed")
        self.bar.setValue(min(done * BAR_STEPS, self.bar.maximum()))
        self.current.setText(Path(path).name)
        self._update()

    def chunks_left(self) -> float:
        """Chunks still to embed: the rest of the current file, and for each file not
        reached yet the chunks per file seen so far (unchanged files counting none)."""
        in_file = max(0, self.file_total - self.file_done)
        others = max(0, self.total - self.done - (1 if self.file_path else 0))
        per_file = self.embedded / self.done if self.done else float(self.file_total)
        return in_file + others * per_file

    def eta(self) -> float | None:
        if not self.embedded or not self.total or self.t_first is None:
            return None
        spent = time.monotonic() - self.t_first
        if spent <= 0:
            return None
        return self.chunks_left() / (self.embedded / spent)

    def _update(self) -> None:
        parts = [
            self.tr("{done} / {total} files").format(
                done=f"{self.done:,}", total=f"{self.total:,}"
            ),
            self.tr("{count} chunks").format(count=f"{self.chunks:,}"),
        ]
        if self.failed:
            parts.append(self.tr("{count} failed").format(count=self.failed))
        eta = eta_text(self.eta())
        if eta:
            parts.append(eta)
        self.counts.setText(" · ".join(keep_together(p) for p in parts))


class LibraryPanel(QWidget):
    add_requested = Signal()
    resync_requested = Signal()
    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Knowledge folders"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        header = QLabel(self.tr("Knowledge"), self)
        header.setObjectName("sidebarHeader")
        layout.addWidget(header)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("folders")
        self.tree.setAccessibleName(self.tr("Knowledge folders list"))
        self.tree.setHeaderLabels([self.tr("Folder"), self.tr("Files"), self.tr("Chunks")])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        h = self.tree.header()
        h.setAccessibleName(self.tr("Knowledge folder columns"))
        h.setStretchLastSection(False)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._selection)
        layout.addWidget(self.tree, 1)
        self.progress = IndexingProgress(self)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.add_button = QPushButton(self.tr("Add folder…"), self)
        self.add_button.setAccessibleName(self.tr("Add a knowledge folder"))
        self.add_button.clicked.connect(self.add_requested.emit)
        self.resync_button = QPushButton(self.tr("Re-sync"), self)
        self.resync_button.setAccessibleName(self.tr("Re-sync the knowledge folders"))
        self.resync_button.setToolTip(self.tr("Index new and changed files again"))
        self.resync_button.clicked.connect(self.resync_requested.emit)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setAccessibleName(self.tr("Remove the selected knowledge folder"))
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._remove)
        for b in (self.add_button, self.resync_button, self.remove_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

    def show_folders(self, folders: list[KnowledgeFolder]) -> None:
        self.tree.clear()
        for f in folders:
            name = Path(f.path).name or f.path
            item = QTreeWidgetItem([name, f"{f.files:,}", f"{f.chunks:,}"])
            item.setData(0, Qt.ItemDataRole.UserRole, f.path)
            synced = ago(f.last_sync)
            item.setToolTip(0, f"{f.path}\n" + self.tr("Last sync: {when}").format(when=synced))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
            sync = QTreeWidgetItem([self.tr("Synced {when}").format(when=synced), "", ""])
            sync.setForeground(0, QBrush(QColor("#808080")))
            sync.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.addChild(sync)
            sync.setFirstColumnSpanned(True)
            if f.failures:
                failed = self.tr("⚠ {count} failed").format(count=len(f.failures))
                fails = QTreeWidgetItem([failed, "", ""])
                fails.setForeground(0, QBrush(QColor("#d9534f")))
                for path, why in f.failures:
                    child = QTreeWidgetItem([f"{Path(path).name}: {why}", "", ""])
                    child.setToolTip(0, f"{path}\n{why}")
                    fails.addChild(child)
                    child.setFirstColumnSpanned(True)
                item.addChild(fails)
                fails.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(item)
            if f.failures:
                item.setExpanded(True)
        self.resync_button.setEnabled(bool(folders))
        self._selection()

    def failures_shown(self) -> list[str]:
        out: list[str] = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            for j in range(item.childCount() if item else 0):
                group = item.child(j) if item else None
                if group is not None:
                    out += [group.child(k).text(0) for k in range(group.childCount())]  # type: ignore[union-attr]
        return out

    def selected_path(self) -> str:
        items = self.tree.selectedItems()
        if not items:
            return ""
        item = items[0]
        while (parent := item.parent()) is not None:
            item = parent
        return str(item.data(0, Qt.ItemDataRole.UserRole) or "")

    def _selection(self) -> None:
        self.remove_button.setEnabled(bool(self.selected_path()))

    def _remove(self) -> None:
        path = self.selected_path()
        if path:
            self.remove_requested.emit(path)
