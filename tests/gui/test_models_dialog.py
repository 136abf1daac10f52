"""The models page on real files, the real model manager and the real download code
(against the local hub of ``tests/hub_server.py``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.core.modelhub.catalog import HubFile
from desktop.core.modelhub.download import DownloadDone, DownloadProgress
from desktop.core.services import Services
from desktop.gui.models_dialog import ModelsDialog, human_bytes
from tests.hub_server import HubServer
from tests.integration.test_hub_download import hub_client  # noqa: F401 - a fixture

REPO, FILE = "test/tiny-gpt-oss", "tiny-gpt-oss.gguf"
SIZE = 6 << 20
STALL_AT = 2 << 20


@pytest.fixture(scope="module")
def blob(tiny_gpt_oss: Path) -> bytes:
    """A real gpt-oss GGUF (header and tensors), padded so that it takes a few chunks."""
    data = tiny_gpt_oss.read_bytes()
    return data + bytes(SIZE - len(data))


@pytest.fixture
def hub(blob: bytes, hub_client: Callable[[str | None], None]) -> Iterator[HubServer]:  # noqa: F811
    with HubServer({REPO: {FILE: blob}}) as server:
        hub_client(server.url)
        yield server


@pytest.fixture
def services(fathom_home: Path) -> Services:
    return Services.from_environment()


def _dialog(qtbot: QtBot, services: Services) -> ModelsDialog:
    dlg = ModelsDialog(services, recommended=HubFile(REPO, FILE, size_gb=SIZE / 1e9))
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.operation_finished):  # the first listing, on a worker
        dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def _click(qtbot: QtBot, dlg: ModelsDialog, button: QPushButton) -> None:
    """Click, and wait for the model-manager call it starts (a worker) to end."""
    with qtbot.waitSignal(dlg.operation_finished, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _pick(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def _cells(dlg: ModelsDialog) -> list[list[str]]:
    t = dlg.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


@pytest.mark.slow
def test_add_lists_a_real_gguf_and_use_makes_it_active(
    qtbot: QtBot,
    services: Services,
    gemma_gguf: Path,
    tiny_gpt_oss: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dlg = _dialog(qtbot, services)
    assert dlg.table.rowCount() == 0
    _pick(monkeypatch, gemma_gguf)
    _click(qtbot, dlg, dlg.add_button)
    [row] = _cells(dlg)
    name, kind, size, _active, path = row
    assert (name, kind, path) == (gemma_gguf.stem, "Chat (gemma3)", str(gemma_gguf.resolve()))
    assert size.endswith("MB") and float(size.split()[0]) == pytest.approx(
        gemma_gguf.stat().st_size / 1e6, abs=0.1
    )
    assert "Added" in dlg.message.text()

    _pick(monkeypatch, tiny_gpt_oss)
    _click(qtbot, dlg, dlg.add_button)
    rows = _cells(dlg)
    assert sorted(r[1] for r in rows) == ["Chat (gemma3)", "Chat (gpt-oss)"]
    [other] = [r for r, m in enumerate(dlg.models) if not m.active]
    dlg.table.selectRow(other)
    wanted = str(dlg.models[other].path)
    assert dlg.use_button.isEnabled()
    with qtbot.waitSignal(dlg.chat_model_changed, timeout=30_000) as changed:
        qtbot.mouseClick(dlg.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.add_button.isEnabled())
    assert changed.args == [wanted]
    assert [r[3] for r in _cells(dlg) if r[4] == wanted] == ["✓ active"]
    assert [r[3] for r in _cells(dlg)].count("✓ active") == 1
    assert not dlg.use_button.isEnabled()  # the active one is selected
    saved = json.loads(services.paths.settings_file.read_text())
    assert saved["llm"]["model"] == wanted


def test_a_file_that_is_not_gguf_is_refused_with_a_message(
    qtbot: QtBot, services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04 a zip file, not a model")
    dlg = _dialog(qtbot, services)
    _pick(monkeypatch, bogus)
    _click(qtbot, dlg, dlg.add_button)
    assert dlg.message.isVisible()
    assert "is not a GGUF file" in dlg.message.text()
    assert dlg.table.rowCount() == 0


def test_remove_forgets_an_added_file_and_keeps_it(
    qtbot: QtBot,
    services: Services,
    tiny_gpt_oss: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(tiny_gpt_oss.read_bytes())
    dlg = _dialog(qtbot, services)
    _pick(monkeypatch, mine)
    _click(qtbot, dlg, dlg.add_button)
    assert dlg.table.rowCount() == 1 and dlg.remove_button.isEnabled()
    asked: list[str] = []

    def answer(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    _click(qtbot, dlg, dlg.remove_button)
    assert asked and "your file stays" in asked[0]
    assert dlg.table.rowCount() == 0
    assert mine.is_file()
    assert "Removed mine" in dlg.message.text()


def test_download_shows_progress_and_completes(
    qtbot: QtBot, services: Services, hub: HubServer, blob: bytes
) -> None:
    dlg = _dialog(qtbot, services)
    panel = dlg.download
    events: list[object] = []
    panel.progressed.connect(events.append)
    with qtbot.waitSignal(panel.download_finished, timeout=60_000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dlg.operation_finished):  # the table is listed again
        pass
    target = services.paths.models_dir / FILE
    assert finished.args == [target]
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(blob).digest()
    progress = [e for e in events if isinstance(e, DownloadProgress)]
    assert progress and progress[-1].done == SIZE and progress[-1].total == SIZE
    assert isinstance(events[-1], DownloadDone)
    assert panel.bar.value() == 1000
    assert "verified" in panel.status.text()
    assert panel.start_button.text() == "Installed" and not panel.start_button.isEnabled()
    [row] = _cells(dlg)
    assert row[0] == Path(FILE).stem and row[1] == "Chat (gpt-oss)"


def test_cancel_stops_the_download_and_resume_continues_it(
    qtbot: QtBot, services: Services, hub: HubServer, blob: bytes
) -> None:
    hub.stall(REPO, FILE, at=STALL_AT)
    dlg = _dialog(qtbot, services)
    panel = dlg.download
    events: list[object] = []
    panel.progressed.connect(events.append)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(e, DownloadProgress) for e in events), timeout=30_000)
    assert " of " in panel.status.text() and "MB" in panel.status.text()
    assert hub.stalled.wait(timeout=30)
    with qtbot.waitSignal(panel.download_failed, timeout=30_000) as failed:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        hub.release()  # the server sends again: the next chunk meets the cancelled token
    assert failed.args == ["Cancelled"]
    part = services.paths.models_dir / (FILE + ".part")
    kept = part.stat().st_size  # what had arrived when the token was seen
    assert 0 < kept <= STALL_AT
    assert not (services.paths.models_dir / FILE).exists()
    assert panel.start_button.text() == "Resume" and panel.start_button.isEnabled()
    assert "Cancelled" in panel.status.text()

    hub.heal()
    hub.clear_log()
    events.clear()
    with qtbot.waitSignal(panel.download_finished, timeout=60_000):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    done = [e for e in events if isinstance(e, DownloadDone)]
    assert done and done[0].resumed_from == kept
    [get] = hub.requests_for(f"/resolve/main/{FILE}", "GET")
    assert get.range_start == kept
    assert (services.paths.models_dir / FILE).read_bytes() == blob
    assert f"resumed after {human_bytes(kept)}" in panel.status.text()


def test_screenshot(qtbot: QtBot, services: Services, tmp_path: Path) -> None:
    dlg = _dialog(qtbot, services)
    assert dlg.grab().save(str(tmp_path / "models.png"))
