"""One base directory holds all of a person's Fathom state.

The default is the platform's user data directory; ``FATHOM_HOME`` overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "Fathom"
HOME_ENV = "FATHOM_HOME"


def default_base_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Paths:
    """Every file and folder Fathom writes lives under ``base``."""

    base: Path

    @classmethod
    def default(cls) -> Paths:
        return cls(default_base_dir())

    @property
    def settings_file(self) -> Path:
        return self.base / "settings.json"

    @property
    def store_dir(self) -> Path:
        """The default Milvus Lite store (a directory)."""
        return self.base / "store" / "fathom.db"

    @property
    def models_dir(self) -> Path:
        return self.base / "models"

    @property
    def hub_cache(self) -> Path:
        """huggingface-hub's cache for models fetched by hub id."""
        return self.models_dir / "hub"

    @property
    def chats_db(self) -> Path:
        return self.base / "chats.sqlite3"

    def ensure(self) -> Paths:
        self.base.mkdir(parents=True, exist_ok=True)
        return self
