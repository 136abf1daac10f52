"""Readers turn a file's bytes into a Document with sections (headings, pages).

Each reader is a function ``(path, data) -> Document``; ``reader_for`` picks one by suffix.
A reader raises ``ReadError`` with a one-line reason for input it cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from desktop.core.ingest.document import Document, Section


class ReadError(Exception):
    """A file cannot be read; the message is the one-line reason people see."""


Reader = Callable[[str, bytes], Document]

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx"}
TEXT_SUFFIXES = {
    ".txt",
    ".text",
    ".rst",
    ".log",
    ".csv",
    ".tsv",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".xml",
    ".tex",
    ".org",
    ".adoc",
    # source code
    ".py",
    ".pyi",
    ".js",
    ".jsx",
    ".ts",
    ".tsx",
    ".java",
    ".kt",
    ".go",
    ".rs",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".cs",
    ".rb",
    ".php",
    ".swift",
    ".scala",
    ".sh",
    ".bash",
    ".sql",
    ".r",
    ".lua",
    ".pl",
    ".m",
    ".css",
    ".scss",
    ".proto",
}


def decode_text(data: bytes) -> str:
    """Decode text whose encoding is detected, not assumed."""
    if b"\x00" in data[:8192]:
        raise ReadError("binary content (NUL bytes) in a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("undecodable text: no character encoding fits its bytes")
    return str(best)


_FRONT_MATTER = re.compile(r"\A---\r?\n.*?\r?\n---\r?\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def read_markdown(path: str, data: bytes) -> Document:
    """Sections per ATX heading, with the heading path (``A > B > C``); fences respected."""
    text = decode_text(data)
    body_start = 0
    m = _FRONT_MATTER.match(text)
    if m:
        body_start = m.end()
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    sec_start, heading = body_start, ""
    in_fence = False
    offset = body_start
    for line in text[body_start:].splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        hm = None if in_fence else _HEADING.match(line.rstrip("\r\n"))
        if hm:
            if text[sec_start:offset].strip():
                sections.append(Section(sec_start, offset, heading))
            level, title = len(hm.group(1)), hm.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            heading = " > ".join(t for _, t in stack)
            sec_start = offset
        offset += len(line)
    if text[sec_start:].strip():
        sections.append(Section(sec_start, len(text), heading))
    return Document(path, text, sections)


def read_text(path: str, data: bytes) -> Document:
    text = decode_text(data)
    return Document(path, text, [Section(0, len(text))] if text.strip() else [])


def reader_for(path: Path) -> Reader | None:
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return read_markdown
    if suffix in TEXT_SUFFIXES:
        return read_text
    return None
