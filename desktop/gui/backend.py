"""What the window does, without widgets: it presents the core's ``Library``, as the CLI does.

``Backend`` holds the services (made by the window's entry point, on a worker: the core's
imports take a second), the store (opened on a worker after the window shows) and its
``Library``, the conversation history and the model (``ModelOwner``). Every slow step
runs as a ``Job`` (desktop/gui/workers.py); store writes go through the ``STORE_WRITES``
lane, so one ingestion runs at a time. Its signals carry state for the status bar and the
panels.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from desktop.core.chats import ChatStore
from desktop.core.errors import Cancelled, FathomError, StoreError
from desktop.core.library import AnswerSoFar, Library
from desktop.core.paths import Paths
from desktop.core.progress import CancelToken
from desktop.core.store.host import StoreHost, in_process
from desktop.gui.model_owner import ModelOwner
from desktop.gui.workers import STORE_WRITES, ErrorInfo, Job, run_job, show_failure

if TYPE_CHECKING:
    from desktop.core.services import Services

log = logging.getLogger("fathom.gui")
SAVE_EVERY_S = 0.5  # a streaming answer is saved this often (a crash loses at most this)
WATCH_INTERVAL_S = 2.0


def load_services(paths: Paths) -> Callable[[], Services]:
    """How the window's entry point makes its ``Services``: from the settings file, or the
    defaults when it cannot be used (the window shows why). Called on a worker."""

    def make() -> Services:
        from desktop.core.services import Services

        return Services.from_paths(paths, defaults_on_error=True)

    return make


@dataclass(frozen=True)
class FolderSynced:
    """Ingestion of some folders ended: their stats, from the store's manifest."""

    summary: Any  # desktop.core.ingest.pipeline.Summary
    folders: dict[str, tuple[int, int]] = field(default_factory=dict)  # path: (files, chunks)


def freeze_heap() -> None:
    """Move every object alive now (modules, classes, loaded models: the core's imports
    are most of the heap) out of the garbage collector's reach. A full collection walks
    the whole heap holding the GIL: with the core loaded it took 100-140 ms, and one on
    the ingestion reader thread froze the window for as long (tests/bench/bench_ui.py,
    120 files). Later full collections walk only what was made after this."""
    gc.freeze()


@dataclass(frozen=True)
class LibraryRebuilt:
    """A rebuild with the current embedding and chunking settings ended."""

    summary: Any  # desktop.core.ingest.reindex.ReindexSummary
    folders: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerSaved:
    """The last event of an answer job: the Answer and how it ended."""

    result: Any  # desktop.core.rag.answer.Answer
    message_id: int


class Backend(QObject):
    store_state = Signal(str, str)  # "opening" | "ready" | "failed" | "locked", detail
    store_locked = Signal(object)  # ErrorInfo: another Fathom holds the store
    folders_changed = Signal()
    watch_triggered = Signal()  # watched files changed: the window re-syncs
    services_ready = Signal(object)  # the Services, made from the settings

    def __init__(self, paths: Paths, services: Callable[[], Services] | None = None) -> None:
        """Cheap: ``services`` (default: ``load_services(paths)``) is called and the store
        opened on workers by ``start``."""
        super().__init__()
        self.paths = paths.ensure()
        self._make_services = services or load_services(self.paths)
        self.settings_problem: ErrorInfo | None = None
        self.services: Services | None = None  # once ``start`` made it
        self.chats = ChatStore(paths.chats_db)
        self.model = ModelOwner(lambda: self._services().chat_model())
        self._store: Any = None
        self._library: Library | None = None
        self._store_ready = threading.Event()
        self._store_error: BaseException | None = None
        self.store_detail = ""
        self._watch: Job | None = None
        self._host: StoreHost | None = None
        self.warm = threading.Event()  # the embedder and the core's code are loaded

    def _services(self) -> Services:
        assert self.services is not None, "the services are made by start()"
        return self.services

    # --- startup ------------------------------------------------------------------------

    def start(self, *, load_model: bool = True) -> None:
        """Make the services, then open the store and load the model, all in the
        background (the core's imports take a second; the window is shown already)."""
        self.store_state.emit("opening", "")
        self._load_model = load_model
        run_job(
            self._services_job,
            on_done=self._services_made,
            on_failed=self._store_failed,
            name="fathom-services",
        )

    def _services_job(self, cancel: CancelToken) -> Services:
        try:
            services = self._make_services()
            if services.settings_problem is not None:
                self.settings_problem = ErrorInfo.from_exception(services.settings_problem)
            freeze_heap()
            return services
        except BaseException as exc:
            self._store_error = exc
            self._store_ready.set()
            raise

    def _services_made(self, services: Services) -> None:
        self.services = services
        self.services_ready.emit(services)
        run_job(
            self._open_store,
            on_done=self._store_opened,
            on_failed=self._store_failed,
            name="fathom-store-open",
        )
        if self._load_model:
            self.model.load()

    def _open_store(self, cancel: CancelToken) -> int:
        services = self._services()
        try:
            uri = services.store_uri()
            if "://" not in uri and not in_process():  # a Lite folder: served by a child
                self._host = StoreHost(Path(uri))
                self._store = services.store(self._host.start())
            else:
                self._store = services.store()
            self._library = Library(services, self._store)
            return int(self._store.count()) if self._store.embedding_info() else 0
        except BaseException as exc:
            self._store_error = exc
            raise
        finally:
            self._store_ready.set()

    def _store_opened(self, chunks: int) -> None:
        self.store_detail = self.tr("{count} chunks").format(count=f"{chunks:,}")
        self.store_state.emit("ready", self.store_detail)
        self.start_watching()
        run_job(
            self._warm_up,
            on_done=lambda _r: self.warm.set(),
            on_failed=self._warm_up_failed,
            name="fathom-warm-up",
        )

    def _warm_up(self, cancel: CancelToken) -> None:
        """Load the embedder and the core's answer and ingestion code now, while people
        look at the window, and run one search: loading them holds the GIL for a while
        (native extensions, an ONNX session, pymilvus' lazy scipy import, RapidOCR's code),
        which would otherwise stall the window at the first drop, scan or question."""
        try:
            import desktop.core.ingest.pipeline
            import desktop.core.rag.answer  # noqa: F401
            from desktop.core.ingest.readers import ocr

            ocr.preload()

            library = self.library(cancel)
            if library.store.embedding_info():
                library.query_embedder().encode_queries(["warm up"])
            elif library.services.embedder_here():  # never a download nobody asked for
                library.ingest_embedder()
            library.store.warm_up()
        finally:
            freeze_heap()

    def _warm_up_failed(self, info: ErrorInfo) -> None:
        """A warm-up only: a known failure (a missing model, the store) is logged, and the
        step that needs the part reports it when people use it; a bug shows its dialog."""
        self.warm.set()  # nothing more is coming
        if info.bug:
            show_failure(info, "fathom-warm-up")  # logged there too
        else:
            log.warning("The warm-up failed: %s\n%s", info.message, info.details)

    def _store_failed(self, info: ErrorInfo) -> None:
        from desktop.core.errors import StoreLockedError

        if isinstance(self._store_error, StoreLockedError):
            self.store_state.emit("locked", info.message)
            self.store_locked.emit(info)
        else:
            self.store_state.emit("failed", info.message)

    def library(self, cancel: CancelToken | None = None) -> Library:
        """The library on the open store (worker threads only: waits for it to open)."""
        while not self._store_ready.wait(0.05):
            if cancel is not None:
                cancel.raise_if_cancelled()
        if self._library is None:
            raise StoreError(
                QCoreApplication.translate(
                    "Backend", "The store could not be opened: {reason}"
                ).format(reason=self._store_error),
                QCoreApplication.translate(
                    "Backend", "See the status bar; restart Fathom after fixing it."
                ),
            ) from self._store_error
        return self._library

    def store(self, cancel: CancelToken | None = None) -> Any:
        """The open store (worker threads only: waits for it to open)."""
        return self.library(cancel).store

    # --- knowledge folders -----------------------------------------------------------------

    def ingest(self, paths: Sequence[Path]) -> Job:
        """Sync these folders/files into the store; remembered as knowledge folders."""
        resolved = [str(Path(p).expanduser().resolve()) for p in paths]
        added = [p for p in resolved if self.chats.add_folder(p)]
        if added:
            self.folders_changed.emit()
            self.start_watching()
        return Job(
            lambda cancel: self._ingest_events(resolved, cancel),
            lane=STORE_WRITES,
            name="fathom-ingest",
        )

    def _ingest_events(self, folders: list[str], cancel: CancelToken) -> Iterator[object]:
        from desktop.core.ingest.pipeline import Summary

        library = self.library(cancel)
        summary: Summary | None = None
        for event in library.sync([Path(f) for f in folders], cancel):
            if isinstance(event, Summary):
                summary = event
            else:
                yield event
        assert summary is not None
        yield FolderSynced(summary, self._record_syncs(library, folders, summary.failed))

    def _record_syncs(
        self, library: Library, folders: list[str], failed: list[tuple[str, str]]
    ) -> dict[str, tuple[int, int]]:
        """Each folder's files, chunks and failures, from the store's manifest."""
        stats = library.folder_stats(folders)
        for folder in folders:
            files, chunks = stats[folder]
            mine = [(p, why) for p, why in failed if Path(p).is_relative_to(Path(folder))]
            self.chats.record_sync(folder, files, chunks, mine)
        return stats

    # --- rebuilding the library -------------------------------------------------------------

    def rebuild_reasons(self) -> Job:
        """A job whose result lists what a rebuild with the current embedding and chunking
        settings would change (empty: nothing to rebuild, or no library yet)."""
        return Job(
            lambda cancel: self.library(cancel).pending_changes(),
            lane=STORE_WRITES,
            name="fathom-rebuild-check",
        )

    def rebuild(self) -> Job:
        """Rebuild the library with the current settings beside the one in use (questions
        keep using the old one until the switch); an interrupted rebuild resumes."""
        return Job(self._rebuild_events, lane=STORE_WRITES, name="fathom-rebuild")

    def _rebuild_events(self, cancel: CancelToken) -> Iterator[object]:
        from desktop.core.ingest.reindex import ReindexSummary

        library = self.library(cancel)
        summary: ReindexSummary | None = None
        for event in library.rebuild(cancel):
            if isinstance(event, ReindexSummary):
                summary = event
            else:
                yield event
        assert summary is not None
        folders = [f.path for f in self.chats.folders()]
        yield LibraryRebuilt(summary, self._record_syncs(library, folders, summary.failed))

    def remove_folder(self, path: str) -> Job:
        """Forget a folder and take its files out of the store."""
        self.chats.remove_folder(path)
        self.folders_changed.emit()
        self.start_watching()
        return Job(
            lambda cancel: self.library(cancel).remove(path, cancel),
            lane=STORE_WRITES,
            name="fathom-remove-folder",
        )

    def start_watching(self) -> None:
        """Poll the knowledge folders; a change re-syncs them (while the app runs)."""
        if self._watch is not None:
            self._watch.cancel()
        folders = [Path(f.path) for f in self.chats.folders()]
        if not folders or self._store is None:
            self._watch = None
            return
        from desktop.core.ingest.watch import changes, snapshot

        def work(cancel: CancelToken) -> Iterator[object]:
            # the baseline is what the last sync saw: changes since are noticed
            yield from changes(folders, WATCH_INTERVAL_S, cancel, snapshot(folders))

        self._watch = Job(work, name="fathom-watch")
        self._watch.yielded.connect(lambda _snap: self.folders_need_sync())
        self._watch.start()

    def stop_watching(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    def folders_need_sync(self) -> None:
        self.watch_triggered.emit()

    # --- answers ---------------------------------------------------------------------------

    def ask(
        self,
        conversation_id: int,
        question: str,
        effort: str,
        *,
        user_message_id: int | None = None,
    ) -> tuple[Job, int]:
        """Answer in a conversation, searching only its scope (its folders and files, or
        the whole library), the model's own searches too; the answer is saved as it
        streams. Returns the job and the answer's message id."""
        conversation = self.chats.get(conversation_id)
        within = list(conversation.scope) if conversation is not None else []
        if user_message_id is None:
            user_message_id = self.chats.add_user_message(conversation_id, question)
        history = self.chats.history(conversation_id, before=user_message_id)
        message_id = self.chats.start_answer(conversation_id)
        job = Job(
            lambda cancel: self._answer_events(
                question, effort, history, message_id, cancel, within
            ),
            name="fathom-answer",
        )
        return job, message_id

    def _wait_model(self, cancel: CancelToken) -> Any:
        while True:
            if self.model.model is not None:
                return self.model.model
            if self.model.current in ("failed", "not loaded"):
                raise FathomError(
                    QCoreApplication.translate("Backend", "No chat model is ready."),
                    QCoreApplication.translate(
                        "Backend", "Pick or download one in Models…, then ask again."
                    ),
                )
            cancel.raise_if_cancelled()
            time.sleep(0.05)

    def _answer_events(
        self,
        question: str,
        effort: str,
        history: list[dict[str, str]],
        message_id: int,
        cancel: CancelToken,
        within: Sequence[str] = (),
    ) -> Iterator[object]:
        from desktop.core.rag.answer import Answer

        so_far = AnswerSoFar()
        status = "failed"
        last_save = time.monotonic()
        try:
            library = self.library(cancel)
            embedder = library.query_embedder()
            model = self._wait_model(cancel)
            events = library.answer(
                question,
                model=model,
                params=self._services().generation_params(effort),
                cancel=cancel,
                history=history,
                within=within,
                embedder=embedder,
            )
            for event in so_far.follow(events):
                if isinstance(event, Answer):
                    break
                yield event
                now = time.monotonic()
                if now - last_save >= SAVE_EVERY_S:
                    last_save = now
                    self.chats.save_partial(
                        message_id, so_far.text, so_far.reasoning, source_dicts(so_far.sources)
                    )
            if cancel.cancelled:
                raise Cancelled()
            status = "complete"
        except (Cancelled, GeneratorExit):
            status = "stopped"
            raise
        finally:
            result = so_far.result(status)
            self.chats.finish_answer(
                message_id,
                result.answer,
                result.reasoning,
                source_dicts(result.sources),
                [c.to_json() for c in result.citations],
                status,
            )
        yield AnswerSaved(result, message_id)

    def search(self, query: str, k: int = 5) -> Job:
        """Retrieval only (the library panel's search and the tests)."""
        return Job(lambda cancel: self.library(cancel).search(query, k), name="fathom-search")

    def indexed_hash(self, path: str) -> str | Exception | None:
        """The content hash the library's manifest holds for ``path`` (None: not in the
        library; an exception: the store cannot be asked now). Worker threads only."""
        if not self._store_ready.is_set() or self._store is None:
            return StoreError(QCoreApplication.translate("Backend", "The library is not open yet."))
        try:
            record = self._store.files().get(path)
        except Exception as exc:  # the store's own errors, reported as "cannot tell"
            return exc
        return None if record is None else str(record.hash)

    # --- shutdown --------------------------------------------------------------------------

    def served_store(self) -> tuple[str, Any] | None:
        """The Lite directory this window holds open (served from its child process, or
        in process) and the open store on it; None for a server or before it opens."""
        if self._store is None or self.services is None:
            return None
        uri = str(self._host.data_dir) if self._host is not None else self.services.store_uri()
        return None if "://" in uri else (uri, self._store)

    def close(self) -> None:
        from desktop.gui.workers import stop_all

        if self._watch is not None:
            self._watch.cancel()
        stop_all()
        self.model.close_now()
        if self._store_ready.is_set() and self._store is not None:
            self._store.close()
            self._store = None
            self._library = None
        if self._host is not None:
            self._host.stop()
            self._host = None
        self.chats.close()


def source_dicts(sources: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for s in sources:
        d = s.to_json()
        d["start"], d["end"] = s.start, s.end
        out.append(d)
    return out
