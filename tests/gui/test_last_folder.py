"""File and folder dialogs open at home the first time, then where the last pick was
made, also in the next run of the window (real dialogs cannot be driven offscreen: the
static QFileDialog calls are replaced by ones that record where they were opened)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.paths import Paths
from desktop.gui.last_folder import LastFolder
from desktop.gui.main_window import MainWindow


class Dialogs:
    """Stands in for QFileDialog's static calls: records the start folder, gives ``answer``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened_at: list[str] = []
        self.answer: object = ""
        for name in ("getExistingDirectory", "getOpenFileNames", "getSaveFileName"):
            monkeypatch.setattr(QFileDialog, name, staticmethod(self._call(name)))

    def _call(self, name: str) -> object:
        def call(_parent: object, _caption: str, start: str = "", *_rest: object) -> object:
            self.opened_at.append(start)
            if name == "getExistingDirectory":
                return self.answer
            return (self.answer, "")

        return call


def window(qtbot: QtBot, home: Path) -> MainWindow:
    w = MainWindow(Paths(home), autostart=False)
    qtbot.addWidget(w)
    w.add_paths = lambda paths: None  # type: ignore[method-assign,assignment,return-value]
    return w


def test_dialogs_start_at_home_then_where_the_last_pick_was_across_runs(
    qtbot: QtBot, fathom_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "ana"
    manuals, other = home / "Documents" / "manuals", home / "Field" / "notes"
    manuals.mkdir(parents=True)
    other.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    dialogs = Dialogs(monkeypatch)
    no = QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_a, **_k: no))

    first = window(qtbot, fathom_home)
    dialogs.answer = str(manuals)
    first.choose_folder()
    assert dialogs.opened_at == [str(home)]  # the first dialog: the home folder
    dialogs.answer = [str(other / "a.md"), str(other / "b.md")]
    first.choose_files()
    assert dialogs.opened_at[-1] == str(home / "Documents")  # beside the folder added
    first.close()

    second = window(qtbot, fathom_home)  # the next run remembers the files' folder
    dialogs.answer = ""  # cancelled: nothing changes
    second.choose_folder()
    assert dialogs.opened_at[-1] == str(other)
    second.conversation_id = second.backend.chats.create().id
    dialogs.answer = str(home / "exports" / "chat.md")
    (home / "exports").mkdir()
    assert second.export_conversation() == str(home / "exports" / "chat.md")
    assert dialogs.opened_at[-1] == str(other / "conversation.md")  # a save: name there too
    second.choose_folder()
    assert dialogs.opened_at[-1] == str(home / "exports")
    assert (fathom_home / "window.json").is_file()


def test_a_remembered_folder_that_is_gone_gives_way_to_its_parent_then_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    last = LastFolder(tmp_path / "base")
    assert last.start() == str(tmp_path / "home")
    (tmp_path / "a" / "b").mkdir(parents=True)
    last.chose_files([tmp_path / "a" / "b" / "c.txt"])
    assert LastFolder(tmp_path / "base").start() == str(tmp_path / "a" / "b")
    (tmp_path / "a" / "b").rmdir()
    assert last.start() == str(tmp_path / "a")
    last.chose_files(["/no/such/folder/x.txt"])  # walks up to the root: home instead
    assert last.start() == str(tmp_path / "home")
    (tmp_path / "base" / "window.json").write_text("not json")
    assert last.start() == str(tmp_path / "home")
