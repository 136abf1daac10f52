"""The models page: installed chat and embedding models, add, remove, use, download.

It is a thin front over ``desktop.core.modelhub.manager`` (list/add/remove/use) and
``desktop.core.modelhub.download.download`` (a generator of progress events that honours a
CancelToken), which runs on a worker thread. Choosing another chat model emits
``chat_model_changed`` with its path; the main window hands that to its model owner, which
loads it in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import FathomError
from desktop.core.modelhub.catalog import DEFAULT_CHAT, HubFile
from desktop.core.modelhub.manager import (
    InstalledModel,
    add_model,
    list_models,
    partial_downloads,
    remove_model,
    use_model,
)
from desktop.core.progress import CancelToken
from desktop.core.services import Services
from desktop.gui.i18n import QT_TRANSLATE_NOOP
from desktop.gui.workers import ErrorInfo, Job, Lane, run_job

ERROR_STYLE = "color: #d1242f;"
MODEL_FILES = Lane("model files")  # list/add/use/remove, one at a time
COLUMNS = [
    QT_TRANSLATE_NOOP("ModelsDialog", "Name"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Kind"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Size"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Active"),
    QT_TRANSLATE_NOOP("ModelsDialog", "Path"),
]


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{int(n)} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def human_duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return QCoreApplication.translate("ModelsDialog", "{s} s").format(s=seconds)
    if seconds < 3600:
        return QCoreApplication.translate("ModelsDialog", "{m} min {s} s").format(
            m=seconds // 60, s=f"{seconds % 60:02d}"
        )
    return QCoreApplication.translate("ModelsDialog", "{h} h {m} min").format(
        h=seconds // 3600, m=f"{seconds % 3600 // 60:02d}"
    )


def error_text(exc: BaseException) -> str:
    if isinstance(exc, FathomError):
        return exc.message + (f"\n{exc.hint}" if exc.hint else "")
    return f"{type(exc).__name__}: {exc}"


class DownloadPanel(QWidget):
    """Download one hub file into Fathom's model folder: progress (bytes, speed, time
    left), Cancel, and resume (a second start continues the part file)."""

    progressed = Signal(object)  # each DownloadProgress / DownloadDone, on the GUI thread
    download_finished = Signal(object)  # the Path of the file in place
    download_failed = Signal(str)  # the message (also shown in the panel)

    def __init__(
        self,
        services: Services,
        item: HubFile,
        parent: QWidget | None = None,
        *,
        show_title: bool = True,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.item = item
        self._job: Job | None = None
        self._done_path: Path | None = None
        self.setAccessibleName(self.tr("Model download"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.start_button = QPushButton(self.tr("Download"), self)
        self.start_button.setAccessibleName(self.tr("Download {file}").format(file=item.filename))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setAccessibleName(self.tr("Cancel the download"))
        self.cancel_button.setEnabled(False)
        self.title.setVisible(show_title)
        row.addWidget(self.title, 1)
        if not show_title:
            row.addStretch(1)
        row.addWidget(self.start_button)
        row.addWidget(self.cancel_button)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName(self.tr("Download progress"))
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("")
        self.bar.setVisible(False)  # until a download starts
        self.status = QLabel(self)
        self.status.setAccessibleName(self.tr("Download status"))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addLayout(row)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        self.start_button.clicked.connect(self.on_start_button_clicked)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.refresh()

    @property
    def target(self) -> Path:
        return self.services.paths.models_dir / self.item.filename

    @property
    def running(self) -> bool:
        return self._job is not None

    def refresh(self) -> None:
        size = f" ({self.item.size_gb:.1f} GB)" if self.item.size_gb else ""
        self.title.setText(
            self.tr("{file} from {repo}").format(
                file=f"<b>{self.item.filename}</b>{size}", repo=self.item.repo_id
            )
        )
        if self.running:
            return
        if self.target.is_file():
            self.start_button.setText(self.tr("Installed"))
            self.start_button.setEnabled(False)
            self.bar.setVisible(False)
            return
        self.start_button.setEnabled(True)
        part = [
            p
            for p in partial_downloads(self.services)
            if p.path.name.startswith(self.item.filename)
        ]
        if part:
            self.start_button.setText(self.tr("Resume"))
            self.start_button.setAccessibleName(
                self.tr("Resume downloading {file}").format(file=self.item.filename)
            )
            if not self.status.text():
                self.status.setText(
                    self.tr("A download stopped after {size}; Resume continues from there.").format(
                        size=human_bytes(part[0].size_bytes)
                    )
                )
        else:
            self.start_button.setText(self.tr("Download"))
            if not self.status.text():
                self.status.setText(
                    self.tr(
                        "Not downloaded yet. A download can be cancelled and resumed later; "
                        "the file is checked against the hub's SHA-256 before use."
                    )
                )

    def on_start_button_clicked(self) -> None:
        from desktop.core.modelhub.download import download

        item, folder = self.item, self.services.paths.models_dir
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.bar.setVisible(True)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Connecting…"))
        self._done_path = None

        def work(cancel: CancelToken) -> Any:
            return download(
                item.repo_id, item.filename, folder, revision=item.revision, cancel=cancel
            )

        self._job = run_job(
            work,
            on_event=self.on_download_progressed,
            on_done=self.on_download_ended,
            on_failed=self.on_download_failed,
            on_cancelled=self.on_download_cancelled,
            name="fathom-download",
        )

    def on_cancel_button_clicked(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("Cancelling…"))

    def on_download_progressed(self, event: object) -> None:
        from desktop.core.modelhub.download import DownloadDone, DownloadProgress

        self.progressed.emit(event)
        if isinstance(event, DownloadProgress):
            self.bar.setValue(int(event.fraction * 1000))
            self.bar.setFormat(f"{event.fraction:.0%}")
            if event.phase == "rehash":
                self.status.setText(
                    self.tr("Checking the {total} already downloaded… {done}").format(
                        total=human_bytes(event.total), done=human_bytes(event.done)
                    )
                )
                return
            parts = [
                self.tr("{done} of {total}").format(
                    done=human_bytes(event.done), total=human_bytes(event.total)
                )
            ]
            if event.speed > 0:
                parts.append(f"{human_bytes(event.speed)}/s")
            if event.eta_s is not None:
                parts.append(self.tr("about {time} left").format(time=human_duration(event.eta_s)))
            self.status.setText(" · ".join(parts))
        elif isinstance(event, DownloadDone):
            self.bar.setValue(1000)
            self.bar.setFormat("100%")
            if event.sha256:
                done = self.tr("Downloaded and verified (SHA-256)")
            else:
                done = self.tr("Downloaded")
            if event.resumed_from:
                done += self.tr(", resumed after {size}").format(
                    size=human_bytes(event.resumed_from)
                )
            self.status.setText(f"{done}: {event.path}")
            self._done_path = event.path

    def _ended(self) -> None:
        self._job = None
        self.cancel_button.setEnabled(False)
        self.refresh()

    def on_download_ended(self, _last: object) -> None:
        self._ended()
        if self._done_path is not None:
            self.download_finished.emit(self._done_path)

    def on_download_cancelled(self) -> None:
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Cancelled. The bytes so far are kept: Resume continues."))
        self._ended()
        self.download_failed.emit(self.tr("Cancelled"))

    def on_download_failed(self, info: ErrorInfo) -> None:
        text = info.message + (f"\n{info.hint}" if info.hint else "")
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(text)
        self._ended()
        self.download_failed.emit(text)


class ModelsDialog(QDialog):
    """Installed models, and the recommended model's download."""

    chat_model_changed = Signal(str)  # the path of the chat model to load now
    models_changed = Signal()
    operation_finished = Signal()  # a list, add, use or remove ended (well or not)

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        recommended: HubFile = DEFAULT_CHAT,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.models: list[InstalledModel] = []
        self._busy = False
        self._job: Job | None = None
        self.setWindowTitle(self.tr("Models"))
        self.setAccessibleName(self.tr("Fathom models"))
        self.resize(820, 480)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName(self.tr("Installed models"))
        self.table.setHorizontalHeaderLabels(
            [QCoreApplication.translate("ModelsDialog", c) for c in COLUMNS]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        for i in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self.on_table_selection_changed)
        self.table.doubleClicked.connect(self.on_use_button_clicked)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add GGUF…"), self)
        self.add_button.setAccessibleName(self.tr("Add a GGUF chat model file"))
        self.add_folder_button = QPushButton(self.tr("Add embedding folder…"), self)
        self.add_folder_button.setAccessibleName(self.tr("Add an ONNX embedding model folder"))
        self.use_button = QPushButton(self.tr("Use"), self)
        self.use_button.setAccessibleName(self.tr("Use the selected model"))
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setAccessibleName(self.tr("Remove the selected model"))
        for b in (self.add_button, self.add_folder_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.remove_button)
        self.message = QLabel(self)
        self.message.setAccessibleName(self.tr("Models message"))
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)
        heading = QLabel("<b>{}</b>".format(self.tr("Recommended model")), self)
        self.download = DownloadPanel(services, recommended, self)
        self.download.download_finished.connect(self.on_download_finished)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName(
            self.tr("Close models")
        )
        close.rejected.connect(self.reject)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addSpacing(8)
        layout.addWidget(heading)
        layout.addWidget(self.download)
        layout.addWidget(close)
        self.add_button.clicked.connect(self.on_add_button_clicked)
        self.add_folder_button.clicked.connect(self.on_add_folder_button_clicked)
        self.use_button.clicked.connect(self.on_use_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.refresh()

    # --- the table --------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run a model-manager call on a worker (it reads GGUF headers from disk), list the
        models again there, and show the result here; one call at a time."""
        services = self.services
        self._set_busy(True)

        def job(_cancel: CancelToken) -> tuple[Any, list[InstalledModel]]:
            result = work()
            return result, list_models(services)

        def finished(result: tuple[Any, list[InstalledModel]]) -> None:
            value, models = result
            self._show_models(models)
            done(value)
            self._set_busy(False)
            self.operation_finished.emit()

        self._job = run_job(
            job, on_done=finished, on_failed=self.on_operation_failed, lane=MODEL_FILES
        )

    def on_operation_failed(self, info: ErrorInfo) -> None:
        self.show_message(info.message + (f"\n{info.hint}" if info.hint else ""), error=True)
        self._set_busy(False)
        self.operation_finished.emit()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.add_button.setEnabled(not busy)
        self.add_folder_button.setEnabled(not busy)
        self.on_table_selection_changed()

    def refresh(self) -> None:
        self._run(lambda: None, lambda _: None)

    def _show_models(self, models: list[InstalledModel]) -> None:
        self.models = models
        self.table.setRowCount(len(self.models))
        for r, m in enumerate(self.models):
            kind = self.tr("Chat") + (f" ({m.architecture})" if m.architecture else "")
            if m.kind != "chat":
                kind = self.tr("Embedding")
            cells = [m.name, kind, human_bytes(m.size_bytes)]
            cells += [self.tr("✓ active") if m.active else "", str(m.path)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(m.path))
                if c == 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(r, c, item)
        self.download.refresh()
        self.on_table_selection_changed()

    def selected(self) -> InstalledModel | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.models[rows.pop()] if len(rows) == 1 else None

    def select(self, path: Path) -> None:
        for r, m in enumerate(self.models):
            if m.path == path:
                self.table.selectRow(r)

    def on_table_selection_changed(self) -> None:
        chosen = None if self._busy else self.selected()
        self.use_button.setEnabled(chosen is not None and not chosen.active)
        self.remove_button.setEnabled(chosen is not None)

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- actions ----------------------------------------------------------------------

    def on_add_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Add a GGUF chat model"),
            str(Path.home()),
            self.tr("GGUF models (*.gguf);;All files (*)"),
        )
        if path:
            self.add_path(Path(path))

    def on_add_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, self.tr("Add an ONNX embedding model folder"), str(Path.home())
        )
        if path:
            self.add_path(Path(path))

    def add_path(self, path: Path) -> None:
        """Validate and add a model file or folder (on a worker); a bad one is explained,
        not added."""
        services = self.services

        def added(model: InstalledModel) -> None:
            self.select(model.path)
            size = human_bytes(model.size_bytes)
            self.show_message(
                self.tr("Added {name} ({size}). Use makes it active.").format(
                    name=model.name, size=size
                )
            )
            self.models_changed.emit()

        self.show_message(self.tr("Checking the file…"))
        self._run(lambda: add_model(services, path), added)

    def on_use_button_clicked(self) -> None:
        chosen = self.selected()
        if chosen is None or self._busy:
            return
        name = chosen.name if chosen.source == "hub" else str(chosen.path)
        services = self.services

        def used(model: InstalledModel) -> None:
            self.select(model.path)
            if model.kind == "chat":
                self.show_message(
                    self.tr("{name} is the chat model now; it loads in the background.").format(
                        name=model.name
                    )
                )
                self.chat_model_changed.emit(str(model.path))
            else:
                self.show_message(
                    self.tr(
                        "{name} embeds from now on. Documents embedded with another model "
                        "must be ingested again into a new library."
                    ).format(name=model.name)
                )
            self.models_changed.emit()

        self._run(lambda: use_model(services, name), used)

    def on_remove_button_clicked(self) -> None:
        chosen = self.selected()
        if chosen is None or self._busy:
            return
        deletes = chosen.source != "added"
        if deletes:
            question = self.tr("Remove {name}? This deletes the file from disk.")
        else:
            question = self.tr("Remove {name}? This forgets it (your file stays).")
        answer = QMessageBox.question(
            self,
            self.tr("Remove model"),
            question.format(name=chosen.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        name = chosen.name if chosen.source == "hub" else str(chosen.path)
        services = self.services

        def removed(model: InstalledModel) -> None:
            self.show_message(self.tr("Removed {name}.").format(name=model.name))
            self.models_changed.emit()

        self._run(lambda: remove_model(services, name), removed)

    def on_download_finished(self, path: object) -> None:
        self._run(lambda: None, lambda _: self.select(path) if isinstance(path, Path) else None)

    def reject(self) -> None:
        if self.download.running:
            self.download.on_cancel_button_clicked()
        super().reject()
