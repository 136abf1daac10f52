"""Errors that reach people: a message and a hint, never a bare traceback."""

from __future__ import annotations


class FathomError(Exception):
    """An error with a user-facing message and an optional hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class Cancelled(Exception):  # noqa: N818 - it is not an error, people asked for it
    """Raised when a CancelToken was set; fronts ignore it."""


class ConfigError(FathomError):
    """A setting has a bad value or the settings file is unreadable."""


class StoreError(FathomError):
    """The document store cannot be opened or used."""


class StoreLockedError(StoreError):
    """Another process holds the store."""


class DiskFullError(StoreError):
    """The disk that holds the store has no space left."""


class EmbeddingMismatchError(StoreError):
    """The store was built with another embedding model."""


class ModelError(FathomError):
    """A model file is missing, unreadable or of the wrong kind."""


class DownloadError(FathomError):
    """A download failed, was refused or cannot start."""
