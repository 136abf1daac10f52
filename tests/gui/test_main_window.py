"""The main window on real components: a Milvus Lite store on disk, the ONNX embedder,
and (slow tests) the gemma3 GGUF through llama.cpp."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.chats import ChatStore
from desktop.core.ingest.reindex import READING
from desktop.core.paths import Paths
from desktop.gui.app import EXIT_STORE_LOCKED, MainWindow
from desktop.gui.chat_view import AnswerWidget, SourceRow, file_url

DOCS = Path(__file__).resolve().parents[1] / "data" / "documents"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three readable documents and one corrupt PDF."""
    out = tmp_path / "library"
    out.mkdir()
    for name in ("checklist.md", "notes.rst", "handbook.html"):
        shutil.copy(DOCS / "good" / name, out / name)
    shutil.copy(DOCS / "bad" / "corrupt.pdf", out / "corrupt.pdf")
    return out


@pytest.fixture
def embedding(monkeypatch: pytest.MonkeyPatch, onnx_model_dir: Path) -> Path:
    monkeypatch.setenv("FATHOM_EMBEDDING__MODEL", str(onnx_model_dir))
    return onnx_model_dir


def open_window(qtbot: QtBot, home: Path, *, load_model: bool) -> MainWindow:
    window = MainWindow(Paths(home), load_model=load_model)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.backend._store is not None, timeout=60_000)
    return window


def drop(window: MainWindow, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(QPoint(100, 100)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def ingest_by_drop(qtbot: QtBot, window: MainWindow, folder: Path) -> None:
    drop(window, folder)
    assert window.ingest_job is not None
    assert window.sidebar.library.progress.isVisible()
    qtbot.waitUntil(lambda: window.ingest_job is None, timeout=120_000)


def test_a_dropped_folder_is_indexed_searchable_and_its_failure_listed(
    qtbot: QtBot, fathom_home: Path, folder: Path, embedding: Path
) -> None:
    window = open_window(qtbot, fathom_home, load_model=False)
    ingest_by_drop(qtbot, window, folder)

    (known,) = window.backend.chats.folders()
    assert known.path == str(folder.resolve())
    assert known.files == 3 and known.chunks > 0 and known.last_sync > 0
    assert [Path(p).name for p, _ in known.failures] == ["corrupt.pdf"]
    shown = window.sidebar.library.failures_shown()
    assert len(shown) == 1 and shown[0].startswith("corrupt.pdf: ") and len(shown[0]) > 15
    assert "chunks" in window.status.store.text()

    job = window.backend.search("spare radio module for the handheld", 3)
    with qtbot.waitSignal(job.done, timeout=60_000) as found:
        job.start()
    sources = found.args[0]
    assert sources and Path(sources[0].path).name == "checklist.md"

    # a file added while the app runs is noticed and indexed (the folder is watched)
    shutil.copy(DOCS / "good" / "inventory.csv", folder / "inventory.csv")
    qtbot.waitUntil(lambda: window.backend.chats.folders()[0].files == 4, timeout=90_000)
    qtbot.waitUntil(lambda: window.ingest_job is None, timeout=60_000)

    # removing the folder takes its files out of the store
    window.sidebar.library.tree.setCurrentItem(window.sidebar.library.tree.topLevelItem(0))
    assert window.sidebar.library.remove_button.isEnabled()
    window.sidebar.library.remove_button.click()
    assert window.backend.chats.folders() == []
    qtbot.waitUntil(lambda: "0 chunks" in window.status.store.text(), timeout=60_000)


def test_a_second_window_on_the_same_store_is_told_and_exits(
    qtbot: QtBot, fathom_home: Path, embedding: Path
) -> None:
    window = open_window(qtbot, fathom_home, load_model=False)  # holds the store
    proc = subprocess.run(
        [sys.executable, "-m", "desktop", "gui", "--quit-after", "8"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert window.backend._store is not None
    assert proc.returncode == EXIT_STORE_LOCKED, proc.stderr
    assert "in use by another Fathom" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_conversations_rename_search_delete_and_export(
    qtbot: QtBot, fathom_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []  # the questions put to the person, answered from ``replies``
    replies: list[QMessageBox.StandardButton] = []

    def question(_parent: object, _title: str, text: str, *_rest: object) -> object:
        asked.append(text)
        return replies.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    saved_as = str(tmp_path / "c.md")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (saved_as, "")))
    window = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(window)
    chats = window.backend.chats
    a = chats.create()
    chats.add_user_message(a.id, "Where is the spare radio?")
    mid = chats.start_answer(a.id)
    source = {
        "rank": 1,
        "path": "/d/checklist.md",
        "page": 0,
        "heading": "Before leaving",
        "score": 1.0,
        "text": "Charge the handheld and pack the spare radio module.",
    }
    chats.finish_answer(
        mid,
        "In the pack [1] [3].",
        "thinking",
        [source],
        [
            {"number": 1, "path": "/d/checklist.md", "verified": True},
            {"number": 3, "path": "", "verified": False, "problem": "no [3]"},
        ],
    )
    b = chats.create("Other")
    window.refresh_conversations()
    assert window.sidebar.conversations.list.count() == 2
    window.sidebar.conversations.search.setText("radio")
    assert window.sidebar.conversations.list.count() == 1
    window.sidebar.conversations.list.setCurrentRow(0)
    assert window.conversation_id == a.id
    answer = next(w for w in window.chat.messages() if isinstance(w, AnswerWidget))
    assert answer.reasoning_toggle.isVisibleTo(window) and "3" in answer.note.text()
    rows = answer.sources_box.findChildren(SourceRow)
    assert len(rows) == 1
    rows[0].clicked.emit(rows[0].source)
    assert window.preview.isVisibleTo(window)
    assert "spare radio" in window.preview.passage.toPlainText()
    assert file_url({"path": "/d/x.pdf", "page": 4}).toString() == "file:///d/x.pdf#page=4"
    replies.append(QMessageBox.StandardButton.Yes)  # with the model's reasoning
    assert window.export_conversation() == saved_as
    text = Path(saved_as).read_text()
    assert "In the pack" in text and "/d/checklist.md — Before leaving" in text
    assert "> thinking" in text and asked[-1] == "Include the model's reasoning?"
    replies.append(QMessageBox.StandardButton.No)
    window.delete_conversation(b.id)  # asked, and kept
    assert asked[-1] == "Delete “Other”?" and len(chats.conversations()) == 2
    replies.append(QMessageBox.StandardButton.Yes)
    window.delete_conversation(b.id)
    assert [c.id for c in chats.conversations()] == [a.id]


def test_another_embedding_model_is_offered_as_a_background_rebuild(
    qtbot: QtBot,
    fathom_home: Path,
    folder: Path,
    embedding: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings changed between two runs: the window offers the rebuild; "Later" keeps the
    old library (a drop is refused by the core and leads back to the offer, not to an
    error); "Rebuild now" rebuilds on a worker, then indexes the folder dropped meanwhile."""
    from desktop.core.errors import EmbeddingMismatchError

    window = open_window(qtbot, fathom_home, load_model=False)
    ingest_by_drop(qtbot, window, folder)
    before = window.backend.store().count()
    window.close()

    other = tmp_path / "minilm-copy"  # the same weights under another name: another model
    shutil.copytree(embedding, other, copy_function=os.link)
    monkeypatch.setenv("FATHOM_EMBEDDING__MODEL", str(other))
    window = open_window(qtbot, fathom_home, load_model=False)
    qtbot.waitUntil(lambda: window.rebuild_offer is not None, timeout=60_000)
    offer = window.rebuild_offer
    assert offer is not None and "minilm-copy" in offer.informativeText()
    next(b for b in offer.buttons() if b.text() == "Later").click()
    assert window.rebuild_offer is None and "old settings" in window.status.activity.text()

    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(DOCS / "good" / "handbook.pdf", extra / "handbook.pdf")
    drop(window, extra)
    failed: list[str] = []
    assert window.ingest_job is not None
    window.ingest_job.failed.connect(lambda info: failed.append(info.kind))
    qtbot.waitUntil(lambda: window.rebuild_offer is not None, timeout=60_000)
    assert failed == [EmbeddingMismatchError.__name__]
    offer = window.rebuild_offer
    assert offer is not None
    rebuilt: list[object] = []
    next(b for b in offer.buttons() if b.text() == "Rebuild now").click()
    job = window.ingest_job
    assert job is not None and window.sidebar.library.progress.isVisible()
    job.done.connect(rebuilt.append)
    qtbot.waitUntil(lambda: bool(rebuilt), timeout=120_000)
    summary = rebuilt[0].summary  # type: ignore[attr-defined]
    assert summary.rebuilt and summary.files == 3 and summary.chunks == before
    assert "embedding model" in summary.reasons[0]
    qtbot.waitUntil(lambda: window.ingest_job is None, timeout=120_000)  # then the re-sync

    store = window.backend.store()
    info = store.embedding_info()
    assert info is not None and info["source"] == str(other.resolve())
    assert any(Path(p).name == "handbook.pdf" and "extra" in p for p in store.files())
    assert window.backend.library().query_embedder().model_id == info["model"]
    check = window.check_rebuild()  # nothing left to change: no offer
    assert check is not None
    qtbot.waitSignal(check.done, timeout=60_000).wait()
    assert window.rebuild_offer is None


def test_a_chunk_size_changed_in_settings_is_offered_as_a_rebuild(
    qtbot: QtBot, fathom_home: Path, folder: Path, onnx_model_dir: Path
) -> None:
    """A library made in the window records its chunking, as one made by ``fathom ingest``
    does; a chunk size changed in Settings… is then offered as a rebuild, which rebuilds
    with it. The services come through the window's composition root, from settings
    given here (no environment override)."""
    import keyring
    from keyring.backends import fail
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.core.services import Services
    from desktop.core.settings import Settings, set_key
    from desktop.gui.settings_dialog import SettingsDialog

    paths = Paths(fathom_home)
    settings = set_key(Settings(), "embedding.model", str(onnx_model_dir))
    window = MainWindow(paths, services=lambda: Services(paths, settings), load_model=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.backend._store is not None, timeout=60_000)
    ingest_by_drop(qtbot, window, folder)
    store = window.backend.store()
    assert store.chunking_info() == {"chunk_tokens": 220, "chunk_overlap": 32, "reading": READING}
    before = store.count()
    check = window.check_rebuild()  # built as the settings ask: nothing to offer
    assert check is not None
    qtbot.waitSignal(check.done, timeout=60_000).wait()
    assert window.rebuild_offer is None

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # the real keyring of whoever runs this is not read
    try:
        dialog = window.open_settings()
        assert isinstance(dialog, SettingsDialog)
        dialog.rows["ingest.chunk_tokens"].editor.setValue(96)  # type: ignore[attr-defined]
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    finally:
        keyring.set_keyring(previous)
    assert window.backend.services is not None
    assert window.backend.services.settings.ingest.chunk_tokens == 96
    assert Services.from_paths(paths).settings.ingest.chunk_tokens == 96  # saved
    qtbot.waitUntil(lambda: window.rebuild_offer is not None, timeout=60_000)
    offer = window.rebuild_offer
    assert offer is not None
    assert "220-token chunks, 32 overlap -> 96-token chunks, 32 overlap" in offer.informativeText()

    rebuilt: list[object] = []
    next(b for b in offer.buttons() if b.text() == "Rebuild now").click()
    job = window.ingest_job
    assert job is not None
    job.done.connect(rebuilt.append)
    qtbot.waitUntil(lambda: bool(rebuilt), timeout=120_000)
    summary = rebuilt[0].summary  # type: ignore[attr-defined]
    assert summary.rebuilt and summary.files == 3 and summary.chunks > before
    assert window.backend.store().chunking_info() == {
        "chunk_tokens": 96,
        "chunk_overlap": 32,
        "reading": READING,
    }
    qtbot.waitUntil(lambda: window.ingest_job is None, timeout=120_000)  # then the re-sync


# Offscreen Qt has no platform services: QDesktopServices says so before the app falls back.
@pytest.mark.qt_log_ignore("This plugin does not support QPlatformServices::", extend=True)
def test_open_file_starts_the_viewer_at_the_pdf_page_or_says_why_not(
    qtbot: QtBot, fathom_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offscreen Qt has no platform services, so the system opener is started; a script
    named xdg-open on PATH stands in for the viewer and records what it was asked."""
    from desktop.gui.errors import ErrorDialog

    pdf = tmp_path / "docs" / "hand book.pdf"
    pdf.parent.mkdir()
    shutil.copy(DOCS / "good" / "handbook.pdf", pdf)
    bin_dir, log = tmp_path / "bin", tmp_path / "opened.txt"
    bin_dir.mkdir()
    opener = bin_dir / ("open" if sys.platform == "darwin" else "xdg-open")
    opener.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{log}"\n')
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    window = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(window)
    source = {"rank": 2, "path": str(pdf), "page": 3, "heading": "", "text": "passage"}
    window.preview.show_source(source)
    assert window.preview.open_button.text() == "Open in system viewer at page 3"
    assert window.preview.open_file()
    qtbot.waitUntil(lambda: log.exists() and log.read_text().strip() != "", timeout=10_000)
    assert log.read_text().splitlines() == [f"file://{quote(str(pdf))}#page=3"]  # hand%20book

    notes = pdf.parent / "notes.md"  # not a PDF: the plain path, as the opener takes it
    notes.write_text("# Notes\n")
    window.preview.show_source({**source, "path": str(notes), "page": 0})
    assert window.preview.open_button.text() == "Open in system viewer"
    assert window.preview.open_file()
    qtbot.waitUntil(lambda: len(log.read_text().splitlines()) == 2, timeout=10_000)
    assert log.read_text().splitlines()[1] == str(notes)

    window.preview.show_source(source)
    pdf.unlink()  # moved away since it was indexed
    assert not window.preview.open_file()
    dialogs = window.preview.findChildren(ErrorDialog)
    assert dialogs and "hand book.pdf is no longer at" in dialogs[-1].message.text()
    assert "re-sync" in dialogs[-1].hint.text()
    assert len(log.read_text().splitlines()) == 2  # no viewer started for a missing file


@pytest.mark.slow
def test_ask_streams_with_sources_stop_cancels_and_chats_reload(
    qtbot: QtBot,
    fathom_home: Path,
    folder: Path,
    embedding: Path,
    gemma_gguf: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATHOM_LLM__MODEL", str(gemma_gguf))
    monkeypatch.setenv("FATHOM_LLM__N_CTX", "2048")
    monkeypatch.setenv("FATHOM_LLM__MAX_TOKENS", "48")
    window = open_window(qtbot, fathom_home, load_model=True)
    ingest_by_drop(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.backend.model.ready, timeout=120_000)
    assert "CPU" in window.status.model.text() or "GPU" in window.status.model.text()

    streamed: list[str] = []
    window.composer.setPlainText("What should be packed before leaving?")
    window.send()
    job = window.answer_job
    assert job is not None and window.stop_button.isVisibleTo(window)
    job.yielded.connect(lambda e: streamed.append(type(e).__name__))
    widget = window.current_answer
    assert widget is not None
    with qtbot.waitSignal(job.done, timeout=120_000):
        pass
    assert streamed.count("AnswerText") > 3  # tokens came one by one
    assert widget.answer_text.strip()
    assert widget.body.text().strip() and widget.sources
    assert widget.sources_box.findChildren(SourceRow)
    assert window.answer_job is None and window.send_button.isVisibleTo(window)

    window.composer.setPlainText("Tell me about the station notes.")
    window.send()
    job, stopped = window.answer_job, window.current_answer
    assert job is not None and stopped is not None
    job.yielded.connect(lambda e: window.stop() if type(e).__name__ == "AnswerText" else None)
    with qtbot.waitSignal(job.cancelled, timeout=120_000):
        pass
    assert "Stopped" in stopped.note.text() and window.answer_job is None
    conversation = window.conversation_id
    assert conversation is not None
    assert stopped.regen_button.isVisibleTo(window)

    stopped.regen_button.click()  # the same question again; the stopped answer is replaced
    job, again_widget = window.answer_job, window.current_answer
    assert job is not None and again_widget is not None and again_widget is not stopped
    with qtbot.waitSignal(job.done, timeout=120_000):
        pass
    assert again_widget.answer_text.strip() and again_widget.sources
    answers_now = [w for w in window.chat.messages() if isinstance(w, AnswerWidget)]
    assert stopped not in answers_now and len(answers_now) == 2
    window.close()

    chats = ChatStore(Paths(fathom_home).chats_db)
    msgs = chats.messages(conversation)
    assert [m.role for m in msgs] == ["user", "assistant", "user", "assistant"]
    assert [m.status for m in msgs if m.role == "assistant"] == ["complete", "complete"]
    assert msgs[3].content == again_widget.answer_text  # the regenerated answer, saved
    assert msgs[2].content == "Tell me about the station notes."
    chats.close()
    again = MainWindow(Paths(fathom_home), autostart=False)
    qtbot.addWidget(again)
    assert again.sidebar.conversations.list.count() == 1
    again.sidebar.conversations.list.setCurrentRow(0)
    answers = [w for w in again.chat.messages() if isinstance(w, AnswerWidget)]
    assert len(answers) == 2 and answers[0].answer_text == msgs[1].content
    assert answers[0].sources_box.findChildren(SourceRow)
    again.close()


def test_closing_while_indexing_hears_nothing_from_the_cancelled_job(
    qtbot: QtBot, fathom_home: Path, folder: Path, embedding: Path
) -> None:
    """The window closes its history at once; the cancelled ingestion's ending arrives
    after, and no longer reaches the window (it read the closed history and raised)."""
    window = open_window(qtbot, fathom_home, load_model=False)
    drop(window, folder)
    job = window.ingest_job
    assert job is not None and job.running
    window.close()
    assert job.wait(60_000)
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)  # its ending was delivered
    assert window._closed
