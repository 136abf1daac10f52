"""The settings dialog: a form over the typed settings, grouped by section.

Every editor is built from the setting's pydantic field (``desktop.core.settings``): spin
boxes with the field's bounds, combo boxes for its choices, line edits with a file picker
for paths, tooltips from its description. Values are checked with ``set_key`` as they are
typed (the message shows under the field); OK saves them with ``Services.update_settings``
(the settings file, written atomically, and the window's services). Secrets (the store
token, the LLM API key) go to the keyring through ``set_secret``, never to the settings
file. "Test connection" runs on a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import ConfigError, FathomError
from desktop.core.secrets import ENV as SECRET_ENV
from desktop.core.secrets import SecretName, get_secret, set_secret
from desktop.core.services import Services, store_uri
from desktop.core.settings import (
    ENV_PREFIX,
    KeyInfo,
    Settings,
    list_keys,
    set_key,
)
from desktop.gui.i18n import QT_TRANSLATE_NOOP
from desktop.gui.last_folder import LastFolder
from desktop.gui.workers import ErrorInfo, Job, run_job

ERROR_STYLE = "color: #d1242f;"  # a red that reads on light and dark backgrounds
INT_MAX = 1_000_000

# Section tabs and the keys they show, in order; keys not named here go to "Advanced".
SECTIONS: list[tuple[str, list[str]]] = [
    (
        QT_TRANSLATE_NOOP("SettingsDialog", "Model"),
        [
            "llm.backend",
            "llm.model",
            "llm.base_url",
            "llm.temperature",
            "llm.max_tokens",
            "llm.reasoning_effort",
        ],
    ),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Retrieval"), ["rag.top_k", "rag.rerank", "rag.reranker"]),
    (
        QT_TRANSLATE_NOOP("SettingsDialog", "Indexing"),
        ["ingest.chunk_tokens", "ingest.chunk_overlap", "ingest.max_file_mb"],
    ),
    (
        QT_TRANSLATE_NOOP("SettingsDialog", "Embeddings"),
        ["embedding.model", "embedding.batch_size", "embedding.base_url"],
    ),
    (QT_TRANSLATE_NOOP("SettingsDialog", "Store"), ["store.uri", "store.library"]),
    (
        QT_TRANSLATE_NOOP("SettingsDialog", "Advanced"),
        [
            "llm.n_ctx",
            "llm.n_gpu_layers",
            "llm.cpu_moe_layers",
            "llm.n_threads",
            "llm.flash_attn",
            "llm.kv_cache_type",
        ],
    ),
]

LABELS = {
    "llm.backend": QT_TRANSLATE_NOOP("SettingsDialog", "Backend"),
    "llm.model": QT_TRANSLATE_NOOP("SettingsDialog", "Chat model"),
    "llm.base_url": QT_TRANSLATE_NOOP("SettingsDialog", "Server URL"),
    "llm.temperature": QT_TRANSLATE_NOOP("SettingsDialog", "Temperature"),
    "llm.max_tokens": QT_TRANSLATE_NOOP("SettingsDialog", "Longest answer (tokens)"),
    "llm.reasoning_effort": QT_TRANSLATE_NOOP("SettingsDialog", "Reasoning effort"),
    "llm.n_ctx": QT_TRANSLATE_NOOP("SettingsDialog", "Context length"),
    "llm.n_gpu_layers": QT_TRANSLATE_NOOP("SettingsDialog", "GPU layers"),
    "llm.cpu_moe_layers": QT_TRANSLATE_NOOP("SettingsDialog", "Expert layers in RAM"),
    "llm.n_threads": QT_TRANSLATE_NOOP("SettingsDialog", "CPU threads"),
    "llm.flash_attn": QT_TRANSLATE_NOOP("SettingsDialog", "Flash attention"),
    "llm.kv_cache_type": QT_TRANSLATE_NOOP("SettingsDialog", "Key/value cache"),
    "rag.top_k": QT_TRANSLATE_NOOP("SettingsDialog", "Sources per answer"),
    "rag.rerank": QT_TRANSLATE_NOOP("SettingsDialog", "Rerank with a cross-encoder"),
    "rag.reranker": QT_TRANSLATE_NOOP("SettingsDialog", "Reranker model"),
    "ingest.chunk_tokens": QT_TRANSLATE_NOOP("SettingsDialog", "Chunk size (tokens)"),
    "ingest.chunk_overlap": QT_TRANSLATE_NOOP("SettingsDialog", "Chunk overlap (tokens)"),
    "ingest.max_file_mb": QT_TRANSLATE_NOOP("SettingsDialog", "Largest file (MB)"),
    "embedding.model": QT_TRANSLATE_NOOP("SettingsDialog", "Embedding model"),
    "embedding.batch_size": QT_TRANSLATE_NOOP("SettingsDialog", "Batch size"),
    "embedding.base_url": QT_TRANSLATE_NOOP("SettingsDialog", "Embedding server URL"),
    "store.uri": QT_TRANSLATE_NOOP("SettingsDialog", "Store location"),
    "store.library": QT_TRANSLATE_NOOP("SettingsDialog", "Library"),
}

# What a bad value of these keys means, in words (others show the core's message).
FRIENDLY = {
    "store.library": QT_TRANSLATE_NOOP(
        "SettingsDialog",
        "A library name starts with a letter, then up to 40 letters, digits or "
        "underscores (no spaces).",
    ),
}

# Choices shown in words (the value saved stays the setting's own).
CHOICE_LABELS = {
    "llm.backend": {
        "llama_cpp": QT_TRANSLATE_NOOP(
            "SettingsDialog", "llama.cpp: a GGUF model on this computer"
        ),
        "openai": QT_TRANSLATE_NOOP("SettingsDialog", "An OpenAI-compatible server"),
    },
    "llm.reasoning_effort": {
        "low": QT_TRANSLATE_NOOP("SettingsDialog", "low"),
        "medium": QT_TRANSLATE_NOOP("SettingsDialog", "medium"),
        "high": QT_TRANSLATE_NOOP("SettingsDialog", "high"),
    },
    "llm.kv_cache_type": {
        "f16": QT_TRANSLATE_NOOP("SettingsDialog", "f16 (full precision)"),
        "q8_0": QT_TRANSLATE_NOOP("SettingsDialog", "q8_0 (half the memory)"),
        "q4_0": QT_TRANSLATE_NOOP("SettingsDialog", "q4_0 (a quarter of the memory)"),
    },
}

# What the lowest value of a spin box means, where it is "decide for me".
SPECIAL = {
    "llm.n_ctx": QT_TRANSLATE_NOOP("SettingsDialog", "Auto (largest that fits)"),
    "llm.n_gpu_layers": QT_TRANSLATE_NOOP("SettingsDialog", "Auto (as many as fit)"),
    "llm.cpu_moe_layers": QT_TRANSLATE_NOOP("SettingsDialog", "Auto (from GPU memory)"),
    "llm.n_threads": QT_TRANSLATE_NOOP("SettingsDialog", "Auto (one per core)"),
}

# Keys whose line edit gets a "Browse…" button: (file or folder, file filter).
PICKERS = {
    "llm.model": (
        "file",
        QT_TRANSLATE_NOOP("SettingsDialog", "GGUF models (*.gguf);;All files (*)"),
    ),
    "embedding.model": ("folder", ""),
    "store.uri": ("folder", ""),
}


def _bounds(key: str) -> tuple[float | None, float | None, bool]:
    """(lowest, highest, lowest is exclusive) of a numeric setting, from its field."""
    section, _, name = key.partition(".")
    section_model = Settings.model_fields[section].annotation
    field = section_model.model_fields[name]  # type: ignore[union-attr]
    low: float | None = None
    high: float | None = None
    exclusive = False
    for meta in field.metadata:
        if getattr(meta, "ge", None) is not None:
            low = meta.ge
        if getattr(meta, "gt", None) is not None:
            low, exclusive = meta.gt, True
        if getattr(meta, "le", None) is not None:
            high = meta.le
        if getattr(meta, "lt", None) is not None:
            high = meta.lt
    return low, high, exclusive


def env_name(key: str) -> str:
    section, _, name = key.partition(".")
    return f"{ENV_PREFIX}{section.upper()}__{name.upper()}"


def problem_text(key: str, exc: ConfigError) -> str:
    """What is wrong with a value, for the line under its field."""
    if key in FRIENDLY:
        return f"{QCoreApplication.translate('SettingsDialog', FRIENDLY[key])} ({key})"
    return f"{exc.message} {exc.hint}".strip()


def _label(key: str) -> str:
    if key in LABELS:
        return QCoreApplication.translate("SettingsDialog", LABELS[key])
    return key.partition(".")[2].replace("_", " ").capitalize()


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Chat model" becomes "chat model"; "GPU layers" and
    labels in scripts without case stay as they are."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


class SettingRow:
    """One setting's editor, its inline message, and how to read and write its value."""

    def __init__(self, info: KeyInfo, parent: QWidget, last_folder: LastFolder) -> None:
        self.info = info
        self.key = info.key
        self.last_folder = last_folder
        # The editor (and a Browse button where it has one), with its message under it.
        self.field = QWidget(parent)
        column = QVBoxLayout(self.field)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        column.addLayout(row)
        self.editor = self._make_editor(info, self.field)
        self.editor.setObjectName(self.key)
        self.editor.setAccessibleName(_label(self.key))
        self.editor.setAccessibleDescription(info.description)
        tip = info.description
        if info.allowed:
            tip = f"{tip}\n({info.allowed})" if tip else info.allowed
        setting = QCoreApplication.translate("SettingsDialog", "Setting: {key}").format(
            key=self.key
        )
        self.editor.setToolTip(f"{tip}\n{setting}" if tip else setting)
        row.addWidget(self.editor, 1)
        self.browse: QPushButton | None = None
        if self.key in PICKERS:
            self.browse = QPushButton(
                QCoreApplication.translate("SettingsDialog", "Browse…"), self.field
            )
            self.browse.setAccessibleName(
                QCoreApplication.translate("SettingsDialog", "Browse for {setting}").format(
                    setting=_in_sentence(_label(self.key))
                )
            )
            self.browse.clicked.connect(self.on_browse_clicked)
            row.addWidget(self.browse)
        self.message = QLabel(self.field)
        column.addWidget(self.message)
        self.message.setObjectName(f"{self.key}.message")
        self.message.setAccessibleName(
            QCoreApplication.translate("SettingsDialog", "{setting} problem").format(
                setting=_label(self.key)
            )
        )
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.set_value(info.value)
        self.initial = self.value()
        if os.environ.get(env_name(self.key)) is not None:
            self.field.setEnabled(False)
            self.editor.setToolTip(
                f"{self.editor.toolTip()}\n"
                + QCoreApplication.translate(
                    "SettingsDialog", "Set by the environment variable {name}."
                ).format(name=env_name(self.key))
            )

    def _make_editor(self, info: KeyInfo, parent: QWidget) -> QWidget:
        if info.kind == "choice":
            combo = QComboBox(parent)
            shown = CHOICE_LABELS.get(info.key, {})
            for choice in info.choices:
                text = shown.get(choice)
                combo.addItem(
                    QCoreApplication.translate("SettingsDialog", text) if text else choice, choice
                )
            return combo
        if info.kind == "bool":
            return QCheckBox(parent)
        if info.kind == "int":
            spin = QSpinBox(parent)
            low, high, _ = _bounds(info.key)
            spin.setRange(int(low if low is not None else -INT_MAX), int(high or INT_MAX))
            if info.key in SPECIAL:
                spin.setSpecialValueText(
                    QCoreApplication.translate("SettingsDialog", SPECIAL[info.key])
                )
            return spin
        if info.kind == "float":
            dspin = QDoubleSpinBox(parent)
            low, high, exclusive = _bounds(info.key)
            dspin.setDecimals(2)
            floor = float(low) if low is not None else -float(INT_MAX)
            dspin.setRange(floor + (0.01 if exclusive else 0.0), float(high or INT_MAX))
            dspin.setSingleStep(0.1 if (high or INT_MAX) <= 10 else 1.0)
            return dspin
        edit = QLineEdit(parent)
        edit.setClearButtonEnabled(True)
        if info.key == "store.uri":
            edit.setPlaceholderText(
                QCoreApplication.translate("SettingsDialog", "The Lite store in Fathom's folder")
            )
        elif info.key == "llm.model":
            edit.setPlaceholderText(
                QCoreApplication.translate("SettingsDialog", "The default model")
            )
        elif info.key == "llm.base_url":
            edit.setPlaceholderText("http://localhost:8080/v1")  # an address, not words
        return edit

    def value(self) -> Any:
        e = self.editor
        if isinstance(e, QComboBox):
            return e.currentData()
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QSpinBox):
            return e.value()
        if isinstance(e, QDoubleSpinBox):
            return round(e.value(), 2)
        assert isinstance(e, QLineEdit)
        return e.text().strip()

    def set_value(self, value: Any) -> None:
        e = self.editor
        if isinstance(e, QComboBox):
            e.setCurrentIndex(max(0, e.findData(str(value))))
        elif isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QSpinBox):
            e.setValue(int(value))
        elif isinstance(e, QDoubleSpinBox):
            e.setValue(float(value))
        elif isinstance(e, QLineEdit):
            e.setText(str(value))

    def connect_changed(self, slot: Callable[[], None]) -> None:
        e = self.editor
        if isinstance(e, QComboBox):
            e.currentTextChanged.connect(slot)
        elif isinstance(e, QCheckBox):
            e.toggled.connect(slot)
        elif isinstance(e, (QSpinBox, QDoubleSpinBox)):
            e.valueChanged.connect(slot)
        elif isinstance(e, QLineEdit):
            e.textChanged.connect(slot)

    @property
    def changed(self) -> bool:
        return bool(self.value() != self.initial)

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def on_browse_clicked(self) -> None:
        kind, pattern = PICKERS[self.key]
        current = str(self.value())
        start = current if current and Path(current).expanduser().exists() else ""
        start = start or self.last_folder.start()
        if kind == "file":
            chosen, _ = QFileDialog.getOpenFileName(
                self.field,
                QCoreApplication.translate("SettingsDialog", "Choose the {setting}").format(
                    setting=_in_sentence(_label(self.key))
                ),
                start,
                QCoreApplication.translate("SettingsDialog", pattern),
            )
            if chosen:
                self.last_folder.chose_files([chosen])
        else:
            chosen = QFileDialog.getExistingDirectory(
                self.field,
                QCoreApplication.translate("SettingsDialog", "Choose the {setting}").format(
                    setting=_in_sentence(_label(self.key))
                ),
                start,
            )
            if chosen:
                self.last_folder.chose_folder(chosen)
        if chosen:
            self.set_value(chosen)


class SecretRow:
    """A password field whose value goes to the keyring, never to the settings file."""

    def __init__(self, name: SecretName, label: str, parent: QWidget) -> None:
        self.name = name
        self.label = label
        self.field = QWidget(parent)
        column = QVBoxLayout(self.field)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.editor = QLineEdit(self.field)
        column.addWidget(self.editor)
        self.editor.setObjectName(name)
        self.editor.setEchoMode(QLineEdit.EchoMode.Password)
        self.editor.setAccessibleName(label)
        saved = bool(get_secret(name))
        self.editor.setPlaceholderText(
            QCoreApplication.translate("SettingsDialog", "Saved (type to replace)")
            if saved
            else QCoreApplication.translate("SettingsDialog", "Not set")
        )
        self.editor.setToolTip(
            QCoreApplication.translate(
                "SettingsDialog",
                "Kept in the system keyring, never in settings.json; the environment variable "
                "{name} overrides it.",
            ).format(name=SECRET_ENV[name])
        )
        self.message = QLabel(self.field)
        column.addWidget(self.message)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(
            QCoreApplication.translate("SettingsDialog", "{setting} problem").format(setting=label)
        )
        self.message.setVisible(False)

    def typed(self) -> str:
        return self.editor.text()

    def current(self) -> str:
        """What a connection test should use: the typed value, else the saved one."""
        return self.editor.text() or get_secret(self.name)

    def save(self) -> bool:
        if not self.editor.text():
            return True
        try:
            set_secret(self.name, self.editor.text())
        except Exception as exc:  # keyring backends raise their own errors
            self.message.setText(
                QCoreApplication.translate(
                    "SettingsDialog",
                    "The {secret} could not be saved in the system keyring ({error}). "
                    "Set {name} in the environment instead.",
                ).format(
                    secret=_in_sentence(self.label),
                    error=f"{type(exc).__name__}: {exc}",
                    name=SECRET_ENV[self.name],
                )
            )
            self.message.setVisible(True)
            return False
        self.message.setVisible(False)
        return True


class ConnectionTest:
    """A "Test connection" button, its result line, and the check it runs on a worker."""

    def __init__(self, what: str, check: Callable[[], Callable[[], str]], parent: QWidget):
        self.button = QPushButton(
            QCoreApplication.translate("SettingsDialog", "Test connection"), parent
        )
        names = {
            "model": (
                QCoreApplication.translate("SettingsDialog", "Test the model connection"),
                QCoreApplication.translate("SettingsDialog", "Model connection result"),
            ),
            "store": (
                QCoreApplication.translate("SettingsDialog", "Test the store connection"),
                QCoreApplication.translate("SettingsDialog", "Store connection result"),
            ),
        }
        test_name, result_name = names.get(what, (what, what))
        self.button.setAccessibleName(test_name)
        self.result = QLabel(parent)
        self.result.setAccessibleName(result_name)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._check = check
        self._job: Job | None = None
        self.button.clicked.connect(self.on_button_clicked)

    def add_to(self, form: QFormLayout) -> None:
        """The button on its own line, the result under it across the whole form."""
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        form.addRow(row)
        form.addRow(self.result)

    def on_button_clicked(self) -> None:
        try:
            call = self._check()
        except FathomError as exc:
            self._show_error(exc.message, exc.hint)
            return
        self.button.setEnabled(False)
        self.result.setStyleSheet("")
        self.result.setText(QCoreApplication.translate("SettingsDialog", "Testing…"))
        self._job = run_job(
            lambda _cancel: call(),
            on_done=self.on_check_succeeded,
            on_failed=self.on_check_failed,
            name="fathom-connection-test",
        )

    def on_check_succeeded(self, text: object) -> None:
        self.button.setEnabled(True)
        self.result.setStyleSheet("")
        self.result.setText(f"✓ {text}")

    def on_check_failed(self, info: ErrorInfo) -> None:
        self.button.setEnabled(True)
        self._show_error(info.message, info.hint)

    def _show_error(self, message: str, hint: str) -> None:
        self.result.setStyleSheet(ERROR_STYLE)
        self.result.setText(f"✗ {message}" + (f"\n{hint}" if hint else ""))

    @property
    def running(self) -> bool:
        return not self.button.isEnabled()


def _same_place(a: str, b: str) -> bool:
    if "://" in a or "://" in b:
        return a == b
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


class SettingsDialog(QDialog):
    """Edit Fathom's settings; OK saves them. Needs only a ``Services``."""

    settings_saved = Signal(list)  # the dotted keys that changed

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        open_store: Callable[[], tuple[str, Any] | None] | None = None,
    ) -> None:
        """``open_store`` gives the window's open Lite store (its directory and store),
        which "Test connection" must ask rather than open the directory a second time."""
        super().__init__(parent)
        self.services = services
        self.open_store = open_store
        self.last_folder = LastFolder(services.paths.base)
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Fathom settings"))
        self.setMinimumSize(640, 440)
        self.rows: dict[str, SettingRow] = {}
        layout = QVBoxLayout(self)
        self.banner = QLabel(self)
        self.banner.setAccessibleName(self.tr("Settings problem"))
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(self.tr("Settings sections"))
        infos = {i.key: i for i in list_keys(services.settings) if i.key != "version"}
        placed = {k for _, keys in SECTIONS for k in keys}
        self.forms: dict[str, QFormLayout] = {}
        for title, keys in SECTIONS:
            extra = [k for k in infos if k not in placed] if title == "Advanced" else []
            page = QWidget(self.tabs)
            shown_title = QCoreApplication.translate("SettingsDialog", title)
            page.setAccessibleName(self.tr("{section} settings").format(section=shown_title))
            form = QFormLayout(page)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            self.forms[title] = form
            for key in [*keys, *extra]:
                if key in infos:
                    self._add_row(form, infos[key], page)
                if key == "llm.base_url":
                    self._add_api_key(form, page)
            if title == "Model":
                self._add_llm_backend(form, page)
            elif title == "Store":
                self._add_store_backend(form, page)
            self.tabs.addTab(page, shown_title)
        std = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(std.Ok | std.Cancel | std.RestoreDefaults, self)
        defaults = self.buttons.button(std.RestoreDefaults)
        defaults.setAccessibleName(self.tr("Restore the defaults of this section"))
        defaults.setToolTip(
            self.tr("Put this section's settings back to their defaults (OK saves).")
        )
        defaults.clicked.connect(self.on_restore_defaults_clicked)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setAccessibleName(
            self.tr("Save settings")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(
            self.tr("Close without saving")
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.on_backend_changed()

    # --- building ---------------------------------------------------------------------

    def _add_row(self, form: QFormLayout, info: KeyInfo, page: QWidget) -> None:
        row = SettingRow(info, page, self.last_folder)
        self.rows[info.key] = row
        label = QLabel(_label(info.key) + ":", page)
        # Level with the editor, not with the message that may show under it.
        label.setMinimumHeight(row.editor.sizeHint().height())
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        label.setBuddy(row.editor)
        label.setToolTip(row.editor.toolTip())
        form.addRow(label, row.field)
        row.connect_changed(lambda *_, key=info.key: self.on_row_changed(key))
        if info.key == "llm.backend":
            row.connect_changed(self.on_backend_changed)

    def _add_api_key(self, form: QFormLayout, page: QWidget) -> None:
        self.api_key = SecretRow("llm_api_key", self.tr("API key"), page)
        label = QLabel(self.tr("API key:"), page)
        label.setMinimumHeight(self.api_key.editor.sizeHint().height())
        label.setBuddy(self.api_key.editor)
        label.setToolTip(self.api_key.editor.toolTip())
        form.addRow(label, self.api_key.field)

    def _add_llm_backend(self, form: QFormLayout, page: QWidget) -> None:
        self.llm_test = ConnectionTest("model", self._llm_check, page)
        self.llm_test.add_to(form)

    def _add_store_backend(self, form: QFormLayout, page: QWidget) -> None:
        self.token = SecretRow("store_token", self.tr("Store token"), page)
        token_label = QLabel(self.tr("Token:"), page)
        token_label.setMinimumHeight(self.token.editor.sizeHint().height())
        token_label.setBuddy(self.token.editor)
        token_label.setToolTip(self.token.editor.toolTip())
        form.addRow(token_label, self.token.field)
        self.store_test = ConnectionTest("store", self._store_check, page)
        self.store_test.add_to(form)

    def on_restore_defaults_clicked(self) -> None:
        """The shown section's settings back to their defaults (saved by OK)."""
        page = self.tabs.currentWidget()
        for row in self.rows.values():
            if row.field.parentWidget() is page and row.field.isEnabled():
                row.set_value(row.info.default)

    # --- live checks ------------------------------------------------------------------

    def on_row_changed(self, key: str) -> None:
        row = self.rows[key]
        try:
            set_key(self.services.settings, key, row.value())
        except ConfigError as exc:
            row.show_error(problem_text(key, exc))
            return
        row.show_error("")

    def on_backend_changed(self, *_: object) -> None:
        remote = self.rows["llm.backend"].value() == "openai"
        form = self.forms["Model"]
        base_url = self.rows["llm.base_url"]
        form.setRowVisible(base_url.field, remote)
        form.setRowVisible(self.api_key.field, remote)
        model = self.rows["llm.model"]
        if model.browse is not None:
            model.browse.setVisible(not remote)
        editor = model.editor
        assert isinstance(editor, QLineEdit)
        editor.setPlaceholderText(
            self.tr("The server's model name") if remote else self.tr("The default model")
        )
        self.llm_test.result.clear()

    # --- connection checks (each returns the call that runs on a worker) -------------

    def _pending(self, section: str) -> Settings:
        """The settings with one section as the form shows it (unsaved); a ConfigError
        when one of its values is bad."""
        settings = self.services.settings
        for key, row in self.rows.items():
            if row.changed and key.startswith(section + "."):
                settings = set_key(settings, key, row.value())
        return settings

    def _llm_check(self) -> Callable[[], str]:
        pending = self._pending("llm")
        llm = pending.llm
        if llm.backend == "openai":
            from desktop.core.llm.openai_compat import check_server

            base_url, model, key = llm.base_url, llm.model, self.api_key.current()
            return lambda: check_server(base_url, key, model)
        models_dir = self.services.paths.models_dir

        def check_local() -> str:
            from desktop.core.modelhub.catalog import active_chat_path
            from desktop.core.modelhub.manager import check_chat_gguf

            path = active_chat_path(pending, models_dir)
            meta = check_chat_gguf(path)
            arch = str(meta.get("general.architecture", "?"))
            return QCoreApplication.translate(
                "SettingsDialog", "{name} is a GGUF {arch} chat model ({size} GB)"
            ).format(name=path.name, arch=arch, size=f"{path.stat().st_size / 1e9:.1f}")

        return check_local

    def _store_check(self) -> Callable[[], str]:
        settings = self._pending("store")
        uri = store_uri(self.services.paths, settings)
        token, library = self.token.current(), settings.store.library
        opened = self.open_store() if self.open_store is not None else None
        if opened is not None and _same_place(opened[0], uri) and opened[1].library == library:
            # The window holds this Lite directory (no second process may open it): ask
            # the window's own connection.
            store = opened[1]

            def check_open() -> str:
                from desktop.core.store.milvus import describe_store

                return describe_store(store, uri)

            return check_open

        def check() -> str:
            from desktop.core.store.milvus import check_store

            return check_store(uri, token, library)

        return check

    # --- saving -----------------------------------------------------------------------

    def changed_keys(self) -> list[str]:
        return [key for key, row in self.rows.items() if row.changed]

    def accept(self) -> None:
        file = self.services.settings_file
        changed = self.changed_keys()
        try:
            file.saved()  # readable: else nothing is saved, the secrets neither
        except ConfigError as exc:
            self._show_banner(exc)
            return
        values = {key: self.rows[key].value() for key in changed}
        bad = False
        for key, value in values.items():
            try:
                set_key(self.services.settings, key, value)
            except ConfigError as exc:
                self.rows[key].show_error(problem_text(key, exc))
                bad = True
        if bad:
            self._show_banner(
                ConfigError(self.tr("Some settings have bad values; nothing was saved."))
            )
            self._show_first_error()
            return
        for secret in (self.api_key, self.token):
            if not secret.save():
                self._show_banner(
                    ConfigError(self.tr("A secret could not be saved; nothing was saved."))
                )
                self._show_page_of(secret.field)
                return
        try:
            self.services.update_settings(values)
        except ConfigError as exc:
            self._show_banner(exc)
            return
        except OSError as exc:
            self._show_banner(
                ConfigError(
                    self.tr("Cannot write {file}: {reason}.").format(
                        file=file.path, reason=exc.strerror
                    )
                )
            )
            return
        self.settings_saved.emit(changed)
        super().accept()

    def _show_banner(self, exc: FathomError) -> None:
        self.banner.setText(exc.message + (f" {exc.hint}" if exc.hint else ""))
        self.banner.setVisible(True)

    def _show_first_error(self) -> None:
        for row in self.rows.values():
            if row.message.text():
                self._show_page_of(row.field)
                row.editor.setFocus()
                return

    def _show_page_of(self, field: QWidget) -> None:
        page = field.parentWidget()
        if page is not None:
            self.tabs.setCurrentWidget(page)
