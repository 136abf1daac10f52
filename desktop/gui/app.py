"""The Qt application: palette and style, the error hook, and the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desktop.core.paths import Paths
from desktop.gui import i18n
from desktop.gui.main_window import EXIT_STORE_LOCKED, MainWindow

__all__ = ["EXIT_STORE_LOCKED", "MainWindow", "apply_look", "run_app"]

THEME_ENV = "FATHOM_THEME"  # "light" or "dark" overrides the system's choice


def style_sheet() -> str:
    for base in (Path(__file__).resolve().parents[2], Path(getattr(sys, "_MEIPASS", "."))):
        qss = base / "resources" / "style.qss"
        if qss.exists():
            return qss.read_text(encoding="utf-8")
    return ""


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2023",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#18191b",
        QPalette.ColorRole.AlternateBase: "#26282c",
        QPalette.ColorRole.ToolTipBase: "#2b2d31",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#9a9ca3",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2b2d31",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Highlight: "#3d7be0",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7aa7f5",
        QPalette.ColorRole.Light: "#3a3c41",
        QPalette.ColorRole.Midlight: "#303237",
        QPalette.ColorRole.Mid: "#4a4c52",
        QPalette.ColorRole.Dark: "#111214",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c6e74"))
    return p


def light_palette(app: QApplication) -> QPalette:
    p = app.style().standardPalette()
    p.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fd6"))
    p.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.Window, QColor("#f4f5f7"))
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#eef0f3"))
    p.setColor(QPalette.ColorRole.Midlight, QColor("#e1e4e8"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#6b7079"))
    return p


def is_dark(app: QApplication) -> bool:
    forced = os.environ.get(THEME_ENV, "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_look(app: QApplication) -> None:
    """Fusion, a palette that follows the system's light or dark scheme, Fathom's style."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if is_dark(app) else light_palette(app))
    app.setStyleSheet(style_sheet())


def make_app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Fathom")
    app.setOrganizationName("Fathom")
    apply_look(app)
    app.styleHints().colorSchemeChanged.connect(lambda _s: apply_look(app))
    i18n.install(app)  # the system's language, or FATHOM_LANG; before any window is built
    return app


def run_app(base_dir: Path | None, quit_after: float | None = None) -> int:
    """The window's composition root: the paths and the services' maker are decided here
    and passed in (the services are made on a worker once the window shows)."""
    from desktop.core.errors import FathomError
    from desktop.gui.backend import load_services
    from desktop.gui.errors import ErrorDialog, install_excepthook
    from desktop.gui.workers import ErrorInfo

    app = make_app()
    install_excepthook()
    paths = Paths(base_dir) if base_dir else Paths.default()
    try:
        window = MainWindow(paths, services=load_services(paths))
    except FathomError as exc:  # e.g. an unreadable conversation history
        info = ErrorInfo.from_exception(exc)
        print(f"fathom: error: {info.message}\n  hint: {info.hint}", file=sys.stderr)
        dialog = ErrorDialog(info, None, QCoreApplication.translate("App", "Fathom cannot start"))
        if quit_after is not None:
            QTimer.singleShot(int(quit_after * 1000), dialog.reject)
        dialog.exec()
        return 1
    window.show()
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
        QTimer.singleShot(int(quit_after * 1000), app.quit)
    rc = int(app.exec())
    return window.exit_code or rc
