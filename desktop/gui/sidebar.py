"""The sidebar: conversations (new, rename, delete, search) above the knowledge folders."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chats import Conversation
from desktop.gui.library_panel import LibraryPanel


class ConversationList(QWidget):
    selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Conversations"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        top = QHBoxLayout()
        header = QLabel(self.tr("Chats"), self)
        header.setObjectName("sidebarHeader")
        top.addWidget(header, 1)
        self.new_button = QPushButton(self.tr("New chat"), self)
        self.new_button.setObjectName("primary")
        self.new_button.setAccessibleName(self.tr("New chat"))
        self.new_button.setToolTip(self.tr("Start a new conversation (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_requested.emit)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search conversations"))
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_changed.emit)
        layout.addWidget(self.search)
        self.list = QListWidget(self)
        self.list.setObjectName("conversations")
        self.list.setAccessibleName(self.tr("Conversation list"))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.currentItemChanged.connect(self._current)
        layout.addWidget(self.list, 1)
        rename = QAction(self.tr("Rename"), self.list)
        rename.setShortcut(QKeySequence(Qt.Key.Key_F2))
        rename.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        rename.triggered.connect(lambda: self._emit(self.rename_requested))
        delete = QAction(self.tr("Delete"), self.list)
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(lambda: self._emit(self.delete_requested))
        self.list.addActions([rename, delete])
        self._rename, self._delete = rename, delete
        self._quiet = False

    def show_conversations(self, conversations: list[Conversation], current: int | None) -> None:
        self._quiet = True
        self.list.clear()
        for c in conversations:
            item = QListWidgetItem(c.title)
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(c.title)
            self.list.addItem(item)
            if c.id == current:
                self.list.setCurrentItem(item)
        self._quiet = False

    def current_id(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _current(self, item: QListWidgetItem | None, _prev: object) -> None:
        if item is not None and not self._quiet:
            self.selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _emit(self, signal: SignalInstance) -> None:
        cid = self.current_id()
        if cid is not None:
            signal.emit(cid)

    def _menu(self, pos: QPoint) -> None:
        if self.list.itemAt(pos) is None:
            return
        menu = QMenu(self)
        menu.addAction(self._rename)
        menu.addAction(self._delete)
        menu.exec(self.list.viewport().mapToGlobal(pos))


class Sidebar(QSplitter):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("sidebar")
        self.setAccessibleName(self.tr("Sidebar"))
        self.setChildrenCollapsible(False)
        self.conversations = ConversationList(self)
        self.library = LibraryPanel(self)
        for w in (self.conversations, self.library):
            w.setContentsMargins(10, 10, 10, 10)
            self.addWidget(w)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
