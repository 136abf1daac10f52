"""Errors reach people as a readable dialog: the message, a hint, and "Copy details"."""

from __future__ import annotations

import sys
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.gui.workers import ErrorInfo


class ErrorDialog(QDialog):
    def __init__(self, info: ErrorInfo, parent: QWidget | None = None, title: str = "") -> None:
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(title or "Fathom")
        self.setAccessibleName(self.tr("Error"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        icon = QLabel(self)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(40, 40)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(icon)
        text = QVBoxLayout()
        self.message = QLabel(info.message, self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.message.font()
        font.setBold(True)
        self.message.setFont(font)
        self.message.setAccessibleName(self.tr("Error message"))
        text.addWidget(self.message)
        self.hint = QLabel(info.hint, self)
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName(self.tr("Hint"))
        self.hint.setVisible(bool(info.hint))
        text.addWidget(self.hint)
        top.addLayout(text, 1)
        layout.addLayout(top)
        self.details = QPlainTextEdit(info.details, self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Error details"))
        self.details.setVisible(False)
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.copy_button = QPushButton(self.tr("Copy details"), self)
        self.copy_button.setAccessibleName(self.tr("Copy error details"))
        self.copy_button.clicked.connect(self.copy_details)
        self.show_button = QPushButton(self.tr("Show details"), self)
        self.show_button.setAccessibleName(self.tr("Show error details"))
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(self._toggle)
        self.show_button.setEnabled(bool(info.details))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.show_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def _toggle(self, on: bool) -> None:
        self.details.setVisible(on)
        self.show_button.setText(self.tr("Hide details") if on else self.tr("Show details"))
        self.adjustSize()

    def details_text(self) -> str:
        parts = [self.info.message]
        if self.info.hint:
            parts.append(f"Hint: {self.info.hint}")
        if self.info.details:
            parts.append(self.info.details)
        return "\n\n".join(parts)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details_text())
        self.copy_button.setText(self.tr("Copied"))


def show_error(parent: QWidget | None, info: ErrorInfo, title: str = "") -> ErrorDialog:
    """Show the error without blocking the caller (the dialog is window-modal)."""
    dialog = ErrorDialog(info, parent, title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog


def install_excepthook(parent_of: object = None) -> None:
    """Route uncaught exceptions (in slots, too) to an error dialog instead of stderr."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__traceback__ = tb
        app = QApplication.instance()
        parent = app.activeWindow() if isinstance(app, QApplication) else None
        if app is None:
            sys.__excepthook__(kind, exc, tb)
            return
        show_error(parent, ErrorInfo.from_exception(exc))

    sys.excepthook = hook
