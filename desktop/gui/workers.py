"""The one adapter between the core's long work and Qt: everything slow runs here.

The GUI thread never calls a model, an embedder, the store or reads a file. It makes a
``Job`` instead, wires its signals, then starts it: the job runs ``work(cancel)`` on a
worker thread; when ``work`` returns an iterator (the core's generators), every item it
yields arrives as ``yielded``; then exactly one of ``done`` (with the last item, or
``work``'s return value when it is not an iterator), ``failed`` (an ``ErrorInfo``) or
``cancelled``. Every signal is emitted on the GUI thread, in that order.

    job = Job(lambda cancel: ingest(paths, store, embedder, cancel=cancel), lane=STORE_WRITES)
    job.yielded.connect(on_event)          # Started / FileDone / ... on the GUI thread
    job.done.connect(on_summary)           # the last event (Summary)
    job.failed.connect(on_failed)          # ErrorInfo(message, hint, details)
    job.start()
    job.cancel()                           # sets the CancelToken the work was given

A job whose ``failed`` is connected to nothing shows the standard error dialog
(desktop/gui/errors.py) when it fails: no failure goes unseen.

A ``lane`` (a ``Lane``) is a single-thread executor: jobs on it run one at a time, in the
order started (the store's writes, the model files). A job waiting for its turn is a
queued call, not a thread; cancelled while it waits, it ends at once. A job without a
lane runs on a thread of its own.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QMetaMethod,
    QObject,
    Qt,
    QThread,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core.errors import Cancelled, FathomError
from desktop.core.progress import CancelToken

Work = Callable[[CancelToken], Any]
log = logging.getLogger("fathom.gui")


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
                QCoreApplication.translate("ErrorInfo", "Fathom ran out of memory."),
                QCoreApplication.translate(
                    "ErrorInfo", "Close other programs, or pick a smaller model in Models…."
                ),
                details,
            )
        if isinstance(exc, OSError):
            return cls(
                QCoreApplication.translate(
                    "ErrorInfo", "A file could not be used: {reason}"
                ).format(reason=exc),
                QCoreApplication.translate(
                    "ErrorInfo", "Check that the file exists and that you may read it."
                ),
                details,
            )
        return cls(
            QCoreApplication.translate("ErrorInfo", "Something went wrong: {error}").format(
                error=f"{type(exc).__name__}: {exc}"
            ),
            QCoreApplication.translate(
                "ErrorInfo", "This is a bug in Fathom. Please report it with the details below."
            ),
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
    """Jobs on one lane run one at a time, in the order started, on the lane's own thread
    (made at its first job, nicer than the GUI thread; e.g. every write to the store)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._jobs = 0  # started on this lane and not ended yet (waiting or running)

    def submit(self, run: Callable[[], None]) -> Future[None]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    1, "fathom-" + self.name.replace(" ", "-"), initializer=yield_to_gui
                )
            self._jobs += 1
            return self._executor.submit(run)

    def ended(self) -> None:
        """A job that was submitted ran, or was cancelled before its turn."""
        with self._lock:
            self._jobs -= 1

    @property
    def busy(self) -> bool:
        return self._jobs > 0


STORE_WRITES = Lane("store writes")

_live: set[Job] = set()  # started jobs, kept alive until their ending is delivered


class _JobThread(QThread):
    """The thread of a job without a lane."""

    def __init__(self, run: Callable[[], None], name: str) -> None:
        super().__init__()
        self._body = run
        self.setObjectName(name)

    def run(self) -> None:
        yield_to_gui()
        self._body()


class Job(QObject):
    """Run ``work(cancel)`` on a worker thread; its events become signals on the GUI thread."""

    yielded = Signal(object)  # each item the work yields (not "event": QObject.event)
    done = Signal(object)  # the last event, or work's return value
    failed = Signal(object)  # ErrorInfo
    cancelled = Signal()
    _reported = Signal(str, object)  # worker → GUI thread: ("yielded" | an ending, item)

    def __init__(self, work: Work, *, lane: Lane | None = None, name: str = "") -> None:
        super().__init__()
        self.work = work
        self.lane = lane
        self.token = CancelToken()
        self.setObjectName(name or "fathom-job")
        self._started = False
        self._ended = False  # its ending was delivered (GUI thread)
        self._detached = False  # its receivers let go (detach): a failure is only logged
        self._returned = threading.Event()  # the work returned, or never ran (any thread)
        self._lock = threading.Lock()
        self._waiting: Future[None] | None = None  # its turn on the lane, until cancelled
        self._thread: _JobThread | None = None
        self._reported.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        """Start the work (once; connect the signals first)."""
        if self._started:
            raise RuntimeError(f"the job {self.objectName()} was started already")
        self._started = True
        _live.add(self)
        if self.lane is not None:
            self._waiting = self.lane.submit(self._run)
        else:
            self._thread = _JobThread(self._run, self.objectName())
            self._thread.finished.connect(self._forget)
            self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop (it checks its token); a job still waiting for its lane
        ends at once, without running."""
        self.token.cancel()
        with self._lock:
            waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting.cancel():
            assert self.lane is not None
            self.lane.ended()
            self._returned.set()
            self._reported.emit("cancelled", None)

    def detach(self) -> None:
        """Nobody listens any more (the window that started it is closing): every slot
        connected to its signals is let go. The job still ends, and is let go itself."""
        for signal in (self.yielded, self.done, self.failed, self.cancelled):
            if self.isSignalConnected(QMetaMethod.fromSignal(signal)):
                signal.disconnect()
        self._detached = True

    @property
    def running(self) -> bool:
        """Started, and its ending not delivered yet (as the GUI thread sees it)."""
        return self._started and not self._ended

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the work has returned (or never will run); False on timeout."""
        if not self._started:
            return True
        timeout = None if timeout_ms < 0 else timeout_ms / 1000
        if not self._returned.wait(timeout):
            return False
        thread = self._thread  # then ends at once
        return thread is None or thread.wait(-1 if timeout_ms < 0 else max(timeout_ms, 100))

    def _run(self) -> None:  # the worker thread
        try:
            what, item = self._outcome()
            self._reported.emit(what, item)
        finally:
            if self.lane is not None:
                self.lane.ended()
            self._returned.set()

    def _outcome(self) -> tuple[str, Any]:
        if self.token.cancelled:  # cancelled as its turn came
            return "cancelled", None
        try:
            last: Any = None
            result = self.work(self.token)
            if isinstance(result, Iterator):
                for item in result:
                    last = item
                    self._reported.emit("yielded", item)
                    if self.token.cancelled:
                        if isinstance(result, Generator):
                            result.close()  # its finally blocks run now
                        break
            else:
                last = result
            return ("cancelled", None) if self.token.cancelled else ("done", last)
        except Cancelled:
            return "cancelled", None
        except BaseException as exc:  # every failure reaches people
            if self.token.cancelled:
                return "cancelled", None
            return "failed", ErrorInfo.from_exception(exc)

    @Slot(str, object)
    def _deliver(self, what: str, item: Any) -> None:  # the GUI thread
        if what == "yielded":
            self.yielded.emit(item)
            return
        self._ended = True
        if what == "done":
            self.done.emit(item)
        elif what == "cancelled":
            self.cancelled.emit()
        elif self.isSignalConnected(QMetaMethod.fromSignal(self.failed)):
            self.failed.emit(item)
        elif self._detached:
            log.warning("%s failed as its window closed: %s", self.objectName(), item.message)
        else:
            show_failure(item, self.objectName())
        self._forget()

    @Slot()
    def _forget(self) -> None:
        """Let the job go once its ending is delivered and its thread, if any, has ended
        (its ``finished`` arrives after the ending: both are queued from that thread)."""
        if self._ended and (self._thread is None or self._thread.isFinished()):
            _live.discard(self)


def show_failure(info: ErrorInfo, job: str = "") -> None:
    """The failure path of a job with no handler of its own: the standard error dialog."""
    from desktop.gui.errors import show_error  # that module imports this one

    log.warning("%s failed: %s\n%s", job or "a job", info.message, info.details)
    app = QApplication.instance()
    parent = app.activeWindow() if isinstance(app, QApplication) else None
    dialog = show_error(parent, info)
    if parent is None:  # nothing else holds a window of its own: held until it closes
        _dialogs.add(dialog)
        dialog.destroyed.connect(lambda *_: _dialogs.discard(dialog))


_dialogs: set[QWidget] = set()


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
    """Make a Job, connect these slots, then start it; the shortest way to use one. Without
    ``on_failed``, a failure shows the standard error dialog."""
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


def stop_all(timeout_s: float = 10.0) -> None:
    """Cancel every started job, let go of its receivers, and wait for its work to return
    (at exit, so no thread is destroyed while running and no ending reaches a window or
    history that has closed); ``timeout_s`` bounds the whole wait."""
    jobs = list(_live)
    for job in jobs:
        job.cancel()
        job.detach()
    deadline = time.monotonic() + timeout_s
    for job in jobs:
        job.wait(max(0, int((deadline - time.monotonic()) * 1000)))
