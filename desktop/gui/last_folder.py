"""Where the window's file and folder dialogs start: the home folder the first time, then
the folder of the last pick, remembered across runs in ``window.json`` in Fathom's folder.

A folder picked with a folder dialog is remembered by its parent, so the next dialog
shows it among its neighbours; files picked or saved are remembered by their folder. A
remembered folder that is gone gives way to its nearest existing parent, then home.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

STATE_FILE = "window.json"
KEY = "last_folder"


class LastFolder:
    def __init__(self, base: Path) -> None:
        """``base``: Fathom's folder (``Paths.base``), where ``window.json`` lives."""
        self.file = Path(base) / STATE_FILE

    def _state(self) -> dict[str, object]:
        try:
            state = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def start(self) -> str:
        """The folder a dialog should open in."""
        saved = self._state().get(KEY)
        if isinstance(saved, str) and saved:
            folder = Path(saved)
            while not folder.is_dir() and folder.parent != folder:
                folder = folder.parent
            if folder.is_dir() and (str(folder) == saved or folder.parent != folder):
                return str(folder)  # not the root a vanished folder's walk ended at
        return str(Path.home())

    def start_for(self, name: str) -> str:
        """A save dialog's suggestion: ``name`` in the folder of the last pick."""
        return str(Path(self.start()) / name)

    def chose_folder(self, folder: str | Path) -> None:
        """A folder dialog gave ``folder``: the next dialog opens beside it."""
        path = Path(folder)
        self._save(path.parent if path.parent != path else path)

    def chose_files(self, files: Sequence[str | Path]) -> None:
        """A file dialog gave ``files`` (or a save dialog one file): open in their folder."""
        if files:
            self._save(Path(files[0]).parent)

    def _save(self, folder: Path) -> None:
        state = self._state()
        state[KEY] = str(folder)
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(self.file.name + ".tmp")
            tmp.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.file)
        except OSError:
            pass  # only a convenience: the next dialog opens at home
