"""The first-run wizard on this machine's real detection and a real GGUF."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from desktop.core.modelhub.catalog import HubFile
from desktop.core.services import Services
from desktop.core.settings import DEFAULT_EMBEDDING, load_settings, save_settings, set_key
from desktop.gui.setup_wizard import SetupWizard, needs_setup
from tests.hub_server import HubServer
from tests.integration.test_hub_download import hub_client  # noqa: F401 - a fixture


@pytest.mark.slow
def test_wizard_with_a_gguf_already_here_saves_the_settings(
    qtbot: QtBot, fathom_home: Path, gemma_gguf: Path, tmp_path: Path
) -> None:
    services = Services.from_environment()
    wizard = SetupWizard(services)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    next_button = wizard.button(QWizard.WizardButton.NextButton)

    # 1. the machine, detected on a worker
    qtbot.waitUntil(lambda: wizard.recommendation is not None, timeout=60_000)
    page = wizard.machine_page
    assert "Memory" in page.machine_label.text() and "Free disk" in page.machine_label.text()
    assert "Recommended:" in page.advice.text()
    # how gpt-oss-20b would run here, in the words fathom doctor uses
    from desktop.core.llm.hardware import GPT_OSS_20B, plan, plan_in_words

    expected = plan_in_words(plan(GPT_OSS_20B, wizard.machine))
    assert f"On this machine: {expected}." in page.advice.text()
    assert next_button.isEnabled()
    assert wizard.grab().save(str(tmp_path / "wizard-machine.png"))
    wizard.next()

    # 2. the chat model: a file that is not a GGUF is refused, a real one accepted
    chat = wizard.chat_page
    assert chat.download_radio.isChecked() and not next_button.isEnabled()  # not downloaded
    chat.existing_radio.setChecked(True)
    bogus = tmp_path / "model.gguf"
    bogus.write_text("not a model")
    with qtbot.waitSignal(chat.path_checked):  # on a worker
        chat.path_edit.setText(str(bogus))
    assert "not a GGUF file" in chat.path_message.text()
    assert not next_button.isEnabled()
    with qtbot.waitSignal(chat.path_checked):
        chat.path_edit.setText(str(gemma_gguf))
    assert chat.path_message.text().startswith("✓ A GGUF gemma3 chat model")
    assert next_button.isEnabled()
    assert wizard.grab().save(str(tmp_path / "wizard-chat.png"))
    wizard.next()

    # 3. the embedding model: the recommended hub id, checked as it is typed
    emb = wizard.embedding_page
    assert emb.edit.text() == DEFAULT_EMBEDDING
    emb.edit.setText("not an id")
    assert "neither a folder nor a hub id" in emb.message.text()
    emb.edit.setText(DEFAULT_EMBEDDING)
    assert emb.message.text() == ""
    assert wizard.grab().save(str(tmp_path / "wizard-embedding.png"))
    emb.edit.setText("intfloat/multilingual-e5-small")  # the one for other languages
    assert emb.message.text() == ""
    with qtbot.waitSignal(wizard.setup_saved) as saved:
        wizard.accept()

    assert saved.args == [str(gemma_gguf.resolve())]
    raw = json.loads(services.paths.settings_file.read_text())
    assert raw["llm"]["model"] == str(gemma_gguf.resolve())
    settings = load_settings(services.paths.settings_file)
    # The recommendation is shown, not saved: the GPU split stays auto for each load.
    assert (settings.llm.n_gpu_layers, settings.llm.cpu_moe_layers) == (-1, -1)
    assert settings.llm.n_ctx == 0
    assert settings.embedding.model == "intfloat/multilingual-e5-small"
    assert settings.ingest.chunk_tokens == 480  # its passages are cut to what it reads best
    assert services.chat_model_path() == gemma_gguf.resolve()


def test_wizard_downloads_the_recommended_model(
    qtbot: QtBot,
    fathom_home: Path,
    tiny_gpt_oss: Path,
    hub_client: Callable[[str | None], None],  # noqa: F811
) -> None:
    """The download choice runs the real download code against the local hub. Finish
    keeps the hardware settings auto (-1 / 0), and a value the person set stays."""
    blob = tiny_gpt_oss.read_bytes()
    preset = Services.from_environment()
    save_settings(set_key(preset.settings, "llm.n_ctx", 4096), preset.paths.settings_file)
    services = Services.from_environment()
    assert needs_setup(services)
    with HubServer({"test/tiny-gpt-oss": {"tiny.gguf": blob}}) as hub:
        hub_client(hub.url)
        wizard = SetupWizard(services, chat=HubFile("test/tiny-gpt-oss", "tiny.gguf"))
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitUntil(lambda: wizard.recommendation is not None, timeout=60_000)
        wizard.next()
        next_button = wizard.button(QWizard.WizardButton.NextButton)
        chat = wizard.chat_page
        assert chat.download_radio.isChecked() and not next_button.isEnabled()
        with qtbot.waitSignal(chat.download.download_finished, timeout=60_000):
            qtbot.mouseClick(chat.download.start_button, Qt.MouseButton.LeftButton)
        assert next_button.isEnabled()
        wizard.next()
        wizard.accept()
    target = services.paths.models_dir / "tiny.gguf"
    assert target.read_bytes() == blob
    llm = load_settings(services.paths.settings_file).llm
    assert llm.model == str(target.resolve())
    assert (llm.n_gpu_layers, llm.cpu_moe_layers, llm.n_ctx) == (-1, -1, 4096)
    assert wizard.recommendation is not None  # computed and shown all the same
    assert not needs_setup(services)


@pytest.mark.slow
def test_first_launch_without_a_model_opens_the_wizard(
    qtbot: QtBot, fathom_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The main window's hooks: the wizard on a first launch, Settings… and Models…. With
    no embedding model on the machine yet (and no network), nothing tries to fetch one
    behind the wizard's back, and no error greets the person."""
    from desktop.core.paths import Paths
    from desktop.gui.main_window import MainWindow
    from desktop.gui.models_dialog import ModelsDialog
    from desktop.gui.settings_dialog import SettingsDialog

    window = MainWindow(Paths(fathom_home))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.findChildren(SetupWizard)), timeout=60_000)
    [wizard] = window.findChildren(SetupWizard)
    assert wizard.isVisible() and wizard.isModal()
    wizard.reject()
    qtbot.waitUntil(lambda: window.backend._store is not None, timeout=60_000)
    qtbot.waitUntil(window.backend.warm.is_set, timeout=60_000)
    check = window.check_rebuild()
    assert check is not None
    with qtbot.waitSignal(check.done, timeout=30_000) as checked:
        pass
    assert checked.args == [[]]  # no library yet: nothing to rebuild, no model needed to say so
    assert "Could not tell" not in window.status.activity.text()
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    settings = window.open_settings()
    assert isinstance(settings, SettingsDialog) and settings.isVisible()
    # Testing the store the window holds open: it answers, and the window's stays usable.
    result = settings.store_test.result
    qtbot.mouseClick(settings.store_test.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: result.text()[:1] in ("✓", "✗"), timeout=30_000)
    assert result.text().startswith("✓ Milvus Lite directory"), result.text()
    assert "library 'default'" in result.text()
    assert window.backend._store.count() == 0
    settings.reject()
    models = window.open_models()
    assert isinstance(models, ModelsDialog)
    with qtbot.waitSignal(models.operation_finished, timeout=30_000):
        pass
    assert models.table.rowCount() == 0
    models.reject()
    window.close()
