"""What a conversation searches: chips above the question box, and a menu to change it.

A conversation searches the whole library, or only some knowledge folders or files (its
``scope``, saved with it in the history). Each chip names one of them and removes it with
its ✕; the "Search in" menu ticks knowledge folders on and off, picks another folder or
file, or goes back to the whole library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QWidget,
)


def chip_name(path: str) -> str:
    return Path(path).name or path


class ScopeBar(QWidget):
    """Chips for the scope; ``scope_changed`` carries the new list (empty: everything)."""

    scope_changed = Signal(list)

    def __init__(
        self,
        folders: Callable[[], Sequence[str]],
        start_folder: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        """``folders()``: the knowledge folders and files to offer; ``start_folder()``:
        where the "Other folder…" dialog opens."""
        super().__init__(parent)
        self.setObjectName("scopeBar")
        self.setAccessibleName(self.tr("What this chat searches"))
        self._folders = folders
        self._start = start_folder
        self.scope: list[str] = []
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.label = QLabel(self.tr("Searching:"), self)
        self.label.setObjectName("muted")
        self.row.addWidget(self.label)
        self.chips: list[QWidget] = []
        self.menu_button = QToolButton(self)
        self.menu_button.setObjectName("scopeMenu")
        self.menu_button.setText(self.tr("Search in ▾"))
        self.menu_button.setAccessibleName(self.tr("Change what this chat searches"))
        self.menu_button.setToolTip(self.tr("Limit this chat to some knowledge folders or files"))
        self.menu_button.setAutoRaise(True)
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.menu_button)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.menu_button.setMenu(self.menu)
        self.row.addStretch(1)
        self.row.addWidget(self.menu_button)
        self.show_scope([])

    def show_scope(self, scope: Sequence[str]) -> None:
        """Show this scope (a conversation opened); emits nothing."""
        self.scope = list(dict.fromkeys(scope))
        for chip in self.chips:
            self.row.removeWidget(chip)
            chip.hide()  # at once: deleteLater alone leaves it painted until it goes
            chip.deleteLater()
        self.chips = []
        items = self.scope or [""]
        for i, path in enumerate(items):
            chip = self._chip(path)
            self.row.insertWidget(1 + i, chip)
            self.chips.append(chip)

    def _chip(self, path: str) -> QWidget:
        chip = QToolButton(self)
        chip.setObjectName("scopeChip")
        if not path:
            chip.setText(self.tr("Whole library"))
            chip.setAccessibleName(self.tr("This chat searches the whole library"))
            chip.setToolTip(self.tr("Every knowledge folder; use “Search in” to limit this chat"))
            chip.setEnabled(False)
            return chip
        chip.setText(f"{chip_name(path)}  ✕")
        chip.setAccessibleName(self.tr("Searching {name}: remove it").format(name=chip_name(path)))
        chip.setToolTip(f"{path}\n" + self.tr("Click to stop searching it in this chat"))
        chip.clicked.connect(lambda: self.set_scope([p for p in self.scope if p != path]))
        return chip

    def set_scope(self, scope: Sequence[str]) -> None:
        """Change the scope (people did): show it and emit ``scope_changed``."""
        self.show_scope(scope)
        self.scope_changed.emit(list(self.scope))

    def _fill_menu(self) -> None:
        self.menu.clear()
        everything = self.menu.addAction(self.tr("Whole library"))
        everything.setCheckable(True)
        everything.setChecked(not self.scope)
        everything.triggered.connect(lambda: self.set_scope([]))
        self.menu.addSeparator()
        known = list(self._folders())
        for path in dict.fromkeys([*known, *self.scope]):
            action = self.menu.addAction(chip_name(path))
            action.setToolTip(path)
            action.setCheckable(True)
            action.setChecked(path in self.scope)
            action.toggled.connect(lambda on, p=path: self.toggle(p, on))
        if not known:
            none = self.menu.addAction(self.tr("(no knowledge folders yet)"))
            none.setEnabled(False)
        self.menu.addSeparator()
        other = self.menu.addAction(self.tr("Other folder…"))
        other.triggered.connect(self.choose_other)

    def toggle(self, path: str, on: bool) -> None:
        rest = [p for p in self.scope if p != path]
        self.set_scope([*rest, path] if on else rest)

    def choose_other(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Search only in this folder"), self._start()
        )
        if folder:
            self.toggle(str(Path(folder).resolve()), True)
