"""The one adapter between the core's long work and Qt: everything slow runs here.

The GUI thread never calls a model, an embedder, the store or reads a file. It starts a
``Job`` instead: the job runs ``work(cancel)`` on a worker ``QThread``; when ``work``
returns an iterator (the core's generators), every item it yields arrives on the GUI
thread as ``yielded``; then exactly one of ``done`` (with the last item, or ``work``'s
return value when it is not an iterator), ``failed`` (an ``ErrorInfo``) or ``cancelled``.

    job = Job(lambda cancel: ingest(paths, store, embedder, cancel=cancel), lane=STORE_WRITES)
    job.yielded.connect(on_event)            # Started / FileDone / ... on the GUI thread
    job.done.connect(on_summary)           # the last event (Summary)
    job.failed.connect(show_error)         # ErrorInfo(message, hint, details)
    job.start()
    job.cancel()                           # sets the CancelToken the work was given

A ``lane`` (a ``Lane``) makes jobs on it run one at a time, in the order started (the
store's writer lane, the model's lane); a job waiting for its lane can be cancelled.

``ModelOwner`` loads the chat model in the background and keeps it: one model, whose own
thread runs every generation (``LlamaCppModel`` owns a thread); its ``state`` signal
drives the status bar.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from desktop.core.errors import Cancelled, FathomError
from desktop.core.progress import CancelToken

Work = Callable[[CancelToken], Any]


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong, for people: a message, a hint, and the details to copy."""

    message: str
    hint: str = ""
    details: str = ""
    bug: bool = False  # not a FathomError: unexpected, worth a dialog and a report
    kind: str = ""  # the FathomError's class name, for a front that handles one kind itself

    @classmethod
    def from_exception(cls, exc: BaseException) -> ErrorInfo:
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if isinstance(exc, FathomError):
            return cls(exc.message, exc.hint, details, kind=type(exc).__name__)
        if isinstance(exc, MemoryError):
            return cls(
                "Fathom ran out of memory.",
                "Close other programs, or pick a smaller model in Models….",
                details,
            )
        if isinstance(exc, OSError):
            return cls(
                f"A file could not be used: {exc}",
                "Check that the file exists and that you may read it.",
                details,
            )
        return cls(
            f"Something went wrong: {type(exc).__name__}: {exc}",
            "This is a bug in Fathom. Please report it with the details below.",
            details,
            bug=True,
        )


WORKER_NICE_ENV = "FATHOM_WORKER_NICE"  # niceness of worker threads (default 5; 0: off)


def yield_to_gui() -> None:
    """Make the calling worker thread nicer than the GUI thread (Linux: niceness is per
    thread, and the threads it starts inherit it: llama.cpp's and ONNX Runtime's compute
    threads too), so a busy machine still runs the event loop first. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        nice = int(os.environ.get(WORKER_NICE_ENV, "5"))
        if nice > 0:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (ValueError, OSError):
        pass


class Lane:
    """Jobs on one lane run one after another (e.g. every write to the store)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()

    def acquire(self, cancel: CancelToken) -> bool:
        """Wait for the lane; False when cancelled meanwhile."""
        while not self._lock.acquire(timeout=0.05):
            if cancel.cancelled:
                return False
        return True

    def release(self) -> None:
        self._lock.release()

    @property
    def busy(self) -> bool:
        return self._lock.locked()


STORE_WRITES = Lane("store writes")

_live: set[Job] = set()  # running jobs, kept alive until their thread ends


class Job(QThread):
    """Run ``work(cancel)`` on a worker thread; its events become signals."""

    yielded = Signal(object)  # each item the work yields (not "event": QObject.event)
    done = Signal(object)  # the last event, or work's return value (QThread's own
    # ``finished`` only says that the thread ended)
    failed = Signal(object)  # ErrorInfo
    cancelled = Signal()

    def __init__(self, work: Work, *, lane: Lane | None = None, name: str = "") -> None:
        super().__init__()
        self.work = work
        self.lane = lane
        self.token = CancelToken()
        self.setObjectName(name or "fathom-job")
        self.finished.connect(self._forget)

    def start(self, *args: Any) -> None:
        _live.add(self)
        super().start(*args)

    def cancel(self) -> None:
        self.token.cancel()

    def run(self) -> None:  # the worker thread
        yield_to_gui()
        if self.lane is not None and not self.lane.acquire(self.token):
            self.cancelled.emit()
            return
        try:
            last: Any = None
            result = self.work(self.token)
            if isinstance(result, Iterator):
                for item in result:
                    last = item
                    self.yielded.emit(item)
                    if self.token.cancelled:
                        close = getattr(result, "close", None)
                        if close is not None:
                            close()
                        break
            else:
                last = result
            if self.token.cancelled:
                self.cancelled.emit()
            else:
                self.done.emit(last)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as exc:  # every failure reaches people
            if self.token.cancelled:
                self.cancelled.emit()
            else:
                self.failed.emit(ErrorInfo.from_exception(exc))
        finally:
            if self.lane is not None:
                self.lane.release()

    def _forget(self) -> None:
        _live.discard(self)


def run_job(
    work: Work,
    *,
    on_event: Callable[[Any], None] | None = None,
    on_done: Callable[[Any], None] | None = None,
    on_failed: Callable[[ErrorInfo], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    lane: Lane | None = None,
    name: str = "",
) -> Job:
    """Start a Job with these slots connected; the shortest way to use one."""
    job = Job(work, lane=lane, name=name)
    if on_event is not None:
        job.yielded.connect(on_event)
    if on_done is not None:
        job.done.connect(on_done)
    if on_failed is not None:
        job.failed.connect(on_failed)
    if on_cancelled is not None:
        job.cancelled.connect(on_cancelled)
    job.start()
    return job


def live_jobs() -> list[Job]:
    return list(_live)


def stop_all(timeout_s: float = 10.0) -> None:
    """Cancel every running job and wait for its thread (at exit, so none is destroyed
    while running)."""
    for job in list(_live):
        job.cancel()
    for job in list(_live):
        job.wait(int(timeout_s * 1000))


class ModelOwner(QObject):
    """Loads the chat model in the background and holds it; one model at a time.

    ``state`` carries ``(state, detail)``: ``"not loaded"``, ``"loading"``, ``"ready"``
    (detail: the model's name and CPU or GPU) or ``"failed"`` (detail: the message).
    """

    state = Signal(str, str)
    progress = Signal(int)  # percent loaded, while loading a local model
    failed = Signal(object)  # ErrorInfo

    def __init__(self, build: Callable[[], Any]) -> None:
        """``build()`` makes the model (e.g. ``services.chat_model``); it runs off the GUI
        thread, and so does the wait for the model to be in memory."""
        super().__init__()
        self._build = build
        self.model: Any = None
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
        if self._job is not None and self._job.isRunning():
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

    def _load_work(self, cancel: CancelToken) -> Iterator[Any]:
        """Yields the loaded percentage while a local model loads, then the model. A load
        that is stopped (cancelled, or the generator closed) frees the model."""
        model = self._build()
        try:
            if getattr(model, "wait_loaded", None) is not None:
                last = -1
                while not getattr(model, "loaded", True):
                    cancel.raise_if_cancelled()
                    percent = int(100 * float(getattr(model, "load_fraction", 0.0)))
                    if percent != last:
                        last = percent
                        yield percent
                    time.sleep(0.1)
                model.wait_loaded()
            cancel.raise_if_cancelled()
            yield model
        except BaseException:
            model.close()  # aborts llama.cpp's load at its next progress step
            raise

    def _progress(self, item: Any) -> None:
        if isinstance(item, int):
            self.progress.emit(item)

    def _load_stopped(self) -> None:
        self._job = None
        if self._again:
            self.load()
        else:
            self._set("not loaded", "")

    def _loaded(self, model: Any) -> None:
        if self._job is not None and self._job.token.cancelled:  # stopped as it finished
            run_job(lambda _c: model.close(), name="fathom-model-close")
            self._load_stopped()
            return
        self.model = model
        self._set("ready", f"{model.name} · {device_of(model)}")

    def _failed(self, info: ErrorInfo) -> None:
        self._set("failed", info.message)
        self.failed.emit(info)

    def _set(self, state: str, detail: str) -> None:
        self.current, self.detail = state, detail
        self.state.emit(state, detail)

    def unload(self) -> None:
        """Close the model on a worker thread (joining its thread may take a moment); a
        load still running is stopped, not left to finish as "ready"."""
        if self._job is not None and self._job.isRunning():
            self._again = False
            self._job.cancel()
        model, self.model = self.model, None
        if model is not None:
            run_job(lambda _c: model.close(), name="fathom-model-close")
        self._set("not loaded", "")

    def close_now(self) -> None:
        if self._job is not None:
            self._job.wait(60_000)
        if self.model is not None:
            self.model.close()
            self.model = None


def device_of(model: Any) -> str:
    options = getattr(model, "options", None)
    if options is None:
        return "remote"
    layers = getattr(options, "n_gpu_layers", 0)
    return "GPU" if layers and layers != 0 else "CPU"
