"""A chat scoped to one knowledge folder searches only there, the model's own tool
searches included; the scope is saved with it, shown as chips, and named in the export.

Real library (Milvus Lite, the ONNX embedder, two folders that both talk about the radio
module); the chat model is the scripted gpt-oss of tests/fakes.py, because a tool call
is what is tested and the small real GGUF cannot make one.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.gui.chat_view import AnswerWidget
from desktop.gui.main_window import MainWindow
from tests.fakes import ScriptedHarmonyModel, final, tool_call
from tests.gui.test_main_window import DOCS, ingest_by_drop, open_window


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    field, manuals = tmp_path / "field", tmp_path / "manuals"
    field.mkdir()
    manuals.mkdir()
    for name in ("checklist.md", "notes.rst"):
        shutil.copy(DOCS / "good" / name, field / name)
    for name in ("handbook.html", "handbook.docx"):
        shutil.copy(DOCS / "good" / name, manuals / name)
    return field.resolve(), manuals.resolve()


def ask(qtbot: QtBot, window: MainWindow, question: str, replies: list[str]) -> AnswerWidget:
    model = ScriptedHarmonyModel(replies)
    window.backend.model.model = model  # "loaded": the scripted model answers
    window.composer.setPlainText(question)
    window.send()
    job, widget = window.answer_job, window.current_answer
    assert job is not None and widget is not None
    with qtbot.waitSignal(job.done, timeout=60_000):
        pass
    return widget


def under(path: str, folder: Path) -> bool:
    return Path(path).is_relative_to(folder)


def test_a_chat_scoped_to_a_folder_cites_only_that_folder(
    qtbot: QtBot,
    fathom_home: Path,
    folders: tuple[Path, Path],
    onnx_model_dir: Path,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("FATHOM_EMBEDDING__MODEL", str(onnx_model_dir))
    field, manuals = folders
    window = open_window(qtbot, fathom_home, load_model=False)
    for folder in folders:
        ingest_by_drop(qtbot, window, folder)
    bar = window.scope_bar
    assert bar.scope == [] and [c.text() for c in bar.chips] == ["Whole library"]

    # Limit the new chat to "field" from the menu, before its first question.
    bar._fill_menu()
    action = next(a for a in bar.menu.actions() if a.text() == "field")
    action.trigger()
    assert bar.scope == [str(field)] and bar.chips[0].text().startswith("field")
    question = "What should I do about the radio module?"
    replies = [tool_call("radio module pairing reset"), final("Pack the spare radio module [1].")]
    widget = ask(qtbot, window, question, replies)
    conversation = window.conversation_id
    assert conversation is not None
    assert window.backend.chats.get(conversation).scope == (str(field),)  # type: ignore[union-attr]
    assert widget.sources, "the tool search found nothing"
    assert all(under(s["path"], field) for s in widget.sources)  # the tool's search too
    cited = window.backend.chats.messages(conversation)[-1].citations
    assert cited and all(under(c["path"], field) for c in cited if c["path"])

    # The same question in a new chat searches the whole library: the manuals come up.
    window.new_chat()
    assert bar.scope == []
    replies = [tool_call("radio module pairing reset"), final("See [1] and [2].")]
    everything = ask(qtbot, window, question, replies)
    assert any(under(s["path"], manuals) for s in everything.sources)

    # Reopening the scoped chat shows its scope; a follow-up still searches only there.
    window.open_conversation(conversation)
    assert bar.scope == [str(field)]
    replies = [tool_call("pairing codes"), final("Print them [1].")]
    follow = ask(qtbot, window, "And the pairing codes?", replies)
    assert follow.sources and all(under(s["path"], field) for s in follow.sources)
    saved_as = str(tmp_path / "chat.md")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (saved_as, "")))
    no = QMessageBox.StandardButton.No  # without the model's reasoning
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_a: no))
    text = Path(window.export_conversation()).read_text()
    assert f"_Searched: `{field}`_" in text

    # Removing the chip goes back to the whole library, saved at once.
    bar.chips[0].click()
    assert bar.scope == [] and window.backend.chats.get(conversation).scope == ()  # type: ignore[union-attr]
