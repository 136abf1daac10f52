"""The main window: sidebar (chats, knowledge), chat pane, source preview, status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.core.paths import Paths
from desktop.gui.backend import AnswerSaved, Backend, FolderSynced, LibraryRebuilt, source_dicts
from desktop.gui.chat_view import AnswerWidget, ChatView, Composer, EffortBox
from desktop.gui.errors import show_error
from desktop.gui.last_folder import LastFolder
from desktop.gui.scope_bar import ScopeBar
from desktop.gui.sidebar import Sidebar
from desktop.gui.source_viewer import SourceViewer
from desktop.gui.status import StatusPanel
from desktop.gui.workers import ErrorInfo, Job

if TYPE_CHECKING:
    from desktop.core.services import Services

EXIT_STORE_LOCKED = 4


class MainWindow(QMainWindow):
    def __init__(
        self,
        paths: Paths,
        *,
        services: Callable[[], Services] | None = None,
        autostart: bool = True,
        load_model: bool = True,
    ) -> None:
        """``services`` makes the window's Services (on a worker; default: from the
        settings file under ``paths``): the entry point's, or a test's with fakes.
        ``autostart``: open the store and load the model once the window shows."""
        super().__init__()
        self.setWindowTitle("Fathom")
        self.setAccessibleName(self.tr("Fathom main window"))
        self.resize(1180, 760)
        self.setAcceptDrops(True)
        self.exit_code = 0
        self.backend = Backend(paths, services)
        self.last_folder = LastFolder(paths.base)
        self.conversation_id: int | None = None
        self.answer_job: Job | None = None
        self.ingest_job: Job | None = None
        self.pending_sync: list[Path] = []
        self.rebuild_offer: QMessageBox | None = None
        self._rebuild_after_ingest = False
        self.current_answer: AnswerWidget | None = None
        self._autostart = autostart
        self._load_model = load_model
        self._started = False
        self._closed = False
        self._build()
        self._menus()
        self.status = StatusPanel(self.statusBar())
        b = self.backend
        b.model.state.connect(self.status.set_model)
        b.model.progress.connect(self.status.set_model_progress)
        b.store_state.connect(self._store_state)
        b.store_locked.connect(self._store_locked)
        b.folders_changed.connect(self.refresh_folders)
        b.watch_triggered.connect(self._watched_change)
        b.services_ready.connect(self._services_ready)
        self.refresh_conversations()
        self.refresh_folders()

    # --- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.sidebar = Sidebar(self)
        conv = self.sidebar.conversations
        conv.new_requested.connect(self.new_chat)
        conv.selected.connect(self.open_conversation)
        conv.rename_requested.connect(self.rename_conversation)
        conv.delete_requested.connect(self.delete_conversation)
        conv.search_changed.connect(lambda _t: self.refresh_conversations())
        lib = self.sidebar.library
        lib.add_requested.connect(self.choose_folder)
        lib.resync_requested.connect(self.resync)
        lib.remove_requested.connect(self.remove_folder)
        lib.progress.cancel.connect(self.cancel_ingest)

        center = QWidget(self)
        center.setObjectName("center")
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.chat = ChatView(center)
        self.chat.source_clicked.connect(self.show_source)
        self.chat.regenerate.connect(self.regenerate)
        column.addWidget(self.chat, 1)
        bottom = QWidget(center)
        bottom.setObjectName("composerBar")
        row = QVBoxLayout(bottom)
        row.setContentsMargins(24, 8, 24, 12)
        row.setSpacing(6)
        self.scope_bar = ScopeBar(
            lambda: [f.path for f in self.backend.chats.folders()],
            self.last_folder.start,
            bottom,
        )
        self.scope_bar.scope_changed.connect(self._scope_changed)
        row.addWidget(self.scope_bar)
        self.composer = Composer(bottom)
        self.composer.send.connect(self.send)
        row.addWidget(self.composer)
        controls = QHBoxLayout()
        self.effort = EffortBox("medium", bottom)
        controls.addWidget(self.effort)
        controls.addStretch(1)
        self.export_button = QPushButton(self.tr("Export…"), bottom)
        self.export_button.setAccessibleName(self.tr("Export the conversation as Markdown"))
        self.export_button.clicked.connect(self.export_conversation)
        controls.addWidget(self.export_button)
        self.send_button = QPushButton(self.tr("Send"), bottom)
        self.send_button.setObjectName("primary")
        self.send_button.setAccessibleName(self.tr("Send question"))
        self.send_button.clicked.connect(self.send)
        controls.addWidget(self.send_button)
        self.stop_button = QPushButton(self.tr("Stop"), bottom)
        self.stop_button.setObjectName("danger")
        self.stop_button.setAccessibleName(self.tr("Stop the answer"))
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc)"))
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setVisible(False)
        controls.addWidget(self.stop_button)
        row.addLayout(controls)
        column.addWidget(bottom)

        self.preview = SourceViewer(self)
        self.preview.indexed_hash = self.backend.indexed_hash
        self.preview.setVisible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(center)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([270, 700, 320])
        self.sidebar.setMinimumWidth(220)
        self.preview.setMinimumWidth(260)
        self.setCentralWidget(self.splitter)

    def _menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(self.tr("&File"))
        self.new_action = self._action(
            file, self.tr("&New chat"), self.new_chat, QKeySequence.StandardKey.New
        )
        self._action(file, self.tr("&Add folder…"), self.choose_folder, QKeySequence("Ctrl+O"))
        self._action(file, self.tr("Add &files…"), self.choose_files)
        self._action(
            file, self.tr("&Export conversation…"), self.export_conversation, QKeySequence("Ctrl+E")
        )
        file.addSeparator()
        self._action(file, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        chat = bar.addMenu(self.tr("&Chat"))
        self.stop_action = self._action(
            chat, self.tr("&Stop answer"), self.stop, QKeySequence("Esc")
        )
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self._action(chat, self.tr("&Re-sync knowledge folders"), self.resync, QKeySequence("F5"))
        tools = bar.addMenu(self.tr("&Tools"))
        self.settings_action = self._action(tools, self.tr("&Settings…"), self.open_settings)
        self.models_action = self._action(tools, self.tr("&Models…"), self.open_models)
        help_menu = bar.addMenu(self.tr("&Help"))
        self._action(help_menu, self.tr("&About Fathom"), self.about)

    def _action(self, menu: Any, text: str, slot: Any, key: Any = None) -> QAction:
        action = QAction(text, self)
        if key is not None:
            action.setShortcut(key)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- startup and shutdown ----------------------------------------------------------------

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._autostart and not self._started:
            self._started = True
            QTimer.singleShot(0, self._start_backend)

    def _start_backend(self) -> None:
        self.backend.start(load_model=self._load_model)

    def _services_ready(self, services: Any) -> None:
        effort = services.settings.llm.reasoning_effort
        self.effort.setCurrentIndex(max(0, self.effort.findData(effort)))
        if self.backend.settings_problem is not None:
            show_error(self, self.backend.settings_problem, self.tr("Settings"))
        elif self._load_model:
            self.offer_setup(services)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._closed = True
        self.preview.shutdown()
        self.backend.close()  # cancels every job and lets go of its receivers
        super().closeEvent(event)

    def _store_state(self, state: str, detail: str) -> None:
        self.status.set_store(state, detail)
        if state == "ready":
            self.chat.set_empty_text(bool(self.backend.chats.folders()))
            self.check_rebuild()

    def _store_locked(self, info: ErrorInfo) -> None:
        """A second Fathom on the same store: say so, then exit cleanly."""
        import sys

        self.exit_code = EXIT_STORE_LOCKED
        print(f"fathom: error: {info.message}\n  hint: {info.hint}", file=sys.stderr)
        dialog = show_error(self, info, self.tr("Fathom is already running"))
        dialog.finished.connect(lambda _r: QApplication.exit(EXIT_STORE_LOCKED))

    # --- conversations -------------------------------------------------------------------------

    def refresh_conversations(self) -> None:
        chats = self.backend.chats.conversations(self.sidebar.conversations.search.text())
        self.sidebar.conversations.show_conversations(chats, self.conversation_id)

    def new_chat(self) -> None:
        if self.busy_answering():
            self.stop()
        self.conversation_id = None
        self.chat.clear()
        self.scope_bar.show_scope([])  # a new chat searches the whole library
        self.sidebar.conversations.list.clearSelection()
        self.sidebar.conversations.list.setCurrentRow(-1)
        self.composer.setFocus()

    def open_conversation(self, conversation_id: int) -> None:
        if conversation_id == self.conversation_id:
            return
        if self.busy_answering():
            self.stop()
        self.conversation_id = conversation_id
        self.chat.clear()
        conv = self.backend.chats.get(conversation_id)
        self.scope_bar.show_scope(conv.scope if conv is not None else [])
        for m in self.backend.chats.messages(conversation_id):
            if m.role == "user":
                self.chat.add_question(m.content)
            else:
                w = self.chat.add_answer()
                w.message_id = m.id
                w.finish(m.content, m.reasoning, m.sources, m.citations, m.status)

    def rename_conversation(self, conversation_id: int) -> None:
        conv = self.backend.chats.get(conversation_id)
        if conv is None:
            return
        title, ok = QInputDialog.getText(
            self, self.tr("Rename chat"), self.tr("Name:"), text=conv.title
        )
        if ok:
            self.backend.chats.rename(conversation_id, title)
            self.refresh_conversations()

    def delete_conversation(self, conversation_id: int) -> None:
        conv = self.backend.chats.get(conversation_id)
        if conv is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Delete chat"), self.tr("Delete “{title}”?").format(title=conv.title)
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        if conversation_id == self.conversation_id:
            self.new_chat()
        self.backend.chats.delete(conversation_id)
        self.refresh_conversations()

    def export_conversation(self, _checked: bool = False) -> str:
        if self.conversation_id is None:
            QMessageBox.information(
                self, self.tr("Export"), self.tr("Open or start a conversation first.")
            )
            return ""
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Export conversation"),
            self.last_folder.start_for("conversation.md"),
            self.tr("Markdown (*.md)"),
        )
        if not path:
            return ""
        self.last_folder.chose_files([path])
        with_reasoning = (
            QMessageBox.question(self, self.tr("Export"), self.tr("Include the model's reasoning?"))
            == QMessageBox.StandardButton.Yes
        )
        text = self.backend.chats.export_markdown(self.conversation_id, reasoning=with_reasoning)
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            show_error(self, ErrorInfo.from_exception(exc))
            return ""
        self.status.set_activity(self.tr("Exported to {path}").format(path=path))
        return path

    # --- asking --------------------------------------------------------------------------------

    def busy_answering(self) -> bool:
        return self.answer_job is not None

    def send(self) -> None:
        question = self.composer.toPlainText().strip()
        if not question or self.busy_answering():
            return
        self.composer.clear()
        if self.conversation_id is None:
            self.conversation_id = self.backend.chats.create(scope=self.scope_bar.scope).id
        self.chat.add_question(question)
        self._ask(question, None)
        self.refresh_conversations()

    def regenerate(self, widget: AnswerWidget) -> None:
        """Ask the question before this answer again; the old answer is replaced."""
        if self.busy_answering() or self.conversation_id is None:
            return
        messages = self.backend.chats.messages(self.conversation_id)
        ids = [m.id for m in messages]
        if widget.message_id not in ids:
            return
        at = ids.index(widget.message_id)
        question = next((m for m in reversed(messages[:at]) if m.role == "user"), None)
        if question is None:
            return
        self.backend.chats.delete_message(widget.message_id)
        widget.deleteLater()
        self._ask(question.content, question.id)

    def _ask(self, question: str, user_message_id: int | None) -> None:
        assert self.conversation_id is not None
        widget = self.chat.add_answer()
        self.current_answer = widget
        job, message_id = self.backend.ask(
            self.conversation_id, question, self.effort.effort(), user_message_id=user_message_id
        )
        widget.message_id = message_id
        self.answer_job = job
        job.yielded.connect(lambda e: self._answer_event(widget, e))
        job.done.connect(lambda e: self._answer_done(widget, e))
        job.failed.connect(lambda info: self._answer_failed(widget, info))
        job.cancelled.connect(lambda: self._answer_stopped(widget, message_id))
        job.start()
        self._answering(True)

    def _scope_changed(self, scope: list[str]) -> None:
        """Saved with the conversation (a new one takes it when its first question is
        sent); every later question in it searches only there."""
        if self.conversation_id is not None:
            self.backend.chats.set_scope(self.conversation_id, scope)
        if scope:
            where = ", ".join(Path(p).name or p for p in scope)
            self.status.set_activity(self.tr("This chat searches {where}").format(where=where))
        else:
            self.status.set_activity(self.tr("This chat searches the whole library"))

    def _answering(self, on: bool) -> None:
        self.send_button.setVisible(not on)
        self.stop_button.setVisible(on)
        if not on:
            self.answer_job = None
            self.current_answer = None

    def _answer_event(self, widget: AnswerWidget, event: object) -> None:
        from desktop.core.llm.base import AnswerText, Reasoning
        from desktop.core.rag.answer import SourcesFound

        if isinstance(event, AnswerText):
            widget.add_answer_text(event.text)
        elif isinstance(event, Reasoning):
            widget.add_reasoning(event.text)
        elif isinstance(event, SourcesFound):
            widget.add_sources(source_dicts(event.sources))

    def _answer_done(self, widget: AnswerWidget, event: object) -> None:
        if isinstance(event, AnswerSaved):
            r = event.result
            stats = ""
            if r.timings.tokens_per_s:
                stats = self.tr("{tokens} tokens · {rate} tok/s").format(
                    tokens=r.timings.tokens, rate=f"{r.timings.tokens_per_s:.1f}"
                )
            widget.finish(
                r.answer,
                r.reasoning,
                source_dicts(r.sources),
                [c.to_json() for c in r.citations],
                "complete",
                stats,
            )
        self._answering(False)

    def _answer_failed(self, widget: AnswerWidget, info: ErrorInfo) -> None:
        widget.show_error(info.message, info.hint)
        self._answering(False)
        if info.bug:
            show_error(self, info)

    def _answer_stopped(self, widget: AnswerWidget, message_id: int) -> None:
        widget.flush()
        widget.finish(widget.answer_text, widget.reasoning_text, widget.sources, [], "stopped")
        self._answering(False)

    def stop(self) -> None:
        if self.answer_job is not None:
            self.answer_job.cancel()

    # --- sources -----------------------------------------------------------------------------

    def show_source(self, source: dict[str, Any]) -> None:
        """Open the source's document in the viewer; it takes about half of the room
        beside the sidebar when it opens."""
        sizes = self.splitter.sizes()
        if not self.preview.isVisible() or sizes[2] < 300:
            self.preview.setVisible(True)
            room = sizes[1] + sizes[2]
            viewer = max(360, room * 45 // 100)
            self.splitter.setSizes([sizes[0], room - viewer, viewer])
        self.preview.show_source(source)

    # --- knowledge -----------------------------------------------------------------------------

    def refresh_folders(self) -> None:
        self.sidebar.library.show_folders(self.backend.chats.folders())

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Add a folder to your library"), self.last_folder.start()
        )
        if folder:
            self.last_folder.chose_folder(folder)
            self.add_paths([Path(folder)])

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add files to your library"), self.last_folder.start()
        )
        if files:
            self.last_folder.chose_files(files)
            self.add_paths([Path(f) for f in files])

    def add_paths(self, paths: list[Path]) -> Job | None:
        """Index these folders/files (queued behind a running ingestion)."""
        if self.ingest_job is not None:
            self.pending_sync += paths
            self.status.set_activity(self.tr("Indexing queued…"))
            return None
        return self._run_library_job(
            self.backend.ingest(paths),
            self._ingest_done,
            self._ingest_cancelled,
            self.tr("Indexing…"),
        )

    def _run_library_job(
        self,
        job: Job,
        on_done: Callable[[object], None],
        on_cancelled: Callable[[], None],
        activity: str,
    ) -> Job:
        """Show an ingestion or a rebuild: the library's progress bar, its cancel, and
        per-file progress in the status bar."""
        progress = self.sidebar.library.progress
        progress.reset()
        progress.setVisible(True)
        self.ingest_job = job
        job.yielded.connect(self._ingest_event)
        job.done.connect(on_done)
        job.failed.connect(self._ingest_failed)
        job.cancelled.connect(on_cancelled)
        job.start()
        self.status.set_activity(activity)
        return job

    def resync(self) -> None:
        folders = [Path(f.path) for f in self.backend.chats.folders()]
        if folders:
            self.add_paths(folders)

    def _watched_change(self) -> None:
        if self._closed:  # a change noticed as the window closed: the history is closed
            return
        self.status.set_activity(self.tr("Files changed: re-syncing…"))
        self.resync()

    def remove_folder(self, path: str) -> None:
        job = self.backend.remove_folder(path)
        job.done.connect(lambda n: self._removed(path, n))
        job.failed.connect(lambda info: show_error(self, info))
        job.start()

    def _removed(self, path: str, files: int) -> None:
        self.status.set_activity(
            self.tr("Removed {name} ({count} files) from the library").format(
                name=Path(path).name, count=files
            )
        )
        self._refresh_store_count()

    def _ingest_event(self, event: object) -> None:
        from desktop.core.ingest import pipeline

        progress = self.sidebar.library.progress
        if isinstance(event, pipeline.Started):
            progress.started(event.total_files)
        elif isinstance(event, pipeline.ChunksEmbedded):  # within a file, per embedded slice
            progress.chunks_embedded(event.path, event.done, event.total)
            self.status.set_activity(
                self.tr("Indexing {file}: {done}/{total} chunks").format(
                    file=Path(event.path).name, done=f"{event.done:,}", total=f"{event.total:,}"
                )
            )
        elif isinstance(event, pipeline.FileReading):  # a PDF or image, page by page
            progress.page_reading(event.path, event.page, event.pages, event.ocr)
            self.status.set_activity(progress.current.text())
        elif isinstance(event, pipeline.FileDone):
            progress.file_finished(event.path, event.done, event.chunks, event.status)
            self.status.set_activity(
                self.tr("Indexing {done}/{total}: {file}").format(
                    done=event.done, total=event.total, file=Path(event.path).name
                )
            )

    def _ingest_done(self, event: object) -> None:
        self._ingest_ended()
        if isinstance(event, FolderSynced):
            s = event.summary
            failed = self.tr(", {count} failed").format(count=len(s.failed)) if s.failed else ""
            self.status.set_activity(
                self.tr("Indexed: {added} added, {updated} updated, {removed} removed").format(
                    added=s.added, updated=s.updated, removed=s.removed
                )
                + failed
            )
            self.status.set_store("ready", self.tr("{count} chunks").format(count=f"{s.chunks:,}"))
            self.chat.set_empty_text(True)

    def _ingest_failed(self, info: ErrorInfo) -> None:
        if info.kind == "EmbeddingMismatchError":  # the settings name another model
            self.status.set_activity(self.tr("The library needs a rebuild first"))
            self._ingest_ended()
            self.check_rebuild()
            return
        self._ingest_ended()
        self.status.set_activity(self.tr("Indexing failed"))
        show_error(self, info, self.tr("Indexing failed"))

    def _ingest_cancelled(self) -> None:
        self._ingest_ended()
        self.status.set_activity(self.tr("Indexing cancelled"))

    def _ingest_ended(self) -> None:
        self.ingest_job = None
        self.sidebar.library.progress.setVisible(False)
        self.refresh_folders()
        if self._rebuild_after_ingest:
            self._rebuild_after_ingest = False
            self.start_rebuild()
        elif self.pending_sync:
            paths, self.pending_sync = list(dict.fromkeys(self.pending_sync)), []
            self.add_paths(paths)

    # --- rebuilding the library ----------------------------------------------------------

    def check_rebuild(self) -> Job | None:
        """Offer a rebuild when the library was built with another embedding model or
        chunking than the settings now ask for (at start, and after such a change)."""
        if self.backend.services is None:
            return None
        job = self.backend.rebuild_reasons()
        job.done.connect(self._offer_rebuild)
        job.failed.connect(self._rebuild_check_failed)
        job.start()
        return job

    def _rebuild_check_failed(self, info: ErrorInfo) -> None:
        """The check runs by itself: its failure is said in the status bar (the store's
        own state is beside it); a bug shows its dialog."""
        self.status.set_activity(
            self.tr("Could not tell whether the library needs a rebuild: {message}").format(
                message=info.message
            )
        )
        if info.bug:
            show_error(self, info)

    def _offer_rebuild(self, reasons: list[str]) -> None:
        if not reasons or self.rebuild_offer is not None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Rebuild the library?"))
        box.setText(self.tr("Your library was built with other settings than Fathom now uses."))
        box.setInformativeText(
            "\n".join(f"• {r}" for r in reasons)
            + "\n\n"
            + self.tr(
                "Rebuilding re-reads and re-embeds every file in the background. Questions "
                "keep using the current library until the new one is complete. New files are "
                "indexed after the rebuild."
            )
        )
        box.setAccessibleName(self.tr("Rebuild the library"))
        rebuild = box.addButton(self.tr("Rebuild now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(rebuild)
        self.rebuild_offer = box

        def answered(_result: int) -> None:
            self.rebuild_offer = None
            if box.clickedButton() is rebuild:
                self.start_rebuild()
            else:
                self.status.set_activity(
                    self.tr("The library keeps its old settings until rebuilt")
                )

        box.finished.connect(answered)
        box.open()

    def start_rebuild(self) -> Job | None:
        """Rebuild with the current settings, after a running ingestion; shown like one."""
        if self.ingest_job is not None:
            self._rebuild_after_ingest = True
            self.status.set_activity(self.tr("Rebuild queued…"))
            return None
        return self._run_library_job(
            self.backend.rebuild(),
            self._rebuild_done,
            self._rebuild_cancelled,
            self.tr("Rebuilding the library…"),
        )

    def _rebuild_done(self, event: object) -> None:
        self._ingest_ended()
        if isinstance(event, LibraryRebuilt):
            s = event.summary
            gone = self.tr(", {count} no longer on disk").format(count=len(s.missing))
            failed = self.tr(", {count} failed").format(count=len(s.failed))
            self.status.set_activity(
                self.tr("Library rebuilt: {files} files, {chunks} chunks").format(
                    files=s.files, chunks=f"{s.chunks:,}"
                )
                + (gone if s.missing else "")
                + (failed if s.failed else "")
            )
            self.status.set_store("ready", self.tr("{count} chunks").format(count=f"{s.chunks:,}"))
            self.resync()  # files added or changed meanwhile, folders dropped before it

    def _rebuild_cancelled(self) -> None:
        self._ingest_ended()
        self.status.set_activity(
            self.tr("Rebuild paused: it goes on where it stopped when restarted")
        )

    def cancel_ingest(self) -> None:
        self.pending_sync = []
        if self.ingest_job is not None:
            self.ingest_job.cancel()

    def _refresh_store_count(self) -> None:
        from desktop.gui.workers import run_job

        run_job(
            lambda cancel: self.backend.store(cancel).count(),
            on_done=lambda n: self.status.set_store(
                "ready", self.tr("{count} chunks").format(count=f"{n:,}")
            ),
            on_failed=self._store_count_failed,
            name="fathom-store-count",
        )

    def _store_count_failed(self, info: ErrorInfo) -> None:
        self.status.set_store("failed", info.message)
        if info.bug:
            show_error(self, info)

    # --- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if local_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = local_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # --- dialogs ------------------------------------------------------------------------

    def open_settings(self) -> QWidget | None:
        """Settings…: saved model settings reload the model in the background."""
        from desktop.gui.settings_dialog import SettingsDialog

        if self.backend.services is None:
            self.statusBar().showMessage(
                self.tr("Fathom is still starting; try again in a moment."), 4000
            )
            return None
        dialog = SettingsDialog(self.backend.services, self, self.backend.served_store)
        dialog.settings_saved.connect(self._settings_saved)
        dialog.open()  # window-modal, without a nested event loop
        return dialog

    def _settings_saved(self, keys: list[str]) -> None:
        generation = ("llm.temperature", "llm.max_tokens", "llm.reasoning_effort")
        if any(k.startswith("llm.") and k not in generation for k in keys):
            self._reload_model()
        if any(k.startswith("store.") for k in keys):
            self.statusBar().showMessage(
                self.tr("Store settings apply when Fathom starts again."), 8000
            )
        library = ("embedding.", "ingest.chunk_")
        if any(k.startswith(library) for k in keys):
            self.check_rebuild()

    def open_models(self) -> QWidget | None:
        """Models…: choosing another chat model loads it in the background."""
        from desktop.gui.models_dialog import ModelsDialog

        if self.backend.services is None:
            self.statusBar().showMessage(
                self.tr("Fathom is still starting; try again in a moment."), 4000
            )
            return None
        dialog = ModelsDialog(self.backend.services, self)
        dialog.chat_model_changed.connect(lambda _path: self._reload_model())
        dialog.open()
        return dialog

    def offer_setup(self, services: Any) -> QWidget | None:
        """The first-run wizard, when a local model is wanted and none is installed."""
        from desktop.gui.setup_wizard import SetupWizard, needs_setup

        if not needs_setup(services):
            return None
        wizard = SetupWizard(services, self)
        wizard.setup_saved.connect(lambda _path: self._reload_model())
        wizard.open()
        return wizard

    def _reload_model(self) -> None:
        if self._load_model:
            self.backend.model.unload()
            self.backend.model.load()

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Fathom"),
            f"<b>Fathom {__version__}</b><br>"
            + self.tr("Chat with your own documents, locally.")
            + "<br><br>"
            + self.tr("Library: {folder}").format(folder=self.backend.paths.base),
        )


def local_paths(urls: list[QUrl]) -> list[Path]:
    return [Path(u.toLocalFile()) for u in urls if u.isLocalFile() and u.toLocalFile()]
