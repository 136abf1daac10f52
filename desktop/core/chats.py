"""Conversation history: conversations and their messages in SQLite under the base dir.

An answer is saved while it streams (``save_partial``, called every few tokens), with the
status ``streaming``; ``finish_answer`` saves the whole answer with its sources and
citation checks. A message still ``streaming`` when the history is opened again was cut
off by a crash or a kill: it is marked ``interrupted`` and keeps what had come.

A conversation may be scoped to some knowledge folders or files (``scope``, paths): its
questions search only there. Schema version 2 added that column; an older history is
migrated in place when it is opened (its conversations keep the whole library).

One connection, shared by threads under a lock; WAL keeps readers and the writer apart
and a crash mid-write loses at most the last transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import FathomError
from desktop.core.types import pages_label, shown_heading

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    scope TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    reasoning TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]',
    citations TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'complete',
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS folders (
    path TEXT PRIMARY KEY,
    added REAL NOT NULL,
    last_sync REAL NOT NULL DEFAULT 0,
    files INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]'
);
"""

# complete | streaming (being written) | interrupted (the app died) | stopped (people
# stopped it) | failed (an error ended it)
STATUSES = ("complete", "streaming", "interrupted", "stopped", "failed")
DEFAULT_TITLE = "New chat"
SCHEMA_VERSION = 2  # 2: conversations.scope
_CONVERSATION = "SELECT id, title, created, updated, scope FROM conversations"


class ChatHistoryError(FathomError):
    """The conversation history cannot be read or written."""


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created: float
    updated: float
    scope: tuple[str, ...] = ()  # the folders and files it searches; () = the whole library

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Conversation:
        return cls(int(row[0]), str(row[1]), float(row[2]), float(row[3]), _scope(row[4]))


def _scope(raw: object) -> tuple[str, ...]:
    try:
        paths = json.loads(str(raw or "[]"))
    except ValueError:
        return ()
    return tuple(str(p) for p in paths) if isinstance(paths, list) else ()


@dataclass
class ChatMessage:
    id: int
    conversation_id: int
    role: str  # "user" | "assistant"
    content: str
    reasoning: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    status: str = "complete"
    created: float = 0.0


@dataclass(frozen=True)
class KnowledgeFolder:
    """A folder (or file) people added to the library, and its last sync."""

    path: str
    added: float
    last_sync: float = 0.0  # 0: never synced
    files: int = 0
    chunks: int = 0
    failures: tuple[tuple[str, str], ...] = ()  # (file, reason)


class ChatStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(SCHEMA)
            self._migrate()
            self._db.execute("UPDATE messages SET status='interrupted' WHERE status='streaming'")
        except sqlite3.Error as exc:
            raise ChatHistoryError(
                f"The conversation history {path} cannot be opened: {exc}",
                "Check the disk space and permissions of Fathom's folder; move the file "
                "away to start a fresh history.",
            ) from exc

    def _migrate(self) -> None:
        """Bring a history made by an older Fathom to ``SCHEMA_VERSION``, in one
        transaction (a crash leaves it as it was, and the next start does it again)."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version >= SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(conversations)")}
            if "scope" not in columns:
                self._db.execute(
                    "ALTER TABLE conversations ADD COLUMN scope TEXT NOT NULL DEFAULT '[]'"
                )
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise ChatHistoryError(
                    f"The conversation history could not be saved: {exc}",
                    "Check the disk space of Fathom's folder.",
                ) from exc
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise ChatHistoryError(
                    f"The conversation history could not be read: {exc}"
                ) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- conversations --------------------------------------------------------------------

    def create(self, title: str = DEFAULT_TITLE, scope: Sequence[str] = ()) -> Conversation:
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO conversations(title, created, updated, scope) VALUES (?, ?, ?, ?)",
                (title, now, now, json.dumps(list(scope))),
            )
        return Conversation(int(cur.lastrowid or 0), title, now, now, tuple(scope))

    def get(self, conversation_id: int) -> Conversation | None:
        rows = self._rows(f"{_CONVERSATION} WHERE id=?", (conversation_id,))
        return Conversation.from_row(rows[0]) if rows else None

    def set_scope(self, conversation_id: int, scope: Sequence[str]) -> None:
        """Limit the conversation's questions to these folders and files (() or []: the
        whole library)."""
        with self._tx() as db:
            db.execute(
                "UPDATE conversations SET scope=? WHERE id=?",
                (json.dumps(list(dict.fromkeys(scope))), conversation_id),
            )

    def conversations(self, search: str = "") -> list[Conversation]:
        """Newest first; ``search`` matches titles and message text, case-insensitively."""
        if not search.strip():
            rows = self._rows(f"{_CONVERSATION} ORDER BY updated DESC")
        else:
            like = (
                "%"
                + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            rows = self._rows(
                f"{_CONVERSATION} c "
                "WHERE title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m "
                "WHERE m.conversation_id = c.id AND m.content LIKE ? ESCAPE '\\') "
                "ORDER BY updated DESC",
                (like, like),
            )
        return [Conversation.from_row(r) for r in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split()) or DEFAULT_TITLE
        with self._tx() as db:
            db.execute("UPDATE conversations SET title=? WHERE id=?", (title, conversation_id))

    def delete(self, conversation_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM conversations WHERE id=?", (conversation_id,))

    # --- messages -------------------------------------------------------------------------

    def messages(self, conversation_id: int) -> list[ChatMessage]:
        rows = self._rows(
            "SELECT id, conversation_id, role, content, reasoning, sources, citations, status, "
            "created FROM messages WHERE conversation_id=? ORDER BY id",
            (conversation_id,),
        )
        return [
            ChatMessage(
                r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7], r[8]
            )
            for r in rows
        ]

    def add_user_message(self, conversation_id: int, text: str) -> int:
        """Save a question; a conversation still called "New chat" is named after it."""
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO messages(conversation_id, role, content, created) "
                "VALUES (?, 'user', ?, ?)",
                (conversation_id, text, now),
            )
            db.execute(
                "UPDATE conversations SET updated=?, title=CASE WHEN title=? THEN ? ELSE title "
                "END WHERE id=?",
                (now, DEFAULT_TITLE, title_from(text), conversation_id),
            )
        return int(cur.lastrowid or 0)

    def start_answer(self, conversation_id: int) -> int:
        now = time.time()
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO messages(conversation_id, role, status, created) "
                "VALUES (?, 'assistant', 'streaming', ?)",
                (conversation_id, now),
            )
            db.execute("UPDATE conversations SET updated=? WHERE id=?", (now, conversation_id))
        return int(cur.lastrowid or 0)

    def save_partial(
        self,
        message_id: int,
        content: str,
        reasoning: str,
        sources: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """What has streamed so far (the message stays ``streaming``)."""
        with self._tx() as db:
            if sources is None:
                db.execute(
                    "UPDATE messages SET content=?, reasoning=? WHERE id=?",
                    (content, reasoning, message_id),
                )
            else:
                db.execute(
                    "UPDATE messages SET content=?, reasoning=?, sources=? WHERE id=?",
                    (content, reasoning, json.dumps(list(sources)), message_id),
                )

    def finish_answer(
        self,
        message_id: int,
        content: str,
        reasoning: str,
        sources: Sequence[dict[str, Any]],
        citations: Sequence[dict[str, Any]],
        status: str = "complete",
    ) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        with self._tx() as db:
            db.execute(
                "UPDATE messages SET content=?, reasoning=?, sources=?, citations=?, status=? "
                "WHERE id=?",
                (
                    content,
                    reasoning,
                    json.dumps(list(sources)),
                    json.dumps(list(citations)),
                    status,
                    message_id,
                ),
            )

    def delete_message(self, message_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM messages WHERE id=?", (message_id,))

    def history(self, conversation_id: int, before: int | None = None) -> list[dict[str, str]]:
        """The earlier turns as chat messages (``before``: only messages older than it)."""
        out = []
        for m in self.messages(conversation_id):
            if before is not None and m.id >= before:
                break
            if m.content:
                out.append({"role": m.role, "content": m.content})
        return out

    def export_markdown(self, conversation_id: int, *, reasoning: bool = False) -> str:
        """The conversation as Markdown, each answer followed by its sources."""
        conv = self.get(conversation_id)
        if conv is None:
            raise ChatHistoryError(f"There is no conversation {conversation_id}.")
        lines = [f"# {conv.title}", "", f"_Searched: {scope_label(conv.scope)}_", ""]
        for m in self.messages(conversation_id):
            if m.role == "user":
                lines += ["## Question", "", m.content, ""]
                continue
            lines += ["## Answer", ""]
            if reasoning and m.reasoning:
                quoted = "\n".join("> " + line for line in m.reasoning.splitlines())
                lines += ["> **Reasoning**", ">", quoted, ""]
            lines += [m.content or "_(no answer)_", ""]
            if m.status not in ("complete", "streaming"):
                lines += [f"_(this answer was {m.status})_", ""]
            unverified = {int(c["number"]) for c in m.citations if not c.get("verified", True)}
            if m.sources:
                lines += ["### Sources", ""]
                for s in m.sources:
                    lines.append(f"{int(s['rank'])}. {source_label(s)}")
                    text = " ".join(str(s.get("text", "")).split())
                    if text:
                        lines.append(f"   > {text[:600]}")
                lines.append("")
            if unverified:
                numbers = ", ".join(f"[{n}]" for n in sorted(unverified))
                lines += [f"_Citations not verified: {numbers}_", ""]
        return "\n".join(lines).rstrip() + "\n"

    # --- knowledge folders ------------------------------------------------------------------

    def folders(self) -> list[KnowledgeFolder]:
        rows = self._rows(
            "SELECT path, added, last_sync, files, chunks, failures FROM folders ORDER BY added"
        )
        return [
            KnowledgeFolder(r[0], r[1], r[2], r[3], r[4], tuple(tuple(f) for f in json.loads(r[5])))
            for r in rows
        ]

    def add_folder(self, path: str) -> bool:
        """Remember a folder; False when it was there already."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO folders(path, added) VALUES (?, ?)", (path, time.time())
            )
        return cur.rowcount > 0

    def remove_folder(self, path: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM folders WHERE path=?", (path,))

    def record_sync(
        self, path: str, files: int, chunks: int, failures: Sequence[tuple[str, str]]
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE folders SET last_sync=?, files=?, chunks=?, failures=? WHERE path=?",
                (time.time(), files, chunks, json.dumps([list(f) for f in failures]), path),
            )


def title_from(text: str, limit: int = 60) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words or DEFAULT_TITLE
    return words[: limit - 1].rsplit(" ", 1)[0] + "…"


def scope_label(scope: Sequence[str]) -> str:
    """What a conversation searches, in words: the whole library, or its paths."""
    if not scope:
        return "the whole library"
    return ", ".join(f"`{p}`" for p in scope)


def source_label(source: dict[str, Any]) -> str:
    """``file — heading (page N)`` for a source as saved, ``(pages N-M)`` for one that
    runs on over a page break."""
    label = str(source.get("path", ""))
    heading = shown_heading(label, str(source.get("heading") or ""))
    if heading:
        label += f" — {heading}"
    if source.get("page"):
        label += f" ({pages_label(int(source['page']), int(source.get('page_end') or 0))})"
    return label
