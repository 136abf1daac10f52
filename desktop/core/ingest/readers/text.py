"""Plain text, Markdown and reStructuredText: the file's own text, cut at its headings."""

from __future__ import annotations

import re

from desktop.core.ingest.document import Document, Section
from desktop.core.ingest.readers.base import ReadError


def decode_text(data: bytes) -> str:
    """Decode text whose encoding is detected, not assumed."""
    if b"\x00" in data[:8192]:
        raise ReadError("binary content (NUL bytes) in a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is None:
        raise ReadError("undecodable text: no character encoding fits its bytes")
    # Short texts often fit several code pages equally well (ø in cp1252 is ř in cp1250):
    # then the most widespread one, Windows-1252, is the likeliest.
    for match in results:
        tied = (match.chaos, match.coherence) == (best.chaos, best.coherence)
        if tied and match.encoding == "cp1252":
            return str(match)
    return str(best)


def read_text(path: str, data: bytes) -> Document:
    text = decode_text(data)
    return Document(path, text, [Section(0, len(text))] if text.strip() else [])


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


# A section adornment: one punctuation character repeated, from the first column.
_ADORNMENT = re.compile(r"([!-/:-@\[-`{-~])\1+[ \t]*")


def _adornment(line: str) -> str:
    """The adornment character when ``line`` is an adornment line, else ''."""
    line = line.rstrip("\r\n")
    return line[0] if _ADORNMENT.fullmatch(line) else ""


def _rst_title(lines: list[str], i: int) -> tuple[str, str, bool, int] | None:
    """The section title starting at line ``i``: (title, char, overlined, line count)."""
    if i > 0 and lines[i - 1].strip():
        return None  # a title follows a blank line (or starts the document)
    first = lines[i].rstrip("\r\n")
    over = _adornment(first)
    if over and i + 2 < len(lines):
        title = lines[i + 1].strip()
        under = lines[i + 2].rstrip("\r\n").rstrip()
        if title and not _adornment(lines[i + 1]) and under == first.rstrip():
            return title, over, True, 3
    if over or not first.strip() or first[0].isspace() or i + 1 >= len(lines):
        return None
    underline = lines[i + 1].rstrip("\r\n").rstrip()
    char = _adornment(underline)
    title = first.strip()
    if char and (len(underline) >= len(title) or len(underline) >= 4):
        return title, char, False, 2
    return None


def read_rst(path: str, data: bytes) -> Document:
    """Sections per reStructuredText section title, levels in order of first appearance.

    Titles are found by their adornments (an underline, or an overline and an underline
    of the same character); indented blocks (literal blocks, directive bodies) hold none.
    """
    text = decode_text(data)
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    styles: list[tuple[str, bool]] = []
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    sec_start, heading, has_body = 0, "", False
    i = 0
    while i < len(lines):
        found = _rst_title(lines, i)
        if found is None:
            has_body = has_body or bool(lines[i].strip())
            i += 1
            continue
        title, char, overlined, count = found
        if has_body:
            sections.append(Section(sec_start, offsets[i], heading))
            sec_start = offsets[i]
        if (char, overlined) not in styles:
            styles.append((char, overlined))
        level = styles.index((char, overlined))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        heading = " > ".join(t for _, t in stack)
        has_body = False
        i += count
    if text[sec_start:].strip():
        sections.append(Section(sec_start, len(text.rstrip()), heading))
    return Document(path, text, sections)
