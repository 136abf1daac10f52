"""Conversation history in SQLite: save, search, rename, delete, crash mid-answer, export."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from desktop.core.chats import ChatHistoryError, ChatStore, title_from

SOURCE = {
    "rank": 1,
    "path": "/docs/a.md",
    "page": 0,
    "heading": "Intro",
    "score": 0.9,
    "text": "Milvus is a vector database.",
}


def test_a_conversation_is_named_after_its_first_question(tmp_path: Path) -> None:
    chats = ChatStore(tmp_path / "c.sqlite3")
    conv = chats.create()
    chats.add_user_message(conv.id, "What is   Milvus?")
    chats.add_user_message(conv.id, "And Lite?")
    assert chats.get(conv.id).title == "What is Milvus?"  # type: ignore[union-attr]
    assert title_from("word " * 40).endswith("…")


def test_search_rename_delete(tmp_path: Path) -> None:
    chats = ChatStore(tmp_path / "c.sqlite3")
    a, b = chats.create("alpha"), chats.create("beta")
    chats.add_user_message(b.id, "how do 100% indexes work?")
    assert [c.id for c in chats.conversations("ALPHA")] == [a.id]
    assert [c.id for c in chats.conversations("100%")] == [b.id]
    assert chats.conversations("1_0") == []  # _ is not a wildcard
    chats.rename(a.id, "  gamma   ray ")
    assert chats.get(a.id).title == "gamma ray"  # type: ignore[union-attr]
    chats.delete(b.id)
    assert [c.title for c in chats.conversations()] == ["gamma ray"]
    assert chats.messages(b.id) == []


def _crash_mid_answer(path: str) -> None:
    import os

    chats = ChatStore(Path(path))
    conv = chats.create()
    chats.add_user_message(conv.id, "q")
    mid = chats.start_answer(conv.id)
    chats.save_partial(mid, "half an ans", "thinking", [SOURCE])
    os._exit(9)  # no close, no cleanup: as if the app were killed


def test_a_crash_mid_answer_keeps_the_partial_answer_marked_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    proc = multiprocessing.get_context("spawn").Process(target=_crash_mid_answer, args=(str(db),))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 9
    chats = ChatStore(db)
    (conv,) = chats.conversations()
    user, bot = chats.messages(conv.id)
    assert (user.role, user.content) == ("user", "q")
    assert (bot.content, bot.reasoning, bot.status) == ("half an ans", "thinking", "interrupted")
    assert bot.sources[0]["path"] == "/docs/a.md"


def test_finished_answers_reload_with_sources_citations_and_history(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    chats = ChatStore(db)
    conv = chats.create()
    chats.add_user_message(conv.id, "What is Milvus?")
    mid = chats.start_answer(conv.id)
    cites = [
        {"number": 1, "path": "/docs/a.md", "verified": True, "problem": ""},
        {"number": 4, "path": "", "verified": False, "problem": "no source [4]"},
    ]
    chats.finish_answer(mid, "A vector database [1][4].", "Look at a.md", [SOURCE], cites)
    chats.close()
    again = ChatStore(db)
    msgs = again.messages(conv.id)
    assert msgs[1].status == "complete" and msgs[1].citations == cites
    assert again.history(conv.id) == [
        {"role": "user", "content": "What is Milvus?"},
        {"role": "assistant", "content": "A vector database [1][4]."},
    ]
    assert again.history(conv.id, before=mid) == [{"role": "user", "content": "What is Milvus?"}]
    md = again.export_markdown(conv.id, reasoning=True)
    assert md.startswith("# What is Milvus?\n")
    assert "1. /docs/a.md — Intro" in md and "> Milvus is a vector database." in md
    assert "> **Reasoning**" in md and "Look at a.md" in md
    assert "Citations not verified: [4]" in md
    assert "Reasoning" not in again.export_markdown(conv.id)
    with pytest.raises(ValueError):
        again.finish_answer(mid, "", "", [], [], status="bogus")


def test_an_unreadable_history_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ChatHistoryError) as err:
        ChatStore(db)
    assert err.value.hint
    assert isinstance(err.value.__cause__, sqlite3.Error)


def test_knowledge_folders_persist_with_their_last_sync(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    chats = ChatStore(db)
    assert chats.add_folder("/docs")
    assert not chats.add_folder("/docs")
    chats.add_folder("/more")
    chats.record_sync("/docs", 3, 12, [("/docs/bad.pdf", "not a PDF")])
    chats.close()
    again = ChatStore(db)
    docs, more = again.folders()
    assert (docs.path, docs.files, docs.chunks) == ("/docs", 3, 12)
    assert docs.failures == (("/docs/bad.pdf", "not a PDF"),) and docs.last_sync > 0
    assert more.last_sync == 0
    again.remove_folder("/docs")
    assert [f.path for f in again.folders()] == ["/more"]


OLD_SCHEMA = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '', reasoning TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]', citations TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'complete', created REAL NOT NULL
);
CREATE TABLE folders (
    path TEXT PRIMARY KEY, added REAL NOT NULL, last_sync REAL NOT NULL DEFAULT 0,
    files INTEGER NOT NULL DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]'
);
"""


def test_a_history_from_before_scopes_is_migrated_and_keeps_its_chats(tmp_path: Path) -> None:
    """A chats.sqlite3 written by the schema without conversations.scope (user_version 0)
    opens with every conversation and message; they search the whole library; a scope
    set afterwards is saved, survives reopening, and the export names it."""
    db = tmp_path / "chats.sqlite3"
    old = sqlite3.connect(db)
    old.executescript(OLD_SCHEMA)
    old.execute("INSERT INTO conversations VALUES (1, 'Old chat', 1.0, 2.0)")
    old.execute(
        "INSERT INTO messages(conversation_id, role, content, created) "
        "VALUES (1, 'user', 'Where is the radio?', 1.5)"
    )
    old.commit()
    old.close()

    chats = ChatStore(db)
    (conv,) = chats.conversations()
    assert (conv.id, conv.title, conv.scope) == (1, "Old chat", ())
    assert [m.content for m in chats.messages(1)] == ["Where is the radio?"]
    assert "_Searched: the whole library_" in chats.export_markdown(1)
    chats.set_scope(1, ["/docs/field", "/docs/manual.pdf", "/docs/field"])
    fresh = chats.create("Scoped", scope=["/docs/other"])
    chats.close()

    again = ChatStore(db)  # migrated once: opening again changes nothing
    assert again.get(1).scope == ("/docs/field", "/docs/manual.pdf")  # type: ignore[union-attr]
    assert again.get(fresh.id).scope == ("/docs/other",)  # type: ignore[union-attr]
    assert "_Searched: `/docs/field`, `/docs/manual.pdf`_" in again.export_markdown(1)
    assert again.conversations("radio")[0].scope == ("/docs/field", "/docs/manual.pdf")
    again.set_scope(1, [])
    assert again.get(1).scope == ()  # type: ignore[union-attr]
    version = again._rows("PRAGMA user_version")[0][0]
    assert version == 2
    again.close()
