"""The window opens offscreen; without a display, a readable message instead."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.paths import Paths
from desktop.gui.app import MainWindow
from desktop.gui.launch import display_problem
from tests.cli import fathom


def test_main_window_shows(qtbot: QtBot, fathom_home: Path, tmp_path: Path) -> None:
    window = MainWindow(Paths(fathom_home))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Fathom"
    assert window.accessibleName()
    shot = window.grab()
    assert not shot.isNull() and shot.width() > 0
    assert shot.save(str(tmp_path / "window.png"))


def test_python_m_desktop_opens_the_window_offscreen() -> None:
    proc = fathom("gui", "--quit-after", "0.5", env={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_without_a_display_the_message_is_clear() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "desktop"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert "needs a graphical display" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert display_problem({}) is not None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_an_unreachable_x_display_is_explained() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":97"  # no X server there
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "desktop"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert "X display :97 does not answer" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_unreadable_history_is_explained_not_a_traceback(fathom_home: Path) -> None:
    fathom_home.mkdir(parents=True, exist_ok=True)
    (fathom_home / "chats.sqlite3").write_bytes(b"not a database" * 200)
    proc = fathom("gui", "--quit-after", "0.5", env={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 1
    assert "conversation history" in proc.stderr and "hint:" in proc.stderr
    assert "Traceback" not in proc.stderr
