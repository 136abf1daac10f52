"""Start the window, or explain in one readable message why it cannot start.

Checked before any Qt import: a display to show the window on, that Qt's platform plugin
can load (its system libraries are installed: desktop/gui/platform_check.py), and that Qt
loads. Each problem is one message and a hint on stderr and exit code 2, never Qt's abort.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

EXIT_NO_DISPLAY = 2  # no display, or Qt's platform plugin cannot load here


def x11_reachable(display: str) -> bool:
    """Whether an X server answers on ``display`` (asked through libxcb, as Qt would)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("xcb")
    if not name:
        return True  # cannot tell: let Qt try
    xcb = ctypes.CDLL(name)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return conn is not None and xcb.xcb_connection_has_error(conn) == 0
    finally:
        if conn:
            xcb.xcb_disconnect(conn)


def display_problem(environ: Mapping[str, str] = os.environ) -> str | None:
    """Why no window can be shown here, or None when a display is there."""
    if not sys.platform.startswith("linux"):
        return None
    if environ.get("QT_QPA_PLATFORM") or environ.get("WAYLAND_DISPLAY"):
        return None
    display = environ.get("DISPLAY")
    if not display:
        return (
            "Fathom's window needs a graphical display, and there is none "
            "(DISPLAY and WAYLAND_DISPLAY are not set)."
        )
    if not x11_reachable(display):
        return (
            "Fathom's window needs a graphical display, "
            f"and the X display {display} does not answer."
        )
    return None


def _fail(message: str, hint: str) -> int:
    print(f"fathom: error: {message}", file=sys.stderr)
    print(f"  hint: {hint}", file=sys.stderr)
    return EXIT_NO_DISPLAY


def launch(base_dir: Path | None, quit_after: float | None = None) -> int:
    problem = display_problem()
    if problem:
        return _fail(
            problem, "Start Fathom from a desktop session, or use the terminal: fathom --help"
        )
    from desktop.gui.platform_check import platform_problem

    plugin = platform_problem()
    if plugin is not None:
        return _fail(plugin.message, plugin.hint)
    try:
        from desktop.gui.app import run_app
    except ImportError as exc:
        return _fail(
            f"Qt could not be loaded: {exc}",
            "Reinstall Fathom; on Linux also install the system's libEGL and libxkbcommon.",
        )
    return run_app(base_dir, quit_after=quit_after)
