"""The settings dialog over the real settings file, keyring API and connection checks."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.core.secrets import get_secret
from desktop.core.services import Services
from desktop.core.settings import load_settings
from desktop.gui.settings_dialog import SettingsDialog


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in this process (never the person's real one)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.saved.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.saved[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.saved.pop((service, username), None)


@pytest.fixture
def services(fathom_home: Path) -> Services:
    return Services.from_environment()


@pytest.fixture
def dialog(qtbot: QtBot, services: Services) -> SettingsDialog:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # the real one of whoever runs the tests is not touched
    dlg = SettingsDialog(services)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    yield dlg
    keyring.set_keyring(previous)


def _ok(qtbot: QtBot, dlg: SettingsDialog) -> None:
    qtbot.mouseClick(
        dlg.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )


def test_editors_follow_the_typed_settings(dialog: SettingsDialog) -> None:
    top_k = dialog.rows["rag.top_k"].editor
    assert isinstance(top_k, QSpinBox) and (top_k.minimum(), top_k.maximum()) == (1, 50)
    temperature = dialog.rows["llm.temperature"].editor
    assert isinstance(temperature, QDoubleSpinBox) and temperature.maximum() == 2.0
    assert "per answer" in top_k.toolTip()
    effort = dialog.rows["llm.reasoning_effort"].editor
    assert isinstance(effort, QComboBox)
    assert [effort.itemData(i) for i in range(effort.count())] == ["low", "medium", "high"]
    n_ctx = dialog.rows["llm.n_ctx"].editor
    assert isinstance(n_ctx, QSpinBox) and n_ctx.text().startswith("Auto")
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert titles == ["Model", "Retrieval", "Indexing", "Embeddings", "Store", "Advanced"]
    unnamed = [
        w.objectName() or type(w).__name__
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not w.accessibleName()
        and w.isVisibleTo(dialog)
        and w.parent() is not None
        and not w.objectName().startswith("qt_")
        and type(w).__name__ not in ("QWidget", "QTabBar", "QStackedWidget", "QScrollBar")
    ]
    assert not unnamed


def test_ok_saves_a_changed_value_to_the_settings_file(
    qtbot: QtBot, dialog: SettingsDialog, services: Services
) -> None:
    dialog.rows["rag.top_k"].editor.setValue(9)  # type: ignore[attr-defined]
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        _ok(qtbot, dialog)
    assert saved.args == [["rag.top_k"]]
    file = services.paths.settings_file
    assert json.loads(file.read_text())["rag"]["top_k"] == 9
    assert load_settings(file).rag.top_k == 9
    assert services.settings.rag.top_k == 9
    assert not dialog.isVisible()


def test_hardware_settings_stay_auto_unless_set(
    qtbot: QtBot, dialog: SettingsDialog, services: Services
) -> None:
    """-1 / 0 mean "work it out on this machine at each load": saving other settings
    keeps them so; a value typed is saved; Restore Defaults makes them auto again."""
    hardware = ("llm.n_gpu_layers", "llm.cpu_moe_layers", "llm.n_ctx")
    for key in hardware:
        editor = dialog.rows[key].editor
        assert isinstance(editor, QSpinBox) and editor.text().startswith("Auto"), key
    dialog.rows["llm.n_threads"].set_value(2)  # another setting on the same tab
    _ok(qtbot, dialog)
    file = services.paths.settings_file
    llm = load_settings(file).llm
    assert (llm.n_gpu_layers, llm.cpu_moe_layers, llm.n_ctx, llm.n_threads) == (-1, -1, 0, 2)

    again = SettingsDialog(services)
    qtbot.addWidget(again)
    again.rows["llm.n_gpu_layers"].set_value(20)
    _ok(qtbot, again)
    assert load_settings(file).llm.n_gpu_layers == 20
    third = SettingsDialog(services)
    qtbot.addWidget(third)
    third.tabs.setCurrentIndex(5)  # Advanced
    third.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    _ok(qtbot, third)
    llm = load_settings(file).llm
    assert (llm.n_gpu_layers, llm.cpu_moe_layers, llm.n_ctx, llm.n_threads) == (-1, -1, 0, 0)


def test_a_bad_value_is_shown_and_nothing_is_saved(
    qtbot: QtBot, dialog: SettingsDialog, services: Services
) -> None:
    dialog.rows["rag.top_k"].editor.setValue(7)  # type: ignore[attr-defined]
    dialog.tabs.setCurrentIndex(4)
    library = dialog.rows["store.library"]
    assert isinstance(library.editor, QLineEdit)
    library.editor.setText("my library!")
    assert library.message.isVisible()
    assert "store.library" in library.message.text()
    assert "starts with a letter" in library.message.text()  # what it accepts
    dialog.tabs.setCurrentIndex(1)
    _ok(qtbot, dialog)
    assert dialog.isVisible()  # not accepted
    assert dialog.tabs.currentIndex() == 4  # the field with the problem is shown
    assert dialog.banner.isVisible() and "nothing was saved" in dialog.banner.text()
    assert not services.paths.settings_file.exists()
    library.editor.setText("manuals")
    assert not library.message.isVisible()
    _ok(qtbot, dialog)
    saved = load_settings(services.paths.settings_file)
    assert (saved.store.library, saved.rag.top_k) == ("manuals", 7)


def test_restore_defaults_resets_the_shown_section(
    qtbot: QtBot, dialog: SettingsDialog, services: Services
) -> None:
    dialog.rows["rag.top_k"].set_value(12)
    dialog.rows["llm.temperature"].set_value(1.5)
    dialog.tabs.setCurrentIndex(1)  # Retrieval
    restore = dialog.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
    qtbot.mouseClick(restore, Qt.MouseButton.LeftButton)
    assert dialog.rows["rag.top_k"].value() == 5
    assert dialog.rows["llm.temperature"].value() == 1.5  # another section: kept
    _ok(qtbot, dialog)
    assert load_settings(services.paths.settings_file).llm.temperature == 1.5


def test_the_token_goes_to_the_keyring_never_to_the_settings_file(
    qtbot: QtBot, dialog: SettingsDialog, services: Services
) -> None:
    dialog.token.editor.setText("s3cret-token")
    _ok(qtbot, dialog)  # this machine's test keyring is the failing one
    assert dialog.isVisible()
    assert dialog.token.message.isVisibleTo(dialog)
    assert "FATHOM_STORE_TOKEN" in dialog.token.message.text()
    assert not services.paths.settings_file.exists()

    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    dialog.rows["rag.top_k"].editor.setValue(3)  # type: ignore[attr-defined]
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert get_secret("store_token") == "s3cret-token"
    assert "s3cret-token" not in services.paths.settings_file.read_text()


def test_switching_to_a_server_shows_its_fields_and_saves_the_choice(
    qtbot: QtBot, dialog: SettingsDialog, services: Services
) -> None:
    dialog.tabs.setCurrentIndex(0)
    base_url = dialog.rows["llm.base_url"]
    assert not base_url.field.isVisible() and not dialog.api_key.editor.isVisible()
    backend = dialog.rows["llm.backend"].editor
    assert isinstance(backend, QComboBox)
    backend.setCurrentIndex(backend.findData("openai"))
    assert backend.currentText() == "An OpenAI-compatible server"
    assert base_url.field.isVisible() and dialog.api_key.editor.isVisible()
    base_url.set_value("http://localhost:8080/v1")
    _ok(qtbot, dialog)
    saved = load_settings(services.paths.settings_file).llm
    assert (saved.backend, saved.base_url) == ("openai", "http://localhost:8080/v1")


def test_test_connection_reports_an_unreachable_server(
    qtbot: QtBot, dialog: SettingsDialog
) -> None:
    """Port 9 (discard) on this machine refuses connections: the error comes fast."""
    dialog.rows["llm.backend"].set_value("openai")
    dialog.rows["llm.base_url"].editor.setText("http://127.0.0.1:9/v1")  # type: ignore[attr-defined]
    result = dialog.llm_test.result
    qtbot.mouseClick(dialog.llm_test.button, Qt.MouseButton.LeftButton)
    assert result.text() == "Testing…"  # the check runs on a worker, the dialog stays live
    qtbot.waitUntil(lambda: result.text().startswith("✗"), timeout=20_000)
    assert "127.0.0.1:9" in result.text()
    assert dialog.llm_test.button.isEnabled()


def test_store_test_connection_reports_what_failed(qtbot: QtBot, dialog: SettingsDialog) -> None:
    dialog.rows["store.uri"].editor.setText("http://127.0.0.1:9")  # type: ignore[attr-defined]
    result = dialog.store_test.result
    qtbot.mouseClick(dialog.store_test.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: result.text().startswith("✗"), timeout=30_000)
    assert "127.0.0.1:9" in result.text()


def test_local_model_test_checks_the_gguf(
    qtbot: QtBot, dialog: SettingsDialog, tmp_path: Path
) -> None:
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("just some notes")
    dialog.rows["llm.model"].editor.setText(str(not_gguf))  # type: ignore[attr-defined]
    qtbot.mouseClick(dialog.llm_test.button, Qt.MouseButton.LeftButton)
    result = dialog.llm_test.result
    qtbot.waitUntil(lambda: result.text().startswith("✗"), timeout=10_000)
    assert "not a GGUF file" in result.text()


def test_screenshots(dialog: SettingsDialog, tmp_path: Path) -> None:
    for i in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(i)
        shot = dialog.grab()
        assert not shot.isNull()
        assert shot.save(str(tmp_path / f"settings-{dialog.tabs.tabText(i).lower()}.png"))
