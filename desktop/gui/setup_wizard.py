"""First run: what this machine has, what Fathom recommends, and the chat model to use.

Pages: the machine (RAM, GPU and its memory as llama.cpp sees them, free disk) with the
recommendation from ``desktop.core.setup.recommend``; the chat model (download the
recommended GGUF, or use one already on disk, validated); the embedding model. Finish
saves the settings: the chosen model through ``use_model`` and the embedding model (and
the chunk size that goes with it) through ``choose_embedding``. The GPU split and the
context length stay auto
(``llm.n_gpu_layers`` -1, ``llm.cpu_moe_layers`` -1, ``llm.n_ctx`` 0), so each load works
them out from the machine as the recommendation did, unless the person set them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.core.errors import ConfigError, FathomError
from desktop.core.llm.hardware import GIB, Machine, plan_in_words
from desktop.core.modelhub.catalog import DEFAULT_CHAT, HubFile
from desktop.core.modelhub.manager import (
    check_chat_gguf,
    check_embedding_folder,
    choose_embedding,
    use_model,
)
from desktop.core.services import Services
from desktop.core.setup import Recommendation, free_disk_bytes, recommend, recommended_embedding
from desktop.gui.last_folder import LastFolder
from desktop.gui.models_dialog import ERROR_STYLE, DownloadPanel, error_text, human_bytes
from desktop.gui.workers import ErrorInfo, Job, run_job


def needs_setup(services: Services) -> bool:
    """Whether the first-run wizard should show: a local model is wanted and none is here."""
    from desktop.core.errors import ModelError

    if services.settings.llm.backend != "llama_cpp":
        return False
    try:
        return not services.chat_model_path().is_file()
    except ModelError:
        return True


def detect(services: Services, chat: HubFile) -> tuple[Machine, Recommendation]:
    """What the machine has and what it should run (loads llama.cpp: run on a worker)."""
    from desktop.core.llm.hardware import detect_machine

    machine = detect_machine(unused_gpu=True)
    disk = free_disk_bytes(services.paths.base)
    llm = services.settings.llm
    rec = recommend(
        machine,
        disk,
        chat,
        recommended_embedding(),
        flash_attn=llm.flash_attn,
        kv_cache_type=llm.kv_cache_type,
    )
    return machine, rec


def describe_machine(machine: Machine, free_disk: int) -> str:
    if machine.gpu_offload and machine.vram_bytes:
        gpu = QCoreApplication.translate("MachinePage", "{gpu} with {memory} GiB").format(
            gpu=machine.gpu_name or "GPU", memory=f"{machine.vram_bytes / GIB:.1f}"
        )
    elif machine.gpu_offload:
        gpu = QCoreApplication.translate("MachinePage", "supported by this build, but none found")
    else:
        gpu = QCoreApplication.translate("MachinePage", "none that this llama.cpp build can use")
    rows = [
        (QCoreApplication.translate("MachinePage", "Memory"), f"{machine.ram_bytes / GIB:.1f} GiB"),
        (QCoreApplication.translate("MachinePage", "CPU threads"), str(machine.threads)),
        ("GPU", gpu),
        (QCoreApplication.translate("MachinePage", "Free disk"), human_bytes(free_disk)),
    ]
    cells = "".join(f"<tr><td>{name}</td><td><b>{value}</b></td></tr>" for name, value in rows)
    return f"<table cellspacing=4>{cells}</table>"


class MachinePage(QWizardPage):
    detected = Signal()

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle(self.tr("Welcome to Fathom"))
        self.setSubTitle(self.tr("Fathom answers from your documents with a model that runs here."))
        layout = QVBoxLayout(self)
        self.machine_label = QLabel(self.tr("Looking at this machine…"), self)
        self.machine_label.setAccessibleName(self.tr("This machine"))
        self.machine_label.setTextFormat(Qt.TextFormat.RichText)
        self.advice = QLabel(self)
        self.advice.setAccessibleName(self.tr("Recommendation"))
        self.advice.setWordWrap(True)
        self.warnings = QLabel(self)
        self.warnings.setAccessibleName(self.tr("Warnings"))
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(ERROR_STYLE)
        self.warnings.setVisible(False)
        layout.addWidget(self.machine_label)
        layout.addSpacing(8)
        layout.addWidget(self.advice)
        layout.addWidget(self.warnings)
        layout.addStretch(1)
        self._job: Job | None = None

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if self.wiz.recommendation is None and self._job is None:
            services, chat = self.wiz.services, self.wiz.chat
            self._job = run_job(
                lambda _cancel: detect(services, chat),
                on_done=self.on_detect_succeeded,
                on_failed=self.on_detect_failed,
                name="fathom-detect-machine",
            )

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.wiz.recommendation is not None

    def on_detect_succeeded(self, result: object) -> None:
        assert isinstance(result, tuple)
        machine, rec = result
        assert isinstance(machine, Machine) and isinstance(rec, Recommendation)
        self.wiz.machine, self.wiz.recommendation = machine, rec
        self.machine_label.setText(describe_machine(machine, rec.free_disk))
        self.advice.setText(self.tr("<b>Recommended:</b> {plan}.").format(plan=rec.describe()))
        if rec.chat.filename == DEFAULT_CHAT.filename and rec.plan:  # gpt-oss-20b's shape
            words = plan_in_words(rec.plan)
            here = self.tr("On this machine: {plan}.").format(plan=words)
            self.advice.setText(f"{self.advice.text()}<br>{here}")
        self.warnings.setText("\n".join(rec.warnings))
        self.warnings.setVisible(bool(rec.warnings))
        self.completeChanged.emit()
        self.detected.emit()

    def on_detect_failed(self, info: ErrorInfo) -> None:
        self.machine_label.setText(
            self.tr("This machine could not be examined: {reason}").format(reason=info.message)
        )
        self.machine_label.setStyleSheet(ERROR_STYLE)


class ChatModelPage(QWizardPage):
    path_checked = Signal()  # the GGUF file typed or picked was checked

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle(self.tr("Chat model"))
        self.setSubTitle(self.tr("The model that reads the passages found and writes the answer."))
        layout = QVBoxLayout(self)
        self.download_radio = QRadioButton(
            self.tr("Download the recommended model, {file} ({size} GB)").format(
                file=wizard.chat.filename, size=f"{wizard.chat.size_gb:.1f}"
            ),
            self,
        )
        self.download_radio.setAccessibleName(self.tr("Download the recommended model"))
        self.existing_radio = QRadioButton(self.tr("Use a GGUF file I already have"), self)
        self.existing_radio.setAccessibleName(self.tr("Use a GGUF file I already have"))
        group = QButtonGroup(self)
        group.addButton(self.download_radio)
        group.addButton(self.existing_radio)
        self.download = DownloadPanel(wizard.services, wizard.chat, self, show_title=False)
        self.download.download_finished.connect(self.on_download_finished)
        picker = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setAccessibleName(self.tr("GGUF file"))
        self.path_edit.setPlaceholderText(self.tr("/path/to/model.gguf"))
        self.browse = QPushButton(self.tr("Browse…"), self)
        self.browse.setAccessibleName(self.tr("Browse for a GGUF file"))
        picker.addSpacing(24)
        picker.addWidget(self.path_edit, 1)
        picker.addWidget(self.browse)
        self.path_message = QLabel(self)
        self.path_message.setAccessibleName(self.tr("GGUF file check"))
        self.path_message.setWordWrap(True)
        layout.addWidget(self.download_radio)
        indent = QHBoxLayout()
        indent.addSpacing(24)
        indent.addWidget(self.download, 1)
        layout.addLayout(indent)
        layout.addSpacing(12)
        layout.addWidget(self.existing_radio)
        layout.addLayout(picker)
        layout.addWidget(self.path_message)
        layout.addStretch(1)
        self.download_radio.setChecked(True)
        group.buttonToggled.connect(self.on_choice_toggled)
        self.path_edit.textChanged.connect(self.on_path_edit_changed)
        self.browse.clicked.connect(self.on_browse_clicked)
        self.checked_path: Path | None = None
        self._check_job: Job | None = None
        self.on_choice_toggled()

    def on_choice_toggled(self, *_: object) -> None:
        existing = self.existing_radio.isChecked()
        self.download.setEnabled(not existing)
        self.path_edit.setEnabled(existing)
        self.browse.setEnabled(existing)
        self.completeChanged.emit()

    def on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose a GGUF model"),
            self.wiz.last_folder.start(),
            self.tr("GGUF models (*.gguf);;All files (*)"),
        )
        if path:
            self.wiz.last_folder.chose_files([path])
            self.path_edit.setText(path)

    def on_path_edit_changed(self, text: str) -> None:
        """Check the file's GGUF header on a worker; a result for older text is dropped."""
        self.checked_path = None
        self.completeChanged.emit()
        if not text.strip():
            self.path_message.setText("")
            return
        path = Path(text.strip()).expanduser()
        self.path_message.setStyleSheet("")
        self.path_message.setText(self.tr("Checking…"))
        self._check_job = run_job(
            lambda _cancel: check_chat_gguf(path),
            on_done=lambda meta: self.on_path_checked(path, meta, None),
            on_failed=lambda info: self.on_path_checked(path, None, info),
            name="fathom-check-gguf",
        )

    def on_path_checked(self, path: Path, meta: object, failure: ErrorInfo | None) -> None:
        if Path(self.path_edit.text().strip()).expanduser() != path:
            return  # the text changed meanwhile; its own check will answer
        if failure is not None:
            self.path_message.setStyleSheet(ERROR_STYLE)
            hint = f"\n{failure.hint}" if failure.hint else ""
            self.path_message.setText(failure.message + hint)
        else:
            self.checked_path = path
            arch = meta.get("general.architecture", "?") if isinstance(meta, dict) else "?"
            self.path_message.setStyleSheet("")
            self.path_message.setText(
                self.tr("✓ A GGUF {arch} chat model, {size}.").format(
                    arch=arch, size=human_bytes(path.stat().st_size)
                )
            )
        self.completeChanged.emit()
        self.path_checked.emit()

    def on_download_finished(self, path: object) -> None:
        self.completeChanged.emit()

    def chosen(self) -> Path | None:
        if self.existing_radio.isChecked():
            return self.checked_path
        return self.download.target if self.download.target.is_file() else None

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return self.chosen() is not None and not self.download.running


class EmbeddingPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle(self.tr("Embedding model"))
        self.setSubTitle(self.tr("The small model that turns passages into vectors for search."))
        layout = QVBoxLayout(self)
        note = QLabel(
            self.tr(
                "A hub id is fetched on the first ingestion (about 90 MB) and kept; a local "
                "folder (tokenizer.json, configs, onnx/model.onnx) is used as it is."
            ),
            self,
        )
        note.setWordWrap(True)
        row = QHBoxLayout()
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(self.tr("Embedding model"))
        self.browse = QPushButton(self.tr("Browse…"), self)
        self.browse.setAccessibleName(self.tr("Browse for an embedding model folder"))
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        self.message = QLabel(self)
        self.message.setAccessibleName(self.tr("Embedding model check"))
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout.addWidget(note)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.edit.textChanged.connect(self.on_edit_changed)
        self.browse.clicked.connect(self.on_browse_clicked)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        if not self.edit.text():
            rec = self.wiz.recommendation
            self.edit.setText(rec.embedding if rec else self.wiz.services.settings.embedding.model)

    def on_browse_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, self.tr("Choose an embedding model folder"), self.wiz.last_folder.start()
        )
        if path:
            self.wiz.last_folder.chose_folder(path)
            self.edit.setText(path)

    def problem(self) -> str:
        spec = self.edit.text().strip()
        if not spec:
            return self.tr("Give a hub id or a local model folder.")
        folder = Path(spec).expanduser()
        if folder.is_dir():
            try:
                check_embedding_folder(folder)
            except FathomError as exc:
                return error_text(exc)
            return ""
        if spec.count("/") != 1 and not spec.startswith("pymilvus:"):
            return self.tr("'{spec}' is neither a folder nor a hub id such as owner/model.").format(
                spec=spec
            )
        return ""

    def on_edit_changed(self) -> None:
        self.message.setText(self.problem())
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt's name
        return not self.problem()


class SetupWizard(QWizard):
    """The first-run wizard; Finish saves the settings (``setup_saved`` then)."""

    setup_saved = Signal(str)  # the chat model's path

    def __init__(
        self, services: Services, parent: QWidget | None = None, chat: HubFile = DEFAULT_CHAT
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.chat = chat
        self.last_folder = LastFolder(services.paths.base)
        self.machine: Machine | None = None
        self.recommendation: Recommendation | None = None
        self.setWindowTitle(self.tr("Set up Fathom"))
        self.setAccessibleName(self.tr("Fathom setup"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(640, 460)
        self.machine_page = MachinePage(self)
        self.chat_page = ChatModelPage(self)
        self.embedding_page = EmbeddingPage(self)
        for page in (self.machine_page, self.chat_page, self.embedding_page):
            self.addPage(page)
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton):
            self.button(which).setAccessibleName(self.buttonText(which).strip("<>& "))
        self.button(QWizard.WizardButton.FinishButton).setAccessibleName(self.tr("Finish setup"))
        self.button(QWizard.WizardButton.CancelButton).setAccessibleName(self.tr("Cancel setup"))

    def save(self) -> Path:
        """Use the chosen chat model and save the recommended settings."""
        chosen = self.chat_page.chosen()
        if chosen is None:
            raise ConfigError(self.tr("No chat model was chosen."))
        model = use_model(self.services, str(chosen))
        # The GPU split stays auto (-1 / 0): worked out again from the machine at each
        # load, as the recommendation shown was; a value the person set is kept.
        choose_embedding(self.services, self.embedding_page.edit.text().strip())
        return model.path

    def accept(self) -> None:
        try:
            path = self.save()
        except FathomError as exc:
            self.embedding_page.message.setText(error_text(exc))
            return
        self.setup_saved.emit(str(path))
        super().accept()

    def reject(self) -> None:
        if self.chat_page.download.running:
            self.chat_page.download.on_cancel_button_clicked()
        super().reject()
