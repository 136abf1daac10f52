"""Keyboard use, accessible names, the error dialog, palettes: no store or model needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
)
from pytestqt.qtbot import QtBot

from desktop.core.errors import StoreLockedError
from desktop.core.paths import Paths
from desktop.gui.app import dark_palette, is_dark
from desktop.gui.chat_view import linked_citations
from desktop.gui.errors import ErrorDialog
from desktop.gui.main_window import MainWindow
from desktop.gui.workers import ErrorInfo


@pytest.fixture
def window(qtbot: QtBot, fathom_home: Path) -> MainWindow:
    w = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_control_has_an_accessible_name(window: MainWindow) -> None:
    kinds = (QAbstractButton, QLineEdit, QPlainTextEdit, QComboBox, QAbstractItemView)
    controls = []
    for kind in kinds:
        controls += [c for c in window.findChildren(kind) if c.isVisibleTo(window)]
    assert len(controls) > 10
    nameless = [
        type(c).__name__
        for c in controls
        if not (c.accessibleName() or (isinstance(c, QAbstractButton) and c.text()))
    ]
    assert not nameless


def test_enter_sends_shift_enter_breaks_the_line(window: MainWindow, qtbot: QtBot) -> None:
    sent: list[str] = []
    window.composer.send.disconnect()
    window.composer.send.connect(lambda: sent.append(window.composer.toPlainText()))
    window.composer.setFocus()
    qtbot.keyClicks(window.composer, "first")
    qtbot.keyClick(window.composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.composer, "second")
    assert window.composer.toPlainText() == "first\nsecond" and not sent
    qtbot.keyClick(window.composer, Qt.Key.Key_Return)
    assert sent == ["first\nsecond"]


def test_ctrl_n_and_esc_are_bound(window: MainWindow) -> None:
    assert window.new_action.shortcut().toString() == "Ctrl+N"
    assert window.stop_action.shortcut().toString() == "Esc"
    window.chat.add_question("old")
    window.new_action.trigger()
    assert window.chat.messages() == [] and window.conversation_id is None
    assert window.settings_action.text() and window.models_action.text()


def test_the_error_dialog_copies_message_hint_and_details(qtbot: QtBot) -> None:
    try:
        raise StoreLockedError("The store is in use.", "Close the other Fathom.")
    except StoreLockedError as exc:
        info = ErrorInfo.from_exception(exc)
    dialog = ErrorDialog(info)
    qtbot.addWidget(dialog)
    assert dialog.message.text() == "The store is in use."
    assert dialog.hint.text() == "Close the other Fathom."
    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert "The store is in use." in copied and "Hint: Close the other Fathom." in copied
    assert "Traceback" in copied and "StoreLockedError" in copied
    assert not info.bug and ErrorInfo.from_exception(KeyError("x")).bug


def test_citations_link_to_sources_and_unverified_ones_are_marked() -> None:
    out = linked_citations("A [1], B [2] and [7].", {2}, {1, 2})
    assert "[\\[1\\]](source:1)" in out and "[\\[2\\] ⚠](source:2)" in out
    assert out.endswith("and [7].")


def test_the_palette_follows_the_chosen_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    monkeypatch.setenv("FATHOM_THEME", "dark")
    assert is_dark(app)
    monkeypatch.setenv("FATHOM_THEME", "light")
    assert not is_dark(app)
    assert dark_palette().base().color().lightness() < 60
