"""Cancellation and progress: the core's long work honours a CancelToken."""

from __future__ import annotations

import threading

from desktop.core.errors import Cancelled


class CancelToken:
    """A flag set from any thread and checked by long work between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()
