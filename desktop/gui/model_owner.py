"""The chat model's lifecycle in the window: load it in the background, hold it, free it.

One model at a time, whose own thread runs every generation (``LlamaCppModel`` owns a
thread). Loading goes through the model's declared ``ModelLoading`` protocol
(desktop/core/llm/base.py): a local model reports how far it got, a server's model is
loaded at once. The ``state`` signal drives the status bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, Signal

from desktop.core.llm.base import ChatModel
from desktop.core.progress import CancelToken
from desktop.gui.workers import ErrorInfo, Job, run_job

LOAD_POLL_S = 0.1  # how often the loaded fraction is read while a local model loads


class ModelOwner(QObject):
    """Loads the chat model in the background and holds it; one model at a time.

    ``state`` carries ``(state, detail)``: ``"not loaded"``, ``"loading"``, ``"ready"``
    (detail: the model's name and CPU, GPU or remote) or ``"failed"`` (detail: the
    message).
    """

    state = Signal(str, str)
    progress = Signal(int)  # percent loaded, while loading a local model
    failed = Signal(object)  # ErrorInfo

    def __init__(self, build: Callable[[], ChatModel]) -> None:
        """``build()`` makes the model (e.g. ``services.chat_model``); it runs off the GUI
        thread, and so does the wait for the model to be in memory."""
        super().__init__()
        self._build = build
        self.model: ChatModel | None = None
        self.current = "not loaded"
        self.detail = ""
        self._job: Job | None = None
        self._again = False  # a load asked for while another was running

    @property
    def ready(self) -> bool:
        return self.current == "ready" and self.model is not None

    def load(self) -> None:
        """Load the configured model. Asked again while loading (another model was
        picked), the running load is aborted and the new one starts when it has stopped."""
        if self._job is not None and self._job.running:
            self._again = True
            self._job.cancel()
            return
        self._again = False
        self._set("loading", "")
        self._job = run_job(
            self._load_work,
            on_event=self._progress,
            on_done=self._loaded,
            on_failed=self._failed,
            on_cancelled=self._load_stopped,
            name="fathom-model-load",
        )

    def _load_work(self, cancel: CancelToken) -> Iterator[int | ChatModel]:
        """Yields the loaded percentage while a local model loads, then the model. A load
        that is stopped (cancelled, or the generator closed) frees the model."""
        model = self._build()
        try:
            last = -1
            while not model.loaded:
                cancel.raise_if_cancelled()
                percent = int(100 * model.load_fraction)
                if percent != last:
                    last = percent
                    yield percent
                time.sleep(LOAD_POLL_S)
            model.wait_loaded()  # raises what loading raised
            cancel.raise_if_cancelled()
            yield model
        except BaseException:
            model.close()  # aborts llama.cpp's load at its next progress step
            raise

    def _progress(self, item: int | ChatModel) -> None:
        if isinstance(item, int):
            self.progress.emit(item)

    def _load_stopped(self) -> None:
        self._job = None
        if self._again:
            self.load()
        else:
            self._set("not loaded", "")

    def _loaded(self, model: ChatModel) -> None:
        if self._job is not None and self._job.token.cancelled:  # stopped as it finished
            close_in_background(model)
            self._load_stopped()
            return
        self._job = None
        self.model = model
        self._set("ready", f"{model.name} · {model.capabilities.device}")

    def _failed(self, info: ErrorInfo) -> None:
        self._job = None
        self._set("failed", info.message)
        self.failed.emit(info)

    def _set(self, state: str, detail: str) -> None:
        self.current, self.detail = state, detail
        self.state.emit(state, detail)

    def unload(self) -> None:
        """Close the model on a worker thread (joining its thread may take a moment); a
        load still running is stopped, not left to finish as "ready"."""
        if self._job is not None and self._job.running:
            self._again = False
            self._job.cancel()
        model, self.model = self.model, None
        if model is not None:
            close_in_background(model)
        self._set("not loaded", "")

    def close_now(self) -> None:
        if self._job is not None:
            self._job.wait(60_000)
        if self.model is not None:
            self.model.close()
            self.model = None


def close_in_background(model: ChatModel) -> Job:
    """Free a model on a worker (its failure shows the standard error dialog)."""
    return run_job(lambda _c: model.close(), name="fathom-model-close")
