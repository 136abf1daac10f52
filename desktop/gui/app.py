"""The Qt application and the main window (a first, plain version)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from desktop import __version__
from desktop.core.paths import Paths


class MainWindow(QMainWindow):
    def __init__(self, paths: Paths) -> None:
        super().__init__()
        self.setWindowTitle("Fathom")
        self.setAccessibleName("Fathom main window")
        self.resize(960, 640)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        title = QLabel("<h1>Fathom</h1>", body)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note = QLabel(
            "Chat with your own documents, locally.<br><br>"
            "The chat window is being built. Meanwhile use the terminal:<br>"
            '<code>fathom ingest FOLDER</code> and <code>fathom ask "QUESTION"</code>.<br><br>'
            f"Your library lives in <code>{paths.base}</code>.",
            body,
        )
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addStretch(2)
        self.setCentralWidget(body)
        self.statusBar().showMessage(f"Fathom {__version__}")


def run_app(base_dir: Path | None, quit_after: float | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Fathom")
    window = MainWindow(Paths(base_dir) if base_dir else Paths.default())
    window.show()
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), app.quit)
    return int(app.exec())
